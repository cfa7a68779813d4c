"""Generated queries, sent as each role: never a server error, never a person out of scope.

hypothesis-graphql writes random valid queries over the whole schema (any root field,
any nesting, any arguments, `_entities` with member codes in and out of scope). Whatever
it asks, a response may only name members the role is allowed to see, and only show phone
numbers to roles that may see them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from schema.app import build_schema
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.test_access import matrix
from tests.world import World, load_world

MEMBER_CODE = re.compile(r"\bM\d{6}\b")
PHONE = re.compile(r"\b1[3-9]\d{9}\b")


def _any_node(value: dict[str, str]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=nodes.String(v))
            for k, v in value.items()
        ]
    )


def strategy(member_codes: list[str]) -> st.SearchStrategy[object]:
    representation = st.fixed_dictionaries(
        {
            "__typename": st.sampled_from(["Member", "WorkUnit", "Community", "PartyBranch"]),
            "code": st.sampled_from([*member_codes, "U0001", "C001", "B00001", "NOPE"]),
        }
    )
    return queries(
        build_schema()._schema,
        custom_scalars={
            "_Any": representation.map(_any_node),
            "Date": st.dates().map(nodes.String),
            "DateTime": st.datetimes().map(lambda d: nodes.String(d.isoformat() + "Z")),
            "Decimal": st.decimals(allow_nan=False, allow_infinity=False).map(nodes.String),
            "GlobalID": st.sampled_from(["TWVtYmVyOjE=", "Q29tbXVuaXR5OjE=", "bad"]).map(
                nodes.String
            ),
        },
    )


class Runner:
    """One event loop and one app for all examples of a test (hypothesis calls are sync)."""

    def __init__(self, pair: DatabasePair) -> None:
        self.loop = asyncio.new_event_loop()
        self._clients = client_for(pair)
        self.hub: GraphQLClient = self.loop.run_until_complete(anext(self._clients))
        self.world: World = self.loop.run_until_complete(load_world(pair))

    def ask(self, client: GraphQLClient, query: str) -> dict[str, Any]:
        return self.loop.run_until_complete(client.raw(query))

    def close(self) -> None:
        # Work a failed request abandoned (sibling fields) must finish before engines go.
        pending = asyncio.all_tasks(self.loop)
        if pending:  # gather() of nothing would look for a current loop, which this is not
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self._clients.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabasePair]:
    """SQLite only: the policies are the same SQL on PostgreSQL, tested there elsewhere."""
    with seeded_pair("sqlite", tmp_path_factory, SMALL, "fuzz") as pair:
        yield pair


@pytest.fixture
def runner(fuzz_db: DatabasePair) -> Iterator[Runner]:
    running = Runner(fuzz_db)
    try:
        yield running
    finally:
        running.close()


@pytest.mark.parametrize("name", ["community", "grid", "unit", "member", "resident", "anonymous"])
def test_generated_queries_stay_in_scope(runner: Runner, name: str) -> None:
    world = runner.world
    if name == "anonymous":
        client, allowed = runner.hub.anonymous(), set()
    else:
        case = matrix(world)[name]
        client, allowed = runner.hub.as_viewer(case.role, case.subject, **case.scope), case.members
    strangers = sorted(set(world.member_unit) - allowed)[:20]
    sees_phones = name in ("community", "grid", "unit", "member")

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    @given(query=strategy(sorted(allowed)[:5] + strangers))
    def check(query: str) -> None:
        body = runner.ask(client, query)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        assert "INTERNAL_SERVER_ERROR" not in codes, (query, body)
        text = str(body.get("data"))
        leaked = set(MEMBER_CODE.findall(text)) - allowed
        assert not leaked, (query, leaked)
        if not sees_phones:
            assert not PHONE.findall(text), query

    check()
