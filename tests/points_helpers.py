"""What the points and mall tests share: give a member points by writing the ledger directly
(as a seeded or earlier workflow would have), and read a member's points as he sees them."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.community.points_models import PointsAccount, PointsEntry, PointsKind
from tests.client import GraphQLClient
from tests.databases import DatabasePair

_SOURCE_IDS = itertools.count(1)


async def write_entries(pair: DatabasePair, *entries: dict[str, Any]) -> list[int]:
    """Append ledger entries (opening the accounts); returns their ids."""
    engine = create_async_engine(pair.community_url)
    ids = []
    try:
        async with engine.begin() as conn:
            for entry in entries:
                dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
                await conn.execute(
                    dialect_insert(PointsAccount)
                    .values(member_code=entry["member_code"], opened_at=datetime.now(UTC))
                    .on_conflict_do_nothing()
                )
                values = {"actor_subject": "test-helper", "occurred_at": datetime.now(UTC),
                          **entry}  # fmt: skip
                if values["kind"] is PointsKind.EARN:
                    values.setdefault("source_type", "Test")
                    values.setdefault("source_id", next(_SOURCE_IDS))
                result = await conn.execute(
                    insert(PointsEntry).values(**values).returning(PointsEntry.id)
                )
                ids.append(int(result.scalar_one()))
    finally:
        await engine.dispose()
    return ids


async def ledger_sum(pair: DatabasePair, member: str) -> int:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            total = await conn.scalar(
                select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                    PointsEntry.member_code == member
                )
            )
            return int(total or 0)
    finally:
        await engine.dispose()


async def set_balance(pair: DatabasePair, member: str, target: int, **extra: Any) -> None:
    """Make the member's balance exactly `target` (an earn, or an expiry to go down)."""
    delta = target - await ledger_sum(pair, member)
    if delta > 0:
        await write_entries(pair, {"member_code": member, "kind": PointsKind.EARN,
                                   "points": delta, **extra})  # fmt: skip
    elif delta < 0:
        await write_entries(pair, {"member_code": member, "kind": PointsKind.EXPIRE,
                                   "points": delta, "source_type": "Test"})  # fmt: skip


POINTS = """query($m: String!, $year: Int, $filter: PointsEntryFilter) { member(code: $m) {
  points { balance earned(year: $year) spent(year: $year) reversed expired
    entries(first: 100, filter: $filter) { totalCount edges { node {
      id kind points action sourceType sourceId note community { code } isReversal
      reverses { id } } } } } } }"""


async def points_of(viewer: GraphQLClient, member: str, **variables: Any) -> Any:
    data = await viewer.query(POINTS, {"m": member, **variables})
    return None if data["member"] is None else data["member"]["points"]
