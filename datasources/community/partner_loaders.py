"""Per-request loaders of partner operations (红色物业, 党建联盟, 共建协议).

Everything is batched: one statement per kind of list per request, whatever the page.
The red-property criteria of companies are facts about the company (like a post's claim
count), so they are read past the row rules: whether it signed commitments and passed
its latest year, not the commitments or scores themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.community.models import AgreementProject, CoBuildingAgreement, PartyKind
from datasources.community.partner_models import (
    AllianceChairTerm,
    AllianceMeeting,
    AllianceMeetingAttendance,
    CompoundCommittee,
    LinkageActionItem,
    LinkageMeeting,
    LinkageMeetingParty,
    PropertyAwardFund,
    PropertyAwardTier,
    PropertyCommitment,
    PropertyCompoundAward,
    PropertyContract,
    PropertyCriterion,
    PropertyYearResult,
)
from datasources.loaders import row_by_key, rows_by_key
from datasources.scope import Scope


@dataclass(frozen=True)
class CompanyFacts:
    """What decides red-property status, besides the company's own Party coverage."""

    commitment_years: tuple[int, ...]
    latest_year: int | None
    latest_passed: bool


class PartnerLoaders:
    def __init__(self, source: Datasource, scope: Scope) -> None:
        self._source, self._scope = source, scope
        self.contract_by_id = row_by_key(source, scope, PropertyContract.id)
        self.contracts_of_compound = rows_by_key(
            source,
            scope,
            PropertyContract.compound_id,
            PropertyContract.starts_on.desc(),
            PropertyContract.id.desc(),
        )
        self.contracts_of_company = rows_by_key(
            source,
            scope,
            PropertyContract.company_id,
            PropertyContract.starts_on.desc(),
            PropertyContract.id.desc(),
        )
        self.results_of_company = rows_by_key(
            source, scope, PropertyYearResult.company_id, PropertyYearResult.year.desc()
        )
        self.results_of_year = rows_by_key(
            source, scope, PropertyYearResult.year, PropertyYearResult.rank
        )
        self.criteria_of_year = rows_by_key(
            source, scope, PropertyCriterion.year, PropertyCriterion.sort_order
        )
        self.tiers_of_year = rows_by_key(
            source, scope, PropertyAwardTier.year, PropertyAwardTier.min_total.desc()
        )
        self.fund_of_year = row_by_key(source, scope, PropertyAwardFund.year)
        self.awards_of_fund = rows_by_key(
            source, scope, PropertyCompoundAward.fund_id, PropertyCompoundAward.amount_yuan.desc(),
            PropertyCompoundAward.id,
        )  # fmt: skip
        self.award_by_id = row_by_key(source, scope, PropertyCompoundAward.id)
        self.linkage_meeting_by_id = row_by_key(source, scope, LinkageMeeting.id)
        self.linkage_meetings_of_compound = rows_by_key(
            source, scope, LinkageMeeting.compound_id, LinkageMeeting.held_on.desc()
        )
        self.parties_of_meeting = rows_by_key(
            source, scope, LinkageMeetingParty.meeting_id, LinkageMeetingParty.id
        )
        self.committee_by_id = row_by_key(source, scope, CompoundCommittee.id)
        self.committees_of_compound = rows_by_key(
            source, scope, CompoundCommittee.compound_id, CompoundCommittee.kind,
            CompoundCommittee.term_starts_on.desc(), CompoundCommittee.id.desc(),
        )  # fmt: skip
        self.action_item_by_id = row_by_key(source, scope, LinkageActionItem.id)
        self.action_items_of_meeting = rows_by_key(
            source, scope, LinkageActionItem.meeting_id, LinkageActionItem.due_on,
            LinkageActionItem.id,
        )  # fmt: skip
        self.alliance_meeting_by_id = row_by_key(source, scope, AllianceMeeting.id)
        self.meetings_of_alliance = rows_by_key(
            source, scope, AllianceMeeting.alliance_id, AllianceMeeting.held_on.desc()
        )
        self.attendance_of_meeting = rows_by_key(
            source, scope, AllianceMeetingAttendance.meeting_id,
            AllianceMeetingAttendance.membership_id,
        )  # fmt: skip
        self.chair_terms_of_alliance = rows_by_key(
            source, scope, AllianceChairTerm.alliance_id, AllianceChairTerm.starts_on
        )
        self.projects_of_owner = {
            kind: rows_by_key(
                source,
                scope,
                AgreementProject.owner_code,
                AgreementProject.due_on,
                AgreementProject.id,
                where=(AgreementProject.owner_kind == kind,),
            )
            for kind in PartyKind
        }
        self.projects_of_community: DataLoader[int, list[Any]] = DataLoader(
            load_fn=self._projects_of_communities
        )
        self.facts_of_company: DataLoader[int, CompanyFacts] = DataLoader(
            load_fn=self._company_facts
        )
        self.awarded_of_fund: DataLoader[int, Decimal] = DataLoader(load_fn=self._awarded)

    async def _awarded(self, fund_ids: list[int]) -> list[Decimal]:
        """What each fund has awarded in all (a public total, like the fund itself; which
        compounds got it is read by the row rules)."""
        stmt = (
            select(PropertyCompoundAward.fund_id, func.sum(PropertyCompoundAward.amount_yuan))
            .where(PropertyCompoundAward.fund_id.in_(fund_ids))
            .group_by(PropertyCompoundAward.fund_id)
        )
        async with self._source.session() as session:
            sums = {fid: Decimal(str(total)) for fid, total in await session.execute(stmt)}
        return [sums.get(fid, Decimal(0)) for fid in fund_ids]

    async def _projects_of_communities(self, community_ids: list[int]) -> list[list[Any]]:
        """Projects of the agreements of each community (one statement)."""
        visible = await self._scope.where(AgreementProject)
        stmt = (
            select(AgreementProject, CoBuildingAgreement.community_id)
            .join(CoBuildingAgreement, CoBuildingAgreement.id == AgreementProject.agreement_id)
            .where(CoBuildingAgreement.community_id.in_(community_ids), *visible)
            .order_by(AgreementProject.due_on, AgreementProject.id)
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        async with self._source.session() as session:
            for project, community_id in await session.execute(stmt):
                grouped[community_id].append(project)
        return [grouped.get(cid, []) for cid in community_ids]

    async def _company_facts(self, company_ids: list[int]) -> list[CompanyFacts]:
        """Commitment years and the latest result per company (two statements)."""
        years: dict[int, list[int]] = defaultdict(list)
        latest: dict[int, tuple[int, bool]] = {}
        async with self._source.session() as session:
            commitments = (
                select(PropertyCommitment.company_id, PropertyCommitment.year)
                .where(PropertyCommitment.company_id.in_(company_ids))
                .group_by(PropertyCommitment.company_id, PropertyCommitment.year)
            )
            for company_id, year in await session.execute(commitments):
                years[company_id].append(int(year))
            newest = (
                select(
                    PropertyYearResult.company_id, func.max(PropertyYearResult.year).label("latest")
                )
                .where(
                    PropertyYearResult.company_id.in_(company_ids),
                    PropertyYearResult.conclusive,  # an inconclusive year decides nothing
                )
                .group_by(PropertyYearResult.company_id)
                .subquery()
            )
            results = select(
                PropertyYearResult.company_id, PropertyYearResult.year, PropertyYearResult.passed
            ).join(
                newest,
                (newest.c.company_id == PropertyYearResult.company_id)
                & (newest.c.latest == PropertyYearResult.year),
            )
            for company_id, year, passed in await session.execute(results):
                latest[company_id] = (int(year), bool(passed))
        return [
            CompanyFacts(
                commitment_years=tuple(sorted(years.get(cid, []))),
                latest_year=latest[cid][0] if cid in latest else None,
                latest_passed=latest[cid][1] if cid in latest else False,
            )
            for cid in company_ids
        ]
