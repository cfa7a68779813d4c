"""Community migration 0011 adds positions and rewrites nothing: rows written by the old
`grid_secretary` role keep their role text, labelled as before the split."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from schema.actors import actor_label
from tests.test_migrations import database_url  # noqa: F401 - the fixture (both backends)


async def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_old_role_text_survives_and_positions_start_empty(
    database_url: str,  # noqa: F811 - the imported fixture
) -> None:
    await runner.upgrade_async("community", database_url, "0010")
    await _run(database_url, "INSERT INTO state_events (entity_type, entity_id, from_state,"
               " to_state, actor_subject, actor_role, actor_organisation, occurred_at)"
               " VALUES ('ServiceOrder', 1, NULL, 'ordered', 'gs-li', 'grid_secretary',"
               " 'community:C001', :t)", t=datetime.now(UTC))  # fmt: skip
    await runner.upgrade_async("community", database_url)
    rows = await _run(database_url, "SELECT actor_role, actor_organisation FROM state_events")
    assert rows == [("grid_secretary", "community:C001")]
    assert actor_label("grid_secretary", "community:C001") == "网格/小区党支部书记 C001"
    assert await _run(database_url, "SELECT count(*) FROM positions") == [(0,)]
    await runner.downgrade_async("community", database_url, "0010")
    assert await _run(database_url, "SELECT actor_role FROM state_events") == [("grid_secretary",)]
