"""Service orders (点单 → 派单 → 接单 → 结单 → 评价): a resident orders a service (or the
community / a grid secretary orders on behalf of one), the community dispatches it to a
reported member or a paired unit, the taker accepts or declines, the serving member closes
it with a summary, hours and evidence, and the resident rates it (干得好不好让居民来评议): the
resident who placed it, or who raised the demand it was converted from. The community (or a
grid secretary) rates or confirms it on his behalf only where he cannot: nobody with an
account on record placed or raised it (代点单, 网格员代提, the community's own demand), or
he did not rate within the rating period of the closing (居民评价期限, a policy the district
sets per year, 7 days by default: `resolvers.rating_policy`); the order records who rated it and
on what basis (`rated_by_role`, `rating_basis`). Completing an order grants the serving member points in the
same transaction. An open order past its due time is overdue and may be escalated.

Every transition locks the order row first (`write_lock` + `SELECT ... FOR UPDATE`), then
reads its state: of two concurrent ratings the second finds the order rated and is refused,
so points are granted once (the ledger's unique earned-source index is the backstop).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.announcements import announce
from datasources.common import as_utc, utcnow
from datasources.community import notifications
from datasources.community.models import DemandItem, RequesterKind, ServiceCategory
from datasources.community.notification_models import NotificationKind
from datasources.community.order_models import (
    OPEN_ORDER_STATUSES,
    OrderStatus,
    RatingBasis,
    ServiceOrder,
    TakerKind,
)
from datasources.community.policy import ordered_for, placed_by
from datasources.files.checks import EVIDENCE
from datasources.scope import Role, Viewer
from datasources.units.models import Member, WorkUnit
from resolvers import attachments, lists
from resolvers.addresses import address_in
from resolvers.context import HubContext
from resolvers.points import earn, rule_points
from resolvers.rating_policy import period_end, period_of_order
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    is_paired,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

ORDER = "ServiceOrder"
STATUS_NAMES = {
    OrderStatus.ORDERED: "待派单",
    OrderStatus.DISPATCHED: "已派单",
    OrderStatus.ACCEPTED: "已接单",
    OrderStatus.CLOSED: "已结单",
    OrderStatus.RATED: "已评价",
    OrderStatus.CONFIRMED: "已确认",
    OrderStatus.CANCELLED: "已取消",
}
NOT_FOUND = "未找到该订单。"
MAX_EVIDENCE = 9
MAX_HOURS = Decimal(24)
_FIELD = "input.orderId"
BASIS_NAMES = {
    RatingBasis.RESIDENT: "居民本人评价",
    RatingBasis.OFFLINE: "居民线下由他人代为点单或提出需求，无本人账号记录",
    RatingBasis.COMMUNITY_DEMAND: "社区自身提出的需求，无点单居民",
    RatingBasis.NOT_RATED_IN_TIME: "居民逾期未评价",
    RatingBasis.LEGACY: "规则实施前由社区确认",
}


def orders_topic(community_code: str | None) -> str:
    """The live topic of a community's orders (`schema.live`, `Subscription.orderChanges`)."""
    return f"orders:{community_code}"


async def _changed(
    session: AsyncSession, viewer: Viewer, order: ServiceOrder, from_state: str | None,
    to_state: str, note: str | None = None,
) -> None:  # fmt: skip
    """Every change of an order goes through here: its history event, and the live event
    its community's subscribers hear once the transaction commits."""
    record(session, viewer, ORDER, order.id, from_state, to_state, note)
    code = await community_code_of(session, order.community_id)
    announce(session.sync_session, orders_topic(code), {"id": order.id})


def _invalid_state(order: ServiceOrder, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该订单当前为「{STATUS_NAMES[order.status]}」，{allowed}",
        _FIELD,
    )


def is_overdue(status: OrderStatus, due_at: datetime, now: datetime | None = None) -> bool:
    """Still open and past its due time (超时)."""
    return status in OPEN_ORDER_STATUSES and as_utc(due_at) < (now or utcnow())


def _required(text: str | None, message: str, field: str) -> str:
    clean = (text or "").strip()
    if not clean:
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    return clean


