"""The notification feed (消息) of the community side: who is told, how, and the sweep.

A notification is written by `notify` inside the transaction of the event that causes it
(a dispatch, a rating, a confirmed report), so it exists exactly when the event does: a
refused or rolled-back change writes none. Each is for one addressee, a key that names
whom it concerns:

- `member:<member code>`      a member (党员), read by a token of role member with that code;
- `person:<identity key>`     a resident (or position holder) by his identity (issuer +
                              subject + role + scope, `Viewer.identity_key`): the key orders
                              record as `ordered_by_identity`;
- `unit:<unit code>`          a unit, read by its Party organisation (role unit_branch);
- `community:<code>`          a community, read by its community Party committee;
- `grid:<grid code>`          a grid, read by the grid's workers and branch secretaries;
- `compound:<code>`           a compound, read by its compound branch secretary;
- `street:<code>`             a street's Party working committee (街道党工委);
- `district:<code>`           the district organisation department;
- `company:<code>`            a property company (物业服务企业).

`addressees_of(viewer)` is the set a viewer reads; the read rule of `Notification` is
"addressee in that set" (only the addressee, default deny otherwise).

Live topic: after writing a notification, `notify` announces it on
`notifications:<addressee>` (e.g. `notifications:member:M001`) with the payload
`{"id": <the notification's global ID>}`; the event is published after the commit
(`datasources.announcements`) and dropped on rollback. Subscribers read the row itself
from the feed, which stays the source of truth.

Time-based notifications (an order overdue, a check-in window open) come from `sweep`,
run by the hub's background loop and by `dualhub notifications-sweep`: each carries a
`dedupe_key` (kind, object, addressee) under a unique constraint, so a sweep run twice, or
by two processes at once, notifies once.

Notifications of units-side events (an organisation evaluation recorded about a member,
收到评价) cannot be written here in the event's transaction: no transaction spans both
sides. The event's units transaction writes a row of the units' `notification_outbox`
instead; `datasources.notification_relay` copies it here with `notify_once` under the key
`units-outbox:<outbox id>` (so a second copy is a no-op) and then deletes it: at the end of
the request that wrote it, and from the background loop for anything left over.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.announcements import announce
from datasources.base import Datasource
from datasources.common import utcnow
from datasources.community.notification_models import Notification, NotificationKind
from datasources.scope import GRID_ROLES, CrossSideFacts, Role, Viewer

TYPE_NAME = "Notification"
TOPIC_PREFIX = "notifications:"
DENY_ALL: list[ColumnElement[bool]] = [false()]


def member(code: str) -> str:
    return f"member:{code}"


def person(identity_key: str) -> str:
    return f"person:{identity_key}"


def unit(code: str) -> str:
    return f"unit:{code}"


def community(code: str) -> str:
    return f"community:{code}"


def grid(code: str) -> str:
    return f"grid:{code}"


def addressees_of(viewer: Viewer) -> list[str]:
    """The addressee keys whose notifications the viewer reads (none when anonymous)."""
    keys: list[str] = []
    if viewer.role is Role.MEMBER and viewer.member:
        keys.append(member(viewer.member))
    elif viewer.role in (Role.RESIDENT, Role.POSITION_HOLDER):
        keys.append(person(viewer.identity_key))
    elif viewer.role is Role.UNIT_BRANCH and viewer.unit:
        keys.append(unit(viewer.unit))
    elif viewer.role is Role.COMMUNITY and viewer.community:
        keys.append(community(viewer.community))
    elif viewer.role in GRID_ROLES and viewer.grid:
        keys.append(grid(viewer.grid))
    elif viewer.role in GRID_ROLES and viewer.compound:
        keys.append(f"compound:{viewer.compound}")
    elif viewer.role is Role.STREET and viewer.street:
        keys.append(f"street:{viewer.street}")
    elif viewer.role is Role.DISTRICT and viewer.district:
        keys.append(f"district:{viewer.district}")
    elif viewer.role is Role.PROPERTY_COMPANY and viewer.company:
        keys.append(f"company:{viewer.company}")
    return keys


def global_id(row_id: int) -> str:
    """The Relay global ID of a notification (`Notification:<id>`, base64)."""
    return base64.b64encode(f"{TYPE_NAME}:{row_id}".encode()).decode()


def topic(addressee: str) -> str:
    return f"{TOPIC_PREFIX}{addressee}"


async def notify(
    session: AsyncSession,
    addressees: str | Iterable[str | None] | None,
    kind: NotificationKind,
    title: str,
    text: str,
    object_type: str | None = None,
    object_id: int | None = None,
) -> list[Notification]:
    """Write one notification per addressee (duplicates and None skipped) in the caller's
    transaction, and announce each on its addressee's topic (published after commit)."""
    keys = [addressees] if addressees is None or isinstance(addressees, str) else list(addressees)
    rows = []
    for key in dict.fromkeys(k for k in keys if k):
        row = Notification(
            addressee=key, kind=kind, title=title[:120], text=text,
            object_type=object_type, object_id=object_id, created_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        rows.append(row)
    if rows:
        await session.flush()
        for row in rows:
            announce(session.sync_session, topic(row.addressee), {"id": global_id(row.id)})
    return rows


async def notify_once(
    session: AsyncSession,
    addressee: str,
    kind: NotificationKind,
    title: str,
    text: str,
    object_type: str | None,
    object_id: int | None,
    *,
    dedupe_key: str | None = None,
) -> bool:
    """A sweep's notification: written unless one of this kind, object and addressee
    exists (a unique key, so concurrent sweeps too write one). Whether it was written.
    `dedupe_key` replaces that key (the relay's `units-outbox:<id>`)."""
    key = (dedupe_key or f"{kind.value}:{object_type}:{object_id}:{addressee}")[:160]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(Notification)
        .values(
            addressee=addressee,
            kind=kind,
            title=title[:120],
            text=text,
            object_type=object_type,
            object_id=object_id,
            dedupe_key=key,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    new_id = await session.scalar(statement)
    if new_id is None:
        return False
    announce(session.sync_session, topic(addressee), {"id": global_id(int(new_id))})
    return True


async def notification_rule(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Read rule: only the addressee, also for the district and the auditor (a message is
    not a record of the district's: they read their own, like everyone else)."""
    keys = addressees_of(viewer)
    return [Notification.addressee.in_(keys)] if keys else DENY_ALL


def _china(moment: datetime) -> str:
    return (moment + timedelta(hours=8)).strftime("%m-%d %H:%M")


async def sweep(source: Datasource, now: datetime | None = None) -> int:
    """Write the time-based notifications due at `now` once; how many were written.

    - an open order past its due time (超时): its community, and its taker if dispatched;
    - an activity's check-in window open (签到开始): each member registered for it;
    - a linkage meeting's action item due and still open (联席会议事项到期): the community.
    """
    from datasources.community.activity_models import (
        Activity,
        ActivitySignup,
        ActivityStatus,
        SignupStatus,
    )
    from datasources.community.models import Community, Compound
    from datasources.community.order_models import OPEN_ORDER_STATUSES, ServiceOrder, TakerKind
    from datasources.community.partner_models import (
        ActionItemStatus,
        LinkageActionItem,
        LinkageMeeting,
    )

    moment = now or utcnow()
    written = 0
    async with source.transaction() as session:
        overdue = await session.execute(
            select(ServiceOrder, Community.code)
            .join(Community, ServiceOrder.community_id == Community.id)
            .where(ServiceOrder.status.in_(OPEN_ORDER_STATUSES), ServiceOrder.due_at < moment)
            .order_by(ServiceOrder.id)
        )
        for order, community_code in overdue:
            text = f"订单「{order.title}」应于 {_china(order.due_at)} 前完成，已超时，请尽快处理。"
            targets: list[str] = [community(community_code)]
            if order.taker_code and order.taker_kind is TakerKind.MEMBER:
                targets.append(member(order.taker_code))
            elif order.taker_code and order.taker_kind is TakerKind.UNIT:
                targets.append(unit(order.taker_code))
            for target in targets:
                written += await notify_once(
                    session, target, NotificationKind.ORDER_OVERDUE, "订单已超时", text,
                    "ServiceOrder", order.id,
                )  # fmt: skip
        opens = timedelta(minutes=30)  # as resolvers.activities.CHECK_IN_OPENS
        open_now = await session.execute(
            select(Activity, ActivitySignup.member_code)
            .join(ActivitySignup, ActivitySignup.activity_id == Activity.id)
            .where(
                Activity.status == ActivityStatus.PUBLISHED,
                Activity.starts_at <= moment + opens,
                Activity.ends_at > moment,
                ActivitySignup.status == SignupStatus.REGISTERED,
            )
            .order_by(Activity.id, ActivitySignup.id)
        )
        for activity, member_code in open_now:
            written += await notify_once(
                session, member(member_code), NotificationKind.CHECK_IN_OPEN, "活动签到已开始",
                f"您报名的活动「{activity.title}」已开始签到，地点：{activity.place}。",
                "Activity", activity.id,
            )  # fmt: skip
        today = (moment + timedelta(hours=8)).date()  # China Standard Time
        due = await session.execute(
            select(LinkageActionItem, LinkageMeeting, Community.code)
            .join(LinkageMeeting, LinkageActionItem.meeting_id == LinkageMeeting.id)
            .join(Compound, LinkageMeeting.compound_id == Compound.id)
            .join(Community, Compound.community_id == Community.id)
            .where(LinkageActionItem.status == ActionItemStatus.OPEN,
                   LinkageActionItem.due_on <= today)
            .order_by(LinkageActionItem.id)
        )  # fmt: skip
        for item, _meeting, code in due:
            written += await notify_once(
                session, community(code), NotificationKind.ACTION_ITEM_DUE, "联席会议事项到期",
                f"联席会议事项「{item.description[:60]}」（{item.owner_name}负责）应于 "
                f"{item.due_on.isoformat()} 前完成，尚未办结。", "LinkageActionItem", item.id,
            )  # fmt: skip
    return written


# Events: what each workflow writes, called inside its transaction ---------------------

ORDER = "ServiceOrder"
_ORDER_TEXT: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.ORDER_DISPATCHED: ("新的派单", "社区向您派发了服务订单「{title}」，请及时接单。"),
    NotificationKind.ORDER_ACCEPTED: ("订单已接单", "服务订单「{title}」已由党员 {member} 接单。"),
    NotificationKind.ORDER_DECLINED: ("订单被拒单", "服务订单「{title}」被拒单，原因：{note}。请重新派单。"),
    NotificationKind.ORDER_CLOSED: ("订单已结单", "服务订单「{title}」已完成服务并结单，请评价。"),
    NotificationKind.ORDER_RATED: ("订单已评价", "您服务的订单「{title}」已评价，获得积分。"),
    NotificationKind.ORDER_CANCELLED: ("订单已取消", "服务订单「{title}」已取消，原因：{note}。"),
    NotificationKind.ORDER_ESCALATED: ("订单被督办", "服务订单「{title}」已超时，被督办（第 {level} 次）。"),
}  # fmt: skip


async def resident_of_order(session: AsyncSession, order: Any) -> str | None:
    """The resident whose order it is, by identity: who placed it, or raised its demand."""
    from datasources.community.models import DemandItem

    if order.ordered_by_role == Role.RESIDENT.value and order.ordered_by_identity:
        return person(order.ordered_by_identity)
    if order.demand_id is not None:
        demand = await session.get(DemandItem, order.demand_id)
        if demand is not None and demand.raised_by_role == Role.RESIDENT.value:
            return person(str(demand.raised_by_identity))
    return None


async def community_code(session: AsyncSession, community_id: int | None) -> str | None:
    from datasources.community.models import Community

    if community_id is None:
        return None
    code: str | None = await session.scalar(
        select(Community.code).where(Community.id == community_id)
    )
    return code


def taker_of(order: Any) -> str | None:
    from datasources.community.order_models import TakerKind

    if order.taker_code is None:
        return None
    return (
        member(order.taker_code) if order.taker_kind is TakerKind.MEMBER else unit(order.taker_code)
    )


async def order_event(
    session: AsyncSession, order: Any, kind: NotificationKind, *, note: str | None = None,
    taker: str | None = None, actor: Viewer | None = None,
) -> list[Notification]:  # fmt: skip
    """Notify the people an order's transition concerns; `actor`'s own keys are left out
    (who cancels is not told he cancelled)."""
    title, template = _ORDER_TEXT[kind]
    text = template.format(title=order.title, member=order.member_code or "",
                           note=note or "无", level=order.escalation_level)  # fmt: skip
    code = await community_code(session, order.community_id)
    owner_community = community(code) if code else None
    resident = await resident_of_order(session, order)
    to: list[str | None]
    if kind is NotificationKind.ORDER_DISPATCHED:
        to = [taker_of(order)]
    elif kind is NotificationKind.ORDER_ACCEPTED:
        to = [resident, owner_community]
    elif kind is NotificationKind.ORDER_DECLINED:
        to = [owner_community]
    elif kind is NotificationKind.ORDER_CLOSED:
        to = [resident, owner_community]
    elif kind is NotificationKind.ORDER_RATED:
        to = [member(order.member_code) if order.member_code else None]
    elif kind is NotificationKind.ORDER_CANCELLED:
        to = [taker, resident, owner_community]
    else:  # escalated
        to = [taker_of(order), owner_community]
    mine = set(addressees_of(actor)) if actor is not None else set()
    return await notify(session, [k for k in to if k not in mine], kind, title, text, ORDER,
                        order.id)  # fmt: skip


async def points_event(session: AsyncSession, entry: Any) -> list[Notification]:
    """Points earned or reversed (积分): the member."""
    if entry.points > 0 and entry.kind.value == "earn":
        kind, title = NotificationKind.POINTS_EARNED, "获得积分"
        text = f"您获得 {entry.points} 积分：{entry.note or entry.action or ''}。"
    else:
        kind, title = NotificationKind.POINTS_REVERSED, "积分冲正"
        text = f"您的积分变动 {entry.points:+d} 分（冲正）：{entry.note or ''}。"
    return await notify(session, member(entry.member_code), kind, title, text,
                        "PointsEntry", entry.id)  # fmt: skip


async def points_expired(session: AsyncSession, member_code: str, amount: int, note: str) -> None:
    """Unspent points expired (积分过期, the district's expiry): the member."""
    await notify(session, member(member_code), NotificationKind.POINTS_EXPIRED, "积分已过期",
                 f"您有 {amount} 积分已过期：{note}。")  # fmt: skip


async def points_expiring(session: AsyncSession, member_code: str, amount: int, before: date,
                          expires_on: date) -> bool:  # fmt: skip
    """Points about to expire (积分即将过期, the district's announcement): the member, once
    per cut-off and day. Whether he was told now."""
    return await notify_once(
        session, member(member_code), NotificationKind.POINTS_EXPIRING, "积分即将过期",
        f"您有 {amount} 积分（{before.isoformat()} 前获得、尚未使用）将于 "
        f"{expires_on.isoformat()} 过期，请在此之前使用。", None, None,
        dedupe_key=f"points_expiring:{before.isoformat()}:{expires_on.isoformat()}:{member_code}",
    )  # fmt: skip


async def report_event(
    session: AsyncSession, report: Any, confirmed: bool, reason: str | None
) -> None:
    """A report (报到) confirmed or returned: the member."""
    name = await _community_name(session, report.community_id)
    if confirmed:
        kind, title, text = (NotificationKind.REPORT_CONFIRMED, "报到已确认",
                             f"您向{name}的报到已确认。")  # fmt: skip
    else:
        kind, title, text = (NotificationKind.REPORT_RETURNED, "报到被退回",
                             f"您向{name}的报到被退回，原因：{reason or '无'}。")  # fmt: skip
    await notify(session, member(report.member_code), kind, title, text, "Report", report.id)


async def _community_name(session: AsyncSession, community_id: int) -> str:
    from datasources.community.models import Community

    found = await session.scalar(select(Community.name).where(Community.id == community_id))
    return str(found or "社区")


async def evaluation_event(session: AsyncSession, row: Any, label: str) -> None:
    """An evaluation written about a member (三评) by others: the member."""
    await notify(
        session, member(row.member_code), NotificationKind.EVALUATION_WRITTEN, "收到评价",
        f"您收到 {row.year} 年度的{label}。", "MemberEvaluation", row.id,
    )  # fmt: skip


async def review_waiting(session: AsyncSession, type_name: str, row: Any) -> None:
    """A resource or demand waiting for review (待审核): its community."""
    code = await community_code(session, row.community_id)
    noun = "资源" if type_name == "ResourceItem" else "需求"
    await notify(
        session, community(code) if code else None, NotificationKind.REVIEW_WAITING,
        f"新的{noun}待审核", f"{noun}「{row.title}」等待审核。", type_name, row.id,
    )  # fmt: skip


async def activity_cancelled(session: AsyncSession, activity: Any, members: Iterable[str],
                             reason: str | None) -> None:  # fmt: skip
    """An activity cancelled: every member signed up (registered or waitlisted)."""
    await notify(
        session, [member(code) for code in members], NotificationKind.ACTIVITY_CANCELLED,
        "活动已取消", f"您报名的活动「{activity.title}」已取消{('：' + reason) if reason else ''}。",
        "Activity", activity.id,
    )  # fmt: skip


async def activity_changed(session: AsyncSession, activity: Any, members: Iterable[str],
                           units: Iterable[str], what: str, reason: str | None) -> None:  # fmt: skip
    """An activity's title, place or time changed: every member and unit signed up."""
    addressees = [*(member(code) for code in members), *(unit(code) for code in units)]
    why = f"（{reason}）" if reason else ""
    await notify(
        session, addressees, NotificationKind.ACTIVITY_CHANGED, "活动有变更",
        f"您报名的活动「{activity.title}」{what}{why}。", "Activity", activity.id,
    )  # fmt: skip


async def waitlist_promoted(session: AsyncSession, activity: Any, signup: Any) -> None:
    """A waitlisted signup given a place (候补转正): the member."""
    await notify(
        session, member(signup.member_code), NotificationKind.WAITLIST_PROMOTED, "候补转正",
        f"您在活动「{activity.title}」的候补已转为正式报名。", "ActivitySignup", signup.id,
    )  # fmt: skip


async def wish_event(session: AsyncSession, wish: Any, fulfilled: bool) -> None:
    """A micro-wish (微心愿) claimed or fulfilled: its community."""
    code = await community_code(session, wish.community_id)
    kind = NotificationKind.WISH_FULFILLED if fulfilled else NotificationKind.WISH_CLAIMED
    verb = "已实现" if fulfilled else "已被认领"
    await notify(
        session, community(code) if code else None, kind, f"微心愿{verb}",
        f"微心愿「{wish.title}」{verb}。", "MicroWish", wish.id,
    )  # fmt: skip
