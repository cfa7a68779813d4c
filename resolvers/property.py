"""Red property (红色物业): contracts, commitments, ratings, scores, the yearly result and
four-party linkage meetings (四方联动).

- A compound has at most one active contract (a partial unique index backs the rule); the
  compound's `property_company_id` follows the active contract, so "三无" compounds are
  the ones without one (and without owner unit and security).
- Contracts end by their dates: one past its end date reads EXPIRED (computed at read,
  `effective_contract_state`) and never blocks signing a successor (signing stores the
  lapse). Until a successor is signed the company keeps serving (Civil Code art. 948:
  service continued after the term keeps the contract's terms), so the compound keeps its
  company; a renewal (续约) moves the end date.
- Red-property status is earned when all three criteria hold (Party branch or sector
  committee, commitments signed for the year, the latest closed year's evaluation passed)
  and lost (revoked) when a certified company stops meeting one. Every change is history.
- A household rates its compound once per period; the community and the compound branch
  score against the year's criteria (data); the district closes the year: totals, ranks,
  award tiers and amounts (data).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from datasources.community import standing
from datasources.community.models import (
    Compound,
    CompoundKind,
    PropertyCompany,
    RedPropertyStatus,
)
from datasources.community.partner_models import (
    ActionItemStatus,
    CommitteeKind,
    CompoundCommittee,
    ContractState,
    ContractStatus,
    Criteria,
    LinkageActionItem,
    LinkageMeeting,
    LinkageParty,
    PropertyAwardFund,
    PropertyAwardTier,
    PropertyCommitment,
    PropertyContract,
    PropertyCriterion,
    PropertyRating,
    PropertyScore,
    PropertyScorer,
    PropertyYearResult,
    criteria_from,
    effective_contract_state,
    status_by_criteria,
)
from datasources.community.policy import grid_compounds
from datasources.community.standing import DEFAULT_COVERAGE_PERCENT, aggregate
from datasources.scope import BRANCH_SECRETARIES, GRID_ROLES, Role, Viewer
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    manages_community,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

CONTRACT = "PropertyContract"
COMPANY = "PropertyCompany"
ACTION_ITEM = "LinkageActionItem"
SCORE = "PropertyScore"
MEETING = "LinkageMeeting"
RESIDENT_POINTS = Decimal(20)  # the residents' part of the yearly total: stars / 5 x 20
STATUS_NAMES = {
    RedPropertyStatus.NONE: "未创建",
    RedPropertyStatus.CANDIDATE: "创建中",
    RedPropertyStatus.CERTIFIED: "红色物业",
    RedPropertyStatus.REVOKED: "已撤销",
}
CONTRACT_STATE_NAMES = {
    ContractState.ACTIVE: "履约中",
    ContractState.EXPIRED: "已到期",
    ContractState.ENDED: "已终止",
}
_CENT = Decimal("0.01")


async def _compound(session: AsyncSession, code: str, field: str = "input.compoundCode") -> Any:
    found = await session.scalar(select(Compound).where(Compound.code == code))
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该小区。", field)
    return found


async def _company(
    session: AsyncSession, code: str, field: str = "input.companyCode"
) -> PropertyCompany:
    found = await session.scalar(select(PropertyCompany).where(PropertyCompany.code == code))
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该物业企业。", field)
    return found


async def _require_manager(ctx: HubContext, session: AsyncSession, compound: Any) -> None:
    """The compound's community, or a grid secretary for the compounds of his grid (and the
    grids below) or his own compound: the mapping the read rules use."""
    code = await community_code_of(session, compound.community_id)
    if not manages_community(ctx.viewer, code):
        raise PermissionError("only the compound's community manages it")
    if ctx.viewer.role in GRID_ROLES:
        mine = await session.scalar(
            select(Compound.id).where(
                Compound.id == compound.id, Compound.id.in_(grid_compounds(ctx.viewer))
            )
        )
        if mine is None:
            raise PermissionError("a grid secretary manages only the compounds of his grid")


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- criteria and status -----------------------------------------------------------------


async def criteria_of(session: AsyncSession, company: Any) -> Criteria:
    """The state of the three criteria, read in one session (`criteria_from` decides)."""
    latest = await session.scalar(
        select(PropertyYearResult)
        .where(PropertyYearResult.company_id == company.id, PropertyYearResult.conclusive)
        .order_by(PropertyYearResult.year.desc())
        .limit(1)
    )
    years = await session.scalars(
        select(PropertyCommitment.year).where(PropertyCommitment.company_id == company.id)
    )
    return criteria_from(
        has_party_branch=company.has_party_branch,
        covered_by_sector_committee=company.covered_by_sector_committee,
        commitment_years=list(years),
        latest_year=latest.year if latest is not None else None,
        latest_passed=bool(latest is not None and latest.passed),
        this_year=today_in_china().year,
    )


async def reassess(session: AsyncSession, viewer: Viewer, company: Any, note: str | None) -> None:
    """Earn or lose red-property status by the criteria; record a change as history."""
    before = company.red_property_status
    after = status_by_criteria(await criteria_of(session, company), before)
    if after is not before:
        company.red_property_status = after
        record(session, viewer, COMPANY, company.id, before.value, after.value, note)


# --- contracts -----------------------------------------------------------------------------


async def sign_contract(
    ctx: HubContext, *, compound_code: str, company_code: str, starts_on: date, ends_on: date,
    key: str | None,
) -> PropertyContract:  # fmt: skip
    """Sign a service contract (签订物业服务合同): the compound's community."""
    viewer = ctx.viewer
    if viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community signs property contracts")
    if ends_on < starts_on:
        raise Refusal(RefusalCode.INVALID_INPUT, "合同结束日期不能早于开始日期。", "input.endsOn")
    async with ctx.sources.community.transaction() as session:
        compound = await _compound(session, compound_code)
        await _require_manager(ctx, session, compound)
        await write_lock(session, Compound, compound.id)
        earlier = await replayed(ctx, session, PropertyContract, "signPropertyContract", key)
        if earlier is not None:
            return earlier
        company = await _company(session, company_code)
        await session.get(Compound, compound.id, with_for_update=True)
        active = await session.scalar(
            select(PropertyContract).where(
                PropertyContract.compound_id == compound.id,
                PropertyContract.status == ContractStatus.ACTIVE,
            )
        )
        today = today_in_china()
        if active is not None and active.ends_on >= today:
            raise Refusal(
                RefusalCode.DUPLICATE,
                "该小区已有履约中的物业服务合同，请先终止原合同。",
                "input.compoundCode",
            )
        if active is not None:  # it lapsed: it never blocks a successor, and stays EXPIRED
            await lapse(session, viewer, active)
        contract = PropertyContract(
            compound_id=compound.id, company_id=company.id, starts_on=starts_on,
            ends_on=ends_on, status=ContractStatus.ACTIVE,
        )  # fmt: skip
        session.add(contract)
        compound.property_company_id = company.id
        if compound.kind is CompoundKind.THREE_NO:  # it has property service now (有物业小区)
            compound.kind = CompoundKind.COMMERCIAL
            record(session, viewer, "Compound", compound.id, CompoundKind.THREE_NO.value,
                   CompoundKind.COMMERCIAL.value, "签订物业服务合同")  # fmt: skip
        await session.flush()
        record(session, viewer, CONTRACT, contract.id, None, ContractStatus.ACTIVE.value)
        remember(session, viewer, "signPropertyContract", key, contract.id)
    return contract


