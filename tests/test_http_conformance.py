"""GraphQL over HTTP as the specification and standard clients expect it.

Media types and status codes, refusals of other methods and body types, compression and
CORS, through HTTP on the app; and graphql-http's own audit of the specification against a
live hub served by uvicorn, when Node and npm are on the machine.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import brotli
import pytest
import uvicorn

from gateway.app import create_app
from gateway.server import server_options
from gateway.settings import Settings
from tests.client import GraphQLClient
from tests.conftest import TEST_SECRET, client_for
from tests.databases import DatabasePair
from tests.node_packages import npm_folder

GRAPHQL_RESPONSE = "application/graphql-response+json"
PREFERS_GRAPHQL_RESPONSE = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"
GRAPHQL_HTTP_VERSION = "1.23.1"  # graphql-http, the reference audit of the specification


async def post(client: GraphQLClient, body: Any, accept: str = PREFERS_GRAPHQL_RESPONSE) -> Any:
    return await client.http.post(
        "/graphql", json=body, headers={**client.headers, "Accept": accept}
    )


async def test_a_client_accepting_graphql_response_json_gets_it(client: GraphQLClient) -> None:
    response = await post(client, {"query": "{ serviceCategories(first: 1) { totalCount } }"})
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json()["data"] == {"serviceCategories": {"totalCount": 27}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{ serviceCategories(first: "}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        (
            {
                "query": "query($n: Int!) { serviceCategories(first: $n) { totalCount } }",
                "variables": {"n": "three"},
            },
            "BAD_USER_INPUT",
        ),
    ],
    ids=["parse", "validation", "variable-coercion"],
)
async def test_request_errors_are_400_without_data(
    client: GraphQLClient, body: dict[str, Any], code: str
) -> None:
    response = await post(client, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    result = response.json()
    assert "data" not in result
    assert result["errors"][0]["extensions"]["code"] == code
    # The legacy media type keeps answering 200 with `data: null`, as before.
    legacy = await post(client, body, accept="application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")
    assert legacy.json()["data"] is None
    assert legacy.json()["errors"][0]["extensions"]["code"] == code


async def test_field_errors_keep_data_and_200(client: GraphQLClient) -> None:
    """The operation ran: a field's error travels beside the data, status 200."""
    response = await post(
        client, {"query": '{ node(id: "bm90LWEtZ2xvYmFsLWlk") { id } serviceCategories(first: 1) '
                          "{ totalCount } }"},
    )  # fmt: skip
    assert response.status_code == 200
    result = response.json()
    assert result["data"]["serviceCategories"] == {"totalCount": 27}
    assert result["errors"][0]["path"] == ["node"]


async def test_wildcards_and_no_accept_get_application_json(client: GraphQLClient) -> None:
    for accept in ("*/*", "application/json", f"{GRAPHQL_RESPONSE};q=0.5, application/json"):
        response = await post(client, {"query": "{ nope }"}, accept=accept)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json"), accept