async def _category(session: AsyncSession, code: str) -> ServiceCategory:
    category = await session.scalar(select(ServiceCategory).where(ServiceCategory.code == code))
    if category is None or not category.active:
        raise Refusal(RefusalCode.NOT_FOUND, f"未知的服务类别：{code}。", "input.categoryCode")
    return category


async def place(
    ctx: HubContext,
    *,
    community_code: str,
    category_code: str,
    title: str,
    description: str | None,
    beneficiary_name: str | None,
    building_code: str | None,
    key: str | None,
    unit: int | None = None,
    floor: int | None = None,
    room: str | None = None,
) -> ServiceOrder:
    """Order a service (点单): a resident for himself, or the community / a grid secretary
    of it on behalf of a resident (代点单, the resident's name then required)."""
    viewer = ctx.viewer
    if viewer.role is Role.RESIDENT:
        if viewer.community != community_code:
            raise PermissionError("a resident orders in his own community")
        beneficiary = None
    elif manages_community(viewer, community_code):
        beneficiary = _required(beneficiary_name, "代居民点单时请填写居民姓名。",
                                "input.beneficiaryName")[:60]  # fmt: skip
    else:
        raise PermissionError("only residents and their community order services")
    clean_title = _required(title, "请填写需要的服务。", "input.title")[:160]
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, ServiceOrder, "placeOrder", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        category = await _category(session, category_code)
        at = await address_in(session, community_id, building_code, unit, floor, room)
        now = utcnow()
        order = ServiceOrder(
            community_id=community_id, category_id=category.id, building_id=at.building_id,
            unit_no=at.unit_no, floor=at.floor, room=at.room,
            title=clean_title, description=description, ordered_by_subject=viewer.subject,
            ordered_by_identity=viewer.identity_key, ordered_by_role=viewer.role.value,
            beneficiary_name=beneficiary,
            status=OrderStatus.ORDERED, ordered_at=now,
            due_at=now + timedelta(hours=category.order_due_hours), evidence=[],
        )  # fmt: skip
        session.add(order)
        await session.flush()
        await _changed(session, viewer, order, None, OrderStatus.ORDERED.value)
        remember(session, viewer, "placeOrder", key, order.id)
    return order


async def from_demand(
    ctx: HubContext, demand_id: int, key: str | None
) -> tuple[DemandItem, ServiceOrder]:
    """Turn a published demand into an order (需求转订单), atomically: the demand becomes
    fulfilled (converted) exactly as for a service item, both with history. A resident who
    raised the demand himself follows the order and rates it (`ordered_for`)."""
    viewer = ctx.viewer
    if not viewer.is_community_side:
        raise PermissionError("only the community converts its demands")
    async with ctx.sources.community.transaction() as session:
        demand = await lists.managed_demand(ctx, session, demand_id)
        earlier = await replayed(ctx, session, ServiceOrder, "convertDemandToOrder", key)
        if earlier is not None:
            return demand, earlier
        lists.check_convertible(demand, "订单")
        category = await session.get(ServiceCategory, demand.category_id)
        by_community = demand.requester_kind is RequesterKind.COMMUNITY
        beneficiary = None if by_community else demand.requester_name[:60]
        assert category is not None  # a foreign key
        now = utcnow()
        order = ServiceOrder(
            community_id=demand.community_id, category_id=demand.category_id,
            demand_id=demand.id, title=demand.title, description=demand.description,
            building_id=demand.building_id, unit_no=demand.unit_no, floor=demand.floor,
            room=demand.room, ordered_by_subject=viewer.subject, ordered_by_identity=viewer.identity_key,
            ordered_by_role=viewer.role.value, beneficiary_name=beneficiary,
            status=OrderStatus.ORDERED,
            ordered_at=now, due_at=now + timedelta(hours=category.order_due_hours),
            evidence=[],
        )  # fmt: skip
        session.add(order)
        await session.flush()
        await _changed(session, viewer, order, None, OrderStatus.ORDERED.value,
               f"由需求 {demand.id} 转化")  # fmt: skip
        lists.mark_converted(session, viewer, demand, f"转为订单 {order.id}")
        remember(session, viewer, "convertDemandToOrder", key, order.id)
    return demand, order


