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

Every other field costs nothing and multiplies by one (a plain list such as a project's
`parties` is bounded by the data, not by the client). Fragments are followed, with the
type condition they declare; aliases count like the fields they rename, so asking for
the same connection twice costs twice. A fragment is costed once per operation, so a
document that reuses fragments cannot make the estimate itself expensive.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
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

DEFAULT_MAX_COST = 50_000


def estimate_costs(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    *,
    default_page_size: int = DEFAULT_PAGE_SIZE,
) -> dict[str | None, int]:
    """The estimated cost of each operation of `document`, by operation name."""
    estimator = CostEstimator(schema, document, variables, default_page_size=default_page_size)
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
    ) -> None:
        self.schema = schema
        self.variables: Mapping[str, Any] = variables or {}
        self.default_page_size = default_page_size
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._defaults: dict[str, ValueNode] = {}
        self._memo: dict[str, int] = {}
        self._expanding: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> int:
        # Variable defaults differ between operations, and so may fragment costs.
        self._defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self._memo = {}
        root = self.schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, root)

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
                total += self._spread(selection.name.value)
        return total

    def _spread(self, name: str) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self._expanding:
            return 0  # unknown or cyclic: validation reports it
        if name not in self._memo:
            self._expanding.add(name)
            try:
                target = self.schema.get_type(fragment.type_condition.name.value)
                self._memo[name] = self._selections(fragment.selection_set, target)
            finally:
                self._expanding.discard(name)
        return self._memo[name]

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
        return inner if size is None else size * (1 + inner)

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
