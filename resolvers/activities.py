"""Activities (活动): publish, sign up (with a waitlist), check in by a code shown at the
venue, record hours, certify (which grants points); or cancel.

Capacity is never exceeded, also under concurrent signups: a signup (and a cancellation,
which may promote a waitlisted member) locks the activity first (`write_lock` and
`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the write transaction's own lock),
and only then counts the signups that hold a place. The waitlist is ordered by signup
time; a cancelled registration promotes its head in the same transaction.

The check-in code is six random digits (`secrets`), returned once by `issueCheckInCode`;
only its SHA-256 digest is stored, with an expiry of 15 minutes capped at the end of the
check-in window (from 30 minutes before the start to the end of the activity).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import CHINA, as_utc, utcnow
from datasources.community import notifications
from datasources.community.activity_models import (
    PLACE_HOLDING,
    Activity,
    ActivityCheckInCode,
    ActivitySignup,
    ActivityStatus,
    SignupStatus,
)
from datasources.community.unit_service_models import UNIT_PLACE_HOLDING, ActivityUnitSignup
from datasources.files.checks import EVIDENCE
from datasources.scope import GRID_ROLES, Role
from resolvers import attachments, points
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    category_id_of,
    community_code_of,
    community_id_of,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

ACTIVITY = "Activity"
SIGNUP = "ActivitySignup"
POINTS_ACTION = "activity_attended"
CHECK_IN_OPENS = timedelta(minutes=30)  # before starts_at
CODE_LIFETIME = timedelta(minutes=15)
# Wrong check-in codes a member may enter per issued code: 5 guesses of 1,000,000.
MAX_CHECK_IN_FAILURES = 5
LOCKED_OUT = "签到码错误次数过多，请活动组织方生成新的签到码后再试。"
MAX_HOURS = Decimal(24)
PROMOTION_NOTE = "候补递补"

ACTIVITY_NAMES = {
    ActivityStatus.PUBLISHED: "已发布",
    ActivityStatus.CERTIFIED: "已认定",
    ActivityStatus.CANCELLED: "已取消",
}
SIGNUP_NAMES = {
    SignupStatus.REGISTERED: "已报名",
    SignupStatus.WAITLISTED: "候补",
    SignupStatus.CANCELLED: "已取消",
    SignupStatus.ATTENDED: "已签到",
    SignupStatus.CERTIFIED: "已认定",
    SignupStatus.ABSENT: "缺席",
}
NOT_FOUND = "未找到该活动。"
SIGNUP_NOT_FOUND = "未找到该报名记录。"


def _from_client(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(UTC)


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def window_of(activity: Activity) -> tuple[datetime, datetime]:
    """The check-in window (签到时段): 30 minutes before the start until the end."""
    return as_utc(activity.starts_at) - CHECK_IN_OPENS, as_utc(activity.ends_at)


def default_hours(activity: Activity) -> Decimal:
    """The activity's duration in hours, rounded to half an hour, between 0.5 and 24."""
    seconds = (as_utc(activity.ends_at) - as_utc(activity.starts_at)).total_seconds()
    halves = (Decimal(seconds) / Decimal(1800)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(MAX_HOURS, max(Decimal("0.5"), halves / 2)).quantize(Decimal("0.1"))


def activity_state(activity: Activity, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该活动当前为「{ACTIVITY_NAMES[activity.status]}」，{allowed}",
        "input.activityId",
    )


def _signup_state(signup: ActivitySignup, allowed: str, field: str = "input.signupId") -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该报名当前为「{SIGNUP_NAMES[signup.status]}」，{allowed}",
        field,
    )


async def _managed(ctx: HubContext, session: AsyncSession, activity_id: int) -> Activity:
    """The activity, locked, if the viewer manages its community."""
    if ctx.viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community manages its activities")
    await write_lock(session, Activity, activity_id)
    activity = await session.get(Activity, activity_id, with_for_update=True)
    if activity is None:
        raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.activityId")
    if not manages_community(ctx.viewer, await community_code_of(session, activity.community_id)):
        raise PermissionError("the activity belongs to another community")
    return activity


