"""Each datasource's Alembic history builds exactly its models' schema, unbuilds it, and
carries the rows written at any revision up to head.

The tests run on temporary SQLite files always, and on PostgreSQL when a server answers at
`DUALHUB_TEST_POSTGRES_URL` (default below): each such test gets its own scratch database
(`dualhub_mig_<random>`), dropped afterwards. An unreachable server skips the PostgreSQL
tests, unless `DUALHUB_REQUIRE_POSTGRES=1` makes that a failure (CI with a database).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import CheckConstraint, inspect
from sqlalchemy.engine import Connection, Inspector, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datasources.base import create_engine_for
from migrations import runner
from migrations.runner import Side
from tests import migration_rows
from tests.databases import REQUIRE_POSTGRES

POSTGRES_URL = os.environ.get(
    "DUALHUB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
HEADS = {"units": "0009", "community": "0030", "audit": "0002"}
# Added columns whose migration computes the value of existing rows instead of leaving the
# server default (which applies to rows written afterwards).
COMPUTED = {
    ("idempotency_keys", "legacy"),  # community 0009: keys written before identities
    ("reports", "ended_on"),  # community 0011: closed and returned reports get their end
    ("reports", "end_reason"),
    # community 0015: a yearly result's coverage, from its year's contracts and scores
    ("property_year_results", "compounds_served"),
    ("property_year_results", "compounds_scored"),
    ("property_year_results", "conclusive"),
    ("compounds", "kind"),  # community 0016: derived from what is known of the compound
    ("buildings", "entrances"),  # community 0020: as many units as its 单元长 name
}

T = TypeVar("T")

# Why PostgreSQL could not be reached, once a probe failed: later tests skip at once
# instead of waiting for the connect timeout again.
_postgres_unreachable: list[str] = []


# --- databases -------------------------------------------------------------------------


def _postgres_admin_engine() -> AsyncEngine:
    """An engine on the server's maintenance database; CREATE DATABASE needs autocommit."""
    connect_args: dict[str, Any] = {}
    if make_url(POSTGRES_URL).get_driver_name() == "asyncpg":
        connect_args["timeout"] = 5  # seconds; a filtered port must not hang the suite
    return create_async_engine(
        POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args=connect_args
    )


async def _postgres_unreachable_reason(admin: AsyncEngine) -> str | None:
    if _postgres_unreachable:
        return _postgres_unreachable[0]
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    except (OSError, SQLAlchemyError) as exc:
        _postgres_unreachable.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        return _postgres_unreachable[0]
    return None