async def _placed_by_viewer(ctx: HubContext, session: AsyncSession, order: ServiceOrder) -> bool:
    """Whether the viewer placed the order himself: the identity, not the subject alone."""
    mine = select(ServiceOrder.id).where(ServiceOrder.id == order.id, *placed_by(ctx.viewer))
    return await session.scalar(mine) is not None


async def _ordered_for_viewer(ctx: HubContext, session: AsyncSession, order: ServiceOrder) -> bool:
    """Whether the order is the resident viewer's own: placed by him, or from his demand."""
    mine = select(ServiceOrder.id).where(ServiceOrder.id == order.id, *ordered_for(ctx.viewer))
    return await session.scalar(mine) is not None


async def resident_basis(session: AsyncSession, order: ServiceOrder) -> RatingBasis | None:
    """None when a resident with an account on record rates the order himself: he placed
    it, or raised the demand it was converted from. Otherwise why the community rates it."""
    if order.demand_id is None:
        return None if order.ordered_by_role == Role.RESIDENT.value else RatingBasis.OFFLINE
    demand = await session.get(DemandItem, order.demand_id)
    assert demand is not None  # a foreign key
    if demand.raised_by_role == Role.RESIDENT.value:
        return None
    if demand.requester_kind is RequesterKind.COMMUNITY:
        return RatingBasis.COMMUNITY_DEMAND
    return RatingBasis.OFFLINE


async def _locked(session: AsyncSession, order_id: int) -> ServiceOrder:
    await write_lock(session, ServiceOrder, order_id)
    order = await session.get(ServiceOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, _FIELD)
    return order


async def _managed(ctx: HubContext, session: AsyncSession, order_id: int) -> ServiceOrder:
    """The order, locked, if the viewer is its community or a grid secretary of it."""
    if not ctx.viewer.is_community_side:
        raise PermissionError("only the community manages its orders")
    order = await _locked(session, order_id)
    if not manages_community(ctx.viewer, await community_code_of(session, order.community_id)):
        raise PermissionError("the order belongs to another community")
    return order


async def dispatch(
    ctx: HubContext, order_id: int, *, taker_kind: TakerKind, taker_code: str, note: str | None
) -> ServiceOrder:
    """Dispatch an order (派单) to a member reported to its community or to a unit paired
    with it: the community or a grid secretary of it. Again after a decline."""
    code = _required(taker_code, "请填写接单党员或单位编码。", "input.takerCode")
    async with ctx.sources.community.transaction() as session:
        order = await _managed(ctx, session, order_id)
        if order.status is not OrderStatus.ORDERED:
            raise _invalid_state(order, "只有待派单的订单可以派单。")
        if taker_kind is TakerKind.MEMBER and not await is_supporter(
            session, code, order.community_id
        ):
            raise Refusal(RefusalCode.NOT_REPORTED, "该党员未向本社区报到。", "input.takerCode")
        if taker_kind is TakerKind.UNIT and not await is_paired(session, code, order.community_id):
            raise Refusal(RefusalCode.NOT_PAIRED, "该单位未与本社区结对共建。", "input.takerCode")
        order.status = OrderStatus.DISPATCHED
        order.taker_kind, order.taker_code, order.member_code = taker_kind, code, None
        order.dispatched_at = utcnow()
        await _changed(session, ctx.viewer, order, OrderStatus.ORDERED.value,
               OrderStatus.DISPATCHED.value, note or f"派给{_TAKER_NOUN[taker_kind]} {code}")  # fmt: skip
        await notifications.order_event(session, order, NotificationKind.ORDER_DISPATCHED)
    return order


_TAKER_NOUN = {TakerKind.MEMBER: "党员", TakerKind.UNIT: "单位"}


def _check_taker(ctx: HubContext, order: ServiceOrder) -> None:
    """The viewer is the order's taker: the member himself, or the unit's branch."""
    viewer = ctx.viewer
    if order.taker_kind is TakerKind.MEMBER:
        allowed = viewer.role is Role.MEMBER and viewer.member == order.taker_code
    elif order.taker_kind is TakerKind.UNIT:
        allowed = viewer.role is Role.UNIT_BRANCH and viewer.unit == order.taker_code
    else:
        allowed = False
    if not allowed or order.taker_code is None:
        raise PermissionError("the order was not dispatched to the viewer")


