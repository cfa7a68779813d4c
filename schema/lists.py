"""The three lists (三单) and the service categories they are filed under."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from datasources.community import lists
from datasources.loaders import ListLoaders
from resolvers.matching import Candidate, Demand, suggest
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import page_size
from schema.enums import (
    CategorySource,
    DemandClaimantKind,
    ListItemStatus,
    ProviderKind,
    RequesterKind,
)
from schema.history import StateEvent, history
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)
from schema.personal import Personal
from schema.places import Community, Grid
from schema.retirable import Retirable
from schema.reveals import ListReveals

if TYPE_CHECKING:
    from schema.orders import ServiceOrder
    from schema.reporting import Report


@strawberry.enum(description="How to sort list entries: newest first by default.")
class ListItemOrder(Enum):
    CREATED_AT = "created_at"
    TITLE = "title"


@strawberry.enum(description="How to sort service categories.")
class CategoryOrder(Enum):
    SORT_ORDER = "sort_order"
    CODE = "code"


@strawberry.input(description="Filters for list entries (清单筛选) of any of the three lists.")
class ListItemFilter:
    title_contains: str | None = strawberry.field(default=None, description="Part of the title.")
    statuses: list[ListItemStatus] | None = strawberry.field(
        default=None, description="Any of these states (状态)."
    )
    category_code: str | None = strawberry.field(
        default=None, description="Only this service category (服务类别编码)."
    )
    community_code: str | None = strawberry.field(
        default=None, description="Only this community (社区编码)."
    )

    def to_filter(self) -> lists.ListItemFilter:
        return lists.ListItemFilter(
            title_contains=self.title_contains,
            statuses=as_tuple(self.statuses),
            category_code=self.category_code,
            community_code=self.community_code,
        )


@strawberry.input(description="Filters for service categories (服务类别筛选).")
class CategoryFilter:
    sources: list[CategorySource] | None = strawberry.field(
        default=None, description="Only categories of these sets (分类来源)."
    )
    active: bool | None = strawberry.field(
        default=True, description="Only active (true, the default) or retired (false) ones."
    )

    def to_filter(self) -> lists.CategoryFilter:
        return lists.CategoryFilter(sources=as_tuple(self.sources), active=self.active)


@strawberry.federation.type(
    keys=["code"],
    description="A service category (服务类别) or post type (岗位类型); categories are data, "
    "seeded with the Chancheng, Qianjiang and Junan sets.",
)
class ServiceCategory(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.category_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable category code (类别编码).")
    name: str = strawberry.field(description="Name (名称), e.g. 平安巡防.")
    source: CategorySource = strawberry.field(description="Which set it belongs to (分类来源).")
    description: str | None = strawberry.field(description="What the category covers (说明).")
    sort_order: int = strawberry.field(description="Position within its set (排序).")
    active: bool = strawberry.field(description="Still offered (启用).")
    order_due_hours: int = strawberry.field(
        description="Hours an order (点单) of this category may take before it is overdue "
        "(办结时限，小时)."
    )
    year: int | None = strawberry.field(
        description="The year the district set it for (年度); null on categories before it."
    )

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> ServiceCategory | None:
        return cls.from_optional_row(await info.context.community.category_by_code.load(code))


@strawberry.interface(
    description="An entry of one of the three lists (三单): resources, demands or services."
)
class ListEntry(HubNode):
    """Fields the three lists share (a GraphQL interface, so clients can query them alike)."""

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title (标题).")
    description: str | None = strawberry.field(description="Details (详情).")
    status: ListItemStatus = strawberry.field(description="State (状态).")
    created_at: datetime = strawberry.field(description="When it was filed (登记时间).")
    community_id: strawberry.Private[int]
    category_id: strawberry.Private[int]

    @strawberry.field(description="The community whose list it is on (所属社区).")
    async def community(self, info: Info) -> Community:
        row = await info.context.community.community_by_id.load(self.community_id)
        return Community.from_row(row)

    @strawberry.field(description="Its service category (服务类别).")
    async def category(self, info: Info) -> ServiceCategory:
        row = await info.context.community.category_by_id.load(self.category_id)
        return ServiceCategory.from_row(row)

    @strawberry.field(
        description="Every state change of the entry, oldest first (条目记录): offered or "
        "raised, reviewed, converted, withdrawn."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        # The state events' entity type is the list type's name (ResourceItem, ...).
        return await history(info, type(self).__name__, self.id)


@strawberry.type(
    description="An entry of the resource list (资源清单): what a member or unit offers."
)
class ResourceItem(ListEntry):
    id_loader_of = loaded_by(lambda c: c.community.resource_item_by_id)

    provider_kind: ProviderKind = strawberry.field(description="Who offers it (提供方类型).")
    provider_code: str = strawberry.field(description="Code of the provider (提供方编码).")


@strawberry.type(description="An entry of the demand list (需求清单): what residents need.")
class DemandItem(ListEntry):
    id_loader_of = loaded_by(lambda c: c.community.demand_item_by_id)

    requester_kind: RequesterKind = strawberry.field(description="Who raised it (需求来源).")
    claimant_kind: DemandClaimantKind | None = strawberry.field(
        description="Who claimed it (认领方): a member or a unit; null while unclaimed."
    )
    claimant_code: str | None = strawberry.field(
        description="The claimant's code (认领方编码): a member's or a unit's code."
    )
    claimed_at: datetime | None = strawberry.field(description="When it was claimed (认领时间).")
    completed_at: datetime | None = strawberry.field(
        description="When the claimant completed it (完成时间); it is then FULFILLED."
    )
    completion_note: str | None = strawberry.field(description="What the claimant did (完成情况).")
    requester_name: strawberry.Private[str]  # personal: read through requesterName
    grid_id: strawberry.Private[int | None]

    @strawberry.field(
        name="requesterName",
        description="Name of who raised it (提出人): in full for the community, the surname "
        "only (张**) for members who may take it on.",
        extensions=[
            Personal("DemandItem", "requesterName", hidden="**", subject=("DemandItem", "id"))
        ],
    )
    async def requester_name_as_seen(self) -> str:
        return self.requester_name

    @strawberry.field(
        description="Supporters who could take it on (推荐党员), best first, each with the "
        "reasons: service intention in its category, skills named in it, living in the same "
        "or a neighbouring grid, free at off hours. For the community side; empty for others."
    )
    async def suggested_supporters(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(
                metadata=page_size(),
                description="How many suggestions (推荐人数), at most the page cap.",
            ),
        ] = 10,
    ) -> list[SupporterSuggestion]:
        from schema.reporting import Report

        ctx = info.context
        if not (ctx.viewer.is_community_side or ctx.viewer.sees_everything):
            return []
        reveals = ListReveals.of(info, None, None)  # reasons name skills and home grid
        if reveals.empty:
            return []
        demand, candidates = await _matching_facts(info, self)
        suggestions = suggest(demand, candidates, first)
        for s in suggestions:
            reveals.note(info, s.candidate.payload)
        return [
            SupporterSuggestion(
                supporter=Report.from_row(s.candidate.payload), score=s.score,
                reasons=list(s.reasons),
            )
            for s in suggestions
        ]  # fmt: skip

    @strawberry.field(description="The grid it comes from (所属网格), if known.")
    async def grid(self, info: Info) -> Grid | None:
        if self.grid_id is None:
            return None
        return Grid.from_optional_row(await info.context.community.grid_by_id.load(self.grid_id))

    @strawberry.field(
        description="The service order made from it (转化的服务订单: status, taker, progress, "
        "rating), when it was converted into one and the viewer may see it; a resident who "
        "raised it sees it and rates it (评价)."
    )
    async def service_order(
        self, info: Info
    ) -> Annotated[ServiceOrder, strawberry.lazy("schema.orders")] | None:
        from schema.orders import ServiceOrder

        return ServiceOrder.from_optional_row(
            await info.context.community.order_by_demand_id.load(self.id)
        )


@strawberry.type(description="A supporter suggested for a demand (推荐党员), and why.")
class SupporterSuggestion:
    supporter: Annotated[Report, strawberry.lazy("schema.reporting")] = strawberry.field(
        description="The supporter's report (报到党员)."
    )
    score: int = strawberry.field(description="How well he fits (匹配度); higher is better.")
    reasons: list[str] = strawberry.field(description="Why he fits (推荐理由), in Chinese.")


async def _matching_facts(info: Info, item: DemandItem) -> tuple[Demand, list[Candidate]]:
    community = info.context.community
    rows = await community.candidates_by_community.load(item.community_id)
    skills = await community.skills_of_report.load_many([report.id for report, _g, _p in rows])
    category = await community.category_by_id.load(item.category_id)
    grid = await community.grid_by_id.load(item.grid_id) if item.grid_id is not None else None
    # A category outside the viewer's scope matches no one's intentions.
    demand = Demand(
        category_code=category.code if category else "",
        category_name=category.name if category else "",
        text=f"{item.title} {item.description or ''}", grid_id=item.grid_id,
        parent_grid_id=grid.parent_id if grid is not None else None,
    )  # fmt: skip
    candidates: list[Candidate] = [
        Candidate(
            report_id=report.id, member_code=report.member_code, grid_id=grid_id,
            parent_grid_id=parent_id, availability=report.availability,
            intentions=tuple(report.intentions or ()), skills=tuple(s.skill for s in found),
            payload=report,
        )
        for (report, grid_id, parent_id), found in zip(rows, skills, strict=True)
    ]  # fmt: skip
    return demand, candidates


@strawberry.type(description="An entry of the service list (服务清单): what is offered to whom.")
class ServiceItem(ListEntry):
    id_loader_of = loaded_by(lambda c: c.community.service_item_by_id)

    provider_kind: ProviderKind = strawberry.field(description="Who provides it (提供方类型).")
    provider_code: str = strawberry.field(description="Code of the provider (提供方编码).")
    target: str = strawberry.field(description="Whom it serves (服务对象), e.g. 独居老人.")


async def list_item_connection(
    info: Info,
    loaders: ListLoaders[Any],
    parent: int | None,
    node_type: type[ListEntry],
    *,
    first: int,
    after: str | None,
    filter: ListItemFilter | None,
    order_by: ListItemOrder | None,
    direction: OrderDirection,
) -> Connection[Any]:
    return await paginate(
        info,
        loaders,
        parent,
        node_type.from_row,
        first=first,
        after=after,
        order_by=order_by or ListItemOrder.CREATED_AT,
        direction=direction,
        filter=filter,
    )


@strawberry.type(description="Root fields of the service categories and the three lists (三单).")
class ListsQuery:
    @strawberry.field(description="Service categories (服务类别), public to everyone.")
    async def service_categories(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CategoryFilter | None = None,
        order_by: CategoryOrder = CategoryOrder.SORT_ORDER,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[ServiceCategory]:
        return await paginate(
            info,
            info.context.community.categories,
            None,
            ServiceCategory.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter or CategoryFilter(),
        )

    @strawberry.field(description="Resource list entries (资源清单) across communities.")
    async def resource_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ListItemFilter | None = None,
        order_by: ListItemOrder = ListItemOrder.CREATED_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[ResourceItem]:
        return await paginate(
            info,
            info.context.community.resource_items,
            None,
            ResourceItem.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="Demand list entries (需求清单) across communities.")
    async def demand_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ListItemFilter | None = None,
        order_by: ListItemOrder = ListItemOrder.CREATED_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[DemandItem]:
        return await paginate(
            info,
            info.context.community.demand_items,
            None,
            DemandItem.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="Service list entries (服务清单) across communities.")
    async def service_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ListItemFilter | None = None,
        order_by: ListItemOrder = ListItemOrder.CREATED_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[ServiceItem]:
        return await paginate(
            info,
            info.context.community.service_items,
            None,
            ServiceItem.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )
