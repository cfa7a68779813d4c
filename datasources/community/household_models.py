"""Households (户): the 人屋关联 that ties a resident household to a dwelling of a building
(unit and room). Personal data: the head's name and phone are read by the community's own
roles only (datasources/community/master_policy.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import timestamp, utcnow
from datasources.community.models import CommunityBase


class Household(CommunityBase):
    """One household living in one dwelling (楼栋-单元-房号) of a building."""

    __tablename__ = "households"
    __table_args__ = (CheckConstraint("size BETWEEN 1 AND 30", name="size_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_no: Mapped[str | None] = mapped_column(String(16))  # 单元, e.g. 2单元
    room_no: Mapped[str] = mapped_column(String(16))  # 房号, e.g. 502
    head_name: Mapped[str] = mapped_column(String(40))  # 户主姓名 (personal)
    phone: Mapped[str | None] = mapped_column(String(20))  # 联系电话 (personal)
    size: Mapped[int] = mapped_column(default=1)  # 户人数
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    retired_on: Mapped[date | None] = mapped_column(Date)  # 迁出/注销 (China date)
