"""Evaluations of members kept by the community side (三评): the member's self-evaluation
and the community's evaluation, with the group leader's and grid branch's views where the
community evaluates on three levels. The organisation evaluation lives on the unit side.

A revised evaluation supersedes the earlier one, which stays as history.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import AppraisalGrade, str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class EvaluationKind(enum.Enum):
    SELF = "self"  # 党员自评
    GROUP = "group"  # 党小组（楼栋组长）评价
    GRID_BRANCH = "grid_branch"  # 网格/小区党支部评价
    COMMUNITY = "community"  # 社区党委评价


class EvaluationStatus(enum.Enum):
    ACTIVE = "active"  # 有效
    SUPERSEDED = "superseded"  # 已被修订


class MemberEvaluation(CommunityBase):
    """One evaluation of a member for a year (年度评价)."""

    __tablename__ = "member_evaluations"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        Index(
            "uq_member_evaluations_active",
            "member_code",
            "year",
            "kind",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_member_evaluations_community_year", "community_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    kind: Mapped[EvaluationKind] = mapped_column(str_enum(EvaluationKind, "evaluation_kind"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    grade: Mapped[AppraisalGrade | None] = mapped_column(
        str_enum(AppraisalGrade, "evaluation_grade")
    )
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[EvaluationStatus] = mapped_column(
        str_enum(EvaluationStatus, "evaluation_status")
    )
    evaluator_subject: Mapped[str] = mapped_column(String(120))
    evaluator_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(timestamp())
    # The unit branch's acknowledgement (单位党组织签收) of the community's evaluation.
    acknowledged_at: Mapped[datetime | None] = mapped_column(timestamp())
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    acknowledged_unit_code: Mapped[str | None] = mapped_column(String(32))
