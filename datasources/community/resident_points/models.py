"""Residents' points (居民积分) and young volunteers (小小志愿者, 青少年志愿者).

Residents (居民/群众) take part in the community's activities, sharing an activity's places
with members and units, and earn points on a ledger of their own: `resident_points_entries`,
never `points_entries`, so nothing a resident earns can count in a member's points,
performance or appraisal. A child volunteers only under a guardian: a resident of the same
community who enrols him and records his consent (监护人同意); the guardian signs him up,
sees his ledger and redeems for him; withdrawing the consent stops all three, the ledger
stays. Points are spent in the same points mall (积分超市) members use, on the same stock.

A volunteer account is the row a spend locks (like `PointsAccount` for members): the
balance is the sum of its entries and never goes below zero. Nothing is deleted.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class VolunteerKind(enum.Enum):
    RESIDENT = "resident"  # 居民志愿者 (signs in himself)
    YOUNG = "young"  # 小小志愿者 / 青少年志愿者 (a minor, under his guardian)


class VolunteerStatus(enum.Enum):
    ACTIVE = "active"  # 有效
    WITHDRAWN = "withdrawn"  # 监护人已撤回同意 (a child's only)


class ResidentEntryKind(enum.Enum):
    EARN = "earn"  # 获得
    SPEND = "spend"  # 兑换消费


class ResidentSignupStatus(enum.Enum):
    REGISTERED = "registered"  # 已报名
    CANCELLED = "cancelled"  # 已取消
    CONFIRMED = "confirmed"  # 已签到或已确认参加（积分已发放）


# Resident signups that hold one of an activity's places (shared with members and units).
RESIDENT_PLACE_HOLDING = (ResidentSignupStatus.REGISTERED, ResidentSignupStatus.CONFIRMED)


class ResidentVolunteer(CommunityBase):
    """A resident's or a child's points account (居民积分账户) in one community.

    A resident's is known by his identity (`Viewer.identity_key`: issuer, subject, role and
    scope) and opened on his first signup; a child's by his guardian (a resident account of
    the same community) and the consent recorded when the guardian enrolled him. No name
    is kept: the hub has no need of it, and a child's name is a minor's personal data.
    """

    __tablename__ = "resident_volunteers"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'resident' AND identity IS NOT NULL AND guardian_id IS NULL)"
            " OR (kind = 'young' AND identity IS NULL AND guardian_id IS NOT NULL"
            " AND birth_year IS NOT NULL AND consent_at IS NOT NULL)",
            name="kind_fields",
        ),
        Index("uq_resident_volunteers_identity", "identity", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[VolunteerKind] = mapped_column(str_enum(VolunteerKind, "resident_volunteer_kind"))
    identity: Mapped[str | None] = mapped_column(String(64))  # a resident's identity_key
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("resident_volunteers.id"), index=True
    )
    birth_year: Mapped[int | None]  # a child's (出生年份), for his age
    consent_at: Mapped[datetime | None] = mapped_column(timestamp())  # 监护人同意时间
    consent_note: Mapped[str | None] = mapped_column(Text)  # what the guardian agreed to
    status: Mapped[VolunteerStatus] = mapped_column(
        str_enum(VolunteerStatus, "resident_volunteer_status")
    )
    withdrawn_at: Mapped[datetime | None] = mapped_column(timestamp())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class ResidentPointsEntry(CommunityBase):
    """One entry of a resident's or child's ledger (居民积分流水); `points` is signed."""

    __tablename__ = "resident_points_entries"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'earn' AND points > 0) OR (kind = 'spend' AND points < 0)",
            name="sign_by_kind",
        ),
        # A source earns once: a retried confirmation cannot double the points.
        Index(
            "uq_resident_points_entries_earned_source",
            "volunteer_id",
            "source_type",
            "source_id",
            unique=True,
            sqlite_where=text("kind = 'earn'"),
            postgresql_where=text("kind = 'earn'"),
        ),
        Index("ix_resident_points_entries_volunteer_time", "volunteer_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("resident_volunteers.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[ResidentEntryKind] = mapped_column(
        str_enum(ResidentEntryKind, "resident_points_kind")
    )
    points: Mapped[int]
    # What the entry is for: ResidentActivitySignup (earn), ResidentRedemption (spend).
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int | None]  # set in the same transaction, once the source has its id
    note: Mapped[str | None] = mapped_column(Text)
    actor_subject: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class ResidentActivitySignup(CommunityBase):
    """A resident's or child's signup for an activity (居民报名), holding one of its places."""

    __tablename__ = "resident_activity_signups"
    __table_args__ = (
        Index(
            "uq_resident_activity_signups_live",
            "activity_id",
            "volunteer_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
        Index("ix_resident_activity_signups_activity_status", "activity_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("resident_volunteers.id"), index=True)
    status: Mapped[ResidentSignupStatus] = mapped_column(
        str_enum(ResidentSignupStatus, "resident_signup_status")
    )
    signed_up_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(timestamp())
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    # Checked in at the venue with its code (签到), which confirms at once; or confirmed by
    # the community (确认参加). Either earns the points.
    checked_in_at: Mapped[datetime | None] = mapped_column(timestamp())
    # Wrong check-in codes since the activity's latest code was issued (as members' signups).
    check_in_failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    check_in_failed_at: Mapped[datetime | None] = mapped_column(timestamp())
    confirmed_at: Mapped[datetime | None] = mapped_column(timestamp())
    confirmed_by: Mapped[str | None] = mapped_column(String(120))
    points: Mapped[int | None]  # earned on confirmation


class ResidentRedemption(CommunityBase):
    """A resident's or child's redemption (兑换) of a mall item, with its spend entry."""

    __tablename__ = "resident_redemptions"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("mall_items.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("resident_volunteers.id"), index=True)
    quantity: Mapped[int]
    points: Mapped[int]
    spend_entry_id: Mapped[int] = mapped_column(ForeignKey("resident_points_entries.id"))
    redeemed_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
