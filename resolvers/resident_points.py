"""Residents' points (居民积分) and young volunteers (小小志愿者): residents of a community,
and children under a consenting guardian, take part in its activities, earn points on a
ledger of their own and spend them in the points mall (积分超市) members use.

- A resident's account opens on his first signup (his identity: issuer, subject, role and
  scope). A guardian enrols his child (`enrol_young`) with his consent recorded; the child
  has no sign-in of his own: the guardian signs him up and redeems for him. Withdrawing the
  consent (`withdraw_consent`) stops both; the ledger stays.
- A signup holds one of the activity's places, shared with members and units
  (`activities.places_taken` counts resident signups): it locks the activity first, like
  a member's signup, so two callers racing for the last place cannot both get it; there is
  no waitlist for residents (FULL).
- The resident checks in at the venue with the activity's code (`check_in`, for himself or
  the child he accompanies), or the community confirms participation (`confirm`) once the
  activity has started: either earns the activity's points (or the district's rule for attending) on the volunteer's
  ledger, once per signup. Nothing here writes `points_entries`: a resident's points never
  count for a member.
- A redemption locks the volunteer's account (so two spends of one ledger serialise and
  the balance never goes negative) and takes the item's stock with the same conditional
  statement as a member's, so residents and members compete for the same stock and the
  last item goes to one of them only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import CHINA, as_utc, utcnow
from datasources.community.activity_models import Activity, ActivityCheckInCode, ActivityStatus
from datasources.community.points_models import MallItem, Merchant
from datasources.community.resident_points.models import (
    RESIDENT_PLACE_HOLDING,
    ResidentActivitySignup,
    ResidentEntryKind,
    ResidentPointsEntry,
    ResidentRedemption,
    ResidentSignupStatus,
    ResidentVolunteer,
    VolunteerKind,
    VolunteerStatus,
)
from datasources.scope import GRID_ROLES, Role, Viewer
from resolvers import points
from resolvers.activities import failures_since_latest_code
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

VOLUNTEER = "ResidentVolunteer"
SIGNUP = "ResidentActivitySignup"
REDEMPTION = "ResidentRedemption"
POINTS_ACTION = "activity_attended"  # the district's rule when an activity sets no points
MIN_AGE, MAX_AGE = 6, 17  # 小小志愿者 / 青少年: from six, until grown up (18)
MAX_CHILDREN = 6  # children one guardian enrols
MAX_QUANTITY = 100
MAX_TEXT = 500
VOLUNTEER_NOT_FOUND = "未找到该志愿者。"
SIGNUP_NOT_FOUND = "未找到该报名记录。"
ACTIVITY_NOT_FOUND = "未找到该活动。"
ITEM_NOT_FOUND = "未找到该商品。"
SIGNUP_NAMES = {
    ResidentSignupStatus.REGISTERED: "已报名",
    ResidentSignupStatus.CANCELLED: "已取消",
    ResidentSignupStatus.CONFIRMED: "已签到或已确认参加",
}


def _resident(ctx: HubContext) -> str:
    viewer = ctx.viewer
    if viewer.role is not Role.RESIDENT or not viewer.community:
        raise PermissionError("only a resident of a community does this")
    return viewer.community


def _text(value: str | None, message: str, field: str) -> str:
    trimmed = (value or "").strip()
    if not trimmed:
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    if len(trimmed) > MAX_TEXT:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{MAX_TEXT}字。", field)
    return trimmed


async def own_account(session: AsyncSession, viewer: Viewer, community_id: int) -> int:
    """The resident's account id, opened if it does not exist (concurrency-safe: the
    identity is unique, a racing insert does nothing)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    opened = await session.execute(
        insert(ResidentVolunteer)
        .values(
            community_id=community_id,
            kind=VolunteerKind.RESIDENT,
            identity=viewer.identity_key,
            status=VolunteerStatus.ACTIVE,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(ResidentVolunteer.id)
    )
    new_id = opened.scalar()
    if new_id is not None:
        record(session, viewer, VOLUNTEER, new_id, None, VolunteerStatus.ACTIVE.value,
               "居民志愿者积分账户开通")  # fmt: skip
        return int(new_id)
    found = await session.scalar(
        select(ResidentVolunteer.id).where(ResidentVolunteer.identity == viewer.identity_key)
    )
    assert found is not None  # the conflict was on this identity
    return int(found)


async def _volunteer_for(
    ctx: HubContext, session: AsyncSession, community_id: int, volunteer_id: int | None,
    *, lock: bool = False,
) -> ResidentVolunteer:  # fmt: skip
    """The account the resident acts for: his own (None), or a child he is guardian of,
    still with consent. Locked when asked (before any read a spend depends on)."""
    account = await own_account(session, ctx.viewer, community_id)
    target = account if volunteer_id is None else volunteer_id
    if lock:
        await write_lock(session, ResidentVolunteer, target)
    row: ResidentVolunteer | None = await session.get(
        ResidentVolunteer, target, with_for_update=lock, populate_existing=lock
    )
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, VOLUNTEER_NOT_FOUND, "input.volunteerId")
    if row.id != account and row.guardian_id != account:
        raise PermissionError("a resident acts for himself and the children he is guardian of")
    if row.status is not VolunteerStatus.ACTIVE:
        raise Refusal(RefusalCode.INVALID_STATE, "监护人已撤回同意，该小小志愿者不能再参加活动"
                      "或兑换积分。", "input.volunteerId")  # fmt: skip
    return row


