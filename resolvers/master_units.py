"""Rules of the units side's master data mutations (主数据): who may write what, and one
row through the set-based service (`datasources.units.master`, `master_status`).

The district organisation department manages units, branches and members; a unit's own
Party organisation (`UNIT_BRANCH` without a branch) its branches and members; one bound to
a branch the members of that branch. A retried request (same `clientMutationId` from the
same caller) finds its first result through the history row it wrote.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.scope import Role, Viewer
from datasources.units.master import Call, Mode, Outcome, RowProblem, Writer
from datasources.units.master_history import Actor
from datasources.units.models import MasterEvent, Member, PartyBranch, WorkUnit
from resolvers.context import HubContext
from resolvers.workflow import Refusal, RefusalCode, today_in_china, write_lock

M = TypeVar("M")
Service = Callable[[AsyncSession, Writer, Call], Awaitable[Outcome]]


def writer_of(viewer: Viewer) -> Writer:
    """What the viewer may write; PermissionError for a role that writes no master data."""
    actor = Actor.of(viewer)
    if viewer.role is Role.DISTRICT:
        return Writer(actor, may_manage_units=True, today=today_in_china())
    if viewer.role is Role.UNIT_BRANCH and viewer.unit is not None:
        return Writer(actor, units=frozenset({viewer.unit}), branch=viewer.branch,
                      today=today_in_china())  # fmt: skip
    raise PermissionError("only the district and a unit's Party organisation write master data")


def refusal_of(problem: RowProblem) -> Refusal:
    return Refusal(RefusalCode(problem.kind.value), problem.message, f"input.{problem.field}")


async def run(
    ctx: HubContext,
    model: type[M],
    mutation: str,
    key: str | None,
    service: Service,
) -> M:
    """Run the service on one row in one transaction (with its audit entry); the row it
    wrote, or the first result of a retried request."""
    writer = writer_of(ctx.viewer)
    async with ctx.sources.units.transaction() as session:
        if key is not None:
            earlier = await _replayed(ctx, session, model, mutation, key)
            if earlier is not None:
                return earlier
        outcome = await service(session, writer, Call(Mode.UPSERT, mutation=mutation,
                                                      client_key=key))  # fmt: skip
        if outcome.problems:
            raise refusal_of(outcome.problems[0])
        result = outcome.results[0]
        assert result is not None
        row = await session.get(model, result.id, populate_existing=True)
        assert row is not None
        return row


async def _replayed(
    ctx: HubContext, session: AsyncSession, model: type[M], mutation: str, key: str
) -> M | None:
    """The row the same caller's request with this key wrote, read through his scope."""
    identity = ctx.viewer.identity_key
    # PostgreSQL: the same key's requests wait for each other (SQLite: the write lock).
    await write_lock(session, MasterEvent, f"{identity}:{mutation}:{key}")
    entity_id = await session.scalar(
        select(MasterEvent.entity_id).where(
            MasterEvent.actor_identity == identity,
            MasterEvent.mutation == mutation,
            MasterEvent.client_key == key,
        )
    )
    if entity_id is None:
        return None
    visible = await ctx.units.scope.where(model)
    column: Any = getattr(model, "id")  # noqa: B009
    found = await session.scalar(select(model).where(column == entity_id, *visible))
    if found is None:
        raise Refusal(
            RefusalCode.DUPLICATE,
            "该请求（clientMutationId）已处理过，但您无权查看其结果；新的请求请换一个标识。",
            "input.clientMutationId",
        )
    return found


def one_row(save: Callable[..., Awaitable[Outcome]], row: Mapping[str, Any], mode: Mode) -> Service:
    """A service call of `master.save_*` on one row in `mode`."""

    async def call(session: AsyncSession, writer: Writer, settings: Call) -> Outcome:
        return await save(session, writer, [row], Call(mode, mutation=settings.mutation,
                                                       client_key=settings.client_key))  # fmt: skip

    return call


def one_code(change: Callable[..., Awaitable[Outcome]], code: str, dated: Any) -> Service:
    """A service call of `master_status.*` on one code."""

    async def call(session: AsyncSession, writer: Writer, settings: Call) -> Outcome:
        return await change(session, writer, [code], dated, settings)

    return call


MODELS: dict[str, type[Any]] = {"WorkUnit": WorkUnit, "PartyBranch": PartyBranch,
                                "Member": Member}  # fmt: skip


def transfer(row: Mapping[str, Any], reason: str | None) -> Service:
    """A transfer (转接): an update of his branch (and unit) that must move him."""
    from datasources.units.master import save_members

    async def call(session: AsyncSession, writer: Writer, settings: Call) -> Outcome:
        outcome = await save_members(session, writer, [row], Call(
            Mode.UPDATE, mutation=settings.mutation, client_key=settings.client_key, note=reason,
        ))  # fmt: skip
        result = outcome.results[0] if outcome.results else None
        if result is not None and result.action == "unchanged":
            raise Refusal(RefusalCode.INVALID_INPUT, "该党员已在这个支部。", "input.branchCode")
        return outcome

    return call
