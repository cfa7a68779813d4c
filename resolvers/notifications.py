"""The viewer's notification feed (消息) and notices (通知公告): reading, marking read,
publishing and withdrawing. Notifications themselves are written by the workflows
(`datasources.community.notifications`).

Feeds page by keyset, newest first: notifications by (createdAt, id), notices pinned first,
then by (publishedAt, id). Their cursors are the hub's opaque cursors; a notices cursor
names in its ordering whether it stopped among the pinned ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_, update

from datasources.batching import DataLoader
from datasources.common import as_utc, utcnow
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import (
    Community,
    Grid,
    PairingStatus,
    Report,
    Street,
    UnitPairing,
)
from datasources.community.notification_models import (
    Notice,
    NoticeAudience,
    NoticeRead,
    NoticeStatus,
    Notification,
)
from datasources.community.notification_policy import addressed
from datasources.community.notifications import addressees_of
from datasources.paging import MAX_ID, InvalidCursor, decode_cursor, encode_cursor
from datasources.scope import GRID_ROLES, Role, Viewer
from datasources.units.models import Member, WorkUnit
from resolvers.context import HubContext
from resolvers.workflow import Refusal, RefusalCode, community_id_of, record, write_lock

NOTICE = "Notice"
NOTIFICATIONS_ORDER = "notifications"
PINNED, UNPINNED = "notices:pinned", "notices"
MAX_IDS = 100
MAX_TITLE, MAX_BODY = 120, 5000


@dataclass
class FeedPage:
    rows: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]  # the list's size across pages, when asked


def _counter(
    ctx: HubContext, model: Any, clauses: list[ColumnElement[bool]]
) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        async with ctx.sources.community.session() as session:
            found = await session.scalar(select(func.count()).select_from(model).where(*clauses))
        return int(found or 0)

    return count


def _after(cursor: str | None, orders: tuple[str, ...]) -> tuple[str, datetime, int] | None:
    if cursor is None:
        return None
    order, (moment, row_id) = decode_cursor(cursor)
    if order not in orders:
        raise InvalidCursor("cursor belongs to another list")
    if not isinstance(moment, datetime) or type(row_id) is not int or not 0 < row_id < MAX_ID:
        raise InvalidCursor("cursor names no row")
    return order, as_utc(moment), row_id


async def notifications(
    ctx: HubContext, first: int, after: str | None, unread_only: bool
) -> FeedPage:
    """The viewer's notifications, newest first (only his own: the policy's rule)."""
    start = _after(after, (NOTIFICATIONS_ORDER,))
    clauses = await ctx.community.scope.where(Notification)
    if unread_only:
        clauses.append(Notification.read_at.is_(None))
    counted = _counter(ctx, Notification, list(clauses))
    if start is not None:
        key = tuple_(Notification.created_at, Notification.id)
        clauses.append(key < tuple_(start[1], start[2]))
    async with ctx.sources.community.session() as session:
        rows = list(
            await session.scalars(
                select(Notification)
                .where(*clauses)
                .order_by(Notification.created_at.desc(), Notification.id.desc())
                .limit(first + 1)
            )
        )
    page = rows[:first]
    cursors = [encode_cursor(NOTIFICATIONS_ORDER, (r.created_at, r.id)) for r in page]
    return FeedPage(page, cursors, len(rows) > first, start is not None, counted)


async def unread_count(ctx: HubContext) -> int:
    clauses = await ctx.community.scope.where(Notification)
    async with ctx.sources.community.session() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(*clauses, Notification.read_at.is_(None))
        )
    return int(found or 0)


async def mark_read(ctx: HubContext, ids: list[int] | None, everything: bool) -> int:
    """Mark the viewer's notifications read: `ids`, or all of them; how many changed.
    An id that is not the viewer's notification refuses the whole call (NOT_FOUND)."""
    keys = addressees_of(ctx.viewer)
    if not keys:
        raise PermissionError("only an addressee has notifications")
    if not everything and not ids:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "请指定要标记为已读的消息，或选择全部。", "input.ids"
        )
    if ids is not None and len(ids) > MAX_IDS:
        raise Refusal(RefusalCode.INVALID_INPUT, f"一次最多标记 {MAX_IDS} 条消息。", "input.ids")
    mine = [Notification.addressee.in_(keys)]
    async with ctx.sources.community.transaction() as session:
        if not everything:
            assert ids is not None
            wanted = set(ids)
            found = set(
                await session.scalars(
                    select(Notification.id).where(Notification.id.in_(wanted), *mine)
                )
            )
            if found != wanted:
                raise Refusal(RefusalCode.NOT_FOUND, "未找到该消息。", "input.ids")
            mine.append(Notification.id.in_(wanted))
        result = await session.execute(
            update(Notification)
            .where(*mine, Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)


# Notices --------------------------------------------------------------------------------


async def notices(ctx: HubContext, first: int, after: str | None) -> FeedPage:
    """Notices in force addressed to the viewer: pinned first, then newest first."""
    start = _after(after, (PINNED, UNPINNED))
    clauses = await addressed(ctx.viewer, ctx.community.scope.facts)
    counted = _counter(ctx, Notice, list(clauses))
    if start is not None:
        order, moment, row_id = start
        key = tuple_(Notice.published_at, Notice.id)
        bound = tuple_(moment, row_id)
        if order == PINNED:
            clauses.append(
                or_(Notice.pinned.is_(False), and_(Notice.pinned.is_(True), key < bound))
            )
        else:
            clauses.append(and_(Notice.pinned.is_(False), key < bound))
    return await _notice_page(ctx, clauses, first, start is not None, counted)


async def published(ctx: HubContext, first: int, after: str | None) -> FeedPage:
    """Notices the viewer's organisation published, withdrawn and expired ones too."""
    start = _after(after, (UNPINNED,))
    clauses: list[ColumnElement[bool]] = [Notice.publisher_organisation == ctx.viewer.organisation]
    counted = _counter(ctx, Notice, list(clauses))
    if start is not None:
        clauses.append(tuple_(Notice.published_at, Notice.id) < tuple_(start[1], start[2]))
    async with ctx.sources.community.session() as session:
        rows = list(
            await session.scalars(
                select(Notice)
                .where(*clauses)
                .order_by(Notice.published_at.desc(), Notice.id.desc())
                .limit(first + 1)
            )
        )
    page = rows[:first]
    cursors = [encode_cursor(UNPINNED, (r.published_at, r.id)) for r in page]
    return FeedPage(page, cursors, len(rows) > first, start is not None, counted)


async def _notice_page(
    ctx: HubContext, clauses: list[ColumnElement[bool]], first: int, has_previous: bool,
    counted: Callable[[], Awaitable[int]],
) -> FeedPage:  # fmt: skip
    async with ctx.sources.community.session() as session:
        rows = list(
            await session.scalars(
                select(Notice)
                .where(*clauses)
                .order_by(Notice.pinned.desc(), Notice.published_at.desc(), Notice.id.desc())
                .limit(first + 1)
            )
        )
    page = rows[:first]
    cursors = [
        encode_cursor(PINNED if r.pinned else UNPINNED, (r.published_at, r.id)) for r in page
    ]
    return FeedPage(page, cursors, len(rows) > first, has_previous, counted)


async def read_notice_ids(ctx: HubContext, notice_ids: list[int]) -> set[int]:
    """Which of the notices the viewer has read."""
    if ctx.viewer.role is Role.ANONYMOUS or not notice_ids:
        return set()
    async with ctx.sources.community.session() as session:
        return set(
            await session.scalars(
                select(NoticeRead.notice_id).where(
                    NoticeRead.notice_id.in_(notice_ids),
                    NoticeRead.reader == ctx.viewer.identity_key,
                )
            )
        )


def publishes(viewer: Viewer, organisation: str) -> bool:
    """The viewer's organisation published it (or the district reads it all)."""
    return viewer.sees_everything or organisation == viewer.organisation


class NoticeCounts:
    """A request's loaders of notices' read and audience counts: a page of notices costs one
    grouped statement per count kind, not one per notice (statements are bounded by the
    query's depth, never by a list's length)."""

    def __init__(self, ctx: HubContext) -> None:
        async def reads(notice_ids: list[int]) -> list[int]:
            async with ctx.sources.community.session() as session:
                rows = await session.execute(
                    select(NoticeRead.notice_id, func.count())
                    .where(NoticeRead.notice_id.in_(notice_ids))
                    .group_by(NoticeRead.notice_id)
                )
                found = {notice_id: int(n) for notice_id, n in rows}
            return [found.get(notice_id, 0) for notice_id in notice_ids]

        async def audiences(keys: list[tuple[NoticeAudience, str]]) -> list[int | None]:
            found: dict[tuple[NoticeAudience, str], int] = {}
            for audience in {a for a, _code in keys if a in _COUNTED_AUDIENCES}:
                codes = sorted({code for a, code in keys if a is audience})
                for code, n in await _audience_counts(ctx, audience, codes):
                    found[(audience, code)] = int(n)
            return [found.get(key, 0) if key[0] in _COUNTED_AUDIENCES else None for key in keys]

        self.reads = DataLoader(load_fn=reads)
        self.audiences = DataLoader(load_fn=audiences)


# The audiences of one community, by its code.
_COMMUNITY_AUDIENCES = frozenset({
    NoticeAudience.COMMUNITY_RESIDENTS,
    NoticeAudience.COMMUNITY_MEMBERS,
    NoticeAudience.COMMUNITY_PARTNERS,
})  # fmt: skip
_COUNTED_AUDIENCES = frozenset({
    NoticeAudience.BRANCH_MEMBERS, NoticeAudience.COMMUNITY_MEMBERS,
    NoticeAudience.COMMUNITY_PARTNERS,
})  # fmt: skip


async def _audience_counts(
    ctx: HubContext, audience: NoticeAudience, codes: list[str]
) -> list[tuple[str, int]]:
    """(code, how many) of one audience kind, for several codes in one statement."""
    if audience is NoticeAudience.BRANCH_MEMBERS:
        async with ctx.sources.units.session() as session:
            rows = await session.execute(
                select(WorkUnit.code, func.count())
                .select_from(Member)
                .join(WorkUnit, Member.unit_id == WorkUnit.id)
                .where(WorkUnit.code.in_(codes), Member.in_service.is_(True))
                .group_by(WorkUnit.code)
            )
            return [(code, n) for code, n in rows]
    if audience is NoticeAudience.COMMUNITY_MEMBERS:
        statement = (
            select(Community.code, func.count(func.distinct(Report.member_code)))
            .join(Community, Report.community_id == Community.id)
            .where(Community.code.in_(codes), Report.status.in_(ACTIVE_REPORT_STATUSES))
            .group_by(Community.code)
        )
    else:
        statement = (
            select(Community.code, func.count(func.distinct(UnitPairing.unit_code)))
            .join(Community, UnitPairing.community_id == Community.id)
            .where(Community.code.in_(codes), UnitPairing.status == PairingStatus.ACTIVE)
            .group_by(Community.code)
        )
    async with ctx.sources.community.session() as session:
        return [(code, n) for code, n in await session.execute(statement)]


def notice_counts(ctx: HubContext) -> NoticeCounts:
    """The request's `NoticeCounts`, built on first use."""
    if ctx.notice_counts is None:
        ctx.notice_counts = NoticeCounts(ctx)
    counts: NoticeCounts = ctx.notice_counts
    return counts


async def read_count(ctx: HubContext, notice_id: int) -> int:
    return await notice_counts(ctx).reads.load(notice_id)


async def audience_count(ctx: HubContext, audience: NoticeAudience, code: str) -> int | None:
    """How many the audience holds, where the hub keeps it as a list: the members with an
    active report to the community, the units actively paired with it, the unit's members
    in service. None for residents, a grid and the whole district (no list of accounts)."""
    return await notice_counts(ctx).audiences.load((audience, code))


async def _may_publish(ctx: HubContext, session: Any, audience: NoticeAudience, code: str) -> None:
    """Who publishes to whom: the district to any audience; a street to itself (its
    communities together) and to the audiences of each community on it; a community to its own
    residents, reported members, grids and partner units; a grid's workers and branch
    secretary to their grid; a unit's Party organisation to its own members."""
    viewer = ctx.viewer
    if viewer.role is Role.DISTRICT:
        allowed = audience is not NoticeAudience.DISTRICT_ALL or code == viewer.district
    elif viewer.role is Role.COMMUNITY:
        if audience is NoticeAudience.GRID:
            community_id = await community_id_of(session, str(viewer.community))
            allowed = (
                await session.scalar(
                    select(Grid.id).where(Grid.code == code, Grid.community_id == community_id)
                )
                is not None
            )
        else:
            allowed = audience in _COMMUNITY_AUDIENCES and code == viewer.community
    elif viewer.role is Role.STREET:
        allowed = await _street_may_address(session, str(viewer.street), audience, code)
    elif viewer.role in GRID_ROLES:
        allowed = audience is NoticeAudience.GRID and code == viewer.grid
    elif viewer.role is Role.UNIT_BRANCH:
        allowed = audience is NoticeAudience.BRANCH_MEMBERS and code == viewer.unit
    else:
        allowed = False
    if not allowed:
        raise PermissionError("the viewer may not publish to that audience")


async def _street_may_address(
    session: Any, street: str, audience: NoticeAudience, code: str
) -> bool:
    if audience is NoticeAudience.STREET:
        return code == street
    if audience not in _COMMUNITY_AUDIENCES:
        return False
    on_street = await session.scalar(
        select(Community.id)
        .join(Street, Community.street_id == Street.id)
        .where(Community.code == code, Street.code == street)
    )
    return on_street is not None


async def publish(
    ctx: HubContext, *, title: str, body: str, audience: NoticeAudience, audience_code: str,
    pinned: bool, expires_at: datetime | None,
) -> Notice:  # fmt: skip
    """Publish a notice (发布通知公告) to an audience the viewer may address."""
    clean_title, clean_body, code = title.strip(), body.strip(), audience_code.strip()
    if not clean_title or len(clean_title) > MAX_TITLE:
        raise Refusal(RefusalCode.INVALID_INPUT, f"标题不能为空，且不超过 {MAX_TITLE} 个字。",
                      "input.title")  # fmt: skip
    if not clean_body or len(clean_body) > MAX_BODY:
        raise Refusal(RefusalCode.INVALID_INPUT, f"正文不能为空，且不超过 {MAX_BODY} 个字。",
                      "input.body")  # fmt: skip
    now = utcnow()
    if expires_at is not None and as_utc(expires_at) <= now:
        raise Refusal(RefusalCode.INVALID_INPUT, "有效期须晚于当前时间。", "input.expiresAt")
    async with ctx.sources.community.transaction() as session:
        await _may_publish(ctx, session, audience, code)
        notice = Notice(
            title=clean_title, body=clean_body, audience=audience, audience_code=code,
            publisher_organisation=ctx.viewer.organisation, publisher_subject=ctx.viewer.subject,
            publisher_role=ctx.viewer.role.value, pinned=pinned,
            expires_at=as_utc(expires_at) if expires_at else None,
            status=NoticeStatus.PUBLISHED, published_at=now,
        )  # fmt: skip
        session.add(notice)
        await session.flush()
        record(session, ctx.viewer, NOTICE, notice.id, None, NoticeStatus.PUBLISHED.value)
    return notice


async def withdraw(ctx: HubContext, notice_id: int, reason: str | None) -> Notice:
    """Withdraw a published notice (撤回): the organisation that published it. It stays on
    record with its history; its audience no longer sees it."""
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Notice, notice_id)
        notice = await session.get(Notice, notice_id, with_for_update=True, populate_existing=True)
        if notice is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该通知公告。", "input.noticeId")
        if notice.publisher_organisation != ctx.viewer.organisation:
            raise PermissionError("only the publisher withdraws a notice")
        if notice.status is not NoticeStatus.PUBLISHED:
            raise Refusal(RefusalCode.INVALID_STATE, "该通知公告已撤回。", "input.noticeId")
        notice.status = NoticeStatus.WITHDRAWN
        notice.withdrawn_at = utcnow()
        record(session, ctx.viewer, NOTICE, notice.id, NoticeStatus.PUBLISHED.value,
               NoticeStatus.WITHDRAWN.value, reason)  # fmt: skip
    return notice


async def mark_notices_read(ctx: HubContext, notice_ids: list[int]) -> int:
    """Mark notices addressed to the viewer read, once each; how many were newly read. A
    notice not in his feed refuses the call (NOT_FOUND)."""
    if ctx.viewer.role is Role.ANONYMOUS:
        raise PermissionError("only a signed-in reader reads notices")
    wanted = set(notice_ids)
    if not wanted or len(wanted) > MAX_IDS:
        raise Refusal(RefusalCode.INVALID_INPUT, f"请指定 1 到 {MAX_IDS} 条通知公告。", "input.ids")
    clauses = await addressed(ctx.viewer, ctx.community.scope.facts)
    reader = ctx.viewer.identity_key
    async with ctx.sources.community.transaction() as session:
        found = set(await session.scalars(select(Notice.id).where(Notice.id.in_(wanted), *clauses)))
        if found != wanted:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该通知公告。", "input.ids")
        done = set(
            await session.scalars(
                select(NoticeRead.notice_id).where(
                    NoticeRead.notice_id.in_(wanted), NoticeRead.reader == reader
                )
            )
        )
        for notice_id in sorted(wanted - done):
            session.add(NoticeRead(notice_id=notice_id, reader=reader, read_at=utcnow()))
    return len(wanted - done)
