"""The posts workflow (岗位认领): a community publishes posts, members claim and release them;
a unit's Party organisation claims one as an organisation too (单位认领, 双服务).

A post has a capacity (名额) that is never exceeded, also under concurrent claims: the
claim transaction locks the post first (PostgreSQL `SELECT ... FOR UPDATE`; SQLite's write
transactions hold the database's single write lock from their start), and only then counts
the active claims. Concurrent claims of one post therefore run one after the other.
A member holds at most one active claim per post (a partial unique index backs this).
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community.models import (
    ClaimantKind,
    Community,
    Post,
    PostClaim,
    PostClaimStatus,
    PostStatus,
)
from datasources.scope import BRANCH_SECRETARIES, GRID_ROLES, Role
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

POST = "Post"
CLAIM = "PostClaim"
POST_STATUS_NAMES = {PostStatus.OPEN: "招募中", PostStatus.CLOSED: "已关闭"}
NOT_PAIRED = "本单位未与该社区结对，不能认领该社区的岗位。"
CLAIM_STATUS_NAMES = {PostClaimStatus.ACTIVE: "已认领", PostClaimStatus.RELEASED: "已退出"}


async def publish(
    ctx: HubContext,
    *,
    community_code: str,
    category_code: str,
    title: str,
    description: str | None,
    capacity: int,
    starts_on: date | None,
    ends_on: date | None,
    key: str | None,
    keeper_code: str | None = None,
) -> Post:
    """Publish a post (发布岗位): the community, or a grid secretary for his community."""
    if not manages_community(ctx.viewer, community_code):
        raise PermissionError("only the community publishes its posts")
    if not title.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写岗位名称。", "input.title")
    if capacity <= 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "岗位名额须大于零。", "input.capacity")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise Refusal(RefusalCode.INVALID_INPUT, "结束日期不能早于开始日期。", "input.endsOn")
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Post, "publishPost", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        category_id = await category_id_of(session, category_code)
        if keeper_code is not None:
            await _check_keeper(session, keeper_code, community_id)
        post = Post(
            code=f"P{uuid4().hex[:12].upper()}", community_id=community_id,
            category_id=category_id, title=title.strip(), description=description,
            capacity=capacity, status=PostStatus.OPEN, starts_on=starts_on, ends_on=ends_on,
            keeper_code=keeper_code,
        )  # fmt: skip
        session.add(post)
        await session.flush()
        record(session, viewer, POST, post.id, None, PostStatus.OPEN.value)
        remember(session, viewer, "publishPost", key, post.id)
    return post


async def _check_keeper(session: AsyncSession, keeper_code: str, community_id: int) -> None:
    """A keeper (岗位负责人) is a member with an active report to the post's community."""
    if not await is_supporter(session, keeper_code, community_id):
        raise Refusal(
            RefusalCode.NOT_REPORTED, "岗位负责人须为已向本社区报到的党员。", "input.keeperCode"
        )


async def set_keeper(ctx: HubContext, post_id: int, keeper_code: str | None) -> Post:
    """Name (or clear) the post's keeper (设岗定责): its community, or a grid secretary."""
    if ctx.viewer.role not in (Role.COMMUNITY, *BRANCH_SECRETARIES):
        raise PermissionError("only the community names a post's keeper")
    async with ctx.sources.community.transaction() as session:
        post = await session.get(Post, post_id, with_for_update=True)
        if post is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该岗位。", "input.postId")
        code = await session.scalar(select(Community.code).where(Community.id == post.community_id))
        if code is None or not manages_community(ctx.viewer, code):
            raise PermissionError("the post belongs to another community")
        if keeper_code is not None:
            await _check_keeper(session, keeper_code, post.community_id)
        post.keeper_code = keeper_code
    return post


async def close(ctx: HubContext, post_id: int, reason: str | None) -> Post:
    """Close an open post (关闭岗位): no new claims; existing claims stay as they are."""
    if ctx.viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community closes its posts")
    async with ctx.sources.community.transaction() as session:
        post = await session.get(Post, post_id, with_for_update=True)
        if post is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该岗位。", "input.postId")
        code = await session.scalar(select(Community.code).where(Community.id == post.community_id))
        if code is None or not manages_community(ctx.viewer, code):
            raise PermissionError("the post belongs to another community")
        if post.status is not PostStatus.OPEN:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该岗位当前为「{POST_STATUS_NAMES[post.status]}」，只有招募中的岗位可以关闭。",
            )
        post.status = PostStatus.CLOSED
        record(session, ctx.viewer, POST, post.id, PostStatus.OPEN.value,
               PostStatus.CLOSED.value, reason)  # fmt: skip
    return post


