"""Keyset pagination that batches: one statement per page of parents, never one per parent.

A list is described once by a `ListSpec` (model, sortable columns, filter translation).
A request for a page is a hashable `PageArgs`, so every parent asking for the same page
shape lands in the same batch. Top-level lists run `ORDER BY sort, id LIMIT n+1`; nested
lists run one `ROW_NUMBER() OVER (PARTITION BY parent ...)` statement for all parents.
Cursors carry the last row's sort value and id, so deep pages cost the same as the first.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, aliased

M = TypeVar("M", bound=DeclarativeBase)
F = TypeVar("F", bound=Hashable)

CURSOR_VERSION = "k1"
MAX_ID = 2**63 - 1  # BIGINT range: larger integers would fail in the database driver


class InvalidCursor(ValueError):
    """A cursor that this server did not issue, or issued for another ordering."""


@dataclass(frozen=True)
class PageArgs(Generic[F]):
    """One page of one list: filters, ordering, size and the cursor to continue after."""

    first: int
    order: str
    descending: bool = False
    filters: F | None = None
    after: tuple[Any, ...] | None = None


@dataclass
class Page(Generic[M]):
    rows: list[M]
    has_next: bool
    has_previous: bool


@dataclass(frozen=True)
class ListSpec(Generic[M, F]):
    """How to list one model: its sortable columns and how filters become WHERE clauses."""

    model: type[M]
    orders: dict[str, InstrumentedAttribute[Any]]
    filter_clauses: Callable[[F], Sequence[ColumnElement[bool]]] = field(default=lambda _f: ())
    # Always applied, e.g. "only active pairings" for a list of current partners.
    base_where: Sequence[ColumnElement[bool]] = ()
    # The filter of a list given none (e.g. "active units only" unless asked for retired).
    default_filter: F | None = None

    @property
    def id_column(self) -> InstrumentedAttribute[Any]:
        return self.model.id  # type: ignore[attr-defined, no-any-return]

    def where(self, filters: F | None) -> list[ColumnElement[bool]]:
        clauses = list(self.base_where)
        if filters is None:
            filters = self.default_filter
        if filters is not None:
            clauses.extend(self.filter_clauses(filters))
        return clauses

    def sort_column(self, order: str) -> InstrumentedAttribute[Any]:
        return self.orders[order]

    def order_by(self, args: PageArgs[F]) -> list[ColumnElement[Any]]:
        columns = [self.sort_column(args.order), self.id_column]
        return [c.desc() if args.descending else c.asc() for c in columns]

    def keyset(self, args: PageArgs[F]) -> list[ColumnElement[bool]]:
        if args.after is None:
            return []
        key = tuple_(self.sort_column(args.order), self.id_column)
        bound = tuple_(*args.after)
        return [key < bound if args.descending else key > bound]

    def cursor_of(self, row: M, args: PageArgs[F]) -> str:
        sort_value = getattr(row, self.sort_column(args.order).key)
        return encode_cursor(args.order, (sort_value, row.id))  # type: ignore[attr-defined]

    def decode_after(self, cursor: str, order: str) -> tuple[Any, ...]:
        """The cursor's (sort value, id), checked so a forged one never reaches the database."""
        cursor_order, values = decode_cursor(cursor)
        if cursor_order != order:
            raise InvalidCursor("cursor belongs to another ordering")
        sort_value, row_id = values
        if type(row_id) is not int or not 0 < row_id < MAX_ID:
            raise InvalidCursor("cursor names no row")
        expected = self.sort_column(order).type.python_type
        if type(sort_value) is not expected:
            raise InvalidCursor("cursor value does not fit the ordering")
        if isinstance(sort_value, int) and not -MAX_ID < sort_value < MAX_ID:
            raise InvalidCursor("cursor value out of range")
        return values

    def top_level_statement(
        self, args: PageArgs[F], scope: Sequence[ColumnElement[bool]] = ()
    ) -> Select[Any]:
        return (
            select(self.model)
            .where(*scope, *self.where(args.filters), *self.keyset(args))
            .order_by(*self.order_by(args))
            .limit(args.first + 1)
        )

    def nested_statement(
        self,
        parent: InstrumentedAttribute[Any],
        parent_values: Sequence[Any],
        args: PageArgs[F],
        scope: Sequence[ColumnElement[bool]] = (),
    ) -> Select[Any]:
        """The first `args.first + 1` rows of every parent, in one statement."""
        row_number = (
            func.row_number()
            .over(partition_by=parent, order_by=self.order_by(args))
            .label("page_row_number")
        )
        ranked = (
            select(self.model, row_number)
            .where(
                parent.in_(parent_values),
                *scope,
                *self.where(args.filters),
                *self.keyset(args),
            )
            .subquery("ranked")
        )
        row = aliased(self.model, ranked)
        return (
            select(row)
            .where(ranked.c.page_row_number <= args.first + 1)
            .order_by(ranked.c[parent.key], ranked.c.page_row_number)
        )

    def count_statement(
        self, filters: F | None, scope: Sequence[ColumnElement[bool]] = ()
    ) -> Select[Any]:
        return select(func.count()).select_from(self.model).where(*scope, *self.where(filters))

    def grouped_count_statement(
        self,
        parent: InstrumentedAttribute[Any],
        parent_values: Sequence[Any],
        filters: F | None,
        scope: Sequence[ColumnElement[bool]] = (),
    ) -> Select[Any]:
        return (
            select(parent, func.count())
            .where(parent.in_(parent_values), *scope, *self.where(filters))
            .group_by(parent)
        )


def page_from(rows: Sequence[M], args: PageArgs[Any]) -> Page[M]:
    return Page(
        rows=list(rows[: args.first]),
        has_next=len(rows) > args.first,
        has_previous=args.after is not None,
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if hasattr(value, "value"):  # enums sort by their stored value
        return value.value
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        decoders: dict[str, Callable[[str], Any]] = {
            "dt": datetime.fromisoformat,
            "d": date.fromisoformat,
            "n": Decimal,
        }
        if kind in decoders and isinstance(raw, str):
            try:
                return decoders[kind](raw)
            except (ValueError, ArithmeticError) as exc:
                raise InvalidCursor("malformed value in cursor") from exc
        raise InvalidCursor("unknown value in cursor")
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise InvalidCursor("unknown value in cursor")


def encode_cursor(order: str, values: tuple[Any, ...]) -> str:
    payload = json.dumps([CURSOR_VERSION, order, [_encode_value(v) for v in values]])
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, tuple[Any, ...]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        version, order, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor("malformed cursor") from exc
    if version != CURSOR_VERSION or not isinstance(order, str) or not isinstance(values, list):
        raise InvalidCursor("malformed cursor")
    if len(values) != 2:
        raise InvalidCursor("malformed cursor")
    return order, tuple(_decode_value(v) for v in values)