async def publish(
    ctx: HubContext,
    *,
    community_code: str,
    category_code: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    points_per_attendance: int | None,
    description: str | None,
    key: str | None,
) -> Activity:
    """Publish an activity (发布活动): the community, or a grid secretary for his community."""
    viewer = ctx.viewer
    if not manages_community(viewer, community_code):
        raise PermissionError("only the community publishes its activities")
    if not title.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写活动名称。", "input.title")
    if not place.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写活动地点。", "input.place")
    starts, ends = _from_client(starts_at), _from_client(ends_at)
    if ends <= starts:
        raise Refusal(RefusalCode.INVALID_INPUT, "结束时间必须晚于开始时间。", "input.endsAt")
    if capacity <= 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "报名名额必须大于 0。", "input.capacity")
    if points_per_attendance is not None and points_per_attendance < 0:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "参加积分不能为负数。", "input.pointsPerAttendance"
        )
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Activity, "publishActivity", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        category_id = await category_id_of(session, category_code)
        if points_per_attendance is None:
            points_per_attendance = await points.rule_points(session, POINTS_ACTION)
        activity = Activity(
            community_id=community_id, category_id=category_id, title=title.strip(),
            description=description, place=place.strip(), starts_at=starts, ends_at=ends,
            capacity=capacity, points_per_attendance=points_per_attendance,
            status=ActivityStatus.PUBLISHED,
        )  # fmt: skip
        session.add(activity)
        await session.flush()
        record(session, viewer, ACTIVITY, activity.id, None, ActivityStatus.PUBLISHED.value)
        remember(session, viewer, "publishActivity", key, activity.id)
    return activity


async def cancel_activity(ctx: HubContext, activity_id: int, reason: str | None) -> Activity:
    """Cancel an activity (取消活动) not yet certified: its community. Signups keep their
    state; each live one's history notes the cancellation."""
    async with ctx.sources.community.transaction() as session:
        activity = await _managed(ctx, session, activity_id)
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "只有已发布的活动可以取消。")
        activity.status = ActivityStatus.CANCELLED
        activity.cancelled_at = utcnow()
        record(session, ctx.viewer, ACTIVITY, activity.id, ActivityStatus.PUBLISHED.value,
               ActivityStatus.CANCELLED.value, reason)  # fmt: skip
        live = await session.scalars(
            select(ActivitySignup).where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.status != SignupStatus.CANCELLED,
            )
        )
        note = f"活动已取消：{reason}" if reason else "活动已取消"
        told = []
        for signup in live:
            state = signup.status.value
            record(session, ctx.viewer, SIGNUP, signup.id, state, state, note)
            told.append(signup.member_code)
        from resolvers.resident_points import note_activity_cancelled

        await note_activity_cancelled(session, ctx.viewer, activity.id, note)
        await notifications.activity_cancelled(session, activity, told, reason)
    return activity


@dataclass(frozen=True)
class ActivityChange:
    """What `change_activity` is asked to change; None leaves a field as it is."""

    title: str | None = None
    place: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int | None = None
    description: str | None = None
    reason: str | None = None


