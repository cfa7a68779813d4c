"""Rate limits per client IP and per bearer token, in memory and shared through Redis."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from gateway.settings import Settings
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

# The limits do not depend on the backend: one pass, on SQLite.
SQLITE = pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)

REDIS_URL = os.environ.get("DUALHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = os.environ.get("DUALHUB_REQUIRE_REDIS") == "1"
# Keys of this test run only: runs on one Redis never count each other's requests.
RUN_PREFIX = f"dualhub-test-{uuid.uuid4().hex[:12]}"
QUERY = {"query": "{ __typename }"}


def require_redis() -> None:
    """Skip (or, when Redis is required, fail) if it cannot be reached."""
    host, port = httpx.URL(REDIS_URL).host, httpx.URL(REDIS_URL).port or 6379
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        message = f"Redis not reachable at {REDIS_URL} ({exc})"
        if REQUIRE_REDIS:
            pytest.fail(message + " but DUALHUB_REQUIRE_REDIS=1")
        pytest.skip(message)


@asynccontextmanager
async def hub(pair: DatabasePair, **overrides: Any) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(pair, **overrides):
        yield client


async def post(client: GraphQLClient | httpx.AsyncClient, **headers: str) -> httpx.Response:
    http = client.http if isinstance(client, GraphQLClient) else client
    extra = client.headers if isinstance(client, GraphQLClient) else {}
    return await http.post("/graphql", json=QUERY, headers={**extra, **headers})


def from_address(client: GraphQLClient, address: str) -> httpx.AsyncClient:
    """Another client of the same app, connecting from `address`."""
    app = client.http._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://hub")


def assert_limited(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    error = response.json()["errors"][0]
    assert error["extensions"] == {
        "code": "RATE_LIMITED",
        "retryAfter": retry_after,
        "limit": limit,
    }
    assert error["message"].startswith("请求过于频繁")
    assert response.headers["X-Request-ID"]  # refused requests can be traced too


@SQLITE
async def test_per_ip_limit(small_db: DatabasePair) -> None:
    async with hub(small_db, rate_limit_per_ip="3/minute", rate_limit_per_token="") as client:
        for _ in range(3):
            assert (await post(client)).status_code == 200
        assert_limited(await post(client), "3 per 1 minute")
        get = await client.http.get("/graphql", params=QUERY)
        assert get.status_code == 429
        # Health checks are not GraphQL: never limited.
        assert (await client.http.get("/healthz")).status_code == 200
        assert (await client.http.get("/readyz")).status_code == 200
        # Another address has its own count.
        async with from_address(client, "10.1.2.3") as other:
            assert (await post(other)).status_code == 200


@SQLITE
async def test_per_token_limit(small_db: DatabasePair) -> None:
    async with hub(small_db, rate_limit_per_ip="", rate_limit_per_token="2/minute") as client:
        for _ in range(2):
            assert (await post(client)).status_code == 200
        assert_limited(await post(client), "2 per 1 minute")
        # The same token from another address is the same count; another token is not.
        async with from_address(client, "10.1.2.3") as other:
            limited = await post(other, Authorization=client.headers["Authorization"])
            assert limited.status_code == 429
            assert (await post(other, Authorization="Bearer another")).status_code != 429
        # Without a token only the per-IP limit (off here) applies.
        for _ in range(3):
            assert (await post(client.anonymous())).status_code == 200


@SQLITE
async def test_both_limits_apply(small_db: DatabasePair) -> None:
    async with hub(small_db, rate_limit_per_ip="2/minute", rate_limit_per_token="5/minute") as c:
        for _ in range(2):
            assert (await post(c)).status_code == 200
        assert_limited(await post(c), "2 per 1 minute")


@SQLITE
async def test_default_limits_let_ordinary_use_through(small_db: DatabasePair) -> None:
    settings = Settings()
    assert (settings.rate_limit_per_ip, settings.rate_limit_per_token) == (
        "120/minute",
        "600/minute",
    )
    async with hub(small_db) as client:
        for _ in range(20):
            assert (await post(client)).status_code == 200


def test_rates_are_checked_at_startup() -> None:
    with pytest.raises(ValidationError, match="couldn't parse rate limit"):
        Settings(rate_limit_per_ip="lots")
    assert Settings(rate_limit_per_token="").rate_limit_per_token is None


@SQLITE
async def test_apps_sharing_redis_share_one_count(small_db: DatabasePair) -> None:
    """Two hub processes (two apps) on one Redis: a client's requests count once, together."""
    require_redis()
    prefix = f"{RUN_PREFIX}-shared"
    limits = {"rate_limit_per_ip": "3/minute", "rate_limit_per_token": ""}
    async with (
        hub(small_db, redis_url=REDIS_URL, rate_limit_key_prefix=prefix, **limits) as first,
        hub(small_db, redis_url=REDIS_URL, rate_limit_key_prefix=prefix, **limits) as second,
    ):
        assert (await post(first)).status_code == 200
        assert (await post(second)).status_code == 200
        assert (await post(first)).status_code == 200
        assert_limited(await post(second), "3 per 1 minute")
        assert_limited(await post(first), "3 per 1 minute")
    # Another prefix (another deployment, or another test run) counts apart.
    async with hub(
        small_db, redis_url=REDIS_URL, rate_limit_key_prefix=f"{RUN_PREFIX}-apart", **limits
    ) as apart:
        assert (await post(apart)).status_code == 200


@SQLITE
async def test_an_unreachable_redis_does_not_stop_the_hub(
    small_db: DatabasePair, caplog: pytest.LogCaptureFixture
) -> None:
    async with hub(small_db, redis_url="redis://127.0.0.1:1/0", rate_limit_per_ip="1/minute") as c:
        for _ in range(3):
            assert (await post(c)).status_code == 200
    assert "rate limit storage unavailable" in caplog.text
