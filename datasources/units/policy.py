"""Who sees which rows of the work-unit database. Default: nothing.

Organisations (units, branches) are not personal data: every signed-in role may read
them. Members are: a unit sees its own (a branch only its branch), a community its
supporters, a member himself, the district and the auditor everyone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select

from datasources.scope import CrossSideFacts, Role, Viewer
from datasources.units.models import Member, PartyBranch, WorkUnit

DENY: list[ColumnElement[bool]] = [false()]


async def visible(
    model: type[Any], viewer: Viewer, facts: CrossSideFacts
) -> list[ColumnElement[bool]]:
    if viewer.sees_everything:
        return []
    if viewer.role is Role.ANONYMOUS:
        return DENY
    if model in (WorkUnit, PartyBranch):
        return []
    if model is Member:
        return await _members(viewer, facts)
    return DENY


async def _members(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.UNIT_BRANCH:
        return [unit_members(viewer)]
    if viewer.is_community_side:
        return [Member.code.in_(await facts.members_reported_to_viewer())]
    if viewer.role is Role.MEMBER:
        return [Member.code == viewer.member]
    return DENY


def unit_members(viewer: Viewer) -> ColumnElement[bool]:
    """Members a unit viewer answers for: the whole unit, or only his branch if he has one."""
    units = select(WorkUnit.id).where(WorkUnit.code == viewer.unit)
    if viewer.branch is None:
        return Member.unit_id.in_(units)
    branches = select(PartyBranch.id).where(
        PartyBranch.code == viewer.branch, PartyBranch.unit_id.in_(units)
    )
    return Member.branch_id.in_(branches)