def _local(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


async def change_activity(ctx: HubContext, activity_id: int, change: ActivityChange) -> Activity:
    """Change a published activity before it starts (修改活动): its community.

    A wider capacity gives the new places to the waitlist at once (候补递补); a narrower one
    may not drop below the places already held, since no one loses a place he was given.
    Members and units signed up are told when what they signed up for (title, place or
    time) changed; the activity's history keeps what changed (title, place, time and
    capacity with their old and new values)."""
    title = change.title.strip() if change.title is not None else None
    place = change.place.strip() if change.place is not None else None
    if title is not None and not title:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写活动名称。", "input.title")
    if place is not None and not place:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写活动地点。", "input.place")
    async with ctx.sources.community.transaction() as session:
        activity = await _managed(ctx, session, activity_id)
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "只有已发布的活动可以修改。")
        if utcnow() >= as_utc(activity.starts_at):
            raise Refusal(RefusalCode.INVALID_STATE, "活动已开始，不能修改。", "input.activityId")
        old_starts, old_ends = as_utc(activity.starts_at), as_utc(activity.ends_at)
        starts = _from_client(change.starts_at) if change.starts_at else old_starts
        ends = _from_client(change.ends_at) if change.ends_at else old_ends
        if ends <= starts:
            field = "input.endsAt" if change.ends_at else "input.startsAt"
            raise Refusal(RefusalCode.INVALID_INPUT, "结束时间必须晚于开始时间。", field)
        if starts != old_starts and starts <= utcnow():
            raise Refusal(RefusalCode.INVALID_INPUT, "开始时间须晚于当前时间。", "input.startsAt")
        changed: list[str] = []  # what signed-up people are told
        noted: list[str] = []  # what the history keeps besides
        if title is not None and title != activity.title:
            changed.append(f"名称由「{activity.title}」改为「{title}」")
            activity.title = title
        if place is not None and place != activity.place:
            changed.append(f"地点由「{activity.place}」改为「{place}」")
            activity.place = place
        if (starts, ends) != (old_starts, old_ends):
            changed.append(
                f"时间由 {_local(old_starts)}—{_local(old_ends)} 改为 {_local(starts)}—{_local(ends)}"
            )
            activity.starts_at, activity.ends_at = starts, ends
        if change.description is not None and change.description != activity.description:
            noted.append("活动说明已更新")
            activity.description = change.description
        widened = False
        if change.capacity is not None and change.capacity != activity.capacity:
            taken = await places_taken(session, activity.id)
            if change.capacity < taken:
                raise Refusal(
                    RefusalCode.INVALID_INPUT,
                    f"已有 {taken} 个名额被占用，名额不能减少到 {change.capacity}。",
                    "input.capacity",
                )
            noted.append(f"名额由 {activity.capacity} 改为 {change.capacity}")
            widened = change.capacity > activity.capacity
            activity.capacity = change.capacity
        if not changed and not noted:
            raise Refusal(RefusalCode.INVALID_INPUT, "没有需要修改的内容。", "input")
        note = "；".join(changed + noted)
        if change.reason:
            note = f"{note}（{change.reason}）"
        state = ActivityStatus.PUBLISHED.value
        record(session, ctx.viewer, ACTIVITY, activity.id, state, state, f"修改：{note}")
        await session.flush()
        if widened:
            await promote(ctx, session, activity)
        if changed:
            await _tell_of_change(session, activity, "；".join(changed), change.reason)
    return activity


async def _tell_of_change(
    session: AsyncSession, activity: Activity, what: str, reason: str | None
) -> None:
    members = await session.scalars(
        select(ActivitySignup.member_code).where(
            ActivitySignup.activity_id == activity.id,
            ActivitySignup.status.in_((SignupStatus.REGISTERED, SignupStatus.WAITLISTED)),
        )
    )
    units = await session.scalars(
        select(ActivityUnitSignup.unit_code).where(
            ActivityUnitSignup.activity_id == activity.id,
            ActivityUnitSignup.status.in_(UNIT_PLACE_HOLDING),
        )
    )
    await notifications.activity_changed(session, activity, list(members), list(units), what,
                                         reason)  # fmt: skip


async def sign_up(ctx: HubContext, activity_id: int, key: str | None) -> ActivitySignup:
    """Sign up (报名): a member reported to the activity's community; a place while any is
    left, else the waitlist (候补)."""
    viewer = ctx.viewer
    member = viewer.member
    if viewer.role is not Role.MEMBER or member is None:
        raise PermissionError("only a member signs up for activities")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Activity, activity_id)
        earlier = await replayed(ctx, session, ActivitySignup, "signUpForActivity", key)
        if earlier is not None:
            return earlier
        activity = await session.get(Activity, activity_id, with_for_update=True)
        if activity is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.activityId")
        if not await is_supporter(session, member, activity.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "请先向该社区报到。", "input.activityId")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能报名。")
        if utcnow() >= as_utc(activity.ends_at):
            raise Refusal(RefusalCode.INVALID_STATE, "该活动已结束，不能报名。", "input.activityId")
        existing = await session.scalar(
            select(ActivitySignup.id).where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.member_code == member,
                ActivitySignup.status != SignupStatus.CANCELLED,
            )
        )
        if existing is not None:
            raise Refusal(RefusalCode.DUPLICATE, "您已报名该活动。", "input.activityId")
        taken = await places_taken(session, activity.id)
        status = SignupStatus.REGISTERED if taken < activity.capacity else SignupStatus.WAITLISTED
        signup = ActivitySignup(activity_id=activity.id, member_code=member, status=status)
        session.add(signup)
        await session.flush()
        record(session, viewer, SIGNUP, signup.id, None, status.value)
        remember(session, viewer, "signUpForActivity", key, signup.id)
    return signup


async def places_taken(session: AsyncSession, activity_id: int) -> int:
    """Places held: members' signups that hold one, the units' committed headcounts
    (活动接龙, resolvers/unit_service.py) and residents' and children's signups
    (resolvers/resident_points.py)."""
    from resolvers.resident_points import resident_places_taken
    from resolvers.unit_service import unit_places_taken

    taken = await session.scalar(
        select(func.count()).where(
            ActivitySignup.activity_id == activity_id, ActivitySignup.status.in_(PLACE_HOLDING)
        )
    )
    units = await unit_places_taken(session, activity_id)
    return int(taken or 0) + units + await resident_places_taken(session, activity_id)


async def cancel_signup(ctx: HubContext, signup_id: int, reason: str | None) -> ActivitySignup:
    """Cancel one's signup (取消报名) before the activity starts; a cancelled place goes to
    the earliest waitlisted member (候补递补) in the same transaction."""
    viewer = ctx.viewer
    if viewer.role is not Role.MEMBER or viewer.member is None:
        raise PermissionError("only the member cancels his signup")
    async with ctx.sources.community.transaction() as session:
        found = await session.scalar(
            select(ActivitySignup.activity_id).where(ActivitySignup.id == signup_id)
        )
        if found is None:
            raise Refusal(RefusalCode.NOT_FOUND, SIGNUP_NOT_FOUND, "input.signupId")
        await write_lock(session, Activity, found)
        activity = await session.get(Activity, found, with_for_update=True)
        signup = await session.get(
            ActivitySignup, signup_id, with_for_update=True, populate_existing=True
        )
        if activity is None or signup is None:
            raise Refusal(RefusalCode.NOT_FOUND, SIGNUP_NOT_FOUND, "input.signupId")
        if signup.member_code != viewer.member:
            raise PermissionError("the signup is another member's")
        before = signup.status
        if before not in (SignupStatus.REGISTERED, SignupStatus.WAITLISTED):
            raise _signup_state(signup, "不能取消。")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能取消报名。")
        if utcnow() >= as_utc(activity.starts_at):
            raise Refusal(RefusalCode.INVALID_STATE, "活动已开始，不能取消报名。", "input.signupId")
        signup.status = SignupStatus.CANCELLED
        signup.cancelled_at = utcnow()
        record(session, viewer, SIGNUP, signup.id, before.value, SignupStatus.CANCELLED.value,
               reason)  # fmt: skip
        await session.flush()
        if before is SignupStatus.REGISTERED:
            await promote(ctx, session, activity)
    return signup


async def promote(ctx: HubContext, session: AsyncSession, activity: Activity) -> None:
    """Give freed places to the waitlist, earliest signup first."""
    free = activity.capacity - await places_taken(session, activity.id)
    if free <= 0:
        return
    waiting = await session.scalars(
        select(ActivitySignup)
        .where(
            ActivitySignup.activity_id == activity.id,
            ActivitySignup.status == SignupStatus.WAITLISTED,
        )
        .order_by(ActivitySignup.signed_up_at, ActivitySignup.id)
        .limit(free)
    )
    for signup in waiting:
        signup.status = SignupStatus.REGISTERED
        signup.promoted_at = utcnow()
        record(session, ctx.viewer, SIGNUP, signup.id, SignupStatus.WAITLISTED.value,
               SignupStatus.REGISTERED.value, PROMOTION_NOTE)  # fmt: skip
        await notifications.waitlist_promoted(session, activity, signup)


