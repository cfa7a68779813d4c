"""Partner operations (红色物业 / 党建联盟 / 共建协议) as working records.

Red property: service contracts of companies for compounds (one active per compound),
the community's commitments a company signs, residents' ratings (one per household and
period), the community's and the compound branch's scores against criteria that are data,
the yearly result (rank, subsidy or award, amounts as data), and four-party linkage
meetings (四方联动) with action items tracked to done.

Alliances: the rotating chair schedule (轮值主席) and joint meetings (联席会议) with
agenda, minutes, decisions and attendance. Agreements and their projects live in
`models.py`; their changes are kept as history (state events).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    case,
    false,
    literal,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import (
    AgreementStatus,
    CoBuildingAgreement,
    CommunityBase,
    RedPropertyStatus,
)


class ContractStatus(enum.Enum):
    """What is stored: ACTIVE until someone ends it (or a successor replaces it after it
    lapsed); readers see `ContractState`, which also follows the dates."""

    ACTIVE = "active"  # 履约中
    ENDED = "ended"  # 已终止/到期


class ContractState(enum.Enum):
    """A contract's state as a reader sees it (合同状态), computed from the stored status
    and the dates as of today (`effective_contract_state`)."""

    ACTIVE = "active"  # 履约中
    EXPIRED = "expired"  # 已到期
    ENDED = "ended"  # 已终止


class PropertyScorer(enum.Enum):
    COMMUNITY = "community"  # 社区评分
    BRANCH = "branch"  # 小区党支部评分


class LinkageParty(enum.Enum):
    """A party at a compound's linkage meeting; which ones a meeting has follows its form
    (`datasources.community.linkage_forms`)."""

    COMMUNITY = "community"  # 社区居委会
    GRID_BRANCH = "grid_branch"  # 网格党支部 (the compound's grid)
    OWNERS_COMMITTEE = "owners_committee"  # 业委会 (a CompoundCommittee)
    PROPERTY_COMPANY = "property_company"  # 物业企业 (the company serving the compound)
    COMPOUND_BRANCH = "compound_branch"  # 小区党支部 (the compound's own branch)
    SELF_BUILT_UNIT = "self_built_unit"  # 自建单位 (the unit that built the compound)
    SELF_MANAGEMENT_COMMITTEE = "self_management_committee"  # 自管委 (a CompoundCommittee)
    PARTY_GROUP = "party_group"  # 党小组 (a building group covering the compound)
    IN_SERVICE_MEMBERS = "in_service_members"  # 在职党员代表
    RESIDENTS = "residents"  # 居民代表


class LinkageForm(enum.Enum):
    """The form of a linkage meeting (联动形式), by the compound's kind."""

    FOUR_PARTY = "four_party"  # 有物业小区: 社区居委会、网格党支部、业委会、物业 四方联动
    UNIT_BUILT = "unit_built"  # 单位自建小区: 社区居委会、自建单位、党小组、业委会
    THREE_PARTY = "three_party"  # 三无小区: 社区居委会、自管委、党小组 三方联动
    FOUR_PARTY_COUNCIL = (
        "four_party_council"  # 四方议事会 (莒南): 小区党支部、业委会、在职党员、居民
    )


class CommitteeKind(enum.Enum):
    OWNERS = "owners"  # 业主委员会 (业委会)
    SELF_MANAGEMENT = "self_management"  # 居民自管委员会 (自管委)


class ActionItemStatus(enum.Enum):
    OPEN = "open"  # 待办
    DONE = "done"  # 已完成


class AllianceMeetingStatus(enum.Enum):
    SCHEDULED = "scheduled"  # 已召集
    HELD = "held"  # 已召开


