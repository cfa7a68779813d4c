"""The cost estimate (`schema.cost`) and the document checks (`schema.limits`) on the hub's
schema, without a database."""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Iterator
from types import CodeType, FunctionType, ModuleType
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    GraphQLSchema,
    SelectionSetNode,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.language import Visitor

from schema.app import build_schema
from schema.cost import AGGREGATE_COSTS, CostEstimator, cost_rule, estimate_costs
from schema.limits import RequestLimits
from schema.shape import ShapeMeter


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


def selection_sets(document: DocumentNode) -> int:
    found = 0

    class Count(Visitor):
        def enter_selection_set(self, *_args: Any) -> None:
            nonlocal found
            found += 1

    visit(document, Count())
    return found


class CountingEstimator(CostEstimator):
    visits = 0

    def _selections(self, selection_set: SelectionSetNode, parent: Any) -> int:
        self.visits += 1
        return super()._selections(selection_set, parent)


class CountingMeter(ShapeMeter):
    visits = 0

    def selection_set(self, selection_set: SelectionSetNode) -> Any:
        CountingMeter.visits += 1
        return super().selection_set(selection_set)


def test_reused_fragments_are_costed_once(schema: GraphQLSchema) -> None:
    # 2^20 paths through the fragments: costed per fragment, not per path, so the
    # estimate visits each selection set of the document once.
    fragments = "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} a{i}: communities(first: 1) {{ totalCount }} "
        f"...F{i + 1} }}"
        for i in range(20)
    )
    query = "{ ...F0 }\n" + fragments + "\nfragment F20 on Query { __typename }"
    assert cost(schema, query) == 2**20 - 1
    document = parse(query)
    (operation,) = [d for d in document.definitions if d.kind == "operation_definition"]
    estimator = CountingEstimator(schema, document)
    estimator.operation(operation)  # type: ignore[arg-type]
    assert estimator.visits == selection_sets(document)


def test_fragments_are_costed_once_for_all_operations(schema: GraphQLSchema) -> None:
    # Operations with their own defaults share the fragment costs: with the largest default
    # a fragment's variable has in any of them (an upper bound), still each set once.
    operations = "\n".join(f"query Q{i}($n: Int = {i}) {{ ...F }}" for i in range(1, 101))
    query = operations + "\nfragment F on Query { communities(first: $n) { totalCount } }"
    document = parse(query)
    estimator = CountingEstimator(schema, document)
    costs = [estimator.operation(op) for op in document.definitions[:100]]  # type: ignore[arg-type]
    assert costs == [100] * 100
    assert estimator.visits == selection_sets(document)
    # Variables the request sends are exact; one operation's defaults are exact.
    assert estimate_costs(schema, document, {"n": 3})["Q7"] == 3
    single = (
        "query($n: Int = 7) { ...F } fragment F on Query { communities(first: $n) { totalCount } }"
    )
    assert cost(schema, single) == 7


def chain(levels: int, width: int = 2) -> str:
    fragments = "\n".join(
        f"fragment F{i} on Query {{ {' '.join([f'...F{i + 1}'] * width)} }}" for i in range(levels)
    )
    return f"{{ ...F0 }}\n{fragments}\nfragment F{levels} on Query {{ __typename }}"


@pytest.mark.parametrize("width", [2, 5])
def test_every_fragment_is_measured_once(width: int) -> None:
    for levels in (3, 30, 200):
        document = parse(chain(levels, width), max_tokens=100_000)
        CountingMeter.visits = 0
        CountingMeter(document).selection_set(document.definitions[0].selection_set)  # type: ignore[attr-defined]
        assert CountingMeter.visits == selection_sets(document) == levels + 2


def vet(schema: GraphQLSchema, query: str) -> list[Any]:
    """What the hub does before executing: parse, the limits' checks, then graphql-core's
    specified rules only for a document the checks let by."""
    limits = RequestLimits()
    document = parse(query, max_tokens=limits.max_tokens)
    errors, _ = limits.check(schema, document)
    return errors or validate(schema, document, specified_rules)


