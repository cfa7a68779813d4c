"""双服务, the unit's side of it: a work unit's Party organisation serves as an organisation.

* 活动接龙: the unit signs up for a community activity with a number of its members
  (`headcount`), naming them later if it wishes; the headcount holds places of the
  activity's capacity like members' own signups.
* 认领: the unit (or a member) claims a published demand (需求清单) and completes it; the
  claim lives on the demand row (`DemandItem.claimant_kind/claimant_code`, `ClaimantKind`
  in models.py), one claimant.

Units are codes of the work-unit side (`unit_code`), never foreign keys.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase

# The most participants one unit may commit to one activity (活动接龙人数上限).
MAX_HEADCOUNT = 200


class UnitSignupStatus(enum.Enum):
    REGISTERED = "registered"  # 已接龙
    CANCELLED = "cancelled"  # 已取消
    CERTIFIED = "certified"  # 已认定 (the activity was certified)


class ActivityUnitSignup(CommunityBase):
    """A unit's signup (单位活动接龙) for an activity with `headcount` of its members."""

    __tablename__ = "activity_unit_signups"
    __table_args__ = (
        CheckConstraint(f"headcount BETWEEN 1 AND {MAX_HEADCOUNT}", name="headcount_range"),
        # One live signup per unit and activity; cancelled ones stay as history.
        Index(
            "uq_activity_unit_signups_live_unit",
            "activity_id",
            "unit_code",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    headcount: Mapped[int]
    # Member codes the unit named as its participants (at most `headcount`), in order.
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[UnitSignupStatus] = mapped_column(
        str_enum(UnitSignupStatus, "unit_signup_status")
    )
    signed_up_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(timestamp())
    certified_at: Mapped[datetime | None] = mapped_column(timestamp())


# Unit signups that hold places of the activity's capacity.
UNIT_PLACE_HOLDING = (UnitSignupStatus.REGISTERED, UnitSignupStatus.CERTIFIED)
