"""The residents' rating period (居民评价期限) as policy: the district sets, per year, how
many days after an order's closing its resident alone may rate it; only after that may his
community confirm it on his behalf (`resolvers.orders.confirm`, basis NOT_RATED_IN_TIME).

The model follows the appraisal policy (`resolvers.appraisal_policy`): the district sets
it for every district (`district_code` '') or for its own; each change appends a version
and records a state event (`history`), earlier versions stay; the same value again adds
nothing. The year is that of the order's closing (China time); a district's own rule wins
over the one for every district; with none set the documented default holds
(`DEFAULT_RATING_DAYS`, 7 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import CHINA, as_utc
from datasources.community.models import Community, District, Street
from datasources.community.rating_policy_models import (
    DEFAULT_RATING_DAYS,
    MAX_RATING_DAYS,
    MIN_RATING_DAYS,
    RatingPolicy,
)
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.workflow import Refusal, RefusalCode, record

POLICY = "RatingPolicy"


@dataclass(frozen=True)
class RatingPeriod:
    """The period in force for one year and district: the version that set it, if any."""

    year: int
    district_code: str
    days: int
    policy: RatingPolicy | None  # None: the default (no version set)


def _latest(year: int, district: str) -> list[ColumnElement[bool]]:
    return [RatingPolicy.year == year, RatingPolicy.district_code == district]


async def period_for(session: AsyncSession, year: int, district: str | None) -> RatingPeriod:
    """The rating period of `year` for `district`: its own latest version, else the latest
    for every district, else the default."""
    for code in ([district] if district else []) + [""]:
        row = await session.scalar(
            select(RatingPolicy)
            .where(RatingPolicy.year == year, RatingPolicy.district_code == code)
            .order_by(RatingPolicy.version.desc())
            .limit(1)
        )
        if row is not None:
            return RatingPeriod(year, code, row.rating_days, row)
    return RatingPeriod(year, district or "", DEFAULT_RATING_DAYS, None)


async def district_of_community(session: AsyncSession, community_id: int) -> str | None:
    return await session.scalar(
        select(District.code)
        .join(Street, Street.district_id == District.id)
        .join(Community, Community.street_id == Street.id)
        .where(Community.id == community_id)
    )


async def period_of_order(
    session: AsyncSession, community_id: int, closed_at: datetime
) -> RatingPeriod:
    """The period that applies to an order: that of the year it was closed (China time),
    in its community's district."""
    year = as_utc(closed_at).astimezone(CHINA).year
    return await period_for(session, year, await district_of_community(session, community_id))


def period_end(closed_at: datetime, period: RatingPeriod) -> datetime:
    return as_utc(closed_at) + timedelta(days=period.days)


async def versions(session: AsyncSession, year: int, district: str) -> list[RatingPolicy]:
    """Every version of one year's rule (one district's, or every district's ''), newest first."""
    return list(
        await session.scalars(
            select(RatingPolicy)
            .where(RatingPolicy.year == year, RatingPolicy.district_code == district)
            .order_by(RatingPolicy.version.desc())
        )
    )


def _validate(year: int, days: int, district: str, note: str | None) -> None:
    if not 2000 <= year <= 2100:
        raise Refusal(RefusalCode.INVALID_INPUT, "年度须在 2000 至 2100 之间。", "input.year")
    if not MIN_RATING_DAYS <= days <= MAX_RATING_DAYS:
        raise Refusal(
            RefusalCode.INVALID_INPUT,
            f"居民评价期限须在 {MIN_RATING_DAYS} 至 {MAX_RATING_DAYS} 天之间。",
            "input.ratingDays",
        )
    if len(district) > 32:
        raise Refusal(RefusalCode.INVALID_INPUT, "区编码过长。", "input.districtCode")
    if note is not None and len(note) > 500:
        raise Refusal(RefusalCode.INVALID_INPUT, "说明不能超过 500 个字符。", "input.note")


async def set_period(
    ctx: HubContext, *, year: int, days: int, district: str, note: str | None
) -> RatingPolicy:
    """Append a version of the year's rating period (设置居民评价期限): the district."""
    viewer = ctx.viewer
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district sets the residents' rating period")
    if district and viewer.district and district != viewer.district:
        raise PermissionError("a district sets only its own rating period")
    note = (note or "").strip() or None
    _validate(year, days, district, note)
    for attempt in range(3):
        try:
            return await _append(ctx, year, days, district, note)
        except IntegrityError:  # a concurrent change took the version number: read again
            if attempt == 2:
                raise Refusal(
                    RefusalCode.DUPLICATE, "居民评价期限正在被同时修改，请稍后重试。", "input.year"
                ) from None
    raise AssertionError("unreachable")


async def _append(
    ctx: HubContext, year: int, days: int, district: str, note: str | None
) -> RatingPolicy:
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        current = await session.scalar(
            select(RatingPolicy)
            .where(*_latest(year, district))
            .order_by(RatingPolicy.version.desc())
            .limit(1)
            .with_for_update()
        )
        if current is not None and (current.rating_days, current.note) == (days, note):
            return current  # the same values again: no version
        version = (
            await session.scalar(
                select(func.max(RatingPolicy.version)).where(*_latest(year, district))
            )
            or 0
        ) + 1
        row = RatingPolicy(year=year, district_code=district, version=version, rating_days=days,
                           note=note, updated_by=viewer.subject)  # fmt: skip
        session.add(row)
        await session.flush()
        before = str(current.rating_days if current else DEFAULT_RATING_DAYS)
        record(session, viewer, POLICY, row.id, before, str(days), note)
    return row
