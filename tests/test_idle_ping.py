"""A pooled PostgreSQL connection is pinged only after sitting idle (datasources/idle_ping.py):
a busy pool sends no pings, and a connection the server dropped while it sat idle is
replaced before a statement uses it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from datasources import idle_ping
from datasources.errors import DatasourceBusy
from datasources.units.source import UnitsSource
from tests.databases import POSTGRES_ADMIN_URL, require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def reachable() -> None:
    require_postgres()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per ping the pools send (the asyncpg dialect the hub uses)."""
    sent: list[int] = []
    original = PGDialect_asyncpg.do_ping

    def counted(self: PGDialect_asyncpg, dbapi_connection: Any) -> bool:
        sent.append(1)
        return bool(original(self, dbapi_connection))

    monkeypatch.setattr(PGDialect_asyncpg, "do_ping", counted)
    return sent


@pytest.fixture
async def source(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[UnitsSource]:
    monkeypatch.setattr(idle_ping, "IDLE_PING_SECONDS", 0.3)
    one = UnitsSource(POSTGRES_ADMIN_URL)
    yield one
    await one.dispose()


async def _backend_pid(source: UnitsSource) -> int:
    async with source.engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(pid: int) -> None:
    """The server drops one connection (as a restart or a firewall would)."""
    admin = UnitsSource(POSTGRES_ADMIN_URL)
    try:
        async with admin.engine.connect() as conn:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await admin.dispose()


async def test_a_busy_pool_sends_no_pings(source: UnitsSource, pings: list[int]) -> None:
    first = await _backend_pid(source)
    for _ in range(20):
        assert await _backend_pid(source) == first  # the same pooled connection
    assert pings == []


async def test_a_connection_dropped_while_idle_is_replaced(
    source: UnitsSource, pings: list[int]
) -> None:
    dropped = await _backend_pid(source)
    await _terminate(dropped)
    await asyncio.sleep(0.4)
    # No error: the ping found it dead and the pool opened a new one.
    assert await _backend_pid(source) != dropped
    assert pings == [1]


async def test_an_idle_live_connection_is_pinged_and_kept(
    source: UnitsSource, pings: list[int]
) -> None:
    first = await _backend_pid(source)
    await asyncio.sleep(0.4)
    assert await _backend_pid(source) == first
    assert pings == [1]


async def test_a_connection_dropped_in_a_busy_pool_fails_one_statement_as_busy(
    source: UnitsSource, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not idle long enough to be pinged: the statement fails with a retryable error (the
    client sees SERVICE_BUSY, not an internal error), and the pool reconnects after it."""
    monkeypatch.setattr(idle_ping, "IDLE_PING_SECONDS", 1000)
    dropped = await _backend_pid(source)
    await _terminate(dropped)
    await asyncio.sleep(0.1)
    with pytest.raises(DatasourceBusy, match="connection to the database was lost"):
        await _backend_pid(source)
    assert await _backend_pid(source) != dropped
    assert pings == []