class PropertyContract(CommunityBase):
    """A company serves a compound for a period (物业服务合同); one active per compound."""

    __tablename__ = "property_contracts"
    __table_args__ = (
        Index(
            "uq_property_contracts_active_compound",
            "compound_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        CheckConstraint("ends_on >= starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ContractStatus] = mapped_column(str_enum(ContractStatus, "contract_status"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class PropertyCommitment(CommunityBase):
    """A company signed a community's red-property commitments (承诺书) for a year."""

    __tablename__ = "property_commitments"
    __table_args__ = (
        UniqueConstraint("company_id", "community_id", "year", name="uq_property_commitment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    year: Mapped[int]
    signed_on: Mapped[date] = mapped_column(Date)
    commitments: Mapped[str] = mapped_column(Text)


class PropertyCriterion(CommunityBase):
    """One scoring criterion (评分细则) of a year, scored by the community or the branch."""

    __tablename__ = "property_criteria"
    __table_args__ = (UniqueConstraint("year", "code", name="uq_property_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    scorer: Mapped[PropertyScorer] = mapped_column(str_enum(PropertyScorer, "property_scorer"))
    max_score: Mapped[int]
    sort_order: Mapped[int] = mapped_column(default=0)


class PropertyAwardTier(CommunityBase):
    """What a yearly total earns (奖补档次): a minimum total, a name and an amount."""

    __tablename__ = "property_award_tiers"
    __table_args__ = (UniqueConstraint("year", "name", name="uq_property_award_tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    min_total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    passes: Mapped[bool] = mapped_column(default=True)  # counts as passing the evaluation


class PropertyRating(CommunityBase):
    """A household's rating of its compound's property service (居民评价) for a period."""

    __tablename__ = "property_ratings"
    __table_args__ = (
        UniqueConstraint("compound_id", "household", "period", name="uq_property_rating"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
        Index("ix_property_ratings_company_period", "company_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"))
    household: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(16))  # e.g. 2026 or 2026-Q4
    stars: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class PropertyScore(CommunityBase):
    """A score of a company in a compound against one criterion (社区/党支部评分).

    A revision (更正) is a new row with the next `revision` that `supersedes` the current
    one; rows are never updated, and only a score nothing supersedes counts."""

    __tablename__ = "property_scores"
    __table_args__ = (
        UniqueConstraint(
            "compound_id", "company_id", "criterion_id", "revision", name="uq_property_score"
        ),
        Index("ix_property_scores_company", "company_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"))
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("property_criteria.id"), index=True)
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    comment: Mapped[str | None] = mapped_column(Text)
    scored_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    revision: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # The score this one corrects (更正); at most one revision supersedes a score.
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("property_scores.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was revised (更正原因)


class PropertyYearResult(CommunityBase):
    """A company's yearly result (年度考评结果): scores, rank, tier and amount."""

    __tablename__ = "property_year_results"
    __table_args__ = (UniqueConstraint("company_id", "year", name="uq_property_year_result"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    resident_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    community_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    branch_score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    rank: Mapped[int]
    passed: Mapped[bool]
    tier_name: Mapped[str | None] = mapped_column(String(60))
    # What the company itself was granted before awards went to compounds (legacy); 0 since.
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    # Coverage (覆盖率): compounds the company served that year, and those scored; the
    # result decides its standing only when conclusive (enough of them scored).
    compounds_served: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    compounds_scored: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    conclusive: Mapped[bool] = mapped_column(default=True, server_default=true())


class PropertyAwardFund(CommunityBase):
    """The year's red-property award fund (红色物业奖励专项经费), set by the district
    (Qianjiang: 1.5 million yuan a year for compounds where red property works well).
    Awards go to compounds from it; their sum never exceeds `total_yuan`."""

    __tablename__ = "property_award_funds"
    __table_args__ = (
        CheckConstraint("total_yuan >= 0", name="total_not_negative"),
        CheckConstraint("min_coverage_percent BETWEEN 0 AND 100", name="coverage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    total_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # A company's yearly result decides its standing only when at least this share of the
    # compounds it serves was scored (覆盖率); below it the year is inconclusive.
    min_coverage_percent: Mapped[int] = mapped_column(default=50)
    set_by: Mapped[str] = mapped_column(String(120))
    set_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class PropertyCompoundAward(CommunityBase):
    """An award to a compound (小区奖励) from the year's fund, by tier, for the red property
    of the company that served and was scored there."""

    __tablename__ = "property_compound_awards"
    __table_args__ = (
        UniqueConstraint("fund_id", "compound_id", name="uq_property_compound_award"),
        CheckConstraint("amount_yuan >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("property_award_funds.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("property_companies.id"), index=True)
    tier_name: Mapped[str] = mapped_column(String(60))
    amount_yuan: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    compound_total: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    awarded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class CompoundCommittee(CommunityBase):
    """A compound's committee (业委会 or 自管委) for a term: a name, its members and a
    contact. A compound has at most one committee of a kind for any day; terms do not
    overlap (the workflow checks, under the compound's lock). Rows carried over from the
    old yes/no flag have no term (`term_starts_on` null): in office until a term is recorded."""

    __tablename__ = "compound_committees"
    __table_args__ = (CheckConstraint("term_ends_on >= term_starts_on", name="term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    kind: Mapped[CommitteeKind] = mapped_column(str_enum(CommitteeKind, "committee_kind"))
    name: Mapped[str] = mapped_column(String(60))
    term_starts_on: Mapped[date | None] = mapped_column(Date)
    term_ends_on: Mapped[date | None] = mapped_column(Date)
    # [{"name": ..., "role": ...}]: chair (主任), vice-chair, members.
    members: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class LinkageMeeting(CommunityBase):
    """A linkage meeting (联动会议) of one compound, in the form of its kind."""

    __tablename__ = "linkage_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    form: Mapped[LinkageForm] = mapped_column(
        str_enum(LinkageForm, "linkage_form"),
        default=LinkageForm.FOUR_PARTY,
        server_default=LinkageForm.FOUR_PARTY.value,
    )
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class LinkageMeetingParty(CommunityBase):
    """Who attended a linkage meeting for which party, referring to the party itself: the
    community, the grid, the committee record, the building group, the company, the unit's
    code. The compound's own branch and representatives of members or residents have no
    record of their own. A reference is null only on rows carried over from the old labels
    that could not be mapped (see migration 0011)."""

    __tablename__ = "linkage_meeting_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("linkage_meetings.id"), index=True)
    party: Mapped[LinkageParty] = mapped_column(str_enum(LinkageParty, "linkage_party"))
    name: Mapped[str] = mapped_column(String(60))  # who attended (姓名/职务)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("compound_committees.id"))
    building_group_id: Mapped[int | None] = mapped_column(ForeignKey("building_groups.id"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("property_companies.id"))
    unit_code: Mapped[str | None] = mapped_column(String(32))


class LinkageActionItem(CommunityBase):
    """An action item of a linkage meeting (会议事项), with an owner and due date."""

    __tablename__ = "linkage_action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("linkage_meetings.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_party: Mapped[LinkageParty] = mapped_column(str_enum(LinkageParty, "linkage_party"))
    owner_name: Mapped[str] = mapped_column(String(60))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[ActionItemStatus] = mapped_column(
        str_enum(ActionItemStatus, "action_item_status")
    )
    done_on: Mapped[date | None] = mapped_column(Date)
    done_note: Mapped[str | None] = mapped_column(Text)


class AllianceChairTerm(CommunityBase):
    """One turn of the rotating chair (轮值主席任期) of an alliance."""

    __tablename__ = "alliance_chair_terms"
    __table_args__ = (UniqueConstraint("alliance_id", "starts_on", name="uq_alliance_chair_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("alliance_parties.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class AllianceMeeting(CommunityBase):
    """A joint meeting (联席会议) of an alliance, called by one of its parties."""

    __tablename__ = "alliance_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id"), index=True)
    convened_by_id: Mapped[int] = mapped_column(ForeignKey("alliance_parties.id"))
    held_on: Mapped[date] = mapped_column(Date)
    agenda: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)
    decisions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[AllianceMeetingStatus] = mapped_column(
        str_enum(AllianceMeetingStatus, "alliance_meeting_status")
    )
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)


class AllianceMeetingAttendance(CommunityBase):
    """Whether a member party attended a joint meeting (出席情况)."""

    __tablename__ = "alliance_meeting_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("alliance_meetings.id"), primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("alliance_parties.id"), primary_key=True)
    present: Mapped[bool]
    representative: Mapped[str | None] = mapped_column(String(60))


# --- agreements: the state a reader sees ------------------------------------------------------


def effective_agreement_status(
    status: AgreementStatus, starts_on: date, ends_on: date, today: date
) -> AgreementStatus:
    """An agreement's state as of `today` (China time), computed at read; rows are not
    rewritten: a draft or active agreement whose period has ended reads EXPIRED (已到期), a
    draft whose period has begun reads ACTIVE. Ended and expired stay as stored."""
    if status in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE) and ends_on < today:
        return AgreementStatus.EXPIRED
    if status is AgreementStatus.DRAFT and starts_on <= today:
        return AgreementStatus.ACTIVE
    return status


def effective_agreement_status_sql(today: date) -> ColumnElement[AgreementStatus]:
    """`effective_agreement_status` as an SQL expression (for filters)."""
    agreement = CoBuildingAgreement
    typed = agreement.status.type
    running = agreement.status.in_([AgreementStatus.DRAFT, AgreementStatus.ACTIVE])
    return case(
        (running & (agreement.ends_on < today), literal(AgreementStatus.EXPIRED, typed)),
        (
            (agreement.status == AgreementStatus.DRAFT) & (agreement.starts_on <= today),
            literal(AgreementStatus.ACTIVE, typed),
        ),
        else_=agreement.status,
    )


def agreement_status_in(statuses: tuple[AgreementStatus, ...], today: date) -> ColumnElement[bool]:
    """Agreements whose effective state (as of `today`) is one of `statuses`."""
    if not statuses:
        return false()
    return effective_agreement_status_sql(today).in_(statuses)


# --- contracts: the state a reader sees -------------------------------------------------------


def effective_contract_state(
    status: ContractStatus, ends_on: date, ended_on: date | None, today: date
) -> ContractState:
    """A contract's state as of `today` (China time), computed at read, never stale: an
    active contract whose end date has passed reads EXPIRED (已到期); an ended one reads
    EXPIRED when it ran its whole term (ended on or after its end date: it lapsed and a
    successor was signed), ENDED (已终止) when it was terminated early."""
    if status is ContractStatus.ACTIVE:
        return ContractState.EXPIRED if ends_on < today else ContractState.ACTIVE
    if ended_on is not None and ended_on >= ends_on:
        return ContractState.EXPIRED
    return ContractState.ENDED


# --- red property: the criteria and the status they give ----------------------------------


@dataclass(frozen=True)
class Criteria:
    """The three red-property criteria of a company and their state (创建标准)."""

    party_organisation: bool
    commitments_signed: bool
    evaluation_passed: bool
    evaluation_year: int | None

    @property
    def met(self) -> bool:
        return self.party_organisation and self.commitments_signed and self.evaluation_passed


def criteria_from(
    *, has_party_branch: bool, covered_by_sector_committee: bool,
    commitment_years: Iterable[int], latest_year: int | None, latest_passed: bool,
    this_year: int,
) -> Criteria:  # fmt: skip
    """The criteria from the facts: a Party organisation (own branch or the sector
    committee), commitments signed for the latest evaluated year (or, before any, this
    year) or later, and that evaluation passed. The workflow, the reader and the seed use it."""
    year = latest_year if latest_year is not None else this_year
    return Criteria(
        party_organisation=bool(has_party_branch or covered_by_sector_committee),
        commitments_signed=any(y >= year for y in commitment_years),
        evaluation_passed=bool(latest_year is not None and latest_passed),
        evaluation_year=latest_year,
    )


def status_by_criteria(criteria: Criteria, before: RedPropertyStatus) -> RedPropertyStatus:
    """Earned when all criteria are met, lost (REVOKED) when a certified company no longer
    meets them; CANDIDATE once it has begun (organisation or commitments)."""
    if criteria.met:
        return RedPropertyStatus.CERTIFIED
    if before in (RedPropertyStatus.CERTIFIED, RedPropertyStatus.REVOKED):
        return RedPropertyStatus.REVOKED
    if criteria.party_organisation or criteria.commitments_signed:
        return RedPropertyStatus.CANDIDATE
    return before
