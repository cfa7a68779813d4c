"""Micro-wishes (微心愿): a community publishes a wish for a resident in need, exactly one
member, or one unit paired with the community (单位认领, 双服务), claims it, fulfils it,
and the community confirms; or the community withdraws it.

Exactly one claim, also under concurrent claims: the claim transaction locks the wish row
first (PostgreSQL `SELECT ... FOR UPDATE`; SQLite's write transactions hold the database's
single write lock from their start), and only then reads its state. The later claims then
find it claimed and are refused with `ALREADY_CLAIMED`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community import notifications
from datasources.community.models import (
    ClaimantKind,
    Community,
    MicroWish,
    MicroWishStatus,
)
from datasources.files.checks import EVIDENCE
from datasources.scope import GRID_ROLES, Role
from resolvers import attachments, points
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    category_id_of,
    community_id_of,
    is_paired,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

WISH = "MicroWish"
STATUS_NAMES = {
    MicroWishStatus.PUBLISHED: "待认领",
    MicroWishStatus.CLAIMED: "已认领",
    MicroWishStatus.FULFILLED: "已实现",
    MicroWishStatus.CONFIRMED: "已确认",
    MicroWishStatus.WITHDRAWN: "已撤回",
}
NOT_FOUND = "未找到该微心愿。"
NOT_PAIRED = "本单位未与该社区结对，不能认领该社区的微心愿。"


def _invalid_state(wish: MicroWish, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该微心愿当前为「{STATUS_NAMES[wish.status]}」，{allowed}",
        "input.wishId",
    )


async def publish(
    ctx: HubContext,
    *,
    community_code: str,
    category_code: str | None,
    title: str,
    description: str | None,
    beneficiary_name: str,
    key: str | None,
) -> MicroWish:
    """Publish a wish (发布微心愿): the community, or a grid secretary for his community."""
    if not manages_community(ctx.viewer, community_code):
        raise PermissionError("only the community publishes its micro-wishes")
    if not title.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写心愿内容。", "input.title")
    if not beneficiary_name.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写心愿人姓名。", "input.beneficiaryName")
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, MicroWish, "publishMicroWish", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        category_id = None
        if category_code is not None:
            category_id = await category_id_of(session, category_code)
        wish = MicroWish(
            community_id=community_id, category_id=category_id, title=title.strip(),
            description=description, beneficiary_name=beneficiary_name.strip(),
            status=MicroWishStatus.PUBLISHED,
        )  # fmt: skip
        session.add(wish)
        await session.flush()
        record(session, viewer, WISH, wish.id, None, MicroWishStatus.PUBLISHED.value)
        remember(session, viewer, "publishMicroWish", key, wish.id)
    return wish


def _claimant(ctx: HubContext) -> tuple[ClaimantKind, str]:
    """A member claims for himself; a unit's Party organisation for its unit (双服务)."""
    viewer = ctx.viewer
    if viewer.role is Role.MEMBER and viewer.member:
        return ClaimantKind.MEMBER, viewer.member
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return ClaimantKind.UNIT, viewer.unit
    raise PermissionError("only members and units claim micro-wishes")


def claimant_of(wish: MicroWish) -> tuple[ClaimantKind, str] | None:
    if wish.claimant_kind is ClaimantKind.UNIT and wish.claimed_by_unit:
        return ClaimantKind.UNIT, wish.claimed_by_unit
    if wish.claimed_by:
        return ClaimantKind.MEMBER, wish.claimed_by
    return None


async def claim(ctx: HubContext, wish_id: int, key: str | None) -> MicroWish:
    """Claim a wish (认领微心愿): a member with an active report to the wish's community, or
    a unit's Party organisation for its unit paired with it (单位认领)."""
    viewer = ctx.viewer
    kind, code = _claimant(ctx)
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, MicroWish, wish_id)
        earlier = await replayed(ctx, session, MicroWish, "claimMicroWish", key)
        if earlier is not None:
            return earlier
        wish = await session.get(MicroWish, wish_id, with_for_update=True)
        if wish is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.wishId")
        if kind is ClaimantKind.UNIT:
            if not await is_paired(session, code, wish.community_id):
                raise Refusal(RefusalCode.NOT_PAIRED, NOT_PAIRED, "input.wishId")
        elif not await is_supporter(session, code, wish.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "请先向该社区报到。", "input.wishId")
        if wish.status is MicroWishStatus.CLAIMED:
            who = "本单位" if claimant_of(wish) == (kind, code) else ""
            raise Refusal(RefusalCode.ALREADY_CLAIMED, f"该微心愿已被{who}认领。", "input.wishId")
        if wish.status is not MicroWishStatus.PUBLISHED:
            raise _invalid_state(wish, "不能认领。")
        wish.status = MicroWishStatus.CLAIMED
        wish.claimant_kind = kind
        if kind is ClaimantKind.UNIT:
            wish.claimed_by_unit = code
        else:
            wish.claimed_by = code
        wish.claimed_at = utcnow()
        note = f"单位认领：{code}" if kind is ClaimantKind.UNIT else None
        record(session, viewer, WISH, wish.id, MicroWishStatus.PUBLISHED.value,
               MicroWishStatus.CLAIMED.value, note)  # fmt: skip
        await notifications.wish_event(session, wish, fulfilled=False)
        remember(session, viewer, "claimMicroWish", key, wish.id)
    return wish