async def end_contract(
    ctx: HubContext, contract_id: int, ended_on: date | None, reason: str | None
) -> PropertyContract:
    """End a contract (终止物业服务合同): the compound's community. The row stays."""
    async with ctx.sources.community.transaction() as session:
        # The compound first, as `sign_contract` locks it: the two never wait for each other.
        compound_id = await session.scalar(
            select(PropertyContract.compound_id).where(PropertyContract.id == contract_id)
        )
        if compound_id is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该物业服务合同。", "input.contractId")
        await write_lock(session, Compound, compound_id)
        compound = await session.get(Compound, compound_id, with_for_update=True)
        contract = await session.get(PropertyContract, contract_id, with_for_update=True)
        if contract is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该物业服务合同。", "input.contractId")
        await _require_manager(ctx, session, compound)
        today = today_in_china()
        state = state_of(contract, today)
        if state is not ContractState.ACTIVE:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该合同当前为「{CONTRACT_STATE_NAMES[state]}」，不能终止。",
                "input.contractId",
            )
        ended_on = ended_on or today
        if ended_on < contract.starts_on or ended_on > contract.ends_on:
            raise Refusal(RefusalCode.INVALID_INPUT, "终止日期须在合同期限内。", "input.endedOn")
        contract.status = ContractStatus.ENDED
        contract.ended_on = ended_on
        if compound is not None and compound.property_company_id == contract.company_id:
            compound.property_company_id = None
            await _unserved(session, ctx.viewer, compound)
        after = state_of(contract, today)
        record(session, ctx.viewer, CONTRACT, contract.id, state.value, after.value,
               reason)  # fmt: skip
    return contract


