"""What a request or WebSocket gives its subscriptions (`HubContext.live`): the bus, the
token's expiry, and, for an SSE stream, a connection slot of its identity."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import GraphQLError

from gateway.live.bus import Inbox, LiveBus
from schema.errors import ErrorCode, coded_error

if TYPE_CHECKING:
    from resolvers.context import HubContext


class ConnectionSlots:
    """Live connections open per identity in this process (`live_max_connections_per_identity`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held: Counter[str] = Counter()

    def acquire(self, key: str) -> bool:
        if self.held[key] >= self.limit:
            return False
        self.held[key] += 1
        return True

    def release(self, key: str) -> None:
        self.held[key] -= 1
        if self.held[key] <= 0:
            del self.held[key]


def too_many_connections(limit: int) -> GraphQLError:
    return coded_error(
        ErrorCode.RATE_LIMITED,
        "实时连接过多，请关闭不用的页面后重试。"
        f"This identity already holds {limit} live connections, the most allowed.",
        limit="connections_per_identity",
        max=limit,
    )


def too_many_subscriptions(limit: int) -> GraphQLError:
    return coded_error(
        ErrorCode.RATE_LIMITED,
        f"此连接上的订阅过多。This connection already runs {limit} operations, the most allowed.",
        limit="subscriptions_per_connection",
        max=limit,
    )


@dataclass
class LiveChannel:
    """The live side of one context: `schema.live.listen` goes through it."""

    bus: LiveBus
    renew_loaders: Callable[[HubContext], None]
    expires_at: float | None = None
    # An SSE stream is one connection: it holds a slot of its identity while it listens.
    # A WebSocket's slot is held by its handler (`gateway.live.websocket`) instead.
    slots: ConnectionSlots | None = None
    slot_key: str = ""

    @asynccontextmanager
    async def listening(self, topics: Sequence[str]) -> AsyncIterator[Inbox]:
        slots = self.slots
        if slots is not None and not slots.acquire(self.slot_key):
            raise too_many_connections(slots.limit)
        try:
            async with self.bus.listening(topics) as inbox:
                yield inbox
        finally:
            if slots is not None:
                slots.release(self.slot_key)

    def renew(self, context: HubContext) -> None:
        """Fresh loaders before each event: what it delivers is read now, not from the
        cache of an earlier one."""
        self.renew_loaders(context)
