"""Per-request DataLoaders of the community side."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from strawberry.dataloader import DataLoader

from datasources.base import Datasource
from datasources.community import lists as L
from datasources.community.candidates import candidates_by_community
from datasources.community.models import (
    AgreementParty,
    AgreementProject,
    Alliance,
    AllianceParty,
    Building,
    CoBuildingAgreement,
    Community,
    Compound,
    DemandItem,
    District,
    Grid,
    MicroWish,
    PartyKind,
    Post,
    PostClaim,
    PostClaimStatus,
    PostStatus,
    PrivacyPreference,
    PropertyCompany,
    Report,
    ReportSkill,
    ResourceItem,
    ServiceCategory,
    ServiceItem,
    StateEvent,
    Street,
    UnitPairing,
)
from datasources.community.order_lists import SERVICE_ORDERS, UNIT_ORDERS
from datasources.community.order_models import ServiceOrder
from datasources.community.performance import CommunityPerformance
from datasources.community.policy import placed_by
from datasources.community.timeline import TIMELINE_LIST, TimelineEntry
from datasources.loaders import LazyLoaderGroups, ListLoaders, row_by_key, rows_by_key
from datasources.scope import Scope


@dataclass(frozen=True)
class CoverageRow:
    """One service category of a community's open posts: how many, places and takers."""

    category_id: int
    posts: int
    capacity: int
    claimed: int


