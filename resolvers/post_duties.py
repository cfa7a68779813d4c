"""Post duty (岗位值守): claiming a post is a promise; serving it is recorded session by
session and confirmed before it counts as a service.

* The member records a session he served on a post he claimed (登记值守); the post's keeper
  (岗位负责人, `Post.keeper_code`) may record it on a claimant's behalf. A session lies
  inside one of the member's claims of the post and inside the post's period, has ended
  (none in the future), lasts more than nothing and at most 24 hours, and overlaps no other
  session of the same member on the same post that is pending or confirmed (rejected ones
  free their time). Concurrent recordings of one post run one after the other (the post's
  write lock), so two overlapping sessions cannot both pass the check.
* The post's community (or a grid secretary of it) or the post's keeper confirms (确认) or
  rejects (不通过, with a reason) a pending session; nobody decides on a session that is his
  own or that he recorded himself (four eyes).
* A unit that claimed a post (单位认领) records the sessions it served on its claim; they
  are the unit's (`unit_code`, no member's), decided on the same way, and count in the
  unit's contribution (datasources/community/unit_service.py), never in a member's.
* Only confirmed sessions count in a member's services and hours (resolvers.performance),
  in the community's and district's figures by category and month (under the post's
  category) and in the member's timeline as services. Confirming a session grants the
  member the points of the `post_duty_confirmed` rule (per session, as every point rule is
  per act), once: the ledger's unique earned-source index. A decision is final (there is no
  path that undoes a confirmation); points granted in error are reversed through
  `reversePointsEntry` (冲正) like any other entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select

from datasources.common import CHINA, utcnow
from datasources.community.duty_models import MAX_DUTY_HOURS, PostDuty, PostDutyStatus
from datasources.community.models import ClaimantKind, Community, Post, PostClaim
from datasources.scope import Role, Viewer
from resolvers.context import HubContext
from resolvers.points import earn, rule_points
from resolvers.posts import claimed_by
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

DUTY = "PostDuty"
POINTS_ACTION = "post_duty_confirmed"
STATUS_NAMES = {
    PostDutyStatus.PENDING: "待确认",
    PostDutyStatus.CONFIRMED: "已确认",
    PostDutyStatus.REJECTED: "未通过",
}
NOT_FOUND = "未找到该值守记录。"
_HUNDREDTH = Decimal("0.01")


def duty_hours(starts_at: datetime, ends_at: datetime) -> Decimal:
    """Hours between the two times, to the hundredth (what the session counts)."""
    seconds = Decimal(int((ends_at - starts_at).total_seconds()))
    return (seconds / Decimal(3600)).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def _aware(moment: datetime) -> datetime:
    """A time without a zone is China Standard Time (the dates of record are)."""
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment


def check_period(starts_at: datetime, ends_at: datetime, now: datetime) -> Decimal:
    """The session's hours, or the refusal of a period no session can have."""
    if ends_at <= starts_at:
        raise Refusal(RefusalCode.INVALID_INPUT, "结束时间须晚于开始时间。", "input.endsAt")
    if ends_at > now:
        raise Refusal(RefusalCode.INVALID_INPUT, "不能登记尚未结束的值守。", "input.endsAt")
    if ends_at - starts_at > timedelta(hours=int(MAX_DUTY_HOURS)):
        raise Refusal(RefusalCode.INVALID_INPUT, "一次值守不能超过24小时。", "input.endsAt")
    hours = duty_hours(starts_at, ends_at)
    if hours <= 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "值守时长过短。", "input.endsAt")
    return hours


def is_keeper(viewer: Viewer, post: Post) -> bool:
    return (
        viewer.role is Role.MEMBER
        and viewer.member is not None
        and post.keeper_code is not None
        and post.keeper_code == viewer.member
    )


