"""How uvicorn serves the hub: HTTP/1.1 through h11 with a bounded, timed request head.

uvicorn bounds nothing about a request head by default with httptools (an 8 MB header was
accepted) and has no header read timeout at all, so a client dribbling its headers holds a
connection forever. `server_options` makes it serve HTTP/1.1 with its h11 implementation
through `BoundedHeadProtocol`, which answers 431 and closes when a request head (request
line and headers) passes `max_header_bytes`, and closes a connection whose request head has
not arrived within `header_timeout_seconds` (408). uvicorn's own X-Forwarded-For handling, which believes any local
peer, is off: the app does it for `trusted_proxies` only (`gateway.app._forwarded`).
"""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Any, cast

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from gateway.logs import uvicorn_log_config
from gateway.settings import Settings

REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)
HEAD_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)
# Where h11 sees a request head end: the first empty line (it accepts bare LF too).
_END_OF_HEAD = re.compile(rb"\n\r?\n")


class BoundedHeadProtocol(H11Protocol):
    """uvicorn's h11 protocol, refusing a request head that is too large or too late.

    Size: h11's `max_incomplete_event_size` (uvicorn's `h11_max_incomplete_event_size`) only
    bounds a head still incomplete, so a larger one arriving in one read would pass; the
    buffered head is measured here before h11 parses it. Time: the clock starts when the
    connection opens and again when a response has been sent on a kept-alive connection; it
    stops when h11 has parsed a complete request line and headers. Reading the body is the
    application's business (`gateway.body_limit`).
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        head_timeout: float,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_timeout = head_timeout
        self.max_head_bytes = config.h11_max_incomplete_event_size or 16 * 1024
        self._head_timer: asyncio.TimerHandle | None = None

    @classmethod
    def with_timeout(cls, seconds: float) -> type[asyncio.Protocol]:
        """The class uvicorn's `http` option takes, with the timeout bound (picklable, so
        `--workers` can hand it to its worker processes)."""
        return cast("type[asyncio.Protocol]", functools.partial(cls, head_timeout=seconds))

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def handle_events(self) -> None:
        if self._head_too_large():
            self.logger.info("request head over %d bytes: refused", self.max_head_bytes)
            self._cancel_head_timer()
            self.transport.write(HEAD_TOO_LARGE)
            self.transport.close()
            return
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._cancel_head_timer()  # a complete head arrived (or the connection ended)
        elif self._head_timer is None and self._waiting_for_head():
            self._arm_head_timer()  # a request body ended after its response: a new cycle

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._waiting_for_head():
            self._arm_head_timer()  # the next request on this connection has its own clock

    def _head_too_large(self) -> bool:
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            return False
        # While a head is awaited the buffer holds nothing else, and is cut off here as soon
        # as it passes the limit, so this copy stays small.
        pending, _closed = self.conn.trailing_data
        end = _END_OF_HEAD.search(pending)
        return (end.end() if end else len(pending)) > self.max_head_bytes

    def _waiting_for_head(self) -> bool:
        idle = self.conn.our_state is h11.IDLE and self.conn.their_state is h11.IDLE
        return idle and not self.transport.is_closing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        pending, _closed = self.conn.trailing_data
        if pending:  # a head was begun: say why the connection ends
            self.logger.info("request head not complete within %s s: closing", self.head_timeout)
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options (for `uvicorn.run` and `uvicorn.Config`) from the hub's settings."""
    return {
        "http": BoundedHeadProtocol.with_timeout(settings.header_timeout_seconds),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "proxy_headers": False,
        "log_level": settings.log_level,
        # The hub writes one line per request itself, with its id (`gateway.logs`).
        "log_config": uvicorn_log_config(settings),
        "access_log": False,
        # Without it uvicorn waits for every open connection (a subscription never ends).
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }
