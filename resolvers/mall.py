"""The points mall (积分商城): merchants list items for points; members redeem them.

A redemption is one transaction that never oversells and never double-spends:
1. it locks the member's points account (`resolvers.points.spend` does, as its first
   statement), so two redemptions of one member run one after the other and the second
   sees the first one's spend;
2. it takes the stock with one conditional statement
   (`UPDATE mall_items SET stock = stock - q WHERE id = ? AND stock >= q AND active`),
   and refuses with OUT_OF_STOCK when no row was updated; concurrent redemptions of one
   item by many members each take stock atomically (PostgreSQL re-checks the condition
   on the latest row version; SQLite's write transaction holds its single write lock);
3. it appends the spend entry and the redemption. A refusal at any step rolls back all.

Managing merchants and items: the district, or the community (and its grid secretaries)
for merchants of that community. Redemptions are collected or refunded by the same roles;
a refund restores the stock and reverses the spend entry (冲正).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community.points_models import (
    MallItem,
    Merchant,
    PointsEntry,
    Redemption,
    RedemptionStatus,
)
from datasources.scope import GRID_ROLES, Role, Viewer
from resolvers import points
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

MERCHANT = "Merchant"
ITEM = "MallItem"
REDEMPTION = "Redemption"
STATUS_NAMES = {
    RedemptionStatus.REDEEMED: "已兑换，待领取",
    RedemptionStatus.COLLECTED: "已领取",
    RedemptionStatus.REFUNDED: "已退还",
}
MERCHANT_NOT_FOUND = "未找到该商家。"
ITEM_NOT_FOUND = "未找到该商品。"
REDEMPTION_NOT_FOUND = "未找到该兑换记录。"
MAX_QUANTITY = 100
MAX_PRICE = 1_000_000
MAX_STOCK = 1_000_000


def _active(flag: bool) -> str:
    return "active" if flag else "inactive"


async def _check_manages(session: AsyncSession, viewer: Viewer, community_id: int | None) -> None:
    """The district, or the community (and its grid secretaries) of the merchant."""
    if viewer.role is Role.DISTRICT:
        return
    if not manages_community(viewer, await community_code_of(session, community_id)):
        raise PermissionError("the merchant belongs to another community, or to the district")


def _may_manage_mall(viewer: Viewer) -> None:
    if viewer.role not in (Role.DISTRICT, Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the district or a community manages the points mall")


def _text(value: str, field: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise Refusal(RefusalCode.INVALID_INPUT, f"请填写{what}（不超过 {limit} 个字符）。", field)
    return value


async def create_merchant(
    ctx: HubContext, *, code: str, name: str, community_code: str | None,
    address: str | None, key: str | None,
) -> Merchant:  # fmt: skip
    """Add a partner merchant (新增合作商家): the district (any community, or none), or a
    community for itself."""
    viewer = ctx.viewer
    _may_manage_mall(viewer)
    if viewer.role is not Role.DISTRICT and not manages_community(viewer, community_code):
        raise PermissionError("a community adds merchants of its own community only")
    code = _text(code, "input.code", "商家编码", 32)
    name = _text(name, "input.name", "商家名称", 120)
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Merchant, "createMerchant", key)
        if earlier is not None:
            return earlier
        community_id = None
        if community_code is not None:
            community_id = await community_id_of(session, community_code)
        if await session.scalar(select(Merchant.id).where(Merchant.code == code)) is not None:
            raise Refusal(RefusalCode.DUPLICATE, f"商家编码 {code} 已存在。", "input.code")
        merchant = Merchant(code=code, name=name, community_id=community_id,
                            address=address, active=True)  # fmt: skip
        session.add(merchant)
        await session.flush()
        record(session, viewer, MERCHANT, merchant.id, None, "active")
        remember(session, viewer, "createMerchant", key, merchant.id)
    return merchant


async def create_item(
    ctx: HubContext, *, merchant_id: int, code: str, name: str, description: str | None,
    price_points: int, stock: int, key: str | None,
) -> MallItem:  # fmt: skip
    """List an item for points (上架商品): the district, or the merchant's community."""
    viewer = ctx.viewer
    _may_manage_mall(viewer)
    code = _text(code, "input.code", "商品编码", 32)
    name = _text(name, "input.name", "商品名称", 120)
    if not 0 < price_points <= MAX_PRICE:
        raise Refusal(RefusalCode.INVALID_INPUT, "兑换所需积分须为正数。", "input.pricePoints")
    if not 0 <= stock <= MAX_STOCK:
        raise Refusal(RefusalCode.INVALID_INPUT, "库存不能为负数。", "input.stock")
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, MallItem, "createMallItem", key)
        if earlier is not None:
            return earlier
        merchant = await session.get(Merchant, merchant_id)
        if merchant is None:
            raise Refusal(RefusalCode.NOT_FOUND, MERCHANT_NOT_FOUND, "input.merchantId")
        await _check_manages(session, viewer, merchant.community_id)
        if not merchant.active:
            raise Refusal(
                RefusalCode.INVALID_STATE, "该商家已停用，不能上架商品。", "input.merchantId"
            )
        if await session.scalar(select(MallItem.id).where(MallItem.code == code)) is not None:
            raise Refusal(RefusalCode.DUPLICATE, f"商品编码 {code} 已存在。", "input.code")
        item = MallItem(merchant_id=merchant.id, code=code, name=name, description=description,
                        price_points=price_points, stock=stock, active=True)  # fmt: skip
        session.add(item)
        await session.flush()
        record(
            session, viewer, ITEM, item.id, None, "active", f"价格 {price_points} 分，库存 {stock}"
        )
        remember(session, viewer, "createMallItem", key, item.id)
    return item


