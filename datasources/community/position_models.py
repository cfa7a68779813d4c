"""Positions people hold in a compound (职务): the 三长 (小区长 compound leader, 楼栋长
building leader, 单元长 unit leader) and the 党员中心户 (Party member household centre).

A position is a record the community keeps (who, which position, where, which term), not
a role of its own: its holder signs in with the `position_holder` role and a `position`
claim naming the record's code, and every statement checks the record is in force, so a
revoked or expired position loses its access at once (docs/access.md, "Positions").
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class PositionKind(enum.Enum):
    COMPOUND_LEADER = "compound_leader"  # 小区长: a compound
    BUILDING_LEADER = "building_leader"  # 楼栋长: a building
    UNIT_LEADER = "unit_leader"  # 单元长: a unit (entrance) of a building
    MEMBER_HOUSEHOLD = "member_household"  # 党员中心户: a member's household in a building


class HolderKind(enum.Enum):
    MEMBER = "member"  # a Party member, by his member code
    RESIDENT = "resident"  # a resident, by his token subject


class Position(CommunityBase):
    """A position held by one person for a term, in one compound (and building, unit)."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the `position` claim
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    kind: Mapped[PositionKind] = mapped_column(str_enum(PositionKind, "position_kind"))
    holder_kind: Mapped[HolderKind] = mapped_column(str_enum(HolderKind, "position_holder_kind"))
    holder_code: Mapped[str] = mapped_column(String(120), index=True)
    holder_name: Mapped[str] = mapped_column(String(40))  # personal
    # Who signs in as the holder (任职人账号): his token's `sub` and `iss` must be these
    # (docs/access.md, "Positions"). A null issuer (rows from before migration 0020) means
    # the one issuer the deployment accepts.
    holder_subject: Mapped[str] = mapped_column(String(120))
    holder_issuer: Mapped[str | None] = mapped_column(String(120))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_label: Mapped[str | None] = mapped_column(String(16))  # e.g. 2单元
    # The unit (单元, entrance) of the building a 单元长 leads, 1..`Building.entrances`;
    # null for the other positions (and for a label migration 0020 could not read).
    unit_no: Mapped[int | None]
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    appointed_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(timestamp())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
