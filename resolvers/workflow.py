"""What every workflow mutation shares: refusals as data, history, idempotency keys.

Business rules raise `Refusal` for expected failures (invalid state, duplicate, unknown
code); the GraphQL layer turns it into a typed `userErrors` entry. A refusal raised inside
the mutation's transaction rolls everything back: nothing is half-written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import CHINA
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import (
    Building,
    Community,
    Compound,
    IdempotencyKey,
    PairingStatus,
    Report,
    ServiceCategory,
    StateEvent,
    UnitPairing,
)
from datasources.outbox import NOT_A_CHANGE
from datasources.scope import Role, Viewer


class Refusal(Exception):
    """An expected business failure: a code for clients, a message for users (Chinese)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def manages_community(viewer: Viewer, community_code: str | None) -> bool:
    """The community itself, or a grid secretary of that community."""
    return (
        viewer.role in (Role.COMMUNITY, Role.GRID_SECRETARY)
        and community_code is not None
        and viewer.community == community_code
    )


async def write_lock(session: AsyncSession, model: Any, key: Any, *, shared: bool = False) -> None:
    """Serialise the writers of one row, or of one named thing, until the transaction ends.

    SQLite needs nothing here: every write transaction (`Datasource.transaction()`) begins
    `IMMEDIATE` and holds the database's only write lock from its first statement
    (`datasources.base.serialise_writers`). PostgreSQL takes a transaction-scoped advisory
    lock on (table, key): unlike `SELECT ... FOR UPDATE` it also serialises on a row that
    does not exist yet (a points account about to be opened, a year not yet closed, a
    sentinel key for "all writers of this table"). `shared=True` takes it shared: many
    holders at once, but none while someone holds it exclusively (e.g. scoring a year,
    against closing it). Take it before reading what the change depends on.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    lock = func.pg_advisory_xact_lock_shared if shared else func.pg_advisory_xact_lock
    table = model.__table__.name
    await session.execute(select(lock(func.hashtext(table), func.hashtext(str(key)))))


async def community_code_of(session: AsyncSession, community_id: int | None) -> str | None:
    """The community's code (None for no community), e.g. for `manages_community`."""
    if community_id is None:
        return None
    code: str | None = await session.scalar(
        select(Community.code).where(Community.id == community_id)
    )
    return code


async def community_id_of(
    session: AsyncSession, code: str, field: str = "input.communityCode"
) -> int:
    """The community's row id; NOT_FOUND (a user error) for an unknown code."""
    community_id = await session.scalar(select(Community.id).where(Community.code == code))
    if community_id is None:
        raise Refusal("NOT_FOUND", "未找到该社区。", field)
    return int(community_id)


async def building_id_in(session: AsyncSession, community_id: int, code: str | None) -> int | None:
    """The row id of a building of the community (None without a code); NOT_FOUND (a user
    error) for a building elsewhere or unknown."""
    if code is None:
        return None
    building_id: int | None = await session.scalar(
        select(Building.id)
        .join(Compound, Building.compound_id == Compound.id)
        .where(Building.code == code, Compound.community_id == community_id)
    )
    if building_id is None:
        raise Refusal("NOT_FOUND", "该社区没有这个楼栋。", "input.buildingCode")
    return building_id


async def category_id_of(
    session: AsyncSession, code: str, field: str = "input.categoryCode"
) -> int:
    """The service category's row id; NOT_FOUND (a user error) for an unknown code."""
    category_id = await session.scalar(
        select(ServiceCategory.id).where(ServiceCategory.code == code)
    )
    if category_id is None:
        raise Refusal("NOT_FOUND", f"未知的服务类别：{code}。", field)
    return int(category_id)


async def is_supporter(session: AsyncSession, member: str, community_id: int) -> bool:
    """Whether the member has an active report (报到) to the community."""
    found = await session.scalar(
        select(Report.id).where(
            Report.member_code == member,
            Report.community_id == community_id,
            Report.status.in_(ACTIVE_REPORT_STATUSES),
        )
    )
    return found is not None


async def is_paired(session: AsyncSession, unit: str, community_id: int) -> bool:
    """Whether the unit has an active pairing (结对) with the community."""
    found = await session.scalar(
        select(UnitPairing.id).where(
            UnitPairing.unit_code == unit,
            UnitPairing.community_id == community_id,
            UnitPairing.status == PairingStatus.ACTIVE,
        )
    )
    return found is not None


def today_in_china() -> date:
    """Dates of record are China Standard Time, whatever the server's zone."""
    return datetime.now(CHINA).date()


def record(
    session: AsyncSession,
    viewer: Viewer,
    entity_type: str,
    entity_id: int,
    from_state: str | None,
    to_state: str,
    note: str | None = None,
) -> None:
    session.add(
        StateEvent(
            entity_type=entity_type,
            entity_id=entity_id,
            from_state=from_state,
            to_state=to_state,
            actor_subject=viewer.subject,
            actor_role=viewer.role.value,
            note=note,
        )
    )


async def earlier_result(
    session: AsyncSession, viewer: Viewer, mutation: str, key: str | None
) -> int | None:
    """The id a retried request created the first time, if this key was seen."""
    if key is None:
        return None
    return await session.scalar(
        select(IdempotencyKey.result_id).where(
            IdempotencyKey.subject == viewer.subject,
            IdempotencyKey.mutation == mutation,
            IdempotencyKey.key == key,
        )
    )


def remember(
    session: AsyncSession, viewer: Viewer, mutation: str, key: str | None, result_id: int
) -> None:
    if key is not None:
        session.add(
            IdempotencyKey(subject=viewer.subject, mutation=mutation, key=key, result_id=result_id)
        )
