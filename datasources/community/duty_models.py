"""Post duty (岗位值守): the sessions a member serves on a post he claimed, each confirmed
or rejected by the post's community or its keeper. A claim alone is no service; confirmed
sessions are, with their hours.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase

MAX_DUTY_HOURS = Decimal(24)  # one session lasts at most a day


class PostDutyStatus(enum.Enum):
    PENDING = "pending"  # 待确认
    CONFIRMED = "confirmed"  # 已确认
    REJECTED = "rejected"  # 未通过


class PostDuty(CommunityBase):
    """One duty session (值守记录) of a member on a post: when, how long, what he did."""

    __tablename__ = "post_duties"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="period_order"),
        CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_range"),
        Index("ix_post_duties_post_member", "post_id", "member_code", "starts_at"),
        CheckConstraint("(member_code IS NULL) != (unit_code IS NULL)", name="one_server"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("post_claims.id"), index=True)
    # The serving member; null on a session a unit served on its own claim (单位值守).
    member_code: Mapped[str | None] = mapped_column(String(32), index=True)
    # The unit whose claim the session served; null on a member's session.
    unit_code: Mapped[str | None] = mapped_column(String(32), index=True)
    starts_at: Mapped[datetime] = mapped_column(timestamp())
    ends_at: Mapped[datetime] = mapped_column(timestamp())
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[PostDutyStatus] = mapped_column(
        str_enum(PostDutyStatus, "post_duty_status"), index=True
    )
    # Who wrote it down: the member himself or the post's keeper (a member code); the
    # unit's code on a unit's session.
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(timestamp())
    decided_by_role: Mapped[str | None] = mapped_column(String(32))
    decision_note: Mapped[str | None] = mapped_column(Text)
