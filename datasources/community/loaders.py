"""Per-request DataLoaders of the community side.

Every loader is declared with its type at class level, next to the group that builds it, so
a misspelt loader name or a wrong key is a type error; `LazyLoaderGroups` checks once per
class that the declarations and the groups name the same loaders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.community import lists as L
from datasources.community.candidates import candidates_by_community
from datasources.community.commendation_models import Commendation
from datasources.community.commitment_lists import COMMENDATIONS, COMMITMENTS
from datasources.community.commitment_models import MemberCommitment
from datasources.community.duty_lists import POST_DUTIES
from datasources.community.duty_models import PostDuty
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
    PrivacyPreference,
    PropertyCompany,
    Report,
    ReportSkill,
    ReportStatus,
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
from datasources.community.policy import ordered_for, placed_by
from datasources.community.post_figures import CoverageRow, claimed_counts, coverage
from datasources.community.timeline import TIMELINE_LIST, TimelineEntry
from datasources.loaders import LazyLoaderGroups, ListLoaders, row_by_key, rows_by_key
from datasources.scope import Role, Scope

if TYPE_CHECKING:
    # Imported where their groups are built: most requests never touch these areas.
    from datasources.community.activity_lists import SignupCounts
    from datasources.community.activity_models import Activity, ActivitySignup
    from datasources.community.donations.lists import DonationLoaders
    from datasources.community.evaluations_groups import EvaluationGroupLoaders
    from datasources.community.help.lists import HelpLoaders
    from datasources.community.partner_loaders import PartnerLoaders
    from datasources.community.points_lists import PointsLoaders
    from datasources.community.points_models import MallItem, Merchant, PointsEntry, Redemption
    from datasources.community.positions import PositionLoaders
    from datasources.community.resident_points.lists import ResidentPointsLoaders
    from datasources.community.spaces.lists import SpaceLoaders
    from datasources.community.unit_service import UnitContribution
    from datasources.community.unit_service_models import ActivityUnitSignup

__all__ = ["CommunityLoaders", "CoverageRow", "PlacedByViewer"]


class PlacedByViewer(Scope):
    """The viewer's scope, narrowed to the orders he placed himself (`myOrders`); for a
    resident also those converted from demands he raised."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope.rule, scope.viewer, scope.facts)

    async def where(self, model: type[Any]) -> list[ColumnElement[bool]]:
        visible = await super().where(model)
        if model is not ServiceOrder:
            return visible
        mine = ordered_for if self.viewer.role is Role.RESIDENT else placed_by
        return [*visible, *mine(self.viewer)]


