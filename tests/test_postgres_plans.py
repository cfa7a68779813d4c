"""PostgreSQL plans each of the hub's statements with its parameters' values.

asyncpg prepares every statement; after five runs PostgreSQL may keep a generic plan,
chosen without the values, which for a page's IN list of members was a hundred times
slower. The hub's connections set `plan_cache_mode = force_custom_plan`
(datasources/base.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, text

from datasources.units.source import UnitsSource
from tests.databases import POSTGRES_ADMIN_URL, require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def reachable() -> None:
    require_postgres()


@pytest.mark.parametrize("limit", [None, 5.0])
async def test_repeated_statements_are_planned_with_their_values(limit: float | None) -> None:
    source = UnitsSource(POSTGRES_ADMIN_URL, statement_timeout_seconds=limit)
    try:
        async with source.engine.connect() as conn:
            assert (await conn.execute(text("SHOW plan_cache_mode"))).scalar() == (
                "force_custom_plan"
            )
            if limit is not None:  # the time limit is still set beside it
                assert (await conn.execute(text("SHOW statement_timeout"))).scalar() == "5s"
            statement = text(
                "SELECT count(*) FROM pg_class WHERE relname IN :names AND relpages >= :pages"
            ).bindparams(bindparam("names", expanding=True))
            for run in range(8):
                await conn.execute(statement, {"names": ["pg_class", f"x{run}"], "pages": 0})
            generic, custom = (
                await conn.execute(
                    text(
                        "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
                        "FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM pg_class%'"
                    )
                )
            ).one()
    finally:
        await source.dispose()
    assert (generic, custom) == (0, 8)
