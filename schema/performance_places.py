"""Year summaries of a community's supporters (社区报到党员汇总) and the district dashboard
(区级看板) of reporting and service."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import performance as perf
from resolvers import performance_places as places
from schema.base import Info, selected_at
from schema.bounds import page_size
from schema.pagination import DEFAULT_PAGE_SIZE, After, Connection, First
from schema.performance import (
    AppraisalPolicy,
    PerformanceSummary,
    Year,
    _check_year,
    list_connection,
    policy_from_row,
    red_flag_reason,
    summary_type,
)

if TYPE_CHECKING:
    from schema.lists import ServiceCategory
    from schema.places import Community
    from schema.unit_service import UnitContribution
    from schema.units import Member, PartyBranch, WorkUnit

_PLACES = "schema.places"
_UNITS = "schema.units"
_LISTS = "schema.lists"
_UNIT_SERVICE = "schema.unit_service"
Top = Annotated[
    int,
    strawberry.argument(
        metadata=page_size(),
        description="How many to list (列出条数), at most the page cap (100 by default); "
        "more is refused with BAD_USER_INPUT, as `first` is.",
    ),
]


@strawberry.type(description="Service of one category, month or community (服务统计).")
class ServiceBucket:
    orders: int = strawberry.field(description="Orders completed (完成点单).")
    order_hours: float = strawberry.field(description="Hours of those orders (点单时长).")
    attendances: int = strawberry.field(description="Activity attendances (参加活动人次).")
    activity_hours: float = strawberry.field(description="Hours of those (活动时长).")
    duty_sessions: int = strawberry.field(
        description="Confirmed post duty sessions (岗位值守), under the post's category and "
        "the month the session began; a post claim alone is none."
    )
    duty_hours: float = strawberry.field(description="Hours of those (值守时长).")
    hours: float = strawberry.field(
        description="All hours (合计时长): orders, activities and duty."
    )


@strawberry.type(description="Service in one category (分类服务统计).")
class CategoryService(ServiceBucket):
    category_id: strawberry.Private[int]

    @strawberry.field(description="The service category (服务类别).")
    async def category(
        self, info: Info
    ) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)] | None:
        from schema.lists import ServiceCategory

        row = await info.context.community.category_by_id.load(self.category_id)
        return ServiceCategory.from_optional_row(row)


@strawberry.type(description="Service in one month (月度服务统计), China time.")
class MonthService(ServiceBucket):
    month: int = strawberry.field(description="The month, 1-12 (月份).")


async def _community(info: Info, community_id: int) -> Community:
    from schema.places import Community

    return Community.from_row(await info.context.community.community_by_id.load(community_id))


@strawberry.type(description="Service in one community (社区服务统计).")
class CommunityService(ServiceBucket):
    rank: int = strawberry.field(description="Rank by hours (按时长排名), 1 first.")
    community_id: strawberry.Private[int]

    @strawberry.field(description="The community (社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        return await _community(info, self.community_id)


def _bucket_fields(b: places.ServiceBucket) -> dict[str, float | int]:
    return {
        "orders": b.orders,
        "order_hours": float(b.order_hours),
        "attendances": b.attendances,
        "activity_hours": float(b.activity_hours),
        "duty_sessions": b.duty_sessions,
        "duty_hours": float(b.duty_hours),
        "hours": float(b.hours),
    }


@strawberry.type(description="A supporter's service in the community (党员服务排行).")
class SupporterService:
    member_code: str = strawberry.field(description="The member's code (党员编码).")
    services: int = strawberry.field(
        description="Orders, attendances and confirmed duty sessions (服务次数)."
    )
    hours: float = strawberry.field(description="Hours (服务时长).")

    @strawberry.field(description="The member, if the viewer may see him (党员).")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )


@strawberry.type(description="Posts of one category and how many are held (岗位认领).")
class PostFill:
    posts: int = strawberry.field(description="Posts (岗位数).")
    claims_held: int = strawberry.field(description="Claims held in the year (认领人次).")
    category_id: strawberry.Private[int]

    @strawberry.field(description="The service category (服务类别).")
    async def category(
        self, info: Info
    ) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)] | None:
        from schema.lists import ServiceCategory

        row = await info.context.community.category_by_id.load(self.category_id)
        return ServiceCategory.from_optional_row(row)


@strawberry.type(description="A unit paired with the community and what it did (结对单位).")
class PairedUnitWork:
    unit_code: str = strawberry.field(description="The unit's code (单位编码).")
    pairing_active: bool = strawberry.field(description="Paired now (结对中).")
    orders_completed: int = strawberry.field(
        description="Orders the unit took and completed in the year (单位完成点单)."
    )
    hours: float = strawberry.field(description="Hours of those orders (时长).")
    activities_joined: int = strawberry.field(
        default=0,
        description="Activities here in the year it signed up for with its members "
        "(单位活动接龙), not cancelled.",
    )
    participants: int = strawberry.field(
        default=0, description="Members it committed to them (接龙人次): the headcounts."
    )
    demands_claimed: int = strawberry.field(
        default=0, description="Demands here it claimed in the year (认领需求)."
    )
    demands_completed: int = strawberry.field(
        default=0, description="Demands here it completed in the year (完成需求)."
    )
    wishes_claimed: int = strawberry.field(
        default=0, description="Micro-wishes here the unit claimed itself in the year."
    )
    wishes_fulfilled: int = strawberry.field(
        default=0, description="Of them, confirmed fulfilled in the year (实现微心愿)."
    )
    posts_claimed: int = strawberry.field(
        default=0, description="Posts here the unit claimed itself in the year (单位认领岗位)."
    )
    duty_sessions: int = strawberry.field(
        default=0, description="Confirmed duty sessions on the unit's posts here (单位值守)."
    )
    duty_hours: float = strawberry.field(default=0.0, description="Their hours (值守时长).")
    projects_claimed: int = strawberry.field(
        default=0, description="Agreement projects here the unit claimed in the year (认领项目)."
    )
    projects_completed: int = strawberry.field(
        default=0, description="Of them, confirmed done in the year (完成项目)."
    )

    @strawberry.field(description="The unit (单位).")
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        row = await info.context.units.work_unit_by_code.load(self.unit_code)
        return WorkUnit.from_optional_row(row)


@strawberry.type(
    description="A community's supporters in a year (社区报到党员年度汇总): only records "
    "the viewer may see."
)
class SupporterSummary:
    year: int = strawberry.field(description="The year (年度).")
    supporters: int = strawberry.field(description="Members reported here (报到党员).")
    active: int = strawberry.field(
        description="Of them, those who served here in the year (活跃党员): an order, an "
        "activity or a confirmed duty session."
    )
    orders: int = strawberry.field(description="Orders completed by members (完成点单).")
    hours: float = strawberry.field(
        description="Hours of orders, activities and confirmed duty (服务时长)."
    )
    by_category: list[CategoryService] = strawberry.field(description="By category (按类别).")
    by_month: list[MonthService] = strawberry.field(description="By month (按月份).")
    top_supporters: list[SupporterService] = strawberry.field(
        description="Supporters with the most hours here (服务时长前列)."
    )
    posts_by_category: list[PostFill] = strawberry.field(
        description="Posts and claims held per category (岗位认领情况)."
    )
    paired_units: list[PairedUnitWork] = strawberry.field(
        description="Units paired in the year, or serving here as organisations, and what "
        "they did (结对单位/双服务): orders completed, activities joined with a headcount, "
        "demands claimed and completed."
    )


def _categories(items: list[places.ServiceBucket]) -> list[CategoryService]:
    return [CategoryService(category_id=b.key, **_bucket_fields(b)) for b in items]  # type: ignore[arg-type]


def _months(items: list[places.ServiceBucket]) -> list[MonthService]:
    return [MonthService(month=b.key, **_bucket_fields(b)) for b in items]  # type: ignore[arg-type]


def _unit_work(
    s: places.SupporterSummary, code: str, active: bool, orders: int, hours: Decimal
) -> PairedUnitWork:
    c = s.contributions.get(code)
    return PairedUnitWork(
        unit_code=code, pairing_active=active, orders_completed=orders, hours=float(hours),
        activities_joined=c.activities_joined if c else 0,
        participants=c.participants if c else 0,
        demands_claimed=c.demands_claimed if c else 0,
        demands_completed=c.demands_completed if c else 0,
        wishes_claimed=c.wishes_claimed if c else 0,
        wishes_fulfilled=c.wishes_fulfilled if c else 0,
        posts_claimed=c.posts_claimed if c else 0,
        duty_sessions=c.duty_sessions if c else 0,
        duty_hours=float(c.duty_hours) if c else 0.0,
        projects_claimed=c.projects_claimed if c else 0,
        projects_completed=c.projects_completed if c else 0,
    )  # fmt: skip


async def supporter_summary(info: Info, community_id: int, year: int, top: int) -> SupporterSummary:
    """`Community.supporterSummary(year)`: delegates here from schema/places.py."""
    _check_year(year)
    s = await places.supporter_summary(info.context, community_id, year, top)
    return SupporterSummary(
        year=year,
        supporters=s.supporters,
        active=s.active,
        orders=s.orders,
        hours=float(s.hours),
        by_category=_categories(s.by_category),
        by_month=_months(s.by_month),
        top_supporters=[
            SupporterService(member_code=c, services=n, hours=float(h)) for c, n, h in s.top
        ],
        posts_by_category=[PostFill(category_id=c, posts=p, claims_held=n) for c, p, n in s.posts],
        paired_units=[_unit_work(s, c, a, n, h) for c, a, n, h in s.units],
    )


@strawberry.type(description="Reporting of one unit's members (单位报到情况), ranked.")
class UnitReporting:
    rank: int = strawberry.field(description="Rank by reporting rate (报到率排名), 1 first.")
    members: int = strawberry.field(description="Members the policy covers (应报到).")
    reported: int = strawberry.field(description="Reported (已报到).")
    on_time: int = strawberry.field(description="Reported by the deadline (按时报到).")
    compliant: int = strawberry.field(description="Meeting every rule (达标).")
    rate: float = strawberry.field(description="Reporting rate (报到率), 0-1.")
    unit_id: strawberry.Private[int]

    @strawberry.field(description="The unit (单位).")
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)]:
        from schema.units import WorkUnit

        return WorkUnit.from_row(await info.context.units.work_unit_by_id.load(self.unit_id))


@strawberry.type(description="Members reported to one community (社区报到情况).")
class CommunityReporting:
    reported: int = strawberry.field(description="Members reported here (报到党员).")
    on_time: int = strawberry.field(description="Of them, by the deadline (按时报到).")
    community_id: strawberry.Private[int]

    @strawberry.field(description="The community (社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        return await _community(info, self.community_id)


@strawberry.type(description="A branch's red-flag standing (红旗党支部资格).")
class BranchStanding:
    eligible: bool = strawberry.field(description="Eligible for the red-flag title (符合).")
    members: int = strawberry.field(description="Members covered (党员数).")
    branch_id: strawberry.Private[int]
    summary: strawberry.Private[perf.Summary]

    @strawberry.field(description="Why (原因).")
    def reason(self, info: Info) -> str:
        return red_flag_reason(info, self.summary, "BranchStanding.reason")

    @strawberry.field(description="The branch (党支部).")
    async def branch(self, info: Info) -> Annotated[PartyBranch, strawberry.lazy(_UNITS)]:
        from schema.units import PartyBranch

        return PartyBranch.from_row(await info.context.units.branch_by_id.load(self.branch_id))


@strawberry.type(description="A community's open business (待办需求).")
class OpenDemands:
    open_demands: int = strawberry.field(description="Published demands (待认领需求).")
    open_orders: int = strawberry.field(description="Orders not yet served (未完成点单).")
    community_id: strawberry.Private[int]

    @strawberry.field(description="The community (社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        return await _community(info, self.community_id)


@strawberry.type(
    description="The district's year (区级年度看板): reporting, service, rankings and "
    "red-flag standing, over what the viewer may see."
)
class DistrictDashboard:
    year: int = strawberry.field(description="The year (年度).")
    policy: AppraisalPolicy | None = strawberry.field(description="The policy (评议规则).")
    summary: PerformanceSummary = strawberry.field(description="All members together (全区汇总).")
    reporting_by_unit: list[UnitReporting] = strawberry.field(
        description="Reporting rate by unit, best first (单位报到率排名)."
    )
    reporting_by_community: list[CommunityReporting] = strawberry.field(
        description="Members reported by community, most first (社区报到人数)."
    )
    community_ranking: list[CommunityService] = strawberry.field(
        description="Communities by hours served, most first (社区服务排名)."
    )
    service_by_category: list[CategoryService] = strawberry.field(
        description="Service by category (按类别)."
    )
    service_by_month: list[MonthService] = strawberry.field(
        description="Service by month (按月份)."
    )
    most_open_demands: list[OpenDemands] = strawberry.field(
        description="Communities with the most open demands and orders (待办最多的社区)."
    )
    unit_contributions: list[Annotated[UnitContribution, strawberry.lazy(_UNIT_SERVICE)]] = (
        strawberry.field(
            description="Units' service as organisations (单位双服务排行), most first, at most "
            "`top`: demands and orders completed and activities joined, then headcount."
        )
    )
    standings: strawberry.Private[list[BranchStanding]]

    @strawberry.field(description="Branches eligible for the red-flag title (红旗党支部候选).")
    def red_flag_branches(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[BranchStanding]:
        eligible = [s for s in self.standings if s.eligible]
        return list_connection(info, eligible, first, after)

    @strawberry.field(description="Branches that lost it, with the reason (失去资格的支部).")
    def ineligible_branches(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[BranchStanding]:
        lost = [s for s in self.standings if not s.eligible]
        return list_connection(info, lost, first, after)


@strawberry.type(description="Root field of the district dashboard (区级看板).")
class DistrictDashboardQuery:
    @strawberry.field(
        description="The district's year (区级年度看板): reporting rate by unit and by "
        "community, rankings, service by category and month, red-flag-eligible branches, "
        "communities with the most open demands. Figures cover what the viewer may see."
    )
    async def district(self, info: Info, year: Year, top: Top = 10) -> DistrictDashboard:
        from schema.unit_service import UnitContribution

        _check_year(year)
        asks = bool(selected_at(info, ("unitContributions",)))
        d = await places.district_dashboard(info.context, year, top, contributions=asks)
        return DistrictDashboard(
            year=year,
            policy=None if d.summary.policy is None else policy_from_row(d.summary.policy),
            summary=summary_type(d.summary),
            reporting_by_unit=[
                UnitReporting(
                    rank=i + 1,
                    members=u.members,
                    reported=u.reported,
                    on_time=u.on_time,
                    compliant=u.compliant,
                    rate=u.rate,
                    unit_id=u.unit_id,
                )
                for i, u in enumerate(d.units)
            ],
            reporting_by_community=[
                CommunityReporting(community_id=c, reported=n, on_time=t)
                for c, n, t in d.communities
            ],
            community_ranking=[
                CommunityService(rank=i + 1, community_id=b.key, **_bucket_fields(b))  # type: ignore[arg-type]
                for i, b in enumerate(d.community_service)
            ],
            service_by_category=_categories(d.by_category),
            service_by_month=_months(d.by_month),
            most_open_demands=[
                OpenDemands(community_id=c, open_demands=n, open_orders=o)
                for c, n, o in d.open_demands
            ],
            unit_contributions=[UnitContribution.of(c) for c in d.unit_contributions],
            standings=[
                BranchStanding(
                    eligible=b.summary.red_flag_eligible,
                    members=len(b.summary.covered),
                    branch_id=b.branch_id,
                    summary=b.summary,
                )
                for b in d.branches
            ],
        )