async def _unit_member(ctx: HubContext, unit_code: str, member_code: str) -> None:
    """On the unit side: the member belongs to the unit and is in service."""
    async with ctx.sources.units.session() as session:
        found = (
            await session.execute(
                select(Member.in_service)
                .join(WorkUnit, Member.unit_id == WorkUnit.id)
                .where(Member.code == member_code, WorkUnit.code == unit_code)
            )
        ).first()
    if found is None:
        raise Refusal(RefusalCode.NOT_A_MEMBER, "该党员不是本单位党员。", "input.memberCode")
    if not found[0]:
        raise Refusal(RefusalCode.NOT_IN_SERVICE, "该党员不在职，不能接单。", "input.memberCode")


async def accept(ctx: HubContext, order_id: int, member_code: str | None) -> ServiceOrder:
    """Accept a dispatched order (接单): the member it was dispatched to, or the branch of
    the unit it was dispatched to, naming one of its members in service who will serve."""
    if ctx.viewer.role not in (Role.MEMBER, Role.UNIT_BRANCH):
        raise PermissionError("only the taker accepts an order")
    async with ctx.sources.community.transaction() as session:
        order = await _locked(session, order_id)
        _check_taker(ctx, order)
        if order.status is not OrderStatus.DISPATCHED:
            raise _invalid_state(order, "只有已派单的订单可以接单。")
        if order.taker_kind is TakerKind.UNIT:
            server = _required(member_code, "请指定承接服务的本单位党员。", "input.memberCode")
            await _unit_member(ctx, str(order.taker_code), server)
        else:
            server = str(order.taker_code)
        order.status = OrderStatus.ACCEPTED
        order.member_code = server
        order.accepted_at = utcnow()
        await _changed(session, ctx.viewer, order, OrderStatus.DISPATCHED.value,
               OrderStatus.ACCEPTED.value, f"服务党员 {server}")  # fmt: skip
        await notifications.order_event(session, order, NotificationKind.ORDER_ACCEPTED)
    return order


async def decline(ctx: HubContext, order_id: int, reason: str) -> ServiceOrder:
    """Decline a dispatched order (拒单) with a reason: it goes back to be dispatched again."""
    if ctx.viewer.role not in (Role.MEMBER, Role.UNIT_BRANCH):
        raise PermissionError("only the taker declines an order")
    why = _required(reason, "请填写拒单原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        order = await _locked(session, order_id)
        _check_taker(ctx, order)
        if order.status is not OrderStatus.DISPATCHED:
            raise _invalid_state(order, "只有已派单的订单可以拒单。")
        order.status = OrderStatus.ORDERED
        order.taker_kind = order.taker_code = order.member_code = None
        await _changed(session, ctx.viewer, order, OrderStatus.DISPATCHED.value,
               OrderStatus.ORDERED.value, why)  # fmt: skip
        await notifications.order_event(session, order, NotificationKind.ORDER_DECLINED, note=why)
    return order


def _hours(hours: Decimal) -> Decimal:
    """More than 0 and at most 24 hours, to one decimal (NaN and infinity refused too)."""
    try:
        value = Decimal(hours).quantize(Decimal("0.1"))
        valid = Decimal(0) < value <= MAX_HOURS
    except InvalidOperation:
        valid = False
    if not valid:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "服务时长须大于 0 且不超过 24 小时。", "input.hours"
        )
    return value


def _evidence(evidence: list[str]) -> list[str]:
    refs = [ref.strip() for ref in evidence]
    if len(refs) > MAX_EVIDENCE:
        raise Refusal(
            RefusalCode.INVALID_INPUT, f"服务照片最多 {MAX_EVIDENCE} 张。", "input.evidence"
        )
    if any(not ref or len(ref) > 500 for ref in refs):
        raise Refusal(RefusalCode.INVALID_INPUT, "照片引用不能为空，且不超过 500 个字符。",
                      "input.evidence")  # fmt: skip
    return refs


