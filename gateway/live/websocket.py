"""graphql-transport-ws (the graphql-ws protocol) with the hub's authentication and limits.

strawberry's handler runs the protocol; this subclass adds:
* authentication at `connection_init`: the payload's bearer token, in any of the common
  spellings (`{"Authorization": "Bearer T"}`, `{"authorization": ...}`, `{"headers":
  {"Authorization": ...}}`, `{"token": "T"}`), or else the handshake's Authorization
  header; a refused token closes with 4403 Forbidden (graphql-ws);
* connections per identity (`live_max_connections_per_identity`): 4429, reason
  `RATE_LIMITED ...`;
* operations per connection (`live_max_subscriptions_per_connection`): an `error` message
  for that operation with `extensions.code` RATE_LIMITED, the connection stays;
* the token's expiry: 4403, reason `UNAUTHENTICATED: token expired`;
* keep-alive: a graphql-ws `ping` every `live_keepalive_seconds` (clients answer `pong`);
* idle: no operation for `live_idle_timeout_seconds` closes with 1000 (the clients of
  graphql-ws reconnect lazily, when they next subscribe).
The connection-init timeout is strawberry's (4408), from `live_connection_init_timeout_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from starlette.authentication import AuthenticationError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from gateway.auth import ViewerUser
from gateway.live.channel import too_many_subscriptions
from resolvers.context import HubContext

if TYPE_CHECKING:
    from gateway.app import Hub

FORBIDDEN = 4403
TOO_MANY = 4429
_TOKEN_KEYS = ("Authorization", "authorization", "authToken", "token")


def authorization_of(payload: Mapping[str, Any]) -> str | None:
    """The `Authorization` value a connection_init payload carries, if any."""
    sources: list[Mapping[str, Any]] = [payload]
    headers = payload.get("headers")
    if isinstance(headers, Mapping):
        sources.append(headers)
    for source in sources:
        for key in _TOKEN_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                value = value.strip()
                has_scheme = value.partition(" ")[0].lower() == "bearer"
                return value if has_scheme else f"Bearer {value}"
    return None


class HubTransportWS(BaseGraphQLTransportWSHandler[HubContext, None]):
    """The hub's graphql-transport-ws handler (see the module's description)."""

    hub: Hub
    _slot: str | None = None
    _tasks: list[asyncio.Task[None]]
    _last_active: float

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        task.add_done_callback(self._task_done)
        self._tasks.append(task)

    async def handle(self) -> None:
        self.hub = self.view.hub  # type: ignore[attr-defined]
        self._tasks = []
        self._last_active = time.monotonic()
        await super().handle()

    async def handle_message(self, message: Message) -> None:
        self._last_active = time.monotonic()
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=TOO_MANY, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        request = self.context.request
        header = authorization_of(payload)
        if header is None:
            user = request.user if request is not None else None
        else:
            try:
                user = await self.hub.authentication.verify(header)
            except AuthenticationError:
                await self.websocket.close(code=FORBIDDEN, reason="Forbidden: UNAUTHENTICATED")
                return
        viewer_user = user if isinstance(user, ViewerUser) else ViewerUser(self.context.viewer)
        key = self.hub.slot_key(viewer_user.viewer, request)
        slots = self.hub.live_slots
        if not slots.acquire(key):
            await self.websocket.close(
                code=TOO_MANY, reason=f"RATE_LIMITED: more than {slots.limit} live connections"
            )
            return
        self._slot = key
        self.context = self.hub.context(
            request, self.context.response, viewer=viewer_user.viewer,
            expires_at=viewer_user.expires_at, sse=False,
        )  # fmt: skip
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        settings = self.hub.settings
        if viewer_user.expires_at is not None:
            self._start(self._close_at_expiry(viewer_user.expires_at))
        self._start(self._keep_alive(settings.live_keepalive_seconds))
        if settings.live_idle_timeout_seconds > 0:
            self._start(self._close_when_idle(settings.live_idle_timeout_seconds))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        limit = self.hub.settings.live_max_subscriptions_per_connection
        if self.connection_acknowledged and len(self.operations) >= limit:
            await self.send_message(
                {"id": message["id"], "type": "error",
                 "payload": [too_many_subscriptions(limit).formatted]}
            )  # fmt: skip
            return
        payload = message.get("payload")
        if self.connection_acknowledged and isinstance(payload, dict):
            # Trusted documents and persisted queries, as over HTTP (`gateway.documents`).
            try:
                payload["query"] = self.view.guards.documents.resolve(  # type: ignore[attr-defined]
                    payload.get("query"), payload.get("extensions"), payload.get("documentId")
                )
            except GraphQLError as error:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [error.formatted]}
                )
                return
        await super().handle_subscribe(message)

    async def _close_at_expiry(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.websocket.close(code=FORBIDDEN, reason="UNAUTHENTICATED: token expired")

    async def _keep_alive(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self.send_message({"type": "ping"})

    async def _close_when_idle(self, idle: float) -> None:
        while True:
            await asyncio.sleep(max(0.05, self._last_active + idle - time.monotonic()))
            if self.operations:
                self._last_active = time.monotonic()
            elif time.monotonic() - self._last_active >= idle:
                await self.websocket.close(code=1000, reason="idle timeout")
                return

    async def shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._slot is not None:
            self.hub.live_slots.release(self._slot)
            self._slot = None
        await super().shutdown()
