"""Activities (活动): published with a time window, signed up for (with a waitlist),
checked in at the venue by a short-lived code, hours recorded, certified by the community.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class ActivityStatus(enum.Enum):
    PUBLISHED = "published"  # 已发布
    CERTIFIED = "certified"  # 已认定（积分已发放）
    CANCELLED = "cancelled"  # 已取消


class SignupStatus(enum.Enum):
    REGISTERED = "registered"  # 已报名
    WAITLISTED = "waitlisted"  # 候补
    CANCELLED = "cancelled"  # 已取消
    ATTENDED = "attended"  # 已签到
    CERTIFIED = "certified"  # 已认定
    ABSENT = "absent"  # 缺席


# Signups that hold one of the activity's places.
PLACE_HOLDING = (SignupStatus.REGISTERED, SignupStatus.ATTENDED, SignupStatus.CERTIFIED)


class Activity(CommunityBase):
    """An activity (活动) a community publishes for its supporters."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("points_per_attendance >= 0", name="points_non_negative"),
        CheckConstraint("ends_at > starts_at", name="window_order"),
        Index("ix_activities_community_starts", "community_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    place: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(timestamp())
    ends_at: Mapped[datetime] = mapped_column(timestamp())
    capacity: Mapped[int]
    points_per_attendance: Mapped[int] = mapped_column(default=0)
    status: Mapped[ActivityStatus] = mapped_column(
        str_enum(ActivityStatus, "activity_status"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    certified_at: Mapped[datetime | None] = mapped_column(timestamp())
    cancelled_at: Mapped[datetime | None] = mapped_column(timestamp())


class ActivitySignup(CommunityBase):
    """A member's signup (报名) for an activity, through check-in to certification."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        # One live signup per member and activity; cancelled ones stay as history.
        Index(
            "uq_activity_signups_live_member",
            "activity_id",
            "member_code",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_activity_signups_activity_status", "activity_id", "status", "signed_up_at"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    member_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[SignupStatus] = mapped_column(str_enum(SignupStatus, "signup_status"))
    signed_up_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(timestamp())
    cancelled_at: Mapped[datetime | None] = mapped_column(timestamp())
    checked_in_at: Mapped[datetime | None] = mapped_column(timestamp())
    # Wrong check-in codes entered since the activity's latest code was issued (a guess
    # limit: six digits are few); a fresh code starts the count again.
    check_in_failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    check_in_failed_at: Mapped[datetime | None] = mapped_column(timestamp())
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    certified_at: Mapped[datetime | None] = mapped_column(timestamp())


class ActivityCheckInCode(CommunityBase):
    """A short-lived check-in code (签到码) shown at the venue; only its digest is stored."""

    __tablename__ = "activity_check_in_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(timestamp())