def best_time(schema: GraphQLSchema, query: str, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        vet(schema, query)
        times.append(time.perf_counter() - started)
    return min(times)


def ordinary(tokens: int) -> str:
    """A valid document of `tokens` tokens: one field, a long list argument."""
    values = " ".join(["FULL"] * (tokens - 19))
    return f"{{ members(first: 1, filter: {{ politicalStatuses: [{values}] }}) {{ totalCount }} }}"


def test_checks_take_time_linear_in_the_document(schema: GraphQLSchema) -> None:
    """Ratios, not times. A chain of 30 fragments each spreading the next twice (2^30
    paths) or five times takes about as long to vet as a chain of 3; a chain of 200
    fragments, or 220 fields of one name (which graphql-core compares pairwise), about as
    long as an ordinary document of the same number of tokens."""
    assert vet(schema, ordinary(1_990)) == []
    best_time(schema, chain(3))  # warm up
    small = best_time(schema, chain(3))
    for query in (chain(30), chain(30, width=5)):
        assert best_time(schema, query) / small < 10
    same_size = best_time(schema, ordinary(1_990))
    repeated = "{" + " communities(first: 1) { totalCount }" * 220 + " }"  # 1,982 tokens
    for query in (chain(200, width=1), repeated):
        assert best_time(schema, query) / same_size < 5


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


# Aggregates: a field that runs grouped statements or the appraisal rules over many members
# declares its cost in `schema.cost.AGGREGATE_COSTS`.

_PROJECT = ("schema.", "resolvers.", "datasources.")
# The datasources' grouped figures of members, reached as `<side>.performance`.
_AGGREGATE_MODULES = {"datasources.community.performance", "datasources.units.performance"}


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from _code_objects(constant)


def _reaches_aggregate(resolver: FunctionType) -> list[str] | None:
    """The call path by which `resolver` reaches an aggregate, followed statically through
    the project's functions (globals, module and class attributes, imports inside
    functions); None when it reaches none.

    An aggregate is a statement with GROUP BY or an aggregate function (`func.count`,
    `func.sum`, `func.avg`), or the sides' performance figures (`ctx.units.performance`,
    `ctx.community.performance`). Per-key loaders reached through the context (one
    grouped statement per page of parents) are paid by the list they hang from.
    """
    seen: set[FunctionType] = set()
    pending: list[tuple[Any, list[str]]] = [(resolver, [])]
    while pending:
        function, path = pending.pop()
        function = inspect.unwrap(function)
        if not isinstance(function, FunctionType) or function in seen:
            continue
        seen.add(function)
        if not function.__module__.startswith(_PROJECT):
            continue
        path = [*path, f"{function.__module__}.{function.__qualname__}"]
        if function.__module__ in _AGGREGATE_MODULES:
            return path
        names = {name for code in _code_objects(function.__code__) for name in code.co_names}
        if "group_by" in names or ("func" in names and names & {"count", "sum", "avg"}):
            return path
        if "performance" in names and names & {"community", "units"}:
            return path
        for name in names:
            value = function.__globals__.get(name)
            if value is None and name.startswith(_PROJECT):
                value = sys.modules.get(name)  # `from schema.x import y` inside a function
            if isinstance(value, ModuleType):
                found = [getattr(value, attribute, None) for attribute in names]
            elif isinstance(value, type):
                members = [value.__dict__.get(attribute) for attribute in names]
                found = [getattr(member, "__func__", member) for member in members]
            else:
                found = [value]
            pending.extend((item, path) for item in found if isinstance(item, FunctionType))
    return None


def _resolved_fields(schema: GraphQLSchema) -> Iterator[tuple[str, FunctionType]]:
    for type_ in schema.type_map.values():
        if type_.name == "Mutation":  # mutations run one by one, each in a transaction
            continue
        for name, field in (getattr(type_, "fields", None) or {}).items():
            definition = (field.extensions or {}).get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            if resolver is not None:
                yield f"{type_.name}.{name}", resolver.wrapped_func


def test_every_aggregate_declares_its_cost(schema: GraphQLSchema) -> None:
    undeclared = {
        field: " -> ".join(path)
        for field, resolver in _resolved_fields(schema)
        if (path := _reaches_aggregate(resolver)) is not None and field not in AGGREGATE_COSTS
    }
    assert not undeclared, f"declare their cost in schema.cost.AGGREGATE_COSTS: {undeclared}"


def test_the_walk_finds_the_known_aggregates(schema: GraphQLSchema) -> None:
    found = {f for f, r in _resolved_fields(schema) if _reaches_aggregate(r) is not None}
    assert {
        "Query.district",
        "WorkUnit.performanceSummary",
        "PartyBranch.performanceSummary",
        "Community.supporterSummary",
        "Member.performance",
    } <= found
    assert "Query.communities" not in found
    assert "Community.name" not in found


def test_declared_costs_name_fields_of_the_schema(schema: GraphQLSchema) -> None:
    for declared in AGGREGATE_COSTS:
        type_name, field = declared.split(".")
        assert field in getattr(schema.type_map[type_name], "fields", {}), declared


def test_aggregates_cost_what_they_judge(schema: GraphQLSchema) -> None:
    assert cost(schema, "{ district(year: 2025) { year } }") == 20_000
    dashboards = " ".join(f"d{i}: district(year: 2025) {{ year }}" for i in range(30))
    assert cost(schema, "{ " + dashboards + " }") == 600_000
    # Inside a list, an aggregate is paid for each item.
    units = (
        "{ workUnits(first: 20) { edges { node { performanceSummary(year: 2025) { members } } } } }"
    )
    assert cost(schema, units) == 20 + 20 * 1_000


README_BRANCH_PAGE = """query {
  partyBranch(code: "B00001") {
    performanceSummary(year: 2025) {
      members reported compliant redFlagEligible redFlagReason
      nonCompliant(first: 20) { edges { node { member { name } unmetText } } }
    }
    members(first: 20) { edges { node { name performance(year: 2025) {
      reporting { reportedOn onTime daysLate community { name } }
      orders { count hours averageRating recordIds }
      activities { count hours } posts { count } wishes { count }
      points { earned spent reversed balance }
      compliance { compliant rules { name met detail } }
      appraisalCeiling } } } }
  }
}"""

DASHBOARD = """{ district(year: 2025) { year summary { members reported reportingRate }
  reportingByUnit { rank rate unit { name } } communityRanking { rank hours community { name } }
  redFlagBranches(first: 20) { edges { node { branch { name } } } }
  ineligibleBranches(first: 20) { edges { node { reason branch { name } } } } } }"""


@pytest.mark.parametrize("query", [README_BRANCH_PAGE, DASHBOARD], ids=["branch", "dashboard"])
def test_ordinary_pages_stay_within_the_limits(schema: GraphQLSchema, query: str) -> None:
    errors, _ = RequestLimits().check(schema, parse(query))
    assert errors == []


def test_strawberry_skips_validation_after_a_refusal() -> None:
    """`QueryLimits.on_validate` refuses a document by setting `pre_execution_errors`
    before graphql-core's rules run; strawberry then skips them (a private behaviour)."""
    from strawberry.schema import schema as strawberry_schema

    source = inspect.getsource(strawberry_schema._run_validation)
    assert "execution_context.pre_execution_errors is None" in source
    hub = build_schema()
    assert any(type(e).__name__ == "QueryLimits" for e in hub.get_extensions())


async def test_a_refused_document_never_reaches_the_specified_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import strawberry.schema.schema as strawberry_schema

    ran: list[object] = []
    original = strawberry_schema.validate_document

    def spy(*args: Any) -> Any:
        ran.append(args)
        return original(*args)

    monkeypatch.setattr(strawberry_schema, "validate_document", spy)
    hub = build_schema()
    refused = await hub.execute(chain(25))
    assert refused.errors is not None
    assert refused.errors[0].extensions == {
        "code": "QUERY_TOO_COMPLEX",
        "fields": 2**25,
        "limit": 2_000,
    }
    assert ran == []
    assert (await hub.execute(chain(2))).data == {"__typename": "Query"}
    assert len(ran) == 1
