"""Fill both databases with one consistent, deterministic data set (the CLI's `seed`).

Rows are generated in memory first, the unit side then the community side on the unit
side's real codes, so the cross-database references hold by construction. They are then
bulk-inserted with Core `insert()` in chunks, with ids assigned by the generator: children
reference parents without round-trips, and PostgreSQL's sequences are moved past them
afterwards so later inserts do not collide.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, MetaData, Table, delete, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]

from datasources.base import Datasource
from datasources.community.seed import generate_community
from datasources.community.source import CommunitySource
from datasources.seed_ceilings import compliance_of_year, performances_of_year
from datasources.seed_data import TableRows
from datasources.units.seed import generate_units
from datasources.units.seed_certificates import generate_certificates
from datasources.units.seed_evaluations import evaluation_policy, generate_unit_evaluations
from datasources.units.seed_master import generate_master_history
from datasources.units.source import UnitsSource

CHUNK_ROWS = 5_000


class _Progress(Protocol):
    """The part of a tqdm bar the inserts report to."""

    def set_description(self, desc: str) -> None: ...

    def update(self, n: int) -> object: ...


@dataclass(frozen=True)
class Scale:
    """How much to generate; ranges are inclusive (min, max) per parent."""

    name: str
    units: int
    branches_per_unit: tuple[int, int]
    members: int
    streets: int
    communities: int
    grids: int
    compounds: int
    buildings_per_compound: tuple[int, int]
    property_companies: int
    alliances: int
    agreements: int
    report_rate: float  # share of members that have reported
    list_items_per_community: int  # per list: resources, demands and services each
    moved_rate: float = 0.05  # share of reporters with an earlier, closed report elsewhere
    # The size of the seeded year of operations: its ledger and service records (orders,
    # activity signups, micro-wishes, points entries, redemptions) come to about 1.1 times it.
    operations: int = 400

    def __post_init__(self) -> None:
        counts = (
            self.units,
            self.members,
            self.streets,
            self.communities,
            self.grids,
            self.compounds,
        )
        if min(counts) < 1:
            raise ValueError(f"scale {self.name!r}: every count must be at least 1")
        if self.communities < self.streets:
            raise ValueError(f"scale {self.name!r}: needs at least one community per street")
        for low, high in (self.branches_per_unit, self.buildings_per_compound):
            if not 1 <= low <= high:
                raise ValueError(f"scale {self.name!r}: ranges must satisfy 1 <= min <= max")
        if self.operations < 0:
            raise ValueError(f"scale {self.name!r}: operations must not be negative")
        if not (0 <= self.report_rate <= 1 and 0 <= self.moved_rate <= 0.5):
            raise ValueError(f"scale {self.name!r}: rates must be shares between 0 and 1")


SCALES: dict[str, Scale] = {
    "demo": Scale(
        name="demo", units=30, branches_per_unit=(1, 3), members=1_500,
        streets=2, communities=6, grids=60, compounds=90, buildings_per_compound=(2, 10),
        property_companies=10, alliances=2, agreements=12,
        report_rate=0.9, list_items_per_community=10, operations=20_000,
    ),
    "district": Scale(
        name="district", units=300, branches_per_unit=(1, 4), members=20_000,
        streets=8, communities=40, grids=600, compounds=1_500, buildings_per_compound=(4, 16),
        property_companies=60, alliances=11, agreements=130,
        report_rate=0.9, list_items_per_community=30, operations=910_000,
    ),
}  # fmt: skip


async def is_empty(units: UnitsSource, community: CommunitySource) -> bool:
    """True when no table of either database holds a row."""
    for source in (units, community):
        async with source.engine.connect() as conn:
            if await conn.run_sync(_non_empty_tables, source.base.metadata):
                return False
    return True


async def seed_all(
    units: UnitsSource,
    community: CommunitySource,
    scale: Scale,
    *,
    seed: int = 42,
    reset: bool = False,
    progress: bool = True,
) -> dict[str, int]:
    """Generate `scale` from `seed` and insert it into both databases; rows per table.

    Without `reset`, a database that already holds rows is refused (ValueError) instead of
    receiving duplicates. Both databases are written in one transaction each, committed
    only after both sides' inserts succeeded.
    """
    async with units.transaction() as unit_session, community.transaction() as community_session:
        sessions: list[tuple[Datasource, AsyncSession]] = [
            (units, unit_session),
            (community, community_session),
        ]
        for source, session in sessions:
            await _prepare(source, await session.connection(), reset=reset)
        unit_rows, unit_side = generate_units(seed, scale)
        plan = [unit_rows, generate_community(seed, scale, unit_side)]
        # Transfers, retirements and leavers change member rows: before they are inserted.
        unit_rows.update(generate_master_history(seed, unit_rows, plan[1]))
        total = sum(len(rows) for side in plan for rows in side.values())
        with tqdm(total=total, unit="row", disable=not progress, file=sys.stderr) as bar:
            for (source, session), rows in zip(sessions, plan, strict=True):
                await _insert_all(source, session, rows, bar)
            # The year's organisation evaluations are recorded within the ceilings the hub
            # computes from the community rows just inserted (same transaction, its rules).
            in_service = [m for m in unit_rows["members"] if m["in_service"]]
            compliance = await compliance_of_year(
                community, community_session, in_service, evaluation_policy()
            )
            evaluations = generate_unit_evaluations(seed, unit_rows, plan[1], compliance)
            # The year's volunteer-hours certificates, counted by the hub's rules too.
            years = await performances_of_year(
                community, community_session, in_service, evaluation_policy()
            )
            certificates = generate_certificates(seed, unit_rows, years)
            bar.total = (bar.total or 0) + sum(len(rows) for rows in evaluations.values())
            bar.total = (bar.total or 0) + sum(len(rows) for rows in certificates.values())
            await _insert_all(units, unit_session, {**evaluations, **certificates}, bar)
            unit_rows.update(evaluations)
            unit_rows["volunteer_certificates"] = certificates["volunteer_certificates"]
            unit_rows["master_events"] += certificates["master_events"]
    return {name: len(rows) for side in plan for name, rows in side.items()}


async def _prepare(source: Datasource, conn: AsyncConnection, *, reset: bool) -> None:
    if reset:
        await _clear(source, conn)
        return
    filled = await conn.run_sync(_non_empty_tables, source.base.metadata)
    if filled:
        raise ValueError(
            f"the {source.name} database already holds data (e.g. table {filled[0]!r}); "
            "seed an empty database, or reset it to replace its contents (dualhub seed --reset)"
        )


def _existing_tables(conn: Connection, metadata: MetaData) -> list[Table]:
    """The metadata's tables that the migrations have created, parents first."""
    present = set(inspect(conn).get_table_names())
    return [table for table in metadata.sorted_tables if table.name in present]