async def renew_contract(
    ctx: HubContext, contract_id: int, ends_on: date, reason: str | None
) -> PropertyContract:
    """Renew a contract to a later end date (续约): the compound's community. An active
    contract, or one that lapsed and was not replaced (the company kept serving), may be
    renewed; the new end date lies after the old one and not before today."""
    async with ctx.sources.community.transaction() as session:
        compound_id = await session.scalar(
            select(PropertyContract.compound_id).where(PropertyContract.id == contract_id)
        )
        if compound_id is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该物业服务合同。", "input.contractId")
        await write_lock(session, Compound, compound_id)
        compound = await session.get(Compound, compound_id, with_for_update=True)
        contract = await session.get(PropertyContract, contract_id, with_for_update=True)
        if contract is None or compound is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该物业服务合同。", "input.contractId")
        await _require_manager(ctx, session, compound)
        today = today_in_china()
        before = state_of(contract, today)
        if contract.status is not ContractStatus.ACTIVE:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该合同当前为「{CONTRACT_STATE_NAMES[before]}」且已由新合同接续或已终止，不能续约。",
                "input.contractId",
            )
        if ends_on <= contract.ends_on or ends_on < today:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                "续约后的结束日期须晚于原结束日期，且不早于今天。",
                "input.endsOn",
            )
        contract.ends_on = ends_on
        compound.property_company_id = contract.company_id
        note = f"续约至{ends_on.isoformat()}" + (
            f"：{reason.strip()}" if reason and reason.strip() else ""
        )
        record(session, ctx.viewer, CONTRACT, contract.id, before.value,
               ContractState.ACTIVE.value, note)  # fmt: skip
    return contract


def state_of(contract: PropertyContract, today: date) -> ContractState:
    return effective_contract_state(contract.status, contract.ends_on, contract.ended_on, today)


async def lapse(session: AsyncSession, viewer: Viewer, contract: PropertyContract) -> None:
    """Store that a contract past its end date is over (a successor is being signed): it
    leaves the one-active-per-compound index and still reads EXPIRED (ended on its end
    date, so it ran its whole term)."""
    contract.status = ContractStatus.ENDED
    contract.ended_on = contract.ends_on
    note = f"合同已于{contract.ends_on.isoformat()}到期，签订新合同"
    record(session, viewer, CONTRACT, contract.id, ContractState.ACTIVE.value,
           ContractState.EXPIRED.value, note)  # fmt: skip


