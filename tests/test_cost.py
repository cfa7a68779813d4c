"""The cost estimate (`schema.cost`) on the hub's schema, without a database."""

from __future__ import annotations

import time
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, specified_rules, validate

from schema.app import build_schema
from schema.cost import cost_rule, estimate_costs


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def cost(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None) -> int:
    (only,) = estimate_costs(schema, parse(query), variables).values()
    return only


def test_the_issue_example(schema: GraphQLSchema) -> None:
    query = """{ communities(first: 40) { edges { node {
        supporters(first: 50) { edges { node { member { name } } } } } } } }"""
    assert cost(schema, query) == 40 + 40 * 50


def test_first_defaults_to_the_page_size(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ communities { totalCount } }") == 20
    query = "{ communities { edges { node { supporters { totalCount } } } } }"
    assert cost(schema, query) == 20 + 20 * 20


def test_fields_that_are_not_lists_cost_nothing(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ __typename }") == 0
    assert cost(schema, '{ community(code: "C1") { name street { name } } }') == 0
    query = '{ community(code: "C1") { supporters(first: 7) { totalCount } } }'
    assert cost(schema, query) == 7


def test_sibling_lists_add_up(schema: GraphQLSchema) -> None:
    query = """{ workUnits(first: 10) { edges { node {
        branches(first: 3) { totalCount } pairedCommunities(first: 4) { totalCount } } } } }"""
    assert cost(schema, query) == 10 + 10 * 3 + 10 * 4


def test_variables_and_their_defaults(schema: GraphQLSchema) -> None:
    query = """query($n: Int, $m: Int = 5) { communities(first: $n) { edges { node {
        supporters(first: $m) { totalCount } } } } }"""
    assert cost(schema, query, {"n": 10}) == 10 + 10 * 5
    assert cost(schema, query, {"n": 10, "m": 2}) == 10 + 10 * 2
    assert cost(schema, query) == 20 + 20 * 5  # $n absent: the argument's default
    assert cost(schema, query, {"n": None}) == 20 + 20 * 5


def test_aliases_count_each_time(schema: GraphQLSchema) -> None:
    query = "{ a: communities(first: 30) { totalCount } b: communities(first: 30) { totalCount } }"
    assert cost(schema, query) == 60


def test_fragments_named_and_inline(schema: GraphQLSchema) -> None:
    query = """{ communities(first: 10) { ...Page } }
    fragment Page on CommunityConnection { edges { node { ...Supporters } } }
    fragment Supporters on Community {
      supporters(first: 3) { totalCount }
      ... on Community { more: supporters(first: 2) { totalCount } }
    }"""
    assert cost(schema, query) == 10 + 10 * 3 + 10 * 2


def test_list_arguments_multiply(schema: GraphQLSchema) -> None:
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Community {
        supporters(first: 10) { totalCount } } } }"""
    assert cost(schema, query, {"ids": ["a", "b", "c"]}) == 3 + 3 * 10
    literal = '{ nodes(ids: ["a", "b"]) { id } }'
    assert cost(schema, literal) == 2


def test_negative_or_odd_values_do_not_lower_the_cost(schema: GraphQLSchema) -> None:
    query = """query($n: Int) { a: communities(first: -100) { totalCount }
        b: communities(first: $n) { totalCount } }"""
    assert cost(schema, query, {"n": "lots"}) == 0 + 20


def test_each_operation_is_costed_on_its_own(schema: GraphQLSchema) -> None:
    document = parse("""
        query Small { communities(first: 1) { totalCount } }
        query Large { communities(first: 100) { totalCount } }""")
    assert estimate_costs(schema, document) == {"Small": 1, "Large": 100}


def test_reused_fragments_are_costed_once(schema: GraphQLSchema) -> None:
    # 2^20 paths through the fragments: costed per fragment, not per path.
    fragments = "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} a{i}: communities(first: 1) {{ totalCount }} "
        f"...F{i + 1} }}"
        for i in range(20)
    )
    query = "{ ...F0 }\n" + fragments + "\nfragment F20 on Query { __typename }"
    started = time.perf_counter()
    assert cost(schema, query) == 2**20 - 1
    assert time.perf_counter() - started < 1


def test_fragment_cycles_end(schema: GraphQLSchema) -> None:
    query = """{ ...A } fragment A on Query { communities(first: 2) { totalCount } ...B }
    fragment B on Query { ...A }"""
    assert cost(schema, query) == 2  # validation rejects the cycle; the estimate ends


def test_unknown_fields_are_left_to_validation(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ noSuchField(first: 100) { x } __schema { types { name } } }") == 0


def test_the_rule_reports_cost_and_limit(schema: GraphQLSchema) -> None:
    document = parse("query Q($n: Int!) { communities(first: $n) { totalCount } }")
    rules = [*specified_rules, cost_rule(50, {"n": 50})]
    assert validate(schema, document, rules) == []
    (error,) = validate(schema, document, [*specified_rules, cost_rule(50, {"n": 51})])
    assert error.extensions == {"code": "QUERY_TOO_COMPLEX", "cost": 51, "limit": 50}
    assert error.message.startswith("查询过于复杂")
    assert error.locations is not None
    assert error.locations[0].line == 1
