"""The HTTP surface: GraphQL over HTTP, health and readiness, request ids, masking."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from migrations import runner
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair


async def test_healthz_and_readyz(client: GraphQLClient) -> None:
    assert (await client.http.get("/healthz")).json() == {"status": "ok"}
    ready = await client.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["datasources"] == {"units": "ok", "community": "ok", "audit": "ok"}


async def test_get_requests_run_queries(client: GraphQLClient) -> None:
    response = await client.http.get(
        "/graphql", params={"query": "{ serviceCategories(first: 1) { totalCount } }"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["serviceCategories"]["totalCount"] == 27


async def test_responses_are_compact_utf8_json(client: GraphQLClient) -> None:
    """Chinese text travels as UTF-8, not as \\u escapes; the JSON is compact."""
    response = await client.http.get(
        "/graphql", params={"query": "{ serviceCategories(first: 1) { edges { node { name } } } }"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.content.decode("utf-8")
    name = json.loads(body)["data"]["serviceCategories"]["edges"][0]["node"]["name"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in name)
    assert name in body
    assert "\\u" not in body
    assert body == json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))


async def test_graphiql_is_served_to_browsers(client: GraphQLClient) -> None:
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_request_id_is_echoed(client: GraphQLClient) -> None:
    response = await client.http.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    response = await client.http.get("/healthz", headers={"X-Request-ID": "bad id\n"})
    assert response.headers["X-Request-ID"] != "bad id\n"


async def test_syntax_errors_are_coded(client: GraphQLClient) -> None:
    error = await client.error("{ members(first: ")
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    error = await client.error("{ members { noSuchField } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


@pytest.fixture
async def broken_client(tmp_path: Path) -> AsyncIterator[GraphQLClient]:
    """A hub whose databases were never migrated: every query hits a missing table."""
    pair = DatabasePair(
        "sqlite",
        f"sqlite+aiosqlite:///{tmp_path / 'units.db'}",
        f"sqlite+aiosqlite:///{tmp_path / 'community.db'}",
        f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}",
    )
    async for c in client_for(pair):
        yield c


async def test_unexpected_errors_are_masked_with_a_request_id(
    broken_client: GraphQLClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await broken_client.http.post(
        "/graphql",
        json={"query": "{ members(first: 1) { totalCount } }"},
        headers={**broken_client.headers, "X-Request-ID": "trace-me"},
    )
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "trace-me"}
    assert "members" not in error["message"]
    assert "Traceback" not in response.text
    assert "trace-me" in caplog.text


async def test_readyz_reports_an_unreachable_datasource(tmp_path: Path) -> None:
    audit_url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    await runner.upgrade_async("audit", audit_url)  # /readyz writes to it (and rolls back)
    settings = Settings(
        units_database_url=f"sqlite+aiosqlite:///{tmp_path / 'units.db'}",
        community_database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        audit_database_url=audit_url,
    )
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://h") as h:
        response = await h.get("/readyz")
    await app.state.hub.dispose()
    assert response.status_code == 503
    assert response.json()["datasources"] == {
        "units": "ok",
        "community": "unavailable",
        "audit": "ok",
    }


async def test_browsers_on_other_origins_may_call_in_development(client: GraphQLClient) -> None:
    preflight = await client.http.options(
        "/graphql",
        headers={
            "Origin": "https://dashboard.example.cn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://dashboard.example.cn")
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()


def test_production_allows_only_configured_origins() -> None:
    assert Settings(env="production").cors_origins == []
    configured = Settings(env="production", cors_allow_origins=["https://a.example.cn"])
    assert configured.cors_origins == ["https://a.example.cn"]


def test_log_level_is_checked_at_startup() -> None:
    with pytest.raises(ValueError, match="log_level"):
        Settings(log_level="verbose")