def inside_window(activity: Activity, now: datetime, field: str) -> None:
    opens, closes = window_of(activity)
    if not opens <= now <= closes:
        raise Refusal(
            RefusalCode.OUTSIDE_WINDOW,
            "不在签到时段内：活动开始前 30 分钟至活动结束可以签到。",
            field,
        )


async def issue_code(ctx: HubContext, activity_id: int) -> tuple[Activity, str, datetime]:
    """A fresh check-in code (签到码) for the venue: its community, inside the window.
    Returns the code once; only its digest is kept."""
    async with ctx.sources.community.transaction() as session:
        activity = await _managed(ctx, session, activity_id)
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能生成签到码。")
        now = utcnow()
        inside_window(activity, now, "input.activityId")
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires = min(now + CODE_LIFETIME, as_utc(activity.ends_at))
        session.add(
            ActivityCheckInCode(
                activity_id=activity.id, code_digest=digest(code), issued_by=ctx.viewer.subject,
                issued_at=now, expires_at=expires,
            )
        )  # fmt: skip
        until = expires.astimezone(CHINA).strftime("%H:%M")
        state = activity.status.value
        record(session, ctx.viewer, ACTIVITY, activity.id, state, state,
               f"生成签到码，有效至 {until}")  # fmt: skip
    return activity, code, expires


async def check_in(ctx: HubContext, activity_id: int, code: str) -> ActivitySignup:
    """Check in at the venue (签到) with the code shown there: a registered member, inside
    the check-in window."""
    viewer = ctx.viewer
    if viewer.role is not Role.MEMBER or viewer.member is None:
        raise PermissionError("only a member checks in")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Activity, activity_id)  # one check-in of an activity at a time
        activity = await session.get(Activity, activity_id)
        if activity is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.activityId")
        signup = await session.scalar(
            select(ActivitySignup)
            .where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.member_code == viewer.member,
                ActivitySignup.status != SignupStatus.CANCELLED,
            )
            .with_for_update()
        )
        if signup is None:
            raise Refusal(
                RefusalCode.INVALID_STATE, "您未报名该活动，不能签到。", "input.activityId"
            )
        if signup.status is not SignupStatus.REGISTERED:
            raise _signup_state(signup, "只有已报名的党员可以签到。", "input.activityId")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能签到。")
        now = utcnow()
        inside_window(activity, now, "input.activityId")
        failures = await failures_since_latest_code(session, signup)
        if failures >= MAX_CHECK_IN_FAILURES:
            raise Refusal(RefusalCode.TOO_MANY_ATTEMPTS, LOCKED_OUT, "input.code")
        valid = await session.scalar(
            select(ActivityCheckInCode.id).where(
                ActivityCheckInCode.activity_id == activity.id,
                ActivityCheckInCode.code_digest == digest(code.strip()),
                ActivityCheckInCode.expires_at > now,
            )
        )
        if valid is None:
            # The one refusal that changes something: the wrong guess is counted (and
            # committed), or guessing six digits would be free.
            signup.check_in_failures = failures + 1
            signup.check_in_failed_at = now
            left = MAX_CHECK_IN_FAILURES - signup.check_in_failures
            wrong = Refusal(
                RefusalCode.INVALID_CODE if left else RefusalCode.TOO_MANY_ATTEMPTS,
                f"签到码错误或已过期，还可尝试 {left} 次。" if left else LOCKED_OUT,
                "input.code",
            )
        else:
            wrong = None
            signup.status = SignupStatus.ATTENDED
            signup.checked_in_at = now
            signup.check_in_failures = 0
            record(session, viewer, SIGNUP, signup.id, SignupStatus.REGISTERED.value,
                   SignupStatus.ATTENDED.value)  # fmt: skip
    if wrong is not None:
        raise wrong
    return signup


class CheckingIn(Protocol):
    """A signup that checks in with the venue's code: a member's or a resident's."""

    activity_id: int
    check_in_failures: int
    check_in_failed_at: datetime | None


