"""Community migration 0009 carries existing idempotency keys to identities (as legacy keys
a subject can still replay) and gives them back on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from resolvers.workflow import legacy_identity_key
from tests.test_migrations import database_url  # noqa: F401 - the fixture (both backends)

KEYS = "SELECT identity_key, subject, legacy, result_id FROM idempotency_keys ORDER BY key"


async def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_existing_keys_become_legacy_keys_of_their_subject(
    database_url: str,  # noqa: F811 - the imported fixture
) -> None:
    await runner.upgrade_async("community", database_url, "0008")
    for key, subject, result in (("k1", "alice", 11), ("k2", "bob", 12)):
        await _run(database_url, "INSERT INTO idempotency_keys (subject, mutation, key, "
                   "result_id, created_at) VALUES (:s, 'placeOrder', :k, :r, :t)",
                   s=subject, k=key, r=result, t=datetime.now(UTC))  # fmt: skip
    await runner.upgrade_async("community", database_url)
    rows = await _run(database_url, KEYS)
    assert [(r[0], r[1], bool(r[2]), r[3]) for r in rows] == [
        (legacy_identity_key("alice"), "alice", True, 11),
        (legacy_identity_key("bob"), "bob", True, 12),
    ]
    await runner.downgrade_async("community", database_url, "0008")
    back = await _run(
        database_url, "SELECT subject, key, result_id FROM idempotency_keys ORDER BY key"
    )
    assert back == [("alice", "k1", 11), ("bob", "k2", 12)]
