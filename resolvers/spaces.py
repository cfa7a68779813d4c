"""Shared spaces (共享小屋, 红色驿站, 党群服务站 rooms): the community committee lists its
rooms with a capacity, a location and opening hours per weekday, changes them, closes a
space with a reason (its upcoming bookings are cancelled with that reason) and reopens it.
Every change is in the space's history (with the fields changed); nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from datasources.common import utcnow
from datasources.community.spaces.models import (
    BookingStatus,
    Space,
    SpaceBooking,
    SpaceKind,
    SpaceStatus,
)
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.space_hours import parse_hours, stored_hours
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    record,
    remember,
    replayed,
    write_lock,
)

ENTITY = "Space"
BOOKING = "SpaceBooking"
NOT_FOUND = "未找到该空间。"
MAX_CAPACITY = 500
MAX_TEXT = 500
Hours = Sequence[tuple[int, str, str]]


@dataclass(frozen=True)
class SpaceFields:
    """What the committee gives for a space; None leaves a field as it is (on a change)."""

    name: str | None = None
    kind: SpaceKind | None = None
    capacity: int | None = None
    location: str | None = None
    description: str | None = None
    opening_hours: Hours | None = None


def text(value: str, message: str, field: str, limit: int = MAX_TEXT) -> str:
    """A required text, trimmed; INVALID_INPUT when blank or too long."""
    trimmed = value.strip()
    if not trimmed:
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    if len(trimmed) > limit:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{limit}字。", field)
    return trimmed


def _committee(ctx: HubContext) -> str:
    viewer = ctx.viewer
    if viewer.role is not Role.COMMUNITY or not viewer.community:
        raise PermissionError("only the community committee manages its spaces")
    return viewer.community


def _values(fields: SpaceFields) -> dict[str, Any]:
    """The given fields, validated, as column values."""
    values: dict[str, Any] = {}
    if fields.name is not None:
        values["name"] = text(fields.name, "请填写空间名称。", "input.name", 120)
    if fields.kind is not None:
        values["kind"] = fields.kind
    if fields.capacity is not None:
        if not 1 <= fields.capacity <= MAX_CAPACITY:
            raise Refusal(RefusalCode.INVALID_INPUT, f"容纳人数应为1至{MAX_CAPACITY}。",
                          "input.capacity")  # fmt: skip
        values["capacity"] = fields.capacity
    if fields.location is not None:
        values["location"] = text(fields.location, "请填写空间位置。", "input.location", 200)
    if fields.description is not None:
        values["description"] = fields.description.strip() or None
    if fields.opening_hours is not None:
        values["opening_hours"] = stored_hours(parse_hours(fields.opening_hours))
    return values


async def _unique_name(session: Any, community_id: int, name: str, space_id: int = 0) -> None:
    same = await session.scalar(
        select(Space.id).where(
            Space.community_id == community_id, Space.name == name, Space.id != space_id
        )
    )
    if same is not None:
        raise Refusal(RefusalCode.DUPLICATE, "本社区已有同名空间。", "input.name")


async def create(ctx: HubContext, fields: SpaceFields, key: str | None) -> Space:
    """List a new space (新增空间) of the committee's community, open at once."""
    community = _committee(ctx)
    values = _values(fields)
    mutation = "createSpace"
    async with ctx.sources.community.transaction() as session:
        community_id = await community_id_of(session, community)
        await write_lock(session, Space, f"community:{community_id}")
        earlier = await replayed(ctx, session, Space, mutation, key)
        if earlier is not None:
            return earlier
        await _unique_name(session, community_id, values["name"])
        row = Space(community_id=community_id, status=SpaceStatus.OPEN,
                    created_by=ctx.viewer.subject, created_at=utcnow(), **values)  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, ctx.viewer, ENTITY, row.id, None, SpaceStatus.OPEN.value, row.name)
        remember(session, ctx.viewer, mutation, key, row.id)
    return row


async def _own_space(ctx: HubContext, session: Any, space_id: int) -> Space:
    """The space, locked, if it is the committee's; NOT_FOUND or FORBIDDEN otherwise."""
    community = _committee(ctx)
    await write_lock(session, Space, space_id)
    row: Space | None = await session.get(Space, space_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.spaceId")
    if await community_code_of(session, row.community_id) != community:
        raise PermissionError("another community's space")
    return row


async def change(ctx: HubContext, space_id: int, fields: SpaceFields) -> Space:
    """Change a space's name, kind, capacity, location, description or hours (修改空间).
    Bookings made already stay as they are."""
    values = _values(fields)
    async with ctx.sources.community.transaction() as session:
        row = await _own_space(ctx, session, space_id)
        if "name" in values:
            await _unique_name(session, row.community_id, values["name"], row.id)
        changes = {
            _INPUT_NAMES.get(name, name): [_plain(getattr(row, name)), _plain(value)]
            for name, value in values.items()
            if getattr(row, name) != value
        }
        if not changes:
            raise Refusal(RefusalCode.INVALID_INPUT, "没有需要修改的内容。", "input")
        for name, value in values.items():
            setattr(row, name, value)
        state = row.status.value
        record(session, ctx.viewer, ENTITY, row.id, state, state, "修改空间信息", changes)
    return row


_INPUT_NAMES = {"opening_hours": "openingHours"}  # history names the input fields


def _plain(value: Any) -> Any:
    """A value as the history shows it: an enum by its value, hours as "1 08:00-21:00; ..."."""
    if isinstance(value, SpaceKind):
        return value.value
    if isinstance(value, list):
        return "; ".join(f"{w} {o}-{c}" for w, o, c in value)
    return value


async def close(ctx: HubContext, space_id: int, reason: str) -> Space:
    """Close a space (暂停开放) with a reason: it takes no bookings, and its bookings not yet
    started are cancelled with the same reason."""
    why = text(reason, "请填写暂停开放的原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        row = await _own_space(ctx, session, space_id)
        if row.status is SpaceStatus.CLOSED:
            raise Refusal(RefusalCode.INVALID_STATE, "该空间已暂停开放。", "input.spaceId")
        row.status, row.closed_reason = SpaceStatus.CLOSED, why
        record(session, ctx.viewer, ENTITY, row.id, SpaceStatus.OPEN.value,
               SpaceStatus.CLOSED.value, why)  # fmt: skip
        now = utcnow()
        upcoming = await session.scalars(
            select(SpaceBooking).where(
                SpaceBooking.space_id == row.id,
                SpaceBooking.status == BookingStatus.BOOKED,
                SpaceBooking.starts_at > now,
            )
        )
        note = f"空间暂停开放：{why}"
        for booking in upcoming:
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_reason, booking.cancelled_by = note, ctx.viewer.subject
            booking.cancelled_at = now
            record(session, ctx.viewer, BOOKING, booking.id, BookingStatus.BOOKED.value,
                   BookingStatus.CANCELLED.value, note)  # fmt: skip
    return row


async def reopen(ctx: HubContext, space_id: int) -> Space:
    """Reopen a closed space (恢复开放)."""
    async with ctx.sources.community.transaction() as session:
        row = await _own_space(ctx, session, space_id)
        if row.status is SpaceStatus.OPEN:
            raise Refusal(RefusalCode.INVALID_STATE, "该空间正在开放。", "input.spaceId")
        row.status, row.closed_reason = SpaceStatus.OPEN, None
        record(session, ctx.viewer, ENTITY, row.id, SpaceStatus.CLOSED.value,
               SpaceStatus.OPEN.value)  # fmt: skip
    return row
