"""Red property (红色物业) as a working feature: contracts, the status and its criteria,
residents' ratings, community and branch scores, the yearly ranking with awards, and
four-party linkage meetings (四方联动) with action items tracked to done."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

import strawberry
from strawberry import relay

from datasources.community import partner_models as pm
from resolvers import linkage
from resolvers import property as rules
from resolvers import property_awards as awards
from resolvers.workflow import today_in_china
from schema.base import HubNode, Info, loaded_by
from schema.bounds import CODE_LENGTH, YEAR, between, text
from schema.enums import LinkageForm, RedPropertyStatus
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import (
    Change,
    UserError,
    mutate,
    mutate_node,
    node_id_of,
    not_found,
    refused,
)

if TYPE_CHECKING:
    from datasources.community.partner_loaders import PartnerLoaders
    from schema.groups import BuildingGroup
    from schema.linkage import CompoundCommittee
    from schema.partners import PropertyCompany
    from schema.places import Compound, Grid

_PARTNERS = "schema.partners"
_LINKAGE = "schema.linkage"
_GROUPS = "schema.groups"
_PLACES = "schema.places"
T = TypeVar("T")

strawberry.enum(
    pm.ContractState,
    name="ContractStatus",
    description="State of a property service contract as of today (合同状态): ACTIVE 履约中, "
    "EXPIRED 已到期 (its end date has passed; it never blocks a new contract), ENDED 已终止 "
    "(terminated before its end date).",
)
strawberry.enum(
    pm.PropertyScorer,
    description="Who scores a criterion (评分主体): COMMUNITY 社区, BRANCH 小区党支部.",
)
strawberry.enum(
    pm.LinkageParty,
    description="A party at a linkage meeting (联动方); which ones follow the meeting's form "
    "(LinkageForm): COMMUNITY 社区居委会, GRID_BRANCH 网格党支部, OWNERS_COMMITTEE 业委会, "
    "PROPERTY_COMPANY 物业企业, COMPOUND_BRANCH 小区党支部, SELF_BUILT_UNIT 自建单位, "
    "SELF_MANAGEMENT_COMMITTEE 自管委, PARTY_GROUP 党小组, IN_SERVICE_MEMBERS 在职党员代表, "
    "RESIDENTS 居民代表.",
)
strawberry.enum(
    pm.ActionItemStatus, description="State of an action item (事项状态): OPEN 待办, DONE 已办结."
)

ContractStatus: TypeAlias = pm.ContractState
PropertyScorer: TypeAlias = pm.PropertyScorer
LinkageParty: TypeAlias = pm.LinkageParty
ActionItemStatus: TypeAlias = pm.ActionItemStatus


def _partners(info: Info) -> PartnerLoaders:
    return info.context.community.partners


async def _company(info: Info, company_id: int) -> Any:
    from schema.partners import PropertyCompany

    row = await info.context.community.property_company_by_id.load(company_id)
    return PropertyCompany.from_optional_row(row)


async def _compound(info: Info, compound_id: int) -> Any:
    from schema.places import Compound

    return Compound.from_optional_row(await info.context.community.compound_by_id.load(compound_id))


@strawberry.type(
    description="A property service contract (物业服务合同): a company serves a compound for a "
    "period; at most one active contract per compound."
)
class PropertyContract(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.contract_by_id)

    id: relay.NodeID[int]
    starts_on: date = strawberry.field(description="Start of service (开始日期).")
    ends_on: date = strawberry.field(description="End of the contract period (结束日期).")
    ended_on: date | None = strawberry.field(
        description="When it was ended (终止日期), if so: early, or on its end date when a "
        "successor replaced it after it lapsed."
    )
    compound_id: strawberry.Private[int]
    company_id: strawberry.Private[int]
    stored_status: strawberry.Private[pm.ContractStatus]

    @classmethod
    def from_row(cls, row: Any) -> PropertyContract:
        return cls(id=row.id, starts_on=row.starts_on, ends_on=row.ends_on,
                   ended_on=row.ended_on, compound_id=row.compound_id,
                   company_id=row.company_id, stored_status=row.status)  # fmt: skip

    @strawberry.field(
        description="Its state as of today, China time (合同状态): EXPIRED once its end date "
        "has passed, whatever was stored."
    )
    def status(self) -> ContractStatus:
        return pm.effective_contract_state(
            self.stored_status, self.ends_on, self.ended_on, today_in_china()
        )

    @strawberry.field(description="The compound served (服务小区).")
    async def compound(self, info: Info) -> Annotated[Compound, strawberry.lazy(_PLACES)] | None:
        found: Compound | None = await _compound(info, self.compound_id)
        return found

    @strawberry.field(description="The company serving it (物业企业).")
    async def company(
        self, info: Info
    ) -> Annotated[PropertyCompany, strawberry.lazy(_PARTNERS)] | None:
        found: PropertyCompany | None = await _company(info, self.company_id)
        return found

    @strawberry.field(description="Every state change, oldest first (合同记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.CONTRACT, self.id)


@strawberry.type(
    description="The red-property criteria of a company and their state (红色物业创建标准): "
    "status is earned when all three are met and lost when one no longer is."
)
class RedPropertyCriteria:
    status: RedPropertyStatus = strawberry.field(description="Current status (红色物业状态).")
    has_party_branch: bool = strawberry.field(description="Has its own Party branch (党支部).")
    covered_by_sector_committee: bool = strawberry.field(
        description="Covered by the property-sector Party committee (行业党委覆盖)."
    )
    party_organisation: bool = strawberry.field(
        description="Criterion 1 met: a branch or sector-committee coverage (党组织覆盖)."
    )
    commitment_years: list[int] = strawberry.field(
        description="Years it signed a community's commitments (签订承诺书年度)."
    )
    commitments_signed: bool = strawberry.field(
        description="Criterion 2 met: commitments signed for the evaluated year or later "
        "(签订承诺书)."
    )
    evaluation_year: int | None = strawberry.field(
        description="The latest closed evaluation year (最近考评年度), null if none."
    )
    evaluation_passed: bool = strawberry.field(
        description="Criterion 3 met: passed that year's evaluation (考评合格)."
    )
    met: bool = strawberry.field(description="All three criteria met (全部达标).")


async def criteria_of(info: Info, company: Any) -> RedPropertyCriteria:
    """A company's criteria, from batched facts (two statements for a page of companies)."""
    facts = await _partners(info).facts_of_company.load(company.id)
    state = pm.criteria_from(
        has_party_branch=company.has_party_branch,
        covered_by_sector_committee=company.covered_by_sector_committee,
        commitment_years=facts.commitment_years, latest_year=facts.latest_year,
        latest_passed=facts.latest_passed, this_year=today_in_china().year,
    )  # fmt: skip
    return RedPropertyCriteria(
        status=company.red_property_status, has_party_branch=company.has_party_branch,
        covered_by_sector_committee=company.covered_by_sector_committee,
        party_organisation=state.party_organisation,
        commitment_years=list(facts.commitment_years),
        commitments_signed=state.commitments_signed, evaluation_year=state.evaluation_year,
        evaluation_passed=state.evaluation_passed, met=state.met,
    )  # fmt: skip


