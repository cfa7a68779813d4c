"""Positions (职务: 三长 and 党员中心户): who reads them, the buildings a holder's position
covers, whether a position is in force, and their per-request loaders.

A position is in force from `starts_on` to `ends_on` (China dates) unless revoked. The check
is part of every statement a position holder runs (`position_buildings`), and the gateway
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
    """The position a `position_holder` viewer names, in his community, if in force."""
    community = select(Community.id).where(Community.code == viewer.community)
    return select(Position).where(
        Position.code == viewer.position, Position.community_id.in_(community), in_force()
    )


def position_buildings(viewer: Viewer) -> Select[Any]:
    """Buildings a holder's position covers: a 小区长 his compound's, the others their
    building (orders record a building, not a unit: a 单元长 sees his building's)."""
    held = _holders_position(viewer).subquery()
    covers = or_(
        Building.id == held.c.building_id,
        and_(held.c.kind == PositionKind.COMPOUND_LEADER,
             Building.compound_id == held.c.compound_id),
    )  # fmt: skip
    return select(Building.id).join(held, covers)


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
