"""双服务, the unit serves too: a work unit's Party organisation takes part as an
organisation, beside its members.

* 活动接龙 (unit signup): a unit branch signs its unit up for a community activity with a
  number of its members (`headcount`, 1 to `MAX_HEADCOUNT`) and may name them later. The
  headcount holds places of the activity's capacity exactly like members' signups do: a
  unit signup needs that many free places (else FULL; units do not queue on the
  waitlist), and cancelling it before the start frees them for the waitlist (候补递补).
* 认领 (claim a demand): a published demand (需求清单) is claimed by one claimant, a member
  reported to its community or a unit paired with it; the claimant completes it (the
  demand becomes fulfilled) or releases it before. A claimed demand cannot be claimed
  again, by a member or a unit (ALREADY_CLAIMED), nor converted by the community.

Only a unit with an active pairing (结对/单位报到, `unit_pairings`) with the activity's or the
demand's community may sign up or claim there (else NOT_PAIRED). Locks as everywhere:
the activity before its signups, the demand row before its claim.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import as_utc, utcnow
from datasources.community.activity_models import Activity, ActivityStatus
from datasources.community.models import ClaimantKind, DemandItem, ListItemStatus
from datasources.community.unit_service_models import (
    MAX_HEADCOUNT,
    UNIT_PLACE_HOLDING,
    ActivityUnitSignup,
    UnitSignupStatus,
)
from datasources.scope import Role, Viewer
from resolvers import activities
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    is_paired,
    is_supporter,
    record,
    remember,
    replayed,
    write_lock,
)

UNIT_SIGNUP = "ActivityUnitSignup"
UNIT_SIGNUP_NOT_FOUND = "未找到该单位接龙记录。"
DEMAND_NOT_FOUND = "未找到该需求。"
NOT_PAIRED = "本单位未与该社区结对，不能参加该社区的活动或认领需求。"
UNIT_SIGNUP_NAMES = {
    UnitSignupStatus.REGISTERED: "已接龙",
    UnitSignupStatus.CANCELLED: "已取消",
    UnitSignupStatus.CERTIFIED: "已认定",
}
CLAIMED = "claimed"  # the demand's state in its history while it has a claimant
RELEASED = "released"


def _unit_of(viewer: Viewer) -> str:
    if viewer.role is not Role.UNIT_BRANCH or not viewer.unit:
        raise PermissionError("only a unit's Party organisation acts for its unit")
    return viewer.unit


async def unit_places_taken(session: AsyncSession, activity_id: int) -> int:
    """Places the units' live signups hold: the sum of their headcounts."""
    taken = await session.scalar(
        select(func.coalesce(func.sum(ActivityUnitSignup.headcount), 0)).where(
            ActivityUnitSignup.activity_id == activity_id,
            ActivityUnitSignup.status.in_(UNIT_PLACE_HOLDING),
        )
    )
    return int(taken or 0)


def _headcount(headcount: int) -> int:
    if not 1 <= headcount <= MAX_HEADCOUNT:
        raise Refusal(
            RefusalCode.INVALID_INPUT,
            f"接龙人数须在 1 至 {MAX_HEADCOUNT} 人之间。",
            "input.headcount",
        )
    return headcount


async def sign_up_unit(
    ctx: HubContext, activity_id: int, headcount: int, key: str | None
) -> ActivityUnitSignup:
    """活动接龙: the viewer's unit commits `headcount` members to the activity."""
    viewer = ctx.viewer
    unit = _unit_of(viewer)
    _headcount(headcount)
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Activity, activity_id)
        earlier = await replayed(ctx, session, ActivityUnitSignup, "signUpUnitForActivity", key)
        if earlier is not None:
            return earlier
        activity = await session.get(Activity, activity_id, with_for_update=True)
        if activity is None:
            raise Refusal(RefusalCode.NOT_FOUND, activities.NOT_FOUND, "input.activityId")
        if not await is_paired(session, unit, activity.community_id):
            raise Refusal(RefusalCode.NOT_PAIRED, NOT_PAIRED, "input.activityId")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activities.activity_state(activity, "不能接龙。")
        if utcnow() >= as_utc(activity.ends_at):
            raise Refusal(RefusalCode.INVALID_STATE, "该活动已结束，不能接龙。", "input.activityId")
        existing = await session.scalar(
            select(ActivityUnitSignup.id).where(
                ActivityUnitSignup.activity_id == activity.id,
                ActivityUnitSignup.unit_code == unit,
                ActivityUnitSignup.status != UnitSignupStatus.CANCELLED,
            )
        )
        if existing is not None:
            raise Refusal(
                RefusalCode.DUPLICATE,
                "本单位已接龙该活动；如需调整人数，请先取消后重新接龙。",
                "input.activityId",
            )
        free = activity.capacity - await activities.places_taken(session, activity.id)
        if headcount > free:
            raise Refusal(
                RefusalCode.FULL,
                f"名额不足：该活动剩余 {max(free, 0)} 个名额，本单位接龙 {headcount} 人。",
                "input.headcount",
            )
        signup = ActivityUnitSignup(
            activity_id=activity.id, unit_code=unit, headcount=headcount, participants=[],
            status=UnitSignupStatus.REGISTERED,
        )  # fmt: skip
        session.add(signup)
        await session.flush()
        record(session, viewer, UNIT_SIGNUP, signup.id, None, UnitSignupStatus.REGISTERED.value,
               f"接龙 {headcount} 人")  # fmt: skip
        remember(session, viewer, "signUpUnitForActivity", key, signup.id)
    return signup