async def _unserved(session: AsyncSession, viewer: Viewer, compound: Compound) -> None:
    """A compound left without property service, with no owners' committee in office and no
    owner unit, is a 三无小区 again (as migration 0011 derives kinds)."""
    if compound.kind is not CompoundKind.COMMERCIAL or compound.has_owner_unit:
        return
    today = today_in_china()
    committee = await session.scalar(
        select(CompoundCommittee.id).where(
            CompoundCommittee.compound_id == compound.id,
            CompoundCommittee.kind == CommitteeKind.OWNERS,
            or_(
                CompoundCommittee.term_starts_on.is_(None),
                CompoundCommittee.term_starts_on <= today,
            ),
            or_(CompoundCommittee.term_ends_on.is_(None), CompoundCommittee.term_ends_on >= today),
        )
    )
    if committee is None:
        compound.kind = CompoundKind.THREE_NO
        record(session, viewer, "Compound", compound.id, CompoundKind.COMMERCIAL.value,
               CompoundKind.THREE_NO.value, "物业服务合同终止")  # fmt: skip


# --- criteria: Party organisation and commitments ----------------------------------------


async def set_party_coverage(
    ctx: HubContext, company_code: str, has_party_branch: bool, covered_by_sector: bool
) -> PropertyCompany:
    """Record the company's Party organisation (党组织覆盖): the district."""
    if ctx.viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district records Party coverage of companies")
    async with ctx.sources.community.transaction() as session:
        company = await _company(session, company_code)
        await write_lock(session, PropertyCompany, company.id)
        company.has_party_branch = has_party_branch
        company.covered_by_sector_committee = covered_by_sector
        await session.flush()
        await reassess(session, ctx.viewer, company, "党组织覆盖情况变更")
    return company


async def sign_commitments(
    ctx: HubContext, *, company_code: str, community_code: str, year: int, text: str
) -> PropertyCompany:
    """Sign a community's red-property commitments (签订承诺书): the company itself, for a
    community where it serves a compound under an active contract."""
    viewer = ctx.viewer
    if viewer.role is not Role.PROPERTY_COMPANY or viewer.company != company_code:
        raise PermissionError("only the company itself signs its commitments")
    if not text.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写承诺内容。", "input.commitments")
    async with ctx.sources.community.transaction() as session:
        company = await _company(session, company_code)
        await write_lock(session, PropertyCompany, company.id)
        community_id = await community_id_of(session, community_code)
        serves = await session.scalar(
            select(func.count(PropertyContract.id))
            .join(Compound, Compound.id == PropertyContract.compound_id)
            .where(  # an expired contract not yet replaced counts: the company still serves
                PropertyContract.company_id == company.id,
                PropertyContract.status == ContractStatus.ACTIVE,
                Compound.community_id == community_id,
            )
        )
        if not serves:
            raise Refusal(
                RefusalCode.NOT_IN_SERVICE, "该企业未在本社区提供物业服务。", "input.communityCode"
            )
        done = await session.scalar(
            select(PropertyCommitment.id).where(
                PropertyCommitment.company_id == company.id,
                PropertyCommitment.community_id == community_id,
                PropertyCommitment.year == year,
            )
        )
        if done is not None:
            raise Refusal(RefusalCode.DUPLICATE, f"已签订本社区{year}年度承诺书。", "input.year")
        session.add(
            PropertyCommitment(
                company_id=company.id, community_id=community_id, year=year,
                signed_on=today_in_china(), commitments=text.strip(),
            )
        )  # fmt: skip
        await session.flush()
        await reassess(session, viewer, company, f"签订{community_code}社区{year}年度承诺书")
    return company


# --- ratings and scores --------------------------------------------------------------------


