"""Households in need (特殊群体): the committee registers a household and takes it off the
register with a reason; pairs a reported member or a paired unit with it (一对一 / 二对一: at
most `max_helpers` active helpers, serialised on the household so two committees' clerks
cannot both take its last place) and ends a pairing with a reason; the helper (or the
committee on his behalf) logs each visit (走访: date, what was done), which moves the
pairing's next due day, and may escalate what he found into a demand (需求) of the demand
list, reviewed by the community as any other. Every step is in the history; nothing is
deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from datasources.common import utcnow
from datasources.community import notifications
from datasources.community.help.models import (
    HelpCategory,
    HelperKind,
    HelpHousehold,
    HelpPairing,
    HelpVisit,
    HouseholdStatus,
    PairingStatus,
)
from datasources.community.models import DemandItem, Grid, ListItemStatus, RequesterKind
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    category_id_of,
    community_code_of,
    community_id_of,
    is_paired,
    is_supporter,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

HOUSEHOLD = "HelpHousehold"
PAIRING = "HelpPairing"
VISIT = "HelpVisit"
DEMAND = "DemandItem"
HOUSEHOLD_NOT_FOUND = "未找到该帮扶对象。"
PAIRING_NOT_FOUND = "未找到该结对关系。"
MAX_TEXT = 1000
MAX_EVERY_DAYS = 90


@dataclass(frozen=True)
class HouseholdFields:
    """What the committee registers of a household in need."""

    name: str
    address: str
    category: HelpCategory
    max_helpers: int = 1
    phone: str | None = None
    circumstances: str | None = None
    grid_code: str | None = None


@dataclass(frozen=True)
class Escalation:
    """What a visit found that the community must act on: a demand (需求) of a category."""

    category_code: str
    title: str


def text(value: str, message: str, field: str, limit: int = MAX_TEXT) -> str:
    """A required text, trimmed; INVALID_INPUT when blank or too long."""
    trimmed = value.strip()
    if not trimmed:
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    if len(trimmed) > limit:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{limit}字。", field)
    return trimmed


def _committee(ctx: HubContext) -> str:
    viewer = ctx.viewer
    if viewer.role is not Role.COMMUNITY or not viewer.community:
        raise PermissionError("only the community committee keeps the register")
    return viewer.community


async def register(ctx: HubContext, fields: HouseholdFields, key: str | None) -> HelpHousehold:
    """Put a household on the register (登记帮扶对象) of the committee's community."""
    community = _committee(ctx)
    name = text(fields.name, "请填写姓名。", "input.name", 40)
    address = text(fields.address, "请填写住址。", "input.address", 200)
    if fields.max_helpers not in (1, 2):
        raise Refusal(RefusalCode.INVALID_INPUT, "结对人数应为1（一对一）或2（二对一）。",
                      "input.maxHelpers")  # fmt: skip
    mutation = "registerHelpHousehold"
    async with ctx.sources.community.transaction() as session:
        community_id = await community_id_of(session, community)
        earlier = await replayed(ctx, session, HelpHousehold, mutation, key)
        if earlier is not None:
            return earlier
        grid_id = None
        if fields.grid_code is not None:
            grid_id = await session.scalar(
                select(Grid.id).where(
                    Grid.code == fields.grid_code, Grid.community_id == community_id
                )
            )
            if grid_id is None:
                raise Refusal(RefusalCode.NOT_FOUND, "该社区没有这个网格。", "input.gridCode")
        row = HelpHousehold(
            community_id=community_id, grid_id=grid_id, name=name, address=address,
            phone=(fields.phone or "").strip() or None, category=fields.category,
            circumstances=(fields.circumstances or "").strip() or None,
            max_helpers=fields.max_helpers, status=HouseholdStatus.ACTIVE,
            created_by=ctx.viewer.subject, created_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        # The note names no personal data: the history is read more widely than the row.
        record(session, ctx.viewer, HOUSEHOLD, row.id, None, HouseholdStatus.ACTIVE.value)
        remember(session, ctx.viewer, mutation, key, row.id)
    return row


async def _own_household(ctx: HubContext, session: Any, household_id: int) -> HelpHousehold:
    """The household, locked, if it is on the committee's register."""
    community = _committee(ctx)
    await write_lock(session, HelpHousehold, household_id)
    row: HelpHousehold | None = await session.get(HelpHousehold, household_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, HOUSEHOLD_NOT_FOUND, "input.householdId")
    if await community_code_of(session, row.community_id) != community:
        raise PermissionError("another community's household")
    return row


def _end(ctx: HubContext, session: Any, pairing: HelpPairing, reason: str) -> None:
    pairing.status, pairing.ended_reason = PairingStatus.ENDED, reason
    pairing.ends_on = today_in_china()
    record(session, ctx.viewer, PAIRING, pairing.id, PairingStatus.ACTIVE.value,
           PairingStatus.ENDED.value, reason)  # fmt: skip


async def leave(ctx: HubContext, household_id: int, reason: str) -> HelpHousehold:
    """Take a household off the register (退出台账) with a reason; its pairings end with it."""
    why = text(reason, "请填写退出台账的原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        row = await _own_household(ctx, session, household_id)
        if row.status is HouseholdStatus.LEFT:
            raise Refusal(RefusalCode.INVALID_STATE, "该帮扶对象已退出台账。", "input.householdId")
        row.status, row.left_reason, row.left_at = HouseholdStatus.LEFT, why, utcnow()
        record(session, ctx.viewer, HOUSEHOLD, row.id, HouseholdStatus.ACTIVE.value,
               HouseholdStatus.LEFT.value, why)  # fmt: skip
        active = await session.scalars(
            select(HelpPairing).where(
                HelpPairing.household_id == row.id, HelpPairing.status == PairingStatus.ACTIVE
            )
        )
        for pairing in active:
            _end(ctx, session, pairing, f"帮扶对象退出台账：{why}")
    return row


async def pair(
    ctx: HubContext, household_id: int, kind: HelperKind, code: str, every_days: int,
    starts_on: date | None, key: str | None,
) -> HelpPairing:  # fmt: skip
    """Pair a helper with a household (结对帮扶): a member reported to its community or a unit
    paired with it; at most `max_helpers` active helpers (FULL), one pairing per helper
    (DUPLICATE). The household's row is locked first, so two pairings racing for its last
    place are serialised and the second sees it full."""
    if not 1 <= every_days <= MAX_EVERY_DAYS:
        raise Refusal(RefusalCode.INVALID_INPUT, f"走访周期应为1至{MAX_EVERY_DAYS}天。",
                      "input.visitEveryDays")  # fmt: skip
    helper = text(code, "请填写结对党员或单位的编码。", "input.helperCode", 32)
    start = starts_on or today_in_china()
    mutation = "pairHelpHousehold"
    async with ctx.sources.community.transaction() as session:
        row = await _own_household(ctx, session, household_id)
        earlier = await replayed(ctx, session, HelpPairing, mutation, key)
        if earlier is not None:
            return earlier
        if row.status is not HouseholdStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, "该帮扶对象已退出台账。", "input.householdId")
        if kind is HelperKind.MEMBER and not await is_supporter(session, helper, row.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "该党员未到本社区报到，不能结对。",
                          "input.helperCode")  # fmt: skip
        if kind is HelperKind.UNIT and not await is_paired(session, helper, row.community_id):
            raise Refusal(RefusalCode.NOT_PAIRED, "该单位未与本社区结对共建，不能结对帮扶。",
                          "input.helperCode")  # fmt: skip
        active = list(
            await session.scalars(
                select(HelpPairing).where(
                    HelpPairing.household_id == row.id, HelpPairing.status == PairingStatus.ACTIVE
                )
            )
        )
        if any(p.helper_kind is kind and p.helper_code == helper for p in active):
            raise Refusal(RefusalCode.DUPLICATE, "该帮扶人已与此对象结对。", "input.helperCode")
        if len(active) >= row.max_helpers:
            raise Refusal(RefusalCode.FULL, f"该对象已有{row.max_helpers}名结对帮扶人。",
                          "input.householdId")  # fmt: skip
        pairing = HelpPairing(
            household_id=row.id, community_id=row.community_id, helper_kind=kind,
            helper_code=helper, visit_every_days=every_days, starts_on=start,
            status=PairingStatus.ACTIVE, next_visit_due=start + timedelta(days=every_days),
            created_by=ctx.viewer.subject, created_at=utcnow(),
        )  # fmt: skip
        session.add(pairing)
        await session.flush()
        record(session, ctx.viewer, PAIRING, pairing.id, None, PairingStatus.ACTIVE.value,
               f"{kind.value}:{helper}")  # fmt: skip
        remember(session, ctx.viewer, mutation, key, pairing.id)
    return pairing


async def _pairing(session: Any, pairing_id: int) -> HelpPairing:
    await write_lock(session, HelpPairing, pairing_id)
    found: HelpPairing | None = await session.get(HelpPairing, pairing_id, with_for_update=True)
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, PAIRING_NOT_FOUND, "input.pairingId")
    return found


