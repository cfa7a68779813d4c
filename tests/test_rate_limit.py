"""Rate limits per client IP (no verified identity) and per verified identity, in memory and
shared through Redis."""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from gateway.auth import issue_token
from gateway.settings import Settings
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair, required

# The limits do not depend on the backend: one pass, on SQLite.
SQLITE = pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)

REDIS_URL = os.environ.get("DUALHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_REDIS = required("REDIS")
# Keys of this test run only: runs on one Redis never count each other's requests.
RUN_PREFIX = f"dualhub-test-{uuid.uuid4().hex[:12]}"
QUERY = {"query": "{ __typename }"}
GATEWAY = "10.20.30.40"  # a federation gateway: every user's request comes from here


def require_redis() -> None:
    """Skip (or, when Redis is required, fail) if it cannot be reached."""
    host, port = httpx.URL(REDIS_URL).host, httpx.URL(REDIS_URL).port or 6379
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        message = f"Redis not reachable at {REDIS_URL} ({exc})"
        if REQUIRE_REDIS:
            pytest.fail(message + " but it is required (DUALHUB_REQUIRE_REDIS=1 or CI=true)")
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
    """Another connection to the same app, from `address`."""
    app = client.http._transport.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=(address, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://hub")


def bearer(client: GraphQLClient) -> str:
    return f"Bearer {client.token}"


def assert_limited(response: httpx.Response, limit: str) -> None:
    assert response.status_code == 429, response.text
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
async def test_anonymous_requests_are_limited_per_ip(small_db: DatabasePair) -> None:
    async with hub(small_db, rate_limit_per_ip="3/minute", rate_limit_per_token="") as client:
        anonymous = client.anonymous()
        for _ in range(3):
            assert (await post(anonymous)).status_code == 200
        assert_limited(await post(anonymous), "3 per 1 minute")
        assert (await client.http.get("/graphql", params=QUERY)).status_code == 429
        # Health checks do no work: never limited.
        assert (await client.http.get("/healthz")).status_code == 200
        assert (await client.http.get("/readyz")).status_code == 200
        # Another address has its own count; a verified identity is not counted per IP.
        async with from_address(client, "10.1.2.3") as other:
            assert (await post(other)).status_code == 200
        assert (await post(client)).status_code == 200


@SQLITE
async def test_a_verified_identity_has_one_count_however_its_token_is_sent(
    small_db: DatabasePair,
) -> None:
    async with hub(small_db, rate_limit_per_ip="2/minute", rate_limit_per_token="3/minute") as c:
        # The per-IP limit (2) does not apply to a valid token: its identity's (3) does.
        for _ in range(3):
            assert (await post(c)).status_code == 200
        assert_limited(await post(c), "3 per 1 minute")
        token = c.token
        async with from_address(c, "10.1.2.3") as other:
            # Another address, another spelling of the header, another token of the same
            # issuer, subject, role and scope: all the same identity, the same count.
            assert (await post(other, Authorization=f"Bearer {token}")).status_code == 429
            assert (await post(other, Authorization=f"bearer   {token}")).status_code == 429
            again = issue_token(
                c.tokens.settings,
                role="district",
                scope={"district": "D01"},
                subject="test-district",
                ttl=timedelta(hours=2),
            )
            assert again != token
            assert (await post(other, Authorization=f"Bearer {again}")).status_code == 429
            # Another scope is another identity.
            elsewhere = c.as_viewer("district", district="D02")
            assert (await post(other, Authorization=bearer(elsewhere))).status_code == 200
        # Anonymous requests from the same address still have the whole per-IP budget.
        for _ in range(2):
            assert (await post(c.anonymous())).status_code == 200
        assert_limited(await post(c.anonymous()), "2 per 1 minute")


@SQLITE
async def test_users_behind_one_gateway_are_limited_apart(small_db: DatabasePair) -> None:
    """With the default limits, 130 queries of 13 users through one gateway all pass; 130
    anonymous ones from that gateway are held to the per-IP default of 120."""
    async with hub(small_db) as client, from_address(client, GATEWAY) as gateway:
        users = [client.as_viewer("member", member=f"M{n:03d}") for n in range(13)]
        statuses = Counter(
            [(await post(gateway, Authorization=bearer(user))).status_code for user in users * 10]
        )
        assert statuses == {200: 130}
        anonymous = Counter([(await post(gateway)).status_code for _ in range(130)])
        assert anonymous == {200: 120, 429: 10}
        # The users are still served: their counts are their own.
        assert (await post(gateway, Authorization=bearer(users[0]))).status_code == 200


@SQLITE
async def test_invalid_tokens_are_limited_per_ip(small_db: DatabasePair) -> None:
    async with hub(small_db, rate_limit_per_ip="3/minute", rate_limit_per_token="") as client:
        async with from_address(client, "10.9.8.7") as guesser:
            for n in range(3):
                refused = await post(guesser, Authorization=f"Bearer guess-{n}")
                assert refused.status_code == 401
            # Over the limit, a failed token gets 429 instead of 401: guessing learns nothing.
            assert_limited(await post(guesser, Authorization="Bearer guess-4"), "3 per 1 minute")
            assert_limited(await post(guesser, Authorization="Basic x"), "3 per 1 minute")
            # Failed tokens and anonymous requests share the address's count.
            assert (await post(guesser)).status_code == 429
            # A verified identity is not held back by the guesses from its address.
            assert (await post(guesser, Authorization=bearer(client))).status_code == 200
        # Another address is not affected.
        assert (await post(client.anonymous())).status_code == 200


@SQLITE
async def test_report_downloads_are_limited(small_db: DatabasePair) -> None:
    path = "/reports/branch/NO-SUCH-BRANCH.csv"
    async with hub(small_db, rate_limit_per_ip="1/minute", rate_limit_per_token="2/minute") as c:
        for _ in range(2):
            response = await c.http.get(path, params={"year": 2025}, headers=c.headers)
            assert response.status_code == 404
        limited = await c.http.get(path, params={"year": 2025}, headers=c.headers)
        assert_limited(limited, "2 per 1 minute")
        # Anonymous downloads are refused (401), and counted per IP all the same.
        assert (await c.http.get(path, params={"year": 2025})).status_code == 401
        assert_limited(await c.http.get(path, params={"year": 2025}), "1 per 1 minute")


@SQLITE
async def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    small_db: DatabasePair,
) -> None:
    limits = {"rate_limit_per_ip": "2/minute", "rate_limit_per_token": ""}
    async with hub(small_db, **limits) as client, from_address(client, "127.0.0.1") as local:
        # By default no peer is a proxy, not even 127.0.0.1: a forged header changes nothing.
        statuses = [
            (await post(local, **{"X-Forwarded-For": f"192.0.2.{n}"})).status_code for n in range(3)
        ]
        assert statuses == [200, 200, 429]
    trusted = {**limits, "trusted_proxies": "127.0.0.1, 10.0.0.0/8"}
    async with hub(small_db, **trusted) as client:
        async with from_address(client, "10.1.1.1") as proxy:
            for n in range(3):  # each forwarded client has its own count
                response = await post(proxy, **{"X-Forwarded-For": f"192.0.2.{n}"})
                assert response.status_code == 200
            forwarded = [
                (await post(proxy, **{"X-Forwarded-For": "198.51.100.7"})).status_code
                for _ in range(3)
            ]
            assert forwarded == [200, 200, 429]
        async with from_address(client, "203.0.113.9") as stranger:
            # Not a proxy: its header is ignored, its own address counts.
            statuses = [
                (await post(stranger, **{"X-Forwarded-For": f"192.0.2.{50 + n}"})).status_code
                for n in range(3)
            ]
            assert statuses == [200, 200, 429]


@SQLITE
async def test_default_limits_let_ordinary_use_through(small_db: DatabasePair) -> None:
    settings = Settings()
    assert (settings.rate_limit_per_ip, settings.rate_limit_per_token) == (
        "120/minute",
        "600/minute",
    )
    assert settings.trusted_proxies == ""
    async with hub(small_db) as client:
        for _ in range(20):
            assert (await post(client)).status_code == 200


def test_settings_are_checked_at_startup() -> None:
    with pytest.raises(ValidationError, match="couldn't parse rate limit"):
        Settings(rate_limit_per_ip="lots")
    assert Settings(rate_limit_per_token="").rate_limit_per_token is None
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(trusted_proxies="127.0.0.1,proxy.local")
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(trusted_proxies="10.0.0.1/8")  # host bits set: a typo, not a network
    assert Settings(trusted_proxies=" 10.0.0.5 ,, ::1").trusted_proxies == "10.0.0.5,::1"


@SQLITE
async def test_apps_sharing_redis_share_one_count(small_db: DatabasePair) -> None:
    """Two hub processes (two apps) on one Redis: a client's requests count once, together,
    per address for anonymous requests and per identity for signed-in ones."""
    require_redis()
    prefix = f"{RUN_PREFIX}-shared"
    limits = {"rate_limit_per_ip": "3/minute", "rate_limit_per_token": "2/minute"}
    shared = {"redis_url": REDIS_URL, "rate_limit_key_prefix": prefix, **limits}
    async with hub(small_db, **shared) as first, hub(small_db, **shared) as second:
        one, two = first.anonymous(), second.anonymous()
        assert (await post(one)).status_code == 200
        assert (await post(two)).status_code == 200
        assert (await post(one)).status_code == 200
        assert_limited(await post(two), "3 per 1 minute")
        assert_limited(await post(one), "3 per 1 minute")
        # The same identity on both apps (the second app signs with the same secret).
        assert (await post(first)).status_code == 200
        assert (await post(second, Authorization=bearer(first))).status_code == 200
        assert_limited(await post(second, Authorization=bearer(first)), "2 per 1 minute")
        assert_limited(await post(first), "2 per 1 minute")
    # Another prefix (another deployment, or another test run) counts apart.
    apart = {**shared, "rate_limit_key_prefix": f"{RUN_PREFIX}-apart"}
    async with hub(small_db, **apart) as other:
        assert (await post(other.anonymous())).status_code == 200
        assert (await post(other)).status_code == 200


@SQLITE
async def test_an_unreachable_redis_does_not_stop_the_hub(
    small_db: DatabasePair, caplog: pytest.LogCaptureFixture
) -> None:
    async with hub(
        small_db,
        redis_url="redis://127.0.0.1:1/0",
        rate_limit_per_ip="1/minute",
        rate_limit_per_token="1/minute",
    ) as c:
        for _ in range(3):
            assert (await post(c.anonymous())).status_code == 200
            assert (await post(c)).status_code == 200
            assert (await post(c, Authorization="Bearer invalid")).status_code == 401
    assert "rate limit storage unavailable" in caplog.text
