"""Representative rows for a database at any revision, generated from its reflected schema.

The migration tests seed every table that exists at a revision, then upgrade to head and
check the rows survived. The rows are not the seeder's (which writes head's models): they
come from reflecting the database as that revision left it, so they fit any revision.

Each table gets `ROWS` rows: every column filled (nullable ones too, so the migrations
carry real values), foreign keys pointing at the parent table's rows (tables are filled
parents first), values distinct per row so unique constraints and unique partial indexes
hold, and CHECK constraints satisfied. What the CHECKs demand is read from their SQL text
as SQLite reflects it (the text the revisions wrote): `col IN ('a', ...)`, `col BETWEEN
a AND b`, `later > earlier` between two columns, `(kind = 'x' AND n > 0)`, and one of two
columns (`kind = 'x' AND a IS NOT NULL AND b IS NULL`, `(a IS NULL) != (b IS NULL)`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, MetaData, Table, func, insert, select, text, types
from sqlalchemy.engine import Connection, Inspector

ROWS = 3
BASE_TIME = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

_IN = re.compile(r"^\(?\s*(\w+) IN \(([^()]*)\)\s*\)?$")
_BETWEEN = re.compile(r"(\w+) BETWEEN (-?\d+) AND (-?\d+)")
_ORDER = re.compile(r"^\(?\s*(\w+) >=? (\w+)\s*\)?$")
_PREFERRED = re.compile(r"\((\w+) = '([^']*)' AND (\w+) > 0\)")
# One claimant of two (`kind = 'x' AND a IS NOT NULL AND b IS NULL`, or `(a IS NULL) !=
# (b IS NULL)`): the first alternative is taken, its other column left null.
_ONE_OF = re.compile(r"\((\w+) = '([^']*)' AND (\w+) IS NOT NULL AND (\w+) IS NULL\)")
_EITHER = re.compile(r"\((\w+) IS NULL\) != \((\w+) IS NULL\)")


@dataclass
class Rules:
    """What a table's CHECK constraints demand of the values of its columns."""

    choices: dict[str, list[str]] = field(default_factory=dict)
    lowest: dict[str, int] = field(default_factory=dict)
    later_than: dict[str, str] = field(default_factory=dict)
    nulls: set[str] = field(default_factory=set)

    def step(self, column: str) -> int:
        """How many steps after the earliest time a column's value lies (`ends > starts`)."""
        earlier = self.later_than.get(column)
        return 0 if earlier is None else 1 + self.step(earlier)


def check_rules(inspector: Inspector, tables: list[str]) -> dict[str, Rules]:
    """The rules of each table, from an SQLite inspector's CHECK constraints."""
    rules = {}
    for table in tables:
        found = Rules()
        columns = {column["name"] for column in inspector.get_columns(table)}
        preferred: dict[str, str] = {}
        for check in inspector.get_check_constraints(table):
            sql = " ".join(str(check["sqltext"]).split())
            if match := _IN.match(sql):
                found.choices[match.group(1)] = re.findall(r"'([^']*)'", match.group(2))
            for column, low, _high in _BETWEEN.findall(sql):
                found.lowest[column] = int(low)
            if (match := _ORDER.match(sql)) and {match.group(1), match.group(2)} <= columns:
                found.later_than[match.group(1)] = match.group(2)
            for column, value, _positive in _PREFERRED.findall(sql):
                preferred.setdefault(column, value)
            if match := _ONE_OF.search(sql):
                preferred.setdefault(match.group(1), match.group(2))
                found.nulls.add(match.group(4))
            elif match := _EITHER.search(sql):
                found.nulls.add(match.group(2))
        for column, value in preferred.items():  # the alternative our positive numbers fit
            options = found.choices.get(column, [])
            found.choices[column] = [value, *(option for option in options if option != value)]
        rules[table] = found
    return rules


def _text(column: Column[Any], table: str, row: int) -> str:
    suffix = f"-{row}"
    length = getattr(column.type, "length", None) or 60
    return f"{table[:12]}.{column.name}"[: max(length - len(suffix), 1)] + suffix


def value_for(column: Column[Any], table: str, row: int, rules: Rules) -> Any:
    """A value of the column's type for the `row`-th row (0-based), within the rules."""
    kind = column.type
    if column.name in rules.nulls:
        return None
    if column.name in rules.choices:
        return rules.choices[column.name][0]
    if isinstance(kind, types.Boolean):
        return row % 2 == 1
    if isinstance(kind, types.Integer):
        return rules.lowest.get(column.name, 1) + row
    if isinstance(kind, types.Numeric):
        value = Decimal(1 + row)
        return float(value) if isinstance(kind, types.Float) else value
    if isinstance(kind, types.DateTime):
        moment = BASE_TIME + timedelta(days=row, hours=rules.step(column.name))
        return moment if kind.timezone else moment.replace(tzinfo=None)
    if isinstance(kind, types.Date):
        return BASE_TIME.date() + timedelta(days=10 * row + rules.step(column.name))
    if isinstance(kind, types.JSON):
        return []
    if isinstance(kind, types.Uuid):
        return uuid.UUID(int=row + 1)
    if isinstance(kind, types.LargeBinary):
        return f"{table}-{row}".encode()
    if isinstance(kind, types.String):
        return _text(column, table, row)
    raise TypeError(f"{table}.{column.name}: no sample value for {kind!r}")