@asynccontextmanager
async def scratch_postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped on exit."""
    admin = _postgres_admin_engine()
    try:
        reason = await _postgres_unreachable_reason(admin)
        if reason is not None:
            where = make_url(POSTGRES_URL).render_as_string(hide_password=True)
            message = f"PostgreSQL not reachable at {where} ({reason})"
            if REQUIRE_POSTGRES:
                pytest.fail(f"{message}; DUALHUB_REQUIRE_POSTGRES=1 or CI=true requires it")
            pytest.skip(message)

        name = f"dualhub_mig_{secrets.token_hex(6)}"
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                # FORCE (PostgreSQL 13+) ends any session a failed test left behind.
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each dialect the hub supports."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    async with scratch_postgres_database() as url:
        yield url


def sqlite_url(tmp_path: Path, name: str) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / name}"


# --- reflection ------------------------------------------------------------------------


async def reflect(url: str, look: Callable[[Inspector], T]) -> T:
    """Run `look` on an inspector of the database at `url`."""
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:

            def run(sync_connection: Connection) -> T:
                return look(inspect(sync_connection))

            return await connection.run_sync(run)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class ReflectedTable:
    check_names: frozenset[str]
    # Index name -> (unique, has a WHERE clause), for the dialect's partial indexes.
    indexes: dict[str, tuple[bool, bool]]


def reflect_tables(inspector: Inspector) -> dict[str, ReflectedTable]:
    where_key = f"{inspector.dialect.name}_where"
    return {
        table: ReflectedTable(
            check_names=frozenset(
                str(check["name"]) for check in inspector.get_check_constraints(table)
            ),
            indexes={
                str(index["name"]): (
                    bool(index["unique"]),
                    index.get("dialect_options", {}).get(where_key) is not None,
                )
                for index in inspector.get_indexes(table)
            },
        )
        for table in inspector.get_table_names()
    }


def table_names(inspector: Inspector) -> set[str]:
    return set(inspector.get_table_names())


async def in_transaction(url: str, work: Callable[[Connection], T]) -> T:
    """Run `work` on a connection to the database at `url`, and commit."""
    engine = create_engine_for(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


# --- tests: both dialects --------------------------------------------------------------


@pytest.mark.parametrize("side", runner.SIDES)
async def test_upgrade_builds_the_models_schema(side: Side, database_url: str) -> None:
    assert await runner.current_async(side, database_url) is None

    await runner.upgrade_async(side, database_url)

    assert await runner.current_async(side, database_url) == HEADS[side]
    assert await runner.check_async(side, database_url) == []


@pytest.mark.parametrize("side", runner.SIDES)
async def test_upgrade_creates_every_check_and_partial_index(side: Side, database_url: str) -> None:
    """What `check()` cannot see: autogenerate compares neither CHECKs nor WHERE clauses."""
    await runner.upgrade_async(side, database_url)
    reflected = await reflect(database_url, reflect_tables)

    partial_indexes = 0
    for table in runner.target_metadata(side).tables.values():
        expected_checks = {
            str(constraint.name)
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        assert reflected[table.name].check_names == expected_checks, table.name
        for index in table.indexes:
            if index.dialect_options["sqlite"]["where"] is None:
                continue
            # The models give every partial index both dialects' WHERE clause.
            assert index.dialect_options["postgresql"]["where"] is not None, index.name
            assert reflected[table.name].indexes[str(index.name)] == (True, True), index.name
            partial_indexes += 1

    # Every enum column is a CHECKed VARCHAR, so each side has CHECKs to find.
    assert any(table.check_names for table in reflected.values())
    assert partial_indexes == {"units": 4, "community": 14, "audit": 0}[side]


@pytest.mark.parametrize("side", runner.SIDES)
async def test_downgrade_to_base_removes_every_table(side: Side, database_url: str) -> None:
    await runner.upgrade_async(side, database_url)

    await runner.downgrade_async(side, database_url, "base")

    assert await runner.current_async(side, database_url) is None
    # Alembic keeps its version table, empty, and nothing else remains.
    assert await reflect(database_url, table_names) == {runner.version_table(side)}

    # The history replays cleanly on the emptied database.
    await runner.upgrade_async(side, database_url)
    assert await runner.current_async(side, database_url) == HEADS[side]
    assert await runner.check_async(side, database_url) == []


# --- tests: rows written at every revision survive the upgrade (both dialects) ----------

REVISIONS = [(side, revision) for side in runner.SIDES for revision in runner.revisions(side)]
VERSION_TABLES = {runner.version_table(side) for side in runner.SIDES}


@pytest.mark.parametrize(("side", "revision"), REVISIONS, ids=[f"{s}-{r}" for s, r in REVISIONS])
async def test_rows_written_at_every_revision_survive_the_upgrade(
    side: Side, revision: str, database_url: str, tmp_path: Path
) -> None:
    """Seed every table of `revision` with rows, upgrade to head: nothing is lost or altered,
    and the columns the later revisions add hold their server defaults.

    An empty database accepts migrations that a populated one refuses (a NOT NULL column
    added without a server default; a unique index the existing rows break), so each
    revision's database is upgraded with data in it.
    """
    # The CHECKs' SQL as the revisions wrote it, which SQLite keeps verbatim.
    plan = sqlite_url(tmp_path, "plan.db")
    await runner.upgrade_async(side, plan, revision)
    rules = await reflect(plan, lambda i: migration_rows.check_rules(i, i.get_table_names()))

    await runner.upgrade_async(side, database_url, revision)
    seeded = await in_transaction(
        database_url, lambda c: migration_rows.seed(c, rules, VERSION_TABLES)
    )
    before = await in_transaction(
        database_url, lambda c: migration_rows.snapshot(c, VERSION_TABLES)
    )
    keys = await in_transaction(
        database_url, lambda c: migration_rows.primary_keys(c, VERSION_TABLES)
    )
    assert seeded
    assert all(count >= migration_rows.ROWS for count in seeded.values())

    await runner.upgrade_async(side, database_url)

    assert await runner.current_async(side, database_url) == HEADS[side]
    after = await in_transaction(
        database_url, lambda c: migration_rows.snapshot(c, VERSION_TABLES, keys)
    )
    defaults = await in_transaction(
        database_url, lambda c: migration_rows.defaults(c, VERSION_TABLES)
    )
    for table, rows in before.items():
        assert table in after, f"{table} (with rows at {revision}) is gone at head"
        assert after[table].keys() >= rows.keys(), f"{table}: rows lost"
        for key, old in rows.items():
            new = after[table][key]
            kept = {column: new[column] for column in old if column in new}
            assert kept == {column: old[column] for column in kept}, f"{table} {key}"
            for column in new.keys() - old.keys():
                if (table, column) in defaults and (table, column) not in COMPUTED:
                    assert new[column] == defaults[table, column], f"{table}.{column} {key}"
    assert await runner.check_async(side, database_url) == []


# --- tests: the runner itself (SQLite) -------------------------------------------------


def test_sync_api_round_trip_without_an_event_loop(tmp_path: Path) -> None:
    for side in runner.SIDES:
        url = sqlite_url(tmp_path, f"{side}.db")
        runner.upgrade(side, url)
        assert runner.current(side, url) == HEADS[side]
        assert runner.check(side, url) == []
        runner.downgrade(side, url, "base")
        assert runner.current(side, url) is None


def test_sides_keep_separate_version_tables_in_a_shared_database(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path, "shared.db")
    for side in runner.SIDES:
        runner.upgrade(side, url)
    for side in runner.SIDES:
        assert runner.current(side, url) == HEADS[side]
        # The other side's tables are not reported as extraneous.
        assert runner.check(side, url) == []


async def test_both_sides_can_migrate_concurrently(tmp_path: Path) -> None:
    urls = {side: sqlite_url(tmp_path, f"{side}.db") for side in runner.SIDES}
    await asyncio.gather(*(runner.upgrade_async(side, url) for side, url in urls.items()))
    for side, url in urls.items():
        assert await runner.current_async(side, url) == HEADS[side]
        assert await runner.check_async(side, url) == []


async def test_sync_api_refuses_a_running_event_loop(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path, "units.db")
    with pytest.raises(RuntimeError, match="upgrade_async"):
        runner.upgrade("units", url)
    with pytest.raises(RuntimeError, match="check_async"):
        runner.check("units", url)
    assert not (tmp_path / "units.db").exists()


async def test_current_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    assert await runner.current_async("community", sqlite_url(tmp_path, "none/c.db")) is None
    assert not (tmp_path / "none").exists()


def test_unknown_side_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown migration side"):
        runner.upgrade("members", sqlite_url(tmp_path, "x.db"))  # type: ignore[arg-type]
