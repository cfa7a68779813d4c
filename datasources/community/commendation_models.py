"""Commendations (表彰): the community or the district names a member, a unit or a household
(每月之星, 最美下沉党员, 年度表彰 ...) with a reason. A commendation is a public honour
(the articles have them publicised in briefings, 编发简报), so the ones in force are read by
any signed-in role; a revoked one (撤销, with a reason) only by whoever awarded it, the
district and the auditor. Nothing is deleted.

The community side owns the record; the member or unit is known by its code, a household
by its label as the community writes it (e.g. 3栋2单元501 王家).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class CommendationTitle(enum.Enum):
    MONTHLY_STAR = "monthly_star"  # 每月之星
    MODEL_MEMBER = "model_member"  # 最美下沉党员
    ANNUAL = "annual"  # 年度表彰
    MODEL_FAMILY = "model_family"  # 最美家庭


class CommendationLevel(enum.Enum):
    COMMUNITY = "community"  # 社区表彰
    DISTRICT = "district"  # 区级表彰


class HonoreeKind(enum.Enum):
    MEMBER = "member"  # 党员
    UNIT = "unit"  # 单位
    HOUSEHOLD = "household"  # 家庭


class CommendationStatus(enum.Enum):
    ACTIVE = "active"  # 有效
    REVOKED = "revoked"  # 已撤销


class Commendation(CommunityBase):
    """One commendation (表彰) of a member, unit or household for a year (or a month)."""

    __tablename__ = "commendations"
    __table_args__ = (
        Index("ix_commendations_honoree", "honoree_kind", "honoree_code", "year"),
        Index("ix_commendations_community_year", "community_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[CommendationTitle] = mapped_column(
        str_enum(CommendationTitle, "commendation_title")
    )
    level: Mapped[CommendationLevel] = mapped_column(
        str_enum(CommendationLevel, "commendation_level")
    )
    # The awarding community (社区表彰), or the community it concerns (区级表彰, optional).
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    honoree_kind: Mapped[HonoreeKind] = mapped_column(str_enum(HonoreeKind, "honoree_kind"))
    honoree_code: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)  # 每月之星: its month
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[CommendationStatus] = mapped_column(
        str_enum(CommendationStatus, "commendation_status")
    )
    awarded_by: Mapped[str] = mapped_column(String(120))
    awarded_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoked_at: Mapped[datetime | None] = mapped_column(timestamp())
