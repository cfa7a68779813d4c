"""The points ledger (积分): every workflow that grants or spends points goes through here.

Entries are appended, never changed: earn (+), spend (-), reverse (the opposite of an
earlier entry) and expire (-). The balance is the sum of a member's entries. Anything that
lowers it first locks the member's `PointsAccount` row (`lock_account`), so two concurrent
spends of one member run one after the other and the second sees the first; the balance
therefore never goes below zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community import notifications
from datasources.community.points_models import PointRule, PointsAccount, PointsEntry, PointsKind
from datasources.scope import Viewer
from resolvers.workflow import Refusal, RefusalCode, write_lock


@dataclass(frozen=True)
class DefaultRule:
    action: str
    name: str
    points: int


# What each action earns until the district sets its own value (`PointRule` rows win).
DEFAULT_RULES = {
    rule.action: rule
    for rule in (
        DefaultRule("order_completed", "完成点单服务", 10),
        DefaultRule("wish_fulfilled", "实现微心愿", 5),
        DefaultRule("activity_attended", "参加活动（未单独设定时）", 5),
        # Per confirmed duty session (岗位值守), like every rule here: points per recorded
        # act, not per hour (the hours count in the member's service figures instead).
        DefaultRule("post_duty_confirmed", "岗位值守（每次经确认）", 5),
    )
}


async def rule_points(session: AsyncSession, action: str) -> int:
    """Points the action earns: the district's `PointRule`, else the default."""
    configured = await session.scalar(select(PointRule.points).where(PointRule.action == action))
    if configured is not None:
        return configured
    return DEFAULT_RULES[action].points


async def open_account(session: AsyncSession, member_code: str) -> None:
    """Create the member's account row if it does not exist (concurrency-safe)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(PointsAccount).values(member_code=member_code).on_conflict_do_nothing()
    await session.execute(statement)


async def lock_account(session: AsyncSession, member_code: str) -> None:
    """Open and lock the member's account for the rest of the transaction."""
    await write_lock(session, PointsAccount, member_code)
    await open_account(session, member_code)
    await session.get(PointsAccount, member_code, with_for_update=True, populate_existing=True)


async def balance(session: AsyncSession, member_code: str) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            PointsEntry.member_code == member_code
        )
    )
    return int(total or 0)


def actor(viewer: Viewer) -> dict[str, str]:
    """Who makes an entry beyond his subject: role and organisation (schema/actors.py)."""
    return {"actor_role": viewer.role.value, "actor_organisation": viewer.organisation}


async def earn(
    session: AsyncSession,
    viewer: Viewer,
    *,
    member_code: str,
    points: int,
    source_type: str,
    source_id: int,
    community_id: int | None,
    action: str | None = None,
    note: str | None = None,
) -> PointsEntry | None:
    """Grant points for a source once; None when the source earns nothing (0 points)."""
    if points <= 0:
        return None
    await open_account(session, member_code)
    entry = PointsEntry(
        member_code=member_code, kind=PointsKind.EARN, points=points, action=action,
        community_id=community_id, source_type=source_type, source_id=source_id, note=note,
        actor_subject=viewer.subject, **actor(viewer),
    )  # fmt: skip
    session.add(entry)
    await session.flush()
    await notifications.points_event(session, entry)
    return entry


async def spend(
    session: AsyncSession,
    viewer: Viewer,
    *,
    member_code: str,
    points: int,
    source_type: str,
    source_id: int | None,
    note: str | None = None,
) -> PointsEntry:
    """Take points from the member's balance; `INSUFFICIENT_POINTS` if it would go negative.

    Locks the account first: call it before reading anything the spend depends on."""
    if points <= 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "消费积分须为正数。")
    await lock_account(session, member_code)
    available = await balance(session, member_code)
    if points > available:
        raise Refusal(
            RefusalCode.INSUFFICIENT_POINTS,
            f"积分不足：需要 {points} 分，当前余额 {available} 分。",
        )
    entry = PointsEntry(
        member_code=member_code, kind=PointsKind.SPEND, points=-points,
        source_type=source_type, source_id=source_id, note=note, actor_subject=viewer.subject,
        **actor(viewer),
    )  # fmt: skip
    session.add(entry)
    await session.flush()
    return entry


async def reverse(
    session: AsyncSession, viewer: Viewer, entry: PointsEntry, note: str | None
) -> PointsEntry:
    """Append the opposite of `entry` (冲正). A reversal that would leave the balance
    negative (the points were already spent) is refused; an entry is reversed once."""
    if entry.kind is PointsKind.REVERSE:
        raise Refusal(RefusalCode.INVALID_STATE, "冲正记录不能再次冲正。", "input.entryId")
    await lock_account(session, entry.member_code)
    already = await session.scalar(
        select(PointsEntry.id).where(PointsEntry.reverses_id == entry.id)
    )
    if already is not None:
        raise Refusal(RefusalCode.INVALID_STATE, "该积分记录已冲正。", "input.entryId")
    if entry.points > 0:
        available = await balance(session, entry.member_code)
        if entry.points > available:
            raise Refusal(
                RefusalCode.INSUFFICIENT_POINTS,
                f"积分已被使用，余额 {available} 分不足以冲正 {entry.points} 分。",
                "input.entryId",
            )
    reversal = PointsEntry(
        member_code=entry.member_code, kind=PointsKind.REVERSE, points=-entry.points,
        action=entry.action, community_id=entry.community_id, source_type=entry.source_type,
        source_id=entry.source_id, reverses_id=entry.id, note=note,
        actor_subject=viewer.subject, **actor(viewer),
    )  # fmt: skip
    session.add(reversal)
    await session.flush()
    await notifications.points_event(session, reversal)
    return reversal
