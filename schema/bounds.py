"""Bounds on every input value: numbers in a declared range, strings and lists of a capped
length, dates inside the calendar the hub can compute with.

Every `Int`, `Float` and `Decimal` input (an argument or an input-object field) declares its
range with `metadata=between(low, high)`; a string may declare its own length with
`metadata=text(n)`, otherwise it gets the default of its name (`NAMED_LENGTHS`) or
`DEFAULT_MAX_LENGTH`; a list gets `DEFAULT_MAX_ITEMS` unless it declares `items=`; a `Date`
or `DateTime` lies between `EARLIEST` and `LATEST` unless it declares its own. A number that
is NaN or infinite is never in range.

`install(schema)` wraps the resolver of every field that takes arguments (after strawberry
built the schema, so no field is missed) with one check of the coerced arguments:
* on a mutation whose payload carries `userErrors`, a value out of bounds is the user error
  `INVALID_INPUT` with the field's path (`input.pointsPerAttendance`), nothing runs;
* anywhere else it is a top-level `BAD_USER_INPUT` error naming the argument path.
`tests/test_input_bounds.py` walks the built schema and fails on any input without a bound.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)
from strawberry.relay import GlobalID

from schema.errors import bad_input

KEY = "dualhub.bound"
BACKREF = "strawberry-definition"

DEFAULT_MAX_LENGTH = 200
DEFAULT_MAX_ITEMS = 100
CODE_LENGTH = 32  # the code columns (String(32)) of both databases
LONG_TEXT = 2000  # free text stored in TEXT columns: descriptions, comments, reasons
# The default length of an input by its name: the narrowest column it is stored in, the
# free texts, and the opaque cursor. A field declaring `text(n)` overrides it.
NAMED_LENGTHS = {
    "clientMutationId": 120, "after": 1000, "code": CODE_LENGTH, "action": 40,
    "name": 60, "title": 160, "target": 160, "place": 200, "address": 200,
    "partyName": 120, "contactName": 40, "requesterName": 40, "beneficiaryName": 60,
    "representative": 60, "ownerName": 60, "household": 32, "period": 16,
    "skill": 40, "skills": 40,
    **dict.fromkeys(
        ("description", "comment", "note", "reason", "summary", "agenda", "decisions",
         "minutes", "commitments"),
        LONG_TEXT,
    ),
}  # fmt: skip
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
NUMERIC = frozenset({"Int", "Float", "Decimal"})
TEMPORAL = frozenset({"Date", "DateTime"})
TEXTUAL = frozenset({"String", "ID"})

Number = int | float | Decimal


@dataclass(frozen=True)
class Bound:
    """What one input accepts; `None` means the default for its type and name."""

    low: Number | date | None = None
    high: Number | date | None = None
    low_open: bool = False  # the low end itself is refused: hours (0, 24]
    max_length: int | None = None  # of a string, or of each string in a list
    max_items: int | None = None  # of a list
    # The high end is the deployment's page size cap (`DUALHUB_MAX_PAGE_SIZE`, read from the
    # request's context), `high` only its ceiling: `first` and every `top`-like count.
    page_cap: bool = False


def between(
    low: Number | date, high: Number | date, *, low_open: bool = False, items: int | None = None
) -> dict[str, Bound]:
    """Field or argument metadata: a number (or date) from `low` to `high`, both included
    unless `low_open`."""
    return {KEY: Bound(low=low, high=high, low_open=low_open, max_items=items)}


PAGE_CEILING = 1000  # `DUALHUB_MAX_PAGE_SIZE` is at most this (gateway/settings.py)


def page_size() -> dict[str, Bound]:
    """Argument metadata of a count of items to return: `first` on every connection and
    every `top`-like argument (how many to list). From 0 up to the server's page size cap
    (100 by default); above it the request is refused with `BAD_USER_INPUT`, the same rule
    and the same code everywhere, never silently cut."""
    return {KEY: Bound(low=0, high=PAGE_CEILING, page_cap=True)}


# The page size cap of the request being checked (set around each field's check).
_PAGE_CAP: ContextVar[int] = ContextVar("dualhub_page_cap", default=PAGE_CEILING)


def text(max_length: int, *, items: int | None = None) -> dict[str, Bound]:
    """Field or argument metadata: a string (or each string of a list) of at most
    `max_length` characters; a list of at most `items` of them."""
    return {KEY: Bound(max_length=max_length, max_items=items)}


def declared(definition: Any) -> Bound | None:
    """The bound a strawberry field or argument declares in its metadata, if any."""
    metadata: Mapping[str, Any] = getattr(definition, "metadata", None) or {}
    bound = metadata.get(KEY)
    return bound if isinstance(bound, Bound) else None


def declared_on(graphql_input: GraphQLArgument | GraphQLInputField) -> Bound | None:
    return declared((graphql_input.extensions or {}).get(BACKREF))


def effective_length(name: str, bound: Bound | None) -> int:
    """The longest string an input called `name` (or each item of it) accepts."""
    if bound is not None and bound.max_length is not None:
        return bound.max_length
    if name in NAMED_LENGTHS:
        return NAMED_LENGTHS[name]
    if name.endswith(("Code", "Codes")):
        return CODE_LENGTH
    return DEFAULT_MAX_LENGTH


def effective_items(bound: Bound | None) -> int:
    """The most items a list input accepts."""
    return bound.max_items if bound is not None and bound.max_items else DEFAULT_MAX_ITEMS


# --- checking -------------------------------------------------------------------------


class OutOfBounds(Exception):
    """One input value outside its bound: the path (`input.title`) and why, in Chinese and
    English."""

    def __init__(self, path: str, chinese: str, english: str) -> None:
        super().__init__(f"{path}: {english}")
        self.path = path
        self.chinese = chinese
        self.english = english


Check = Callable[[Any, str], None]


def _number_check(bound: Bound) -> Check:
    if bound.page_cap:
        return _page_check()
    low, high = bound.low, bound.high
    if bound.low_open:
        chinese, english = (
            f"须大于 {low} 且不超过 {high}",
            f"must be above {low} and at most {high}",
        )
    else:
        chinese, english = f"须在 {low} 到 {high} 之间", f"must be from {low} to {high}"

    def check(value: Any, path: str) -> None:
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            raise OutOfBounds(path, f"{path} 须为有限数值。", "must be a finite number.")
        below = low is not None and (value <= low if bound.low_open else value < low)
        if below or (high is not None and value > high):
            raise OutOfBounds(path, f"{path} {chinese}。", f"{english}.")

    return check


def _page_check() -> Check:
    def check(value: Any, path: str) -> None:
        cap = _PAGE_CAP.get()
        if not 0 <= value <= cap:
            raise OutOfBounds(
                path, f"{path} 须在 0 到 {cap} 之间（每页最多 {cap} 条）。",
                f"must be between 0 and {cap}.",
            )  # fmt: skip

    return check


def _temporal_check(bound: Bound) -> Check:
    low = bound.low if isinstance(bound.low, date) else EARLIEST
    high = bound.high if isinstance(bound.high, date) else LATEST

    def check(value: Any, path: str) -> None:
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not low <= day <= high:
            raise OutOfBounds(
                path,
                f"{path} 须在 {low.isoformat()} 至 {high.isoformat()} 之间。",
                f"must be between {low.isoformat()} and {high.isoformat()}.",
            )

    return check


def _length_check(max_length: int) -> Check:
    def check(value: Any, path: str) -> None:
        length = len(str(value)) if isinstance(value, GlobalID) else len(value)
        if isinstance(value, str | GlobalID) and length > max_length:
            raise OutOfBounds(
                path,
                f"{path} 最多 {max_length} 个字符。",
                f"must be at most {max_length:,} characters long.",
            )

    return check


def _list_check(max_items: int, item: Check | None) -> Check:
    def check(value: Any, path: str) -> None:
        if len(value) > max_items:
            raise OutOfBounds(
                path, f"{path} 最多 {max_items} 项。", f"must have at most {max_items:,} items."
            )
        if item is not None:
            for index, element in enumerate(value):
                if element is not None:
                    item(element, f"{path}[{index}]")

    return check


class Planner:
    """Builds the check of each input type once; input objects may refer to themselves."""

    def __init__(self) -> None:
        self.objects: dict[str, Check | None] = {}
        self.pending: set[str] = set()

    def check_for(self, name: str, type_: GraphQLInputType, bound: Bound | None) -> Check | None:
        if isinstance(type_, GraphQLNonNull):
            return self.check_for(name, type_.of_type, bound)
        if isinstance(type_, GraphQLList):
            item = self.check_for(name, type_.of_type, bound)
            if item is None and not isinstance(get_named_type(type_), GraphQLScalarType):
                return None  # enum values: the token limit bounds them, repeats change nothing
            return _list_check(effective_items(bound), item)
        if isinstance(type_, GraphQLInputObjectType):
            return self._object(type_)
        if isinstance(type_, GraphQLScalarType):
            return _scalar_check(name, type_.name, bound)
        return None  # enums and booleans: graphql-core admits only their values

    def _object(self, type_: GraphQLInputObjectType) -> Check | None:
        if type_.name in self.objects:
            if type_.name not in self.pending:
                return self.objects[type_.name]
            # a type that contains itself: its check is known only once it is built
            return lambda value, path: _run_object(self.objects[type_.name], value, path)
        self.objects[type_.name] = None
        self.pending.add(type_.name)
        fields = [
            (name, check)
            for name, field in type_.fields.items()
            if (check := self.check_for(name, field.type, declared_on(field))) is not None
        ]
        self.objects[type_.name] = _fields_check(fields) if fields else None
        self.pending.discard(type_.name)
        return self.objects[type_.name]


def _run_object(check: Check | None, value: Any, path: str) -> None:
    if check is not None:
        check(value, path)


def _fields_check(fields: list[tuple[str, Check]]) -> Check:
    def check(value: Any, path: str) -> None:
        for name, field_check in fields:
            field_value = value.get(name) if isinstance(value, Mapping) else None
            if field_value is not None:
                field_check(field_value, f"{path}.{name}")

    return check


def _scalar_check(name: str, scalar: str, bound: Bound | None) -> Check | None:
    if scalar in NUMERIC:
        return _number_check(bound) if bound is not None else None
    if scalar in TEMPORAL:
        return _temporal_check(bound or Bound())
    if scalar in TEXTUAL:
        return _length_check(effective_length(name, bound))
    return None


# --- installing -------------------------------------------------------------------------


def arguments_check(field: GraphQLField, planner: Planner) -> Check | None:
    """One check over all of a field's coerced arguments (a dict by GraphQL name)."""
    checks = [
        (name, check)
        for name, argument in field.args.items()
        if (check := planner.check_for(name, argument.type, declared_on(argument))) is not None
    ]
    if not checks:
        return None

    def check_all(kwargs: Any, _path: str) -> None:
        for name, argument_check in checks:
            value = kwargs.get(name)
            if value is not None:
                argument_check(value, name)

    return check_all


Refuse = Callable[[OutOfBounds, Mapping[str, Any]], Any]


# What a non-null payload field holds when nothing was done (`expirePoints` counts 0).
_NOTHING: dict[str, Any] = {"Int": 0, "Float": 0.0, "Boolean": False, "String": ""}


def _empty(type_: Any) -> tuple[bool, Any]:
    """(whether a refusal can fill a payload field of this type, with what)."""
    if not isinstance(type_, GraphQLNonNull):
        return True, None
    if isinstance(type_.of_type, GraphQLList):
        return True, []
    name = getattr(type_.of_type, "name", "")
    return name in _NOTHING, _NOTHING.get(name)


def payload_refusal(field: GraphQLField) -> Refuse | None:
    """How a mutation answers a value out of bounds: its payload with the user error
    `INVALID_INPUT`, every other field null (or 0, empty), the `clientMutationId` echoed.
    None when the payload cannot say so (no `userErrors`, a non-null object field)."""
    from resolvers.workflow import RefusalCode
    from schema.mutations import UserError

    return_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(return_type, GraphQLObjectType) or "userErrors" not in return_type.fields:
        return None
    payload = (return_type.extensions or {})[BACKREF].origin
    init = {f.name for f in dataclasses.fields(payload) if f.init}
    empty: dict[str, Any] = dict.fromkeys(init)
    for graphql_field in return_type.fields.values():
        name = getattr((graphql_field.extensions or {}).get(BACKREF), "python_name", None)
        if name in init:
            fillable, value = _empty(graphql_field.type)
            if not fillable:
                return None
            empty[name] = value

    def refuse(error: OutOfBounds, kwargs: Mapping[str, Any]) -> Any:
        values = {
            **empty,
            "user_errors": [
                UserError(code=RefusalCode.INVALID_INPUT, message=error.chinese, field=error.path)
            ],
        }
        if "client_mutation_id" in values:
            key = kwargs.get("input")
            values["client_mutation_id"] = (
                key.get("clientMutationId") if isinstance(key, Mapping) else None
            )
        return payload(**values)

    return refuse


