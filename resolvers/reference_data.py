"""Reference data for a year (年度基础数据), set by the district: the red-property scoring
criteria (评分细则) and award tiers (奖补档次), and founding a Party-building alliance
(成立党建联盟) with its parties and chair rota. (Service categories are master data:
resolvers/master.py; the award fund: resolvers/property_awards.py.)

Criteria and tiers are upserted by their key (a criterion's code, a tier's name) and never
deleted: criteria change only while nobody has scored against that year, tiers only while
the year is not closed, so scores and results always mean what they meant when made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from datasources.community.models import (
    Alliance,
    AllianceParty,
    MeetingFrequency,
    PartyKind,
    Street,
)
from datasources.community.partner_models import (
    AllianceChairTerm,
    PropertyAwardTier,
    PropertyCriterion,
    PropertyScore,
    PropertyScorer,
    PropertyYearResult,
)
from datasources.scope import Role
from resolvers.alliances import PartyRef, _add_months, _check_party_exists
from resolvers.workflow import Refusal, RefusalCode, record, remember, replayed, write_lock

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from resolvers.context import HubContext

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def _district(ctx: HubContext) -> None:
    if ctx.viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district sets a year's reference data")


def _year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise Refusal(RefusalCode.INVALID_INPUT, "年度须在2000至2100之间。", "input.year")


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    scorer: PropertyScorer
    max_score: int
    sort_order: int


@dataclass(frozen=True)
class Tier:
    name: str
    min_total: Decimal
    amount_yuan: Decimal
    passes: bool


async def _upsert(
    session: AsyncSession, ctx: HubContext, model: Any, existing: dict[str, Any],
    rows: list[tuple[dict[str, Any], dict[str, Any]]], *, key: str,
) -> None:  # fmt: skip
    """Create the rows `existing` lacks (by `key`) and change those whose values differ,
    each with its history event (created / updated and the changed fields)."""
    for identity, values in rows:
        row = existing.get(identity[key])
        if row is None:
            row = model(**identity, **values)
            session.add(row)
            await session.flush()
            _record(session, ctx, model.__name__, row.id, None, "created",
                    {k: [None, _plain(v)] for k, v in values.items()})  # fmt: skip
            continue
        changes = _changes(row, values)
        if changes:
            for name, value in values.items():
                setattr(row, name, value)
            _record(session, ctx, model.__name__, row.id, "active", "updated", changes)
    await session.flush()


def _changes(row: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        key: [_plain(getattr(row, key)), _plain(value)]
        for key, value in values.items()
        if getattr(row, key) != value
    }


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    return getattr(value, "value", value)


async def set_criteria(ctx: HubContext, year: int, criteria: list[Criterion]) -> list[Any]:
    """Set a year's scoring criteria (设定年度评分细则): new codes are added, given ones
    changed; criteria not named stay. Refused once anyone scored against the year."""
    _district(ctx)
    _year(year)
    if not 1 <= len(criteria) <= 100:
        raise Refusal(RefusalCode.INVALID_INPUT, "评分细则须为1至100条。", "input.criteria")
    seen: set[str] = set()
    for index, item in enumerate(criteria):
        field = f"input.criteria.{index}"
        if not CODE.match(item.code):
            raise Refusal(RefusalCode.INVALID_INPUT, "细则编码须为不超过40位的字母、数字、点、横线或下划线。",
                          f"{field}.code")  # fmt: skip
        if item.code in seen:
            raise Refusal(RefusalCode.DUPLICATE, f"细则编码 {item.code} 重复。", f"{field}.code")
        seen.add(item.code)
        if not item.name.strip() or len(item.name.strip()) > 120:
            raise Refusal(RefusalCode.INVALID_INPUT, "请填写评分内容（不超过120个字符）。",
                          f"{field}.name")  # fmt: skip
        if not 1 <= item.max_score <= 100:
            raise Refusal(RefusalCode.INVALID_INPUT, "满分须在1至100之间。", f"{field}.maxScore")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, PropertyCriterion, year)
        scored = await session.scalar(
            select(func.count(PropertyScore.id))
            .join(PropertyCriterion, PropertyScore.criterion_id == PropertyCriterion.id)
            .where(PropertyCriterion.year == year)
        )
        if scored:
            raise Refusal(RefusalCode.INVALID_STATE, f"{year}年度已有评分，评分细则不能再修改。",
                          "input.year")  # fmt: skip
        existing = {
            row.code: row
            for row in await session.scalars(
                select(PropertyCriterion).where(PropertyCriterion.year == year)
            )
        }
        await _upsert(session, ctx, PropertyCriterion, existing, [
            ({"year": year, "code": item.code},
             {"name": item.name.strip(), "scorer": item.scorer, "max_score": item.max_score,
              "sort_order": item.sort_order})
            for item in criteria
        ], key="code")  # fmt: skip
        return list(
            await session.scalars(
                select(PropertyCriterion)
                .where(PropertyCriterion.year == year)
                .order_by(PropertyCriterion.sort_order, PropertyCriterion.code)
            )
        )


async def set_tiers(ctx: HubContext, year: int, tiers: list[Tier]) -> list[Any]:
    """Set a year's award tiers (设定年度奖补档次) by name: new names added, given ones
    changed; tiers not named stay. Refused once the year is closed (results exist)."""
    _district(ctx)
    _year(year)
    if not 1 <= len(tiers) <= 20:
        raise Refusal(RefusalCode.INVALID_INPUT, "奖补档次须为1至20档。", "input.tiers")
    names: set[str] = set()
    for index, tier in enumerate(tiers):
        field = f"input.tiers.{index}"
        name = tier.name.strip()
        if not name or len(name) > 60:
            raise Refusal(RefusalCode.INVALID_INPUT, "请填写档次名称（不超过60个字符）。",
                          f"{field}.name")  # fmt: skip
        if name in names:
            raise Refusal(RefusalCode.DUPLICATE, f"档次名称 {name} 重复。", f"{field}.name")
        names.add(name)
        if not Decimal(0) <= tier.min_total <= Decimal(1000):
            raise Refusal(RefusalCode.INVALID_INPUT, "最低总分须在0至1000之间。",
                          f"{field}.minTotal")  # fmt: skip
        if tier.amount_yuan < 0:
            raise Refusal(RefusalCode.INVALID_INPUT, "奖补金额不能为负数。", f"{field}.amountYuan")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, PropertyAwardTier, year)
        closed = await session.scalar(
            select(func.count(PropertyYearResult.id)).where(PropertyYearResult.year == year)
        )
        if closed:
            raise Refusal(RefusalCode.INVALID_STATE, f"{year}年度已考评结束，奖补档次不能再修改。",
                          "input.year")  # fmt: skip
        existing = {
            row.name: row
            for row in await session.scalars(
                select(PropertyAwardTier).where(PropertyAwardTier.year == year)
            )
        }
        await _upsert(session, ctx, PropertyAwardTier, existing, [
            ({"year": year, "name": tier.name.strip()},
             {"min_total": tier.min_total, "amount_yuan": tier.amount_yuan,
              "passes": tier.passes})
            for tier in tiers
        ], key="name")  # fmt: skip
        return list(
            await session.scalars(
                select(PropertyAwardTier)
                .where(PropertyAwardTier.year == year)
                .order_by(PropertyAwardTier.min_total.desc())
            )
        )


def _record(
    session: AsyncSession, ctx: HubContext, entity: str, row_id: int, before: str | None,
    after: str, changes: dict[str, list[Any]],
) -> None:  # fmt: skip
    record(session, ctx.viewer, entity, row_id, before, after, changes=changes)


@dataclass(frozen=True)
class Founding:
    code: str | None
    name: str
    street_code: str | None
    founded_on: date
    meeting_frequency: MeetingFrequency
    description: str | None
    parties: list[tuple[PartyRef, int]]  # with its rotation order
    chair_term_months: int
    chair_terms: int


async def found_alliance(ctx: HubContext, founding: Founding, key: str | None) -> Alliance:
    """Found an alliance (成立党建联盟): the district, with its member parties (two or more,
    each once) and the chair rota: `chairTerms` turns of `chairTermMonths` from the founding
    day, the parties taking turns in rotation order."""
    _district(ctx)
    name = founding.name.strip()
    if not name or len(name) > 120:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "请填写联盟名称（不超过120个字符）。", "input.name"
        )
    code = (founding.code or "").strip() or None
    if code is not None and (len(code) > 32 or not CODE.match(code)):
        raise Refusal(RefusalCode.INVALID_INPUT, "联盟编码须为不超过32位的字母、数字、点、横线或下划线。",
                      "input.code")  # fmt: skip
    if len(founding.parties) < 2:
        raise Refusal(RefusalCode.INVALID_INPUT, "党建联盟至少须有两个成员单位。", "input.parties")
    keys = [(party.kind, party.code) for party, _order in founding.parties]
    if len(set(keys)) != len(keys):
        raise Refusal(RefusalCode.DUPLICATE, "成员单位重复。", "input.parties")
    if any(order < 1 for _party, order in founding.parties):
        raise Refusal(RefusalCode.INVALID_INPUT, "轮值顺序须为正整数。", "input.parties")
    if not 1 <= founding.chair_term_months <= 24 or not 1 <= founding.chair_terms <= 24:
        raise Refusal(RefusalCode.INVALID_INPUT, "任期月数和任期数须在1至24之间。",
                      "input.chairTerms")  # fmt: skip
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Alliance, "foundAlliance", key)
        if earlier is not None:
            return earlier
        street_id = None
        if founding.street_code:
            street = await session.scalar(select(Street).where(Street.code == founding.street_code))
            if street is None:
                raise Refusal(RefusalCode.NOT_FOUND, "未找到该街道。", "input.streetCode")
            if street.retired_on is not None:
                raise Refusal(RefusalCode.INVALID_STATE, "该街道已撤销。", "input.streetCode")
            street_id = street.id
        if code is None:
            count = await session.scalar(select(func.count(Alliance.id)))
            code = f"AL{int(count or 0) + 1:04d}"
            while await session.scalar(select(Alliance.id).where(Alliance.code == code)):
                count = int(count or 0) + 1
                code = f"AL{count + 1:04d}"
        elif await session.scalar(select(Alliance.id).where(Alliance.code == code)) is not None:
            raise Refusal(RefusalCode.DUPLICATE, f"联盟编码 {code} 已被使用。", "input.code")
        for party, _order in founding.parties:
            await _check_party_exists(ctx, session, party)
        alliance = Alliance(
            code=code, name=name, street_id=street_id, founded_on=founding.founded_on,
            meeting_frequency=founding.meeting_frequency,
            description=(founding.description or "").strip() or None,
        )  # fmt: skip
        session.add(alliance)
        await session.flush()
        record(session, ctx.viewer, "Alliance", alliance.id, None, "founded")
        members = []
        for party, order in founding.parties:
            row = AllianceParty(
                alliance_id=alliance.id, party_kind=party.kind, party_code=party.code,
                party_name=party.name if party.kind is PartyKind.ORGANISATION else None,
                rotation_order=order, joined_on=founding.founded_on,
            )  # fmt: skip
            session.add(row)
            members.append(row)
        await session.flush()
        for row in members:
            record(session, ctx.viewer, "AllianceParty", row.id, None, "active", "发起成立")
        rota = sorted(members, key=lambda p: (p.rotation_order, p.id))
        begin = founding.founded_on
        for turn in range(founding.chair_terms):
            end = _add_months(begin, founding.chair_term_months) - timedelta(days=1)
            term = AllianceChairTerm(alliance_id=alliance.id,
                                     membership_id=rota[turn % len(rota)].id,
                                     starts_on=begin, ends_on=end)  # fmt: skip
            session.add(term)
            await session.flush()
            record(session, ctx.viewer, "AllianceChairTerm", term.id, None, "scheduled")
            begin = end + timedelta(days=1)
        remember(session, ctx.viewer, "foundAlliance", key, alliance.id)
    return alliance