@strawberry.type(
    description="A company's yearly result (年度考评结果) over all the compounds it serves: "
    "residents', community and branch scores (each the mean over its scored compounds), "
    "total, rank, the tier its total reaches, and its coverage."
)
class PropertyYearResult:
    year: int = strawberry.field(description="Evaluation year (考评年度).")
    rank: int = strawberry.field(description="Rank among the companies evaluated (排名), 1 best.")
    resident_score: Decimal = strawberry.field(
        description="Residents' part: average stars / 5 x 20 (居民评价得分)."
    )
    community_score: Decimal = strawberry.field(
        description="Community criteria, averaged over compounds (社区评分)."
    )
    branch_score: Decimal = strawberry.field(
        description="Compound branch criteria, averaged over compounds (党支部评分)."
    )
    total: Decimal = strawberry.field(description="Total score (总分).")
    passed: bool = strawberry.field(description="Passed the evaluation (考评合格).")
    tier_name: str | None = strawberry.field(
        description="Award or subsidy tier reached (奖补档次), null if none."
    )
    amount_yuan: Decimal = strawberry.field(
        description="What the company itself was granted (奖补金额), in yuan: years closed "
        "before awards went to compounds; 0 since (see `propertyAwardFund`)."
    )
    compounds_served: int = strawberry.field(
        description="Compounds it served that year (服务小区数), under a contract in force "
        "at some time of the year (or kept serving after one lapsed)."
    )
    compounds_scored: int = strawberry.field(
        description="Of those, compounds scored that year (已评分小区数); the scores are the "
        "mean over them."
    )
    conclusive: bool = strawberry.field(
        description="Enough of its compounds were scored (the fund's minimum coverage) for "
        "the result to decide its red-property status (结果有效); otherwise the last "
        "conclusive year does."
    )
    company_id: strawberry.Private[int]

    @strawberry.field(
        description="Compounds scored / compounds served, in percent (覆盖率), 2 decimals."
    )
    def coverage_percent(self) -> Decimal:
        if self.compounds_served == 0:
            return Decimal("100.00")
        share = Decimal(self.compounds_scored * 100) / Decimal(self.compounds_served)
        return share.quantize(Decimal("0.01"))

    @strawberry.field(description="The company (物业企业).")
    async def company(
        self, info: Info
    ) -> Annotated[PropertyCompany, strawberry.lazy(_PARTNERS)] | None:
        found: PropertyCompany | None = await _company(info, self.company_id)
        return found


def _result(row: Any) -> PropertyYearResult:
    return PropertyYearResult(
        year=row.year, rank=row.rank, resident_score=row.resident_score,
        community_score=row.community_score, branch_score=row.branch_score, total=row.total,
        passed=row.passed, tier_name=row.tier_name, amount_yuan=row.amount_yuan,
        compounds_served=row.compounds_served, compounds_scored=row.compounds_scored,
        conclusive=row.conclusive, company_id=row.company_id,
    )  # fmt: skip


@strawberry.type(description="A scoring criterion of a year (评分细则), as data.")
class PropertyCriterion:
    code: str = strawberry.field(description="Criterion code (细则编码).")
    name: str = strawberry.field(description="What is scored (评分内容).")
    scorer: PropertyScorer = strawberry.field(description="Who scores it (评分主体).")
    max_score: int = strawberry.field(description="Highest score (满分).")


@strawberry.type(description="An award or subsidy tier of a year (奖补档次), as data.")
class PropertyAwardTier:
    name: str = strawberry.field(description="Tier name (档次名称).")
    min_total: Decimal = strawberry.field(description="Lowest total that reaches it (最低总分).")
    amount_yuan: Decimal = strawberry.field(description="Amount in yuan (奖补金额).")
    passes: bool = strawberry.field(description="Reaching it passes the evaluation (视为合格).")


@strawberry.type(description="A household's rating of its compound's property service (居民评价).")
class PropertyRating:
    period: str = strawberry.field(description="Rating period (评价期), e.g. 2026 or 2026-Q4.")
    stars: int = strawberry.field(description="1 to 5 stars (星级).")
    comment: str | None = strawberry.field(description="Comment (评价意见).")
    household: str = strawberry.field(description="The household that rated (户).")
    compound_id: strawberry.Private[int]

    @strawberry.field(description="The compound rated (小区).")
    async def compound(self, info: Info) -> Annotated[Compound, strawberry.lazy(_PLACES)] | None:
        found: Compound | None = await _compound(info, self.compound_id)
        return found


