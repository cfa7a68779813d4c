"""Service orders (点单 → 派单 → 接单 → 结单 → 评价): types, connections and mutations.

Who reads which orders is the policy's `_service_orders` rule (datasources/community/
policy.py); the history follows the order. The resident's name of an order placed on his
behalf is personal: members and unit branches see the surname only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Hashable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from datasources.community import order_lists
from datasources.loaders import ListLoaders
from resolvers import orders
from resolvers.workflow import Refusal, RefusalCode
from schema.attachments import PHOTOS_DESCRIPTION, Attachment, Upload, attachments
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import between, text
from schema.enums import OrderStatus, RatingBasis, TakerKind
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Audited, Change, UserError, mutate, mutate_node, node_id_of, not_found
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
from schema.places import Community

if TYPE_CHECKING:
    from schema.lists import DemandItem, ServiceCategory
    from schema.units import Member, WorkUnit

_LISTS = "schema.lists"
_UNITS = "schema.units"


@strawberry.enum(description="How to sort service orders (订单排序).")
class ServiceOrderOrder(Enum):
    ORDERED_AT = "ordered_at"
    DUE_AT = "due_at"


@strawberry.input(description="Filters for service orders (订单筛选); all given must hold.")
class ServiceOrderFilter:
    statuses: list[OrderStatus] | None = strawberry.field(
        default=None, description="Only orders in one of these states (订单状态); any when omitted."
    )
    overdue: bool | None = strawberry.field(
        default=None,
        description="true: only open orders past their due time (超时); false: only the "
        "others; any when omitted.",
    )
    category_code: str | None = strawberry.field(
        default=None, description="Only orders of this service category (服务类别编码)."
    )

    def to_filter(self) -> order_lists.ServiceOrderFilter:
        return order_lists.ServiceOrderFilter(
            statuses=as_tuple(self.statuses), overdue=self.overdue,
            category_code=self.category_code,
        )  # fmt: skip


@strawberry.type(
    description="A service order (服务订单): a resident orders a service (点单), the community "
    "dispatches it (派单) to a reported member or a paired unit, the taker accepts it (接单), "
    "the member closes it with a summary, hours and photos (结单), the resident rates it "
    "(评价: who placed it, or who raised the demand it came from) or, only where he cannot, "
    "the community confirms or rates it on his behalf (代为确认); the serving member then "
    "earns points."
)
class ServiceOrder(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.order_by_id)

    id: relay.NodeID[int]
    title: str = strawberry.field(description="The service wanted (服务内容).")
    description: str | None = strawberry.field(description="Details (详细说明).")
    status: OrderStatus = strawberry.field(description="Its state (订单状态).")
    ordered_by_role: str = strawberry.field(
        description="Role of who ordered it (点单人角色): resident, or community / "
        "grid_worker on behalf of a resident (代点单); grid_secretary on orders placed "
        "before the roles split."
    )
    taker_kind: TakerKind | None = strawberry.field(
        description="Whom it is dispatched to (接单方类型); null before dispatch."
    )
    taker_code: str | None = strawberry.field(
        description="Code of the member or unit it is dispatched to (接单方编码)."
    )
    member_code: str | None = strawberry.field(
        description="Code of the member who serves it (服务党员编码), from acceptance on."
    )
    ordered_at: datetime = strawberry.field(description="When it was ordered (点单时间).")
    due_at: datetime = strawberry.field(
        description="When it is due (应完成时间): ordering time plus its category's due hours."
    )
    escalation_level: int = strawberry.field(
        description="How many times it was escalated as overdue (督办次数)."
    )
    escalated_at: datetime | None = strawberry.field(
        description="When it was last escalated (最近督办时间)."
    )
    dispatched_at: datetime | None = strawberry.field(description="When dispatched (派单时间).")
    accepted_at: datetime | None = strawberry.field(description="When accepted (接单时间).")
    closed_at: datetime | None = strawberry.field(description="When closed (结单时间).")
    rated_at: datetime | None = strawberry.field(description="When rated (评价时间).")
    confirmed_at: datetime | None = strawberry.field(
        description="When the community confirmed it (确认时间)."
    )
    cancelled_at: datetime | None = strawberry.field(description="When cancelled (取消时间).")
    summary: str | None = strawberry.field(description="The member's service summary (服务小结).")
    hours: Decimal | None = strawberry.field(description="Hours served (服务时长，小时).")
    evidence: list[str] = strawberry.field(
        description="Photo references of the service (服务照片: object keys or URLs), at most 9."
    )
    rating: int | None = strawberry.field(
        description="The rating 1–5 (评分): the resident's, or given on his behalf (see "
        "ratingBasis)."
    )
    rating_comment: str | None = strawberry.field(description="The rating's comment (评价).")
    rated_by_role: str | None = strawberry.field(
        description="Role of who rated or confirmed it (评价人角色): resident himself, or "
        "community / grid_worker on his behalf (grid_secretary before the roles split); null "
        "until completed."
    )
    rating_basis: RatingBasis | None = strawberry.field(
        description="Why that role rated it (评价依据): RESIDENT himself, else the reason the "
        "community acted on behalf of the resident (named by beneficiaryName, or the one "
        "who placed it); null until completed."
    )
    community_id: strawberry.Private[int]
    category_id: strawberry.Private[int]
    demand_id: strawberry.Private[int | None]
    beneficiary_name: strawberry.Private[str | None]  # personal: read through beneficiaryName

    @strawberry.field(
        name="beneficiaryName",
        description="The resident served (服务对象), when the order was placed on his behalf; "
        "null when the resident ordered himself. In full for the community, the surname only "
        "(张**) for members and units.",
        extensions=[
            Personal("ServiceOrder", "beneficiaryName", hidden=None, subject=("ServiceOrder", "id"))
        ],
    )
    async def beneficiary_name_as_seen(self) -> str | None:
        return self.beneficiary_name

    @strawberry.field(
        description="Open (not completed nor cancelled) and past its due time (是否超时), "
        "as of now."
    )
    def is_overdue(self) -> bool:
        return orders.is_overdue(self.status, self.due_at)

    @strawberry.field(description="The community it was ordered in (所属社区).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="Its service category (服务类别).")
    async def category(self, info: Info) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)]:
        from schema.lists import ServiceCategory

        return ServiceCategory.from_row(
            await info.context.community.category_by_id.load(self.category_id)
        )

    @strawberry.field(
        description="The demand it was converted from (来源需求), if any and if visible."
    )
    async def demand(self, info: Info) -> Annotated[DemandItem, strawberry.lazy(_LISTS)] | None:
        from schema.lists import DemandItem

        if self.demand_id is None:
            return None
        return DemandItem.from_optional_row(
            await info.context.community.demand_item_by_id.load(self.demand_id)
        )

    @strawberry.field(
        description="The member who serves it, from the work-unit side (服务党员); null "
        "before acceptance or when out of the viewer's scope."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        if self.member_code is None:
            return None
        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(
        description="The paired unit it is dispatched to (接单单位), when the taker is a unit."
    )
    async def taker_unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        if self.taker_kind is not TakerKind.UNIT or self.taker_code is None:
            return None
        return WorkUnit.from_optional_row(
            await info.context.units.work_unit_by_code.load(self.taker_code)
        )

    @strawberry.field(description="Every state change of the order, oldest first (订单记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, orders.ORDER, self.id)

    @strawberry.field(
        description="Files uploaded when the order was closed (结单照片), oldest first."
    )
    async def attachments(self, info: Info) -> list[Attachment]:
        return await attachments(info, orders.ORDER, self.id)


def order_connection(
    info: Info,
    loaders: ListLoaders[Any],
    parent: Hashable | None,
    *,
    first: int,
    after: str | None,
    filter: ServiceOrderFilter | None,
    order_by: ServiceOrderOrder | None,
    direction: OrderDirection,
) -> Awaitable[Connection[ServiceOrder]]:
    """The body of every order list: newest order first unless asked otherwise."""
    return paginate(
        info, loaders, parent, ServiceOrder.from_row, first=first, after=after,
        order_by=order_by or ServiceOrderOrder.ORDERED_AT, direction=direction,
        filter=filter or ServiceOrderFilter(),
    )  # fmt: skip


OrderFilterArg = Annotated[
    ServiceOrderFilter | None, strawberry.argument(description="Filters (筛选).")
]
OrderByArg = Annotated[
    ServiceOrderOrder | None,
    strawberry.argument(description="Sort key (排序): ORDERED_AT (default) or DUE_AT."),
]


@strawberry.type(description="Queries of service orders (服务订单).")
class OrdersQuery:
    @strawberry.field(
        description="Orders the viewer placed (我的点单): a resident's own orders, newest "
        "first; for the community side the orders it placed on residents' behalf."
    )
    async def my_orders(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: OrderFilterArg = None,
        order_by: OrderByArg = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[ServiceOrder]:
        return await order_connection(
            info, info.context.community.orders_placed_by_viewer, None,
            first=first, after=after, filter=filter, order_by=order_by, direction=direction,
        )  # fmt: skip


# --- mutations -------------------------------------------------------------------------

_ORDER_ID = "The order (订单ID)."


@strawberry.input(description="Order a service (点单).")
class PlaceOrderInput:
    community_code: str = strawberry.field(description="The community (社区编码).")
    category_code: str = strawberry.field(description="Service category (服务类别编码).")
    title: str = strawberry.field(description="The service wanted (服务内容).")
    description: str | None = strawberry.field(default=None, description="Details (详细说明).")
    beneficiary_name: str | None = strawberry.field(
        default=None,
        description="The resident served (服务对象姓名): required when the community or a "
        "grid worker (网格员) orders on his behalf; ignored for a resident ordering himself.",
    )
    building_code: str | None = strawberry.field(
        default=None, description="Building of the community where to serve (楼栋编码)."
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


@strawberry.input(description="Turn a published demand into an order (需求转订单).")
class ConvertDemandToOrderInput:
    demand_id: relay.GlobalID = strawberry.field(description="The demand (需求ID).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Dispatch an order (派单).")
class DispatchOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    taker_kind: TakerKind = strawberry.field(description="A member or a paired unit (接单方类型).")
    taker_code: str = strawberry.field(description="The member's or unit's code (接单方编码).")
    note: str | None = strawberry.field(default=None, description="Remark (派单说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Accept a dispatched order (接单).")
class AcceptOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    member_code: str | None = strawberry.field(
        default=None,
        description="For a unit taker: the member of the unit, in service, who will serve "
        "(服务党员编码). Ignored for a member taker.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Decline a dispatched order (拒单).")
class DeclineOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    reason: str = strawberry.field(description="Why (拒单原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Close an accepted order (结单).")
class CloseOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    summary: str = strawberry.field(description="What was done (服务小结), required.")
    hours: Decimal = strawberry.field(
        metadata=between(0, 24, low_open=True),
        description="Hours served (服务时长): more than 0, at most 24.",
    )
    evidence: list[str] = strawberry.field(
        default_factory=list,
        metadata=text(500, items=orders.MAX_EVIDENCE),
        description="Photo references (服务照片: object keys or URLs), at most 9.",
    )
    photos: list[Upload] | None = strawberry.field(
        default=None,
        description=PHOTOS_DESCRIPTION + " Together with `evidence` at most 9 (服务照片).",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Rate a closed order (评价).")
class RateOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    rating: int = strawberry.field(
        metadata=between(1, 5), description="1 (poor) to 5 (excellent) (评分)."
    )
    comment: str | None = strawberry.field(default=None, description="Comment (评价内容).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Confirm a closed order for a resident who cannot rate (代为确认).")
class ConfirmOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    note: str | None = strawberry.field(default=None, description="Remark (确认说明).")
    rating: int | None = strawberry.field(
        default=None,
        metadata=between(1, 5),
        description="A rating given on the resident's behalf (代评), 1 to 5; none when omitted.",
    )
    comment: str | None = strawberry.field(
        default=None, description="The comment of that rating (评价内容)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Cancel an order (取消订单).")
class CancelOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    reason: str = strawberry.field(description="Why (取消原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Escalate an overdue order (超时督办).")
class EscalateOrderInput:
    order_id: relay.GlobalID = strawberry.field(description=_ORDER_ID)
    note: str | None = strawberry.field(default=None, description="Remark (督办说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a service-order mutation (订单操作结果).")
class ServiceOrderPayload:
    service_order: ServiceOrder | None = strawberry.field(
        description="The order; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of turning a demand into an order (需求转订单结果).")
class ConvertDemandToOrderPayload:
    demand_item: Annotated[DemandItem, strawberry.lazy(_LISTS)] | None = strawberry.field(
        description="The demand, now fulfilled (已完成); null when refused."
    )
    service_order: ServiceOrder | None = strawberry.field(
        description="The new order; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


_UNKNOWN = Refusal(RefusalCode.NOT_FOUND, orders.NOT_FOUND, "input.orderId")


def _order(row: object) -> ServiceOrderPayload:
    return ServiceOrderPayload(service_order=ServiceOrder.from_row(row))


@strawberry.type(description="Mutations of service orders (服务订单).")
class OrdersMutation:
    @strawberry.mutation(
        description="Order a service (点单): a resident for himself in his community, or the "
        "community / a grid secretary of it on behalf of a resident (beneficiaryName then "
        "required). Due at ordering time plus the category's due hours."
    )
    async def place_order(
        self,
        info: Info,
        input: Annotated[PlaceOrderInput, strawberry.argument(description="The order.")],
    ) -> ServiceOrderPayload:
        key = input.client_mutation_id
        action = orders.place(
            info.context, community_code=input.community_code,
            category_code=input.category_code, title=input.title,
            description=input.description, beneficiary_name=input.beneficiary_name,
            unit=input.unit_number, floor=input.floor, room=input.room,
            building_code=input.building_code, key=key,
        )  # fmt: skip
        change = Change(name="placeOrder", entity=orders.ORDER, key=key,
                        forbidden="只有本社区居民或社区可以点单。",
                        detail={"community": input.community_code})  # fmt: skip
        return await mutate(info, change, ServiceOrderPayload, action, _order)

    @strawberry.mutation(
        description="Turn a published demand into an order (需求转订单), atomically: the "
        "demand becomes fulfilled as with convertDemandToService. Its community or a grid "
        "secretary of it."
    )
    async def convert_demand_to_order(
        self,
        info: Info,
        input: Annotated[
            ConvertDemandToOrderInput, strawberry.argument(description="The conversion.")
        ],
    ) -> ConvertDemandToOrderPayload:
        from schema.lists import DemandItem

        demand_id = node_id_of(input.demand_id, "DemandItem")
        change = Change(name="convertDemandToOrder", entity="DemandItem",
                        key=input.client_mutation_id, targets=[str(demand_id)],
                        forbidden="只有需求所属社区可以转为订单。")  # fmt: skip
        action = (
            not_found("未找到该需求。", "input.demandId") if demand_id is None
            else orders.from_demand(info.context, demand_id, input.client_mutation_id)
        )  # fmt: skip
        return await mutate(
            info, change, ConvertDemandToOrderPayload, action,
            lambda made: ConvertDemandToOrderPayload(
                demand_item=DemandItem.from_row(made[0]),
                service_order=ServiceOrder.from_row(made[1]),
            ),
            audited=lambda made: Audited(orders.ORDER, [str(made[1].id)],
                                         {"demand": str(demand_id)}),
        )  # fmt: skip

    @strawberry.mutation(
        description="Dispatch an order (派单) to a member with an active report to its "
        "community (else NOT_REPORTED) or a unit actively paired with it (else NOT_PAIRED): "
        "the community or a grid secretary of it. Only when waiting for dispatch, also "
        "after a decline (else INVALID_STATE)."
    )
    async def dispatch_order(
        self,
        info: Info,
        input: Annotated[DispatchOrderInput, strawberry.argument(description="The dispatch.")],
    ) -> ServiceOrderPayload:
        change = Change(name="dispatchOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有订单所属社区可以派单。",
                        detail={"taker": input.taker_code})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.dispatch(
                info.context, order_id, taker_kind=input.taker_kind,
                taker_code=input.taker_code, note=input.note,
            ),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Accept a dispatched order (接单): the member it was dispatched to, or "
        "the branch of the unit it was dispatched to naming a member of the unit in service "
        "(else NOT_A_MEMBER / NOT_IN_SERVICE)."
    )
    async def accept_order(
        self,
        info: Info,
        input: Annotated[AcceptOrderInput, strawberry.argument(description="The acceptance.")],
    ) -> ServiceOrderPayload:
        change = Change(name="acceptOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有接单方可以接单。",
                        detail={"member": input.member_code})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.accept(info.context, order_id, input.member_code),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Decline a dispatched order (拒单) with a reason: the taker. The order "
        "goes back to be dispatched again (待派单)."
    )
    async def decline_order(
        self,
        info: Info,
        input: Annotated[DeclineOrderInput, strawberry.argument(description="The decline.")],
    ) -> ServiceOrderPayload:
        change = Change(name="declineOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有接单方可以拒单。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.decline(info.context, order_id, input.reason),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Close an accepted order (结单): the serving member, with a summary, "
        "hours (more than 0, at most 24) and up to nine photo references."
    )
    async def close_order(
        self,
        info: Info,
        input: Annotated[CloseOrderInput, strawberry.argument(description="The closing.")],
    ) -> ServiceOrderPayload:
        change = Change(name="closeOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有服务党员可以结单。")  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.close(
                info.context, order_id, summary=input.summary, hours=input.hours,
                evidence=input.evidence, photos=input.photos,
            ),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Rate a closed order (评价), 1 to 5 with a comment: the resident who "
        "ordered it or raised the demand it was converted from. Completes the order and grants the serving member the points of "
        "`order_completed`, in the same transaction, once."
    )
    async def rate_order(
        self,
        info: Info,
        input: Annotated[RateOrderInput, strawberry.argument(description="The rating.")],
    ) -> ServiceOrderPayload:
        change = Change(name="rateOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有点单或提出需求的居民本人可以评价。",
                        detail={"rating": str(input.rating)})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.rate(info.context, order_id, input.rating, input.comment),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Confirm a closed order (代为确认), optionally rating it, on behalf of a "
        "resident who cannot rate it himself: its community or a grid secretary of it. Only "
        "where no resident with an account placed it or raised its demand (代点单, 网格员代提, "
        "the community's own demand), or the resident did not rate within the rating period "
        "of the closing (居民评价期限: `ratingPolicy` of the closing's year, 7 days unless the "
        "district set another); before that RESIDENT_RATES. Completes the order, records who confirmed it "
        "and why (ratedByRole, ratingBasis) and grants the points."
    )
    async def confirm_order(
        self,
        info: Info,
        input: Annotated[ConfirmOrderInput, strawberry.argument(description="The confirmation.")],
    ) -> ServiceOrderPayload:
        change = Change(name="confirmOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有订单所属社区可以确认。",
                        detail={"note": input.note})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.confirm(
                info.context, order_id, input.note, input.rating, input.comment
            ),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Cancel an order (取消订单) with a reason: the resident who ordered it, "
        "before it is accepted; its community, before it is closed. Nothing is deleted."
    )
    async def cancel_order(
        self,
        info: Info,
        input: Annotated[CancelOrderInput, strawberry.argument(description="The cancellation.")],
    ) -> ServiceOrderPayload:
        change = Change(name="cancelOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有点单居民或订单所属社区可以取消。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.cancel(info.context, order_id, input.reason),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Escalate an overdue order (超时督办): its community, a grid secretary "
        "of it, or the district; only while open and past due (else INVALID_STATE). Raises "
        "the escalation level by one."
    )
    async def escalate_order(
        self,
        info: Info,
        input: Annotated[EscalateOrderInput, strawberry.argument(description="The escalation.")],
    ) -> ServiceOrderPayload:
        change = Change(name="escalateOrder", entity=orders.ORDER, key=input.client_mutation_id,
                        forbidden="只有订单所属社区或区委组织部可以督办。",
                        detail={"note": input.note})  # fmt: skip
        return await mutate_node(
            info, change, ServiceOrderPayload, input.order_id,
            lambda order_id: orders.escalate(info.context, order_id, input.note),
            _order, unknown=_UNKNOWN,
        )  # fmt: skip


async def community_orders(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: ServiceOrderFilter | None, order_by: ServiceOrderOrder | None,
    direction: OrderDirection,
) -> Connection[ServiceOrder]:  # fmt: skip
    return await order_connection(
        info, info.context.community.orders_of_community, community_id, first=first,
        after=after, filter=filter, order_by=order_by, direction=direction,
    )  # fmt: skip


async def member_orders(
    info: Info, member_code: str, *, first: int, after: str | None,
    filter: ServiceOrderFilter | None, order_by: ServiceOrderOrder | None,
    direction: OrderDirection,
) -> Connection[ServiceOrder]:  # fmt: skip
    return await order_connection(
        info, info.context.community.orders_of_member, member_code, first=first,
        after=after, filter=filter, order_by=order_by, direction=direction,
    )  # fmt: skip


async def unit_orders(
    info: Info, unit_code: str, *, first: int, after: str | None,
    filter: ServiceOrderFilter | None, order_by: ServiceOrderOrder | None,
    direction: OrderDirection,
) -> Connection[ServiceOrder]:  # fmt: skip
    return await order_connection(
        info, info.context.community.orders_of_unit, unit_code, first=first,
        after=after, filter=filter, order_by=order_by, direction=direction,
    )  # fmt: skip
