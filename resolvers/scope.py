"""The hub's answers to the facts one side needs from the other to scope a viewer.

A community sees only members who reported to it, but members live on the work-unit side;
a unit sees only its members' reports, but reports live on the community side. Each fact
is one statement, run at most once per request and only when a query needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import select

from datasources.audit.policy import visible as audit_visible
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import Report
from datasources.community.policy import community_reports
from datasources.community.policy import visible as community_visible
from datasources.community.source import CommunitySource
from datasources.scope import Once, Role, Scope, Viewer
from datasources.units.models import Member, WorkUnit
from datasources.units.policy import unit_members
from datasources.units.policy import visible as units_visible
from datasources.units.source import UnitsSource


class HubFacts:
    def __init__(self, viewer: Viewer, units: UnitsSource, community: CommunitySource) -> None:
        self.viewer = viewer
        self._unit_members = Once(
            lambda: self._codes(units, select(Member.code).where(unit_members(viewer)))
        )
        self._member_unit = Once(lambda: self._unit_code(units, viewer.member))
        self._community_members = Once(
            lambda: self._codes(
                community,
                select(Report.member_code).where(
                    community_reports(viewer), Report.status.in_(ACTIVE_REPORT_STATUSES)
                ),
            )
        )

    async def members_of_viewer_unit(self) -> Sequence[str]:
        if self.viewer.role is not Role.UNIT_BRANCH:
            return []
        codes: Sequence[str] = await self._unit_members.get()
        return codes

    async def unit_of_viewer_member(self) -> str | None:
        if self.viewer.role is not Role.MEMBER or self.viewer.member is None:
            return None
        code: str | None = await self._member_unit.get()
        return code

    async def members_reported_to_viewer(self) -> Sequence[str]:
        if not self.viewer.is_community_side:
            return []
        codes: Sequence[str] = await self._community_members.get()
        return codes

    @staticmethod
    async def _unit_code(units: UnitsSource, member_code: str | None) -> str | None:
        async with units.session() as session:
            code: str | None = await session.scalar(
                select(WorkUnit.code)
                .join(Member, Member.unit_id == WorkUnit.id)
                .where(Member.code == member_code)
            )
        return code

    @staticmethod
    async def _codes(source: UnitsSource | CommunitySource, statement: Any) -> list[str]:
        async with source.session() as session:
            return list(await session.scalars(statement))


class Scopes(NamedTuple):
    units: Scope
    community: Scope
    audit: Scope


def scopes_for(viewer: Viewer, units: UnitsSource, community: CommunitySource) -> Scopes:
    """The viewer's scope on each datasource, sharing one set of facts."""
    facts = HubFacts(viewer, units, community)
    return Scopes(
        Scope(units_visible, viewer, facts),
        Scope(community_visible, viewer, facts),
        Scope(audit_visible, viewer, facts),
    )