@strawberry.type(
    description="A score against one criterion (评分记录); a revision (更正) supersedes the "
    "earlier score, which is kept."
)
class PropertyScore:
    criterion_code: str = strawberry.field(description="The criterion (细则编码).")
    score: Decimal = strawberry.field(description="Score given (得分).")
    comment: str | None = strawberry.field(description="Remark (评分说明).")
    revision: int = strawberry.field(
        default=1, description="1 for the first score, then one more per revision (更正次序)."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why it was revised (更正原因); null for a first score."
    )
    score_id: strawberry.Private[int] = 0

    @strawberry.field(description="Scored and superseded, oldest first (评分记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.SCORE, self.score_id)


def _score(criterion_code: str, row: Any) -> PropertyScore:
    return PropertyScore(
        criterion_code=criterion_code, score=row.score, comment=row.comment,
        revision=row.revision, reason=row.reason, score_id=row.id,
    )  # fmt: skip


@strawberry.type(
    description="Someone at a linkage meeting for a party (参会人员), with the party itself."
)
class LinkageAttendee:
    party: LinkageParty = strawberry.field(description="Which party (所属方).")
    name: str = strawberry.field(description="Name or office (姓名/职务).")
    unit_code: str | None = strawberry.field(
        description="The self-built unit's code (自建单位编码), for SELF_BUILT_UNIT."
    )
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> LinkageAttendee:
        return cls(party=row.party, name=row.name, unit_code=row.unit_code, row=row)

    @strawberry.field(
        description="Refers to the party's record (已关联); false only on parties carried over "
        "from the old labels that could not be mapped (迁移未能关联)."
    )
    def referenced(self) -> bool:
        r = self.row
        if self.party in _UNREFERENCED:
            return True
        return any(
            v is not None
            for v in (r.community_id, r.grid_id, r.committee_id, r.building_group_id,
                      r.company_id, r.unit_code)
        )  # fmt: skip

    @strawberry.field(description="The committee (业委会/自管委) for committee parties.")
    async def committee(
        self, info: Info
    ) -> Annotated[CompoundCommittee, strawberry.lazy(_LINKAGE)] | None:
        from schema.linkage import committee_by_id

        found: CompoundCommittee | None = await committee_by_id(info, self.row.committee_id)
        return found

    @strawberry.field(description="The property company (物业企业) for PROPERTY_COMPANY.")
    async def property_company(
        self, info: Info
    ) -> Annotated[PropertyCompany, strawberry.lazy(_PARTNERS)] | None:
        if self.row.company_id is None:
            return None
        found: PropertyCompany | None = await _company(info, self.row.company_id)
        return found

    @strawberry.field(description="The building group (楼栋党小组) for PARTY_GROUP.")
    async def building_group(
        self, info: Info
    ) -> Annotated[BuildingGroup, strawberry.lazy(_GROUPS)] | None:
        if self.row.building_group_id is None:
            return None
        from schema.groups import BuildingGroup

        row = await info.context.community.evaluations_groups.group_by_id.load(
            self.row.building_group_id
        )
        return BuildingGroup.from_optional_row(row)

    @strawberry.field(description="The grid (网格) whose branch attended, for GRID_BRANCH.")
    async def grid(self, info: Info) -> Annotated[Grid, strawberry.lazy(_PLACES)] | None:
        if self.row.grid_id is None:
            return None
        from schema.places import Grid

        return Grid.from_optional_row(
            await info.context.community.grid_by_id.load(self.row.grid_id)
        )


# Parties without a record of their own: the compound's own branch, representatives.
_UNREFERENCED = frozenset(
    {pm.LinkageParty.COMPOUND_BRANCH, pm.LinkageParty.IN_SERVICE_MEMBERS, pm.LinkageParty.RESIDENTS}
)


@strawberry.type(
    description="An action item of a linkage meeting (会议事项): owner, due date, tracked to done."
)
class LinkageActionItem(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.action_item_by_id)

    id: relay.NodeID[int]
    description: str = strawberry.field(description="What is to be done (事项内容).")
    owner_party: LinkageParty = strawberry.field(description="The party responsible (责任方).")
    owner_name: str = strawberry.field(description="The person responsible (责任人).")
    due_on: date = strawberry.field(description="Due date (完成时限).")
    status: ActionItemStatus = strawberry.field(description="Its state (事项状态).")
    done_on: date | None = strawberry.field(description="When it was done (办结日期).")
    done_note: str | None = strawberry.field(description="How it was done (办结情况).")
    meeting_id: strawberry.Private[int]

    @strawberry.field(description="Open and past its due date, China time (逾期).")
    def overdue(self) -> bool:
        return self.status is pm.ActionItemStatus.OPEN and self.due_on < today_in_china()

    @strawberry.field(description="Every state change, oldest first (事项记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.ACTION_ITEM, self.id)


@strawberry.type(
    description="A linkage meeting (联动会议) of a compound, in a form of the compound's kind "
    "(LinkageForm): 四方联动, 单位自建小区四方联动, 三无小区三方联动 or 四方议事会."
)
class LinkageMeeting(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.linkage_meeting_by_id)

    id: relay.NodeID[int]
    form: LinkageForm = strawberry.field(description="Its form (联动形式).")
    held_on: date = strawberry.field(description="Date held (会议日期).")
    agenda: str = strawberry.field(description="Agenda (议题).")
    decisions: str | None = strawberry.field(description="Decisions taken (会议决定).")
    compound_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> LinkageMeeting:
        return cls(id=row.id, form=row.form, held_on=row.held_on, agenda=row.agenda,
                   decisions=row.decisions, compound_id=row.compound_id)  # fmt: skip

    @strawberry.field(description="Who attended, by party, as recorded (参会人员).")
    async def attendees(self, info: Info) -> list[LinkageAttendee]:
        rows = await _partners(info).parties_of_meeting.load(self.id)
        return [LinkageAttendee.from_row(row) for row in rows]

    @strawberry.field(description="The compound (小区).")
    async def compound(self, info: Info) -> Annotated[Compound, strawberry.lazy(_PLACES)] | None:
        found: Compound | None = await _compound(info, self.compound_id)
        return found

    @strawberry.field(description="Action items (会议事项), by due date.")
    async def action_items(self, info: Info) -> list[LinkageActionItem]:
        rows = await _partners(info).action_items_of_meeting.load(self.id)
        return [LinkageActionItem.from_row(row) for row in rows]

    @strawberry.field(description="Every state change, oldest first (会议记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.MEETING, self.id)


@strawberry.type(
    description="An award to a compound from the year's fund (小区奖励), by tier: for the red "
    "property of the company scored there."
)
class PropertyCompoundAward(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.award_by_id)

    id: relay.NodeID[int]
    tier_name: str = strawberry.field(description="Tier awarded (奖励档次).")
    amount_yuan: Decimal = strawberry.field(description="Amount in yuan (奖励金额).")
    compound_total: Decimal = strawberry.field(
        description="The compound's total that year, which reached the tier (小区得分)."
    )
    compound_id: strawberry.Private[int]
    company_id: strawberry.Private[int]

    @strawberry.field(description="The compound awarded (获奖小区).")
    async def compound(self, info: Info) -> Annotated[Compound, strawberry.lazy(_PLACES)] | None:
        found: Compound | None = await _compound(info, self.compound_id)
        return found

    @strawberry.field(description="The company scored there (物业企业).")
    async def company(
        self, info: Info
    ) -> Annotated[PropertyCompany, strawberry.lazy(_PARTNERS)] | None:
        found: PropertyCompany | None = await _company(info, self.company_id)
        return found

    @strawberry.field(description="Every state change, oldest first (奖励记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, awards.AWARD, self.id)


@strawberry.type(
    description="The year's red-property award fund (红色物业奖励专项经费), set by the district; "
    "awards go to compounds from it and never add up to more than its total."
)
class PropertyAwardFund:
    year: int = strawberry.field(description="Year (年度).")
    total_yuan: Decimal = strawberry.field(description="Total of the fund in yuan (经费总额).")
    min_coverage_percent: int = strawberry.field(
        description="Share of its served compounds that must be scored for a company's result "
        "to decide its status (最低覆盖率), percent."
    )
    fund_id: strawberry.Private[int]

    @strawberry.field(description="Awarded so far, in all (已奖励金额).")
    async def awarded_yuan(self, info: Info) -> Decimal:
        return await _partners(info).awarded_of_fund.load(self.fund_id)

    @strawberry.field(description="What is left to award (剩余金额).")
    async def remaining_yuan(self, info: Info) -> Decimal:
        return self.total_yuan - await _partners(info).awarded_of_fund.load(self.fund_id)

    @strawberry.field(
        description="The awards the viewer may read (奖励名单), largest first: the district "
        "all, a community those to its compounds, a company those for its own service."
    )
    async def awards(self, info: Info) -> list[PropertyCompoundAward]:
        rows = await _partners(info).awards_of_fund.load(self.fund_id)
        return [PropertyCompoundAward.from_row(row) for row in rows]


def _fund(row: Any) -> PropertyAwardFund:
    return PropertyAwardFund(year=row.year, total_yuan=row.total_yuan,
                             min_coverage_percent=row.min_coverage_percent, fund_id=row.id)  # fmt: skip


def _optional_id(global_id: relay.GlobalID | None, type_name: str) -> int | None:
    return None if global_id is None else node_id_of(global_id, type_name)


# --- fields other types delegate to ----------------------------------------------------------


def _in_states(rows: list[Any], statuses: list[pm.ContractState] | None) -> list[PropertyContract]:
    """Contracts whose state as of today is one of `statuses` (all if None): the state
    follows the dates, so the filter runs on it, not on the stored status."""
    contracts = [PropertyContract.from_row(row) for row in rows]
    if statuses is None:
        return contracts
    return [c for c in contracts if c.status() in statuses]


async def contracts_of_compound(
    info: Info, compound_id: int, statuses: list[pm.ContractState] | None = None
) -> list[PropertyContract]:
    rows = await _partners(info).contracts_of_compound.load(compound_id)
    return _in_states(rows, statuses)


async def contracts_of_company(
    info: Info, company_id: int, statuses: list[pm.ContractState] | None = None
) -> list[PropertyContract]:
    rows = await _partners(info).contracts_of_company.load(company_id)
    return _in_states(rows, statuses)


async def results_of_company(info: Info, company_id: int) -> list[PropertyYearResult]:
    return [_result(row) for row in await _partners(info).results_of_company.load(company_id)]


async def meetings_of_compound(info: Info, compound_id: int) -> list[LinkageMeeting]:
    rows = await _partners(info).linkage_meetings_of_compound.load(compound_id)
    return [LinkageMeeting.from_row(row) for row in rows]


@strawberry.type(description="Root fields of red property (红色物业).")
class PropertyQuery:
    @strawberry.field(
        description="The yearly ranking of property companies (物业企业年度排名), best first, "
        "with who qualifies for a subsidy or award (奖补); empty before the year is closed."
    )
    async def property_ranking(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(metadata=YEAR, description="Year (年度).")],
    ) -> list[PropertyYearResult]:
        return [_result(row) for row in await _partners(info).results_of_year.load(year)]

    @strawberry.field(
        description="The year's award fund (年度奖励经费) with its awards to compounds; null "
        "if the district set none."
    )
    async def property_award_fund(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(metadata=YEAR, description="Year (年度).")],
    ) -> PropertyAwardFund | None:
        row = await _partners(info).fund_of_year.load(year)
        return None if row is None else _fund(row)

    @strawberry.field(description="The scoring criteria of a year (评分细则), as data.")
    async def property_criteria(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(metadata=YEAR, description="Year (年度).")],
    ) -> list[PropertyCriterion]:
        rows = await _partners(info).criteria_of_year.load(year)
        return [
            PropertyCriterion(code=r.code, name=r.name, scorer=r.scorer, max_score=r.max_score)
            for r in rows
        ]

    @strawberry.field(description="The award and subsidy tiers of a year (奖补档次), as data.")
    async def property_award_tiers(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(metadata=YEAR, description="Year (年度).")],
    ) -> list[PropertyAwardTier]:
        rows = await _partners(info).tiers_of_year.load(year)
        return [
            PropertyAwardTier(
                name=r.name, min_total=r.min_total, amount_yuan=r.amount_yuan, passes=r.passes
            )
            for r in rows
        ]


