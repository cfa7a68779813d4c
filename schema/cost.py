"""A cost estimate of a GraphQL operation: list sizes multiplied through nesting.

A list field costs one unit per item it may return, times the items of every list it is
nested in, summed over the operation:

    communities(first: 40) { edges { node { supporters(first: 50) { totalCount } } } }

costs 40 + 40 × 50 = 2,040. What counts as a list:

* a connection field, i.e. one with a `first` argument: `first` as written, or from the
  request's variables, or from the variable's default, else the argument's own default
  (20, `DEFAULT_PAGE_SIZE`);
* a list field without `first` but with a list argument, such as `nodes(ids: [...])`:
  the length of that list.

A field that runs an aggregate (a grouped statement, or the appraisal rules over many
members) costs what `AGGREGATE_COSTS` declares for it: about the number of rows it judges,
so thirty aliased district dashboards cost 30 × 20,000 and are refused. The declared cost
adds to what the field's own selection costs, and is multiplied by the lists around it
like any other. `tests/test_cost.py` walks the schema and fails when a field that reaches
an aggregate has no declaration here.

Every other field costs nothing and multiplies by one (a plain list such as a project's
`parties` is bounded by the data, not by the client). Fragments are followed, with the
type condition they declare; aliases count like the fields they rename, so asking for
the same connection twice costs twice. Each fragment is costed once per document (after
the fragments it spreads, without recursion), and its cost reused wherever it is spread,
so estimating takes time linear in the document however often its fragments are spread.
A variable inside a fragment that the request does not send takes the largest default
any operation of the document gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.language import SKIP, VisitorAction

from schema.errors import ErrorCode
from schema.pagination import DEFAULT_PAGE_SIZE
from schema.shape import CEILING, fragment_order, fragments_of, operations_of

DEFAULT_MAX_COST = 50_000

# What an aggregate judges, in rows, for a district (区) of some 20,000 members.
DISTRICT_MEMBERS = 20_000
UNIT_MEMBERS = 1_000  # a work unit (单位)
COMMUNITY_SUPPORTERS = 500  # members reported to a community (社区), and their records
BRANCH_MEMBERS = 100  # a Party branch (党支部)
MEMBER_RECORDS = 10  # one member's records of a year, of seven kinds
LOOKUP = 1  # one small statement

AGGREGATE_COSTS: Mapping[str, int] = MappingProxyType(
    {
        "Query.district": DISTRICT_MEMBERS,
        "WorkUnit.performanceSummary": UNIT_MEMBERS,
        "Community.supporterSummary": COMMUNITY_SUPPORTERS,
        "PartyBranch.performanceSummary": BRANCH_MEMBERS,
        "Member.performance": MEMBER_RECORDS,
        "NonCompliantMember.performance": MEMBER_RECORDS,
        "CountFigure.recordIds": MEMBER_RECORDS,
        "ServiceFigure.recordIds": MEMBER_RECORDS,
        "PointsFigure.recordIds": MEMBER_RECORDS,
        "CommitmentsFigure.recordIds": MEMBER_RECORDS,
        "MemberPerformance.commitments": MEMBER_RECORDS,
        "CommendationsFigure.recordIds": MEMBER_RECORDS,
        "MemberPerformance.commendations": MEMBER_RECORDS,
        "Query.appraisalPolicy": LOOKUP,
        # The viewer's own feed (消息, 通知公告): one addressee's rows, counted by an index.
        "ViewerInfo.notifications": MEMBER_RECORDS,
        "ViewerInfo.unreadCount": LOOKUP,
        "ViewerInfo.notices": MEMBER_RECORDS,
        "ViewerInfo.publishedNotices": MEMBER_RECORDS,
        # A notice's readers and audience, counted for a whole page of notices in one
        # grouped statement: what a branch costs, per notice.
        "Notice.readCount": BRANCH_MEMBERS,
        "Notice.audienceCount": BRANCH_MEMBERS,
        "AppraisalPolicy.history": LOOKUP,
        # A resident's or child's ledger summed (居民积分): one account's entries, by index.
        "ResidentVolunteer.totals": MEMBER_RECORDS,
        # A page of members loads the figures its nodes' `performance(year)` asks for, in
        # one batch: the work is `Member.performance`'s, multiplied by the page.
        "WorkUnit.members": 0,
        "PartyBranch.members": 0,
    }
)


def estimate_costs(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    *,
    default_page_size: int = DEFAULT_PAGE_SIZE,
    weights: Mapping[str, int] = AGGREGATE_COSTS,
) -> dict[str | None, int]:
    """The estimated cost of each operation of `document`, by operation name."""
    estimator = CostEstimator(
        schema, document, variables, default_page_size=default_page_size, weights=weights
    )
    return {
        (definition.name.value if definition.name else None): estimator.operation(definition)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


class CostEstimator:
    """Costs the operations of one document with one request's variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None = None,
        *,
        default_page_size: int = DEFAULT_PAGE_SIZE,
        weights: Mapping[str, int] = AGGREGATE_COSTS,
    ) -> None:
        self.schema = schema
        self.variables: Mapping[str, Any] = variables or {}
        self.default_page_size = default_page_size
        self.weights = weights
        self.fragments = fragments_of(document)
        self._operations = operations_of(document)
        self._defaults: dict[str, ValueNode] = {}
        self._memo: dict[str, int] | None = None

    def operation(self, operation: OperationDefinitionNode) -> int:
        if self._memo is None:
            self._memo = self._fragment_costs()
        self._defaults = _defaults_of(operation)
        root = self.schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, root)

    def _fragment_costs(self) -> dict[str, int]:
        """Each fragment's cost, once for the document: each after the fragments it spreads.

        A fragment's `first: $n` takes the request's value, else the largest default any
        operation gives `$n`: exact for one operation (or operations that agree), an upper
        bound otherwise, and never a fragment costed again per operation.
        """
        self._memo = {}
        for operation in self._operations:
            for name, default in _defaults_of(operation).items():
                known = self._defaults.get(name)
                if known is None or _size_of(self._value(default)) > _size_of(self._value(known)):
                    self._defaults[name] = default
        for name in fragment_order(self.fragments):
            fragment = self.fragments[name]
            target = self.schema.get_type(fragment.type_condition.name.value)
            self._memo[name] = self._selections(fragment.selection_set, target)
        return self._memo

    def _selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selections(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                # Unknown, or the spread closing a cycle: 0, and validation refuses it.
                total += (self._memo or {}).get(selection.name.value, 0)
        return min(total, CEILING)

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0  # __typename, introspection, or a field validation rejects
        inner = 0
        if node.selection_set is not None:
            inner = self._selections(node.selection_set, get_named_type(definition.type))
        size = self._size(node, definition)
        weight = self.weights.get(f"{parent.name}.{node.name.value}", 0)
        cost = inner + weight if size is None else size * (1 + inner) + weight
        return min(cost, CEILING)

    def _size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """How many items the field may return, or None if it is not a list to count."""
        if "first" in definition.args:
            first = self._argument(node, "first")
            if isinstance(first, int) and not isinstance(first, bool):
                return max(first, 0)
            default = definition.args["first"].default_value
            if isinstance(default, int) and not isinstance(default, bool):
                return max(default, 0)
            return self.default_page_size
        if is_list_type(get_nullable_type(definition.type)):
            lengths = [
                len(value)
                for argument in node.arguments or ()
                if isinstance(value := self._value(argument.value), list)
            ]
            if lengths:
                return max(lengths)
        return None

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _value(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            name = value.name.value
            if name in self.variables:
                return self.variables[name]
            default = self._defaults.get(name)
            return None if default is None else self._value(default)
        if isinstance(value, IntValueNode):
            try:
                return int(value.value)
            except ValueError:  # past Python's 4,300 digits: validation refuses the literal
                return None
        if isinstance(value, ListValueNode):
            return [self._value(item) for item in value.values]
        return None


def _defaults_of(operation: OperationDefinitionNode) -> dict[str, ValueNode]:
    return {
        definition.variable.name.value: definition.default_value
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }


def _size_of(value: Any) -> int:
    """How much a variable's value may ask for: an int as itself, a list by its length."""
    if isinstance(value, list):
        return len(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def cost_rule(
    max_cost: int,
    variables: Mapping[str, Any] | None = None,
    *,
    default_page_size: int = DEFAULT_PAGE_SIZE,
) -> type[ValidationRule]:
    """A validation rule refusing any operation whose estimated cost exceeds `max_cost`."""

    class QueryCostRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.estimator = CostEstimator(
                context.schema, context.document, variables, default_page_size=default_page_size
            )

        def enter_operation_definition(
            self, node: OperationDefinitionNode, *_args: Any
        ) -> VisitorAction:
            try:
                cost = self.estimator.operation(node)
            except RecursionError:
                cost = None  # nested too deeply to even estimate
            if cost is None or cost > max_cost:
                self.report_error(too_costly(node, cost, max_cost))
            return SKIP

    return QueryCostRule


def too_costly(node: OperationDefinitionNode, cost: int | None, max_cost: int) -> GraphQLError:
    estimate = "too large to estimate" if cost is None else f"{cost:,}"
    return GraphQLError(
        "查询过于复杂，请减少每页条数或嵌套的列表。"
        f"Estimated cost {estimate} exceeds the limit of {max_cost:,}.",
        node,
        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, "cost": cost, "limit": max_cost},
    )
