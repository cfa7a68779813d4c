"""The time limit on datasource statements (`DUALHUB_QUERY_TIMEOUT_SECONDS`)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from datasources.errors import DatasourceTimeout
from datasources.units.source import UnitsSource
from tests.conftest import client_for
from tests.databases import POSTGRES_ADMIN_URL, DatabasePair, require_postgres

# Statements that run for seconds unless stopped.
SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e9) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(5)",
}
LIMIT = 0.3


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        require_postgres()
        return POSTGRES_ADMIN_URL
    return f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}"


async def stopped_after(url: str, limit: float) -> float:
    """Seconds until SLOW, under `limit`, raised `DatasourceTimeout`."""
    source = UnitsSource(url, statement_timeout_seconds=limit)
    try:
        async with source.session() as session:  # connected before the clock starts
            await session.execute(text("SELECT 1"))
            started = time.perf_counter()
            with pytest.raises(DatasourceTimeout) as raised:
                await session.execute(text(SLOW[source.dialect]))
            elapsed = time.perf_counter() - started
        assert raised.value.source == "units"
        # The connection went back to the pool in working order; quick statements pass.
        async with source.session() as session:
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        return elapsed
    finally:
        await source.dispose()


async def test_a_slow_statement_is_stopped_by_the_limit(url: str) -> None:
    # DatasourceTimeout comes only from the time limit (PostgreSQL's SQLSTATE 57014, or
    # SQLite's progress handler once the clock ran out). That the limit decides when it
    # comes is a ratio, not a time: four times the limit takes clearly longer, and the
    # statement (seconds of work) never runs to its end.
    short = await stopped_after(url, LIMIT)
    long = await stopped_after(url, 4 * LIMIT)
    assert 1.5 < long / short < 8, (short, long)


async def test_quick_statements_are_not_affected(url: str) -> None:
    source = UnitsSource(url, statement_timeout_seconds=LIMIT)
    try:
        for round_ in range(3):  # the clock restarts with every statement
            async with source.session() as session:
                assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
                await asyncio.sleep(LIMIT * 1.5)  # idle time between statements does not count
                second = await session.execute(text(f"SELECT {round_} + 2"))
                assert second.scalar_one() == round_ + 2
    finally:
        await source.dispose()


async def test_without_a_limit_nothing_is_stopped(tmp_path: Path) -> None:
    source = UnitsSource(f"sqlite+aiosqlite:///{tmp_path / 'free.db'}")
    try:
        async with source.session() as session:
            query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2e5) SELECT count(*) FROM n"
            assert (await session.execute(text(query))).scalar_one() == 200_000
    finally:
        await source.dispose()


@pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)
async def test_a_timed_out_query_reaches_the_client_coded(small_db: DatabasePair) -> None:
    # A limit of a microsecond stops any statement that does real work; the default
    # (5 s) lets the same query through.
    query = "{ members(first: 100, filter: {includeLeft: true}) { totalCount edges { node { name } } } }"
    async for client in client_for(small_db, query_timeout_seconds=1e-6):
        response = await client.http.post(
            "/graphql", json={"query": query}, headers={**client.headers, "X-Request-ID": "slow-1"}
        )
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "requestId": "slow-1"}
        assert error["message"].startswith("查询超时")
    async for client in client_for(small_db):
        assert (await client.query(query))["members"]["totalCount"] == 120


async def test_a_cancelled_statement_raises_cancelled_error(url: str) -> None:
    """A client gone or a shutdown cancels the task whose statement runs: SQLAlchemy sees a
    disconnect (it drops the interrupted connection), but the task must end cancelled, not
    with an error a loop would catch and log and go on after (a shutdown that never ends).
    And the statement stops with it: left running (SQLite's thread would, for minutes) it
    holds its connection, and the cancelled task waits for that connection to close."""
    source = UnitsSource(url, statement_timeout_seconds=120)
    try:
        async with source.session() as session:  # connected before the statement
            await session.execute(text("SELECT 1"))

        async def slow() -> None:
            async with source.session() as session:
                await session.execute(text(SLOW[source.dialect]))

        task = asyncio.create_task(slow())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(task), 20)  # not TimeoutError
        async with source.session() as session:  # the pool serves the next statement
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await source.dispose()
