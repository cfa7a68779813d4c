"""Points (积分) and the points mall (积分商城).

The ledger is append-only: earning, spending, reversing and expiring are entries; a
member's balance is the sum of his entries and is never negative. Spending locks the
member's `PointsAccount` row first, so concurrent redemptions of one member serialise.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class PointsKind(enum.Enum):
    EARN = "earn"  # 获得
    SPEND = "spend"  # 兑换消费
    REVERSE = "reverse"  # 冲正
    EXPIRE = "expire"  # 过期


class PointRule(CommunityBase):
    """How many points an action earns (积分规则): data the district edits, not code."""

    __tablename__ = "point_rules"
    __table_args__ = (CheckConstraint("points >= 0", name="points_non_negative"),)

    action: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    points: Mapped[int]
    updated_by: Mapped[str] = mapped_column(String(120), default="system")
    updated_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow, onupdate=utcnow)


class PointsAccount(CommunityBase):
    """A member's points account (积分账户): the row spending locks; no balance is kept."""

    __tablename__ = "points_accounts"

    member_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class PointsEntry(CommunityBase):
    """One ledger entry (积分流水); `points` is signed."""

    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'earn' AND points > 0) OR (kind IN ('spend', 'expire') AND points < 0)"
            " OR (kind = 'reverse' AND points != 0)",
            name="sign_by_kind",
        ),
        # A source earns once: a retried grant cannot double the points.
        Index(
            "uq_points_entries_earned_source",
            "member_code",
            "source_type",
            "source_id",
            unique=True,
            sqlite_where=text("kind = 'earn'"),
            postgresql_where=text("kind = 'earn'"),
        ),
        Index("ix_points_entries_member_time", "member_code", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_code: Mapped[str] = mapped_column(ForeignKey("points_accounts.member_code"))
    kind: Mapped[PointsKind] = mapped_column(str_enum(PointsKind, "points_kind"))
    points: Mapped[int]
    action: Mapped[str | None] = mapped_column(String(40))  # the PointRule applied, if any
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    # What the entry is for: ServiceOrder, ActivitySignup, MicroWish, Redemption, ...
    source_type: Mapped[str | None] = mapped_column(String(40))
    source_id: Mapped[int | None]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"), unique=True)
    note: Mapped[str | None] = mapped_column(Text)
    actor_subject: Mapped[str] = mapped_column(String(120))
    # The actor's role and `Viewer.organisation`; null on entries from before migration 0008.
    actor_role: Mapped[str | None] = mapped_column(String(32))
    actor_organisation: Mapped[str | None] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class Merchant(CommunityBase):
    """A partner merchant (合作商家) of the points mall."""

    __tablename__ = "merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class MallItem(CommunityBase):
    """An item (商品) a merchant offers for points; stock never goes below zero."""

    __tablename__ = "mall_items"
    __table_args__ = (
        CheckConstraint("price_points > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchants.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    price_points: Mapped[int]
    stock: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class RedemptionStatus(enum.Enum):
    REDEEMED = "redeemed"  # 已兑换，待领取
    COLLECTED = "collected"  # 已领取
    REFUNDED = "refunded"  # 已退还


class Redemption(CommunityBase):
    """A member's redemption (兑换) of an item: its spend entry, and a reversal if refunded."""

    __tablename__ = "redemptions"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("mall_items.id"), index=True)
    member_code: Mapped[str] = mapped_column(String(32), index=True)
    quantity: Mapped[int]
    points: Mapped[int]
    status: Mapped[RedemptionStatus] = mapped_column(
        str_enum(RedemptionStatus, "redemption_status")
    )
    spend_entry_id: Mapped[int] = mapped_column(ForeignKey("points_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
    redeemed_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(timestamp())
    refunded_at: Mapped[datetime | None] = mapped_column(timestamp())
