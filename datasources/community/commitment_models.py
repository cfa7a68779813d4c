"""Public commitments (亮身份、亮承诺、践诺): a reported member publishes what he commits to
do for the community in a year, one commitment a row, each in a service category; at year
end the community he reported to assesses each one (践诺评定: kept, partly kept, not kept)
with evidence. His unit branch sees them (公开承诺 at the work unit and the community);
residents of that community see a commitment only where the member agreed
(`public_consent`).

Who assesses: the community (its committee or a grid secretary of it), because the
commitment is kept in the community and it is the community that confirms service; the
member's branch reads the result and uses it in his appraisal, it does not rate it. The
community side owns the record; the member and his unit are known by their codes.
Nothing is deleted: the member withdraws a commitment not yet assessed (撤回).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class CommitmentStatus(enum.Enum):
    PUBLISHED = "published"  # 已承诺（待评定）
    KEPT = "kept"  # 已践诺
    PARTLY_KEPT = "partly_kept"  # 部分践诺
    NOT_KEPT = "not_kept"  # 未践诺
    WITHDRAWN = "withdrawn"  # 已撤回


ASSESSED = (CommitmentStatus.KEPT, CommitmentStatus.PARTLY_KEPT, CommitmentStatus.NOT_KEPT)


class MemberCommitment(CommunityBase):
    """One public commitment (公开承诺) of a member for a year, and its assessment."""

    __tablename__ = "member_commitments"
    __table_args__ = (
        Index("ix_member_commitments_member_year", "member_code", "year"),
        Index("ix_member_commitments_community_year", "community_id", "year"),
        Index("ix_member_commitments_unit_code", "unit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_code: Mapped[str] = mapped_column(String(32))
    # His work unit when he published it (the branch reads its members' commitments).
    unit_code: Mapped[str | None] = mapped_column(String(32))
    # The community of his active report when he published it: it sees and assesses it.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"))
    year: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    # The member agreed that residents see it (同意向居民公开).
    public_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[CommitmentStatus] = mapped_column(
        str_enum(CommitmentStatus, "commitment_status")
    )
    evidence: Mapped[str | None] = mapped_column(Text)  # 践诺情况（评定依据）
    assessed_by: Mapped[str | None] = mapped_column(String(120))
    assessed_at: Mapped[datetime | None] = mapped_column(timestamp())
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