class CommunityLoaders(LazyLoaderGroups):
    """Every loader a request may use on the community database; built fresh per request."""

    # Loader groups, built on first use: a request touches a few of the ~200 loaders, and
    # building them all took milliseconds per request. See `LazyLoaderGroups`.
    GROUPS = (
        "_by_id", "_by_code", "_lists", "_reports", "_posts", "_micro_wishes", "_partner_ops",
        "_orders", "_activities", "_evaluations_and_groups", "_points", "_partners_read",
        "_operations_read", "_unit_service", "_positions", "_households", "_notifications",
        "_commitments", "_spaces", "_donations", "_resident_points", "_help",
    )  # fmt: skip

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self._source, self._scope = source, scope
        self._history: dict[str, DataLoader[int, list[Any]]] = {}
        self._attachments: dict[str, DataLoader[int, list[Any]]] = {}

    active_report_by_member_code: DataLoader[str, Report | None]
    privacy_by_member_code: DataLoader[str, PrivacyPreference | None]
    skills_of_report: DataLoader[int, list[ReportSkill]]
    candidates_by_community: DataLoader[int, list[Any]]

    def _reports(self, source: Datasource, scope: Scope) -> None:
        self.active_report_by_member_code = _active_report_by_member_code(source, scope)
        self.privacy_by_member_code = row_by_key(source, scope, PrivacyPreference.member_code)
        self.skills_of_report = rows_by_key(source, scope, ReportSkill.report_id, ReportSkill.skill)
        self.candidates_by_community = candidates_by_community(source, scope)

    performance: CommunityPerformance
    timeline_of_member: ListLoaders[TimelineEntry]

    def _operations_read(self, source: Datasource, scope: Scope) -> None:
        # Year figures of members' service (8小时以外表现), datasources.community.performance.
        self.performance = CommunityPerformance(source, scope)
        self.timeline_of_member = ListLoaders(
            source, scope, TIMELINE_LIST, TimelineEntry.member_code
        )

    parties_of_alliance: DataLoader[int, list[AllianceParty]]
    parties_of_agreement: DataLoader[int, list[AgreementParty]]
    projects_of_agreement: DataLoader[int, list[AgreementProject]]

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

    district_by_id: DataLoader[int, District | None]
    street_by_id: DataLoader[int, Street | None]
    community_by_id: DataLoader[int, Community | None]
    grid_by_id: DataLoader[int, Grid | None]
    compound_by_id: DataLoader[int, Compound | None]
    building_by_id: DataLoader[int, Building | None]
    property_company_by_id: DataLoader[int, PropertyCompany | None]
    report_by_id: DataLoader[int, Report | None]
    pairing_by_id: DataLoader[int, UnitPairing | None]
    alliance_by_id: DataLoader[int, Alliance | None]
    alliance_party_by_id: DataLoader[int, AllianceParty | None]
    agreement_by_id: DataLoader[int, CoBuildingAgreement | None]
    project_by_id: DataLoader[int, AgreementProject | None]
    category_by_id: DataLoader[int, ServiceCategory | None]
    resource_item_by_id: DataLoader[int, ResourceItem | None]
    demand_item_by_id: DataLoader[int, DemandItem | None]
    service_item_by_id: DataLoader[int, ServiceItem | None]

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

    district_by_code: DataLoader[str, District | None]
    street_by_code: DataLoader[str, Street | None]
    community_by_code: DataLoader[str, Community | None]
    grid_by_code: DataLoader[str, Grid | None]
    compound_by_code: DataLoader[str, Compound | None]
    building_by_code: DataLoader[str, Building | None]
    property_company_by_code: DataLoader[str, PropertyCompany | None]
    alliance_by_code: DataLoader[str, Alliance | None]
    agreement_by_code: DataLoader[str, CoBuildingAgreement | None]
    category_by_code: DataLoader[str, ServiceCategory | None]

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

    districts: ListLoaders[District]
    streets: ListLoaders[Street]
    streets_of_district: ListLoaders[Street]
    communities: ListLoaders[Community]
    communities_of_street: ListLoaders[Community]
    grids: ListLoaders[Grid]
    grids_of_community: ListLoaders[Grid]
    children_of_grid: ListLoaders[Grid]
    compounds: ListLoaders[Compound]
    compounds_of_community: ListLoaders[Compound]
    compounds_of_grid: ListLoaders[Compound]
    compounds_of_company: ListLoaders[Compound]
    buildings_of_compound: ListLoaders[Building]
    supporters_of_community: ListLoaders[Report]
    supporters_of_building: ListLoaders[Report]
    pairings_of_unit: ListLoaders[UnitPairing]
    pairings_of_community: ListLoaders[UnitPairing]
    property_companies: ListLoaders[PropertyCompany]
    alliances: ListLoaders[Alliance]
    agreements: ListLoaders[CoBuildingAgreement]
    agreements_of_community: ListLoaders[CoBuildingAgreement]
    agreements_of_alliance: ListLoaders[CoBuildingAgreement]
    categories: ListLoaders[ServiceCategory]
    resource_items_of_community: ListLoaders[ResourceItem]
    demand_items_of_community: ListLoaders[DemandItem]
    service_items_of_community: ListLoaders[ServiceItem]
    resource_items: ListLoaders[ResourceItem]
    demand_items: ListLoaders[DemandItem]
    service_items: ListLoaders[ServiceItem]
    memberships: dict[PartyKind, ListLoaders[AllianceParty]]
    agreements_of_party: dict[PartyKind, ListLoaders[AgreementParty]]

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

    post_by_id: DataLoader[int, Post | None]
    post_by_code: DataLoader[str, Post | None]
    post_claim_by_id: DataLoader[int, PostClaim | None]
    posts_of_community: ListLoaders[Post]
    claims_of_post: ListLoaders[PostClaim]
    claims_of_member: ListLoaders[PostClaim]
    claimed_count_of_post: DataLoader[int, int]
    post_coverage_of_community: DataLoader[int, list[CoverageRow]]
    post_duty_by_id: DataLoader[int, PostDuty | None]
    duties_of_post: ListLoaders[PostDuty]
    duties_of_member: ListLoaders[PostDuty]

    def _posts(self, source: Datasource, scope: Scope) -> None:
        self.post_by_id = row_by_key(source, scope, Post.id)
        self.post_by_code = row_by_key(source, scope, Post.code)
        self.post_claim_by_id = row_by_key(source, scope, PostClaim.id)
        self.posts_of_community = ListLoaders(source, scope, L.POSTS, Post.community_id)
        self.claims_of_post = ListLoaders(source, scope, L.POST_CLAIMS, PostClaim.post_id)
        self.claims_of_member = ListLoaders(source, scope, L.POST_CLAIMS, PostClaim.member_code)
        self.claimed_count_of_post = claimed_counts(source)
        self.post_coverage_of_community = coverage(source, scope)
        self.post_duty_by_id = row_by_key(source, scope, PostDuty.id)
        self.duties_of_post = ListLoaders(source, scope, POST_DUTIES, PostDuty.post_id)
        self.duties_of_member = ListLoaders(source, scope, POST_DUTIES, PostDuty.member_code)

    activity_by_id: DataLoader[int, Activity | None]
    activity_signup_by_id: DataLoader[int, ActivitySignup | None]
    activities_of_community: ListLoaders[Activity]
    signups_of_activity: ListLoaders[ActivitySignup]
    signups_of_member: ListLoaders[ActivitySignup]
    signup_counts_of_activity: DataLoader[int, SignupCounts]
    points_of_signup: DataLoader[int, int]

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

    unit_signup_by_id: DataLoader[int, ActivityUnitSignup | None]
    unit_signups_of_activity: DataLoader[int, list[ActivityUnitSignup]]
    contribution_of_unit: DataLoader[tuple[str, int], UnitContribution]

    def _unit_service(self, source: Datasource, scope: Scope) -> None:
        """双服务: units' activity signups (活动接龙) and their year figures."""
        from datasources.community import unit_service as U
        from datasources.community.unit_service_models import ActivityUnitSignup

        self.unit_signup_by_id = row_by_key(source, scope, ActivityUnitSignup.id)
        self.unit_signups_of_activity = rows_by_key(
            source, scope, ActivityUnitSignup.activity_id, ActivityUnitSignup.signed_up_at,
            ActivityUnitSignup.id,
        )  # fmt: skip
        self.contribution_of_unit = U.contribution_of_unit(source, scope)

    order_by_id: DataLoader[int, ServiceOrder | None]
    orders_of_community: ListLoaders[ServiceOrder]
    orders_of_member: ListLoaders[ServiceOrder]
    orders_of_unit: ListLoaders[ServiceOrder]
    orders_placed_by_viewer: ListLoaders[ServiceOrder]
    order_by_demand_id: DataLoader[int, ServiceOrder | None]

    def _orders(self, source: Datasource, scope: Scope) -> None:
        self.order_by_id = row_by_key(source, scope, ServiceOrder.id)
        self.orders_of_community = ListLoaders(
            source, scope, SERVICE_ORDERS, ServiceOrder.community_id
        )
        self.orders_of_member = ListLoaders(source, scope, SERVICE_ORDERS, ServiceOrder.member_code)
        self.orders_of_unit = ListLoaders(source, scope, UNIT_ORDERS, ServiceOrder.taker_code)
        self.orders_placed_by_viewer = ListLoaders(source, PlacedByViewer(scope), SERVICE_ORDERS)
        # A demand is converted once (it is fulfilled then): at most one order per demand.
        demand_id = cast("InstrumentedAttribute[int]", ServiceOrder.demand_id)  # keys not null
        self.order_by_demand_id = row_by_key(source, scope, demand_id)

    micro_wish_by_id: DataLoader[int, MicroWish | None]
    micro_wishes_of_community: ListLoaders[MicroWish]
    micro_wishes_of_member: ListLoaders[MicroWish]

    def _micro_wishes(self, source: Datasource, scope: Scope) -> None:
        self.micro_wish_by_id = row_by_key(source, scope, MicroWish.id)
        self.micro_wishes_of_community = ListLoaders(
            source, scope, L.MICRO_WISHES, MicroWish.community_id
        )
        self.micro_wishes_of_member = ListLoaders(
            source, scope, L.MICRO_WISHES, MicroWish.claimed_by
        )

    evaluations_groups: EvaluationGroupLoaders

    def _evaluations_and_groups(self, source: Datasource, scope: Scope) -> None:
        """Evaluations (三评), building groups and household assignments."""
        from datasources.community.evaluations_groups import EvaluationGroupLoaders

        self.evaluations_groups = EvaluationGroupLoaders(source, scope)

    positions: PositionLoaders

    def _positions(self, source: Datasource, scope: Scope) -> None:
        """Positions (三长, 党员中心户)."""
        from datasources.community.positions import PositionLoaders

        self.positions = PositionLoaders(source, scope)

    notification_by_id: DataLoader[int, Any]
    notice_by_id: DataLoader[int, Any]

    def _notifications(self, source: Datasource, scope: Scope) -> None:
        """Notifications (消息) and notices (通知公告) by id, in the viewer's scope."""
        from datasources.community.notification_models import Notice, Notification

        self.notification_by_id = row_by_key(source, scope, Notification.id)
        self.notice_by_id = row_by_key(source, scope, Notice.id)

    household_by_id: DataLoader[int, Any]
    household_by_code: DataLoader[str, Any]
    households_of_building: DataLoader[int, list[Any]]

    def _households(self, source: Datasource, scope: Scope) -> None:
        """Households (户, 人屋关联) by id, by code and of a building (by unit and room)."""
        from datasources.community.household_models import Household

        self.household_by_id = row_by_key(source, scope, Household.id)
        self.household_by_code = row_by_key(source, scope, Household.code)
        self.households_of_building = rows_by_key(
            source, scope, Household.building_id, Household.unit_no, Household.room_no,
            Household.id,
        )  # fmt: skip

    points: PointsLoaders
    points_entry_by_id: DataLoader[int, PointsEntry | None]
    merchant_by_id: DataLoader[int, Merchant | None]
    mall_item_by_id: DataLoader[int, MallItem | None]
    redemption_by_id: DataLoader[int, Redemption | None]

    def _points(self, source: Datasource, scope: Scope) -> None:
        """Points (积分): ledger entries, balances, merchants, items and redemptions."""
        from datasources.community.points_lists import PointsLoaders

        self.points = PointsLoaders(source, scope)
        self.points_entry_by_id = self.points.entry_by_id
        self.merchant_by_id = self.points.merchant_by_id
        self.mall_item_by_id = self.points.item_by_id
        self.redemption_by_id = self.points.redemption_by_id

    partners: PartnerLoaders

    def _partner_ops(self, source: Datasource, scope: Scope) -> None:
        """Red property, alliance meetings and agreement projects (partner operations)."""
        from datasources.community.partner_loaders import PartnerLoaders

        self.partners = PartnerLoaders(source, scope)

    commitment_by_id: DataLoader[int, MemberCommitment | None]
    commitments: ListLoaders[MemberCommitment]
    commendation_by_id: DataLoader[int, Commendation | None]
    commendations: ListLoaders[Commendation]

    def _commitments(self, source: Datasource, scope: Scope) -> None:
        # Public commitments (公开承诺), datasources.community.commitment_lists.
        self.commitment_by_id = row_by_key(source, scope, MemberCommitment.id)
        self.commitments = ListLoaders(source, scope, COMMITMENTS)
        # Commendations (表彰), the same module's lists.
        self.commendation_by_id = row_by_key(source, scope, Commendation.id)
        self.commendations = ListLoaders(source, scope, COMMENDATIONS)

    spaces: SpaceLoaders

    def _spaces(self, source: Datasource, scope: Scope) -> None:
        """Shared spaces (共享空间) and their bookings (预约)."""
        from datasources.community.spaces.lists import SpaceLoaders

        self.spaces = SpaceLoaders(source, scope)

    donations: DonationLoaders

    def _donations(self, source: Datasource, scope: Scope) -> None:
        """Donations (爱心捐赠)."""
        from datasources.community.donations.lists import DonationLoaders

        self.donations = DonationLoaders(source, scope)

    help: HelpLoaders

    def _help(self, source: Datasource, scope: Scope) -> None:
        """The register of households in need (特殊群体), pairings and visits."""
        from datasources.community.help.lists import HelpLoaders

        self.help = HelpLoaders(source, scope)

    resident_points: ResidentPointsLoaders

    def _resident_points(self, source: Datasource, scope: Scope) -> None:
        """Residents' and young volunteers' points (居民积分, 小小志愿者)."""
        from datasources.community.resident_points.lists import ResidentPointsLoaders

        self.resident_points = ResidentPointsLoaders(source, scope)

    def history_of(self, entity_type: str) -> DataLoader[int, list[Any]]:
        """State events of one kind of workflow entity, oldest first, by entity id."""
        if entity_type not in self._history:
            self._history[entity_type] = rows_by_key(
                self._source, self._scope, StateEvent.entity_id, StateEvent.id,
                where=(StateEvent.entity_type == entity_type,),
            )  # fmt: skip
        return self._history[entity_type]

    def attachments_of(self, entity_type: str) -> DataLoader[int, list[Any]]:
        """Files attached to one kind of record (附件), oldest first, by record id."""
        from datasources.community.attachment_models import Attachment

        if entity_type not in self._attachments:
            self._attachments[entity_type] = rows_by_key(
                self._source, self._scope, Attachment.entity_id, Attachment.id,
                where=(Attachment.entity_type == entity_type,),
            )  # fmt: skip
        return self._attachments[entity_type]

    async def attachment(self, attachment_id: int) -> Any:
        """One attachment the viewer may see (that of a record he may see), else None."""
        from datasources.community.attachment_models import Attachment

        visible = await self._scope.where(Attachment)
        async with self._source.session() as session:
            return await session.scalar(
                select(Attachment).where(Attachment.id == attachment_id, *visible)
            )


def _active_report_by_member_code(source: Datasource, scope: Scope) -> DataLoader[str, Any]:
    """The member's current report: the confirmed one, even while a move is pending (he is
    reported there until the new community confirms); else his pending report."""

    async def load(keys: list[str]) -> list[Any]:
        visible = await scope.where(Report)
        stmt = (
            select(Report)
            .where(
                Report.member_code.in_(keys),
                Report.status.in_(L.ACTIVE_REPORT_STATUSES),
                *visible,
            )
            .order_by(Report.id)
        )
        found: dict[str, Report] = {}
        async with source.session() as session:
            for row in await session.scalars(stmt):
                known = found.get(row.member_code)
                if known is None or known.status is not ReportStatus.CONFIRMED:
                    found[row.member_code] = row
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)
