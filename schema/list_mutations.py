"""Mutations of the three lists (三单): offer, raise, review, convert, withdraw.

A published demand is converted into a service item here, or into an order by
`convertDemandToOrder` (schema/orders.py).
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import lists
from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info
from schema.bounds import between
from schema.enums import ProviderKind
from schema.lists import DemandItem, ListEntry, ResourceItem, ServiceItem
from schema.mutations import Audited, Change, UserError, mutate, mutate_node, node_id_of, not_found

_KEY = "Idempotency key: retrying with the same key returns the first result."
_ECHO = "Echoed back in the payload."
_NODE_TYPES: dict[str, type[ListEntry]] = {
    lists.RESOURCE: ResourceItem,
    lists.DEMAND: DemandItem,
    lists.SERVICE: ServiceItem,
}


@strawberry.input(
    description="Offer a resource to a community's list (提供资源): a member reported there "
    "or a unit paired with it."
)
class OfferResourceInput:
    community_code: str = strawberry.field(description="The community (社区编码).")
    category_code: str = strawberry.field(description="Its service category (服务类别编码).")
    title: str = strawberry.field(description="Title (资源名称).")
    description: str | None = strawberry.field(default=None, description="Details (详情).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(
    description="Raise a demand on a community's list (提出需求): a resident, a grid "
    "secretary on behalf of a resident (网格员代点), or the community."
)
class RaiseDemandInput:
    community_code: str = strawberry.field(description="The community (社区编码).")
    category_code: str = strawberry.field(description="Its service category (服务类别编码).")
    title: str = strawberry.field(description="Title (需求名称).")
    description: str | None = strawberry.field(default=None, description="Details (详情).")
    requester_name: str | None = strawberry.field(
        default=None,
        description="The resident who needs it (提出人); required unless the community raises "
        "it, then its name by default.",
    )
    grid_code: str | None = strawberry.field(
        default=None, description="The grid it comes from (所属网格编码), of that community."
    )
    building_code: str | None = strawberry.field(
        default=None, description="The building where the resident lives (楼栋编码)."
    )
    unit_number: int | None = strawberry.field(
        metadata=between(1, 99),
        default=None,
        description="The unit (单元号) of that building, 1..Building.entrances.",
    )
    floor: int | None = strawberry.field(
        metadata=between(1, 200),
        default=None,
        description="The floor (楼层) in that building, 1..Building.floors.",
    )
    room: str | None = strawberry.field(
        default=None, description="The room (门牌号), e.g. 502, at most 16 characters."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Review a pending resource or demand (审核清单条目).")
class ReviewListEntryInput:
    entry_id: relay.GlobalID = strawberry.field(
        description="The entry (条目ID): a ResourceItem or a DemandItem."
    )
    approve: bool = strawberry.field(description="True publishes it (通过), false rejects it.")
    reason: str | None = strawberry.field(
        default=None, description="Why (审核意见); required to reject."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(
    description="Turn a published demand into a service item (需求转服务); orders (订单) "
    "are not built yet."
)
class ConvertDemandToServiceInput:
    demand_id: relay.GlobalID = strawberry.field(description="The demand (需求ID).")
    provider_kind: ProviderKind = strawberry.field(
        description="Who provides the service (提供方类型): MEMBER or UNIT."
    )
    provider_code: str = strawberry.field(
        description="The member (reported to the community) or unit (paired with it) code."
    )
    target: str = strawberry.field(description="Whom it serves (服务对象), e.g. 独居老人.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Withdraw a pending or published entry (撤回清单条目).")
class WithdrawListEntryInput:
    entry_id: relay.GlobalID = strawberry.field(
        description="The entry (条目ID): a ResourceItem, DemandItem or ServiceItem."
    )
    reason: str | None = strawberry.field(default=None, description="Why (撤回原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of offering a resource (提供资源).")
class ResourceItemPayload:
    resource_item: ResourceItem | None = strawberry.field(
        description="The resource entry; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of raising a demand (提出需求).")
class DemandItemPayload:
    demand_item: DemandItem | None = strawberry.field(
        description="The demand entry; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of reviewing or withdrawing a list entry (审核、撤回).")
class ListEntryPayload:
    entry: ListEntry | None = strawberry.field(description="The entry; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of converting a demand into a service item (需求转服务).")
class ConvertDemandToServicePayload:
    demand_item: DemandItem | None = strawberry.field(
        description="The demand, now fulfilled (已完成); null when refused."
    )
    service_item: ServiceItem | None = strawberry.field(
        description="The new published service item (服务清单条目); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


_NO_ENTRY = Refusal(RefusalCode.NOT_FOUND, "未找到该清单条目。", "input.entryId")


def _entry(row: object, entity_type: str) -> ListEntryPayload:
    return ListEntryPayload(entry=_NODE_TYPES[entity_type].from_row(row))


@strawberry.type(description="Mutations of the three lists (三单).")
class ListsMutation:
    @strawberry.mutation(
        description="Offer a resource (提供资源), pending review: a member with an active "
        "report to the community (else NOT_REPORTED) or a unit actively paired with it "
        "(else NOT_PAIRED)."
    )
    async def offer_resource(
        self,
        info: Info,
        input: Annotated[OfferResourceInput, strawberry.argument(description="The resource.")],
    ) -> ResourceItemPayload:
        action = lists.offer(
            info.context,
            community_code=input.community_code,
            category_code=input.category_code,
            title=input.title,
            description=input.description,
            key=input.client_mutation_id,
        )
        change = Change(
            name="offerResource",
            entity=lists.RESOURCE,
            key=input.client_mutation_id,
            forbidden="只有党员或单位可以提供资源。",
            detail={"community": input.community_code},
        )
        return await mutate(
            info, change, ResourceItemPayload, action,
            lambda row: ResourceItemPayload(resource_item=ResourceItem.from_row(row)),
        )  # fmt: skip

    @strawberry.mutation(
        description="Raise a demand (提出需求), pending review: a resident of the community, "
        "a grid secretary of it on behalf of a resident (网格员代点), or the community."
    )
    async def raise_demand(
        self,
        info: Info,
        input: Annotated[RaiseDemandInput, strawberry.argument(description="The demand.")],
    ) -> DemandItemPayload:
        action = lists.raise_demand(
            info.context,
            community_code=input.community_code,
            category_code=input.category_code,
            title=input.title,
            description=input.description,
            requester_name=input.requester_name,
            grid_code=input.grid_code,
            address=(input.building_code, input.unit_number, input.floor, input.room),
            key=input.client_mutation_id,
        )
        change = Change(
            name="raiseDemand",
            entity=lists.DEMAND,
            key=input.client_mutation_id,
            forbidden="只能在本社区提出需求。",
            detail={"community": input.community_code},
        )
        return await mutate(
            info, change, DemandItemPayload, action,
            lambda row: DemandItemPayload(demand_item=DemandItem.from_row(row)),
        )  # fmt: skip

    @strawberry.mutation(
        description="Review a pending resource or demand (审核): the entry's community or a "
        "grid secretary of it publishes or rejects it (a reason is required to reject)."
    )
    async def review_list_entry(
        self,
        info: Info,
        input: Annotated[ReviewListEntryInput, strawberry.argument(description="The review.")],
    ) -> ListEntryPayload:
        entity_type = input.entry_id.type_name
        entry_id = node_id_of(input.entry_id, lists.RESOURCE, lists.DEMAND)
        action = _NO_ENTRY if entry_id is None else lists.review(
            info.context, entity_type, entry_id, input.approve, input.reason
        )  # fmt: skip
        change = Change(
            name="reviewListEntry",
            entity=entity_type,
            key=input.client_mutation_id,
            targets=[str(entry_id)],
            forbidden="只有条目所属社区可以审核。",
            detail={"approve": input.approve, "reason": input.reason},
        )
        return await mutate(
            info, change, ListEntryPayload, action, lambda row: _entry(row, entity_type)
        )

    @strawberry.mutation(
        description="Turn a published demand into a published service item (需求转服务) and "
        "mark the demand fulfilled, in one transaction: the demand's community. The provider "
        "must be a member reported there (else NOT_REPORTED) or a paired unit (else "
        "NOT_PAIRED). convertDemandToOrder turns it into an order (订单) instead."
    )
    async def convert_demand_to_service(
        self,
        info: Info,
        input: Annotated[
            ConvertDemandToServiceInput, strawberry.argument(description="The conversion.")
        ],
    ) -> ConvertDemandToServicePayload:
        key = input.client_mutation_id
        change = Change(name="convertDemandToService", entity=lists.DEMAND, key=key,
                        forbidden="只有需求所属社区可以转为服务。")  # fmt: skip
        return await mutate_node(
            info, change, ConvertDemandToServicePayload, input.demand_id,
            lambda demand_id: lists.convert(
                info.context, demand_id, provider_kind=input.provider_kind,
                provider_code=input.provider_code, target=input.target, key=key,
            ),
            lambda made: ConvertDemandToServicePayload(
                demand_item=DemandItem.from_row(made[0]),
                service_item=ServiceItem.from_row(made[1]),
            ),
            unknown=not_found("未找到该需求。", "input.demandId"),
            audited=lambda made: Audited(lists.SERVICE, [str(made[1].id)],
                                         {"demand": str(made[0].id)}),
        )  # fmt: skip

    @strawberry.mutation(
        description="Withdraw a pending or published entry (撤回); never deleted: the "
        "provider of a resource, the community for demands and service items."
    )
    async def withdraw_list_entry(
        self,
        info: Info,
        input: Annotated[WithdrawListEntryInput, strawberry.argument(description="The entry.")],
    ) -> ListEntryPayload:
        entity_type = input.entry_id.type_name
        entry_id = node_id_of(input.entry_id, *_NODE_TYPES)
        action = _NO_ENTRY if entry_id is None else lists.withdraw(
            info.context, entity_type, entry_id, input.reason
        )  # fmt: skip
        change = Change(
            name="withdrawListEntry",
            entity=entity_type,
            key=input.client_mutation_id,
            targets=[str(entry_id)],
            forbidden="只有条目的提供方或所属社区可以撤回。",
            detail={"reason": input.reason},
        )
        return await mutate(
            info, change, ListEntryPayload, action, lambda row: _entry(row, entity_type)
        )