def _single_integer_key(table: Table) -> Column[Any] | None:
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, types.Integer):
        return keys[0]
    return None


def _fill_foreign_keys(
    table: Table,
    row: dict[str, Any],
    index: int,
    parents: dict[str, list[dict[str, Any]]],
    siblings: list[dict[str, Any]],
) -> None:
    for constraint in table.foreign_key_constraints:
        referred = constraint.referred_table.name
        pairs = [(element.parent.name, element.column.name) for element in constraint.elements]
        if referred == table.name:  # a chain: each row points at the one before (unique)
            nullable = all(table.c[name].nullable for name, _ in pairs)
            source = None if nullable and index == 0 else (siblings or [row])[-1]
        else:
            source = parents[referred][index % len(parents[referred])]
        for name, target in pairs:
            row[name] = None if source is None else source[target]


def seed(connection: Connection, rules: dict[str, Rules], skip: set[str]) -> dict[str, int]:
    """Insert ROWS rows into every table but `skip`; the rows each table holds afterwards."""
    metadata = MetaData()
    metadata.reflect(connection)
    tables = [table for table in metadata.sorted_tables if table.name not in skip]
    inserted: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        key = _single_integer_key(table)
        first = 1
        if key is not None:  # after rows a revision may have written itself
            first = 1 + (connection.execute(select(func.max(key))).scalar() or 0)
        table_rules = rules.get(table.name, Rules())
        rows = []
        for index in range(ROWS):
            row = {
                column.name: value_for(column, table.name, index, table_rules)
                for column in table.columns
            }
            if key is not None:
                row[key.name] = first + index
            _fill_foreign_keys(table, row, index, inserted, rows)
            for name in table_rules.nulls:  # a CHECK's other alternative, a chain's key too
                row[name] = None
            rows.append(row)
        for row in rows:  # one by one: a chain's rows need the one before
            connection.execute(insert(table), [row])
        inserted[table.name] = rows
        if key is not None and connection.dialect.name == "postgresql":
            _advance_sequence(connection, table.name, key.name)
    return {table.name: _count(connection, table) for table in tables}


def _advance_sequence(connection: Connection, table: str, column: str) -> None:
    """Explicit ids leave a serial's sequence behind: later inserts must not collide."""
    names = {"t": table, "c": column}
    sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), names).scalar()
    if sequence is not None:
        # Names from reflection, not input.
        last = f'SELECT setval(:s, (SELECT max("{column}") FROM "{table}"))'  # noqa: S608
        connection.execute(text(last), {"s": sequence})


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def primary_keys(connection: Connection, skip: set[str]) -> dict[str, list[str]]:
    """The primary key columns of every table but `skip` (all columns where it has none)."""
    metadata = MetaData()
    metadata.reflect(connection)
    return {
        table.name: [c.name for c in (list(table.primary_key.columns) or list(table.columns))]
        for table in metadata.sorted_tables
        if table.name not in skip
    }


def snapshot(
    connection: Connection, skip: set[str], keys: dict[str, list[str]] | None = None
) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table but `skip`, by primary key, or by the columns `keys` names
    for a table: an earlier revision's key, when a later one changed it (a row that kept
    its data under a new key is not lost)."""
    metadata = MetaData()
    metadata.reflect(connection)
    own = primary_keys(connection, skip)
    rows = {}
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        columns = (keys or {}).get(table.name) or own[table.name]
        rows[table.name] = {
            tuple(row[name] for name in columns): dict(row)
            for row in connection.execute(select(table)).mappings()
        }
    return rows


def defaults(connection: Connection, skip: set[str]) -> dict[tuple[str, str], Any]:
    """The value each constant server default gives, by (table, column)."""
    metadata = MetaData()
    metadata.reflect(connection)
    values = {}
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        for column in table.columns:
            default = column.server_default
            sql = str(getattr(default, "arg", "")) if default is not None else ""
            if not sql or re.search(r"now|current_|random|nextval", sql, re.IGNORECASE):
                continue
            values[table.name, column.name] = connection.execute(text(f"SELECT {sql}")).scalar()
    return values
