"""Hostile and careless input over HTTP: each limit lets a request just under it through and
refuses one just over it with a coded error. The settings' defaults are the limits tested
unless a test says otherwise."""

from __future__ import annotations

import asyncio
import json
import time
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


# Depth counts every field with a selection (as strawberry's QueryDepthLimiter did), Relay's
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


# Fragments: every check measures each fragment once, whatever the spreads expand to.


def chain(levels: int, width: int = 2, body: str = "", on: str = "Query") -> str:
    """`levels` fragments, each spreading the next `width` times: width**levels paths."""
    fragments = "\n".join(
        f"fragment F{i} on {on} {{ {body} {' '.join([f'...F{i + 1}'] * width)} }}"
        for i in range(levels)
    )
    return f"{{ ...F0 }}\n{fragments}\nfragment F{levels} on {on} {{ __typename }}"


def best_of(times: list[float]) -> float:
    return min(times)


async def timed(coroutine: Any) -> float:
    started = time.perf_counter()
    await coroutine
    return time.perf_counter() - started


async def test_a_fragment_chain_is_refused_by_its_expanded_size(hub: GraphQLClient) -> None:
    # The review's document: 800 bytes, 20 fragments each spreading the next twice.
    anonymous = hub.anonymous()
    body = await anonymous.raw(chain(20))
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "fields": 2**20, "limit": 2_000}
    assert "1,048,576 fields once its fragments are expanded" in error["message"]
    assert body["data"] is None
    # A chain that expands within the limit runs.
    assert await anonymous.query(chain(5)) == {"__typename": "Query"}


async def test_fragment_chains_cost_time_linear_in_the_document(hub: GraphQLClient) -> None:
    """30 levels (a billion paths) against 3 (eight paths): the same order of time, and
    /healthz answers as quickly beside the first as beside the second."""
    anonymous = hub.anonymous()

    async def beside(query: str) -> tuple[float, float]:
        post = asyncio.ensure_future(timed(anonymous.raw(query)))
        health = await timed(hub.http.get("/healthz"))
        return await post, health

    await beside(chain(3))  # warm up
    small = [await beside(chain(3)) for _ in range(7)]
    large = [await beside(chain(30)) for _ in range(7)]
    ratio = best_of([t for t, _ in large]) / best_of([t for t, _ in small])
    health_ratio = best_of([h for _, h in large]) / best_of([h for _, h in small])
    assert ratio < 10, ratio
    assert health_ratio < 10, health_ratio
    assert (await hub.http.get("/healthz")).json() == {"status": "ok"}


def aliases_over_fragments(count: int) -> str:
    outer = " ".join(
        f"x{i}: communities(first: 1) {{ edges {{ node {{ street {{ ...S }} }} }} }}"
        for i in range(count)
    )
    return f"{{ {outer} }}\nfragment S on Street {{ a: name b: name ... on Street {{ c: name }} }}"


@pytest.mark.parametrize(
    ("query", "refused_for"),
    [
        (chain(12, width=5), "fields"),  # each fragment spreads the next five times
        (chain(30, body="a: __typename"), "fields"),  # aliased fields in every fragment
        # Inside list fields, so the cost multiplies too.
        ("{ communities(first: 100) { edges { node { ...C0 } } } }\n"
         + "\n".join(f"fragment C{i} on Community {{ supporters(first: 100) {{ edges {{ node {{"
                     f" member {{ residenceCommunity {{ ...C{i + 1} ...C{i + 1} }} }} }} }} }} }}"
                     for i in range(12))
         + "\nfragment C12 on Community { name }", "fields"),
        # A fragment of five lists inside a list: 100 + 100 × 5 × 100 = 50,100.
        ("{ communities(first: 100) { edges { node { ...C } } } }\nfragment C on Community { "
         + " ".join(f"s{i}: supporters(first: 100) {{ totalCount }}" for i in range(5)) + " }",
         "cost"),
        # A fragment of three aliases spread under twelve aliases: 12 + 12 × 3 = 48.
        (aliases_over_fragments(12), "aliases"),
        (aliases_over_fragments(6), None),  # 6 + 6 × 3 = 24 runs
    ],
    ids=["five-wide", "aliased", "in-lists", "lists-in-fragment", "aliases-over-fragments",
         "within-limits"],
)  # fmt: skip
async def test_wide_fragment_variants(
    hub: GraphQLClient, query: str, refused_for: str | None
) -> None:
    body = await hub.anonymous().raw(query)
    if refused_for is None:
        assert not body.get("errors"), body
        return
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"QUERY_TOO_COMPLEX"}
    assert any(refused_for in e["extensions"] for e in body["errors"])