# --- young volunteers (小小志愿者) -----------------------------------------------------


async def enrol_young(
    ctx: HubContext, birth_year: int, consent: bool, consent_note: str | None, key: str | None
) -> ResidentVolunteer:
    """Enrol a child as a young volunteer (登记小小志愿者): his guardian, a resident of the
    community, with his consent (监护人同意) recorded; six to seventeen years old."""
    community = _resident(ctx)
    if not consent:
        raise Refusal(RefusalCode.INVALID_INPUT, "未成年人参加志愿服务须经监护人同意。",
                      "input.guardianConsent")  # fmt: skip
    age = datetime.now(CHINA).year - birth_year
    if not MIN_AGE <= age <= MAX_AGE:
        raise Refusal(RefusalCode.INVALID_INPUT, f"小小志愿者须年满{MIN_AGE}周岁且未满18周岁。",
                      "input.birthYear")  # fmt: skip
    note = (consent_note or "").strip() or None
    if note is not None and len(note) > MAX_TEXT:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{MAX_TEXT}字。", "input.consentNote")
    mutation = "enrolYoungVolunteer"
    async with ctx.sources.community.transaction() as session:
        community_id = await community_id_of(session, community)
        guardian = await own_account(session, ctx.viewer, community_id)
        await write_lock(session, ResidentVolunteer, guardian)
        earlier = await replayed(ctx, session, ResidentVolunteer, mutation, key)
        if earlier is not None:
            return earlier
        children = await session.scalar(
            select(func.count()).where(
                ResidentVolunteer.guardian_id == guardian,
                ResidentVolunteer.status == VolunteerStatus.ACTIVE,
            )
        )
        if int(children or 0) >= MAX_CHILDREN:
            raise Refusal(RefusalCode.FULL, f"每位监护人最多登记{MAX_CHILDREN}名小小志愿者。",
                          "input")  # fmt: skip
        now = utcnow()
        row = ResidentVolunteer(
            community_id=community_id, kind=VolunteerKind.YOUNG, guardian_id=guardian,
            birth_year=birth_year, consent_at=now, consent_note=note,
            status=VolunteerStatus.ACTIVE, created_at=now,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, ctx.viewer, VOLUNTEER, row.id, None, VolunteerStatus.ACTIVE.value,
               f"监护人同意：{note}" if note else "监护人同意")  # fmt: skip
        remember(session, ctx.viewer, mutation, key, row.id)
    return row


