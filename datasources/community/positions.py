"""Positions (职务: 三长 and 党员中心户): who reads them, the buildings a holder's position
covers, whether a position is in force, and their per-request loaders.

A position is in force from `starts_on` to `ends_on` (China dates) unless revoked. The check
is part of every statement a position holder runs (`in_position_scope`), and the gateway
refuses his token once the position is not in force (`position_in_force`), so revoking a
position takes away its access at once, whatever the token's lifetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from datasources.base import Datasource
from datasources.common import CHINA
from datasources.community.group_models import (
    AssigneeKind,
    AssignmentStatus,
    HouseholdAssignment,
)
from datasources.community.models import Building, Community
from datasources.community.position_models import HolderKind, Position, PositionKind
from datasources.loaders import ListLoaders, row_by_key
from datasources.paging import ListSpec
from datasources.scope import CrossSideFacts, Role, Scope, Viewer


def china_today() -> date:
    return datetime.now(CHINA).date()


def in_force(today: date | None = None) -> ColumnElement[bool]:
    """Positions whose term covers `today` (China time) and that were not revoked."""
    day = today or china_today()
    return and_(Position.revoked_at.is_(None), Position.starts_on <= day, Position.ends_on >= day)


def _holders_position(viewer: Viewer) -> Select[Any]:
    """The position a `position_holder` viewer names, in his community, if in force, and
    held by him: the token's subject (and issuer) are the holder's recorded sign-in. A
    null issuer (positions from before migration 0020) is the deployment's one issuer."""
    community = select(Community.id).where(Community.code == viewer.community)
    return select(Position).where(
        Position.code == viewer.position, Position.community_id.in_(community), in_force(),
        Position.holder_subject == viewer.subject,
        or_(Position.holder_issuer.is_(None), Position.holder_issuer == viewer.issuer),
    )  # fmt: skip


@dataclass(frozen=True)
class Address:
    """Where a record's resident lives (住址): the columns of a model naming building, unit
    (单元), floor and room (门牌)."""

    building: Any
    unit: Any
    floor: Any
    room: Any


def in_position_scope(viewer: Viewer, at: Address) -> ColumnElement[bool]:
    """Rows whose address the holder's position (in force, held by him) covers, exactly:
    a 小区长 his compound's buildings, a 楼栋长 his building, a 单元长 his unit of his
    building (a row of an unknown unit is not his), a 党员中心户 the households assigned to
    him in his building (包干到户/到层: a whole floor, or one room of it, or the building).
    A row without a building is nobody's."""
    held = _holders_position(viewer).subquery("held")
    # Correlated explicitly: the row's table belongs to the statement the clause filters,
    # however deep the subquery sits (auto-correlation reaches only the enclosing level).
    compound_of_row = (
        select(Building.compound_id).where(Building.id == at.building).correlate_except(Building)
    )
    assigned = (
        select(HouseholdAssignment.id)
        .where(
            HouseholdAssignment.assignee_kind == AssigneeKind.MEMBER,
            HouseholdAssignment.assignee_code == held.c.holder_code,
            HouseholdAssignment.building_id == held.c.building_id,
            HouseholdAssignment.status == AssignmentStatus.ACTIVE,
            or_(HouseholdAssignment.floor.is_(None), HouseholdAssignment.floor == at.floor),
            or_(HouseholdAssignment.household.is_(None), HouseholdAssignment.household == at.room),
        )
        .correlate_except(HouseholdAssignment)
        .exists()
    )
    covers = or_(
        and_(held.c.kind == PositionKind.COMPOUND_LEADER,
             held.c.compound_id.in_(compound_of_row.scalar_subquery())),
        and_(held.c.kind == PositionKind.BUILDING_LEADER, held.c.building_id == at.building),
        and_(held.c.kind == PositionKind.UNIT_LEADER, held.c.building_id == at.building,
             held.c.unit_no == at.unit),
        and_(held.c.kind == PositionKind.MEMBER_HOUSEHOLD, held.c.building_id == at.building,
             assigned),
    )  # fmt: skip
    return and_(
        at.building.is_not(None), select(held.c.id).where(covers).correlate_except(held).exists()
    )


async def position_in_force(source: Datasource, viewer: Viewer) -> bool:
    """Whether the position a `position_holder` token names is in force now (one statement)."""
    async with source.session() as session:
        found = await session.scalar(_holders_position(viewer).with_only_columns(Position.id))
    return found is not None


async def _positions(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Positions: the community's roles those of their community; a holder his own
    position; a member the positions he holds (also ended ones)."""
    if viewer.is_community_side:
        community = select(Community.id).where(Community.code == viewer.community)
        return [Position.community_id.in_(community)]
    if viewer.role is Role.POSITION_HOLDER:
        return [Position.id.in_(_holders_position(viewer).with_only_columns(Position.id))]
    if viewer.role is Role.MEMBER:
        return [Position.holder_kind == HolderKind.MEMBER, Position.holder_code == viewer.member]
    return [false()]


POSITION_RULES = {Position: _positions}


@dataclass(frozen=True)
class PositionFilter:
    """Positions by kind; with `in_force_only`, only those in force today (在任)."""

    kinds: tuple[PositionKind, ...] | None = None
    in_force_only: bool = False


def _position_clauses(f: PositionFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [in_force()] if f.in_force_only else []
    if f.kinds is not None:
        clauses.append(Position.kind.in_(f.kinds))
    return clauses


POSITIONS = ListSpec(
    Position,
    orders={"code": Position.code, "starts_on": Position.starts_on},
    filter_clauses=_position_clauses,
)


class PositionLoaders:
    """The loaders of positions, one set per request (hung on `CommunityLoaders`)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.position_by_id = row_by_key(source, scope, Position.id)
        self.positions_of_community = ListLoaders(source, scope, POSITIONS, Position.community_id)
