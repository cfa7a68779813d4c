"""Per-request DataLoaders of the work-unit side."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.loaders import ListLoaders, row_by_key
from datasources.scope import Scope
from datasources.units.lists import CERTIFICATES, MEMBERS, PARTY_BRANCHES, WORK_UNITS
from datasources.units.models import (
    MasterEvent,
    Member,
    OrganisationEvaluation,
    PartyBranch,
    VolunteerCertificate,
    WorkUnit,
)
from datasources.units.performance import UnitsPerformance

MemberYear = tuple[int, int]
EntityKey = tuple[str, int]  # (entity type, row id)


class UnitsLoaders:
    """Every loader a request may use on the work-unit database; built fresh per request."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.scope = scope  # for a check outside a loader (a replayed mutation)
        self.work_unit_by_id = row_by_key(source, scope, WorkUnit.id)
        self.work_unit_by_code = row_by_key(source, scope, WorkUnit.code)
        self.branch_by_id = row_by_key(source, scope, PartyBranch.id)
        self.branch_by_code = row_by_key(source, scope, PartyBranch.code)
        self.member_by_id = row_by_key(source, scope, Member.id)
        self.member_by_code = row_by_key(source, scope, Member.code)
        self.performance = UnitsPerformance(source, scope)  # appraisal policy, members

        self.work_units = ListLoaders(source, scope, WORK_UNITS)
        self.branches = ListLoaders(source, scope, PARTY_BRANCHES)
        self.branches_of_unit = ListLoaders(source, scope, PARTY_BRANCHES, PartyBranch.unit_id)
        self.members = ListLoaders(source, scope, MEMBERS)
        self.members_of_unit = ListLoaders(source, scope, MEMBERS, Member.unit_id)
        self.members_of_branch = ListLoaders(source, scope, MEMBERS, Member.branch_id)
        self._organisation_evaluations(source, scope)
        # Volunteer-hours certificates (志愿服务时长证明).
        self.certificate_by_id = row_by_key(source, scope, VolunteerCertificate.id)
        self.certificates = ListLoaders(source, scope, CERTIFICATES)
        # Change history (主数据变更记录) of units, branches and members, oldest first.
        self.master_history: DataLoader[EntityKey, list[Any]] = DataLoader(
            load_fn=self._master_history
        )

    async def _master_history(self, keys: list[EntityKey]) -> list[list[Any]]:
        """Every key's history rows the viewer may read: one statement for all keys."""
        visible = await self._scope.where(MasterEvent)
        grouped: dict[EntityKey, list[Any]] = defaultdict(list)
        stmt = (
            select(MasterEvent)
            .where(
                MasterEvent.entity_type.in_(sorted({kind for kind, _ in keys})),
                MasterEvent.entity_id.in_(sorted({row for _, row in keys})),
                *visible,
            )
            .order_by(MasterEvent.occurred_at, MasterEvent.id)
        )
        async with self._source.session() as session:
            for row in await session.scalars(stmt):
                grouped[(row.entity_type, row.entity_id)].append(row)
        return [grouped.get(key, []) for key in keys]

    def _organisation_evaluations(self, source: Datasource, scope: Scope) -> None:
        """Organisation evaluations (组织评价): by id, and every revision of a member's year."""
        self.organisation_evaluation_by_id = row_by_key(source, scope, OrganisationEvaluation.id)
        self._source, self._scope = source, scope
        self.organisation_evaluations_of_member_year: DataLoader[MemberYear, list[Any]] = (
            DataLoader(load_fn=self._member_years)
        )

    async def _member_years(self, keys: list[MemberYear]) -> list[list[Any]]:
        """Revisions per (member id, year), newest first: one statement for all keys."""
        visible = await self._scope.where(OrganisationEvaluation)
        stmt = (
            select(OrganisationEvaluation)
            .where(
                OrganisationEvaluation.member_id.in_(sorted({member for member, _ in keys})),
                OrganisationEvaluation.year.in_(sorted({year for _, year in keys})),
                *visible,
            )
            .order_by(OrganisationEvaluation.created_at.desc(), OrganisationEvaluation.id.desc())
        )
        grouped: dict[MemberYear, list[Any]] = defaultdict(list)
        async with self._source.session() as session:
            for row in await session.scalars(stmt):
                grouped[(row.member_id, row.year)].append(row)
        return [grouped.get(key, []) for key in keys]
