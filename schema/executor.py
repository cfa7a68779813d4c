"""The leaf fast path: graphql-core's executor, completing plain-leaf objects in one pass.

graphql-core executes every field of every object on its own: a resolve info, a path, the
resolver, `complete_value` and its type checks, per field. For a page of 500 members with
a dozen scalar fields each that is most of the GraphQL layer's time. `HubExecutionContext`
completes an object in one pass when every field selected on it is a plain leaf:

* the field's resolver is strawberry's default one (`_is_default`: no resolver function,
  no field extension, no permission class; `schema.bounds` wraps only fields with
  arguments), and no schema extension wraps resolvers (graphql-core middleware);
* the field takes no arguments, and no directive is written on it;
* its type is a scalar or an enum, or an object type (or a list of one) without
  `is_type_of` whose own selection is plain in the same sense, recursively; non-null or
  not.

So a member's `performance { reporting { onTime } orders { count hours } ... }` is one
pass per member, not one per field. The plan (which fields, their resolvers and types) is
made once per (type, selection) and request. An object with any other field, and every value the fast path does not take as
is (a null for a non-null field, an exception, an awaitable, a value the scalar refuses),
goes the normal way for the whole object, so errors and their paths are graphql-core's.

The executor's methods are marked private in graphql-core: the project pins graphql-core
to a minor range (`pyproject.toml`), and `tests/test_fast_path.py` replays a wide set of
queries with the fast path on and off and fails on any difference in the responses.
Requests whose context has `fast_leaves = False` (`DUALHUB_LEAF_FAST_PATH=0`) take the
normal path everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any, NamedTuple

from graphql import (
    GraphQLBoolean,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import DeferUsage, FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class FieldPlan(NamedTuple):
    """One field of a plain selection: a leaf (`leaf`, `as_is`: the Python type its output
    coercion keeps unchanged, or None) or a plain object or list of them (`sub`)."""

    name: str
    leaf: GraphQLLeafType | None
    non_null: bool
    as_is: type | None
    sub: Plan | None = None
    is_list: bool = False


class Plan(NamedTuple):
    """A plain selection: its fields, and one call fetching their values as a tuple."""

    fields: tuple[FieldPlan, ...]
    fetch: Callable[[Any], tuple[Any, ...]]


_MIN_INT, _MAX_INT = -(2**31), 2**31 - 1
# Leaf types whose output coercion returns a value of this exact Python type unchanged
# (graphql-core's `serialize_string`, `serialize_id`, `serialize_boolean`); Int and Float
# are kept as is inside their range (checked in `_complete`).
_AS_IS: dict[str, type] = {
    GraphQLString.name: str,
    GraphQLID.name: str,
    GraphQLBoolean.name: bool,
    GraphQLInt.name: int,
    GraphQLFloat.name: float,
}


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the leaf fast path (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        wrapped = manager is not None and bool(getattr(manager, "middlewares", ()))
        enabled = getattr(self.context_value, "fast_leaves", True)
        self._fast = enabled is True and not wrapped
        # Plans by the identity of a grouped field set; graphql-core keeps the field sets
        # alive for the request (`_relevant_sub_fields`), so an id is not reused meanwhile.
        self._plans: dict[int, Plan | None] = {}

    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: GroupedFieldSet,
        new_defer_usages: Sequence[DeferUsage],
        position_context: Any,
    ) -> Any:
        if self._fast and not new_defer_usages:
            key = id(grouped_field_set)
            try:
                plan = self._plans[key]
            except KeyError:
                plan = self._plans[key] = self._plan(parent_type, grouped_field_set)
            if plan is not None:
                completed = _complete(plan, source_value)
                if completed is not None:
                    return completed
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages, position_context
        )

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        """A list of plain-leaf objects in one loop; anything else, or any item the fast
        path does not take, the normal way for the whole list."""
        if self._fast and isinstance(items, list | tuple):
            object_type = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
            if isinstance(object_type, GraphQLObjectType) and object_type.is_type_of is None:
                grouped, defer_usages, _ = self.collect_subfields(object_type, field_details_list)
                if not defer_usages and self.get_stream_usage(field_details_list, path) is None:
                    key = id(grouped)
                    try:
                        plan = self._plans[key]
                    except KeyError:
                        plan = self._plans[key] = self._plan(object_type, grouped)
                    if plan is not None:
                        completed = _complete_all(plan, items)
                        if completed is not None:
                            return completed
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> Plan | None:
        """The plan of a selection of plain leaves only, else None."""
        fields: list[FieldPlan] = []
        getters: list[Callable[[Any], Any] | str] = []
        for response_name, details_list in grouped_field_set.items():
            first = details_list[0].node
            field = parent_type.fields.get(first.name.value)
            if field is None or field.args or field.resolve is None:
                return None
            if not getattr(field.resolve, "_is_default", False):
                return None
            for details in details_list:
                node = details.node
                if node.arguments or node.directives or details.fragment_variable_values:
                    return None
            planned = self._field_plan(response_name, field.type, details_list)
            if planned is None:
                return None
            fields.append(planned)
            getters.append(_attribute(field.resolve) or _calling(field.resolve))
        if not fields:
            return None
        names = [g for g in getters if isinstance(g, str)]
        if len(names) == len(getters):
            fetch = attrgetter(*names) if len(names) > 1 else _one(attrgetter(names[0]))
        else:
            calls = [attrgetter(g) if isinstance(g, str) else g for g in getters]
            fetch = lambda source: tuple(call(source) for call in calls)  # noqa: E731
        return Plan(tuple(fields), fetch)

    def _field_plan(
        self, name: str, type_: GraphQLOutputType, details_list: FieldDetailsList
    ) -> FieldPlan | None:
        """A leaf, or an object (list) whose selection has a plan itself; else None."""
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if is_leaf_type(inner):
            return FieldPlan(name, inner, non_null, _AS_IS.get(inner.name))
        is_list = False
        if isinstance(inner, GraphQLList):
            is_list, item = True, inner.of_type
            inner = item.of_type if isinstance(item, GraphQLNonNull) else item
        if not isinstance(inner, GraphQLObjectType) or inner.is_type_of is not None:
            return None
        grouped, defer_usages, _ = self.collect_subfields(inner, details_list)
        if defer_usages:
            return None
        key = id(grouped)
        try:
            sub = self._plans[key]
        except KeyError:
            sub = self._plans[key] = self._plan(inner, grouped)
        if sub is None:
            return None
        return FieldPlan(name, None, non_null, None, sub, is_list)


def _attribute(resolve: Callable[..., Any]) -> str | None:
    """The attribute strawberry's default resolver of a field reads, if that is all it does.

    Strawberry's `_get_basic_result` calls `field.get_result(source, None, [], {})`, which
    for a field without a resolver is `config.default_resolver(source, python_name)`:
    `getattr` unless the config says otherwise.
    """
    code = getattr(resolve, "__code__", None)
    closure = getattr(resolve, "__closure__", None)
    if code is not None and closure and "field" in code.co_freevars:
        field = closure[code.co_freevars.index("field")].cell_contents
        if getattr(field, "base_resolver", True) is None and field.default_resolver is getattr:
            name: str = field.python_name
            return name
    return None


def _calling(resolve: Callable[..., Any]) -> Callable[[Any], Any]:
    return lambda source: resolve(source, None)


def _one(get: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda source: (get(source),)


def _complete(plan: Plan, source: Any) -> dict[str, Any] | None:
    """The completed object, or None when any value needs graphql-core's own handling."""
    try:
        values = plan.fetch(source)
    except Exception:
        return None
    results: dict[str, Any] = {}
    for (name, leaf, non_null, as_is, sub, is_list), value in zip(plan.fields, values, strict=True):
        if value is None:
            if non_null:
                return None
            results[name] = None
            continue
        if sub is not None:
            if isinstance(value, Exception) or hasattr(value, "__await__"):
                return None
            if is_list:
                if not isinstance(value, list | tuple):
                    return None
                nested: Any = _complete_all(sub, value)
            else:
                nested = _complete(sub, value)
            if nested is None:
                return None
            results[name] = nested
            continue
        assert leaf is not None  # a field plan is a leaf or has a sub-plan
        kind = type(value)
        if kind is as_is:
            if kind is int:
                if not _MIN_INT <= value <= _MAX_INT:
                    return None
            elif kind is float and not math.isfinite(value):
                return None
            results[name] = value
            continue
        if isinstance(value, Exception) or hasattr(value, "__await__"):
            return None
        try:
            coerced = leaf.coerce_output_value(value)
        except Exception:
            return None
        if coerced is None or coerced is Undefined:
            return None
        results[name] = coerced
    return results


def _complete_all(plan: Plan, items: Sequence[Any]) -> list[Any] | None:
    """Each item completed (None for a null item of a nullable list), or None if any item
    needs graphql-core's own handling; a null item of a non-null list does too."""
    completed: list[Any] = []
    append = completed.append
    for item in items:
        if item is None:
            return None  # graphql-core decides: null in a nullable list, or an error
        result = _complete(plan, item)
        if result is None:
            return None
        append(result)
    return completed
