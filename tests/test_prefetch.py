"""A page's joins prefetched (`schema.prefetch`): the same answers and statements as
resolving each node's join on its own, with no awaitable per node for a prefetched field."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from schema import pagination, prefetch
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

PAGE = """{ members(first: 30) { edges { node { code
  ...on Member { branch { code name } } unit { code name }
  report { reportedOn community { code name } } } } } }"""


@pytest.fixture
async def client(small_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for one in client_for(small_db):
        yield one


async def _post(client: GraphQLClient) -> dict[str, Any]:
    response = await client.http.post("/graphql", json={"query": PAGE}, headers=client.headers)
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def test_a_prefetched_page_answers_as_one_resolved_node_by_node(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = prefetch._later
    waited: list[int] = []

    def counting(pending: Any, convert: Any) -> Any:
        waited.append(1)
        return later(pending, convert)

    monkeypatch.setattr(prefetch, "_later", counting)
    prefetched = await _post(client)
    assert waited == []  # every join found its value in its loader
    reported = [e["node"] for e in prefetched["data"]["members"]["edges"] if e["node"]["report"]]
    assert reported
    assert all(n["report"]["community"]["code"] for n in reported)

    async def nothing(*_: Any) -> None:
        return None

    monkeypatch.setattr(pagination, "prefetch_page", nothing)
    one_by_one = await _post(client)
    assert len(waited) >= 3 * 30  # branch, unit and report of each member awaited
    assert prefetched["data"] == one_by_one["data"]
    # The same batches: a prefetch loads through the fields' own loaders and keys.
    assert prefetched["extensions"]["sqlStatements"] == one_by_one["extensions"]["sqlStatements"]


async def test_a_failed_prefetch_raises_at_the_field(
    client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datasources.community.loaders import CommunityLoaders

    async def failing(self: Any, keys: list[Any]) -> list[Any]:
        raise RuntimeError("community side down")

    original = CommunityLoaders.__getattr__

    def patched(self: Any, name: str) -> Any:
        loader = original(self, name)
        if name == "active_report_by_member_code":
            loader.load_fn = lambda keys: failing(self, keys)
        return loader

    monkeypatch.setattr(CommunityLoaders, "__getattr__", patched)
    response = await client.http.post("/graphql", json={"query": PAGE}, headers=client.headers)
    body = response.json()
    assert body["errors"], body
    assert {tuple(e["path"][-1:]) for e in body["errors"]} == {("report",)}
    # Everything else of the page is there.
    assert all(e["node"]["unit"]["code"] for e in body["data"]["members"]["edges"])


async def test_a_page_of_other_nodes_over_members_runs_no_member_prefetch(
    client: GraphQLClient,
) -> None:
    """A list whose rows are members but whose nodes are not (the three evaluations):
    `branch` there is its own field, not the member's join."""
    body = await client.raw(
        "{ memberThreeEvaluations(year: 2025, first: 5) { edges { node { member { code } branch { code } } } } }"
    )
    assert "errors" not in body, body
