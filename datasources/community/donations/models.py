"""Donations (爱心捐赠): a member who reported to a community, a unit paired with it, or a
resident of it offers goods or money (捐款捐物); the community (committee or grid roles)
accepts or declines it with a reason; an accepted donation is handed over (交接) to one
household in need of the community, with who handed it over, when and a note as evidence,
or passed on (转赠) to another community or organisation with a reason. Exactly one
hand-over or passing-on per donation: `resolvers.donations` serialises them on the row.

Donations are not service: they count in no member's hours, points or appraisal (the
articles count service, not gifts). Nothing is deleted: a declined donation stays.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class DonorKind(enum.Enum):
    MEMBER = "member"  # 党员
    UNIT = "unit"  # 结对单位
    RESIDENT = "resident"  # 居民


class DonationKind(enum.Enum):
    GOODS = "goods"  # 捐物
    MONEY = "money"  # 捐款


class DonationStatus(enum.Enum):
    OFFERED = "offered"  # 待确认
    ACCEPTED = "accepted"  # 已接收
    DECLINED = "declined"  # 已婉拒
    HANDED_OVER = "handed_over"  # 已交接
    PASSED_ON = "passed_on"  # 已转赠


class Donation(CommunityBase):
    """One donation (爱心捐赠) to a community."""

    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_donations_community_offered", "community_id", "offered_at"),
        Index("ix_donations_donor", "donor_kind", "donor_code"),
        Index("ix_donations_donor_identity", "donor_identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    donor_kind: Mapped[DonorKind] = mapped_column(str_enum(DonorKind, "donor_kind"))
    # The member's or unit's code; none for a resident (known by his identity only).
    donor_code: Mapped[str | None] = mapped_column(String(32))
    donor_identity: Mapped[str] = mapped_column(String(64))  # Viewer.identity_key
    donor_subject: Mapped[str] = mapped_column(String(120))
    kind: Mapped[DonationKind] = mapped_column(str_enum(DonationKind, "donation_kind"))
    description: Mapped[str] = mapped_column(Text)  # what is given (物品/用途说明)
    # Pieces for goods (件), yuan for money (元).
    quantity: Mapped[int]
    status: Mapped[DonationStatus] = mapped_column(
        str_enum(DonationStatus, "donation_status"), index=True
    )
    offered_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(timestamp())
    declined_reason: Mapped[str | None] = mapped_column(Text)
    # The hand-over (交接): to a household of the community (personal data), by whom, when.
    recipient_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    handed_over_by: Mapped[str | None] = mapped_column(String(120))  # 经手人 (name given)
    handed_over_at: Mapped[datetime | None] = mapped_column(timestamp())
    handover_note: Mapped[str | None] = mapped_column(Text)  # evidence (凭证说明)
    recorded_by: Mapped[str | None] = mapped_column(String(120))  # who recorded it
    # Passed on (转赠): to whom (an organisation or another community) and why.
    passed_to: Mapped[str | None] = mapped_column(String(200))
    passed_reason: Mapped[str | None] = mapped_column(Text)
