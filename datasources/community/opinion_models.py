"""Opinion requests (征求社区意见): before promoting a member (提拔使用、晋升职级), his work
unit asks the Party organisation of the community he lives in about his conduct outside
working hours (8小时以外表现); the community answers through the hub (Qianjiang).

The community side owns the record: the answer is the community's. The asking unit is
known only by its code (`unit_code`), the member by his code; the sides never reference
each other. Each step is a state event (who asked, who answered, when).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class OpinionRequestStatus(enum.Enum):
    PENDING = "pending"  # 待答复
    ANSWERED = "answered"  # 已答复


class Opinion(enum.Enum):
    FAVOURABLE = "favourable"  # 同意（表现良好）
    RESERVED = "reserved"  # 有保留意见
    UNFAVOURABLE = "unfavourable"  # 不同意（表现较差）


class OpinionRequest(CommunityBase):
    """One request for the residence community's opinion of a member (征求意见函)."""

    __tablename__ = "opinion_requests"
    __table_args__ = (
        Index("ix_opinion_requests_community_id_status", "community_id", "status"),
        Index("ix_opinion_requests_unit_code", "unit_code"),
        Index("ix_opinion_requests_member_code", "member_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32))
    # The asking work unit (征求单位), by its code on the unit side.
    unit_code: Mapped[str] = mapped_column(String(32))
    # The community of the member's active report when the unit asked.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    purpose: Mapped[str] = mapped_column(Text)  # e.g. 拟提拔为副科长
    status: Mapped[OpinionRequestStatus] = mapped_column(
        str_enum(OpinionRequestStatus, "opinion_request_status")
    )
    asked_by: Mapped[str] = mapped_column(String(120))
    asked_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    opinion: Mapped[Opinion | None] = mapped_column(str_enum(Opinion, "community_opinion"))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(120))
    answered_at: Mapped[datetime | None] = mapped_column(timestamp())
