"""Managing points (积分管理): rules as data, reversal of an entry, expiry of old points.

- Point rules (积分规则) are rows the district edits; the ledger (`resolvers.points`) reads
  them when it grants points. A rule's key is its action (a string), so its history is
  kept as state events of entity type "PointRule" with entity id 0: the event's note names
  the action, its from/to states are the old and new point values.
- Reversal (冲正) appends the opposite entry through `resolvers.points.reverse`: once per
  entry, never below a zero balance. Points spent in the mall are given back by refunding
  the redemption, which also restocks the item; they cannot be reversed here.
- Expiry (过期) is first in, first out: spending uses the oldest points first, so of the
  points earned before the date, what is still unspent is
  `max(0, earned_before (net of reversals) - spent (net of refunds) - already_expired)`.
  One EXPIRE entry per member; running it again expires nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from datasources.common import CHINA
from datasources.community import notifications
from datasources.community.models import Community
from datasources.community.points_models import PointRule, PointsAccount, PointsEntry, PointsKind
from datasources.community.points_policy import RULE_EVENTS_ID
from datasources.scope import GRID_ROLES, Role, Viewer
from resolvers import points
from resolvers.context import HubContext
from resolvers.workflow import Refusal, RefusalCode, manages_community, record

RULE = "PointRule"
ENTRY = "PointsEntry"
EXPIRY_SOURCE = "PointsExpiry"
ENTRY_NOT_FOUND = "未找到该积分记录。"
MAX_RULE_POINTS = 10_000


async def set_rule(ctx: HubContext, *, action: str, points_value: int, name: str) -> PointRule:
    """Set how many points an action earns (设置积分规则): the district."""
    viewer = ctx.viewer
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district sets point rules")
    action = action.strip()
    if not action or len(action) > 40:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "请填写积分事项（不超过 40 个字符）。", "input.action"
        )
    if not name.strip() or len(name.strip()) > 60:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "请填写规则名称（不超过 60 个字符）。", "input.name"
        )
    if not 0 <= points_value <= MAX_RULE_POINTS:
        raise Refusal(
            RefusalCode.INVALID_INPUT, f"积分分值须在 0 到 {MAX_RULE_POINTS} 之间。", "input.points"
        )
    async with ctx.sources.community.transaction() as session:
        rule = await session.get(PointRule, action, with_for_update=True)
        before: int | None
        if rule is None:
            default = points.DEFAULT_RULES.get(action)
            before = None if default is None else default.points
            rule = PointRule(action=action, name=name.strip(), points=points_value,
                             updated_by=viewer.subject)  # fmt: skip
            session.add(rule)
        else:
            before = rule.points
            rule.name = name.strip()
            rule.points = points_value
            rule.updated_by = viewer.subject
        await session.flush()
        record(session, viewer, RULE, RULE_EVENTS_ID,
               None if before is None else str(before), str(points_value), action)  # fmt: skip
    return rule


async def effective_rules(session: AsyncSession) -> list[tuple[PointRule, bool]]:
    """Every rule in force: the district's rows, then defaults it has not overridden.
    The flag tells whether the rule is a default (not yet set by the district)."""
    rows = list(await session.scalars(select(PointRule).order_by(PointRule.action)))
    configured = {row.action for row in rows}
    since = datetime(2000, 1, 1, tzinfo=UTC)
    defaults = [
        (PointRule(action=d.action, name=d.name, points=d.points, updated_by="system",
                   updated_at=since), True)
        for d in points.DEFAULT_RULES.values()
        if d.action not in configured
    ]  # fmt: skip
    return sorted([(row, False) for row in rows] + defaults, key=lambda pair: pair[0].action)


async def reverse_entry(ctx: HubContext, entry_id: int, reason: str) -> PointsEntry:
    """Reverse a ledger entry (冲正): the district, or the community the entry carries."""
    viewer = ctx.viewer
    if viewer.role not in (Role.DISTRICT, Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the district or the entry's community reverses points")
    if not reason.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写冲正原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        entry = await session.get(PointsEntry, entry_id)
        if entry is None:
            raise Refusal(RefusalCode.NOT_FOUND, ENTRY_NOT_FOUND, "input.entryId")
        if viewer.role is not Role.DISTRICT:
            code = None
            if entry.community_id is not None:
                code = await session.scalar(
                    select(Community.code).where(Community.id == entry.community_id)
                )
            if not manages_community(viewer, code):
                raise PermissionError("the entry belongs to another community")
        if entry.source_type == "Redemption":
            raise Refusal(
                RefusalCode.INVALID_STATE, "兑换消费的积分请通过「退还兑换」办理。", "input.entryId"
            )
        reversal = await points.reverse(session, viewer, entry, reason.strip())
        record(session, viewer, ENTRY, entry.id, entry.kind.value, "reversed", reason.strip())
    return reversal


@dataclass(frozen=True)
class Expiry:
    """What one expiry run did (积分过期结果)."""

    members: int
    points: int


def start_of_day_in_china(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)


async def expirable(session: AsyncSession, before: date, *, lock: bool) -> list[tuple[str, int]]:
    """(member code, points) that an expiry with cut-off `before` (China time) takes now:
    what each member earned before it and has not spent (first in, first out). With
    `lock`, the accounts are locked first, like every spend does, so no spend slips in."""
    cutoff = start_of_day_in_china(before)
    holders = (
        select(PointsEntry.member_code)
        .where(PointsEntry.kind == PointsKind.EARN, PointsEntry.occurred_at < cutoff)
        .distinct()
    )
    if lock:  # on SQLite the transaction already holds the write lock: a plain read
        await session.execute(
            select(PointsAccount.member_code)
            .where(PointsAccount.member_code.in_(holders))
            .order_by(PointsAccount.member_code)
            .with_for_update()
        )
    entry, original = PointsEntry, aliased(PointsEntry)

    # Each entry counts towards the kind it is, or, for a reversal, the kind it reverses.
    earned_before = case(
        (and_(original.id.is_(None), entry.kind == PointsKind.EARN, entry.occurred_at < cutoff),
         entry.points),
        (and_(original.kind == PointsKind.EARN, original.occurred_at < cutoff), entry.points),
        else_=0,
    )  # fmt: skip
    spent = case(
        (and_(original.id.is_(None), entry.kind == PointsKind.SPEND), entry.points),
        (original.kind == PointsKind.SPEND, entry.points),
        else_=0,
    )
    expired = case(
        (and_(original.id.is_(None), entry.kind == PointsKind.EXPIRE), entry.points),
        (original.kind == PointsKind.EXPIRE, entry.points),
        else_=0,
    )
    stmt = (
        select(
            entry.member_code,
            func.sum(earned_before),
            func.sum(spent),
            func.sum(expired),
            func.sum(entry.points),
        )
        .outerjoin(original, entry.reverses_id == original.id)
        .where(entry.member_code.in_(holders))
        .group_by(entry.member_code)
        .order_by(entry.member_code)
    )
    found: list[tuple[str, int]] = []
    for member_code, earned, spent_sum, expired_sum, balance in await session.execute(stmt):
        unspent = int(earned or 0) + int(spent_sum or 0) + int(expired_sum or 0)
        amount = max(0, min(int(balance or 0), unspent))
        if amount > 0:
            found.append((str(member_code), amount))
    return found


async def expire(session: AsyncSession, viewer: Viewer, before: date) -> Expiry:
    """Expire what each member earned before `before` (China time) and has not spent."""
    note = f"{before.isoformat()} 前获得、尚未使用的积分过期"
    found = await expirable(session, before, lock=True)
    if found:
        rows = [
            {"member_code": member_code, "kind": PointsKind.EXPIRE, "points": -amount,
             "source_type": EXPIRY_SOURCE, "note": note, "actor_subject": viewer.subject,
             **points.actor(viewer)}
            for member_code, amount in found
        ]  # fmt: skip
        await session.execute(insert(PointsEntry), rows)
        for member_code, amount in found:
            await notifications.points_expired(session, member_code, amount, note)
    return Expiry(members=len(found), points=sum(amount for _, amount in found))


async def expire_points(ctx: HubContext, before: date) -> Expiry:
    """Expire old unspent points of every member (积分过期): the district."""
    if ctx.viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district expires points")
    if before > datetime.now(CHINA).date():
        raise Refusal(RefusalCode.INVALID_INPUT, "过期截止日期不能晚于今天。", "input.before")
    async with ctx.sources.community.transaction() as session:
        return await expire(session, ctx.viewer, before)


async def announce_expiry(ctx: HubContext, before: date, expires_on: date) -> Expiry:
    """Tell each member whose points an expiry would take how many and when (积分即将过期):
    the district, ahead of running `expire_points` with the same cut-off on `expires_on`.
    Each member is told once per (cut-off, day): announcing again tells only members
    who have come to hold such points since. What is counted is what would expire today;
    points spent before the day are no longer taken then."""
    if ctx.viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district announces an expiry of points")
    today = datetime.now(CHINA).date()
    if expires_on < today:
        raise Refusal(RefusalCode.INVALID_INPUT, "过期日期不能早于今天。", "input.expiresOn")
    if before > expires_on:
        raise Refusal(RefusalCode.INVALID_INPUT, "截止日期不能晚于过期日期。", "input.before")
    told = total = 0
    async with ctx.sources.community.transaction() as session:
        for member_code, amount in await expirable(session, before, lock=False):
            if await notifications.points_expiring(session, member_code, amount, before,
                                                   expires_on):  # fmt: skip
                told += 1
                total += amount
    return Expiry(members=told, points=total)
