"""Bookings of shared spaces (空间预约): a member reported to the space's community, a
resident of it, or a unit paired with it (its Party branch) books a slot within the opening
hours (`resolvers.space_hours`), for a purpose and up to the space's capacity. Two bookings
of one space never overlap: every booker of a space takes the space's row `FOR UPDATE`
(and its advisory lock) before looking for a clash, so on PostgreSQL the second of two
concurrent bookers waits for the first and then sees its slot taken; SQLite serialises the
writers anyway. The booker cancels before the start, the community until the end, each with
a reason; the community records afterwards whether the booker came and how many attended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from datasources.common import utcnow
from datasources.community.spaces.models import (
    HOLDING,
    BookerKind,
    BookingStatus,
    Space,
    SpaceBooking,
    SpaceStatus,
)
from datasources.community.spaces.policy import booked_by
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.space_hours import check_slot
from resolvers.spaces import BOOKING, NOT_FOUND, text
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    is_paired,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

BOOKING_NOT_FOUND = "未找到该预约。"
MAX_UPCOMING = 5  # bookings a booker holds at once in one community, not yet started


@dataclass(frozen=True)
class SlotRequest:
    space_id: int
    starts_at: datetime
    ends_at: datetime
    purpose: str
    attendees: int


def _booker(ctx: HubContext) -> tuple[BookerKind, str | None]:
    viewer = ctx.viewer
    if viewer.role is Role.MEMBER and viewer.member:
        return BookerKind.MEMBER, viewer.member
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return BookerKind.UNIT, viewer.unit
    if viewer.role is Role.RESIDENT and viewer.community:
        return BookerKind.RESIDENT, None
    raise PermissionError("a member, a resident or a unit branch books a space")


async def _may_book(ctx: HubContext, session: Any, space: Space, kind: BookerKind) -> None:
    """A member reported to the community, a unit paired with it, a resident of it."""
    viewer = ctx.viewer
    if kind is BookerKind.RESIDENT:
        if await community_code_of(session, space.community_id) != viewer.community:
            raise PermissionError("a resident books the spaces of his own community")
    elif kind is BookerKind.MEMBER:
        if not await is_supporter(session, viewer.member or "", space.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "您未向该社区报到，不能预约其空间。",
                          "input.spaceId")  # fmt: skip
    elif not await is_paired(session, viewer.unit or "", space.community_id):
        raise Refusal(RefusalCode.NOT_PAIRED, "本单位未与该社区结对，不能预约其空间。",
                      "input.spaceId")  # fmt: skip


async def _no_clash(session: Any, space: Space, starts_at: datetime, ends_at: datetime) -> None:
    clash = await session.scalar(
        select(SpaceBooking.id).where(
            SpaceBooking.space_id == space.id,
            SpaceBooking.status.in_(HOLDING),
            SpaceBooking.starts_at < ends_at,
            SpaceBooking.ends_at > starts_at,
        )
    )
    if clash is not None:
        raise Refusal(RefusalCode.SLOT_TAKEN, "该时段已被预约，请选择其他时段。", "input.startsAt")


async def _under_limit(ctx: HubContext, session: Any, space: Space) -> None:
    held = await session.scalar(
        select(func.count()).where(
            *booked_by(ctx.viewer),
            SpaceBooking.community_id == space.community_id,
            SpaceBooking.status == BookingStatus.BOOKED,
            SpaceBooking.starts_at > utcnow(),
        )
    )
    if held >= MAX_UPCOMING:
        raise Refusal(RefusalCode.FULL, f"您在本社区未使用的预约已达{MAX_UPCOMING}个，"
                      "请先使用或取消。", "input.spaceId")  # fmt: skip


async def book(ctx: HubContext, ask: SlotRequest, key: str | None) -> SpaceBooking:
    """Book a slot of a space (预约空间)."""
    kind, code = _booker(ctx)
    purpose = text(ask.purpose, "请填写用途。", "input.purpose")
    mutation = "bookSpace"
    async with ctx.sources.community.transaction() as session:
        # Every booker of the space queues here: the clash check below sees every booking
        # committed before, so two overlapping slots cannot both pass it.
        await write_lock(session, Space, ask.space_id)
        space: Space | None = await session.get(Space, ask.space_id, with_for_update=True)
        if space is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.spaceId")
        earlier = await replayed(ctx, session, SpaceBooking, mutation, key)
        if earlier is not None:
            return earlier
        await _may_book(ctx, session, space, kind)
        if space.status is not SpaceStatus.OPEN:
            raise Refusal(RefusalCode.INVALID_STATE, f"该空间暂停开放：{space.closed_reason}",
                          "input.spaceId")  # fmt: skip
        if not 1 <= ask.attendees <= space.capacity:
            raise Refusal(RefusalCode.INVALID_INPUT, f"使用人数应为1至{space.capacity}人。",
                          "input.attendees")  # fmt: skip
        slot = check_slot(ask.starts_at, ask.ends_at, space.opening_hours)
        await _no_clash(session, space, slot.starts_at, slot.ends_at)
        await _under_limit(ctx, session, space)
        row = SpaceBooking(
            space_id=space.id, community_id=space.community_id, booker_kind=kind,
            booker_code=code, booker_identity=ctx.viewer.identity_key,
            booker_subject=ctx.viewer.subject, starts_at=slot.starts_at, ends_at=slot.ends_at,
            minutes=slot.minutes, purpose=purpose, attendees=ask.attendees,
            status=BookingStatus.BOOKED, created_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, ctx.viewer, BOOKING, row.id, None, BookingStatus.BOOKED.value, purpose)
        remember(session, ctx.viewer, mutation, key, row.id)
    return row


async def _booking(session: Any, booking_id: int) -> SpaceBooking:
    await write_lock(session, SpaceBooking, booking_id)
    row: SpaceBooking | None = await session.get(SpaceBooking, booking_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, BOOKING_NOT_FOUND, "input.bookingId")
    return row


async def _is_booker(ctx: HubContext, session: Any, row: SpaceBooking) -> bool:
    mine = booked_by(ctx.viewer)
    found = await session.scalar(select(SpaceBooking.id).where(SpaceBooking.id == row.id, *mine))
    return found is not None


async def cancel(ctx: HubContext, booking_id: int, reason: str) -> SpaceBooking:
    """Cancel a booking (取消预约) with a reason: the booker before its start, the
    community (committee or grid roles) until its end."""
    why = text(reason, "请填写取消原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        row = await _booking(session, booking_id)
        now = utcnow()
        if manages_community(ctx.viewer, await community_code_of(session, row.community_id)):
            deadline, too_late = row.ends_at, "该时段已结束，不能取消。"
        elif await _is_booker(ctx, session, row):
            deadline, too_late = row.starts_at, "预约时段已开始，不能取消。"
        else:
            raise PermissionError("neither the booker nor the space's community")
        if row.status is not BookingStatus.BOOKED:
            raise Refusal(RefusalCode.INVALID_STATE, "该预约已取消或已登记使用情况。",
                          "input.bookingId")  # fmt: skip
        if now >= deadline:
            raise Refusal(RefusalCode.OUTSIDE_WINDOW, too_late, "input.bookingId")
        row.status, row.cancelled_reason = BookingStatus.CANCELLED, why
        row.cancelled_by, row.cancelled_at = ctx.viewer.subject, now
        record(session, ctx.viewer, BOOKING, row.id, BookingStatus.BOOKED.value,
               BookingStatus.CANCELLED.value, why)  # fmt: skip
    return row


async def record_use(
    ctx: HubContext, booking_id: int, came: bool, attendees: int | None, note: str | None
) -> SpaceBooking:
    """Record the use of a slot (登记使用情况) once it has ended: came (with the number who
    attended) or did not come (未到场). The community (committee or grid roles), once."""
    async with ctx.sources.community.transaction() as session:
        row = await _booking(session, booking_id)
        if not manages_community(ctx.viewer, await community_code_of(session, row.community_id)):
            raise PermissionError("only the space's community records its use")
        if row.status is not BookingStatus.BOOKED:
            raise Refusal(RefusalCode.INVALID_STATE, "该预约已取消或已登记使用情况。",
                          "input.bookingId")  # fmt: skip
        if utcnow() < row.ends_at:
            raise Refusal(RefusalCode.OUTSIDE_WINDOW, "预约时段结束后才能登记使用情况。",
                          "input.bookingId")  # fmt: skip
        space = await session.get(Space, row.space_id)
        capacity = space.capacity if space is not None else 0
        if came and (attendees is None or not 1 <= attendees <= capacity):
            raise Refusal(RefusalCode.INVALID_INPUT, f"实到人数应为1至{capacity}人。",
                          "input.attendees")  # fmt: skip
        if not came and attendees:
            raise Refusal(RefusalCode.INVALID_INPUT, "未到场时不填写实到人数。", "input.attendees")
        row.status = BookingStatus.USED if came else BookingStatus.NO_SHOW
        row.used_attendees = attendees if came else 0
        row.use_note = (note or "").strip() or None
        row.recorded_by, row.recorded_at = ctx.viewer.subject, utcnow()
        record(session, ctx.viewer, BOOKING, row.id, BookingStatus.BOOKED.value,
               row.status.value, row.use_note)  # fmt: skip
    return row