async def test_aliases_and_depth_count_through_fragments(hub: GraphQLClient) -> None:
    # 2 × 16 aliases once expanded: over 30, though the document writes 16.
    aliases = " ".join(f"a{i}: __typename" for i in range(16))
    query = f"{{ ...A ...B }} fragment A on Query {{ {aliases} }} fragment B on Query {{ ...A }}"
    error = await hub.error(query)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "aliases": 32, "limit": 30}
    # Inline fragments add no depth; fields inside them do.
    inline = "{" + "... on Query {" * 100 + "__typename" + "}" * 100 + "}"
    assert await hub.query(inline) == {"__typename": "Query"}


async def test_expanded_field_limit_is_a_setting(small_db: DatabasePair) -> None:
    async for client in client_for(small_db, max_expanded_fields=8):
        await client.query(chain(3))  # 8 fields once expanded
        error = await client.error(chain(3) + "\nquery Other { __typename }")
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "fields": 9, "limit": 8}


def repeated(count: int) -> str:
    return "{" + " communities(first: 1) { totalCount }" * count + " }"


async def test_fields_repeating_one_name_are_limited(hub: GraphQLClient) -> None:
    """graphql-core compares every pair of fields answering to one name, and their
    sub-selections: 220 × `communities(first: 1) { totalCount }` (1,982 tokens, under the
    token limit) took hundreds of milliseconds. A pair of those counts 2 + 2 comparisons: 16 of them
    are 120 pairs, 480 comparisons, within the limit of 500; 17 are 136 pairs, 544."""
    data = await hub.query(repeated(16))
    assert data["communities"]["totalCount"] > 0
    error = await hub.error(repeated(17))
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "overlaps": 544, "limit": 500}
    assert error["message"].startswith("查询中同名字段重复过多")
    # Seventeen fragments of the same field (one fragment spread 17 times is compared once).
    spread = (
        "\n".join(
            f"fragment F{i} on Query {{ communities(first: 1) {{ totalCount }} }}"
            for i in range(17)
        )
        + "\n{"
        + "".join(f" ...F{i}" for i in range(17))
    )
    assert (await hub.error(spread + " }"))["extensions"]["overlaps"] == 544
    inline = "{" + " ... on Query { communities(first: 1) { totalCount } }" * 17 + " }"
    assert (await hub.error(inline))["extensions"]["overlaps"] == 544
    assert (await hub.error(repeated(220)))["extensions"]["overlaps"] == 220 * 219 * 2


@pytest.mark.parametrize(
    "query",
    [
        "{ ...Nope }",
        "{ communities(first: 1) { edges { node { ...Nope } } } }",
        "query { ...Nope } fragment Known on Query { ...AlsoNope }",
    ],
)
async def test_unknown_fragments_are_validation_errors(hub: GraphQLClient, query: str) -> None:
    response = await post(hub.anonymous(), {"query": query})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "Unknown fragment" in error["message"]


async def test_fragment_cycles_are_refused(hub: GraphQLClient) -> None:
    cycle = "{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A ...A }"
    error = await hub.error(cycle)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "Cannot spread fragment" in error["message"]


async def test_deep_nesting_is_coded_never_a_server_error(hub: GraphQLClient) -> None:
    fields = "{" + "communities { edges { node { " * 60 + "name" + " } } }" * 60 + "}"
    inline = "{" + "... on Query { " * 250 + "__typename" + " }" * 250 + "}"
    for query in (fields, inline, "{ ...Nope " + "{ a " * 250 + "}"):
        response = await post(hub.anonymous(), {"query": query})
        assert response.status_code == 200, response.text
        (code,) = {e["extensions"]["code"] for e in response.json()["errors"]}
        assert code in {"QUERY_TOO_COMPLEX", "GRAPHQL_PARSE_FAILED"}


# Aggregates and the request's one cost budget.


async def test_aliased_dashboards_are_refused(hub: GraphQLClient) -> None:
    dashboards = " ".join(
        f"d{i}: district(year: 2025) {{ summary {{ members }} }}" for i in range(30)
    )
    error = await hub.error("{ " + dashboards + " }")
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == 30 * 20_000
    # One dashboard is an ordinary query.
    data = await hub.query("{ district(year: 2025) { summary { members } } }")
    assert data["district"]["summary"]["members"] > 0