def _claimant(ctx: HubContext) -> tuple[ClaimantKind, str]:
    """A member claims for himself; a unit's Party organisation for its unit (双服务)."""
    viewer = ctx.viewer
    if viewer.role is Role.MEMBER and viewer.member:
        return ClaimantKind.MEMBER, viewer.member
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return ClaimantKind.UNIT, viewer.unit
    raise PermissionError("only members and units claim posts")


def claimed_by(kind: ClaimantKind, code: str) -> ColumnElement[bool]:
    """Claims of the claimant: a member's column or a unit's."""
    if kind is ClaimantKind.UNIT:
        return (PostClaim.claimant_kind == kind) & (PostClaim.unit_code == code)
    return (PostClaim.claimant_kind == kind) & (PostClaim.member_code == code)


def claimant_of(row: PostClaim) -> tuple[ClaimantKind, str | None]:
    if row.claimant_kind is ClaimantKind.UNIT:
        return ClaimantKind.UNIT, row.unit_code
    return ClaimantKind.MEMBER, row.member_code


async def claim(ctx: HubContext, post_id: int, key: str | None) -> PostClaim:
    """Claim a post (认领岗位): a member with an active report to the post's community, or a
    unit's Party organisation for its unit paired with it (单位认领); one place each."""
    kind, code = _claimant(ctx)
    try:
        return await _claim(ctx, kind, code, post_id, key)
    except IntegrityError as exc:
        # A concurrent claim of the same claimant won the one-active-claim index.
        raise Refusal(RefusalCode.DUPLICATE, _again(kind), "input.postId") from exc


def _again(kind: ClaimantKind) -> str:
    who = "本单位" if kind is ClaimantKind.UNIT else "您"
    return f"{who}已认领该岗位，无需重复认领。"


async def _claim(
    ctx: HubContext, kind: ClaimantKind, code: str, post_id: int, key: str | None
) -> PostClaim:
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Post, post_id)
        earlier = await replayed(ctx, session, PostClaim, "claimPost", key)
        if earlier is not None:
            return earlier
        post = await session.get(Post, post_id, with_for_update=True)
        if post is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该岗位。", "input.postId")
        if kind is ClaimantKind.UNIT:
            if not await is_paired(session, code, post.community_id):
                raise Refusal(RefusalCode.NOT_PAIRED, NOT_PAIRED, "input.postId")
        elif not await is_supporter(session, code, post.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "请先向该社区报到。", "input.postId")
        if post.status is not PostStatus.OPEN:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该岗位当前为「{POST_STATUS_NAMES[post.status]}」，不能认领。",
                "input.postId",
            )
        active = PostClaim.status == PostClaimStatus.ACTIVE
        mine = await session.scalar(
            select(PostClaim.id).where(PostClaim.post_id == post.id, claimed_by(kind, code), active)
        )
        if mine is not None:
            raise Refusal(RefusalCode.DUPLICATE, _again(kind), "input.postId")
        taken = await session.scalar(
            select(func.count()).select_from(PostClaim).where(PostClaim.post_id == post.id, active)
        )
        if (taken or 0) >= post.capacity:
            raise Refusal(RefusalCode.FULL, "该岗位名额已满", "input.postId")
        row = PostClaim(post_id=post.id, claimant_kind=kind, status=PostClaimStatus.ACTIVE)
        if kind is ClaimantKind.UNIT:
            row.unit_code = code
        else:
            row.member_code = code
        session.add(row)
        await session.flush()
        note = f"单位认领：{code}" if kind is ClaimantKind.UNIT else None
        record(session, viewer, CLAIM, row.id, None, PostClaimStatus.ACTIVE.value, note)
        remember(session, viewer, "claimPost", key, row.id)
    return row


async def release(ctx: HubContext, claim_id: int, reason: str | None) -> PostClaim:
    """Release one's own active claim (退出岗位): the member, or the unit's Party
    organisation for the unit's claim."""
    viewer = ctx.viewer
    claimant = _claimant(ctx)
    async with ctx.sources.community.transaction() as session:
        row = await session.get(PostClaim, claim_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该认领记录。", "input.claimId")
        if claimant_of(row) != claimant:
            raise PermissionError("the claim is someone else's")
        if row.status is not PostClaimStatus.ACTIVE:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该认领当前为「{CLAIM_STATUS_NAMES[row.status]}」，只有已认领的岗位可以退出。",
            )
        row.status = PostClaimStatus.RELEASED
        row.released_at = utcnow()
        record(session, viewer, CLAIM, row.id, PostClaimStatus.ACTIVE.value,
               PostClaimStatus.RELEASED.value, reason)  # fmt: skip
    return row
