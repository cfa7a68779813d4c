"""Service orders (点单 → 派单 → 接单 → 结单 → 评价): a resident orders, the community
dispatches to a member or a paired unit, the taker accepts, the member closes it with a
summary, hours and evidence, the resident rates it (or the community confirms it).

Members and units are codes of the work-unit side (`taker_code`, `member_code`).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class OrderStatus(enum.Enum):
    ORDERED = "ordered"  # 待派单 (已点单)
    DISPATCHED = "dispatched"  # 已派单，待接单
    ACCEPTED = "accepted"  # 已接单，服务中
    CLOSED = "closed"  # 已结单，待评价
    RATED = "rated"  # 已评价
    CONFIRMED = "confirmed"  # 社区代为确认
    CANCELLED = "cancelled"  # 已取消


# States in which an order is still the community's open business (and may be overdue).
OPEN_ORDER_STATUSES = (OrderStatus.ORDERED, OrderStatus.DISPATCHED, OrderStatus.ACCEPTED)
# States of a completed order: the service was given and acknowledged; points granted.
COMPLETED_ORDER_STATUSES = (OrderStatus.RATED, OrderStatus.CONFIRMED)


# How long the resident has to rate a closed order himself before his community may confirm
# (or rate) it on his behalf (居民评价期限) is policy: `rating_policy_models.RatingPolicy`.


class RatingBasis(enum.Enum):
    """Who rated (or confirmed) a completed order and why (评价依据). The resident whose order
    it is rates it himself (干得好不好让居民来评议); the community or a grid secretary rates or
    confirms on his behalf only where he cannot, and the basis says which case held."""

    RESIDENT = "resident"  # 居民本人评价
    OFFLINE = "offline"  # ordered or raised on his behalf (代点单/网格员代提): no account on record
    COMMUNITY_DEMAND = "community_demand"  # the community's own demand: no resident to rate
    NOT_RATED_IN_TIME = "not_rated_in_time"  # he did not rate within the rating period (policy)
    LEGACY = "legacy"  # confirmed by the community before this rule (migration 0011)


class TakerKind(enum.Enum):
    MEMBER = "member"  # 党员
    UNIT = "unit"  # 结对单位


class ServiceOrder(CommunityBase):
    """An order (服务订单) for a service, from ordering to rating."""

    __tablename__ = "service_orders"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_non_negative"),
        Index("ix_service_orders_community_status_due", "community_id", "status", "due_at"),
        Index("ix_service_orders_member_closed", "member_code", "closed_at"),
        Index("ix_service_orders_taker", "taker_kind", "taker_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), index=True)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand_items.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    # Where in the building (住址): unit (单元), floor and room (门牌), each optional.
    unit_no: Mapped[int | None]
    floor: Mapped[int | None]
    room: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    # Who ordered: a resident for himself, or a grid secretary / the community on behalf of one.
    # `ordered_by_identity` is his `Viewer.identity_key`; null on orders placed before
    # migration 0008, which knew only the subject (matched by subject, role and community).
    ordered_by_subject: Mapped[str] = mapped_column(String(120), index=True)
    ordered_by_identity: Mapped[str | None] = mapped_column(String(64), index=True)
    ordered_by_role: Mapped[str] = mapped_column(String(32))
    beneficiary_name: Mapped[str | None] = mapped_column(String(60))  # personal
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "order_status"))
    taker_kind: Mapped[TakerKind | None] = mapped_column(str_enum(TakerKind, "taker_kind"))
    taker_code: Mapped[str | None] = mapped_column(String(32))
    member_code: Mapped[str | None] = mapped_column(String(32))  # the member who serves
    due_at: Mapped[datetime] = mapped_column(timestamp())
    escalation_level: Mapped[int] = mapped_column(default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(timestamp())
    ordered_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(timestamp())
    accepted_at: Mapped[datetime | None] = mapped_column(timestamp())
    closed_at: Mapped[datetime | None] = mapped_column(timestamp())
    rated_at: Mapped[datetime | None] = mapped_column(timestamp())
    confirmed_at: Mapped[datetime | None] = mapped_column(timestamp())
    cancelled_at: Mapped[datetime | None] = mapped_column(timestamp())
    summary: Mapped[str | None] = mapped_column(Text)
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)  # photo references
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(Text)
    # Who completed it (评价人): the role of whoever rated or confirmed it, and on what basis;
    # null until completed. Set for existing completed orders by migration 0011.
    rated_by_role: Mapped[str | None] = mapped_column(String(32))
    rating_basis: Mapped[RatingBasis | None] = mapped_column(str_enum(RatingBasis, "rating_basis"))