# --- mutations -------------------------------------------------------------------------------


@strawberry.input(description="Sign a property service contract for a compound (签订物业合同).")
class SignPropertyContractInput:
    compound_code: str = strawberry.field(description="The compound (小区编码).")
    company_code: str = strawberry.field(description="The company (企业编码).")
    starts_on: date = strawberry.field(description="Start of service (开始日期).")
    ends_on: date = strawberry.field(description="End of the period (结束日期).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="End an active property service contract (终止物业合同).")
class EndPropertyContractInput:
    contract_id: relay.GlobalID = strawberry.field(description="The contract (合同ID).")
    ended_on: date | None = strawberry.field(default=None, description="End date; today if none.")
    reason: str | None = strawberry.field(default=None, description="Why (终止原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Renew a property service contract to a later end date (续约).")
class RenewPropertyContractInput:
    contract_id: relay.GlobalID = strawberry.field(description="The contract (合同ID).")
    ends_on: date = strawberry.field(
        description="The new end date (续约后结束日期): after the old one, not before today."
    )
    reason: str | None = strawberry.field(default=None, description="Why (续约说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Record a company's Party organisation (党组织覆盖).")
class SetPropertyPartyCoverageInput:
    company_code: str = strawberry.field(description="The company (企业编码).")
    has_party_branch: bool = strawberry.field(description="Has its own Party branch (党支部).")
    covered_by_sector_committee: bool = strawberry.field(
        description="Covered by the property-sector Party committee (行业党委覆盖)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Sign a community's red-property commitments (签订承诺书).")
class SignPropertyCommitmentsInput:
    company_code: str = strawberry.field(description="The company itself (企业编码).")
    community_code: str = strawberry.field(description="The community (社区编码).")
    year: int = strawberry.field(
        metadata=YEAR,
        description="Year the commitments are for (年度).",
    )
    commitments: str = strawberry.field(description="What the company commits to (承诺内容).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Rate the compound's property service (居民评价物业).")
class RatePropertyServiceInput:
    compound_code: str = strawberry.field(description="The resident's compound (小区编码).")
    period: str = strawberry.field(description="Rating period (评价期), e.g. 2026 or 2026-Q4.")
    stars: int = strawberry.field(metadata=between(1, 5), description="1 to 5 stars (星级).")
    comment: str | None = strawberry.field(default=None, description="Comment (评价意见).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Score the company serving a compound on a criterion (评分).")
class ScorePropertyServiceInput:
    compound_code: str = strawberry.field(description="The compound (小区编码).")
    year: int = strawberry.field(metadata=YEAR, description="Evaluation year (考评年度).")
    criterion_code: str = strawberry.field(description="The criterion (细则编码).")
    score: Decimal = strawberry.field(
        metadata=between(0, 1000), description="Score, 0 to the criterion's maximum (得分)."
    )
    comment: str | None = strawberry.field(default=None, description="Remark (评分说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Revise a score while the year is open (更正评分).")
class RevisePropertyScoreInput:
    compound_code: str = strawberry.field(description="The compound (小区编码).")
    year: int = strawberry.field(metadata=YEAR, description="Evaluation year (考评年度).")
    criterion_code: str = strawberry.field(description="The criterion (细则编码).")
    score: Decimal = strawberry.field(
        metadata=between(0, 1000), description="New score, 0 to the maximum (得分)."
    )
    reason: str = strawberry.field(description="Why it is revised (更正原因).")
    comment: str | None = strawberry.field(default=None, description="Remark (评分说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Close a year's property evaluation (年度考评).")
class ClosePropertyYearInput:
    year: int = strawberry.field(metadata=YEAR, description="Evaluation year (考评年度).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Set the year's red-property award fund (设立年度奖励经费).")
class SetPropertyAwardFundInput:
    year: int = strawberry.field(metadata=YEAR, description="Year (年度).")
    total_yuan: Decimal = strawberry.field(
        metadata=between(0, 100_000_000), description="Total in yuan (经费总额), e.g. 1500000."
    )
    min_coverage_percent: int = strawberry.field(
        default=50, metadata=between(0, 100),
        description="Share of its served compounds that must be scored for a company's "
        "result to decide its status (最低覆盖率), percent.",
    )  # fmt: skip
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Award a compound from the year's fund by tier (小区奖励).")
class AwardPropertyCompoundInput:
    year: int = strawberry.field(metadata=YEAR, description="Year (年度).")
    compound_code: str = strawberry.field(description="The compound (小区编码).")
    tier_name: str = strawberry.field(description="The tier (奖补档次名称); its amount is paid.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(
    description="An attendee of a linkage meeting (参会人员). The party is the compound's own "
    "(its community, grid, committee in office, serving company, self-built unit, a building "
    "group covering it); a reference given must be that party's."
)
class LinkageAttendeeInput:
    party: LinkageParty = strawberry.field(description="Which party (所属方).")
    name: str = strawberry.field(description="Name or office (姓名/职务).")
    committee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The committee (业委会/自管委), for committee parties."
    )
    building_group_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The building group (党小组), for PARTY_GROUP; default: the first covering "
        "the compound.",
    )
    company_code: str | None = strawberry.field(
        default=None, metadata=text(CODE_LENGTH), description="The company (物业企业编码)."
    )
    unit_code: str | None = strawberry.field(
        default=None, metadata=text(CODE_LENGTH), description="The self-built unit (自建单位编码)."
    )


