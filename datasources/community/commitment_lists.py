"""Lists of public commitments (公开承诺) and commendations (表彰): filters and orders."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from datasources.community.commendation_models import (
    Commendation,
    CommendationLevel,
    CommendationStatus,
    HonoreeKind,
)
from datasources.community.commitment_models import CommitmentStatus, MemberCommitment
from datasources.community.models import Community
from datasources.filtering import one_of
from datasources.paging import ListSpec


@dataclass(frozen=True)
class CommitmentFilter:
    """By member, community, year and state; all given must hold."""

    member_code: str | None = None
    community_code: str | None = None
    year: int | None = None
    statuses: tuple[CommitmentStatus, ...] | None = None


def _clauses(f: CommitmentFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.member_code is not None:
        clauses.append(MemberCommitment.member_code == f.member_code)
    if f.community_code is not None:
        communities = select(Community.id).where(Community.code == f.community_code)
        clauses.append(MemberCommitment.community_id.in_(communities))
    if f.year is not None:
        clauses.append(MemberCommitment.year == f.year)
    if f.statuses is not None:
        clauses.append(one_of(MemberCommitment.status, f.statuses))
    return clauses


COMMITMENTS: ListSpec[MemberCommitment, CommitmentFilter] = ListSpec(
    MemberCommitment,
    orders={"created_at": MemberCommitment.created_at},
    filter_clauses=_clauses,
    default_filter=CommitmentFilter(),
)


@dataclass(frozen=True)
class CommendationFilter:
    """By honoree, community, year, level and state; all given must hold."""

    honoree_kind: HonoreeKind | None = None
    honoree_code: str | None = None
    community_code: str | None = None
    year: int | None = None
    levels: tuple[CommendationLevel, ...] | None = None
    statuses: tuple[CommendationStatus, ...] | None = None


def _commendation_clauses(f: CommendationFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.honoree_kind is not None:
        clauses.append(Commendation.honoree_kind == f.honoree_kind)
    if f.honoree_code is not None:
        clauses.append(Commendation.honoree_code == f.honoree_code)
    if f.community_code is not None:
        communities = select(Community.id).where(Community.code == f.community_code)
        clauses.append(Commendation.community_id.in_(communities))
    if f.year is not None:
        clauses.append(Commendation.year == f.year)
    if f.levels is not None:
        clauses.append(one_of(Commendation.level, f.levels))
    if f.statuses is not None:
        clauses.append(one_of(Commendation.status, f.statuses))
    return clauses


COMMENDATIONS: ListSpec[Commendation, CommendationFilter] = ListSpec(
    Commendation,
    orders={"awarded_at": Commendation.awarded_at},
    filter_clauses=_commendation_clauses,
    default_filter=CommendationFilter(),
)
