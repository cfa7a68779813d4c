"""The leaf fast path (`schema.executor`) answers exactly as graphql-core's own execution.

Two apps over the same databases, one with `leaf_fast_path` on and one with it off, get the
same requests; every response must be byte-for-byte the same JSON. The requests are
* the corpus of query documents the test suite sends (`tests/fast_path_corpus.json`,
  recorded through `tests/client.py`; refresh it as `tests/fast_path_corpus.py` says), and
* a query per root field of the schema that needs no argument, selecting every leaf field
  without arguments of its type, of its connection's nodes and of the objects those hold,
  two levels down: members, branches, performance, timelines, dashboards, orders, with
  their nulls and errors.
Mutations are not replayed (the second run would read what the first one changed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)

from schema.app import build_schema
from schema.executor import HubExecutionContext
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair
from tests.fast_path_corpus import load


def _needs_arguments(field: GraphQLField) -> bool:
    from graphql import Undefined

    return any(
        isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
        for a in field.args.values()
    )


def _selection(type_: GraphQLNamedType, depth: int) -> str | None:
    if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
        return None
    parts = []
    for name, field in type_.fields.items():
        named = get_named_type(field.type)
        if is_leaf_type(named):
            if not field.args:
                parts.append(name)
        elif depth > 0 and not _needs_arguments(field):
            inner = _selection(named, depth - 1)
            if inner:
                parts.append(f"{name} {inner}")
    if isinstance(type_, GraphQLInterfaceType):
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }" if parts else None


def wide_queries() -> list[str]:
    """One query per root field that needs no argument, every plain leaf two levels down."""
    schema = build_schema()._schema
    assert schema.query_type is not None
    queries = []
    for name, field in schema.query_type.fields.items():
        if name.startswith("_") or _needs_arguments(field):
            continue
        selection = _selection(get_named_type(field.type), 3)
        if selection:
            arguments = "(first: 5)" if "first" in field.args else ""
            queries.append(f"{{ {name}{arguments} {selection} }}")
    return queries


@pytest.fixture
async def pair(small_db: DatabasePair) -> AsyncIterator[tuple[GraphQLClient, GraphQLClient]]:
    async for fast in client_for(small_db):
        async for slow in client_for(small_db, leaf_fast_path=False):
            yield fast, slow


async def _same(pair: tuple[GraphQLClient, GraphQLClient], query: str, variables: Any) -> bool:
    fast, slow = pair
    one = await fast.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=fast.headers
    )
    two = await slow.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=slow.headers
    )
    assert one.status_code == two.status_code, query
    first, second = _stable(one.json()), _stable(two.json())
    assert first == second, f"fast path differs on {query} {variables}: {first!r} {second!r}"
    return b'"errors"' not in first


def _stable(body: Any) -> bytes:
    """The response without what differs between two requests by design: request ids, and
    the statement counts (`DUALHUB_DEBUG_SQL`): loaders on concurrent sessions batch by
    which statement returns first, so one query runs 11 or 12 statements either way."""
    (body.get("extensions") or {}).pop("sqlStatements", None)
    for error in body.get("errors") or []:
        (error.get("extensions") or {}).pop("requestId", None)
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def test_the_hub_executes_with_the_fast_path() -> None:
    assert build_schema().execution_context_class is HubExecutionContext


async def test_corpus_answers_the_same(
    pair: tuple[GraphQLClient, GraphQLClient], fast_objects: list[int]
) -> None:
    corpus = load()
    assert len(corpus) >= 90
    for entry in corpus:
        await _same(pair, entry["query"], entry["variables"])
    assert fast_objects[0] >= 100


async def test_wide_queries_answer_the_same(
    pair: tuple[GraphQLClient, GraphQLClient], fast_objects: list[int]
) -> None:
    queries = wide_queries()
    assert len(queries) >= 20
    served = [query for query in queries if await _same(pair, query, None)]
    # Most of them are served: the comparison is not only between two errors.
    assert len(served) >= len(queries) // 2, (len(served), len(queries))
    assert fast_objects[0] >= 100
    print(f"{len(queries)} wide queries, {len(served)} served, {fast_objects[0]} fast objects")
