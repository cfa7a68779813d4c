"""Injection-shaped strings in every string filter of every root list: data, never SQL.

The filters are found by walking the schema, so a filter added later is covered too.
"""

from __future__ import annotations

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)

from schema import bounds
from schema.app import build_schema
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

HOSTILE = [
    "' OR '1'='1",
    "'; DROP TABLE members; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1; SELECT pg_sleep(5)",
    "M000001' UNION SELECT code FROM members --",
    "\x00",
]


def _unwrap(type_: object) -> object:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def string_filters() -> list[tuple[str, str, bool]]:
    """(root field, filter field, is a list) for every String in a root list's filter."""
    schema = build_schema()._schema
    query = schema.query_type
    assert isinstance(query, GraphQLObjectType)
    found = []
    for name, field in query.fields.items():
        filter_arg = field.args.get("filter")
        if filter_arg is None:
            continue
        filter_type = _unwrap(filter_arg.type)
        assert isinstance(filter_type, GraphQLInputObjectType)
        for input_name, input_field in filter_type.fields.items():
            inner = _unwrap(input_field.type)
            if isinstance(inner, GraphQLScalarType) and inner.name == "String":
                is_list = isinstance(
                    input_field.type.of_type
                    if isinstance(input_field.type, GraphQLNonNull)
                    else input_field.type,
                    GraphQLList,
                )
                found.append((name, input_name, is_list))
    return found


# Values for the required arguments a filtered list has besides its filter (a yearly list).
REQUIRED_VALUES = {"year": "2025"}


def _required_args(root: str) -> dict[str, str]:
    query = build_schema()._schema.query_type
    assert isinstance(query, GraphQLObjectType)
    args = query.fields[root].args
    return {
        name: REQUIRED_VALUES[name]
        for name, arg in args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    }


def test_the_walk_finds_the_filters() -> None:
    fields = {(root, name) for root, name, _ in string_filters()}
    assert ("members", "nameContains") in fields
    assert ("members", "codes") in fields
    assert ("auditEvents", "targetId") in fields
    assert len(fields) >= 20


async def test_every_string_filter_treats_hostile_input_as_data(small_db: DatabasePair) -> None:
    # Some 250 requests in a row: this client is not the rate limiter's subject.
    async for client in client_for(small_db, rate_limit_per_ip="", rate_limit_per_token=""):
        await _check_every_filter(client)


async def _check_every_filter(client: GraphQLClient) -> None:
    failures = []
    for root, name, is_list in string_filters():
        extra = "".join(f"{arg}: {value}, " for arg, value in _required_args(root).items())
        query = f"query($v: {'[String!]' if is_list else 'String'}) {{ {root}({extra}filter: {{{name}: $v}}) {{ totalCount }} }}"
        for hostile in HOSTILE:
            body = await client.raw(query, {"v": [hostile] if is_list else hostile})
            errors = body.get("errors") or []
            if errors:
                codes = [e.get("extensions", {}).get("code") for e in errors]
                # Only NUL is refused (see schema.input_guard), and a string longer than
                # its field takes (schema.bounds: no code is that long); the rest is data.
                refusable = hostile == "\x00" or len(hostile) > bounds.effective_length(name, None)
                if not refusable or codes != ["BAD_USER_INPUT"]:
                    failures.append((root, name, hostile, codes))
                continue
            if hostile == "\x00":
                failures.append((root, name, "NUL accepted", body["data"]))
            if body["data"][root]["totalCount"] != 0:
                failures.append((root, name, hostile, body["data"][root]["totalCount"]))
    assert failures == []
    # The tables are all still there and answer.
    data = await client.query("{ members(first: 0) { totalCount } }")
    assert data["members"]["totalCount"] > 0