async def withdraw_consent(ctx: HubContext, volunteer_id: int, reason: str) -> ResidentVolunteer:
    """Withdraw the consent for a child (撤回监护人同意): his guardian. The child's live
    signups are cancelled with the reason; his ledger stays, nothing more is earned or
    spent on it."""
    community = _resident(ctx)
    why = _text(reason, "请填写撤回原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        community_id = await community_id_of(session, community)
        guardian = await own_account(session, ctx.viewer, community_id)
        await write_lock(session, ResidentVolunteer, volunteer_id)
        row = await session.get(ResidentVolunteer, volunteer_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, VOLUNTEER_NOT_FOUND, "input.volunteerId")
        if row.guardian_id != guardian:
            raise PermissionError("only the child's guardian withdraws the consent")
        if row.status is VolunteerStatus.WITHDRAWN:
            raise Refusal(RefusalCode.INVALID_STATE, "已撤回同意。", "input.volunteerId")
        now = utcnow()
        row.status, row.withdrawn_at, row.withdrawn_reason = VolunteerStatus.WITHDRAWN, now, why
        record(session, ctx.viewer, VOLUNTEER, row.id, VolunteerStatus.ACTIVE.value,
               VolunteerStatus.WITHDRAWN.value, why)  # fmt: skip
        live = await session.scalars(
            select(ResidentActivitySignup).where(
                ResidentActivitySignup.volunteer_id == row.id,
                ResidentActivitySignup.status == ResidentSignupStatus.REGISTERED,
            )
        )
        for signup in list(live):
            _cancel(session, ctx.viewer, signup, f"监护人撤回同意：{why}", now)
    return row


# --- activities (参加活动) -------------------------------------------------------------


async def resident_places_taken(session: AsyncSession, activity_id: int) -> int:
    """Places residents' and children's signups hold in an activity."""
    taken = await session.scalar(
        select(func.count()).where(
            ResidentActivitySignup.activity_id == activity_id,
            ResidentActivitySignup.status.in_(RESIDENT_PLACE_HOLDING),
        )
    )
    return int(taken or 0)


async def sign_up(
    ctx: HubContext, activity_id: int, volunteer_id: int | None, key: str | None
) -> ResidentActivitySignup:
    """Sign up for an activity of the resident's community (居民报名): for himself, or for a
    child he is guardian of; one of the activity's places while any is left (FULL)."""
    from resolvers.activities import activity_state, places_taken

    community = _resident(ctx)
    mutation = "signUpResidentForActivity"
    async with ctx.sources.community.transaction() as session:
        # Every signup of the activity (members', units', residents') queues here: the count
        # below sees every place taken before, so the last place goes to one caller only.
        await write_lock(session, Activity, activity_id)
        activity = await session.get(Activity, activity_id, with_for_update=True)
        if activity is None:
            raise Refusal(RefusalCode.NOT_FOUND, ACTIVITY_NOT_FOUND, "input.activityId")
        earlier = await replayed(ctx, session, ResidentActivitySignup, mutation, key)
        if earlier is not None:
            return earlier
        if await community_code_of(session, activity.community_id) != community:
            raise PermissionError("a resident takes part in his own community's activities")
        volunteer = await _volunteer_for(ctx, session, activity.community_id, volunteer_id)
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能报名。")
        if utcnow() >= as_utc(activity.ends_at):
            raise Refusal(RefusalCode.INVALID_STATE, "该活动已结束，不能报名。", "input.activityId")
        existing = await session.scalar(
            select(ResidentActivitySignup.id).where(
                ResidentActivitySignup.activity_id == activity.id,
                ResidentActivitySignup.volunteer_id == volunteer.id,
                ResidentActivitySignup.status != ResidentSignupStatus.CANCELLED,
            )
        )
        if existing is not None:
            raise Refusal(RefusalCode.DUPLICATE, "已报名该活动。", "input.activityId")
        if await places_taken(session, activity.id) >= activity.capacity:
            raise Refusal(RefusalCode.FULL, "该活动名额已满。", "input.activityId")
        row = ResidentActivitySignup(activity_id=activity.id, volunteer_id=volunteer.id,
                                     status=ResidentSignupStatus.REGISTERED,
                                     signed_up_at=utcnow())  # fmt: skip
        session.add(row)
        await session.flush()
        young = volunteer.kind is VolunteerKind.YOUNG
        record(session, ctx.viewer, SIGNUP, row.id, None, ResidentSignupStatus.REGISTERED.value,
               "监护人为小小志愿者报名" if young else None)  # fmt: skip
        remember(session, ctx.viewer, mutation, key, row.id)
    return row


def _cancel(
    session: AsyncSession, viewer: Viewer, signup: ResidentActivitySignup, why: str, now: datetime
) -> None:
    signup.status, signup.cancelled_at, signup.cancelled_reason = (
        ResidentSignupStatus.CANCELLED, now, why,
    )  # fmt: skip
    record(session, viewer, SIGNUP, signup.id, ResidentSignupStatus.REGISTERED.value,
           ResidentSignupStatus.CANCELLED.value, why)  # fmt: skip


async def _signup(session: AsyncSession, signup_id: int) -> ResidentActivitySignup:
    await write_lock(session, ResidentActivitySignup, signup_id)
    row = await session.get(ResidentActivitySignup, signup_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, SIGNUP_NOT_FOUND, "input.signupId")
    return row


def _signup_state(
    row: ResidentActivitySignup, allowed: str, field: str = "input.signupId"
) -> Refusal:
    return Refusal(RefusalCode.INVALID_STATE,
                   f"该报名当前为「{SIGNUP_NAMES[row.status]}」，{allowed}", field)  # fmt: skip


async def cancel_signup(
    ctx: HubContext, signup_id: int, reason: str | None
) -> ResidentActivitySignup:
    """Cancel a signup (取消报名) before the activity starts: the resident for himself or his
    child; the place is free again."""
    community = _resident(ctx)
    async with ctx.sources.community.transaction() as session:
        row = await _signup(session, signup_id)
        activity = await session.get(Activity, row.activity_id)
        assert activity is not None  # a foreign key
        community_id = await community_id_of(session, community)
        account = await own_account(session, ctx.viewer, community_id)
        volunteer = await session.get(ResidentVolunteer, row.volunteer_id)
        assert volunteer is not None  # a foreign key
        if account not in (volunteer.id, volunteer.guardian_id):
            raise PermissionError("a resident cancels his own and his children's signups")
        if row.status is not ResidentSignupStatus.REGISTERED:
            raise _signup_state(row, "不能取消。")
        if utcnow() >= as_utc(activity.starts_at):
            raise Refusal(RefusalCode.OUTSIDE_WINDOW, "活动已开始，不能取消报名。",
                          "input.signupId")  # fmt: skip
        _cancel(session, ctx.viewer, row, (reason or "").strip() or "本人取消", utcnow())
    return row


async def confirm(ctx: HubContext, signup_id: int, note: str | None) -> ResidentActivitySignup:
    """Confirm a resident's or child's participation (确认参加): the activity's community
    (committee or grid roles), once the activity has started and while it is not
    cancelled. Earns the activity's points, or the district's rule for attending when the
    activity sets none, on the volunteer's own ledger."""
    viewer = ctx.viewer
    if viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community confirms participation")
    async with ctx.sources.community.transaction() as session:
        row = await _signup(session, signup_id)
        activity = await session.get(Activity, row.activity_id)
        assert activity is not None  # a foreign key
        if not manages_community(viewer, await community_code_of(session, activity.community_id)):
            raise PermissionError("the activity belongs to another community")
        if row.status is not ResidentSignupStatus.REGISTERED:
            raise _signup_state(row, "不能确认参加。")
        if activity.status is ActivityStatus.CANCELLED:
            raise Refusal(RefusalCode.INVALID_STATE, "该活动已取消，不能确认参加。",
                          "input.signupId")  # fmt: skip
        now = utcnow()
        if now < as_utc(activity.starts_at):
            raise Refusal(RefusalCode.OUTSIDE_WINDOW, "活动开始后才能确认参加。", "input.signupId")
        volunteer = await session.get(ResidentVolunteer, row.volunteer_id)
        assert volunteer is not None  # a foreign key
        if volunteer.status is not VolunteerStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, "监护人已撤回同意，不能确认参加。",
                          "input.signupId")  # fmt: skip
        text = (note or "").strip() or None
        await _earn(session, viewer, row, activity, volunteer, now, text)
    return row