@strawberry.input(description="An action item decided at a linkage meeting (会议事项).")
class LinkageActionItemInput:
    description: str = strawberry.field(description="What is to be done (事项内容).")
    owner_party: LinkageParty = strawberry.field(description="The party responsible (责任方).")
    owner_name: str = strawberry.field(description="The person responsible (责任人).")
    due_on: date = strawberry.field(description="Due date (完成时限).")


@strawberry.input(description="Record a linkage meeting (联动会议) of a compound.")
class HoldLinkageMeetingInput:
    compound_code: str = strawberry.field(description="The compound (小区编码).")
    form: LinkageForm | None = strawberry.field(
        default=None,
        description="Its form (联动形式); default: the first form of the compound's kind.",
    )
    held_on: date = strawberry.field(description="Date held (会议日期).")
    agenda: str = strawberry.field(description="Agenda (议题).")
    attendees: list[LinkageAttendeeInput] = strawberry.field(
        description="Attendees; every party the form requires, none it does not have (参会人员)."
    )
    decisions: str | None = strawberry.field(default=None, description="Decisions (会议决定).")
    action_items: list[LinkageActionItemInput] = strawberry.field(
        default_factory=list, description="Action items with owners and due dates (会议事项)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Mark a linkage action item done (事项办结).")
class CompleteLinkageActionItemInput:
    action_item_id: relay.GlobalID = strawberry.field(description="The item (事项ID).")
    note: str = strawberry.field(description="How it was done (办结情况), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


def _payload_errors() -> Any:
    return strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )


