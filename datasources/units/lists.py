"""The work-unit side's lists: what can be filtered and sorted, as hashable values."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from datasources.filtering import contains, one_of
from datasources.paging import ListSpec
from datasources.units.models import (
    CertificateStatus,
    Gender,
    Member,
    MemberStatus,
    OrganisationStatus,
    PartyBranch,
    PoliticalStatus,
    UnitKind,
    UnitLevel,
    VolunteerCertificate,
    WorkUnit,
)


@dataclass(frozen=True)
class WorkUnitFilter:
    name_contains: str | None = None
    kinds: tuple[UnitKind, ...] | None = None
    levels: tuple[UnitLevel, ...] | None = None
    district_name: str | None = None
    include_retired: bool = False


@dataclass(frozen=True)
class PartyBranchFilter:
    name_contains: str | None = None
    unit_code: str | None = None
    include_retired: bool = False


@dataclass(frozen=True)
class MemberFilter:
    name_contains: str | None = None
    codes: tuple[str, ...] | None = None
    political_statuses: tuple[PoliticalStatus, ...] | None = None
    gender: Gender | None = None
    unit_code: str | None = None
    branch_code: str | None = None
    in_service: bool | None = None
    include_left: bool = False


def _work_unit_clauses(f: WorkUnitFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(WorkUnit.name, f.name_contains))
    if f.kinds is not None:
        clauses.append(one_of(WorkUnit.kind, f.kinds))
    if f.levels is not None:
        clauses.append(one_of(WorkUnit.level, f.levels))
    if f.district_name:
        clauses.append(WorkUnit.district_name == f.district_name)
    if not f.include_retired:
        clauses.append(WorkUnit.status == OrganisationStatus.ACTIVE)
    return clauses


def _branch_clauses(f: PartyBranchFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(PartyBranch.name, f.name_contains))
    if f.unit_code is not None:
        unit_ids = select(WorkUnit.id).where(WorkUnit.code == f.unit_code)
        clauses.append(PartyBranch.unit_id.in_(unit_ids))
    if not f.include_retired:
        clauses.append(PartyBranch.status == OrganisationStatus.ACTIVE)
    return clauses


def _member_clauses(f: MemberFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Member.name, f.name_contains))
    if f.codes is not None:
        clauses.append(one_of(Member.code, f.codes))
    if f.political_statuses is not None:
        clauses.append(one_of(Member.political_status, f.political_statuses))
    if f.gender is not None:
        clauses.append(Member.gender == f.gender)
    if f.unit_code is not None:
        clauses.append(Member.unit_id.in_(select(WorkUnit.id).where(WorkUnit.code == f.unit_code)))
    if f.branch_code is not None:
        branch_ids = select(PartyBranch.id).where(PartyBranch.code == f.branch_code)
        clauses.append(Member.branch_id.in_(branch_ids))
    if f.in_service is not None:
        clauses.append(Member.in_service == f.in_service)
    if not f.include_left:
        clauses.append(Member.status == MemberStatus.ACTIVE)
    return clauses


WORK_UNITS = ListSpec(
    WorkUnit,
    orders={"name": WorkUnit.name, "code": WorkUnit.code},
    filter_clauses=_work_unit_clauses,
    default_filter=WorkUnitFilter(),  # active units only
)
PARTY_BRANCHES = ListSpec(
    PartyBranch,
    orders={"name": PartyBranch.name, "code": PartyBranch.code},
    filter_clauses=_branch_clauses,
    default_filter=PartyBranchFilter(),  # active branches only
)
MEMBERS = ListSpec(
    Member,
    orders={"name": Member.name, "code": Member.code},
    filter_clauses=_member_clauses,
    default_filter=MemberFilter(),  # members in the Party only
)


@dataclass(frozen=True)
class CertificateFilter:
    """Volunteer-hours certificates by member, year, branch and state; all given must hold."""

    member_code: str | None = None
    year: int | None = None
    branch_code: str | None = None
    statuses: tuple[CertificateStatus, ...] | None = None


def _certificate_clauses(f: CertificateFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.member_code is not None:
        clauses.append(VolunteerCertificate.member_code == f.member_code)
    if f.year is not None:
        clauses.append(VolunteerCertificate.year == f.year)
    if f.branch_code is not None:
        branch_ids = select(PartyBranch.id).where(PartyBranch.code == f.branch_code)
        clauses.append(VolunteerCertificate.branch_id.in_(branch_ids))
    if f.statuses is not None:
        clauses.append(one_of(VolunteerCertificate.status, f.statuses))
    return clauses


CERTIFICATES = ListSpec(
    VolunteerCertificate,
    orders={"issued_at": VolunteerCertificate.issued_at},
    filter_clauses=_certificate_clauses,
    default_filter=CertificateFilter(),
)