async def close(
    ctx: HubContext, order_id: int, *, summary: str, hours: Decimal, evidence: list[str],
    photos: Sequence[Any] | None = None,
) -> ServiceOrder:  # fmt: skip
    """Close an accepted order (结单): the serving member, with a summary, the hours served
    (more than 0, at most 24) and up to nine photos as evidence, given as references
    (`evidence`) or uploaded files (`photos`, attached to the order)."""
    viewer = ctx.viewer
    if viewer.role is not Role.MEMBER or viewer.member is None:
        raise PermissionError("only the serving member closes an order")
    text = _required(summary, "请填写服务小结。", "input.summary")
    served = _hours(hours)
    references = _evidence(evidence)
    if len(references) + len(photos or ()) > MAX_EVIDENCE:
        raise Refusal(RefusalCode.INVALID_INPUT,
                      f"服务照片最多 {MAX_EVIDENCE} 张。", "input.photos")  # fmt: skip
    files = await attachments.prepare(ctx, photos, EVIDENCE, "input.photos")
    async with ctx.sources.community.transaction() as session:
        order = await _locked(session, order_id)
        if order.member_code != viewer.member:
            raise PermissionError("the order is served by another member")
        if order.status is not OrderStatus.ACCEPTED:
            raise _invalid_state(order, "只有已接单的订单可以结单。")
        order.status = OrderStatus.CLOSED
        order.summary, order.hours, order.evidence = text, served, references
        order.closed_at = utcnow()
        await attachments.attach(session, ctx, ORDER, order.id, files)
        await _changed(session, viewer, order, OrderStatus.ACCEPTED.value,
               OrderStatus.CLOSED.value, text)  # fmt: skip
        await notifications.order_event(session, order, NotificationKind.ORDER_CLOSED)
    return order


async def _complete(
    ctx: HubContext, session: AsyncSession, order: ServiceOrder, target: OrderStatus,
    note: str | None, basis: RatingBasis,
) -> None:  # fmt: skip
    """Rated or confirmed: the order is complete and its serving member earns the points;
    the order records who completed it and on what basis."""
    order.status = target
    order.rated_by_role, order.rating_basis = ctx.viewer.role.value, basis
    await _changed(session, ctx.viewer, order, OrderStatus.CLOSED.value, target.value, note)
    await earn(
        session, ctx.viewer, member_code=str(order.member_code),
        points=await rule_points(session, "order_completed"), action="order_completed",
        source_type=ORDER, source_id=order.id, community_id=order.community_id,
        note=order.title[:200],
    )  # fmt: skip
    await notifications.order_event(session, order, NotificationKind.ORDER_RATED)


async def rate(ctx: HubContext, order_id: int, rating: int, comment: str | None) -> ServiceOrder:
    """Rate a closed order (评价), 1 to 5 with a comment: the resident who ordered it or
    raised the demand it was converted from, also after the rating period if the community
    has not confirmed it by then."""
    viewer = ctx.viewer
    if viewer.role is not Role.RESIDENT:
        raise PermissionError("only the resident who ordered rates an order")
    if not 1 <= rating <= 5:
        raise Refusal(RefusalCode.INVALID_INPUT, "评分须为 1 到 5 分。", "input.rating")
    async with ctx.sources.community.transaction() as session:
        order = await _locked(session, order_id)
        if not await _ordered_for_viewer(ctx, session, order):
            raise PermissionError("the order is neither his nor from his demand")
        if order.status is not OrderStatus.CLOSED:
            raise _invalid_state(order, "只有已结单的订单可以评价。")
        _set_rating(order, rating, comment)
        await _complete(ctx, session, order, OrderStatus.RATED, order.rating_comment,
                        RatingBasis.RESIDENT)  # fmt: skip
    return order


def _set_rating(order: ServiceOrder, rating: int, comment: str | None) -> None:
    order.rating = rating
    order.rating_comment = (comment or "").strip() or None
    order.rated_at = utcnow()


