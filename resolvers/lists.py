"""The three lists (三单) as a workflow: offer resources, raise demands, review, convert.

Members and units offer resources (资源清单) to a community; residents, grid secretaries on
behalf of a resident (网格员代点) or the community itself raise demands (需求清单). Both
start as pending_review; the community (or a grid secretary of it) reviews them into
published or rejected. A published demand is turned into a published service item (服务清单)
with a named provider, and the demand becomes fulfilled, in one transaction; or into an
order (订单, resolvers/orders.py, through the same `managed_demand`, `check_convertible` and
`mark_converted`). Entries are never deleted: their creator withdraws them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from datasources.community import notifications
from datasources.community.models import (
    Community,
    DemandItem,
    Grid,
    ListItemStatus,
    ProviderKind,
    RequesterKind,
    ResourceItem,
    ServiceItem,
)
from datasources.scope import GRID_ROLES, Role, Viewer
from resolvers.addresses import address_in
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    category_id_of,
    community_id_of,
    is_paired,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
)

RESOURCE = "ResourceItem"
DEMAND = "DemandItem"
SERVICE = "ServiceItem"
MODELS: dict[str, Any] = {RESOURCE: ResourceItem, DEMAND: DemandItem, SERVICE: ServiceItem}
STATUS_NAMES = {
    ListItemStatus.PENDING_REVIEW: "待审核",
    ListItemStatus.PUBLISHED: "已发布",
    ListItemStatus.REJECTED: "未通过",
    ListItemStatus.FULFILLED: "已完成",
    ListItemStatus.WITHDRAWN: "已撤回",
}
_NOUNS = {RESOURCE: "资源", DEMAND: "需求", SERVICE: "服务"}
_WITHDRAWABLE = (ListItemStatus.PENDING_REVIEW, ListItemStatus.PUBLISHED)


def _title(title: str) -> str:
    if not title.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写标题。", "input.title")
    return title.strip()


async def offer(
    ctx: HubContext,
    *,
    community_code: str,
    category_code: str,
    title: str,
    description: str | None,
    key: str | None,
) -> ResourceItem:
    """Offer a resource (提供资源): a member reported to the community, or a paired unit."""
    viewer = ctx.viewer
    if viewer.role is Role.MEMBER and viewer.member:
        kind, code = ProviderKind.MEMBER, viewer.member
    elif viewer.role is Role.UNIT_BRANCH and viewer.unit:
        kind, code = ProviderKind.UNIT, viewer.unit
    else:
        raise PermissionError("only members and units offer resources")
    clean_title = _title(title)
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, ResourceItem, "offerResource", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        category_id = await category_id_of(session, category_code)
        if kind is ProviderKind.MEMBER and not await is_supporter(session, code, community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "请先向该社区报到。", "input.communityCode")
        if kind is ProviderKind.UNIT and not await is_paired(session, code, community_id):
            raise Refusal(
                RefusalCode.NOT_PAIRED, "本单位尚未与该社区结对共建。", "input.communityCode"
            )
        row = ResourceItem(
            community_id=community_id, category_id=category_id, title=clean_title,
            description=description, provider_kind=kind, provider_code=code,
            status=ListItemStatus.PENDING_REVIEW,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, viewer, RESOURCE, row.id, None, ListItemStatus.PENDING_REVIEW.value)
        await notifications.review_waiting(session, RESOURCE, row)
        remember(session, viewer, "offerResource", key, row.id)
    return row


async def raise_demand(
    ctx: HubContext,
    *,
    community_code: str,
    category_code: str,
    title: str,
    description: str | None,
    requester_name: str | None,
    grid_code: str | None,
    key: str | None,
    address: tuple[str | None, int | None, int | None, str | None] = (None, None, None, None),
) -> DemandItem:
    """Raise a demand (提出需求): a resident of the community, a grid secretary of it on
    behalf of a resident (网格员代点), or the community itself. `address` (building code,
    unit, floor, room) is where the resident lives: position holders see the demands of
    the households they cover."""
    viewer = ctx.viewer
    if viewer.community != community_code:
        raise PermissionError("demands are raised in one's own community")
    kinds = {
        Role.RESIDENT: RequesterKind.RESIDENT,
        Role.GRID_WORKER: RequesterKind.GRID_WORKER,
        Role.COMMUNITY: RequesterKind.COMMUNITY,
    }
    kind = kinds.get(viewer.role)
    if kind is None:
        raise PermissionError("only residents and the community side raise demands")
    clean_title = _title(title)
    name = (requester_name or "").strip()
    if not name and kind is not RequesterKind.COMMUNITY:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "请填写提出需求的居民姓名。", "input.requesterName"
        )
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, DemandItem, "raiseDemand", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        category_id = await category_id_of(session, category_code)
        at = await address_in(session, community_id, *address)
        grid_id = None
        if grid_code is not None:
            grid_id = await session.scalar(
                select(Grid.id).where(Grid.code == grid_code, Grid.community_id == community_id)
            )
            if grid_id is None:
                raise Refusal(RefusalCode.NOT_FOUND, "该社区没有这个网格。", "input.gridCode")
        if not name:
            name = str(
                await session.scalar(select(Community.name).where(Community.id == community_id))
            )
        row = DemandItem(
            community_id=community_id, category_id=category_id, grid_id=grid_id,
            building_id=at.building_id, unit_no=at.unit_no, floor=at.floor, room=at.room,
            title=clean_title, description=description, requester_kind=kind,
            requester_name=name[:40], status=ListItemStatus.PENDING_REVIEW,
            raised_by_identity=viewer.identity_key, raised_by_subject=viewer.subject,
            raised_by_role=viewer.role.value,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, viewer, DEMAND, row.id, None, ListItemStatus.PENDING_REVIEW.value)
        await notifications.review_waiting(session, DEMAND, row)
        remember(session, viewer, "raiseDemand", key, row.id)
    return row


async def _entry_for_update(
    session: Any, entity_type: str, entry_id: int, field: str = "input.entryId"
) -> tuple[Any, str]:
    row = await session.get(MODELS[entity_type], entry_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"未找到该{_NOUNS[entity_type]}。", field)
    code = await session.scalar(select(Community.code).where(Community.id == row.community_id))
    return row, str(code)


def _invalid_state(entity_type: str, status: ListItemStatus, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该{_NOUNS[entity_type]}当前为「{STATUS_NAMES[status]}」，{allowed}",
    )


async def review(
    ctx: HubContext, entity_type: str, entry_id: int, approve: bool, reason: str | None
) -> Any:
    """Review a pending entry (审核): its community publishes or rejects it."""
    if not ctx.viewer.is_community_side:
        raise PermissionError("only the community reviews its lists")
    async with ctx.sources.community.transaction() as session:
        row, code = await _entry_for_update(session, entity_type, entry_id)
        if not manages_community(ctx.viewer, code):
            raise PermissionError("the entry is on another community's list")
        if row.status is not ListItemStatus.PENDING_REVIEW:
            raise _invalid_state(entity_type, row.status, "只有待审核的条目可以审核。")
        if not approve and not (reason or "").strip():
            raise Refusal(RefusalCode.INVALID_INPUT, "不通过时请填写原因。", "input.reason")
        target = ListItemStatus.PUBLISHED if approve else ListItemStatus.REJECTED
        row.status = target
        record(session, ctx.viewer, entity_type, row.id, ListItemStatus.PENDING_REVIEW.value,
               target.value, reason)  # fmt: skip
    return row


async def managed_demand(ctx: HubContext, session: Any, demand_id: int) -> DemandItem:
    """The demand, locked, if the viewer is its community (or a grid secretary of it)."""
    demand, code = await _entry_for_update(session, DEMAND, demand_id, "input.demandId")
    if not manages_community(ctx.viewer, code):
        raise PermissionError("the demand is on another community's list")
    assert isinstance(demand, DemandItem)  # MODELS[DEMAND]
    return demand


def check_convertible(demand: DemandItem, into: str) -> None:
    """Only a published demand is converted (into a service item or an order), and only
    while nobody claimed it (认领, resolvers/unit_service.py): one claimant or one taker."""
    if demand.status is not ListItemStatus.PUBLISHED:
        raise _invalid_state(DEMAND, demand.status, f"只有已发布的需求可以转为{into}。")
    if demand.claimant_code is not None:
        raise Refusal(
            RefusalCode.ALREADY_CLAIMED,
            f"该需求已被认领（{demand.claimant_code}），不能再转为{into}。",
            "input.demandId",
        )


def mark_converted(session: Any, viewer: Viewer, demand: DemandItem, note: str) -> None:
    """The demand is converted (转化): fulfilled, with its history."""
    demand.status = ListItemStatus.FULFILLED
    record(session, viewer, DEMAND, demand.id, ListItemStatus.PUBLISHED.value,
           ListItemStatus.FULFILLED.value, note)  # fmt: skip


async def convert(
    ctx: HubContext,
    demand_id: int,
    *,
    provider_kind: ProviderKind,
    provider_code: str,
    target: str,
    key: str | None,
) -> tuple[DemandItem, ServiceItem]:
    """Turn a published demand into a published service item (需求转服务); the demand is
    fulfilled. `resolvers.orders.from_demand` converts into an order instead."""
    viewer = ctx.viewer
    if not viewer.is_community_side:
        raise PermissionError("only the community converts its demands")
    if provider_kind not in (ProviderKind.MEMBER, ProviderKind.UNIT):
        raise Refusal(RefusalCode.INVALID_INPUT, "服务提供方须为党员或单位。", "input.providerKind")
    if not target.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写服务对象。", "input.target")
    async with ctx.sources.community.transaction() as session:
        demand = await managed_demand(ctx, session, demand_id)
        earlier = await replayed(ctx, session, ServiceItem, "convertDemandToService", key)
        if earlier is not None:
            return demand, earlier
        check_convertible(demand, "服务")
        if provider_kind is ProviderKind.MEMBER and not await is_supporter(
            session, provider_code, demand.community_id
        ):
            raise Refusal(RefusalCode.NOT_REPORTED, "该党员未向本社区报到。", "input.providerCode")
        if provider_kind is ProviderKind.UNIT and not await is_paired(
            session, provider_code, demand.community_id
        ):
            raise Refusal(
                RefusalCode.NOT_PAIRED, "该单位未与本社区结对共建。", "input.providerCode"
            )
        service = ServiceItem(
            community_id=demand.community_id, category_id=demand.category_id,
            title=demand.title, description=demand.description, provider_kind=provider_kind,
            provider_code=provider_code, target=target.strip()[:160],
            status=ListItemStatus.PUBLISHED,
        )  # fmt: skip
        session.add(service)
        await session.flush()
        note = f"由需求 {demand.id} 转化"
        record(session, viewer, SERVICE, service.id, None, ListItemStatus.PUBLISHED.value, note)
        mark_converted(session, viewer, demand, f"转为服务 {service.id}")
        remember(session, viewer, "convertDemandToService", key, service.id)
    return demand, service


def _is_creator(ctx: HubContext, entity_type: str, row: Any, community_code: str) -> bool:
    """Who withdraws: the provider of a resource, the community side for demands and
    services (and for resources the community itself provides)."""
    viewer = ctx.viewer
    if entity_type == RESOURCE and row.provider_kind is not ProviderKind.COMMUNITY:
        own = {
            ProviderKind.MEMBER: (Role.MEMBER, viewer.member),
            ProviderKind.UNIT: (Role.UNIT_BRANCH, viewer.unit),
            ProviderKind.PROPERTY_COMPANY: (Role.PROPERTY_COMPANY, viewer.company),
        }
        role, code = own[row.provider_kind]
        return viewer.role is role and code is not None and code == row.provider_code
    return manages_community(ctx.viewer, community_code)


async def withdraw(ctx: HubContext, entity_type: str, entry_id: int, reason: str | None) -> Any:
    """Withdraw a pending or published entry (撤回): its creator; never deleted."""
    if ctx.viewer.role not in (Role.MEMBER, Role.UNIT_BRANCH, Role.PROPERTY_COMPANY,
                               Role.COMMUNITY, *GRID_ROLES):  # fmt: skip
        raise PermissionError("only the creator withdraws an entry")
    async with ctx.sources.community.transaction() as session:
        row, code = await _entry_for_update(session, entity_type, entry_id)
        if not _is_creator(ctx, entity_type, row, code):
            raise PermissionError("the entry is someone else's")
        if row.status not in _WITHDRAWABLE:
            raise _invalid_state(entity_type, row.status, "只有待审核或已发布的条目可以撤回。")
        before = row.status
        row.status = ListItemStatus.WITHDRAWN
        record(session, ctx.viewer, entity_type, row.id, before.value,
               ListItemStatus.WITHDRAWN.value, reason)  # fmt: skip
    return row
