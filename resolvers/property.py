"""Red property (红色物业): contracts, commitments, ratings, scores, the yearly result and
four-party linkage meetings (四方联动).

- A compound has at most one active contract (a partial unique index backs the rule); the
  compound's `property_company_id` follows the active contract, so "三无" compounds are
  the ones without one (and without owner unit and security).
- Red-property status is earned when all three criteria hold (Party branch or sector
  committee, commitments signed for the year, the latest closed year's evaluation passed)
  and lost (revoked) when a certified company stops meeting one. Every change is history.
- A household rates its compound once per period; the community and the compound branch
  score against the year's criteria (data); the district closes the year: totals, ranks,
  award tiers and amounts (data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from datasources.community.models import (
    Compound,
    PropertyCompany,
    RedPropertyStatus,
)
from datasources.community.partner_models import (
    ActionItemStatus,
    ContractStatus,
    Criteria,
    LinkageActionItem,
    LinkageMeeting,
    LinkageParty,
    PropertyAwardTier,
    PropertyCommitment,
    PropertyContract,
    PropertyCriterion,
    PropertyRating,
    PropertyScore,
    PropertyScorer,
    PropertyYearResult,
    criteria_from,
    status_by_criteria,
)
from datasources.community.policy import grid_compounds
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
        .where(PropertyYearResult.company_id == company.id)
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
        if active is not None:
            raise Refusal(
                RefusalCode.DUPLICATE,
                "该小区已有履约中的物业服务合同，请先终止原合同。",
                "input.compoundCode",
            )
        contract = PropertyContract(
            compound_id=compound.id, company_id=company.id, starts_on=starts_on,
            ends_on=ends_on, status=ContractStatus.ACTIVE,
        )  # fmt: skip
        session.add(contract)
        compound.property_company_id = company.id
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
        if contract.status is not ContractStatus.ACTIVE:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                "该合同当前为「已终止」，不能再次终止。",
                "input.contractId",
            )
        contract.status = ContractStatus.ENDED
        contract.ended_on = ended_on or today_in_china()
        if compound is not None and compound.property_company_id == contract.company_id:
            compound.property_company_id = None
        record(session, ctx.viewer, CONTRACT, contract.id, ContractStatus.ACTIVE.value,
               ContractStatus.ENDED.value, reason)  # fmt: skip
    return contract


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
            .where(
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
    """Close a year's evaluation (年度考评): totals, ranks, tiers; then reassess statuses."""
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
        tiers = list(
            await session.scalars(
                select(PropertyAwardTier)
                .where(PropertyAwardTier.year == year)
                .order_by(PropertyAwardTier.min_total.desc())
            )
        )
        if not tiers:
            raise Refusal(RefusalCode.NOT_FOUND, f"未设置{year}年度奖补档次。", "input.year")
        totals = await _totals(session, year)
        if not totals:
            raise Refusal(RefusalCode.INVALID_STATE, f"{year}年度尚无评价或评分。", "input.year")
        companies = {
            c.id: c
            for c in await session.scalars(
                select(PropertyCompany).where(PropertyCompany.id.in_(list(totals)))
            )
        }
        ranked = sorted(totals, key=lambda cid: (-totals[cid][3], companies[cid].code))
        results: list[PropertyYearResult] = []
        for rank, company_id in enumerate(ranked, start=1):
            resident, community, branch, total = totals[company_id]
            tier = next((t for t in tiers if total >= t.min_total), None)
            result = PropertyYearResult(
                company_id=company_id, year=year, resident_score=resident,
                community_score=community, branch_score=branch, total=total, rank=rank,
                passed=bool(tier is not None and tier.passes),
                tier_name=tier.name if tier is not None else None,
                amount_yuan=tier.amount_yuan if tier is not None else Decimal(0),
            )  # fmt: skip
            session.add(result)
            results.append(result)
        await session.flush()
        for company_id in ranked:
            await reassess(session, viewer, companies[company_id], f"{year}年度考评")
    return results


