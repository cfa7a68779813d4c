"""Time the set-based master-data service (datasources/community/master.py) on households.

    python -m bench.master_households                     # SQLite in a temporary file
    python -m bench.master_households --rows 5000 --url postgresql+asyncpg://postgres@127.0.0.1/bench_md

The database is created from the models (SQLite) or must exist and be empty (PostgreSQL).
It makes one district, street, community, compound and 50 buildings, then calls
`master.apply` once with `--rows` household rows (created), again with the same rows
(unchanged, no history) and once more with every tenth row changed (updated, history),
each in its own transaction, and prints the seconds of each call.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from datasources.community import master
from datasources.community.models import (
    Building,
    CommunityBase,
    Compound,
    District,
    Street,
    StreetKind,
)
from datasources.community.models import Community as CommunityRow
from datasources.scope import Role, Viewer

BUILDINGS = 50


async def run(url: str, rows: int) -> dict[str, float]:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(CommunityBase.metadata.create_all)
        await conn.execute(insert(District), [{"id": 1, "code": "D01", "name": "区", "city": "市"}])
        await conn.execute(insert(Street), [{"id": 1, "code": "S1", "name": "街道",
                                             "kind": StreetKind.STREET, "district_id": 1}])  # fmt: skip
        await conn.execute(insert(CommunityRow), [{"id": 1, "code": "C1", "name": "社区",
                                                   "street_id": 1}])  # fmt: skip
        await conn.execute(insert(Compound), [{"id": 1, "code": "X1", "name": "小区",
                                               "community_id": 1}])  # fmt: skip
        await conn.execute(insert(Building), [
            {"id": b, "code": f"B{b:03d}", "name": f"{b}栋", "compound_id": 1}
            for b in range(1, BUILDINGS + 1)
        ])  # fmt: skip
    actor = Viewer(role=Role.COMMUNITY, subject="bench", community="C1")
    data: list[dict[str, object]] = [
        {"code": f"H{i:06d}", "buildingCode": f"B{i % BUILDINGS + 1:03d}",
         "unitNo": f"{i // BUILDINGS % 4 + 1}单元", "roomNo": str(i // BUILDINGS),
         "headName": f"户主{i}", "phone": f"139{i:08d}", "size": i % 5 + 1}
        for i in range(rows)
    ]  # fmt: skip
    timings: dict[str, float] = {}
    for label, batch in (("created", data), ("unchanged", data),
                         ("updated", [{**r, "size": 6} if i % 10 == 0 else r
                                      for i, r in enumerate(data)])):  # fmt: skip
        async with AsyncSession(engine) as session, session.begin():
            start = time.perf_counter()
            outcome = await master.apply(session, master.HOUSEHOLDS, batch, actor,
                                         community=1)  # fmt: skip
            timings[label] = time.perf_counter() - start
        assert not outcome.problems, outcome.problems[:3]
        print(f"{label:>9}: {timings[label]:.2f} s  (created {outcome.created}, updated "
              f"{outcome.updated}, unchanged {outcome.unchanged})")  # fmt: skip
    await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--url", default=None, help="an empty database (default: SQLite)")
    args = parser.parse_args()
    if args.url:
        asyncio.run(run(args.url, args.rows))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite+aiosqlite:///{Path(tmp) / 'community.db'}", args.rows))


if __name__ == "__main__":
    main()