@strawberry.type(description="Result of a contract mutation (物业合同操作结果).")
class PropertyContractPayload:
    contract: PropertyContract | None = strawberry.field(
        description="The contract; null if refused."
    )
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a red-property criteria mutation (红色物业操作结果).")
class PropertyCompanyPayload:
    company: Annotated[PropertyCompany, strawberry.lazy(_PARTNERS)] | None = strawberry.field(
        description="The company, with its status; null if refused."
    )
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a rating (居民评价结果).")
class PropertyRatingPayload:
    rating: PropertyRating | None = strawberry.field(description="The rating; null if refused.")
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a score (评分结果).")
class PropertyScorePayload:
    score: PropertyScore | None = strawberry.field(description="The score; null if refused.")
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of closing a year (年度考评结果).")
class ClosePropertyYearPayload:
    ranking: list[PropertyYearResult] | None = strawberry.field(
        description="The ranking, best first; null if refused."
    )
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of setting a fund (奖励经费操作结果).")
class PropertyAwardFundPayload:
    fund: PropertyAwardFund | None = strawberry.field(description="The fund; null if refused.")
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of awarding a compound (小区奖励结果).")
class PropertyCompoundAwardPayload:
    award: PropertyCompoundAward | None = strawberry.field(
        description="The award; null if refused."
    )
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of recording a linkage meeting (四方联动会议结果).")
class LinkageMeetingPayload:
    meeting: LinkageMeeting | None = strawberry.field(description="The meeting; null if refused.")
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of an action-item mutation (事项办结结果).")
class LinkageActionItemPayload:
    action_item: LinkageActionItem | None = strawberry.field(
        description="The item; null if refused."
    )
    user_errors: list[UserError] = _payload_errors()
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Mutations of red property (红色物业).")
class PropertyMutation:
    @strawberry.mutation(
        description="Sign a property service contract (签订物业合同): the compound's community. "
        "A compound has at most one active contract: a second is refused (DUPLICATE); one "
        "past its end date (EXPIRED) never blocks, it is stored as over."
    )
    async def sign_property_contract(
        self, info: Info,
        input: Annotated[SignPropertyContractInput, strawberry.argument(description="The contract.")],
    ) -> PropertyContractPayload:  # fmt: skip
        key = input.client_mutation_id
        action = rules.sign_contract(
            info.context, compound_code=input.compound_code, company_code=input.company_code,
            starts_on=input.starts_on, ends_on=input.ends_on, key=key,
        )  # fmt: skip
        change = Change(
            name="signPropertyContract",
            entity="PropertyContract",
            key=key,
            forbidden="只有小区所在社区可以签订物业合同。",
        )
        return await mutate(
            info,
            change,
            PropertyContractPayload,
            action,
            lambda row: PropertyContractPayload(contract=PropertyContract.from_row(row)),
        )

    @strawberry.mutation(
        description="End an active contract (终止物业合同): the compound's community; the "
        "compound is then without property service until a new contract."
    )
    async def end_property_contract(
        self, info: Info,
        input: Annotated[EndPropertyContractInput, strawberry.argument(description="The contract.")],
    ) -> PropertyContractPayload:  # fmt: skip
        key = input.client_mutation_id
        contract_id = node_id_of(input.contract_id, "PropertyContract")
        if contract_id is None:
            unknown = not_found("未找到该物业服务合同。", "input.contractId")
            return refused(PropertyContractPayload, unknown, key)
        action = rules.end_contract(info.context, contract_id, input.ended_on, input.reason)
        change = Change(
            name="endPropertyContract",
            entity="PropertyContract",
            key=key,
            targets=[str(contract_id)],
            forbidden="只有小区所在社区可以终止物业合同。",
        )
        return await mutate(
            info,
            change,
            PropertyContractPayload,
            action,
            lambda row: PropertyContractPayload(contract=PropertyContract.from_row(row)),
        )

    @strawberry.mutation(
        description="Renew a contract to a later end date (续约物业合同): the compound's "
        "community; an active contract, or one that expired and was not replaced "
        "(INVALID_STATE otherwise); the new end date lies after the old one and not before "
        "today (INVALID_INPUT)."
    )
    async def renew_property_contract(
        self, info: Info,
        input: Annotated[RenewPropertyContractInput, strawberry.argument(description="The renewal.")],
    ) -> PropertyContractPayload:  # fmt: skip
        change = Change(name="renewPropertyContract", entity="PropertyContract",
                        key=input.client_mutation_id,
                        forbidden="只有小区所在社区可以续约物业合同。")  # fmt: skip
        return await mutate_node(
            info, change, PropertyContractPayload, input.contract_id,
            lambda row_id: rules.renew_contract(info.context, row_id, input.ends_on, input.reason),
            lambda row: PropertyContractPayload(contract=PropertyContract.from_row(row)),
            unknown=not_found("未找到该物业服务合同。", "input.contractId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Record a company's Party organisation (党组织覆盖): the district. The "
        "red-property status is reassessed."
    )
    async def set_property_party_coverage(
        self, info: Info,
        input: Annotated[SetPropertyPartyCoverageInput, strawberry.argument(description="The facts.")],
    ) -> PropertyCompanyPayload:  # fmt: skip
        change = Change(name="setPropertyPartyCoverage", entity="PropertyCompany",
                        key=input.client_mutation_id,
                        forbidden="只有区委组织部可以登记物业企业党组织覆盖情况。")  # fmt: skip
        action = rules.set_party_coverage(info.context, input.company_code,
                                          input.has_party_branch,
                                          input.covered_by_sector_committee)  # fmt: skip
        return await mutate(info, change, PropertyCompanyPayload, action, _company_changed)

    @strawberry.mutation(
        description="Sign a community's red-property commitments for a year (签订承诺书): the "
        "company itself, where it serves a compound (NOT_IN_SERVICE otherwise); once per "
        "community and year (DUPLICATE)."
    )
    async def sign_property_commitments(
        self, info: Info,
        input: Annotated[SignPropertyCommitmentsInput, strawberry.argument(description="The commitments.")],
    ) -> PropertyCompanyPayload:  # fmt: skip
        change = Change(name="signPropertyCommitments", entity="PropertyCompany",
                        key=input.client_mutation_id,
                        forbidden="只有物业企业本身可以签订承诺书。")  # fmt: skip
        action = rules.sign_commitments(info.context, company_code=input.company_code,
                                        community_code=input.community_code, year=input.year,
                                        text=input.commitments)  # fmt: skip
        return await mutate(info, change, PropertyCompanyPayload, action, _company_changed)

    @strawberry.mutation(
        description="Rate the compound's property service (居民评价): a resident household of "
        "the compound's community, once per period (DUPLICATE the second time)."
    )
    async def rate_property_service(
        self, info: Info,
        input: Annotated[RatePropertyServiceInput, strawberry.argument(description="The rating.")],
    ) -> PropertyRatingPayload:  # fmt: skip
        key = input.client_mutation_id
        action = rules.rate(info.context, compound_code=input.compound_code, period=input.period,
                            stars=input.stars, comment=input.comment)  # fmt: skip
        change = Change(
            name="ratePropertyService",
            entity="PropertyRating",
            key=key,
            targets=[input.compound_code],
            forbidden="只有本社区居民可以评价小区物业服务。",
        )
        return await mutate(
            info,
            change,
            PropertyRatingPayload,
            action,
            lambda row: PropertyRatingPayload(
                rating=PropertyRating(
                    period=row.period,
                    stars=row.stars,
                    comment=row.comment,
                    household=row.household,
                    compound_id=row.compound_id,
                )
            ),
        )

    @strawberry.mutation(
        description="Score the company serving a compound on a criterion of the year (评分): "
        "the community for community criteria, the compound's branch secretary for branch "
        "criteria; once per criterion (DUPLICATE)."
    )
    async def score_property_service(
        self, info: Info,
        input: Annotated[ScorePropertyServiceInput, strawberry.argument(description="The score.")],
    ) -> PropertyScorePayload:  # fmt: skip
        return await _scored(info, "scorePropertyService", input, None,
                             forbidden="只有小区所在社区或小区党支部可以评分。")  # fmt: skip

    @strawberry.mutation(
        description="Revise a score (更正评分): the scorer of that criterion, while the year "
        "is open; a new score supersedes the current one, which is kept as history; "
        "NOT_FOUND if nothing was scored."
    )
    async def revise_property_score(
        self, info: Info,
        input: Annotated[RevisePropertyScoreInput, strawberry.argument(description="The revision.")],
    ) -> PropertyScorePayload:  # fmt: skip
        return await _scored(info, "revisePropertyScore", input, input.reason,
                             forbidden="只有原评分方可以更正评分。")  # fmt: skip

    @strawberry.mutation(
        description="Close a year's evaluation (年度考评): the district. Ranks the companies "
        "over all the compounds each serves (mean over those scored, with coverage), names "
        "the tier each total reaches and reassesses red-property status by conclusive "
        "results only; once a year. Awards then go to compounds (awardPropertyCompound)."
    )
    async def close_property_year(
        self, info: Info,
        input: Annotated[ClosePropertyYearInput, strawberry.argument(description="The year.")],
    ) -> ClosePropertyYearPayload:  # fmt: skip
        key = input.client_mutation_id
        change = Change(
            name="closePropertyYear",
            entity="PropertyYearResult",
            key=key,
            targets=[str(input.year)],
            forbidden="只有区委组织部可以完成年度考评。",
        )
        return await mutate(
            info,
            change,
            ClosePropertyYearPayload,
            rules.close_year(info.context, input.year),
            lambda rows: ClosePropertyYearPayload(ranking=[_result(r) for r in rows]),
        )

    @strawberry.mutation(
        description="Set or change the year's award fund (设立年度奖励经费): the district. A "
        "total below what is already awarded is refused (OVER_BUDGET)."
    )
    async def set_property_award_fund(
        self, info: Info,
        input: Annotated[SetPropertyAwardFundInput, strawberry.argument(description="The fund.")],
    ) -> PropertyAwardFundPayload:  # fmt: skip
        change = Change(name="setPropertyAwardFund", entity="PropertyAwardFund",
                        key=input.client_mutation_id, targets=[str(input.year)],
                        forbidden="只有区委组织部可以设立奖励经费。")  # fmt: skip
        action = awards.set_fund(info.context, input.year, input.total_yuan,
                                 input.min_coverage_percent)  # fmt: skip
        return await mutate(info, change, PropertyAwardFundPayload, action,
                            lambda row: PropertyAwardFundPayload(fund=_fund(row)))  # fmt: skip

    @strawberry.mutation(
        description="Award a compound from the year's fund by tier (小区奖励): the district, "
        "once the year is closed (INVALID_STATE before, or when the compound's total does "
        "not reach the tier); once per compound and year (DUPLICATE); never beyond the fund "
        "(OVER_BUDGET); NOT_FOUND without a fund, tier or compound."
    )
    async def award_property_compound(
        self, info: Info,
        input: Annotated[AwardPropertyCompoundInput, strawberry.argument(description="The award.")],
    ) -> PropertyCompoundAwardPayload:  # fmt: skip
        change = Change(name="awardPropertyCompound", entity="PropertyCompoundAward",
                        key=input.client_mutation_id, targets=[input.compound_code],
                        forbidden="只有区委组织部可以奖励小区。")  # fmt: skip
        action = awards.award_compound(info.context, input.year, input.compound_code,
                                       input.tier_name)  # fmt: skip
        return await mutate(
            info, change, PropertyCompoundAwardPayload, action,
            lambda row: PropertyCompoundAwardPayload(award=PropertyCompoundAward.from_row(row)),
        )  # fmt: skip

    @strawberry.mutation(
        description="Record a linkage meeting (联动会议) of a compound: the community or its grid "
        "secretary. The form follows the compound's kind; every party it requires attends, "
        "as the compound's own party, and none it does not have (INVALID_INPUT); action "
        "items are owned by a party at the table and tracked to done."
    )
    async def hold_linkage_meeting(
        self, info: Info,
        input: Annotated[HoldLinkageMeetingInput, strawberry.argument(description="The meeting.")],
    ) -> LinkageMeetingPayload:  # fmt: skip
        key = input.client_mutation_id
        attendees = [
            linkage.AttendeeDraft(
                party=a.party,
                name=a.name,
                committee_id=_optional_id(a.committee_id, "CompoundCommittee"),
                building_group_id=_optional_id(a.building_group_id, "BuildingGroup"),
                company_code=a.company_code,
                unit_code=a.unit_code,
            )
            for a in input.attendees
        ]
        unknown = next(
            (
                i
                for i, (a, d) in enumerate(zip(input.attendees, attendees, strict=True))
                if (a.committee_id is not None and d.committee_id is None)
                or (a.building_group_id is not None and d.building_group_id is None)
            ),
            None,
        )
        items = [
            linkage.ActionItemDraft(
                description=i.description,
                owner_party=i.owner_party,
                owner_name=i.owner_name,
                due_on=i.due_on,
            )
            for i in input.action_items
        ]
        action: Any = linkage.hold_linkage_meeting(
            info.context, compound_code=input.compound_code, form=input.form,
            held_on=input.held_on, agenda=input.agenda, attendees=attendees,
            decisions=input.decisions, items=items, key=key,
        )  # fmt: skip
        if unknown is not None:
            action.close()
            action = not_found("未找到所填委员会或党小组。", f"input.attendees.{unknown}")
        change = Change(
            name="holdLinkageMeeting",
            entity="LinkageMeeting",
            key=key,
            forbidden="只有小区所在社区可以记录联动会议。",
        )
        return await mutate(
            info,
            change,
            LinkageMeetingPayload,
            action,
            lambda row: LinkageMeetingPayload(meeting=LinkageMeeting.from_row(row)),
        )

    @strawberry.mutation(
        description="Mark an action item done (事项办结): the community, its grid secretary, "
        "or the serving company for items the property company owns; once (INVALID_STATE)."
    )
    async def complete_linkage_action_item(
        self, info: Info,
        input: Annotated[CompleteLinkageActionItemInput, strawberry.argument(description="The item.")],
    ) -> LinkageActionItemPayload:  # fmt: skip
        key = input.client_mutation_id
        item_id = node_id_of(input.action_item_id, "LinkageActionItem")
        if item_id is None:
            unknown = not_found("未找到该事项。", "input.actionItemId")
            return refused(LinkageActionItemPayload, unknown, key)
        change = Change(
            name="completeLinkageActionItem",
            entity="LinkageActionItem",
            key=key,
            targets=[str(item_id)],
            forbidden="只有社区或责任物业企业可以办结该事项。",
        )
        return await mutate(
            info,
            change,
            LinkageActionItemPayload,
            rules.complete_action_item(info.context, item_id, input.note),
            lambda row: LinkageActionItemPayload(action_item=LinkageActionItem.from_row(row)),
        )


def _company_changed(row: object) -> PropertyCompanyPayload:
    from schema.partners import PropertyCompany

    return PropertyCompanyPayload(company=PropertyCompany.from_row(row))


async def _scored(
    info: Info,
    name: str,
    input: ScorePropertyServiceInput | RevisePropertyScoreInput,
    revise_reason: str | None,
    *,
    forbidden: str,
) -> PropertyScorePayload:
    """Scoring and revising a score: one rule, `revise_reason` telling them apart."""
    action = rules.score(info.context, compound_code=input.compound_code, year=input.year,
                         criterion_code=input.criterion_code, points=input.score,
                         comment=input.comment, revise_reason=revise_reason)  # fmt: skip
    change = Change(name=name, entity="PropertyScore", key=input.client_mutation_id,
                    targets=[input.compound_code], forbidden=forbidden)  # fmt: skip
    return await mutate(
        info, change, PropertyScorePayload, action,
        lambda row: PropertyScorePayload(score=_score(input.criterion_code, row)),
    )  # fmt: skip