class PlacedByViewer(Scope):
    """The viewer's scope, narrowed to the orders he placed himself (`myOrders`)."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope.rule, scope.viewer, scope.facts)

    async def where(self, model: type[Any]) -> list[ColumnElement[bool]]:
        visible = await super().where(model)
        return [*visible, *placed_by(self.viewer)] if model is ServiceOrder else visible


class CommunityLoaders(LazyLoaderGroups):
    """Every loader a request may use on the community database; built fresh per request."""

    # Loader groups, built on first use: a request touches a few of the ~200 loaders, and
    # building them all took milliseconds per request. See `LazyLoaderGroups`.
    GROUPS = (
        "_by_id", "_by_code", "_lists", "_reports", "_posts", "_micro_wishes", "_partner_ops",
        "_orders", "_activities", "_evaluations_and_groups", "_points", "_partners_read",
        "_operations_read",
    )  # fmt: skip

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self._source, self._scope = source, scope
        self._history: dict[str, DataLoader[int, list[Any]]] = {}

    def _reports(self, source: Datasource, scope: Scope) -> None:
        self.active_report_by_member_code = row_by_key(
            source, scope, Report.member_code, Report.status.in_(L.ACTIVE_REPORT_STATUSES)
        )
        self.privacy_by_member_code = row_by_key(source, scope, PrivacyPreference.member_code)
        self.skills_of_report = rows_by_key(source, scope, ReportSkill.report_id, ReportSkill.skill)
        self.candidates_by_community = candidates_by_community(source, scope)

    def _operations_read(self, source: Datasource, scope: Scope) -> None:
        # Year figures of members' service (8小时以外表现), datasources.community.performance.
        self.performance = CommunityPerformance(source, scope)
        self.timeline_of_member = ListLoaders(
            source, scope, TIMELINE_LIST, TimelineEntry.member_code
        )

    def _partners_read(self, source: Datasource, scope: Scope) -> None:
        self.parties_of_alliance = rows_by_key(
            source, scope, AllianceParty.alliance_id, AllianceParty.rotation_order,
            AllianceParty.id, where=(AllianceParty.left_on.is_(None),),
        )  # fmt: skip
        self.parties_of_agreement = rows_by_key(
            source, scope, AgreementParty.agreement_id, AgreementParty.id
        )
        self.projects_of_agreement = rows_by_key(
            source,
            scope,
            AgreementProject.agreement_id,
            AgreementProject.due_on,
            AgreementProject.id,
        )

    def _by_id(self, source: Datasource, scope: Scope) -> None:
        self.district_by_id = row_by_key(source, scope, District.id)
        self.street_by_id = row_by_key(source, scope, Street.id)
        self.community_by_id = row_by_key(source, scope, Community.id)
        self.grid_by_id = row_by_key(source, scope, Grid.id)
        self.compound_by_id = row_by_key(source, scope, Compound.id)
        self.building_by_id = row_by_key(source, scope, Building.id)
        self.property_company_by_id = row_by_key(source, scope, PropertyCompany.id)
        self.report_by_id = row_by_key(source, scope, Report.id)
        self.pairing_by_id = row_by_key(source, scope, UnitPairing.id)
        self.alliance_by_id = row_by_key(source, scope, Alliance.id)
        self.alliance_party_by_id = row_by_key(source, scope, AllianceParty.id)
        self.agreement_by_id = row_by_key(source, scope, CoBuildingAgreement.id)
        self.project_by_id = row_by_key(source, scope, AgreementProject.id)
        self.category_by_id = row_by_key(source, scope, ServiceCategory.id)
        self.resource_item_by_id = row_by_key(source, scope, ResourceItem.id)
        self.demand_item_by_id = row_by_key(source, scope, DemandItem.id)
        self.service_item_by_id = row_by_key(source, scope, ServiceItem.id)

    def _by_code(self, source: Datasource, scope: Scope) -> None:
        self.district_by_code = row_by_key(source, scope, District.code)
        self.street_by_code = row_by_key(source, scope, Street.code)
        self.community_by_code = row_by_key(source, scope, Community.code)
        self.grid_by_code = row_by_key(source, scope, Grid.code)
        self.compound_by_code = row_by_key(source, scope, Compound.code)
        self.building_by_code = row_by_key(source, scope, Building.code)
        self.property_company_by_code = row_by_key(source, scope, PropertyCompany.code)
        self.alliance_by_code = row_by_key(source, scope, Alliance.code)
        self.agreement_by_code = row_by_key(source, scope, CoBuildingAgreement.code)
        self.category_by_code = row_by_key(source, scope, ServiceCategory.code)

    def _lists(self, source: Datasource, scope: Scope) -> None:
        self.districts = ListLoaders(source, scope, L.DISTRICTS)
        self.streets = ListLoaders(source, scope, L.STREETS)
        self.streets_of_district = ListLoaders(source, scope, L.STREETS, Street.district_id)
        self.communities = ListLoaders(source, scope, L.COMMUNITIES)
        self.communities_of_street = ListLoaders(source, scope, L.COMMUNITIES, Community.street_id)
        self.grids = ListLoaders(source, scope, L.GRIDS)
        self.grids_of_community = ListLoaders(source, scope, L.GRIDS, Grid.community_id)
        self.children_of_grid = ListLoaders(source, scope, L.GRIDS, Grid.parent_id)
        self.compounds = ListLoaders(source, scope, L.COMPOUNDS)
        self.compounds_of_community = ListLoaders(source, scope, L.COMPOUNDS, Compound.community_id)
        self.compounds_of_grid = ListLoaders(source, scope, L.COMPOUNDS, Compound.grid_id)
        self.compounds_of_company = ListLoaders(
            source, scope, L.COMPOUNDS, Compound.property_company_id
        )
        self.buildings_of_compound = ListLoaders(source, scope, L.BUILDINGS, Building.compound_id)
        self.supporters_of_community = ListLoaders(source, scope, L.SUPPORTERS, Report.community_id)
        self.supporters_of_building = ListLoaders(source, scope, L.SUPPORTERS, Report.building_id)
        self.pairings_of_unit = ListLoaders(source, scope, L.PAIRINGS, UnitPairing.unit_code)
        self.pairings_of_community = ListLoaders(
            source, scope, L.PAIRINGS, UnitPairing.community_id
        )
        self.property_companies = ListLoaders(source, scope, L.PROPERTY_COMPANIES)
        self.alliances = ListLoaders(source, scope, L.ALLIANCES)
        self.agreements = ListLoaders(source, scope, L.AGREEMENTS)
        self.agreements_of_community = ListLoaders(
            source, scope, L.AGREEMENTS, CoBuildingAgreement.community_id
        )
        self.agreements_of_alliance = ListLoaders(
            source, scope, L.AGREEMENTS, CoBuildingAgreement.alliance_id
        )
        self.categories = ListLoaders(source, scope, L.CATEGORIES)
        self.resource_items_of_community = ListLoaders(
            source, scope, L.RESOURCE_ITEMS, ResourceItem.community_id
        )
        self.demand_items_of_community = ListLoaders(
            source, scope, L.DEMAND_ITEMS, DemandItem.community_id
        )
        self.service_items_of_community = ListLoaders(
            source, scope, L.SERVICE_ITEMS, ServiceItem.community_id
        )
        self.resource_items = ListLoaders(source, scope, L.RESOURCE_ITEMS)
        self.demand_items = ListLoaders(source, scope, L.DEMAND_ITEMS)
        self.service_items = ListLoaders(source, scope, L.SERVICE_ITEMS)
        self.memberships = {
            kind: ListLoaders(source, scope, L.memberships_of(kind), AllianceParty.party_code)
            for kind in PartyKind
        }
        self.agreements_of_party = {
            kind: ListLoaders(
                source, scope, L.agreement_parties_of(kind), AgreementParty.party_code
            )
            for kind in PartyKind
        }

    def _posts(self, source: Datasource, scope: Scope) -> None:
        self.post_by_id = row_by_key(source, scope, Post.id)
        self.post_by_code = row_by_key(source, scope, Post.code)
        self.post_claim_by_id = row_by_key(source, scope, PostClaim.id)
        self.posts_of_community = ListLoaders(source, scope, L.POSTS, Post.community_id)
        self.claims_of_post = ListLoaders(source, scope, L.POST_CLAIMS, PostClaim.post_id)
        self.claims_of_member = ListLoaders(source, scope, L.POST_CLAIMS, PostClaim.member_code)
        self.claimed_count_of_post: DataLoader[int, int] = DataLoader(load_fn=self._claimed_counts)
        self.post_coverage_of_community: DataLoader[int, list[CoverageRow]] = DataLoader(
            load_fn=self._coverage
        )

    def _activities(self, source: Datasource, scope: Scope) -> None:
        """Activities (活动), their signups (报名) and the figures per activity."""
        from datasources.community import activity_lists as A
        from datasources.community.activity_models import Activity, ActivitySignup

        self.activity_by_id = row_by_key(source, scope, Activity.id)
        self.activity_signup_by_id = row_by_key(source, scope, ActivitySignup.id)
        self.activities_of_community = ListLoaders(
            source, scope, A.ACTIVITIES, Activity.community_id
        )
        self.signups_of_activity = ListLoaders(source, scope, A.SIGNUPS, ActivitySignup.activity_id)
        self.signups_of_member = ListLoaders(source, scope, A.SIGNUPS, ActivitySignup.member_code)
        self.signup_counts_of_activity = A.signup_counts(source)
        self.points_of_signup = A.signup_points(source)

    def _orders(self, source: Datasource, scope: Scope) -> None:
        self.order_by_id = row_by_key(source, scope, ServiceOrder.id)
        self.orders_of_community = ListLoaders(
            source, scope, SERVICE_ORDERS, ServiceOrder.community_id
        )
        self.orders_of_member = ListLoaders(source, scope, SERVICE_ORDERS, ServiceOrder.member_code)
        self.orders_of_unit = ListLoaders(source, scope, UNIT_ORDERS, ServiceOrder.taker_code)
        self.orders_placed_by_viewer = ListLoaders(source, PlacedByViewer(scope), SERVICE_ORDERS)

    def _micro_wishes(self, source: Datasource, scope: Scope) -> None:
        self.micro_wish_by_id = row_by_key(source, scope, MicroWish.id)
        self.micro_wishes_of_community = ListLoaders(
            source, scope, L.MICRO_WISHES, MicroWish.community_id
        )
        self.micro_wishes_of_member = ListLoaders(
            source, scope, L.MICRO_WISHES, MicroWish.claimed_by
        )

    def _evaluations_and_groups(self, source: Datasource, scope: Scope) -> None:
        """Evaluations (三评), building groups and household assignments."""
        from datasources.community.evaluations_groups import EvaluationGroupLoaders

        self.evaluations_groups = EvaluationGroupLoaders(source, scope)

    def _points(self, source: Datasource, scope: Scope) -> None:
        """Points (积分): ledger entries, balances, merchants, items and redemptions."""
        from datasources.community.points_lists import PointsLoaders

        self.points = PointsLoaders(source, scope)
        self.points_entry_by_id = self.points.entry_by_id
        self.merchant_by_id = self.points.merchant_by_id
        self.mall_item_by_id = self.points.item_by_id
        self.redemption_by_id = self.points.redemption_by_id

    def _partner_ops(self, source: Datasource, scope: Scope) -> None:
        """Red property, alliance meetings and agreement projects (partner operations)."""
        from datasources.community.partner_loaders import PartnerLoaders

        self.partners = PartnerLoaders(source, scope)

    async def _claimed_counts(self, post_ids: list[int]) -> list[int]:
        """Active claims per post: a figure of the post, not a list of claimants, so it is
        counted for any post the viewer may see, whoever made the claims."""
        stmt = (
            select(PostClaim.post_id, func.count())
            .where(PostClaim.post_id.in_(post_ids), PostClaim.status == PostClaimStatus.ACTIVE)
            .group_by(PostClaim.post_id)
        )
        async with self._source.session() as session:
            counts = {post_id: int(n) for post_id, n in (await session.execute(stmt)).all()}
        return [counts.get(post_id, 0) for post_id in post_ids]

    async def _coverage(self, community_ids: list[int]) -> list[list[CoverageRow]]:
        """Open posts per community and category, with their active claims: one statement."""
        claimed = (
            select(PostClaim.post_id, func.count().label("n"))
            .where(PostClaim.status == PostClaimStatus.ACTIVE)
            .group_by(PostClaim.post_id)
            .subquery("claimed")
        )
        visible = await self._scope.where(Post)
        stmt = (
            select(
                Post.community_id,
                Post.category_id,
                func.count(Post.id),
                func.sum(Post.capacity),
                func.coalesce(func.sum(claimed.c.n), 0),
            )
            .outerjoin(claimed, claimed.c.post_id == Post.id)
            .where(Post.community_id.in_(community_ids), Post.status == PostStatus.OPEN, *visible)
            .group_by(Post.community_id, Post.category_id)
            .order_by(Post.community_id, Post.category_id)
        )
        grouped: dict[int, list[CoverageRow]] = defaultdict(list)
        async with self._source.session() as session:
            for community_id, category_id, posts, capacity, taken in await session.execute(stmt):
                grouped[community_id].append(
                    CoverageRow(category_id, int(posts), int(capacity), int(taken))
                )
        return [grouped.get(community_id, []) for community_id in community_ids]

    def history_of(self, entity_type: str) -> DataLoader[int, list[Any]]:
        """State events of one kind of workflow entity, oldest first, by entity id."""
        if entity_type not in self._history:
            self._history[entity_type] = rows_by_key(
                self._source, self._scope, StateEvent.entity_id, StateEvent.id,
                where=(StateEvent.entity_type == entity_type,),
            )  # fmt: skip
        return self._history[entity_type]