async def end_pairing(ctx: HubContext, pairing_id: int, reason: str) -> HelpPairing:
    """End a pairing (结束结对) with a reason: the committee of the household's community."""
    why = text(reason, "请填写结束结对的原因。", "input.reason")
    community = _committee(ctx)
    async with ctx.sources.community.transaction() as session:
        row = await _pairing(session, pairing_id)
        if await community_code_of(session, row.community_id) != community:
            raise PermissionError("another community's pairing")
        if row.status is PairingStatus.ENDED:
            raise Refusal(RefusalCode.INVALID_STATE, "该结对已结束。", "input.pairingId")
        _end(ctx, session, row, why)
    return row


def _may_log(ctx: HubContext, community: str | None, row: HelpPairing) -> bool:
    viewer = ctx.viewer
    if viewer.role is Role.COMMUNITY:
        return viewer.community == community
    if row.helper_kind is HelperKind.MEMBER:
        return viewer.role is Role.MEMBER and viewer.member == row.helper_code
    return viewer.role is Role.UNIT_BRANCH and viewer.unit == row.helper_code


async def log_visit(
    ctx: HubContext, pairing_id: int, visited_on: date, note: str,
    escalation: Escalation | None, key: str | None,
) -> HelpVisit:  # fmt: skip
    """Log a visit (登记走访): the paired member or unit, or the committee on its behalf; on
    a day from the pairing's start to today, while it is active. The pairing's next due day
    moves to the latest visit plus its frequency. An escalation raises a demand (需求) in the
    community's demand list, waiting for its review, in the same transaction."""
    done = text(note, "请填写走访内容。", "input.note")
    mutation = "logHelpVisit"
    async with ctx.sources.community.transaction() as session:
        row = await _pairing(session, pairing_id)
        community = await community_code_of(session, row.community_id)
        if not _may_log(ctx, community, row):
            raise PermissionError("only the helper or the committee logs visits")
        earlier = await replayed(ctx, session, HelpVisit, mutation, key)
        if earlier is not None:
            return earlier
        if row.status is not PairingStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, "该结对已结束。", "input.pairingId")
        if not row.starts_on <= visited_on <= today_in_china():
            raise Refusal(RefusalCode.OUTSIDE_WINDOW, "走访日期应在结对开始之后、今天及以前。",
                          "input.visitedOn")  # fmt: skip
        demand_id = None
        if escalation is not None:
            demand_id = await _escalate(ctx, session, row, escalation)
        visit = HelpVisit(
            pairing_id=row.id, household_id=row.household_id, community_id=row.community_id,
            visited_on=visited_on, note=done, demand_id=demand_id,
            recorded_by=ctx.viewer.subject, recorded_role=ctx.viewer.role.value,
            created_at=utcnow(),
        )  # fmt: skip
        session.add(visit)
        await session.flush()
        if row.last_visit_on is None or visited_on > row.last_visit_on:
            row.last_visit_on = visited_on
            row.next_visit_due = visited_on + timedelta(days=row.visit_every_days)
        record(session, ctx.viewer, VISIT, visit.id, None, "logged",
               None if demand_id is None else f"转为需求 {demand_id}")  # fmt: skip
        remember(session, ctx.viewer, mutation, key, visit.id)
    return visit


