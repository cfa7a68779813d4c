"""Subscriptions (实时订阅): live streams over graphql-transport-ws and SSE (gateway/live/).

A write announces what changed after its transaction commits (`datasources.announcements`,
topic and a small payload such as `{"id": ...}`); the event only wakes the subscriptions
of its topic. `listen` then reads what to deliver from the database with fresh loaders
scoped to the subscriber, for every event, so a subscriber never receives what his scope
does not show him, and what he receives is the state now, not the event's. The durable
records stay the source of truth: a client that reconnects reads them first.

A new stream is a `@strawberry.subscription` whose body is
`async for item in listen(info, [topic], read): yield item`, `read` returning None for
an event the viewer may not see.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Protocol, TypeVar

import strawberry

from datasources.community import notifications as feed
from datasources.scope import Role, Viewer
from resolvers.context import HubContext
from resolvers.orders import orders_topic
from schema.base import Info
from schema.errors import ErrorCode, coded_error
from schema.notifications import Notification
from schema.orders import ServiceOrder

T = TypeVar("T")


class Inbox(Protocol):
    async def next(self, deadline: float | None = None) -> tuple[str, Mapping[str, Any]]: ...


class LiveChannel(Protocol):
    """`HubContext.live`: what the gateway gives a live connection (gateway/live/channel.py)."""

    expires_at: float | None

    def listening(self, topics: Sequence[str]) -> AbstractAsyncContextManager[Inbox]: ...

    def renew(self, context: HubContext) -> None: ...


Read = Callable[[HubContext, Mapping[str, Any]], Awaitable[T | None]]


async def listen(info: Info, topics: Sequence[str], read: Read[T]) -> AsyncIterator[T]:
    """Each event of `topics`, read again in the viewer's scope (`read`; None: not for him).

    Ends with a coded error when the viewer's token expires (UNAUTHENTICATED) or when
    events pile up unread (SERVICE_BUSY)."""
    context = info.context
    live: LiveChannel | None = context.live
    if live is None:
        raise coded_error(
            ErrorCode.BAD_USER_INPUT,
            "订阅须通过 WebSocket 或 SSE 连接。Subscriptions run over graphql-transport-ws "
            "(WebSocket) or Server-Sent Events at /graphql.",
        )
    async with live.listening(topics) as inbox:
        while True:
            _topic, payload = await inbox.next(live.expires_at)
            live.renew(context)
            item = await read(context, payload)
            if item is not None:
                yield item


def may_watch_orders(viewer: Viewer, community_code: str) -> bool:
    """The district and the auditors watch any community; a viewer whose token names the
    community watches his own (the community, its grid roles, its position holders and
    residents), each event then filtered by what his scope shows him."""
    if viewer.sees_everything:
        return True
    if viewer.role in (Role.ANONYMOUS, Role.MEMBER, Role.UNIT_BRANCH, Role.PROPERTY_COMPANY):
        return False
    return viewer.community == community_code


async def _order(context: HubContext, payload: Mapping[str, Any]) -> ServiceOrder | None:
    order_id = payload.get("id")
    if not isinstance(order_id, int):
        return None
    return ServiceOrder.from_optional_row(await context.community.order_by_id.load(order_id))


async def _notification(context: HubContext, payload: Mapping[str, Any]) -> Notification | None:
    """The announced notification, through the feed's loader (only its addressee reads it)."""
    try:
        global_id = strawberry.relay.GlobalID.from_id(str(payload.get("id")))
        row_id = int(global_id.node_id)
    except (ValueError, TypeError):
        return None
    if global_id.type_name != feed.TYPE_NAME:
        return None
    return Notification.from_optional_row(await context.community.notification_by_id.load(row_id))


@strawberry.type(
    description="Root subscription (实时订阅): live streams over graphql-transport-ws "
    "(WebSocket) or Server-Sent Events (graphql-sse) at /graphql, with the same bearer token "
    "(the WebSocket's connection_init payload, the SSE request's Authorization header). "
    "Each event is read in the subscriber's scope when it happens; the stream ends when the "
    "token expires. After a reconnection, read the current state first: events while "
    "disconnected are not replayed."
)
class Subscription:
    @strawberry.subscription(
        description="A community's service orders as they change (订单动态): placed, "
        "dispatched, accepted, declined, closed, rated, confirmed, cancelled or escalated "
        "(督办). Each change delivers the order as it is now, if the viewer may see it; "
        "isOverdue tells the overdue ones (超时). For the district (any community) and for "
        "roles of that community: the community itself and its grid roles see all its "
        "orders, position holders those of their households, residents their own. "
        "FORBIDDEN for anyone else."
    )
    async def order_changes(
        self,
        info: Info,
        community_code: Annotated[
            str | None,
            strawberry.argument(
                description="The community (社区编码); the viewer's own when omitted."
            ),
        ] = None,
    ) -> AsyncGenerator[ServiceOrder, None]:
        viewer = info.context.viewer
        code = community_code or viewer.community
        if code is None or not may_watch_orders(viewer, code):
            raise coded_error(
                ErrorCode.FORBIDDEN,
                "您无权订阅该社区的订单动态。You may not watch this community's orders.",
            )
        async for order in listen(info, [orders_topic(code)], _order):
            yield order

    @strawberry.subscription(
        description="The viewer's own new notifications (我的消息) as they are written: the "
        "same records as `viewer.notifications`, for the same addressee only. After a "
        "reconnection, read `viewer.notifications` first (the feed is the source of truth). "
        "UNAUTHENTICATED without a token."
    )
    async def notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        addressees = feed.addressees_of(info.context.viewer)
        if not addressees:
            raise coded_error(
                ErrorCode.UNAUTHENTICATED,
                "请先登录后再订阅消息。Sign in to receive your notifications.",
            )
        async for notification in listen(info, [feed.topic(a) for a in addressees], _notification):
            yield notification