async def test_an_unknown_persisted_query_stays_200_for_apq_clients(
    client: GraphQLClient,
) -> None:
    """Apollo's and urql's persisted-query links resend the query on this error from a 200;
    on a 400 Apollo's gives up persisted queries."""
    response = await post(
        client,
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_batch_has_each_result_shaped(client: GraphQLClient) -> None:
    response = await post(
        client, [{"query": "{ nope }"}, {"query": "{ serviceCategories(first: 1) { totalCount } }"}]
    )
    assert response.status_code == 200
    failed, ran = response.json()
    assert "data" not in failed
    assert failed["errors"]
    assert ran["data"] == {"serviceCategories": {"totalCount": 27}}


async def test_a_mutation_over_get_is_405_allow_post(client: GraphQLClient) -> None:
    response = await client.http.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers=client.headers,
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "POST" in error["message"]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_a_graphql_body(
    client: GraphQLClient, method: str
) -> None:
    response = await client.http.request(method, "/graphql", headers=client.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql", ""]
)
async def test_unsupported_content_types_are_415_coded(
    client: GraphQLClient, content_type: str
) -> None:
    headers = {**client.headers, "Content-Type": content_type}
    response = await client.http.post("/graphql", content=b"{ __typename }", headers=headers)
    assert response.status_code == 415
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "application/json" in error["message"]


async def test_json_with_a_charset_is_accepted(client: GraphQLClient) -> None:
    headers = {**client.headers, "Content-Type": "application/json; charset=utf-8"}
    response = await client.http.post("/graphql", content=b'{"query":"{ __typename }"}',
                                      headers=headers)  # fmt: skip
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


PAGE = "{ members(first: 100) { edges { node { id name } } } }"


@pytest.mark.parametrize("encoding", ["gzip", "br"])
async def test_large_responses_are_compressed(client: GraphQLClient, encoding: str) -> None:
    plain = await client.http.post(
        "/graphql", json={"query": PAGE}, headers={**client.headers, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    response = await client.http.post(
        "/graphql", json={"query": PAGE}, headers={**client.headers, "Accept-Encoding": encoding}
    )
    assert response.headers["content-encoding"] == encoding
    assert "accept-encoding" in response.headers["vary"].lower()
    # httpx decodes gzip and brotli: the body is the same JSON.
    assert response.json()["data"] == plain.json()["data"]
    raw = len(plain.content)
    assert raw > 4096, raw
    compressed = int(response.headers["content-length"])
    assert compressed < raw / 3, (compressed, raw)


async def test_graphql_response_json_is_compressed_too(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql",
        json={"query": PAGE},
        headers={**client.headers, "Accept": GRAPHQL_RESPONSE, "Accept-Encoding": "gzip"},
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["data"]["members"]["edges"]


async def test_small_responses_are_not_compressed(client: GraphQLClient) -> None:
    response = await client.http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={**client.headers, "Accept-Encoding": "gzip, br"},
    )
    assert "content-encoding" not in response.headers


async def test_the_compressed_bytes_are_what_the_codecs_read(client: GraphQLClient) -> None:
    """Decoded by the codecs themselves rather than by httpx."""
    for encoding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        headers = {**client.headers, "Accept-Encoding": encoding}
        async with client.http.stream(
            "POST", "/graphql", json={"query": PAGE}, headers=headers
        ) as response:
            body = b"".join([chunk async for chunk in response.aiter_raw()])
        assert json.loads(decompress(body))["data"]["members"]["edges"], encoding


@pytest.mark.parametrize(
    "header",
    ["apollographql-client-name", "apollographql-client-version", "traceparent", "tracestate"],
)
async def test_cors_allows_client_awareness_and_trace_context(
    client: GraphQLClient, header: str
) -> None:
    preflight = await client.http.options(
        "/graphql",
        headers={
            "Origin": "https://dashboard.example.cn",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": f"authorization, content-type, {header}",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert header in preflight.headers["access-control-allow-headers"].lower()


async def test_cors_request_headers_are_configurable(small_db: DatabasePair) -> None:
    async for c in client_for(small_db, cors_allow_headers=["Authorization", "X-Tenant"]):
        preflight = {"Origin": "https://a.example.cn", "Access-Control-Request-Method": "POST"}
        allowed = await c.http.options(
            "/graphql", headers={**preflight, "Access-Control-Request-Headers": "x-tenant"}
        )
        assert allowed.status_code == 200
        refused = await c.http.options(
            "/graphql", headers={**preflight, "Access-Control-Request-Headers": "traceparent"}
        )
        assert refused.status_code == 400


def test_cors_headers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALHUB_CORS_ALLOW_HEADERS", '["Authorization", "X-Tenant"]')
    assert Settings().cors_allow_headers == ["Authorization", "X-Tenant"]


# graphql-http's audit against a live hub.


@pytest.fixture(scope="module")
def graphql_http(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with graphql-http installed and the audit script beside it, outside the
    repository (npm's own cache makes later installs fast)."""
    return npm_folder(
        tmp_path_factory, "graphql-http", packages=(f"graphql-http@{GRAPHQL_HTTP_VERSION}",
        "graphql@16"), scripts=("graphql_http_audit.mjs",),
        purpose="graphql-http's audit of GraphQL over HTTP cannot run (the other HTTP tests "
        "do not need them)",
    )  # fmt: skip


@pytest.fixture
async def live_hub(small_db: DatabasePair, tmp_path: Path) -> AsyncIterator[str]:
    """The hub served by uvicorn on a free port of 127.0.0.1, as `dualhub serve` runs it;
    its /graphql URL."""
    assert small_db.audit_url is not None
    settings = Settings(
        units_database_url=small_db.units_url,
        community_database_url=small_db.community_url,
        audit_database_url=small_db.audit_url,
        data_dir=str(tmp_path / "data"),
        jwt_secret=TEST_SECRET,
        rate_limit_per_ip="",  # the audit sends some 60 anonymous requests
        log_level="warning",
    )
    app = create_app(settings)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    server = uvicorn.Server(uvicorn.Config(app, **server_options(settings)))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        for _ in range(400):
            if server.started or task.done():
                break
            await asyncio.sleep(0.05)
        assert server.started, "uvicorn did not start"
        yield f"http://{host}:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        listener.close()


async def test_graphql_http_audit_passes_every_must_and_should(
    graphql_http: Path, live_hub: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        "node", "graphql_http_audit.mjs", live_hub, cwd=graphql_http,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    results = json.loads(stdout)
    required = [r for r in results if r["name"].split()[0] in ("MUST", "SHOULD")]
    failed = [r for r in required if r["status"] != "ok"]
    assert not failed, json.dumps(failed, ensure_ascii=False, indent=1)
    assert len(required) >= 36, len(required)  # the audit really ran its checks