def _china_time(moment: datetime) -> str:
    return (moment + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


async def confirm(
    ctx: HubContext, order_id: int, note: str | None, rating: int | None = None,
    comment: str | None = None,
) -> ServiceOrder:  # fmt: skip
    """Confirm a closed order (代为确认), optionally rating it (代评), on behalf of a resident
    who cannot rate it himself: its community or a grid secretary of it. Refused while the
    resident whose order it is may still rate it: the rating period of the year of the
    closing (`resolvers.rating_policy`, 7 days unless the district set another)."""
    if rating is not None and not 1 <= rating <= 5:
        raise Refusal(RefusalCode.INVALID_INPUT, "评分须为 1 到 5 分。", "input.rating")
    async with ctx.sources.community.transaction() as session:
        order = await _managed(ctx, session, order_id)
        if order.status is not OrderStatus.CLOSED:
            raise _invalid_state(order, "只有已结单的订单可以确认。")
        now = utcnow()
        basis = await resident_basis(session, order)
        if basis is None:
            assert order.closed_at is not None  # closed
            period = await period_of_order(session, order.community_id, order.closed_at)
            until = period_end(order.closed_at, period)
            if now < until:
                raise Refusal(
                    RefusalCode.RESIDENT_RATES,
                    "该订单由居民本人评价（干得好不好让居民来评议）；居民在结单后 "
                    f"{period.days} 天内（{_china_time(until)} 前）未评价的，社区方可代为确认。",
                    _FIELD,
                )
            basis = RatingBasis.NOT_RATED_IN_TIME
        if rating is not None:
            _set_rating(order, rating, comment)
        order.confirmed_at = now
        said = "；".join(part for part in (f"代居民确认：{BASIS_NAMES[basis]}", note) if part)
        await _complete(ctx, session, order, OrderStatus.CONFIRMED, said, basis)
    return order


_RESIDENT_CANCELS = (OrderStatus.ORDERED, OrderStatus.DISPATCHED)
_COMMUNITY_CANCELS = OPEN_ORDER_STATUSES


async def cancel(ctx: HubContext, order_id: int, reason: str) -> ServiceOrder:
    """Cancel an order (取消): the resident who ordered it before it is accepted, or its
    community before it is closed. Nothing is deleted."""
    viewer = ctx.viewer
    if viewer.role is not Role.RESIDENT and not viewer.is_community_side:
        raise PermissionError("only the resident who ordered or the community cancels")
    why = _required(reason, "请填写取消原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        if viewer.role is Role.RESIDENT:
            order = await _locked(session, order_id)
            if not await _placed_by_viewer(ctx, session, order):
                raise PermissionError("the order was placed by someone else")
            if order.status not in _RESIDENT_CANCELS:
                raise _invalid_state(order, "接单后请联系社区取消。")
        else:
            order = await _managed(ctx, session, order_id)
            if order.status not in _COMMUNITY_CANCELS:
                raise _invalid_state(order, "结单后不能取消。")
        before = order.status
        taker = notifications.taker_of(order)
        order.status = OrderStatus.CANCELLED
        order.cancelled_at = utcnow()
        await _changed(session, viewer, order, before.value, OrderStatus.CANCELLED.value, why)
        await notifications.order_event(session, order, NotificationKind.ORDER_CANCELLED,
                                        note=why, taker=taker, actor=viewer)  # fmt: skip
    return order


async def escalate(ctx: HubContext, order_id: int, note: str | None) -> ServiceOrder:
    """Escalate an overdue order (超时督办): its community, a grid secretary of it, or the
    district. Each escalation raises the level by one."""
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        if viewer.role is Role.DISTRICT:
            order = await _locked(session, order_id)
        else:
            order = await _managed(ctx, session, order_id)
        now = utcnow()
        if order.status not in OPEN_ORDER_STATUSES:
            raise _invalid_state(order, "只有未完成的超时订单可以督办。")
        if not is_overdue(order.status, order.due_at, now):
            raise _invalid_state(order, "尚未超时，不能督办。")
        order.escalation_level += 1
        order.escalated_at = now
        await _changed(session, viewer, order, order.status.value, order.status.value,
               note or f"超时督办（第 {order.escalation_level} 次）")  # fmt: skip
        await notifications.order_event(session, order, NotificationKind.ORDER_ESCALATED)
    return order