async def _totals(
    session: AsyncSession, year: int
) -> dict[int, tuple[Decimal, Decimal, Decimal, Decimal]]:
    """Per company: residents' part, community part, branch part, total (two statements)."""
    prefix = str(year)
    stars = await session.execute(
        select(PropertyRating.company_id, func.avg(PropertyRating.stars))
        .where(PropertyRating.period.startswith(prefix))
        .group_by(PropertyRating.company_id)
    )
    resident = {cid: Decimal(str(avg)) / 5 * RESIDENT_POINTS for cid, avg in stars.all()}
    # Each criterion: the average over the company's scored compounds, then summed by scorer.
    # Only current scores count: one that a revision supersedes does not.
    later = aliased(PropertyScore)
    superseded = select(later.id).where(later.supersedes_id == PropertyScore.id).exists()
    per_criterion = await session.execute(
        select(PropertyScore.company_id, PropertyCriterion.scorer, func.avg(PropertyScore.score))
        .join(PropertyCriterion, PropertyCriterion.id == PropertyScore.criterion_id)
        .where(PropertyCriterion.year == year, ~superseded)
        .group_by(PropertyScore.company_id, PropertyCriterion.id, PropertyCriterion.scorer)
    )
    parts: dict[int, dict[PropertyScorer, Decimal]] = {}
    for cid, scorer, avg in per_criterion.all():
        by = parts.setdefault(cid, {})
        by[scorer] = by.get(scorer, Decimal(0)) + Decimal(str(avg))
    totals = {}
    for cid in set(resident) | set(parts):
        r = _q(resident.get(cid, Decimal(0)))
        c = _q(parts.get(cid, {}).get(PropertyScorer.COMMUNITY, Decimal(0)))
        b = _q(parts.get(cid, {}).get(PropertyScorer.BRANCH, Decimal(0)))
        totals[cid] = (r, c, b, r + c + b)
    return totals


# --- four-party linkage (四方联动) ------------------------------------------------------------


@dataclass(frozen=True)
class ActionItemDraft:
    description: str
    owner_party: LinkageParty
    owner_name: str
    due_on: date


async def hold_linkage_meeting(
    ctx: HubContext, *, compound_code: str, held_on: date, agenda: str,
    attendees: list[tuple[LinkageParty, str]], decisions: str | None,
    items: list[ActionItemDraft], key: str | None,
) -> LinkageMeeting:  # fmt: skip
    """Record a four-party linkage meeting (四方联动会议): the community or its grid
    secretary, with agenda, attendees, decisions and action items."""
    viewer = ctx.viewer
    if viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community records linkage meetings")
    if not agenda.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写会议议题。", "input.agenda")
    if not attendees:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写参会人员。", "input.attendees")
    if {party for party, _ in attendees} != set(LinkageParty):
        raise Refusal(RefusalCode.INVALID_INPUT, "四方联动会议须有社区、小区党支部、业委会和物业企业参加。",
                      "input.attendees")  # fmt: skip
    for index, item in enumerate(items):
        if not item.description.strip() or not item.owner_name.strip():
            raise Refusal(
                RefusalCode.INVALID_INPUT, "请填写事项内容和责任人。", f"input.actionItems.{index}"
            )
    async with ctx.sources.community.transaction() as session:
        compound = await _compound(session, compound_code)
        await _require_manager(ctx, session, compound)
        earlier = await replayed(ctx, session, LinkageMeeting, "holdLinkageMeeting", key)
        if earlier is not None:
            return earlier
        meeting = LinkageMeeting(
            compound_id=compound.id, held_on=held_on, agenda=agenda.strip(),
            attendees=[{"party": party.value, "name": name} for party, name in attendees],
            decisions=decisions,
        )  # fmt: skip
        session.add(meeting)
        await session.flush()
        record(session, viewer, MEETING, meeting.id, None, "held")
        for item in items:
            row = LinkageActionItem(
                meeting_id=meeting.id, description=item.description.strip(),
                owner_party=item.owner_party, owner_name=item.owner_name.strip(),
                due_on=item.due_on, status=ActionItemStatus.OPEN,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            record(session, viewer, ACTION_ITEM, row.id, None, ActionItemStatus.OPEN.value)
        remember(session, viewer, "holdLinkageMeeting", key, meeting.id)
    return meeting


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