async def failures_since_latest_code(session: AsyncSession, signup: CheckingIn) -> int:
    """Wrong codes entered for the signup since the activity's latest code was issued."""
    if not signup.check_in_failures or signup.check_in_failed_at is None:
        return 0
    latest = await session.scalar(
        select(func.max(ActivityCheckInCode.issued_at)).where(
            ActivityCheckInCode.activity_id == signup.activity_id
        )
    )
    if latest is not None and as_utc(latest) > as_utc(signup.check_in_failed_at):
        return 0
    return signup.check_in_failures


async def record_hours(
    ctx: HubContext, signup_id: int, hours: Decimal, photos: Sequence[Any] | None = None
) -> ActivitySignup:
    """Record the hours of an attended signup (记录时长): its activity's community, with
    files as evidence (`photos`, attached to the signup) if it has them."""
    if not Decimal(0) < hours <= MAX_HOURS:
        raise Refusal(RefusalCode.INVALID_INPUT, "时长须大于 0 且不超过 24 小时。", "input.hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise Refusal(RefusalCode.INVALID_INPUT, "时长最多保留一位小数。", "input.hours")
    files = await attachments.prepare(ctx, photos, EVIDENCE, "input.photos")
    async with ctx.sources.community.transaction() as session:
        activity_id = await session.scalar(
            select(ActivitySignup.activity_id).where(ActivitySignup.id == signup_id)
        )
        if activity_id is None:
            raise Refusal(RefusalCode.NOT_FOUND, SIGNUP_NOT_FOUND, "input.signupId")
        activity = await _managed(ctx, session, activity_id)
        signup = await session.get(
            ActivitySignup, signup_id, with_for_update=True, populate_existing=True
        )
        if signup is None:
            raise Refusal(RefusalCode.NOT_FOUND, SIGNUP_NOT_FOUND, "input.signupId")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能再记录时长。")
        if signup.status is not SignupStatus.ATTENDED:
            raise _signup_state(signup, "只有已签到的报名可以记录时长。")
        signup.hours = hours
        state = signup.status.value
        record(session, ctx.viewer, SIGNUP, signup.id, state, state, f"记录时长 {hours} 小时")
        await attachments.attach(session, ctx, SIGNUP, signup.id, files)
    return signup


async def certify(ctx: HubContext, activity_id: int, note: str | None) -> Activity:
    """Certify an activity after it ended (认定活动): its community. Attendees are certified
    and earn the activity's points; registered members who never checked in are absent."""
    async with ctx.sources.community.transaction() as session:
        activity = await _managed(ctx, session, activity_id)
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能认定。")
        now = utcnow()
        if now < as_utc(activity.ends_at):
            raise activity_state(activity, "活动结束后才能认定。")
        signups = await session.scalars(
            select(ActivitySignup)
            .where(
                ActivitySignup.activity_id == activity.id,
                ActivitySignup.status.in_((SignupStatus.ATTENDED, SignupStatus.REGISTERED)),
            )
            .order_by(ActivitySignup.id)
        )
        hours = default_hours(activity)
        for signup in list(signups):
            if signup.status is SignupStatus.REGISTERED:
                signup.status = SignupStatus.ABSENT
                record(session, ctx.viewer, SIGNUP, signup.id, SignupStatus.REGISTERED.value,
                       SignupStatus.ABSENT.value)  # fmt: skip
                continue
            signup.status = SignupStatus.CERTIFIED
            signup.certified_at = now
            if signup.hours is None:
                signup.hours = hours
            record(session, ctx.viewer, SIGNUP, signup.id, SignupStatus.ATTENDED.value,
                   SignupStatus.CERTIFIED.value, note)  # fmt: skip
            await points.earn(
                session, ctx.viewer, member_code=signup.member_code,
                points=activity.points_per_attendance, source_type=SIGNUP, source_id=signup.id,
                community_id=activity.community_id, action=POINTS_ACTION,
            )  # fmt: skip
        from resolvers.unit_service import certify_unit_signups

        await certify_unit_signups(session, ctx.viewer, activity)
        activity.status = ActivityStatus.CERTIFIED
        activity.certified_at = now
        record(session, ctx.viewer, ACTIVITY, activity.id, ActivityStatus.PUBLISHED.value,
               ActivityStatus.CERTIFIED.value, note)  # fmt: skip
    return activity