async def _own_signup(
    ctx: HubContext, session: AsyncSession, signup_id: int
) -> tuple[Activity, ActivityUnitSignup]:
    """The unit's signup and its activity, the activity locked first."""
    unit = _unit_of(ctx.viewer)
    found = await session.scalar(
        select(ActivityUnitSignup.activity_id).where(ActivityUnitSignup.id == signup_id)
    )
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, UNIT_SIGNUP_NOT_FOUND, "input.signupId")
    await write_lock(session, Activity, found)
    activity = await session.get(Activity, found, with_for_update=True)
    signup = await session.get(
        ActivityUnitSignup, signup_id, with_for_update=True, populate_existing=True
    )
    if activity is None or signup is None:
        raise Refusal(RefusalCode.NOT_FOUND, UNIT_SIGNUP_NOT_FOUND, "input.signupId")
    if signup.unit_code != unit:
        raise PermissionError("the signup is another unit's")
    return activity, signup


def _signup_state(signup: ActivityUnitSignup, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该接龙当前为「{UNIT_SIGNUP_NAMES[signup.status]}」，{allowed}",
        "input.signupId",
    )


async def cancel_unit_signup(
    ctx: HubContext, signup_id: int, reason: str | None
) -> ActivityUnitSignup:
    """Cancel the unit's signup before the activity starts (as a member's signup); its
    places go to the waitlist at once."""
    async with ctx.sources.community.transaction() as session:
        activity, signup = await _own_signup(ctx, session, signup_id)
        if signup.status is not UnitSignupStatus.REGISTERED:
            raise _signup_state(signup, "不能取消。")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activities.activity_state(activity, "不能取消接龙。")
        if utcnow() >= as_utc(activity.starts_at):
            raise Refusal(RefusalCode.INVALID_STATE, "活动已开始，不能取消接龙。", "input.signupId")
        signup.status = UnitSignupStatus.CANCELLED
        signup.cancelled_at = utcnow()
        record(session, ctx.viewer, UNIT_SIGNUP, signup.id, UnitSignupStatus.REGISTERED.value,
               UnitSignupStatus.CANCELLED.value, reason)  # fmt: skip
        await session.flush()
        await activities.promote(ctx, session, activity)
    return signup


async def name_participants(
    ctx: HubContext, signup_id: int, member_codes: list[str]
) -> ActivityUnitSignup:
    """Name the members who go (确定参加人员): at most the headcount, each a member of the
    unit (the work-unit side, through the unit branch's scope), no one twice."""
    codes = [code.strip() for code in member_codes if code.strip()]
    if len(set(codes)) != len(codes):
        raise Refusal(RefusalCode.INVALID_INPUT, "参加人员不能重复。", "input.memberCodes")
    ours = await ctx.units.member_by_code.load_many(codes)
    for code, member in zip(codes, ours, strict=True):
        if member is None:
            raise Refusal(RefusalCode.NOT_A_MEMBER, f"{code} 不是本单位党员。", "input.memberCodes")
    async with ctx.sources.community.transaction() as session:
        activity, signup = await _own_signup(ctx, session, signup_id)
        if signup.status is not UnitSignupStatus.REGISTERED:
            raise _signup_state(signup, "不能修改参加人员。")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activities.activity_state(activity, "不能修改参加人员。")
        if len(codes) > signup.headcount:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"参加人员不能超过接龙人数（{signup.headcount} 人）。",
                "input.memberCodes",
            )
        signup.participants = codes
        state = signup.status.value
        record(session, ctx.viewer, UNIT_SIGNUP, signup.id, state, state,
               f"确定参加人员 {len(codes)} 人")  # fmt: skip
    return signup


async def certify_unit_signups(session: AsyncSession, viewer: Viewer, activity: Activity) -> None:
    """On certification of the activity (认定活动): its live unit signups are certified."""
    now = utcnow()
    live = await session.scalars(
        select(ActivityUnitSignup)
        .where(
            ActivityUnitSignup.activity_id == activity.id,
            ActivityUnitSignup.status == UnitSignupStatus.REGISTERED,
        )
        .order_by(ActivityUnitSignup.id)
    )
    for signup in list(live):
        signup.status = UnitSignupStatus.CERTIFIED
        signup.certified_at = now
        record(session, viewer, UNIT_SIGNUP, signup.id, UnitSignupStatus.REGISTERED.value,
               UnitSignupStatus.CERTIFIED.value)  # fmt: skip


# --- claims of demands (认领需求) ------------------------------------------------------


def _claimant(viewer: Viewer) -> tuple[ClaimantKind, str]:
    if viewer.role is Role.MEMBER and viewer.member:
        return ClaimantKind.MEMBER, viewer.member
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return ClaimantKind.UNIT, viewer.unit
    raise PermissionError("only members and units claim demands")


async def _locked_demand(session: AsyncSession, demand_id: int) -> DemandItem:
    await write_lock(session, DemandItem, demand_id)
    demand = await session.get(DemandItem, demand_id, with_for_update=True)
    if demand is None:
        raise Refusal(RefusalCode.NOT_FOUND, DEMAND_NOT_FOUND, "input.demandId")
    return demand


def _demand_state(demand: DemandItem, allowed: str) -> Refusal:
    from resolvers.lists import STATUS_NAMES

    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该需求当前为「{STATUS_NAMES[demand.status]}」，{allowed}",
        "input.demandId",
    )


async def claim_demand(ctx: HubContext, demand_id: int, key: str | None) -> DemandItem:
    """认领需求: a member reported to the demand's community, or a paired unit; one claimant."""
    viewer = ctx.viewer
    kind, code = _claimant(viewer)
    async with ctx.sources.community.transaction() as session:
        demand = await _locked_demand(session, demand_id)
        earlier = await replayed(ctx, session, DemandItem, "claimDemand", key)
        if earlier is not None:
            return earlier
        if kind is ClaimantKind.UNIT:
            if not await is_paired(session, code, demand.community_id):
                raise Refusal(RefusalCode.NOT_PAIRED, NOT_PAIRED, "input.demandId")
        elif not await is_supporter(session, code, demand.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "请先向该社区报到。", "input.demandId")
        if demand.status is ListItemStatus.PUBLISHED and demand.claimant_code is not None:
            who = "本单位" if (demand.claimant_kind, demand.claimant_code) == (kind, code) else ""
            raise Refusal(RefusalCode.ALREADY_CLAIMED, f"该需求已被{who}认领。", "input.demandId")
        if demand.status is not ListItemStatus.PUBLISHED:
            raise _demand_state(demand, "只有已发布的需求可以认领。")
        demand.claimant_kind, demand.claimant_code = kind, code
        demand.claimed_at = utcnow()
        record(session, viewer, "DemandItem", demand.id, ListItemStatus.PUBLISHED.value,
               ListItemStatus.PUBLISHED.value,
               f"{'单位' if kind is ClaimantKind.UNIT else '党员'}认领：{code}")  # fmt: skip
        remember(session, viewer, "claimDemand", key, demand.id)
    return demand


async def _claimed_by_viewer(ctx: HubContext, session: AsyncSession, demand_id: int) -> DemandItem:
    kind, code = _claimant(ctx.viewer)
    demand = await _locked_demand(session, demand_id)
    if (demand.claimant_kind, demand.claimant_code) != (kind, code):
        raise PermissionError("the demand is not claimed by the viewer")
    if demand.status is not ListItemStatus.PUBLISHED:
        raise _demand_state(demand, "认领已结束。")
    return demand


async def release_demand(ctx: HubContext, demand_id: int, reason: str | None) -> DemandItem:
    """Give a claim up before completing it (放弃认领): the claimant; the demand is open again."""
    async with ctx.sources.community.transaction() as session:
        demand = await _claimed_by_viewer(ctx, session, demand_id)
        demand.claimant_kind = demand.claimant_code = demand.claimed_at = None
        note = f"放弃认领：{reason}" if reason else "放弃认领"
        state = demand.status.value
        record(session, ctx.viewer, "DemandItem", demand.id, state, state, note)
    return demand


async def complete_demand(ctx: HubContext, demand_id: int, note: str) -> DemandItem:
    """Complete a claimed demand (完成需求): the claimant, with what was done; the demand is
    fulfilled."""
    if not note.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写完成情况。", "input.note")
    async with ctx.sources.community.transaction() as session:
        demand = await _claimed_by_viewer(ctx, session, demand_id)
        demand.status = ListItemStatus.FULFILLED
        demand.completed_at = utcnow()
        demand.completion_note = note.strip()
        record(session, ctx.viewer, "DemandItem", demand.id, ListItemStatus.PUBLISHED.value,
               ListItemStatus.FULFILLED.value, demand.completion_note)  # fmt: skip
    return demand