async def _managed_item(ctx: HubContext, session: AsyncSession, item_id: int) -> MallItem:
    """The item, locked, if the viewer manages its merchant."""
    _may_manage_mall(ctx.viewer)
    await write_lock(session, MallItem, item_id)
    item = await session.get(MallItem, item_id, with_for_update=True)
    if item is None:
        raise Refusal(RefusalCode.NOT_FOUND, ITEM_NOT_FOUND, "input.itemId")
    merchant = await session.get(Merchant, item.merchant_id)
    await _check_manages(session, ctx.viewer, merchant.community_id if merchant else None)
    return item


async def update_item(
    ctx: HubContext, item_id: int, *, price_points: int | None, active: bool | None
) -> MallItem:
    """Change an item's price or take it off / put it back on sale (修改商品)."""
    if price_points is not None and not 0 < price_points <= MAX_PRICE:
        raise Refusal(RefusalCode.INVALID_INPUT, "兑换所需积分须为正数。", "input.pricePoints")
    if price_points is None and active is None:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写要修改的价格或上下架状态。", "input")
    async with ctx.sources.community.transaction() as session:
        item = await _managed_item(ctx, session, item_id)
        before = _active(item.active)
        changes = []
        if price_points is not None and price_points != item.price_points:
            changes.append(f"价格 {item.price_points} → {price_points} 分")
            item.price_points = price_points
        if active is not None and active != item.active:
            changes.append("重新上架" if active else "下架")
            item.active = active
        if changes:
            record(session, ctx.viewer, ITEM, item.id, before, _active(item.active),
                   "；".join(changes))  # fmt: skip
    return item