async def rate(
    ctx: HubContext, *, compound_code: str, period: str, stars: int, comment: str | None
) -> PropertyRating:
    """A resident rates his compound's property service (居民评价), once per household and
    period."""
    viewer = ctx.viewer
    if viewer.role is not Role.RESIDENT or viewer.household is None:
        raise PermissionError("only a resident household rates property service")
    if not 1 <= stars <= 5:
        raise Refusal(RefusalCode.INVALID_INPUT, "评分须为1至5星。", "input.stars")
    if not period.strip() or len(period) > 16:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "请填写评价期（如2026或2026-Q4）。", "input.period"
        )
    async with ctx.sources.community.transaction() as session:
        compound = await _compound(session, compound_code)
        if await community_code_of(session, compound.community_id) != viewer.community:
            raise PermissionError("a resident rates only compounds of his community")
        await write_lock(session, Compound, compound.id)
        await session.get(Compound, compound.id, with_for_update=True)
        if compound.property_company_id is None:
            raise Refusal(
                RefusalCode.INVALID_STATE, "该小区当前无物业服务，不能评价。", "input.compoundCode"
            )
        twice = await session.scalar(
            select(PropertyRating.id).where(
                PropertyRating.compound_id == compound.id,
                PropertyRating.household == viewer.household,
                PropertyRating.period == period,
            )
        )
        if twice is not None:
            raise Refusal(
                RefusalCode.DUPLICATE, f"本户已评价过{period}的物业服务。", "input.period"
            )
        rating = PropertyRating(
            compound_id=compound.id, company_id=compound.property_company_id,
            household=viewer.household, period=period.strip(), stars=stars, comment=comment,
        )  # fmt: skip
        session.add(rating)
        await session.flush()
    return rating


