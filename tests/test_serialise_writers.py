"""`serialise_writers` (datasources/base.py) installs SQLite's BEGIN IMMEDIATE recipe on
SQLite engines only: a PostgreSQL engine keeps its driver's own transactions (a `BEGIN
DEFERRED` there is a syntax error); its BEGIN is plumbing, not a counted statement; a lost
lock is `DatasourceBusy` with the database's error attached. Found by the mutation run (docs/mutation-testing.md,
group d); the mechanism itself is tested in tests/test_concurrency.py.
"""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datasources.base import SQLITE_BEGIN, DatasourceBusy, serialise_writers
from datasources.stats import count_statements, instrument
from resolvers.workflow import write_lock


def _listeners(engine: AsyncEngine) -> tuple[int, int, int]:
    sync = engine.sync_engine
    return (len(sync.dispatch.begin), len(sync.pool.dispatch.connect),
            len(sync.dialect.dispatch.handle_error))  # fmt: skip


async def test_only_sqlite_engines_get_the_begin_recipe() -> None:
    # Nothing listens on port 1: the engine is built, never connected.
    postgresql = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    sqlite = create_async_engine("sqlite+aiosqlite://")
    try:
        pg_begin, pg_connect, pg_errors = _listeners(postgresql)
        lite_begin, lite_connect, lite_errors = _listeners(sqlite)
        serialise_writers(postgresql, "units")
        serialise_writers(sqlite, "units")
        # Both turn a lost lock into DatasourceBusy; only SQLite gets BEGIN and connect hooks.
        assert _listeners(postgresql) == (pg_begin, pg_connect, pg_errors + 1)
        assert _listeners(sqlite) == (lite_begin + 1, lite_connect + 1, lite_errors + 1)
    finally:
        await postgresql.dispose()
        await sqlite.dispose()


async def test_sqlites_own_begin_is_not_counted_as_a_statement(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'count.db'}")
    instrument(engine, "units")
    serialise_writers(engine, "units")
    try:
        with count_statements() as counter:
            async with engine.begin() as connection:
                await connection.execute(text("SELECT 1"))
        assert counter["units"] == 1
    finally:
        await engine.dispose()


async def _write(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        writer = await connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        async with writer.begin():
            await writer.execute(text("INSERT INTO t VALUES (1)"))


async def test_a_lost_lock_is_busy_and_keeps_the_database_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # holds the only write lock
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.01})
    serialise_writers(engine, "units")
    try:
        with pytest.raises(DatasourceBusy) as busy:
            await _write(engine)
        # The database's own error stays attached, for the log.
        assert "database is locked" in str(busy.value.__cause__)
    finally:
        holder.rollback()
        holder.close()
        await engine.dispose()


def test_write_lock_takes_shared_by_name() -> None:
    """`shared=True` reads as what it does at every call site (group d, `locks-write`)."""
    parameter = inspect.signature(write_lock).parameters["shared"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
