"""Disposing a datasource waits for the connections still in use (briefly), so none is left
to the garbage collector: work a request abandoned when a sibling field failed, or a
shutdown mid-request, finishes its statement and returns its connection first."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from datasources.base import create_engine_for, dispose_engine


async def test_dispose_waits_for_a_connection_in_use(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'side.db'}")
    returned = asyncio.Event()

    async def abandoned_work() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await asyncio.sleep(0.3)  # still holding the connection when dispose starts
            await connection.execute(text("SELECT 2"))
        returned.set()

    work = asyncio.create_task(abandoned_work())
    await asyncio.sleep(0.05)
    assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    await dispose_engine(engine)
    assert returned.is_set()  # dispose came after the work returned its connection
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    await work


async def test_dispose_gives_up_after_its_grace(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'side.db'}")
    held = await engine.connect()
    await held.execute(text("SELECT 1"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await dispose_engine(engine, grace=0.2)
    assert 0.2 <= loop.time() - started < 2
    # Its pool is gone: close the connection itself rather than return it there.
    await held.invalidate()
    await held.close()
