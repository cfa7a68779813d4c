"""Rate limits per client IP and per verified identity, with the `limits` package.

Counts live in process memory by default. With `DUALHUB_REDIS_URL` they live in Redis,
so every hub process behind a load balancer sees one combined count per client. A moving
window is used: "120/minute" means at most 120 requests in any 60 seconds.

Two middlewares share one `RateLimits`:
* `AddressRateLimit`, before the body is read and before authentication, limits per client
  IP the requests that carry no verified identity: every anonymous request is counted, and a
  request with an `Authorization` header only when it is refused as unauthenticated (401);
  over the limit, that 401 becomes a 429. A valid token is never counted per IP.
* `IdentityRateLimit`, after authentication, limits per `Viewer.identity_key` (issuer,
  subject, role and scope of the verified token), however the header was spelled.
So users behind one federation gateway (one IP) each have their own count, while guessing
tokens from one address is limited like anonymous traffic. `/healthz` and `/readyz` are never
limited; every other route (/graphql, /reports/...) is.

A request over a limit gets HTTP 429, a `Retry-After` header and a GraphQL-shaped body with
`extensions.code = RATE_LIMITED`. If Redis cannot be reached the request is let through
(and logged): an outage of the counter must not become an outage of the hub.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import limits
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datasources.scope import ANONYMOUS, Role, Viewer
from gateway.metrics import RATE_LIMIT_REFUSALS
from gateway.refusals import refusal
from schema.errors import ErrorCode

logger = logging.getLogger("dualhub.ratelimit")

REDIS_TIMEOUT_SECONDS = 1.0
# Probes of load balancers and orchestrators: cheap, and must answer however busy the hub is.
UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})


def parse_rate(value: str | None) -> limits.RateLimitItem | None:
    """A rate such as "120/minute" or "10 per second"; None or "" means no limit."""
    if value is None or not value.strip():
        return None
    return limits.parse(value)


@dataclass(frozen=True)
class _Check:
    rate: limits.RateLimitItem
    kind: str  # "ip" or "identity"
    key: str


class RateLimits:
    """The limits of one hub process, and the storage that counts the hits."""

    def __init__(
        self,
        per_ip: str | None,
        per_identity: str | None,
        *,
        redis_url: str | None = None,
        key_prefix: str = "dualhub",
    ) -> None:
        self.per_ip = parse_rate(per_ip)
        self.per_identity = parse_rate(per_identity)
        self.storage: Storage
        if redis_url:
            uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
            storage = storage_from_string(
                uri,
                key_prefix=key_prefix,
                wrap_exceptions=True,
                connect_timeout=REDIS_TIMEOUT_SECONDS,
                stream_timeout=REDIS_TIMEOUT_SECONDS,
            )
            assert isinstance(storage, Storage), f"{uri} is not an async storage"
            self.storage = storage
        else:
            self.storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._warned_at = -math.inf

    def address(self, scope: Scope) -> _Check | None:
        """The per-IP check of a request (the ASGI client, see `trusted_proxies`)."""
        if self.per_ip is None:
            return None
        client = scope.get("client")
        return _Check(self.per_ip, "ip", client[0] if client else "unknown")

    def identity(self, viewer: Viewer) -> _Check | None:
        """The per-identity check of a verified viewer; None for the anonymous one."""
        if self.per_identity is None or viewer.role is Role.ANONYMOUS:
            return None
        return _Check(self.per_identity, "identity", viewer.identity_key)

    async def hit(self, check: _Check | None) -> JSONResponse | None:
        """Count one request; the 429 response if that is over the limit, else None."""
        if check is None:
            return None
        try:
            if await self.limiter.hit(check.rate, check.kind, check.key):
                return None
        except StorageError as exc:
            self._storage_failed(exc)
            return None
        return await self._refusal(check)

    async def _refusal(self, check: _Check) -> JSONResponse | None:
        try:
            stats = await self.limiter.get_window_stats(check.rate, check.kind, check.key)
        except StorageError as exc:
            self._storage_failed(exc)
            return None
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return too_many_requests(check, retry_after)

    def _storage_failed(self, exc: StorageError) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 60:  # once a minute is enough to be noticed
            self._warned_at = now
            logger.warning("rate limit storage unavailable, not limiting: %s", exc)

    async def close(self) -> None:
        client: Any = getattr(getattr(self.storage, "bridge", None), "storage", None)
        pool = getattr(client, "connection_pool", None)
        if pool is not None:
            pool.disconnect()


def too_many_requests(check: _Check, retry_after: int) -> JSONResponse:
    who = "this IP address" if check.kind == "ip" else "this identity"
    rate = str(check.rate)
    RATE_LIMIT_REFUSALS.labels(check.kind).inc()
    return refusal(
        429,
        ErrorCode.RATE_LIMITED,
        f"请求过于频繁，请 {retry_after} 秒后再试。"
        f"Rate limit of {rate} exceeded for {who}; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
        retryAfter=retry_after,
        limit=rate,
    )


def _limited(scope: Scope) -> bool:
    return scope["type"] == "http" and scope["path"] not in UNLIMITED_PATHS


def _has_credentials(scope: Scope) -> bool:
    return any(key == b"authorization" for key, _ in scope.get("headers", ()))


class AddressRateLimit:
    """Per client IP, for requests without a verified identity; outside authentication."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        check = self.limits.address(scope) if _limited(scope) else None
        if check is None:
            await self.app(scope, receive, send)
            return
        if not _has_credentials(scope):
            refused = await self.limits.hit(check)
            if refused is not None:
                await refused(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # A token is counted against the address only once authentication refuses it, so a
        # valid one is never held back by other clients of the same address (a gateway).
        replaced = False

        async def send_counting_refusals(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 401:
                refused = await self.limits.hit(check)
                if refused is not None:
                    replaced = True
                    await refused(scope, receive, send)
                    return
            if not replaced:
                await send(message)

        await self.app(scope, receive, send_counting_refusals)


class IdentityRateLimit:
    """Per verified identity; inside Starlette's `AuthenticationMiddleware`."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _limited(scope):
            viewer = getattr(scope.get("user"), "viewer", ANONYMOUS)
            refused = await self.limits.hit(self.limits.identity(viewer))
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
