"""The residents' rating period (居民评价期限) as policy: how many days after an order is
closed its resident alone may rate it, before his community may confirm it on his behalf
(干得好不好让居民来评议; the community confirms only where he cannot).

The district sets it per year (the year of the order's closing, China time), as it sets the
appraisal policy: each change appends a version, earlier versions stay as history, and the
change is audited. `district_code` is '' for the rule of every district; a district's own
rule wins. Where no version is set for a year the documented default holds:
`DEFAULT_RATING_DAYS` (7 days).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import timestamp, utcnow
from datasources.community.models import CommunityBase

DEFAULT_RATING_DAYS = 7  # 居民评价期限的默认值：结单后 7 天
MIN_RATING_DAYS = 1
MAX_RATING_DAYS = 60


class RatingPolicy(CommunityBase):
    """One version of a year's rating period (居民评价期限规则)."""

    __tablename__ = "rating_policies"
    __table_args__ = (
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint(
            f"rating_days BETWEEN {MIN_RATING_DAYS} AND {MAX_RATING_DAYS}", name="days_range"
        ),
        Index("uq_rating_policies_version", "year", "district_code", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    district_code: Mapped[str] = mapped_column(String(32), default="")
    version: Mapped[int] = mapped_column(default=1)
    rating_days: Mapped[int]  # days after the closing the resident alone may rate
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
