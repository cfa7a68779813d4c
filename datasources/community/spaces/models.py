"""Shared spaces (共享空间) and their bookings (预约).

A community lists its rooms and spaces (共享小屋, 红色驿站, a 党群服务站 meeting room ...) with
a capacity, where they are, and when they are open on each weekday. A member who reported to
the community, a resident of it, or a unit paired with it books a slot within the opening
hours; two bookings of one space never overlap (`resolvers.spaces.booking` serialises the
bookers of a space on its row). The community records afterwards whether the booker came
and how many attended. Nothing is deleted: a space is closed and a booking cancelled, each
with a reason.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class SpaceKind(enum.Enum):
    SHARED_HUT = "shared_hut"  # 共享小屋
    RED_STATION = "red_station"  # 红色驿站
    MEETING_ROOM = "meeting_room"  # 党群服务站会议室
    ACTIVITY_ROOM = "activity_room"  # 活动室


class SpaceStatus(enum.Enum):
    OPEN = "open"  # 开放
    CLOSED = "closed"  # 暂停开放


class BookerKind(enum.Enum):
    MEMBER = "member"  # 党员
    RESIDENT = "resident"  # 居民
    UNIT = "unit"  # 单位


class BookingStatus(enum.Enum):
    BOOKED = "booked"  # 已预约
    CANCELLED = "cancelled"  # 已取消
    USED = "used"  # 已使用（到场）
    NO_SHOW = "no_show"  # 未到场


# Bookings that hold their slot: every one not cancelled (a used slot stays taken).
HOLDING = (BookingStatus.BOOKED, BookingStatus.USED, BookingStatus.NO_SHOW)


class Space(CommunityBase):
    """A room or space of a community that can be booked (共享空间)."""

    __tablename__ = "spaces"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        UniqueConstraint("community_id", "name", name="uq_spaces_community_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[SpaceKind] = mapped_column(str_enum(SpaceKind, "space_kind"))
    capacity: Mapped[int]
    location: Mapped[str] = mapped_column(String(200))  # where in the community (位置)
    description: Mapped[str | None] = mapped_column(Text)
    # Opening hours (开放时间): [[weekday 1-7 (Monday 1), "HH:MM", "HH:MM"], ...], China time,
    # ordered and never overlapping within a day (`resolvers.space_hours` checks them).
    opening_hours: Mapped[list[list[Any]]] = mapped_column(JSON)
    status: Mapped[SpaceStatus] = mapped_column(str_enum(SpaceStatus, "space_status"))
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class SpaceBooking(CommunityBase):
    """One booked slot of a space (预约): by a member, a resident or a unit."""

    __tablename__ = "space_bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="slot_order"),
        CheckConstraint("attendees > 0", name="attendees_positive"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint(
            "used_attendees IS NULL OR used_attendees >= 0", name="used_attendees_not_negative"
        ),
        Index("ix_space_bookings_space_starts", "space_id", "starts_at"),
        Index("ix_space_bookings_community_starts", "community_id", "starts_at"),
        Index("ix_space_bookings_booker", "booker_kind", "booker_code"),
        Index("ix_space_bookings_booker_identity", "booker_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    booker_kind: Mapped[BookerKind] = mapped_column(str_enum(BookerKind, "space_booker_kind"))
    # The member's or unit's code; none for a resident (known by his identity only).
    booker_code: Mapped[str | None] = mapped_column(String(32))
    booker_identity: Mapped[str] = mapped_column(String(64))  # Viewer.identity_key
    booker_subject: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(timestamp())
    ends_at: Mapped[datetime] = mapped_column(timestamp())
    minutes: Mapped[int]  # the slot's length, kept for the figures of use (portable sums)
    purpose: Mapped[str] = mapped_column(Text)
    attendees: Mapped[int]
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus, "space_booking_status"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None] = mapped_column(timestamp())
    used_attendees: Mapped[int | None]  # 实到人数, when used
    use_note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(120))
    recorded_at: Mapped[datetime | None] = mapped_column(timestamp())