def _raise(error: OutOfBounds, _kwargs: Mapping[str, Any]) -> Any:
    raise bad_input(error.path, f"{error.english} ({error.chinese})")


def _guarded(resolve: Callable[..., Any], check: Check, refuse: Refuse) -> Callable[..., Any]:
    def guarded(source: Any, info: Any, **kwargs: Any) -> Any:
        cap = _PAGE_CAP.set(getattr(info.context, "max_page_size", PAGE_CEILING))
        try:
            check(kwargs, "")
        except OutOfBounds as error:
            return refuse(error, kwargs)
        finally:
            _PAGE_CAP.reset(cap)
        return resolve(source, info, **kwargs)

    return guarded


def install(schema: GraphQLSchema) -> None:
    """Check the arguments of every field of `schema` against their bounds (see above)."""
    planner = Planner()
    mutation = schema.mutation_type
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for field in type_.fields.values():
            check = arguments_check(field, planner)
            if check is None or field.resolve is None:
                continue
            refuse = payload_refusal(field) if type_ is mutation else None
            field.resolve = _guarded(field.resolve, check, refuse or _raise)


YEAR = between(2000, 2100)  # a calendar year an appraisal, ranking or filter is about

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # GraphQL `Int` is 32 bits


def int32(total: int) -> int:
    """A sum served as GraphQL `Int`, held at the type's limits instead of failing the
    whole response. The bounded inputs keep sums far below them (a member would need
    214,748 entries of the maximum 10,000 points); rows written past the API before the
    bounds existed must not break `me` either."""
    return max(INT_MIN, min(INT_MAX, total))