def _non_empty_tables(conn: Connection, metadata: MetaData) -> list[str]:
    return [
        table.name
        for table in _existing_tables(conn, metadata)
        if conn.execute(select(text("1")).select_from(table).limit(1)).first() is not None
    ]


async def _clear(source: Datasource, conn: AsyncConnection) -> None:
    """Delete every row of the database, children before parents."""
    tables = await conn.run_sync(_existing_tables, source.base.metadata)
    if not tables:
        return
    if source.dialect == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        names = ", ".join(quote(table.name) for table in tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        await conn.execute(delete(table))


async def _insert_all(
    source: Datasource, session: AsyncSession, rows: TableRows, bar: _Progress
) -> None:
    metadata = source.base.metadata
    unknown = set(rows) - set(metadata.tables)
    if unknown:
        raise ValueError(f"no such table in the {source.name} database: {sorted(unknown)}")
    for table in metadata.sorted_tables:
        table_rows = rows.get(table.name, [])
        bar.set_description(f"{source.name}.{table.name}")
        for start in range(0, len(table_rows), CHUNK_ROWS):
            chunk = table_rows[start : start + CHUNK_ROWS]
            await session.execute(insert(table), chunk)
            bar.update(len(chunk))
    if source.dialect == "postgresql":
        await _advance_sequences(await session.connection(), metadata)


async def _advance_sequences(conn: AsyncConnection, metadata: MetaData) -> None:
    """Move each serial id's sequence past the ids the generator assigned."""
    quote = conn.dialect.identifier_preparer.quote
    for table in await conn.run_sync(_existing_tables, metadata):
        column = table.autoincrement_column
        if column is None:
            continue
        statement = (
            f"SELECT setval(pg_get_serial_sequence(:table, :column), "  # noqa: S608 - identifiers come from our metadata
            f"COALESCE(MAX({quote(column.name)}), 0) + 1, false) FROM {quote(table.name)}"
        )
        await conn.execute(text(statement), {"table": table.name, "column": column.name})
