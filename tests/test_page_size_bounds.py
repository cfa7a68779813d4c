"""One rule for every count of items to return: `first` on connections and every `top`-like
argument (`supporterSummary(top:)`, `district(top:)`, `suggestedSupporters(first:)`) are
bounded by the deployment's page size cap through schema/bounds.py, and a value over it is
refused with the same code, `BAD_USER_INPUT`, never silently cut to the cap."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType

from schema import bounds
from schema.app import build_schema
from tests.client import GraphQLClient

# Arguments that say how many items to return (列出条数), by name.
COUNT_NAMES = {"first", "top", "last", "limit"}


def _count_arguments() -> list[tuple[str, str, Any]]:
    schema = build_schema()._schema
    found = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field_name, field in type_.fields.items():
            for name, argument in field.args.items():
                if name in COUNT_NAMES:
                    found.append((f"{type_.name}.{field_name}", name, argument))
    return found


def test_every_count_argument_has_the_page_size_bound() -> None:
    found = _count_arguments()
    tops = {where for where, name, _ in found if name == "top"}
    assert {"Community.supporterSummary", "Query.district"} <= tops
    wrong = [
        f"{where}({name})"
        for where, name, argument in found
        if not ((bound := bounds.declared_on(argument)) and bound.page_cap)
    ]
    assert wrong == []


# Every `top`-like argument that is not a connection's `first`, reached through the API.
TOPS = {
    "supporterSummary(top:)": """query($n: Int!) { community(code: "C001") {
        supporterSummary(year: 2025, top: $n) { year } } }""",
    "district(top:)": """query($n: Int!) { district(year: 2025, top: $n) { year } }""",
    "suggestedSupporters(first:)": """query($n: Int!) { demandItems(first: 1) { edges { node {
        suggestedSupporters(first: $n) { score } } } } }""",
    "communities(first:)": """query($n: Int!) { communities(first: $n) { totalCount } }""",
    "WorkUnit.members(first:)": """query($n: Int!) { workUnits(first: 1) { edges { node {
        members(first: $n) { totalCount } } } } }""",
}


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


@pytest.mark.parametrize("query", TOPS.values(), ids=list(TOPS))
async def test_a_count_over_the_cap_is_refused_with_one_code(
    client: GraphQLClient, query: str
) -> None:
    # (A list asked for 2**31 - 1 items is refused earlier, before any resolver, by the
    # cost guard: QUERY_TOO_COMPLEX. Values a cost estimate admits meet this rule.)
    for n in (101, 1000, -1):
        body = await client.raw(query, {"n": n})
        assert _codes(body) == ["BAD_USER_INPUT"], (n, body)
        assert "between 0 and 100" in body["errors"][0]["message"]
    at_cap = await client.raw(query, {"n": 100})
    assert _codes(at_cap) == [], at_cap


@pytest.mark.parametrize("name", ["supporterSummary(top:)", "district(top:)"])
async def test_a_huge_top_is_refused_not_cut(client: GraphQLClient, name: str) -> None:
    body = await client.raw(TOPS[name], {"n": 2**31 - 1})
    assert _codes(body) == ["BAD_USER_INPUT"], body


async def test_the_cap_follows_the_deployment(client: GraphQLClient) -> None:
    """The bound reads the request's page size cap (`DUALHUB_MAX_PAGE_SIZE`), not a constant."""
    from schema.bounds import _PAGE_CAP, _page_check

    check = _page_check()
    token = _PAGE_CAP.set(20)
    try:
        check(20, "top")
        with pytest.raises(bounds.OutOfBounds, match="between 0 and 20"):
            check(21, "top")
    finally:
        _PAGE_CAP.reset(token)