async def restock_item(ctx: HubContext, item_id: int, quantity: int) -> MallItem:
    """Add stock (补货): the district, or the merchant's community."""
    if not 0 < quantity <= MAX_STOCK:
        raise Refusal(RefusalCode.INVALID_INPUT, "补货数量须为正数。", "input.quantity")
    async with ctx.sources.community.transaction() as session:
        item = await _managed_item(ctx, session, item_id)
        before = item.stock
        await session.execute(
            update(MallItem)
            .where(MallItem.id == item.id)
            .values(stock=MallItem.stock + quantity)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(item)
        state = _active(item.active)
        record(session, ctx.viewer, ITEM, item.id, state, state,
               f"补货 {quantity} 件，库存 {before} → {item.stock}")  # fmt: skip
    return item


async def redeem(ctx: HubContext, item_id: int, quantity: int, key: str | None) -> Redemption:
    """Redeem an item for points (积分兑换): a member, for himself."""
    viewer = ctx.viewer
    member = viewer.member
    if viewer.role is not Role.MEMBER or member is None:
        raise PermissionError("only a member redeems points")
    if not 0 < quantity <= MAX_QUANTITY:
        raise Refusal(
            RefusalCode.INVALID_INPUT, f"兑换数量须在 1 到 {MAX_QUANTITY} 之间。", "input.quantity"
        )
    async with ctx.sources.community.transaction() as session:
        # The account lock comes first: a retry with the same key waits for the first try.
        await points.lock_account(session, member)
        earlier = await replayed(ctx, session, Redemption, "redeemMallItem", key)
        if earlier is not None:
            return earlier
        item = await session.get(MallItem, item_id)
        if item is None:
            raise Refusal(RefusalCode.NOT_FOUND, ITEM_NOT_FOUND, "input.itemId")
        merchant = await session.get(Merchant, item.merchant_id)
        if not item.active or merchant is None or not merchant.active:
            raise Refusal(RefusalCode.INVALID_STATE, "该商品已下架，不能兑换。", "input.itemId")
        cost = item.price_points * quantity
        spend = await points.spend(session, viewer, member_code=member, points=cost,
                                   source_type=REDEMPTION, source_id=None,
                                   note=f"兑换「{item.name}」× {quantity}")  # fmt: skip
        taken = await session.execute(
            update(MallItem)
            .where(
                MallItem.id == item.id,
                MallItem.stock >= quantity,
                MallItem.active.is_(True),
            )
            .values(stock=MallItem.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise Refusal(RefusalCode.OUT_OF_STOCK, f"「{item.name}」库存不足。", "input.quantity")
        redemption = Redemption(item_id=item.id, member_code=member, quantity=quantity,
                                points=cost, status=RedemptionStatus.REDEEMED,
                                spend_entry_id=spend.id)  # fmt: skip
        session.add(redemption)
        await session.flush()
        # Same transaction, the entry is not yet on record: name its source, and credit it to
        # the merchant's community (whose roles then see it, like its other entries).
        spend.source_id = redemption.id
        spend.community_id = merchant.community_id
        record(session, viewer, REDEMPTION, redemption.id, None, RedemptionStatus.REDEEMED.value)
        remember(session, viewer, "redeemMallItem", key, redemption.id)
    return redemption


async def _managed_redemption(
    ctx: HubContext, session: AsyncSession, redemption_id: int
) -> Redemption:
    _may_manage_mall(ctx.viewer)
    await write_lock(session, Redemption, redemption_id)
    redemption = await session.get(Redemption, redemption_id, with_for_update=True)
    if redemption is None:
        raise Refusal(RefusalCode.NOT_FOUND, REDEMPTION_NOT_FOUND, "input.redemptionId")
    item = await session.get(MallItem, redemption.item_id)
    merchant = await session.get(Merchant, item.merchant_id) if item else None
    await _check_manages(session, ctx.viewer, merchant.community_id if merchant else None)
    return redemption


def _invalid_state(redemption: Redemption, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该兑换当前为「{STATUS_NAMES[redemption.status]}」，{allowed}",
        "input.redemptionId",
    )


async def collect(ctx: HubContext, redemption_id: int, note: str | None) -> Redemption:
    """Mark a redemption collected (确认领取): the district or the merchant's community."""
    async with ctx.sources.community.transaction() as session:
        redemption = await _managed_redemption(ctx, session, redemption_id)
        if redemption.status is not RedemptionStatus.REDEEMED:
            raise _invalid_state(redemption, "只有待领取的兑换可以确认领取。")
        redemption.status = RedemptionStatus.COLLECTED
        redemption.collected_at = utcnow()
        record(session, ctx.viewer, REDEMPTION, redemption.id, RedemptionStatus.REDEEMED.value,
               RedemptionStatus.COLLECTED.value, note)  # fmt: skip
    return redemption


async def refund(ctx: HubContext, redemption_id: int, reason: str) -> Redemption:
    """Refund a redemption not yet collected (退还兑换): restores the stock and reverses the
    spend entry. The district or the merchant's community, with a reason."""
    if not reason.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写退还原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        redemption = await _managed_redemption(ctx, session, redemption_id)
        if redemption.status is not RedemptionStatus.REDEEMED:
            raise _invalid_state(redemption, "只有待领取的兑换可以退还。")
        spend = await session.get(PointsEntry, redemption.spend_entry_id)
        assert spend is not None  # a foreign key
        reversal = await points.reverse(session, ctx.viewer, spend, f"退还兑换：{reason.strip()}")
        await session.execute(
            update(MallItem)
            .where(MallItem.id == redemption.item_id)
            .values(stock=MallItem.stock + redemption.quantity)
            .execution_options(synchronize_session=False)
        )
        redemption.status = RedemptionStatus.REFUNDED
        redemption.refunded_at = utcnow()
        redemption.refund_entry_id = reversal.id
        record(session, ctx.viewer, REDEMPTION, redemption.id, RedemptionStatus.REDEEMED.value,
               RedemptionStatus.REFUNDED.value, reason.strip())  # fmt: skip
    return redemption
