"""Rate limits on /graphql per client IP and per bearer token, with the `limits` package.

Counts live in process memory by default. With `DUALHUB_REDIS_URL` they live in Redis,
so every hub process behind a load balancer sees one combined count per client. A moving
window is used: "120/minute" means at most 120 requests in any 60 seconds.

The token key is a hash of the `Authorization` header as sent: the limiter neither decodes
nor trusts it (authentication is checked later), it only needs a stable, private key. A
request over a limit gets HTTP 429, a `Retry-After` header and a GraphQL-shaped body with
`extensions.code = RATE_LIMITED`. If Redis cannot be reached the request is let through
(and logged): an outage of the counter must not become an outage of the hub.
"""

from __future__ import annotations

import hashlib
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
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.refusals import refusal
from schema.errors import ErrorCode

logger = logging.getLogger("dualhub.ratelimit")

REDIS_TIMEOUT_SECONDS = 1.0


def parse_rate(value: str | None) -> limits.RateLimitItem | None:
    """A rate such as "120/minute" or "10 per second"; None or "" means no limit."""
    if value is None or not value.strip():
        return None
    return limits.parse(value)


@dataclass(frozen=True)
class _Check:
    rate: limits.RateLimitItem
    kind: str  # "ip" or "token"
    key: str


class RateLimits:
    """The limits of one hub process, and the storage that counts the hits."""

    def __init__(
        self,
        per_ip: str | None,
        per_token: str | None,
        *,
        redis_url: str | None = None,
        key_prefix: str = "dualhub",
    ) -> None:
        self.per_ip = parse_rate(per_ip)
        self.per_token = parse_rate(per_token)
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

    @property
    def enabled(self) -> bool:
        return self.per_ip is not None or self.per_token is not None

    async def check(self, scope: Scope) -> JSONResponse | None:
        """Count the request; the 429 response if it is over a limit, else None."""
        for check in self._checks(scope):
            try:
                if await self.limiter.hit(check.rate, check.kind, check.key):
                    continue
                stats = await self.limiter.get_window_stats(check.rate, check.kind, check.key)
            except StorageError as exc:
                self._storage_failed(exc)
                return None
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            return too_many_requests(check, retry_after)
        return None

    def _checks(self, scope: Scope) -> list[_Check]:
        checks = []
        if self.per_ip is not None:
            client = scope.get("client")
            checks.append(_Check(self.per_ip, "ip", client[0] if client else "unknown"))
        token = _header(scope, b"authorization")
        if self.per_token is not None and token:
            digest = hashlib.sha256(token).hexdigest()[:32]
            checks.append(_Check(self.per_token, "token", digest))
        return checks

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
    who = "this IP address" if check.kind == "ip" else "this token"
    rate = str(check.rate)
    return refusal(
        429,
        ErrorCode.RATE_LIMITED,
        f"请求过于频繁，请 {retry_after} 秒后再试。"
        f"Rate limit of {rate} exceeded for {who}; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
        retryAfter=retry_after,
        limit=rate,
    )


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


class RateLimit:
    """Pure ASGI middleware applying `RateLimits` to the given paths (/graphql)."""

    def __init__(
        self, app: ASGIApp, limits: RateLimits, paths: tuple[str, ...] = ("/graphql",)
    ) -> None:
        self.app = app
        self.limits = limits
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.limits.enabled and scope["path"] in self.paths:
            refused = await self.limits.check(scope)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)