async def _earn(
    session: AsyncSession, viewer: Viewer, row: ResidentActivitySignup, activity: Activity,
    volunteer: ResidentVolunteer, now: datetime, note: str | None,
) -> None:  # fmt: skip
    """Confirm the signup and earn its points on the volunteer's ledger (once: the ledger's
    unique index on the source refuses a second earn)."""
    earned = activity.points_per_attendance or await points.rule_points(session, POINTS_ACTION)
    row.status, row.confirmed_at, row.confirmed_by = (
        ResidentSignupStatus.CONFIRMED, now, viewer.subject,
    )  # fmt: skip
    row.points = earned
    record(session, viewer, SIGNUP, row.id, ResidentSignupStatus.REGISTERED.value,
           ResidentSignupStatus.CONFIRMED.value, note)  # fmt: skip
    if earned > 0:
        session.add(ResidentPointsEntry(
            volunteer_id=volunteer.id, community_id=volunteer.community_id,
            kind=ResidentEntryKind.EARN, points=earned, source_type=SIGNUP, source_id=row.id,
            note=f"参加活动「{activity.title}」", actor_subject=viewer.subject,
            actor_role=viewer.role.value, occurred_at=now,
        ))  # fmt: skip


async def check_in(
    ctx: HubContext, activity_id: int, code: str, volunteer_id: int | None
) -> ResidentActivitySignup:
    """Check in at the venue (签到) with the code shown there: a resident for himself or for
    the child he accompanies, inside the check-in window (30 minutes before the start to
    the end). It confirms the participation at once and earns the points; wrong codes are
    counted per signup, as members' are (five per code issued)."""
    from resolvers.activities import (
        LOCKED_OUT,
        MAX_CHECK_IN_FAILURES,
        activity_state,
        digest,
        inside_window,
    )

    community = _resident(ctx)
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Activity, activity_id)  # one check-in of an activity at a time
        activity = await session.get(Activity, activity_id)
        if activity is None:
            raise Refusal(RefusalCode.NOT_FOUND, ACTIVITY_NOT_FOUND, "input.activityId")
        if await community_code_of(session, activity.community_id) != community:
            raise PermissionError("a resident takes part in his own community's activities")
        volunteer = await _volunteer_for(ctx, session, activity.community_id, volunteer_id)
        row = await session.scalar(
            select(ResidentActivitySignup)
            .where(
                ResidentActivitySignup.activity_id == activity.id,
                ResidentActivitySignup.volunteer_id == volunteer.id,
                ResidentActivitySignup.status != ResidentSignupStatus.CANCELLED,
            )
            .with_for_update()
        )
        if row is None:
            raise Refusal(RefusalCode.INVALID_STATE, "未报名该活动，不能签到。", "input.activityId")
        if row.status is not ResidentSignupStatus.REGISTERED:
            raise _signup_state(row, "不能再次签到。", "input.activityId")
        if activity.status is not ActivityStatus.PUBLISHED:
            raise activity_state(activity, "不能签到。")
        now = utcnow()
        inside_window(activity, now, "input.activityId")
        failures = await failures_since_latest_code(session, row)
        if failures >= MAX_CHECK_IN_FAILURES:
            raise Refusal(RefusalCode.TOO_MANY_ATTEMPTS, LOCKED_OUT, "input.code")
        valid = await session.scalar(
            select(ActivityCheckInCode.id).where(
                ActivityCheckInCode.activity_id == activity.id,
                ActivityCheckInCode.code_digest == digest(code.strip()),
                ActivityCheckInCode.expires_at > now,
            )
        )
        wrong = None
        if valid is None:
            # Counted and committed: guessing six digits must not be free.
            row.check_in_failures, row.check_in_failed_at = failures + 1, now
            left = MAX_CHECK_IN_FAILURES - row.check_in_failures
            wrong = Refusal(
                RefusalCode.INVALID_CODE if left else RefusalCode.TOO_MANY_ATTEMPTS,
                f"签到码错误或已过期，还可尝试 {left} 次。" if left else LOCKED_OUT,
                "input.code",
            )
        else:
            row.checked_in_at, row.check_in_failures = now, 0
            await _earn(session, ctx.viewer, row, activity, volunteer, now, "现场签到")
    if wrong is not None:
        raise wrong
    return row


async def note_activity_cancelled(
    session: AsyncSession, viewer: Viewer, activity_id: int, note: str
) -> None:
    """On an activity's cancellation: each live resident signup's history notes it (their
    states stay, as members' do)."""
    live = await session.scalars(
        select(ResidentActivitySignup).where(
            ResidentActivitySignup.activity_id == activity_id,
            ResidentActivitySignup.status != ResidentSignupStatus.CANCELLED,
        )
    )
    for signup in live:
        state = signup.status.value
        record(session, viewer, SIGNUP, signup.id, state, state, note)


# --- the points mall (积分超市) --------------------------------------------------------


async def balance(session: AsyncSession, volunteer_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(ResidentPointsEntry.points), 0)).where(
            ResidentPointsEntry.volunteer_id == volunteer_id
        )
    )
    return int(total or 0)


async def redeem(
    ctx: HubContext, item_id: int, quantity: int, volunteer_id: int | None, key: str | None
) -> ResidentRedemption:
    """Redeem a mall item with resident points (居民积分兑换): for himself, or for a child
    he is guardian of from the child's ledger."""
    community = _resident(ctx)
    if not 0 < quantity <= MAX_QUANTITY:
        raise Refusal(RefusalCode.INVALID_INPUT, f"兑换数量须在 1 到 {MAX_QUANTITY} 之间。",
                      "input.quantity")  # fmt: skip
    mutation = "redeemMallItemAsResident"
    async with ctx.sources.community.transaction() as session:
        community_id = await community_id_of(session, community)
        # The account lock comes first: two spends of one ledger run one after the other, and
        # a retry with the same key waits for the first try.
        volunteer = await _volunteer_for(ctx, session, community_id, volunteer_id, lock=True)
        earlier = await replayed(ctx, session, ResidentRedemption, mutation, key)
        if earlier is not None:
            return earlier
        item = await session.get(MallItem, item_id)
        if item is None:
            raise Refusal(RefusalCode.NOT_FOUND, ITEM_NOT_FOUND, "input.itemId")
        merchant = await session.get(Merchant, item.merchant_id)
        if not item.active or merchant is None or not merchant.active:
            raise Refusal(RefusalCode.INVALID_STATE, "该商品已下架，不能兑换。", "input.itemId")
        cost = item.price_points * quantity
        available = await balance(session, volunteer.id)
        if cost > available:
            raise Refusal(RefusalCode.INSUFFICIENT_POINTS,
                          f"积分不足：需要 {cost} 分，当前余额 {available} 分。",
                          "input.quantity")  # fmt: skip
        # The same conditional statement as a member's redemption: the stock is shared, and
        # each redemption takes it atomically or not at all.
        taken = await session.execute(
            update(MallItem)
            .where(MallItem.id == item.id, MallItem.stock >= quantity, MallItem.active.is_(True))
            .values(stock=MallItem.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise Refusal(RefusalCode.OUT_OF_STOCK, f"「{item.name}」库存不足。", "input.quantity")
        now = utcnow()
        spend = ResidentPointsEntry(
            volunteer_id=volunteer.id, community_id=volunteer.community_id,
            kind=ResidentEntryKind.SPEND, points=-cost, source_type=REDEMPTION,
            note=f"兑换「{item.name}」× {quantity}", actor_subject=ctx.viewer.subject,
            actor_role=ctx.viewer.role.value, occurred_at=now,
        )  # fmt: skip
        session.add(spend)
        await session.flush()
        row = ResidentRedemption(item_id=item.id, volunteer_id=volunteer.id, quantity=quantity,
                                 points=cost, spend_entry_id=spend.id, redeemed_at=now)  # fmt: skip
        session.add(row)
        await session.flush()
        spend.source_id = row.id
        record(session, ctx.viewer, REDEMPTION, row.id, None, "redeemed",
               f"「{item.name}」× {quantity}，{cost} 分")  # fmt: skip
        remember(session, ctx.viewer, mutation, key, row.id)
    return row