async def score(
    ctx: HubContext, *, compound_code: str, year: int, criterion_code: str, points: Decimal,
    comment: str | None, revise_reason: str | None = None,
) -> PropertyScore:  # fmt: skip
    """Score the company serving a compound against a criterion (评分): the community for
    community criteria, the compound's branch secretary for branch criteria. With
    `revise_reason`, a revision (更正) by the same scorer while the year is open: a new row
    superseding the current score, which stays as history; nothing is updated."""
    viewer = ctx.viewer
    if revise_reason is not None and not revise_reason.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写更正原因。", "input.reason")
    if viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community and the compound branch score")
    async with ctx.sources.community.transaction() as session:
        compound = await _compound(session, compound_code)
        await _require_manager(ctx, session, compound)
        criterion = await session.scalar(
            select(PropertyCriterion).where(
                PropertyCriterion.year == year, PropertyCriterion.code == criterion_code
            )
        )
        if criterion is None:
            raise Refusal(RefusalCode.NOT_FOUND, f"未找到{year}年度评分细则：{criterion_code}。",
                          "input.criterionCode")  # fmt: skip
        scorer = Role.COMMUNITY if criterion.scorer is PropertyScorer.COMMUNITY else None
        if scorer is Role.COMMUNITY and viewer.role is not Role.COMMUNITY:
            raise PermissionError("community criteria are scored by the community")
        if criterion.scorer is PropertyScorer.BRANCH and (
            viewer.role not in BRANCH_SECRETARIES
            or (viewer.compound is not None and viewer.compound != compound_code)
        ):
            raise PermissionError("branch criteria are scored by the compound branch")
        if not 0 <= points <= criterion.max_score:
            raise Refusal(RefusalCode.INVALID_INPUT, f"得分须在0至{criterion.max_score}之间。",
                          "input.score")  # fmt: skip
        # The year is not closed meanwhile: `close_year` takes this lock exclusively.
        await write_lock(session, PropertyYearResult, year, shared=True)
        await write_lock(session, Compound, compound.id)
        await session.get(Compound, compound.id, with_for_update=True)
        if compound.property_company_id is None:
            raise Refusal(
                RefusalCode.INVALID_STATE, "该小区当前无物业服务，不能评分。", "input.compoundCode"
            )
        closed = await session.scalar(
            select(PropertyYearResult.id).where(PropertyYearResult.year == year).limit(1)
        )
        if closed is not None:
            raise Refusal(
                RefusalCode.INVALID_STATE, f"{year}年度考评已完成，不能再评分。", "input.year"
            )
        current = await session.scalar(
            select(PropertyScore)
            .where(
                PropertyScore.compound_id == compound.id,
                PropertyScore.company_id == compound.property_company_id,
                PropertyScore.criterion_id == criterion.id,
            )
            .order_by(PropertyScore.revision.desc())
            .limit(1)
        )
        if revise_reason is None and current is not None:
            raise Refusal(
                RefusalCode.DUPLICATE, "该项已评分，如需修改请提交更正。", "input.criterionCode"
            )
        if revise_reason is not None and current is None:
            raise Refusal(RefusalCode.NOT_FOUND, "该项尚未评分，无可更正。", "input.criterionCode")
        row = PropertyScore(
            compound_id=compound.id, company_id=compound.property_company_id,
            criterion_id=criterion.id, score=points, comment=comment, scored_by=viewer.subject,
            revision=1 if current is None else current.revision + 1,
            supersedes_id=None if current is None else current.id, reason=revise_reason,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        if current is None:
            record(session, viewer, SCORE, row.id, None, "current")
        else:
            note = f"更正为{points}分：{revise_reason}"
            record(session, viewer, SCORE, current.id, "current", "superseded", note)
            record(session, viewer, SCORE, row.id, None, "current", note)
    return row


async def close_year(ctx: HubContext, year: int) -> list[PropertyYearResult]:
    """Close a year's evaluation (年度考评): each company's total over all the compounds it
    served and that were scored, its coverage, rank and tier; then reassess statuses."""
    viewer = ctx.viewer
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district closes the year's evaluation")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, PropertyYearResult, year)  # no score of the year meanwhile
        closed = await session.scalar(
            select(PropertyYearResult.id).where(PropertyYearResult.year == year).limit(1)
        )
        if closed is not None:
            raise Refusal(
                RefusalCode.INVALID_STATE, f"{year}年度考评已完成，不能重复。", "input.year"
            )
        tiers = await _tiers(session, year)
        if not tiers:
            raise Refusal(RefusalCode.NOT_FOUND, f"未设置{year}年度奖补档次。", "input.year")
        per_compound = await compound_totals(session, year)
        if not per_compound:
            raise Refusal(RefusalCode.INVALID_STATE, f"{year}年度尚无评价或评分。", "input.year")
        fund = await session.scalar(select(PropertyAwardFund).where(PropertyAwardFund.year == year))
        threshold = fund.min_coverage_percent if fund is not None else DEFAULT_COVERAGE_PERCENT
        served = await compounds_served(session, year)
        standings = aggregate(per_compound, served, threshold)
        companies = {
            c.id: c
            for c in await session.scalars(
                select(PropertyCompany).where(PropertyCompany.id.in_(list(standings)))
            )
        }
        ranked = sorted(standings, key=lambda cid: (-standings[cid].total, companies[cid].code))
        results: list[PropertyYearResult] = []
        for rank, company_id in enumerate(ranked, start=1):
            standing = standings[company_id]
            tier = next((t for t in tiers if standing.total >= t.min_total), None)
            result = PropertyYearResult(
                company_id=company_id, year=year, resident_score=standing.resident,
                community_score=standing.community, branch_score=standing.branch,
                total=standing.total, rank=rank,
                passed=bool(standing.conclusive and tier is not None and tier.passes),
                tier_name=tier.name if tier is not None else None, amount_yuan=Decimal(0),
                compounds_served=standing.served, compounds_scored=standing.scored,
                conclusive=standing.conclusive,
            )  # fmt: skip
            session.add(result)
            results.append(result)
        await session.flush()
        for company_id in ranked:
            await reassess(session, viewer, companies[company_id], f"{year}年度考评")
    return results


async def _tiers(session: AsyncSession, year: int) -> list[PropertyAwardTier]:
    return list(
        await session.scalars(
            select(PropertyAwardTier)
            .where(PropertyAwardTier.year == year)
            .order_by(PropertyAwardTier.min_total.desc())
        )
    )


async def compound_totals(
    session: AsyncSession, year: int
) -> dict[tuple[int, int], standing.CompoundTotal]:
    """Per (compound, company) rated or scored in `year`: the residents' part and the
    current score per criterion (superseded scores do not count); two statements."""
    later = aliased(PropertyScore)
    superseded = select(later.id).where(later.supersedes_id == PropertyScore.id).exists()
    scored = await session.execute(
        select(
            PropertyScore.compound_id, PropertyScore.company_id, PropertyCriterion.id,
            PropertyCriterion.scorer, func.sum(PropertyScore.score),
        )
        .join(PropertyCriterion, PropertyCriterion.id == PropertyScore.criterion_id)
        .where(PropertyCriterion.year == year, ~superseded)
        .group_by(PropertyScore.compound_id, PropertyScore.company_id, PropertyCriterion.id,
                  PropertyCriterion.scorer)
    )  # fmt: skip
    criteria: dict[tuple[int, int], dict[int, tuple[PropertyScorer, Decimal]]] = {}
    for compound_id, company_id, criterion_id, scorer, value in scored.all():
        criteria.setdefault((compound_id, company_id), {})[criterion_id] = (
            scorer, Decimal(str(value))
        )  # fmt: skip
    stars = await session.execute(
        select(PropertyRating.compound_id, PropertyRating.company_id, func.avg(PropertyRating.stars))
        .where(PropertyRating.period.startswith(str(year)))
        .group_by(PropertyRating.compound_id, PropertyRating.company_id)
    )  # fmt: skip
    resident = {(cid, co): Decimal(str(avg)) / 5 * RESIDENT_POINTS for cid, co, avg in stars.all()}
    return {
        key: standing.CompoundTotal(
            company_id=key[1], resident=resident.get(key), criteria=criteria.get(key, {})
        )
        for key in set(criteria) | set(resident)
    }


async def compounds_served(session: AsyncSession, year: int) -> dict[int, set[int]]:
    """Per company, the compounds it served in `year`: a contract that began by the year's
    end and was not over before it began (one stored active still serves: holdover)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    rows = await session.execute(
        select(PropertyContract.company_id, PropertyContract.compound_id).where(
            PropertyContract.starts_on <= last,
            (PropertyContract.status == ContractStatus.ACTIVE) | (PropertyContract.ended_on >= first),
        )
    )  # fmt: skip
    served: dict[int, set[int]] = {}
    for company_id, compound_id in rows.all():
        served.setdefault(company_id, set()).add(compound_id)
    return served


# --- linkage action items (联动会议事项; meetings: resolvers/linkage.py) ------------------------------------------------------------


async def complete_action_item(ctx: HubContext, item_id: int, note: str) -> LinkageActionItem:
    """Mark an action item done (事项办结): the community, its grid secretary, or the
    company serving the compound for items the property company owns."""
    viewer = ctx.viewer
    if not note.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写办结情况。", "input.note")
    async with ctx.sources.community.transaction() as session:
        item = await session.get(LinkageActionItem, item_id, with_for_update=True)
        if item is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该事项。", "input.actionItemId")
        meeting = await session.get(LinkageMeeting, item.meeting_id)
        compound = await session.get(Compound, meeting.compound_id if meeting else -1)
        if compound is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该事项。", "input.actionItemId")
        if viewer.role is Role.PROPERTY_COMPANY:
            company_id = await session.scalar(
                select(PropertyCompany.id).where(PropertyCompany.code == viewer.company)
            )
            if item.owner_party is not LinkageParty.PROPERTY_COMPANY or (
                company_id is None or compound.property_company_id != company_id
            ):
                raise PermissionError("the company closes only its own items")
        else:
            await _require_manager(ctx, session, compound)
        if item.status is ActionItemStatus.DONE:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                "该事项当前为「已办结」，不能再次办结。",
                "input.actionItemId",
            )
        item.status = ActionItemStatus.DONE
        item.done_on = today_in_china()
        item.done_note = note.strip()
        record(session, viewer, ACTION_ITEM, item.id, ActionItemStatus.OPEN.value,
               ActionItemStatus.DONE.value, item.done_note)  # fmt: skip
    return item
