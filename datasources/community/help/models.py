"""The register of households in need (特殊群体台账), pairings (结对帮扶) and visits (走访).

A community registers the households it looks after (低保户, 空巢/独居老人, 残疾人, 困境儿童 ...)
with sensitive personal data (name, address, phone, category, circumstances). The committee
pairs a reported member or a paired unit with a household, one or two helpers each
(一对一, 二对一: `max_helpers`), with a visit frequency (every `visit_every_days` days; 7 for a
天天敲门 round of a 独居老人, for example). Each visit is logged (date, what was done) and may
escalate into a demand (需求) of the demand list. A pairing whose next visit is due before
today is overdue (`next_visit_due`, kept by every visit, so the overdue list is one indexed
condition). Nothing is deleted: a household leaves the register and a pairing ends, each
with a reason.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class HelpCategory(enum.Enum):
    SUBSISTENCE = "subsistence"  # 低保户 / 困难群众
    EMPTY_NEST = "empty_nest"  # 空巢老人
    LIVING_ALONE = "living_alone"  # 独居老人
    DISABLED = "disabled"  # 残疾人
    CHILD_IN_DIFFICULTY = "child_in_difficulty"  # 困境儿童 / 留守儿童
    OTHER = "other"  # 其他


class HouseholdStatus(enum.Enum):
    ACTIVE = "active"  # 在册
    LEFT = "left"  # 已退出台账


class HelperKind(enum.Enum):
    MEMBER = "member"  # 党员
    UNIT = "unit"  # 单位


class PairingStatus(enum.Enum):
    ACTIVE = "active"  # 结对中
    ENDED = "ended"  # 已结束


class HelpHousehold(CommunityBase):
    """A household on the community's register of people in need (特殊群体)."""

    __tablename__ = "help_households"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # personal
    address: Mapped[str] = mapped_column(String(200))  # personal
    phone: Mapped[str | None] = mapped_column(String(32))  # personal
    category: Mapped[HelpCategory] = mapped_column(str_enum(HelpCategory, "help_category"))
    circumstances: Mapped[str | None] = mapped_column(Text)  # personal (家庭情况)
    max_helpers: Mapped[int]  # 1 一对一, 2 二对一 (checked by resolvers.help_register)
    status: Mapped[HouseholdStatus] = mapped_column(
        str_enum(HouseholdStatus, "help_household_status")
    )
    left_reason: Mapped[str | None] = mapped_column(Text)
    left_at: Mapped[datetime | None] = mapped_column(timestamp())
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class HelpPairing(CommunityBase):
    """A member or a unit paired with a household (结对帮扶), with a visit frequency."""

    __tablename__ = "help_pairings"
    __table_args__ = (
        CheckConstraint("visit_every_days BETWEEN 1 AND 90", name="visit_every_days_range"),
        Index("ix_help_pairings_household_status", "household_id", "status"),
        Index("ix_help_pairings_helper", "helper_kind", "helper_code"),
        Index("ix_help_pairings_community_due", "community_id", "status", "next_visit_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("help_households.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    helper_kind: Mapped[HelperKind] = mapped_column(str_enum(HelperKind, "help_helper_kind"))
    helper_code: Mapped[str] = mapped_column(String(32))  # the member's or unit's code
    visit_every_days: Mapped[int]
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[PairingStatus] = mapped_column(str_enum(PairingStatus, "help_pairing_status"))
    ended_reason: Mapped[str | None] = mapped_column(Text)
    last_visit_on: Mapped[date | None] = mapped_column(Date)
    # The day the next visit is due by: the last visit (or the start) plus the frequency.
    next_visit_due: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class HelpVisit(CommunityBase):
    """One visit of a pairing (走访记录): when, what was done, the demand it escalated into."""

    __tablename__ = "help_visits"
    __table_args__ = (
        Index("ix_help_visits_pairing_visited", "pairing_id", "visited_on"),
        Index("ix_help_visits_household_visited", "household_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("help_pairings.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("help_households.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)  # what was done (服务内容)
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand_items.id"))
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