async def test_a_batch_shares_one_cost_budget(small_db: DatabasePair) -> None:
    async for client in client_for(small_db, max_query_cost=250):
        # Ten operations of 100 each: the first two fit the request's 250, the rest do not.
        batch = [{"query": "{ communities(first: 100) { totalCount } }"}] * 10
        results = (await post(client, batch)).json()
        served = [r for r in results if not r.get("errors")]
        refused = [r["errors"][0] for r in results if r.get("errors")]
        assert len(served) == 2
        assert len(refused) == 8
        assert all(r["data"]["communities"]["totalCount"] > 0 for r in served)
        assert {e["extensions"]["code"] for e in refused} == {"QUERY_TOO_COMPLEX"}
        assert {(e["extensions"]["cost"], e["extensions"]["spent"]) for e in refused} == {
            (100, 200)
        }
        # Each request has its own budget: the next one is served again.
        assert (await post(client, batch[:2])).json()[1]["data"]["communities"]["totalCount"]
        # An operation is charged for the operation of its document that runs: the named
        # one, else (strawberry's choice) the first.
        two = "query Dear { communities(first: 100) { totalCount } } query Cheap { __typename }"
        named = [{"query": two, "operationName": "Cheap"}] * 10
        assert all("errors" not in r for r in (await post(client, named)).json())
        unnamed = [{"query": two}] * 3
        assert sum(1 for r in (await post(client, unnamed)).json() if r.get("errors")) == 1


async def test_a_batch_of_dashboards_gets_one_budget(hub: GraphQLClient) -> None:
    batch = [{"query": "{ district(year: 2025) { summary { members } } }"}] * 10
    results = (await post(hub, batch)).json()
    assert sum(1 for r in results if not r.get("errors")) == 2  # 2 × 20,000 ≤ 50,000
    assert sum(1 for r in results if r.get("errors")) == 8


async def test_a_cached_document_is_still_held_to_every_limit(small_db: DatabasePair) -> None:
    """`DocumentCache`: the second request with the same text skips parsing and validation,
    yet its variables' cost, NUL characters and the request's budget are checked again, and
    an app with stricter limits checks the document under its own."""
    from schema.limits import DOCUMENTS

    async for hub in client_for(small_db):
        DOCUMENTS.clear()
        await hub.query(COSTLY, {"members": 36})
        await hub.query(COSTLY, {"members": 36})
        assert DOCUMENTS.hits >= 1
        hits = DOCUMENTS.hits
        error = await hub.error(COSTLY, {"members": 37})
        assert DOCUMENTS.hits == hits + 1
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 51_350, "limit": 50_000}
        named = """query($name: String) {
          communities(first: 1, filter: { nameContains: $name }) { totalCount } }"""
        await hub.query(named, {"name": "x"})
        error = await hub.error(named, {"name": "a\u0000"})
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "name"}
        deep, many = AT_DEPTH_10, aliased(2)
        for query in (deep, many, tokens(40)):
            await hub.query(query)
        async for strict in client_for(small_db, max_query_depth=3, max_aliases=1):
            assert code_of(await strict.raw(deep)) == "QUERY_TOO_COMPLEX"
            assert code_of(await strict.raw(many)) == "QUERY_TOO_COMPLEX"
        async for short in client_for(small_db, max_tokens=20):
            assert code_of(await short.raw(tokens(40))) == "QUERY_TOO_COMPLEX"
        async for cheap in client_for(small_db, max_query_cost=100):
            query = "{ communities(first: 100) { totalCount } a: communities { totalCount } }"
            await hub.query(query)
            assert (await cheap.error(query))["extensions"]["cost"] == 120
            batch = [{"query": "{ communities(first: 60) { totalCount } }"}] * 3
            results = (await post(cheap, batch)).json()
            assert [bool(r.get("errors")) for r in results] == [False, True, True]
        async for closed in client_for(small_db, introspection=False):
            await hub.query(INTROSPECTION)
            assert code_of(await closed.raw(INTROSPECTION)) == "FORBIDDEN"
        # A document that failed is not kept: it fails the same way again.
        bad = "{ communities(first: 1) { nosuchField } }"
        for _ in range(2):
            assert code_of(await hub.raw(bad)) == "GRAPHQL_VALIDATION_FAILED"