async def record_duty(
    ctx: HubContext,
    post_id: int,
    *,
    member_code: str | None,
    starts_at: datetime,
    ends_at: datetime,
    note: str | None,
    key: str | None,
) -> PostDuty:
    """Record a duty session (登记值守): the member himself, or the post's keeper for him;
    or a unit's Party organisation, a session the unit served on its own claim (单位值守)."""
    viewer = ctx.viewer
    unit = viewer.unit if viewer.role is Role.UNIT_BRANCH else None
    if unit is None and (viewer.role is not Role.MEMBER or viewer.member is None):
        raise PermissionError("only a member (or the post's keeper) or a unit records duty")
    if unit is not None and member_code is not None:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "单位登记本单位认领岗位的值守，无需填写党员。",
            "input.memberCode",
        )  # fmt: skip
    member = None if unit is not None else (member_code or viewer.member)
    server = (
        claimed_by(ClaimantKind.UNIT, unit)
        if unit
        else claimed_by(ClaimantKind.MEMBER, member or "")
    )
    own_sessions = PostDuty.unit_code == unit if unit else PostDuty.member_code == member
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    hours = check_period(starts_at, ends_at, utcnow())
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Post, post_id)
        earlier = await replayed(ctx, session, PostDuty, "recordPostDuty", key)
        if earlier is not None:
            return earlier
        post = await session.get(Post, post_id, with_for_update=True)
        if post is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该岗位。", "input.postId")
        if unit is None and member != viewer.member and not is_keeper(viewer, post):
            raise PermissionError("only the post's keeper records duty for another member")
        claim = await session.scalar(
            select(PostClaim)
            .where(
                PostClaim.post_id == post.id,
                server,
                PostClaim.claimed_at <= starts_at,
                or_(PostClaim.released_at.is_(None), PostClaim.released_at >= ends_at),
            )
            .order_by(PostClaim.claimed_at.desc())
            .limit(1)
        )
        if claim is None:
            raise Refusal(
                RefusalCode.OUTSIDE_WINDOW,
                "该时段不在岗位认领期内，不能登记值守。",
                "input.startsAt",
            )
        first_day, last_day = starts_at.astimezone(CHINA).date(), ends_at.astimezone(CHINA).date()
        if (post.starts_on is not None and first_day < post.starts_on) or (
            post.ends_on is not None and last_day > post.ends_on
        ):
            raise Refusal(
                RefusalCode.OUTSIDE_WINDOW, "该时段不在岗位设置期限内。", "input.startsAt"
            )
        overlapping = await session.scalar(
            select(PostDuty.id).where(
                PostDuty.post_id == post.id,
                own_sessions,
                PostDuty.status != PostDutyStatus.REJECTED,
                PostDuty.starts_at < ends_at,
                PostDuty.ends_at > starts_at,
            )
        )
        if overlapping is not None:
            raise Refusal(
                RefusalCode.DUPLICATE,
                "该时段与已登记的值守重叠，不能重复登记。",
                "input.startsAt",
            )
        row = PostDuty(
            post_id=post.id, claim_id=claim.id, member_code=member, unit_code=unit,
            starts_at=starts_at, ends_at=ends_at, hours=hours, note=note,
            status=PostDutyStatus.PENDING, recorded_by=unit or viewer.member,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        by_keeper = None
        if unit is not None:
            by_keeper = f"单位值守：{unit}"
        elif member != viewer.member:
            by_keeper = "岗位负责人代为登记"
        record(session, viewer, DUTY, row.id, None, PostDutyStatus.PENDING.value, by_keeper)
        remember(session, viewer, "recordPostDuty", key, row.id)
    return row


async def decide_duty(
    ctx: HubContext, duty_id: int, *, confirm: bool, reason: str | None
) -> PostDuty:
    """Confirm (确认) or reject (不通过) a pending session: the post's community, a grid
    secretary of it, or the post's keeper; never the session's member or its recorder."""
    viewer = ctx.viewer
    reason = reason.strip() if reason else None
    async with ctx.sources.community.transaction() as session:
        row = await session.get(PostDuty, duty_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.dutyId")
        post = await session.get(Post, row.post_id)
        assert post is not None  # a foreign key
        code = await session.scalar(select(Community.code).where(Community.id == post.community_id))
        keeper = is_keeper(viewer, post)
        if not (manages_community(viewer, code) or keeper):
            raise PermissionError("only the post's community or keeper decides on duty")
        if viewer.member is not None and viewer.member in (row.member_code, row.recorded_by):
            raise PermissionError("nobody decides on his own duty or his own recording")
        if row.status is not PostDutyStatus.PENDING:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该值守记录当前为「{STATUS_NAMES[row.status]}」，只有待确认的记录可以处理。",
                "input.dutyId",
            )
        if not confirm and not reason:
            raise Refusal(RefusalCode.INVALID_INPUT, "请填写不通过的理由。", "input.reason")
        to = PostDutyStatus.CONFIRMED if confirm else PostDutyStatus.REJECTED
        row.status = to
        row.decided_at = utcnow()
        row.decided_by_role = "keeper" if keeper else viewer.role.value
        row.decision_note = reason
        record(session, viewer, DUTY, row.id, PostDutyStatus.PENDING.value, to.value, reason)
        if confirm and row.member_code is not None:  # a unit's session earns no member points
            await earn(
                session, viewer, member_code=row.member_code,
                points=await rule_points(session, POINTS_ACTION), action=POINTS_ACTION,
                source_type=DUTY, source_id=row.id, community_id=post.community_id,
                note=post.title[:200],
            )  # fmt: skip
    return row
