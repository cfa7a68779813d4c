"""The points mall (积分商城): merchants, items, redemptions and their mutations.

Active merchants and items are seen by every signed-in viewer; inactive ones by the
district, the auditor and the merchant's community. Redemptions: the member himself, his
unit branch, the merchant's community, the district and the auditor.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from datasources.community.points_lists import MallItemFilter as ItemFilterValue
from datasources.community.points_lists import MerchantFilter as MerchantFilterValue
from datasources.community.points_lists import RedemptionFilter as RedemptionFilterValue
from resolvers import mall
from schema.base import HubNode, Info, loaded_by
from schema.bounds import between
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Audited, Change, UserError, mutate, node_id_of, not_found
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)
from schema.points import PointsEntry, RedemptionStatus

if TYPE_CHECKING:
    from schema.places import Community
    from schema.units import Member

_PLACES = "schema.places"
_UNITS = "schema.units"


@strawberry.enum(description="How to sort merchants (商家排序).")
class MerchantOrder(Enum):
    NAME = "name"
    CREATED_AT = "created_at"


@strawberry.enum(description="How to sort mall items (商品排序): by price, listing time or name.")
class MallItemOrder(Enum):
    PRICE = "price"
    CREATED_AT = "created_at"
    NAME = "name"


@strawberry.enum(description="How to sort redemptions: by redemption time (兑换时间).")
class RedemptionOrder(Enum):
    REDEEMED_AT = "redeemed_at"


@strawberry.input(description="Filters for merchants (商家筛选); all given must hold.")
class MerchantFilter:
    community_code: str | None = strawberry.field(
        default=None, description="Only merchants of this community (社区编码)."
    )
    include_inactive: bool = strawberry.field(
        default=False, description="Also list inactive merchants the viewer may see (含停用)."
    )

    def to_filter(self) -> MerchantFilterValue:
        return MerchantFilterValue(
            community_code=self.community_code, include_inactive=self.include_inactive
        )


@strawberry.input(description="Filters for mall items (商品筛选); all given must hold.")
class MallItemFilter:
    merchant_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Only items of this merchant (商家ID)."
    )
    community_code: str | None = strawberry.field(
        default=None, description="Only items of merchants of this community (社区编码)."
    )
    max_price: int | None = strawberry.field(
        metadata=between(0, mall.MAX_PRICE),
        default=None,
        description="Only items costing at most this many points (最高积分).",
    )
    in_stock: bool | None = strawberry.field(
        default=None, description="True: only items in stock (有货); false: only sold out."
    )
    include_inactive: bool = strawberry.field(
        default=False, description="Also list items off sale the viewer may see (含下架)."
    )

    def to_filter(self) -> ItemFilterValue:
        merchant_id = None
        if self.merchant_id is not None:
            # An ID of another type matches nothing (no merchant has id 0).
            merchant_id = node_id_of(self.merchant_id, "Merchant") or 0
        return ItemFilterValue(
            merchant_id=merchant_id, community_code=self.community_code,
            max_price=self.max_price, in_stock=self.in_stock,
            include_inactive=self.include_inactive,
        )  # fmt: skip


@strawberry.input(description="Filters for redemptions (兑换筛选).")
class RedemptionFilter:
    statuses: list[RedemptionStatus] | None = strawberry.field(
        default=None, description="Only redemptions in these states (状态); any when omitted."
    )

    def to_filter(self) -> RedemptionFilterValue:
        return RedemptionFilterValue(
            statuses=None if self.statuses is None else tuple(self.statuses)
        )


@strawberry.type(description="A partner merchant of the points mall (合作商家).")
class Merchant(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.merchant_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Merchant code (商家编码).")
    name: str = strawberry.field(description="Name (商家名称).")
    address: str | None = strawberry.field(description="Address (地址).")
    active: bool = strawberry.field(description="Whether it takes part now (是否启用).")
    created_at: datetime = strawberry.field(description="When it was added (加入时间).")
    community_id: strawberry.Private[int | None]

    @strawberry.field(description="Its community (所属社区); null for district-wide merchants.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)] | None:
        from schema.places import Community

        if self.community_id is None:
            return None
        return Community.from_optional_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="Its items (商品), cheapest first by default.")
    async def items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: Annotated[
            MallItemOrder, strawberry.argument(description="Sort key (排序).")
        ] = MallItemOrder.PRICE,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[MallItem]:
        return await paginate(
            info, info.context.community.points.items_of_merchant, self.id, MallItem.from_row,
            first=first, after=after, order_by=order_by, direction=direction,
            filter=MallItemFilter(),
        )  # fmt: skip

    @strawberry.field(description="Every state change of the merchant (商家记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, mall.MERCHANT, self.id)


@strawberry.type(description="An item offered for points (积分商品); stock never below zero.")
class MallItem(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.mall_item_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Item code (商品编码).")
    name: str = strawberry.field(description="Name (商品名称).")
    description: str | None = strawberry.field(description="Details (商品说明).")
    price_points: int = strawberry.field(description="Points per piece (兑换积分).")
    stock: int = strawberry.field(description="Pieces left (库存).")
    active: bool = strawberry.field(description="On sale (是否上架).")
    created_at: datetime = strawberry.field(description="When it was listed (上架时间).")
    merchant_id: strawberry.Private[int]

    @strawberry.field(description="The merchant offering it (商家).")
    async def merchant(self, info: Info) -> Merchant | None:
        return Merchant.from_optional_row(
            await info.context.community.merchant_by_id.load(self.merchant_id)
        )

    @strawberry.field(
        description="Its redemptions (兑换记录), newest first: those the viewer may see."
    )
    async def redemptions(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: RedemptionFilter | None = None,
    ) -> Connection[Redemption]:
        return await paginate(
            info, info.context.community.points.redemptions_of_item, self.id,
            Redemption.from_row, first=first, after=after,
            order_by=RedemptionOrder.REDEEMED_AT, direction=OrderDirection.DESC,
            filter=filter or RedemptionFilter(),
        )  # fmt: skip

    @strawberry.field(description="Listing, price, activity and stock changes (商品记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, mall.ITEM, self.id)


@strawberry.type(
    description="A member's redemption of an item (积分兑换): its spend entry, and the "
    "reversal when refunded."
)
class Redemption(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.redemption_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="Code of the member (党员编码).")
    quantity: int = strawberry.field(description="Pieces (数量).")
    points: int = strawberry.field(description="Points paid (消耗积分).")
    status: RedemptionStatus = strawberry.field(description="Its state (兑换状态).")
    redeemed_at: datetime = strawberry.field(description="When redeemed (兑换时间).")
    collected_at: datetime | None = strawberry.field(description="When collected (领取时间).")
    refunded_at: datetime | None = strawberry.field(description="When refunded (退还时间).")
    item_id: strawberry.Private[int]
    spend_entry_id: strawberry.Private[int]
    refund_entry_id: strawberry.Private[int | None]

    @strawberry.field(description="The item redeemed (商品).")
    async def item(self, info: Info) -> MallItem | None:
        return MallItem.from_optional_row(
            await info.context.community.mall_item_by_id.load(self.item_id)
        )

    @strawberry.field(
        description="The member, from the work-unit side (党员); null when out of scope."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(description="Its spend entry in the ledger (消费流水).")
    async def spend_entry(self, info: Info) -> PointsEntry | None:
        return PointsEntry.from_optional_row(
            await info.context.community.points_entry_by_id.load(self.spend_entry_id)
        )

    @strawberry.field(description="The reversal that gave the points back (退还流水), if refunded.")
    async def refund_entry(self, info: Info) -> PointsEntry | None:
        if self.refund_entry_id is None:
            return None
        return PointsEntry.from_optional_row(
            await info.context.community.points_entry_by_id.load(self.refund_entry_id)
        )

    @strawberry.field(description="Every state change of the redemption (兑换记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, mall.REDEMPTION, self.id)


async def member_redemptions(
    info: Info, member_code: str, *, first: int, after: str | None
) -> Connection[Redemption]:
    return await paginate(
        info, info.context.community.points.redemptions_of_member, member_code,
        Redemption.from_row, first=first, after=after, order_by=RedemptionOrder.REDEEMED_AT,
        direction=OrderDirection.DESC, filter=RedemptionFilter(),
    )  # fmt: skip


@strawberry.type(description="Root fields of the points mall (积分商城).")
class MallQuery:
    @strawberry.field(
        description="Merchants of the points mall (合作商家): active ones by default."
    )
    async def merchants(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: MerchantFilter | None = None,
        order_by: Annotated[
            MerchantOrder, strawberry.argument(description="Sort key (排序).")
        ] = MerchantOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Merchant]:
        return await paginate(
            info, info.context.community.points.merchants, None, Merchant.from_row,
            first=first, after=after, order_by=order_by, direction=direction,
            filter=filter or MerchantFilter(),
        )  # fmt: skip

    @strawberry.field(
        description="Items of the points mall (积分商品): items on sale for every signed-in "
        "viewer, filtered by merchant, community, price and stock."
    )
    async def mall_items(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: MallItemFilter | None = None,
        order_by: Annotated[
            MallItemOrder, strawberry.argument(description="Sort key (排序).")
        ] = MallItemOrder.PRICE,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[MallItem]:
        return await paginate(
            info, info.context.community.points.items, None, MallItem.from_row,
            first=first, after=after, order_by=order_by, direction=direction,
            filter=filter or MallItemFilter(),
        )  # fmt: skip


# --- mutations -------------------------------------------------------------------------

_ERRORS = "Why it was refused (业务错误); empty on success. Nothing changed then."


@strawberry.input(description="Add a partner merchant (新增合作商家).")
class CreateMerchantInput:
    code: str = strawberry.field(description="Unique merchant code (商家编码).")
    name: str = strawberry.field(description="Name (商家名称).")
    community_code: str | None = strawberry.field(
        default=None, description="Its community (社区编码); none for a district-wide merchant."
    )
    address: str | None = strawberry.field(default=None, description="Address (地址).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="List an item for points (上架商品).")
class CreateMallItemInput:
    merchant_id: relay.GlobalID = strawberry.field(description="The merchant (商家ID).")
    code: str = strawberry.field(description="Unique item code (商品编码).")
    name: str = strawberry.field(description="Name (商品名称).")
    price_points: int = strawberry.field(
        metadata=between(1, mall.MAX_PRICE), description="Points per piece (兑换积分), positive."
    )
    stock: int = strawberry.field(
        metadata=between(0, mall.MAX_STOCK), description="Pieces in stock (库存), 0 or more."
    )
    description: str | None = strawberry.field(default=None, description="Details (商品说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Change an item's price or take it off sale (修改商品).")
class UpdateMallItemInput:
    item_id: relay.GlobalID = strawberry.field(description="The item (商品ID).")
    price_points: int | None = strawberry.field(
        metadata=between(1, mall.MAX_PRICE),
        default=None,
        description="New points per piece (新价格); unchanged when omitted.",
    )
    active: bool | None = strawberry.field(
        default=None, description="On sale (上架) or off (下架); unchanged when omitted."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Add stock to an item (补货).")
class RestockMallItemInput:
    item_id: relay.GlobalID = strawberry.field(description="The item (商品ID).")
    quantity: int = strawberry.field(
        metadata=between(1, mall.MAX_STOCK), description="Pieces added (补货数量), positive."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Redeem an item for points (积分兑换).")
class RedeemMallItemInput:
    item_id: relay.GlobalID = strawberry.field(description="The item (商品ID).")
    quantity: int = strawberry.field(
        metadata=between(1, mall.MAX_QUANTITY),
        default=1,
        description="Pieces (数量), 1 by default.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Mark a redemption collected (确认领取).")
class MarkRedemptionCollectedInput:
    redemption_id: relay.GlobalID = strawberry.field(description="The redemption (兑换ID).")
    note: str | None = strawberry.field(default=None, description="Remark (说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Refund a redemption not yet collected (退还兑换).")
class RefundRedemptionInput:
    redemption_id: relay.GlobalID = strawberry.field(description="The redemption (兑换ID).")
    reason: str = strawberry.field(description="Why (退还原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a merchant mutation (商家操作结果).")
class MerchantPayload:
    merchant: Merchant | None = strawberry.field(description="The merchant; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of an item mutation (商品操作结果).")
class MallItemPayload:
    mall_item: MallItem | None = strawberry.field(description="The item; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a redemption mutation (兑换操作结果).")
class RedemptionPayload:
    redemption: Redemption | None = strawberry.field(
        description="The redemption; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _item(row: object) -> MallItemPayload:
    return MallItemPayload(mall_item=MallItem.from_row(row))


def _redemption(row: object) -> RedemptionPayload:
    return RedemptionPayload(redemption=Redemption.from_row(row))


_MANAGERS = "只有区委组织部或商家所属社区可以管理积分商城。"
_NO_MERCHANT = not_found(mall.MERCHANT_NOT_FOUND, "input.merchantId")
_NO_ITEM = not_found(mall.ITEM_NOT_FOUND, "input.itemId")
_NO_REDEMPTION = not_found(mall.REDEMPTION_NOT_FOUND, "input.redemptionId")


@strawberry.type(description="Mutations of the points mall (积分商城).")
class MallMutation:
    @strawberry.mutation(
        description="Add a partner merchant (新增合作商家): the district (for any community, "
        "or district-wide), or a community for itself."
    )
    async def create_merchant(
        self,
        info: Info,
        input: Annotated[CreateMerchantInput, strawberry.argument(description="The merchant.")],
    ) -> MerchantPayload:
        key = input.client_mutation_id
        action = mall.create_merchant(info.context, code=input.code, name=input.name,
                                      community_code=input.community_code,
                                      address=input.address, key=key)  # fmt: skip
        change = Change(name="createMerchant", entity="Merchant", key=key, forbidden=_MANAGERS)
        return await mutate(
            info, change, MerchantPayload, action,
            lambda row: MerchantPayload(merchant=Merchant.from_row(row)),
            audited=lambda row: Audited("Merchant", [str(row.id)], {"code": row.code}),
        )  # fmt: skip

    @strawberry.mutation(
        description="List an item for points (上架商品): the district, or the merchant's community."
    )
    async def create_mall_item(
        self,
        info: Info,
        input: Annotated[CreateMallItemInput, strawberry.argument(description="The item.")],
    ) -> MallItemPayload:
        key = input.client_mutation_id
        merchant_id = node_id_of(input.merchant_id, "Merchant")
        action = _NO_MERCHANT if merchant_id is None else mall.create_item(
            info.context, merchant_id=merchant_id, code=input.code, name=input.name,
            description=input.description, price_points=input.price_points,
            stock=input.stock, key=key,
        )  # fmt: skip
        change = Change(name="createMallItem", entity="MallItem", key=key, forbidden=_MANAGERS,
                        detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, MallItemPayload, action, _item)

    @strawberry.mutation(
        description="Change an item's price or put it on or off sale (修改商品): the district, "
        "or the merchant's community."
    )
    async def update_mall_item(
        self,
        info: Info,
        input: Annotated[UpdateMallItemInput, strawberry.argument(description="The change.")],
    ) -> MallItemPayload:
        item_id = node_id_of(input.item_id, "MallItem")
        action = _NO_ITEM if item_id is None else mall.update_item(
            info.context, item_id, price_points=input.price_points, active=input.active
        )  # fmt: skip
        change = Change(name="updateMallItem", entity="MallItem", key=input.client_mutation_id,
                        targets=[str(item_id)], forbidden=_MANAGERS)  # fmt: skip
        return await mutate(info, change, MallItemPayload, action, _item)

    @strawberry.mutation(
        description="Add stock to an item (补货): the district, or the merchant's community."
    )
    async def restock_mall_item(
        self,
        info: Info,
        input: Annotated[RestockMallItemInput, strawberry.argument(description="The stock.")],
    ) -> MallItemPayload:
        item_id = node_id_of(input.item_id, "MallItem")
        action = (
            _NO_ITEM if item_id is None else mall.restock_item(info.context, item_id, input.quantity)
        )  # fmt: skip
        change = Change(name="restockMallItem", entity="MallItem", key=input.client_mutation_id,
                        targets=[str(item_id)], forbidden=_MANAGERS,
                        detail={"quantity": str(input.quantity)})  # fmt: skip
        return await mutate(info, change, MallItemPayload, action, _item)

    @strawberry.mutation(
        description="Redeem an item for points (积分兑换): a member, for himself. Atomic: never "
        "oversells (OUT_OF_STOCK) and never spends more than the balance "
        "(INSUFFICIENT_POINTS), also under concurrent requests; an item off sale is "
        "INVALID_STATE. Retrying with the same clientMutationId returns the first result."
    )
    async def redeem_mall_item(
        self,
        info: Info,
        input: Annotated[RedeemMallItemInput, strawberry.argument(description="The item.")],
    ) -> RedemptionPayload:
        key = input.client_mutation_id
        item_id = node_id_of(input.item_id, "MallItem")
        action = (
            _NO_ITEM if item_id is None else mall.redeem(info.context, item_id, input.quantity, key)
        )  # fmt: skip
        change = Change(name="redeemMallItem", entity="Redemption", key=key,
                        forbidden="只有党员本人可以兑换积分商品。",
                        detail={"item": str(item_id), "quantity": str(input.quantity)})  # fmt: skip
        return await mutate(info, change, RedemptionPayload, action, _redemption)

    @strawberry.mutation(
        description="Mark a redemption collected (确认领取): the district, or the merchant's "
        "community. Only redemptions awaiting collection (INVALID_STATE otherwise)."
    )
    async def mark_redemption_collected(
        self,
        info: Info,
        input: Annotated[
            MarkRedemptionCollectedInput, strawberry.argument(description="The redemption.")
        ],
    ) -> RedemptionPayload:
        redemption_id = node_id_of(input.redemption_id, "Redemption")
        action = _NO_REDEMPTION if redemption_id is None else mall.collect(
            info.context, redemption_id, input.note
        )  # fmt: skip
        change = Change(name="markRedemptionCollected", entity="Redemption",
                        key=input.client_mutation_id, targets=[str(redemption_id)],
                        forbidden=_MANAGERS, detail={"note": input.note})  # fmt: skip
        return await mutate(info, change, RedemptionPayload, action, _redemption)

    @strawberry.mutation(
        description="Refund a redemption not yet collected (退还兑换): restores the stock and "
        "gives the points back as a reversal of the spend entry. The district, or the "
        "merchant's community, with a reason; only once (INVALID_STATE otherwise)."
    )
    async def refund_redemption(
        self,
        info: Info,
        input: Annotated[RefundRedemptionInput, strawberry.argument(description="The refund.")],
    ) -> RedemptionPayload:
        redemption_id = node_id_of(input.redemption_id, "Redemption")
        action = _NO_REDEMPTION if redemption_id is None else mall.refund(
            info.context, redemption_id, input.reason
        )  # fmt: skip
        change = Change(name="refundRedemption", entity="Redemption",
                        key=input.client_mutation_id, targets=[str(redemption_id)],
                        forbidden=_MANAGERS, detail={"reason": input.reason})  # fmt: skip
        return await mutate(info, change, RedemptionPayload, action, _redemption)