async def fulfil(
    ctx: HubContext, wish_id: int, note: str, photos: Sequence[Any] | None = None
) -> MicroWish:
    """Fulfil a claimed wish (完成微心愿): its claimant (the member, or the unit's Party
    organisation), with a note and, if he has them, photos (attached to the wish)."""
    viewer = ctx.viewer
    claimant = _claimant(ctx)
    if not note.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写完成情况。", "input.note")
    files = await attachments.prepare(ctx, photos, EVIDENCE, "input.photos")
    async with ctx.sources.community.transaction() as session:
        wish = await session.get(MicroWish, wish_id, with_for_update=True)
        if wish is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.wishId")
        found = claimant_of(wish)
        if found is not None and found != claimant:
            raise PermissionError("the wish was claimed by someone else")
        if wish.status is not MicroWishStatus.CLAIMED:
            raise _invalid_state(wish, "只有已认领的微心愿可以完成。")
        wish.status = MicroWishStatus.FULFILLED
        wish.fulfilled_at = utcnow()
        wish.fulfilment_note = note.strip()
        record(session, viewer, WISH, wish.id, MicroWishStatus.CLAIMED.value,
               MicroWishStatus.FULFILLED.value, wish.fulfilment_note)  # fmt: skip
        await notifications.wish_event(session, wish, fulfilled=True)
        await attachments.attach(session, ctx, WISH, wish.id, files)
    return wish


async def _managed(ctx: HubContext, session: AsyncSession, wish_id: int) -> MicroWish:
    """The wish, locked, if the viewer manages its community."""
    if ctx.viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community manages its micro-wishes")
    wish = await session.get(MicroWish, wish_id, with_for_update=True)
    if wish is None:
        raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.wishId")
    code = await session.scalar(select(Community.code).where(Community.id == wish.community_id))
    if code is None or not manages_community(ctx.viewer, code):
        raise PermissionError("the wish belongs to another community")
    return wish


async def confirm(ctx: HubContext, wish_id: int, note: str | None) -> MicroWish:
    """Confirm a fulfilled wish (确认微心愿): its community; the member who fulfilled it
    earns the "wish_fulfilled" points (积分) in the same transaction."""
    async with ctx.sources.community.transaction() as session:
        wish = await _managed(ctx, session, wish_id)
        if wish.status is not MicroWishStatus.FULFILLED:
            raise _invalid_state(wish, "只有已实现的微心愿可以确认。")
        wish.status = MicroWishStatus.CONFIRMED
        wish.confirmed_at = utcnow()
        record(session, ctx.viewer, WISH, wish.id, MicroWishStatus.FULFILLED.value,
               MicroWishStatus.CONFIRMED.value, note)  # fmt: skip
        if wish.claimant_kind is ClaimantKind.MEMBER and wish.claimed_by is not None:
            # The member who fulfilled it earns the rule's points, in the same transaction.
            await points.earn(
                session, ctx.viewer, member_code=wish.claimed_by,
                points=await points.rule_points(session, "wish_fulfilled"),
                source_type=WISH, source_id=wish.id, community_id=wish.community_id,
                action="wish_fulfilled", note=f"实现微心愿：{wish.title}",
            )  # fmt: skip
    return wish


async def withdraw(ctx: HubContext, wish_id: int, reason: str | None) -> MicroWish:
    """Withdraw a wish not yet fulfilled (撤回微心愿): its community. Nothing is deleted."""
    async with ctx.sources.community.transaction() as session:
        wish = await _managed(ctx, session, wish_id)
        before = wish.status
        if before not in (MicroWishStatus.PUBLISHED, MicroWishStatus.CLAIMED):
            raise _invalid_state(wish, "只有待认领或已认领的微心愿可以撤回。")
        wish.status = MicroWishStatus.WITHDRAWN
        record(session, ctx.viewer, WISH, wish.id, before.value,
               MicroWishStatus.WITHDRAWN.value, reason)  # fmt: skip
    return wish
