"""Hostile and careless input over HTTP: each limit lets a request just under it through and
refuses one just over it with a coded error. The settings' defaults are the limits tested
unless a test says otherwise."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

# The limits do not depend on the backend: one pass, on SQLite, keeps the suite fast.
pytestmark = pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)


@pytest.fixture
async def hub(small_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(small_db):
        yield client


async def post(client: GraphQLClient, payload: Any, **kwargs: Any) -> httpx.Response:
    return await client.http.post("/graphql", json=payload, headers=client.headers, **kwargs)


def code_of(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


# Depth: strawberry's QueryDepthLimiter counts every field with a selection, Relay's
# `edges` and `node` included. `reportedOn` sits 10 levels down, `name` 11.
AT_DEPTH_10 = """{ workUnits(first: 1) { edges { node { branches(first: 1) { edges { node {
  members(first: 1) { edges { node { report { reportedOn } } } } } } } } } } }"""
AT_DEPTH_11 = AT_DEPTH_10.replace("report { reportedOn }", "report { community { name } }")
AT_DEPTH_15 = AT_DEPTH_10.replace(
    "report { reportedOn }",
    "report { community { street { district { streets(first: 1) { edges { cursor } } } } } }",
)
AT_DEPTH_16 = AT_DEPTH_15.replace("edges { cursor }", "edges { node { name } }")


async def test_depth_limit(hub: GraphQLClient) -> None:
    await hub.query(AT_DEPTH_15)
    error = await hub.error(AT_DEPTH_16)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": 15}
    assert error["message"].startswith("查询过于复杂，请减少嵌套层级。")
    assert "limit of 15" in error["message"]


async def test_depth_limit_is_configurable(small_db: DatabasePair) -> None:
    async for strict in client_for(small_db, max_query_depth=10):
        await strict.query(AT_DEPTH_10)
        assert (await strict.error(AT_DEPTH_11))["extensions"]["limit"] == 10


async def test_depth_limit_follows_fragments(hub: GraphQLClient) -> None:
    query = """{ workUnits(first: 1) { edges { node { ...Unit } } } }
    fragment Unit on WorkUnit { branches(first: 1) { edges { node { ...Branch } } } }
    fragment Branch on PartyBranch {
      members(first: 1) { edges { node { report { community { ...Street } } } } } }
    fragment Street on Community { street { district { streets(first: 1) {
      edges { node { name } } } } } }"""
    assert code_of(await hub.raw(query)) == "QUERY_TOO_COMPLEX"


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


async def test_alias_limit(hub: GraphQLClient) -> None:
    data = await hub.query(aliased(30))
    assert len(data) == 30
    error = await hub.error(aliased(31))
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "aliases": 31, "limit": 30}
    assert "31 aliases exceed the limit of 30" in error["message"]


def tokens(count: int) -> str:
    """A query of exactly `count` tokens: 19 of structure and a list of enum values."""
    values = " ".join(["FULL"] * (count - 19))
    return f"{{ members(first: 1, filter: {{ politicalStatuses: [{values}] }}) {{ totalCount }} }}"


async def test_token_limit(hub: GraphQLClient) -> None:
    await hub.query(tokens(2_000))
    error = await hub.error(tokens(2_001))
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": 2_000}
    assert error["message"].startswith("查询过长")


async def test_syntax_errors_keep_their_own_code(hub: GraphQLClient) -> None:
    assert code_of(await hub.raw("{ members(first: ")) == "GRAPHQL_PARSE_FAILED"


async def test_nesting_too_deep_to_parse_or_validate(hub: GraphQLClient) -> None:
    nested = "{" + "a {" * 300 + "b" + "}" * 300 + "}"
    error = await hub.error(nested)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    chain = "\n".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(215))
    fragments = "{ ...F0 }\n" + chain + "\nfragment F215 on Query { __typename }"
    error = await hub.error(fragments)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    assert "nested too deeply" in error["message"]


# Cost: 50 + 50 × 27 + 50 × 27 × 36 = 50,000, the default limit, exactly.
COSTLY = """query($members: Int!) { workUnits(first: 50) { edges { node {
  branches(first: 27) { edges { node { members(first: $members) { totalCount } } } } } } } }"""


async def test_cost_limit(hub: GraphQLClient) -> None:
    await hub.query(COSTLY, {"members": 36})
    error = await hub.error(COSTLY, {"members": 37})
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 51_350, "limit": 50_000}
    assert "Estimated cost 51,350 exceeds the limit of 50,000" in error["message"]


async def test_cost_limit_is_a_setting(small_db: DatabasePair) -> None:
    async for client in client_for(small_db, max_query_cost=100):
        await client.query("{ communities(first: 100) { totalCount } }")
        error = await client.error(
            "{ communities(first: 100) { totalCount } a: communities { totalCount } }"
        )
        assert error["extensions"]["cost"] == 120


async def test_page_size_stays_a_user_input_error(hub: GraphQLClient) -> None:
    error = await hub.error("{ communities(first: 101) { totalCount } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_apps_with_different_limits_share_one_schema(small_db: DatabasePair) -> None:
    async for strict in client_for(small_db, max_query_depth=3, max_aliases=1):
        async for lenient in client_for(small_db):
            query = "{ communities(first: 1) { edges { node { street { name } } } } }"
            assert code_of(await strict.raw(query)) == "QUERY_TOO_COMPLEX"
            await lenient.query(query)
            assert code_of(await strict.raw(aliased(2))) == "QUERY_TOO_COMPLEX"
            await lenient.query(aliased(2))


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_is_on_in_development(hub: GraphQLClient) -> None:
    data = await hub.query(INTROSPECTION)
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_introspection_off_keeps_federation_working(small_db: DatabasePair) -> None:
    async for client in client_for(small_db, introspection=False):
        body = await client.raw(INTROSPECTION)
        assert len(body["errors"]) == 1
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
        assert "introspection is disabled" in body["errors"][0]["message"]
        error = await client.error('{ __type(name: "Member") { name } }')
        assert error["extensions"]["code"] == "FORBIDDEN"
        # What a federation gateway asks to compose the subgraph, and __typename, still work.
        data = await client.query("{ _service { sdl } __typename }")
        assert "type Member" in data["_service"]["sdl"]


async def test_body_size_limit(hub: GraphQLClient) -> None:
    def body_of(size: int) -> bytes:
        payload = {"query": "{ __typename }", "variables": {"pad": ""}}
        padding = size - len(json.dumps(payload).encode())
        payload["variables"] = {"pad": "x" * padding}
        data = json.dumps(payload).encode()
        assert len(data) == size
        return data

    headers = {**hub.headers, "Content-Type": "application/json"}
    ok = await hub.http.post("/graphql", content=body_of(100 * 1024), headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["data"] == {"__typename": "Query"}

    over = await hub.http.post("/graphql", content=body_of(100 * 1024 + 1), headers=headers)
    assert over.status_code == 413
    assert over.headers["X-Request-ID"]
    assert over.json()["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": 102_400,
    }

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: sent in chunks
        data = body_of(100 * 1024 + 1)
        for start in range(0, len(data), 8192):
            yield data[start : start + 8192]

    chunked = await hub.http.post("/graphql", content=streamed(), headers=headers)
    assert chunked.status_code == 413
    assert chunked.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_batches_up_to_the_limit(hub: GraphQLClient) -> None:
    batch = [{"query": "query($n: Int!) { communities(first: $n) { totalCount } }",
              "variables": {"n": n}} for n in range(10)]  # fmt: skip
    response = await post(hub, batch)
    assert response.status_code == 200
    results = response.json()
    assert len(results) == 10
    assert all(result["data"]["communities"]["totalCount"] > 0 for result in results)

    over = await post(hub, [{"query": "{ __typename }"}] * 11)
    assert over.status_code == 400
    assert over.json()["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "operations": 11,
        "limit": 10,
    }
    assert "A batch of 11 operations exceeds the limit of 10" in over.text


async def test_each_operation_of_a_batch_gets_its_own_errors(hub: GraphQLClient) -> None:
    response = await post(hub, [{"query": "{ __typename }"}, {"query": aliased(31)}])
    first, second = response.json()
    assert first["data"] == {"__typename": "Query"}
    assert "errors" not in first
    assert code_of(second) == "QUERY_TOO_COMPLEX"


@pytest.mark.parametrize(
    "batch", [[], [1, 2], ["{ __typename }"]], ids=["empty", "numbers", "strings"]
)
async def test_malformed_batches_are_refused(hub: GraphQLClient, batch: list[Any]) -> None:
    response = await post(hub, batch)
    assert response.status_code == 400
    assert code_of(response.json()) == "BAD_USER_INPUT"


async def test_batching_can_be_turned_off(small_db: DatabasePair) -> None:
    async for client in client_for(small_db, max_batch_size=0):
        response = await post(client, [{"query": "{ __typename }"}])
        assert response.status_code == 400
        assert code_of(response.json()) == "BAD_USER_INPUT"
        assert "Batching is not enabled" in response.text
