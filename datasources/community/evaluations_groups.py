"""Lists and per-request loaders of evaluations (三评) and opinion requests (征求社区意见),
building groups (楼栋党小组) and household assignments (包干到户): the community side's part of workflow 8 and of the
grouping in workflow 1.

A year's evaluations of many members load in one statement (every revision of each
member's year, so the superseded revisions come with the active ones); a group's roster,
buildings and a building's assignments are small bounded lists loaded per key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import AppraisalGrade
from datasources.community.evaluation_models import (
    EvaluationKind,
    EvaluationStatus,
    MemberEvaluation,
)
from datasources.community.group_models import (
    AssigneeKind,
    AssignmentStatus,
    BuildingGroup,
    BuildingGroupBuilding,
    BuildingGroupMember,
    GroupStatus,
    HouseholdAssignment,
    MembershipStatus,
)
from datasources.community.opinion_models import OpinionRequest, OpinionRequestStatus
from datasources.loaders import ListLoaders, row_by_key, rows_by_key
from datasources.paging import ListSpec
from datasources.scope import Scope

MemberYear = tuple[str, int]


@dataclass(frozen=True)
class EvaluationFilter:
    """Active evaluations (有效评价) of a community: by year, grade and level."""

    year: int | None = None
    grades: tuple[AppraisalGrade, ...] | None = None
    kinds: tuple[EvaluationKind, ...] | None = None


def _evaluation_clauses(f: EvaluationFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.year is not None:
        clauses.append(MemberEvaluation.year == f.year)
    if f.grades is not None:
        clauses.append(MemberEvaluation.grade.in_(f.grades))
    if f.kinds is not None:
        clauses.append(MemberEvaluation.kind.in_(f.kinds))
    return clauses


@dataclass(frozen=True)
class BuildingGroupFilter:
    """Building groups (楼栋党小组): active ones unless other states are asked for."""

    statuses: tuple[GroupStatus, ...] | None = (GroupStatus.ACTIVE,)


def _group_clauses(f: BuildingGroupFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [BuildingGroup.status.in_(f.statuses)]


@dataclass(frozen=True)
class OpinionRequestFilter:
    """Opinion requests (征求社区意见): by state and member."""

    statuses: tuple[OpinionRequestStatus, ...] | None = None
    member_code: str | None = None


def _opinion_clauses(f: OpinionRequestFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        clauses.append(OpinionRequest.status.in_(f.statuses))
    if f.member_code is not None:
        clauses.append(OpinionRequest.member_code == f.member_code)
    return clauses


OPINION_REQUESTS = ListSpec(
    OpinionRequest,
    orders={"asked_at": OpinionRequest.asked_at},
    filter_clauses=_opinion_clauses,
)
EVALUATIONS = ListSpec(
    MemberEvaluation,
    orders={"created_at": MemberEvaluation.created_at, "member_code": MemberEvaluation.member_code},
    filter_clauses=_evaluation_clauses,
    base_where=(MemberEvaluation.status == EvaluationStatus.ACTIVE,),
)
BUILDING_GROUPS = ListSpec(
    BuildingGroup,
    orders={"name": BuildingGroup.name, "created_at": BuildingGroup.created_at},
    filter_clauses=_group_clauses,
)


class EvaluationGroupLoaders:
    """The loaders of this area, one set per request (hung on `CommunityLoaders`)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self._source, self._scope = source, scope
        self.evaluation_by_id = row_by_key(source, scope, MemberEvaluation.id)
        self.evaluations_of_community = ListLoaders(
            source, scope, EVALUATIONS, MemberEvaluation.community_id
        )
        self.evaluations_of_member_year: DataLoader[MemberYear, list[Any]] = DataLoader(
            load_fn=self._member_years
        )
        self.opinion_request_by_id = row_by_key(source, scope, OpinionRequest.id)
        self.opinion_requests = ListLoaders(source, scope, OPINION_REQUESTS)
        self.group_by_id = row_by_key(source, scope, BuildingGroup.id)
        self.groups_of_community = ListLoaders(
            source, scope, BUILDING_GROUPS, BuildingGroup.community_id
        )
        self.buildings_of_group = rows_by_key(
            source, scope, BuildingGroupBuilding.group_id, BuildingGroupBuilding.building_id
        )
        self.membership_by_id = row_by_key(source, scope, BuildingGroupMember.id)
        self.active_members_of_group = rows_by_key(
            source, scope, BuildingGroupMember.group_id, BuildingGroupMember.id,
            where=(BuildingGroupMember.status == MembershipStatus.ACTIVE,),
        )  # fmt: skip
        self.all_members_of_group = rows_by_key(
            source, scope, BuildingGroupMember.group_id, BuildingGroupMember.id
        )
        self.active_membership_of_member = row_by_key(
            source, scope, BuildingGroupMember.member_code,
            BuildingGroupMember.status == MembershipStatus.ACTIVE,
        )  # fmt: skip
        self.assignment_by_id = row_by_key(source, scope, HouseholdAssignment.id)
        self.active_assignments_of_building = rows_by_key(
            source, scope, HouseholdAssignment.building_id, HouseholdAssignment.floor,
            HouseholdAssignment.id, where=(HouseholdAssignment.status == AssignmentStatus.ACTIVE,),
        )  # fmt: skip
        self.all_assignments_of_building = rows_by_key(
            source, scope, HouseholdAssignment.building_id, HouseholdAssignment.id
        )
        self.active_assignments_of_member = rows_by_key(
            source, scope, HouseholdAssignment.assignee_code, HouseholdAssignment.id,
            where=(HouseholdAssignment.assignee_kind == AssigneeKind.MEMBER,
                   HouseholdAssignment.status == AssignmentStatus.ACTIVE),
        )  # fmt: skip

    async def _member_years(self, keys: list[MemberYear]) -> list[list[Any]]:
        """Every revision of each (member, year), newest first: one statement for all."""
        codes = sorted({code for code, _ in keys})
        years = sorted({year for _, year in keys})
        visible = await self._scope.where(MemberEvaluation)
        stmt = (
            select(MemberEvaluation)
            .where(
                MemberEvaluation.member_code.in_(codes),
                MemberEvaluation.year.in_(years),
                *visible,
            )
            .order_by(MemberEvaluation.created_at.desc(), MemberEvaluation.id.desc())
        )
        grouped: dict[MemberYear, list[Any]] = defaultdict(list)
        async with self._source.session() as session:
            for row in await session.scalars(stmt):
                grouped[(row.member_code, row.year)].append(row)
        return [grouped.get(key, []) for key in keys]
