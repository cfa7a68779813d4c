"""The live bus (实时事件总线): committed events fanned out by topic to the subscriptions
of every hub process.

`datasources.announcements` hands the bus each event after its transaction commits
(`LiveBus.publish`, a plain callable: it may run inside SQLAlchemy's commit, so it only
schedules work on the loop). Without Redis the bus delivers to this process's
subscriptions; with `DUALHUB_REDIS_URL` it publishes on the channel `<prefix>:<topic>` and
every process, this one included, delivers what it reads from its pattern subscription
`<prefix>:*`, so each event reaches each subscription once, wherever it was produced. If
Redis refuses the publication the event is delivered here at least, and a warning logged.

Events only wake subscriptions: a subscription reads what it delivers from the database,
in its viewer's scope (`schema.live.listen`). A subscription's inbox holds at most
`live_max_queued_events`; a client that cannot keep up loses its subscription with
SERVICE_BUSY and catches up from the durable records.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import coredis
import orjson
from graphql import GraphQLError

from gateway import background
from gateway.metrics import SUBSCRIPTIONS_OPEN
from schema.errors import ErrorCode, coded_error

logger = logging.getLogger("dualhub.live")

Payload = Mapping[str, Any]


class Inbox:
    """The events waiting for one subscription."""

    def __init__(self, limit: int) -> None:
        self._events: asyncio.Queue[tuple[str, Payload]] = asyncio.Queue()
        self._limit = limit
        self.overflowed = False

    def put(self, topic: str, payload: Payload) -> None:
        if self._events.qsize() >= self._limit:
            self.overflowed = True
            return
        self._events.put_nowait((topic, payload))

    async def next(self, deadline: float | None = None) -> tuple[str, Payload]:
        """The next event; a coded error when the token expires (`deadline`, epoch seconds)
        or when events were dropped because the client did not keep up."""
        if self.overflowed:
            raise _overflow()
        timeout = None if deadline is None else deadline - time.time()
        if timeout is not None and timeout <= 0:
            raise expired()
        try:
            event = await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            raise expired() from None
        if self.overflowed:
            raise _overflow()
        return event


def expired() -> GraphQLError:
    return coded_error(
        ErrorCode.UNAUTHENTICATED,
        "登录已过期，请重新登录后再订阅。The token has expired: subscribe again with a new one.",
    )


def _overflow() -> GraphQLError:
    return coded_error(
        ErrorCode.SERVICE_BUSY,
        "实时消息积压，订阅已结束，请刷新后重新订阅。Events piled up faster than the client "
        "read them: the subscription ended; read the current state and subscribe again.",
    )


class LiveBus:
    """Topic fan-out for one hub process; Redis pub/sub across processes when configured."""

    def __init__(self, redis_url: str | None, prefix: str, max_queued: int) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.max_queued = max_queued
        self._inboxes: dict[str, set[Inbox]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._redis: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def subscriptions(self) -> int:
        """Subscriptions of this process listening now."""
        return len({id(inbox) for inboxes in self._inboxes.values() for inbox in inboxes})

    async def start(self) -> None:
        """Bind to the running loop; with Redis, start reading the shared channels."""
        self._loop = asyncio.get_running_loop()
        if self.redis_url:
            self._redis = coredis.Redis.from_url(
                self.redis_url, decode_responses=True, client_name=f"{self.prefix}:live"
            )
            self._reader = asyncio.create_task(self._read(), name="live-bus-reader")
            # Wait (briefly) for the subscription, so an event published right after
            # start-up is not missed; if Redis is down the reader keeps retrying.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), 5)

    async def stop(self) -> None:
        await background.stop(self._reader)
        self._reader = None
        for task in list(self._sending):
            with contextlib.suppress(Exception):
                await task
        if self._redis is not None:
            # Close the pool's sockets now, in this loop: left to the garbage collector they
            # are closed after the loop is gone (unclosed-transport warnings, leaked fds).
            self._redis.connection_pool.disconnect()
            self._redis = None
        self._loop = None

    def publish(self, topic: str, payload: Payload) -> None:
        """Called with each committed event (`datasources.announcements.set_publisher`):
        safe from any thread, never blocks."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._dispatch, topic, dict(payload))

    def _dispatch(self, topic: str, payload: Payload) -> None:
        if self._redis is None:
            self.deliver(topic, payload)
            return
        task = asyncio.create_task(self._send(topic, payload))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, topic: str, payload: Payload) -> None:
        try:
            await self._redis.publish(f"{self.prefix}:{topic}", orjson.dumps(payload).decode())
        except Exception as exc:  # Redis unreachable: at least this process hears it
            logger.warning(
                "live event %s not published to Redis (%s): delivered locally", topic, exc
            )
            self.deliver(topic, payload)

    async def _read(self) -> None:
        """Deliver what any process published, reconnecting after a Redis outage."""
        pattern = f"{self.prefix}:*"
        start = len(self.prefix) + 1
        while True:
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True, patterns=[pattern])
                async with pubsub:
                    self._ready.set()
                    async for message in pubsub:
                        if message.get("type") != "pmessage":
                            continue
                        try:
                            payload = orjson.loads(message["data"])
                        except orjson.JSONDecodeError:
                            continue
                        if isinstance(payload, dict):
                            self.deliver(str(message["channel"])[start:], payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("live bus lost Redis (%s); retrying in 1 s", exc)
                await asyncio.sleep(1)

    async def claim(self, name: str, ttl: int) -> bool:
        """Whether this process does a job meant to run once for all processes (the
        overdue sweep of a window): the first to `SET NX` its key in Redis; without Redis
        each process does it for its own subscriptions. If Redis fails, this one does."""
        if self._redis is None:
            return True
        try:
            claimed = await self._redis.set(
                f"{self.prefix}:{name}", "1", condition=coredis.PureToken.NX, ex=ttl
            )
        except Exception as exc:
            logger.warning("live bus could not claim %s in Redis (%s): claimed here", name, exc)
            return True
        return bool(claimed)

    def deliver(self, topic: str, payload: Payload) -> None:
        for inbox in list(self._inboxes.get(topic, ())):
            inbox.put(topic, payload)

    @asynccontextmanager
    async def listening(self, topics: Sequence[str]) -> AsyncIterator[Inbox]:
        """An inbox receiving the events of `topics` while the block runs."""
        inbox = Inbox(self.max_queued)
        for topic in topics:
            self._inboxes[topic].add(inbox)
        SUBSCRIPTIONS_OPEN.inc()
        try:
            yield inbox
        finally:
            SUBSCRIPTIONS_OPEN.dec()
            for topic in topics:
                inboxes = self._inboxes.get(topic)
                if inboxes is not None:
                    inboxes.discard(inbox)
                    if not inboxes:
                        del self._inboxes[topic]
