"""`serialise_writers` (datasources/base.py) installs SQLite's BEGIN IMMEDIATE recipe on
SQLite engines only: a PostgreSQL engine keeps its driver's own transactions (a `BEGIN
DEFERRED` there is a syntax error). Found by the mutation run (docs/mutation-testing.md,
group d); the mechanism itself is tested in tests/test_concurrency.py.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from datasources.base import serialise_writers


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
