"""Red-property awards (红色物业奖励) go to compounds, from the year's fund.

Qianjiang sets aside a fund each year (每年拿出150万元专项经费) and rewards the compounds
where red property works well. The district sets the year's fund (its total and the
coverage a company's result needs to decide its standing) and awards compounds by tier
once the year is closed: the compound's own total must reach the tier, a compound is
awarded once a year, and the awards never add up to more than the fund (OVER_BUDGET).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community.models import Compound
from datasources.community.partner_models import (
    PropertyAwardFund,
    PropertyAwardTier,
    PropertyCompoundAward,
    PropertyYearResult,
)
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.property import compound_totals
from resolvers.workflow import Refusal, RefusalCode, record, write_lock

FUND = "PropertyAwardFund"
AWARD = "PropertyCompoundAward"


def _district_only(ctx: HubContext) -> None:
    if ctx.viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district sets award funds and awards compounds")


async def set_fund(
    ctx: HubContext, year: int, total_yuan: Decimal, min_coverage_percent: int
) -> PropertyAwardFund:
    """Set (or change) the year's award fund (设立年度奖励经费): the district. A total below
    what is already awarded is refused (OVER_BUDGET)."""
    _district_only(ctx)
    if total_yuan < 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "奖励经费不能为负数。", "input.totalYuan")
    if not 0 <= min_coverage_percent <= 100:
        raise Refusal(RefusalCode.INVALID_INPUT, "覆盖率须在0至100之间。",
                      "input.minCoveragePercent")  # fmt: skip
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, PropertyAwardFund, year)
        fund = await session.scalar(
            select(PropertyAwardFund).where(PropertyAwardFund.year == year).with_for_update()
        )
        if fund is None:
            fund = PropertyAwardFund(
                year=year, total_yuan=total_yuan, min_coverage_percent=min_coverage_percent,
                set_by=ctx.viewer.subject,
            )  # fmt: skip
            session.add(fund)
            await session.flush()
            record(session, ctx.viewer, FUND, fund.id, None, "set", f"{total_yuan}元")
            return fund
        awarded = await _awarded(session, fund.id)
        if total_yuan < awarded:
            raise Refusal(RefusalCode.OVER_BUDGET,
                          f"{year}年度已奖励{awarded}元，经费总额不能低于已奖励金额。",
                          "input.totalYuan")  # fmt: skip
        before = fund.total_yuan
        fund.total_yuan = total_yuan
        fund.min_coverage_percent = min_coverage_percent
        fund.set_by = ctx.viewer.subject
        record(session, ctx.viewer, FUND, fund.id, "set", "set", f"{before}元调整为{total_yuan}元")
    return fund


async def _awarded(session: AsyncSession, fund_id: int) -> Decimal:
    total = await session.scalar(
        select(func.coalesce(func.sum(PropertyCompoundAward.amount_yuan), 0)).where(
            PropertyCompoundAward.fund_id == fund_id
        )
    )
    return Decimal(str(total))


async def award_compound(
    ctx: HubContext, year: int, compound_code: str, tier_name: str
) -> PropertyCompoundAward:
    """Award a compound from the year's fund by tier (小区奖励): the district, after the
    year is closed; the compound's total reaches the tier; once per compound and year;
    never beyond the fund."""
    _district_only(ctx)
    async with ctx.sources.community.transaction() as session:
        fund = await session.scalar(select(PropertyAwardFund).where(PropertyAwardFund.year == year))
        if fund is None:
            raise Refusal(RefusalCode.NOT_FOUND, f"未设立{year}年度奖励经费。", "input.year")
        await write_lock(session, PropertyAwardFund, year)  # the awards of a fund, one at a time
        fund = await session.get(PropertyAwardFund, fund.id, with_for_update=True)
        assert fund is not None
        compound = await session.scalar(select(Compound).where(Compound.code == compound_code))
        if compound is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该小区。", "input.compoundCode")
        tier = await session.scalar(
            select(PropertyAwardTier).where(
                PropertyAwardTier.year == year, PropertyAwardTier.name == tier_name
            )
        )
        if tier is None:
            raise Refusal(RefusalCode.NOT_FOUND, f"未找到{year}年度奖补档次：{tier_name}。",
                          "input.tierName")  # fmt: skip
        closed = await session.scalar(
            select(PropertyYearResult.id).where(PropertyYearResult.year == year).limit(1)
        )
        if closed is None:
            raise Refusal(RefusalCode.INVALID_STATE, f"{year}年度考评尚未完成，不能奖励。",
                          "input.year")  # fmt: skip
        twice = await session.scalar(
            select(PropertyCompoundAward.id).where(
                PropertyCompoundAward.fund_id == fund.id,
                PropertyCompoundAward.compound_id == compound.id,
            )
        )
        if twice is not None:
            raise Refusal(
                RefusalCode.DUPLICATE, f"该小区已获{year}年度奖励。", "input.compoundCode"
            )
        scored = [
            t for (cid, _), t in (await compound_totals(session, year)).items()
            if cid == compound.id and t.criteria
        ]  # fmt: skip
        total = max(scored, key=lambda t: t.total) if scored else None
        if total is None or total.total < tier.min_total:
            got = "未评分" if total is None else f"得分{total.total}"
            raise Refusal(RefusalCode.INVALID_STATE,
                          f"该小区{year}年度{got}，未达到「{tier.name}」（{tier.min_total}分）。",
                          "input.tierName")  # fmt: skip
        awarded = await _awarded(session, fund.id)
        if awarded + tier.amount_yuan > fund.total_yuan:
            raise Refusal(RefusalCode.OVER_BUDGET,
                          f"{year}年度奖励经费剩余{fund.total_yuan - awarded}元，不足{tier.amount_yuan}元。",
                          "input.tierName")  # fmt: skip
        award = PropertyCompoundAward(
            fund_id=fund.id, compound_id=compound.id, company_id=total.company_id,
            tier_name=tier.name, amount_yuan=tier.amount_yuan, compound_total=total.total,
            awarded_by=ctx.viewer.subject,
        )  # fmt: skip
        session.add(award)
        await session.flush()
        record(session, ctx.viewer, AWARD, award.id, None, "awarded",
               f"{tier.name} {tier.amount_yuan}元")  # fmt: skip
    return award
