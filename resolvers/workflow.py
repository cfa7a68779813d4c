"""What every workflow mutation shares: refusals as data, history, idempotency keys.

Business rules raise `Refusal` for expected failures (invalid state, duplicate, unknown
code); the GraphQL layer turns it into a typed `userErrors` entry. A refusal raised inside
the mutation's transaction rolls everything back: nothing is half-written.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from datasources.common import CHINA, utcnow
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
from datasources.scope import GRID_ROLES, Role, Viewer

if TYPE_CHECKING:
    from resolvers.context import HubContext

M = TypeVar("M")
_CLAIMS = "idempotency_claims"  # session.info: keys this transaction claimed, by key


class RefusalCode(Enum):
    """Why a business rule refused (kept outside GraphQL: the schema's `UserErrorCode` is
    this enum, so a misspelt code is a type error, not an internal error at run time)."""

    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    DUPLICATE = "duplicate"
    NOT_IN_SERVICE = "not_in_service"
    FULL = "full"
    NOT_REPORTED = "not_reported"
    NOT_PAIRED = "not_paired"
    ALREADY_CLAIMED = "already_claimed"
    INSUFFICIENT_POINTS = "insufficient_points"
    OUT_OF_STOCK = "out_of_stock"
    OUTSIDE_WINDOW = "outside_window"
    # A slot of a shared space that overlaps one booked already (空间时段已被预约).
    SLOT_TAKEN = "slot_taken"
    INVALID_CODE = "invalid_code"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOT_A_MEMBER = "not_a_member"
    ABOVE_CEILING = "above_ceiling"
    RESIDENT_RATES = "resident_rates"
    OVER_BUDGET = "over_budget"
    # An uploaded file whose content is not of a type allowed there, or does not decode.
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"


class Refusal(Exception):
    """An expected business failure: a code for clients, a message for users (Chinese)."""

    def __init__(self, code: RefusalCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def manages_community(viewer: Viewer, community_code: str | None) -> bool:
    """The community itself, or a grid secretary of that community."""
    return (
        viewer.role in (Role.COMMUNITY, *GRID_ROLES)
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
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该社区。", field)
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
        raise Refusal(RefusalCode.NOT_FOUND, "该社区没有这个楼栋。", "input.buildingCode")
    return building_id


async def category_id_of(
    session: AsyncSession, code: str, field: str = "input.categoryCode"
) -> int:
    """The service category's row id; NOT_FOUND (a user error) for an unknown code."""
    category_id = await session.scalar(
        select(ServiceCategory.id).where(ServiceCategory.code == code)
    )
    if category_id is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"未知的服务类别：{code}。", field)
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
    changes: dict[str, list[object]] | None = None,
) -> None:
    """Append one state event; `changes` ({field: [before, after]}) for master data."""
    session.add(
        StateEvent(
            entity_type=entity_type,
            entity_id=entity_id,
            from_state=from_state,
            to_state=to_state,
            actor_subject=viewer.subject,
            actor_role=viewer.role.value,
            actor_organisation=viewer.organisation,
            note=note,
            changes=changes,
        )
    )


def legacy_identity_key(subject: str) -> str:
    """The key migration 0008 gave rows written before identities, when only the subject
    was recorded: such a row can only be matched by subject (see docs/access.md)."""
    return hashlib.sha256(f"legacy\0{subject}".encode()).hexdigest()


async def replayed(
    ctx: HubContext, session: AsyncSession, model: type[M], mutation: str, key: str | None
) -> M | None:
    """The row a retried request created the first time, or None: then this request owns
    the key, and must `remember` its result in the same transaction.

    The key is the caller's (`Viewer.identity_key`: issuer, subject, role and scope), so the
    same `clientMutationId` from another caller is another key. It is claimed first with
    `INSERT ... ON CONFLICT DO NOTHING`: a concurrent request with the same key waits for
    the first one's transaction (PostgreSQL: the uniqueness check; SQLite: the database
    write lock), then finds its result instead of failing on the unique key. The result is
    read again through the caller's scope, so a replay never returns what he cannot read.
    """
    if key is None:
        return None
    viewer = ctx.viewer
    result_id = await _claim(session, viewer.identity_key, viewer.subject, mutation, key)
    if result_id is None:
        result_id = await _legacy_result(session, viewer.subject, mutation, key)
        if result_id is None or not await _readable(ctx, session, model, result_id):
            return None  # a new request: ours to carry out (a legacy key it cannot read too)
        remember(session, viewer, mutation, key, result_id)
    if not await _readable(ctx, session, model, result_id):
        raise Refusal(
            RefusalCode.DUPLICATE,
            "该请求（clientMutationId）已处理过，但您无权查看其结果；新的请求请换一个标识。",
            "input.clientMutationId",
        )
    row = await session.get(model, result_id, populate_existing=True)
    assert row is not None  # readable just now, in this transaction
    return row


async def _claim(
    session: AsyncSession, identity_key: str, subject: str, mutation: str, key: str
) -> int | None:
    """Claim the key for this caller; None when claimed now, else the first result's id."""
    values = {"identity_key": identity_key, "mutation": mutation, "key": key,
              "subject": subject, "result_id": None, "created_at": utcnow()}  # fmt: skip
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    claim = insert(IdempotencyKey).values(values).on_conflict_do_nothing()
    if (await session.execute(claim.returning(IdempotencyKey.key))).first() is not None:
        # Ours: the row joins the session as it is in the database (no SQL), held in
        # `session.info` (the identity map is weak), so `remember` fills its result in.
        row = IdempotencyKey(**values, legacy=False)
        make_transient_to_detached(row)
        session.add(row)
        session.info.setdefault(_CLAIMS, {})[(identity_key, mutation, key)] = row
        return None
    found = await session.scalar(
        select(IdempotencyKey.result_id).where(
            IdempotencyKey.identity_key == identity_key,
            IdempotencyKey.mutation == mutation,
            IdempotencyKey.key == key,
        )
    )
    if found is None:  # committed without a result: impossible while `remember` follows
        raise RuntimeError(f"idempotency key of {mutation} has no result")
    return int(found)


async def _legacy_result(
    session: AsyncSession, subject: str, mutation: str, key: str
) -> int | None:
    found = await session.scalar(
        select(IdempotencyKey.result_id).where(
            IdempotencyKey.identity_key == legacy_identity_key(subject),
            IdempotencyKey.legacy.is_(True),
            IdempotencyKey.mutation == mutation,
            IdempotencyKey.key == key,
        )
    )
    return None if found is None else int(found)


async def _readable(ctx: HubContext, session: AsyncSession, model: type[Any], row_id: int) -> bool:
    """Whether the caller's scope (the rule every loader of his applies) lets him read it."""
    visible = await ctx.community.scope.where(model)
    found = await session.scalar(select(model.id).where(model.id == row_id, *visible))
    return found is not None


def remember(
    session: AsyncSession, viewer: Viewer, mutation: str, key: str | None, result_id: int
) -> None:
    """Record the result under the key `replayed` let this request claim."""
    if key is None:
        return
    claimed = session.info.get(_CLAIMS, {}).pop((viewer.identity_key, mutation, key), None)
    if claimed is not None:
        claimed.result_id = result_id
        return
    session.add(
        IdempotencyKey(
            identity_key=viewer.identity_key, mutation=mutation, key=key,
            subject=viewer.subject, result_id=result_id,
        )
    )  # fmt: skip