async def _escalate(ctx: HubContext, session: Any, row: HelpPairing, given: Escalation) -> int:
    """A demand raised from a visit: requested for the household (its name, as a resident's
    demand raised on his behalf), by the visitor, waiting for the community's review."""
    title = text(given.title, "请填写需求标题。", "input.escalation.title", 160)
    category_id = await category_id_of(
        session, given.category_code, "input.escalation.categoryCode"
    )
    household = await session.get(HelpHousehold, row.household_id)
    assert household is not None
    viewer = ctx.viewer
    demand = DemandItem(
        community_id=row.community_id, category_id=category_id, grid_id=household.grid_id,
        title=title, description="走访帮扶对象时发现，需社区跟进。",
        requester_kind=RequesterKind.RESIDENT, requester_name=household.name[:40],
        status=ListItemStatus.PENDING_REVIEW, raised_by_identity=viewer.identity_key,
        raised_by_subject=viewer.subject, raised_by_role=viewer.role.value,
    )  # fmt: skip
    session.add(demand)
    await session.flush()
    record(session, viewer, DEMAND, demand.id, None, ListItemStatus.PENDING_REVIEW.value,
           "走访转需求")  # fmt: skip
    await notifications.review_waiting(session, DEMAND, demand)
    return int(demand.id)
