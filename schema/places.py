"""Community side places (社区侧): District, Street, Community, Grid, Compound, Building."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from datasources.community import lists
from datasources.community.models import PartyKind as PartyKindModel
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import YEAR, between, page_size
from schema.enums import CompoundKind, StreetKind
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)
from schema.retirable import Retirable

if TYPE_CHECKING:
    from schema.activities import Activity, ActivityFilter
    from schema.alliances import PartyContribution
    from schema.donations import Donation, DonationFigures, DonationFilter
    from schema.evaluations import EvaluationFilter, MemberEvaluation
    from schema.groups import BuildingGroup, BuildingGroupFilter, HouseholdAssignment
    from schema.linkage import CompoundCommittee
    from schema.lists import DemandItem, ListItemFilter, ListItemOrder, ResourceItem, ServiceItem
    from schema.master import Household
    from schema.orders import ServiceOrder, ServiceOrderFilter, ServiceOrderOrder
    from schema.partners import (
        AgreementFilter,
        AgreementProject,
        AllianceMembership,
        CoBuildingAgreement,
        PropertyCompany,
    )
    from schema.performance_places import SupporterSummary
    from schema.positions import Position, PositionFilter
    from schema.posts import Post, PostCoverage, PostFilter
    from schema.property import ContractStatus, LinkageMeeting, PropertyContract
    from schema.reporting import Report, SupporterFilter, SupporterOrder, UnitPairing
    from schema.resident_points import ResidentVolunteer, ResidentVolunteerFilter
    from schema.spaces import (
        Space,
        SpaceBooking,
        SpaceBookingFilter,
        SpaceBookingOrder,
        SpaceFilter,
        SpaceOrder,
        SpaceUse,
    )
    from schema.wishes import MicroWish, MicroWishFilter

_REPORTING = "schema.reporting"
_POSTS = "schema.posts"
_PARTNERS = "schema.partners"
_LISTS = "schema.lists"
_WISHES = "schema.wishes"
_EVALUATIONS = "schema.evaluations"
_GROUPS = "schema.groups"
_POSITIONS = "schema.positions"
_PROPERTY = "schema.property"
_LINKAGE = "schema.linkage"
_ALLIANCES = "schema.alliances"
_ACTIVITIES = "schema.activities"
_ORDERS = "schema.orders"
_SPACES = "schema.spaces"
_DONATIONS = "schema.donations"
_RESIDENTS = "schema.resident_points"


@strawberry.enum(description="How to sort places: by name (名称) or code (编码).")
class PlaceOrder(Enum):
    NAME = "name"
    CODE = "code"


@strawberry.input(description="Filters for streets (街道筛选).")
class StreetFilter:
    name_contains: str | None = strawberry.field(default=None, description="Part of the name.")
    district_code: str | None = strawberry.field(
        default=None, description="Only streets of this district (区编码)."
    )

    include_retired: bool = strawberry.field(
        default=False, description="Also retired (撤销) ones; by default only those in force."
    )

    def to_filter(self) -> lists.StreetFilter:
        return lists.StreetFilter(
            name_contains=self.name_contains,
            district_code=self.district_code,
            include_retired=self.include_retired,
        )


@strawberry.input(description="Filters for communities (社区筛选).")
class CommunityFilter:
    name_contains: str | None = strawberry.field(default=None, description="Part of the name.")
    codes: list[str] | None = strawberry.field(
        default=None, description="Only communities with these codes (社区编码)."
    )
    street_code: str | None = strawberry.field(
        default=None, description="Only communities of this street or town (街道编码)."
    )

    include_retired: bool = strawberry.field(
        default=False, description="Also retired (撤销) ones; by default only those in force."
    )

    def to_filter(self) -> lists.CommunityFilter:
        return lists.CommunityFilter(
            name_contains=self.name_contains,
            codes=as_tuple(self.codes),
            street_code=self.street_code,
            include_retired=self.include_retired,
        )


@strawberry.input(description="Filters for grids (网格筛选).")
class GridFilter:
    name_contains: str | None = strawberry.field(default=None, description="Part of the name.")
    levels: list[int] | None = strawberry.field(
        metadata=between(1, 20),
        default=None,
        description="Any of these grid levels (网格层级), e.g. 3, 4, 5.",
    )
    top_level_only: bool = strawberry.field(
        default=False, description="Only grids without a parent grid (顶级网格)."
    )

    include_retired: bool = strawberry.field(
        default=False, description="Also retired (撤销) ones; by default only those in force."
    )

    def to_filter(self) -> lists.GridFilter:
        return lists.GridFilter(
            name_contains=self.name_contains,
            levels=as_tuple(self.levels),
            top_level_only=self.top_level_only,
            include_retired=self.include_retired,
        )


@strawberry.input(description="Filters for residential compounds (小区筛选).")
class CompoundFilter:
    name_contains: str | None = strawberry.field(default=None, description="Part of the name.")
    grid_code: str | None = strawberry.field(
        default=None, description="Only compounds in this grid (网格编码)."
    )
    property_company_code: str | None = strawberry.field(
        default=None, description="Only compounds served by this company (物业企业编码)."
    )
    has_property_company: bool | None = strawberry.field(
        default=None, description="With (true) or without (false) a property company (物业)."
    )
    has_party_branch: bool | None = strawberry.field(
        default=None, description="With or without a compound Party branch (小区党支部)."
    )
    three_no: bool | None = strawberry.field(
        default=None,
        description='Only (true) or no (false) "three-no" compounds (三无小区): no owner '
        "unit, no property service, no security.",
    )

    include_retired: bool = strawberry.field(
        default=False, description="Also retired (撤销) ones; by default only those in force."
    )

    def to_filter(self) -> lists.CompoundFilter:
        return lists.CompoundFilter(
            name_contains=self.name_contains,
            grid_code=self.grid_code,
            property_company_code=self.property_company_code,
            has_property_company=self.has_property_company,
            has_party_branch=self.has_party_branch,
            three_no=self.three_no,
            include_retired=self.include_retired,
        )


@strawberry.type(description="A district (区), the organisation department's whole scope.")
class District(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.district_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable district code (区编码).")
    name: str = strawberry.field(description="Name (区名), e.g. 禅城区.")
    city: str = strawberry.field(description="City (市), e.g. 佛山市.")

    @strawberry.field(description="Streets and towns of the district (街道/镇).")
    async def streets(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Street]:
        return await paginate(
            info,
            info.context.community.streets_of_district,
            self.id,
            Street.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
        )


@strawberry.federation.type(
    keys=["code"], description="A street (街道) or town (镇): the level above communities."
)
class Street(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.street_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable street code (街道编码).")
    name: str = strawberry.field(description="Name (名称), e.g. 石湾镇街道.")
    kind: StreetKind = strawberry.field(description="Street (街道) or town (镇).")
    district_id: strawberry.Private[int]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Street | None:
        return cls.from_optional_row(await info.context.community.street_by_code.load(code))

    @strawberry.field(description="The district the street belongs to (所属区).")
    async def district(self, info: Info) -> District:
        return District.from_row(await info.context.community.district_by_id.load(self.district_id))

    @strawberry.field(description="Communities of this street (社区).")
    async def communities(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CommunityFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Community]:
        return await paginate(
            info,
            info.context.community.communities_of_street,
            self.id,
            Community.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )


@strawberry.federation.type(
    keys=["code"],
    description="A community (社区): its Party committee (社区大党委) receives members' reports "
    "and organises them to serve.",
)
class Community(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.community_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable community code (社区编码).")
    name: str = strawberry.field(description="Name (社区名称).")
    address: str | None = strawberry.field(description="Address of the community office (地址).")
    households: int = strawberry.field(description="Registered households (户数).")
    residents: int = strawberry.field(description="Resident population (常住人口).")
    secretary_name: str | None = strawberry.field(
        description="Secretary of the community Party committee (社区党委书记)."
    )
    street_id: strawberry.Private[int]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Community | None:
        return cls.from_optional_row(await info.context.community.community_by_code.load(code))

    @strawberry.field(description="The street or town the community belongs to (所属街道).")
    async def street(self, info: Info) -> Street:
        return Street.from_row(await info.context.community.street_by_id.load(self.street_id))

    @strawberry.field(description="Grids of the community (网格), all levels unless filtered.")
    async def grids(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: GridFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Grid]:
        return await paginate(
            info,
            info.context.community.grids_of_community,
            self.id,
            Grid.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="Residential compounds of the community (小区).")
    async def compounds(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CompoundFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Compound]:
        return await paginate(
            info,
            info.context.community.compounds_of_community,
            self.id,
            Compound.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(
        description="Supporters (报到党员): members who reported to this community, filterable "
        "by skill, building, grid and availability. Active reports unless `statuses` is given."
    )
    async def supporters(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[SupporterFilter, strawberry.lazy(_REPORTING)] | None = None,
        order_by: Annotated[SupporterOrder, strawberry.lazy(_REPORTING)] | None = None,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Annotated[Report, strawberry.lazy(_REPORTING)]]:
        from schema.reporting import supporter_connection

        return await supporter_connection(
            info,
            info.context.community.supporters_of_community,
            self.id,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(
        description="Units whose Party organisations are paired with this community "
        "(结对共建单位), as pairing records; active ones unless `includeEnded`."
    )
    async def partner_units(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        include_ended: bool = False,
    ) -> Connection[Annotated[UnitPairing, strawberry.lazy(_REPORTING)]]:
        from schema.reporting import pairing_connection

        return await pairing_connection(
            info,
            info.context.community.pairings_of_community,
            self.id,
            first=first,
            after=after,
            include_ended=include_ended,
        )

    @strawberry.field(description="Alliances (党建联盟) the community is a member party of.")
    async def alliances(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Annotated[AllianceMembership, strawberry.lazy(_PARTNERS)]]:
        from schema.partners import membership_connection

        return await membership_connection(
            info, PartyKindModel.COMMUNITY, self.code, first=first, after=after
        )

    @strawberry.field(description="Co-building agreements (共建协议) signed by this community.")
    async def agreements(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[AgreementFilter, strawberry.lazy(_PARTNERS)] | None = None,
    ) -> Connection[Annotated[CoBuildingAgreement, strawberry.lazy(_PARTNERS)]]:
        from schema.partners import AgreementOrder, CoBuildingAgreement

        return await paginate(
            info,
            info.context.community.agreements_of_community,
            self.id,
            CoBuildingAgreement.from_row,
            first=first,
            after=after,
            order_by=AgreementOrder.SIGNED_ON,
            direction=OrderDirection.DESC,
            filter=filter,
        )

    @strawberry.field(description="The community's resource list (资源清单).")
    async def resource_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ListItemFilter, strawberry.lazy(_LISTS)] | None = None,
        order_by: Annotated[ListItemOrder, strawberry.lazy(_LISTS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[ResourceItem, strawberry.lazy(_LISTS)]]:
        from schema.lists import ResourceItem, list_item_connection

        return await list_item_connection(
            info,
            info.context.community.resource_items_of_community,
            self.id,
            ResourceItem,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(description="The community's demand list (需求清单).")
    async def demand_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ListItemFilter, strawberry.lazy(_LISTS)] | None = None,
        order_by: Annotated[ListItemOrder, strawberry.lazy(_LISTS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[DemandItem, strawberry.lazy(_LISTS)]]:
        from schema.lists import DemandItem, list_item_connection

        return await list_item_connection(
            info,
            info.context.community.demand_items_of_community,
            self.id,
            DemandItem,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(description="The community's service list (服务清单).")
    async def service_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ListItemFilter, strawberry.lazy(_LISTS)] | None = None,
        order_by: Annotated[ListItemOrder, strawberry.lazy(_LISTS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[ServiceItem, strawberry.lazy(_LISTS)]]:
        from schema.lists import ServiceItem, list_item_connection

        return await list_item_connection(
            info,
            info.context.community.service_items_of_community,
            self.id,
            ServiceItem,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(description="Posts (岗位) the community published, newest first.")
    async def posts(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[PostFilter, strawberry.lazy(_POSTS)] | None = None,
    ) -> Connection[Annotated[Post, strawberry.lazy(_POSTS)]]:
        from schema.posts import community_posts

        return await community_posts(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Post coverage by service category (岗位覆盖): open posts, places and "
        "places taken per category."
    )
    async def post_coverage(
        self, info: Info
    ) -> list[Annotated[PostCoverage, strawberry.lazy(_POSTS)]]:
        from schema.posts import post_coverage

        return await post_coverage(info, self.id)

    @strawberry.field(
        description="Micro-wishes (微心愿) the community published, newest first: published "
        "ones for anyone, all of them for the community itself."
    )
    async def micro_wishes(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[MicroWishFilter, strawberry.lazy(_WISHES)] | None = None,
    ) -> Connection[Annotated[MicroWish, strawberry.lazy(_WISHES)]]:
        from schema.wishes import community_wishes

        return await community_wishes(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="The community's supporters in a year (报到党员年度汇总): supporters, "
        "active ones, hours and orders by category and month, top supporters, posts filled "
        "per category, paired units and what they did."
    )
    async def supporter_summary(
        self,
        info: Info,
        year: Annotated[
            int, strawberry.argument(metadata=YEAR, description="The year (年度), China time.")
        ],
        top: Annotated[
            int,
            strawberry.argument(
                metadata=page_size(),
                description="How many top supporters (前几名), at most the page cap (100 by "
                "default); more is refused with BAD_USER_INPUT, as `first` is.",
            ),
        ] = 10,
    ) -> Annotated[SupporterSummary, strawberry.lazy("schema.performance_places")]:
        from schema.performance_places import supporter_summary

        return await supporter_summary(info, self.id, year, top)

    @strawberry.field(
        description="Active evaluations of members (社区评价) written in this community, "
        "newest first: the committee's, the grid branches' and the group leaders' views "
        "and self-evaluations; for the community's roles, the district and the auditor."
    )
    async def evaluations(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[EvaluationFilter, strawberry.lazy(_EVALUATIONS)] | None = None,
    ) -> Connection[Annotated[MemberEvaluation, strawberry.lazy(_EVALUATIONS)]]:
        from schema.evaluations import community_evaluations

        return await community_evaluations(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Building groups (楼栋党小组) of the community by name, active ones unless "
        "filtered; for the community's roles (a member sees his own group)."
    )
    async def building_groups(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[BuildingGroupFilter, strawberry.lazy(_GROUPS)] | None = None,
    ) -> Connection[Annotated[BuildingGroup, strawberry.lazy(_GROUPS)]]:
        from schema.groups import community_groups

        return await community_groups(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Positions of the community (三长、党员中心户) by code: for its community "
        "roles (a holder sees his own position, a member the positions he holds)."
    )
    async def positions(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[PositionFilter, strawberry.lazy(_POSITIONS)] | None = None,
    ) -> Connection[Annotated[Position, strawberry.lazy(_POSITIONS)]]:
        from schema.positions import community_positions

        return await community_positions(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Partners' contributions through the community's co-building agreements "
        "(共建贡献): per project owner, projects done, owed and overdue, with budgets."
    )
    async def partner_contributions(
        self, info: Info
    ) -> list[Annotated[PartyContribution, strawberry.lazy(_ALLIANCES)]]:
        from schema.alliances import community_contributions

        return await community_contributions(info, self.id)

    @strawberry.field(
        description="Overdue projects (逾期实事项目) of the community's agreements: planned or in "
        "progress and past their due date."
    )
    async def overdue_projects(
        self, info: Info
    ) -> list[Annotated[AgreementProject, strawberry.lazy(_PARTNERS)]]:
        from schema.alliances import community_overdue_projects

        return await community_overdue_projects(info, self.id)

    @strawberry.field(
        description="Activities (活动) of the community, by start time: published and "
        "certified ones for any signed-in viewer, cancelled ones for the community itself. "
        "`filter: {thisWeek: true}` gives this week's (本周活动)."
    )
    async def activities(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[
            Annotated[ActivityFilter, strawberry.lazy(_ACTIVITIES)] | None,
            strawberry.argument(description="By state and start time, e.g. this week (本周)."),
        ] = None,
    ) -> Connection[Annotated[Activity, strawberry.lazy(_ACTIVITIES)]]:
        from schema.activities import community_activities

        return await community_activities(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Shared spaces (共享空间: 共享小屋, 红色驿站, 党群服务站 rooms) of the "
        "community, with their opening hours; for any signed-in viewer."
    )
    async def spaces(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[SpaceFilter, strawberry.lazy(_SPACES)] | None = None,
        order_by: Annotated[SpaceOrder, strawberry.lazy(_SPACES)] | None = None,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Annotated[Space, strawberry.lazy(_SPACES)]]:
        from schema.spaces import SpaceOrder, community_spaces

        return await community_spaces(
            info, self.id, first=first, after=after, filter=filter,
            order_by=order_by or SpaceOrder.NAME, direction=direction,
        )  # fmt: skip

    @strawberry.field(
        description="Bookings of the community's spaces (空间预约), by start: for its "
        "community roles all, for a booker his own."
    )
    async def space_bookings(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[SpaceBookingFilter, strawberry.lazy(_SPACES)] | None = None,
        order_by: Annotated[SpaceBookingOrder, strawberry.lazy(_SPACES)] | None = None,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Annotated[SpaceBooking, strawberry.lazy(_SPACES)]]:
        from schema.spaces import SpaceBookingOrder, community_bookings

        return await community_bookings(
            info, self.id, first=first, after=after, filter=filter,
            order_by=order_by or SpaceBookingOrder.STARTS_AT, direction=direction,
        )  # fmt: skip

    @strawberry.field(
        description="Residents' and young volunteers' points accounts (居民志愿者积分账户) of "
        "the community, oldest first: for its community roles all; for a resident his own "
        "and his children's; empty for others. Their points are no part of members' records."
    )
    async def resident_volunteers(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ResidentVolunteerFilter, strawberry.lazy(_RESIDENTS)] | None = None,
    ) -> Connection[Annotated[ResidentVolunteer, strawberry.lazy(_RESIDENTS)]]:
        from schema.resident_points import community_volunteers

        return await community_volunteers(info, self.id, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Use of the community's spaces in a year (空间使用情况): bookings by "
        "state, people and hours of those used. Figures, not people: for any signed-in viewer."
    )
    async def space_use(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(metadata=YEAR, description="The year.")],
    ) -> Annotated[SpaceUse, strawberry.lazy(_SPACES)]:
        from schema.spaces import community_space_use

        return await community_space_use(info, self.id, year)

    @strawberry.field(
        description="Donations to the community (爱心捐赠), newest first: for its community "
        "roles all, for a donor his own."
    )
    async def donations(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[DonationFilter, strawberry.lazy(_DONATIONS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[Donation, strawberry.lazy(_DONATIONS)]]:
        from schema.donations import community_donations

        return await community_donations(
            info, self.id, first=first, after=after, filter=filter, direction=direction
        )

    @strawberry.field(
        description="Donations offered to the community in a year (捐赠情况): counts by state, "
        "pieces and yuan accepted. Figures, not donors: for any signed-in viewer."
    )
    async def donation_figures(
        self,
        info: Info,
        year: Annotated[int, strawberry.argument(metadata=YEAR, description="The year.")],
    ) -> Annotated[DonationFigures, strawberry.lazy(_DONATIONS)]:
        from schema.donations import community_donation_figures

        return await community_donation_figures(info, self.id, year)

    @strawberry.field(
        description="Service orders (服务订单) of the community, newest first; e.g. "
        "`filter: {overdue: true}` for its overdue orders (超时订单). Seen by the community "
        "side and the district."
    )
    async def orders(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ServiceOrderFilter, strawberry.lazy(_ORDERS)] | None = None,
        order_by: Annotated[ServiceOrderOrder, strawberry.lazy(_ORDERS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[ServiceOrder, strawberry.lazy(_ORDERS)]]:
        from schema.orders import community_orders

        return await community_orders(
            info,
            self.id,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )


@strawberry.federation.type(
    keys=["code"],
    description="A grid (网格): multi-level, e.g. third, fourth and fifth level; units' staff "
    "and departments are assigned into grids.",
)
class Grid(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.grid_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable grid code (网格编码).")
    name: str = strawberry.field(description="Name (网格名称).")
    level: int = strawberry.field(description="Grid level (网格层级), e.g. 3 to 5.")
    secretary_name: str | None = strawberry.field(
        description="Secretary of the grid Party branch (网格党支部书记)."
    )
    community_id: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Grid | None:
        return cls.from_optional_row(await info.context.community.grid_by_code.load(code))

    @strawberry.field(description="The community the grid belongs to (所属社区).")
    async def community(self, info: Info) -> Community:
        row = await info.context.community.community_by_id.load(self.community_id)
        return Community.from_row(row)

    @strawberry.field(description="The grid one level up (上级网格), null at the top.")
    async def parent(self, info: Info) -> Grid | None:
        if self.parent_id is None:
            return None
        return Grid.from_optional_row(await info.context.community.grid_by_id.load(self.parent_id))

    @strawberry.field(description="Grids one level down (下级网格).")
    async def children(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Grid]:
        return await paginate(
            info,
            info.context.community.children_of_grid,
            self.id,
            Grid.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(description="Compounds in this grid (网格内小区).")
    async def compounds(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Compound]:
        return await paginate(
            info,
            info.context.community.compounds_of_grid,
            self.id,
            Compound.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
        )


@strawberry.federation.type(
    keys=["code"],
    description="A residential compound (小区), with or without an owners' committee (业委会), "
    "compound Party branch (小区党支部) and property company (物业).",
)
class Compound(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.compound_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable compound code (小区编码).")
    name: str = strawberry.field(description="Name (小区名称).")
    has_owners_committee: bool = strawberry.field(description="Has an owners' committee (业委会).")
    has_owner_unit: bool = strawberry.field(description="Has an owner unit (产权单位).")
    has_security: bool = strawberry.field(description="Has security service (安保).")
    party_branch_name: str | None = strawberry.field(
        description="Name of the compound Party branch (小区党支部), null if none."
    )
    households: int = strawberry.field(description="Households (户数).")
    built_year: int | None = strawberry.field(description="Year built (建成年份).")
    kind: CompoundKind = strawberry.field(
        description="What the compound is (小区类型); decides who meets for it (联动形式)."
    )
    self_built_unit_code: str | None = strawberry.field(
        description="The unit that built it (自建单位编码), unit-built compounds only."
    )
    address: str | None = strawberry.field(description="Address of the compound (小区地址).")
    community_id: strawberry.Private[int]
    grid_id: strawberry.Private[int | None]
    property_company_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Its committees (业委会 / 自管委) by kind, latest term first, with those "
        "carried over without a term."
    )
    async def committees(
        self, info: Info
    ) -> list[Annotated[CompoundCommittee, strawberry.lazy(_LINKAGE)]]:
        from schema.linkage import committees_of_compound

        return await committees_of_compound(info, self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Compound | None:
        return cls.from_optional_row(await info.context.community.compound_by_code.load(code))

    @strawberry.field(
        description='"Three-no" compound (三无小区): its kind is THREE_NO (no competent unit, no '
        "property service, no owners' committee); signing a property contract makes it "
        "COMMERCIAL."
    )
    def is_three_no(self) -> bool:
        return self.kind is CompoundKind.THREE_NO

    @strawberry.field(description="The community the compound belongs to (所属社区).")
    async def community(self, info: Info) -> Community:
        row = await info.context.community.community_by_id.load(self.community_id)
        return Community.from_row(row)

    @strawberry.field(description="The grid the compound lies in (所属网格), if assigned.")
    async def grid(self, info: Info) -> Grid | None:
        if self.grid_id is None:
            return None
        return Grid.from_optional_row(await info.context.community.grid_by_id.load(self.grid_id))

    @strawberry.field(description="The property company serving it (物业服务企业), null if none.")
    async def property_company(
        self, info: Info
    ) -> Annotated[PropertyCompany, strawberry.lazy(_PARTNERS)] | None:
        from schema.partners import PropertyCompany

        if self.property_company_id is None:
            return None
        row = await info.context.community.property_company_by_id.load(self.property_company_id)
        return PropertyCompany.from_optional_row(row)

    @strawberry.field(description="Buildings of the compound (楼栋).")
    async def buildings(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Building]:
        return await paginate(
            info,
            info.context.community.buildings_of_compound,
            self.id,
            Building.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(
        description="Property service contracts of the compound (物业服务合同), newest first; "
        "at most one active. `statuses` filters by the state as of today (EXPIRED once the "
        "end date has passed)."
    )
    async def property_contracts(
        self,
        info: Info,
        statuses: Annotated[
            list[Annotated[ContractStatus, strawberry.lazy(_PROPERTY)]] | None,
            strawberry.argument(description="Only these states (合同状态); all if omitted."),
        ] = None,
    ) -> list[Annotated[PropertyContract, strawberry.lazy(_PROPERTY)]]:
        from schema.property import contracts_of_compound

        return await contracts_of_compound(info, self.id, statuses)

    @strawberry.field(
        description="Linkage meetings (联动会议: 四方联动, 三方联动, 四方议事会), newest first."
    )
    async def linkage_meetings(
        self, info: Info
    ) -> list[Annotated[LinkageMeeting, strawberry.lazy(_PROPERTY)]]:
        from schema.property import meetings_of_compound

        return await meetings_of_compound(info, self.id)


@strawberry.federation.type(
    keys=["code"], description="A building (楼栋); supporters are grouped by building."
)
class Building(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.building_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable building code (楼栋编码).")
    name: str = strawberry.field(description="Name (楼栋), e.g. 3栋.")
    floors: int = strawberry.field(description="Floors (层数).")
    households: int = strawberry.field(description="Households (户数).")
    entrances: int = strawberry.field(
        description="Units (单元数): the building's entrances, numbered 1..entrances; a 单元长 "
        "leads one, and orders and demands may name one (unitNumber)."
    )
    compound_id: strawberry.Private[int]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Building | None:
        return cls.from_optional_row(await info.context.community.building_by_code.load(code))

    @strawberry.field(description="The compound the building belongs to (所属小区).")
    async def compound(self, info: Info) -> Compound:
        return Compound.from_row(await info.context.community.compound_by_id.load(self.compound_id))

    @strawberry.field(
        description="Households (户, 人屋关联) registered in its dwellings, by unit and room; "
        "retired ones (迁出/注销) too. Personal data: only the community's roles (and the "
        "district) read them."
    )
    async def household_records(
        self, info: Info
    ) -> list[Annotated[Household, strawberry.lazy("schema.master")]]:
        from schema.master import Household

        rows = await info.context.community.households_of_building.load(self.id)
        return [Household.from_row(row) for row in rows]

    @strawberry.field(description="Supporters (报到党员) living in this building.")
    async def supporters(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[SupporterFilter, strawberry.lazy(_REPORTING)] | None = None,
        order_by: Annotated[SupporterOrder, strawberry.lazy(_REPORTING)] | None = None,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Annotated[Report, strawberry.lazy(_REPORTING)]]:
        from schema.reporting import supporter_connection

        return await supporter_connection(
            info,
            info.context.community.supporters_of_building,
            self.id,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(
        description="Household assignments (包干到层/到户) in this building, by floor; ended "
        "ones only when asked."
    )
    async def assignments(
        self,
        info: Info,
        include_ended: Annotated[
            bool, strawberry.argument(description="Also list ended assignments (已结束).")
        ] = False,
    ) -> list[Annotated[HouseholdAssignment, strawberry.lazy(_GROUPS)]]:
        from schema.groups import building_assignments

        return await building_assignments(info, self.id, include_ended)


@strawberry.type(description="Root fields of community-side places (区/街道/社区/网格/小区).")
class PlacesQuery:
    @strawberry.field(description="Districts (区).")
    async def districts(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[District]:
        return await paginate(
            info,
            info.context.community.districts,
            None,
            District.from_row,
            first=first,
            after=after,
            order_by=PlaceOrder.NAME,
        )

    @strawberry.field(description="Streets and towns (街道/镇), filtered and sorted.")
    async def streets(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: StreetFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Street]:
        return await paginate(
            info,
            info.context.community.streets,
            None,
            Street.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="Communities (社区), filtered and sorted.")
    async def communities(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CommunityFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Community]:
        return await paginate(
            info,
            info.context.community.communities,
            None,
            Community.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One community by its code (社区编码); null if unknown.")
    async def community(self, info: Info, code: str) -> Community | None:
        row = await info.context.community.community_by_code.load(code)
        return Community.from_optional_row(row)

    @strawberry.field(description="One grid by its code (网格编码); null if unknown.")
    async def grid(self, info: Info, code: str) -> Grid | None:
        return Grid.from_optional_row(await info.context.community.grid_by_code.load(code))

    @strawberry.field(description="One compound by its code (小区编码); null if unknown.")
    async def compound(self, info: Info, code: str) -> Compound | None:
        return Compound.from_optional_row(await info.context.community.compound_by_code.load(code))

    @strawberry.field(description="Compounds (小区) across communities, e.g. all three-no ones.")
    async def compounds(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CompoundFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Compound]:
        return await paginate(
            info,
            info.context.community.compounds,
            None,
            Compound.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )
