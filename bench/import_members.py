"""Benchmark of a whole member import, file to database: 100,000 rows.

    python -m bench.import_members [--rows N] [--backend sqlite|postgresql|both]

On a fresh, migrated units database per backend (SQLite in a temporary folder; PostgreSQL
at DUALHUB_TEST_POSTGRES_URL's server, a database created and dropped), it imports the
units and branches the roster names, then times `dualhub import members` as the command
runs it (`load`: read and check the GB18030 CSV; `write`: the master-data service upserts
every row with its history in one transaction, plus the audit entry), and then the same
file again (every row unchanged). The baseline, in the same run and on the same server, is
one Core `executemany` of the same rows, already parsed, into a second fresh database's
`members` table: what writing the rows costs with no checks, no lookups and no history.
The issue's target is under 60 s for 100,000 rows on each backend.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench.imports import write_csv
from gateway.importing import finish, load
from gateway.importing.writing import Source, write
from gateway.settings import Settings
from migrations.runner import upgrade

POSTGRES_ADMIN = os.environ.get(
    "DUALHUB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


async def _admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def fresh_urls(backend: str, folder: Path, label: str) -> tuple[list[str], list[str]]:
    """(units, community, audit) URLs of fresh migrated databases, and what to drop."""
    sides = ("units", "community", "audit")
    if backend == "sqlite":
        return [f"sqlite+aiosqlite:///{folder / f'{label}-{side}.db'}" for side in sides], []
    suffix = uuid.uuid4().hex[:8]
    names = [f"dualhub_bench_{suffix}_{label}_{side}" for side in sides]
    for name in names:
        await _admin(f'CREATE DATABASE "{name}"')
    return [make_url(POSTGRES_ADMIN).set(database=n).render_as_string(False) for n in names], names


def migrated(urls: list[str]) -> Settings:
    upgrade("units", urls[0])
    upgrade("community", urls[1])
    upgrade("audit", urls[2])
    return Settings(units_database_url=urls[0], community_database_url=urls[1],
                    audit_database_url=urls[2])  # fmt: skip


async def imported(settings: Settings, kind: str, path: Path) -> tuple[Any, float]:
    started = time.perf_counter()
    loaded = load(kind, path, dry_run=False, progress=False)
    assert not loaded.report.problems, loaded.report.problems[:3]
    applied = await write(settings, Source(kind, path.name, loaded.report.digest),
                          loaded.parsed.rows, dry_run=False, retire_missing=False)  # fmt: skip
    report = finish(loaded, applied)
    assert report.ok, report.problems[:3]
    return report, time.perf_counter() - started


def organisations(folder: Path, count: int) -> tuple[Path, Path]:
    units = folder / "units.csv"
    branches = folder / "branches.csv"
    last = count // 500 + 1
    units.write_text("code,name,kind,level,districtName\n" + "".join(
        f"U{u:05d},单位{u},机关,区直,禅城区\n" for u in range(1, last + 1)), encoding="utf-8")  # fmt: skip
    branches.write_text("code,name,unitCode\n" + "".join(
        f"B{u:05d}{b},单位{u}第{b + 1}支部,U{u:05d}\n"
        for u in range(1, last + 1) for b in range(5)), encoding="utf-8")  # fmt: skip
    return units, branches


async def baseline(urls: list[str], settings: Settings, rows: list[dict[str, Any]]) -> float:
    """One executemany of the parsed rows into an empty members table."""
    from datasources.units.models import Member, PartyBranch

    engine = create_async_engine(urls[0])
    try:
        async with engine.begin() as conn:
            branches = dict((await conn.execute(select(PartyBranch.code, PartyBranch.id))).all())
            units = dict((await conn.execute(select(PartyBranch.code, PartyBranch.unit_id))).all())
        values = [{
            "code": r["code"], "name": r["name"], "gender": r["gender"],
            "political_status": r["politicalStatus"], "phone": r.get("phone"),
            "branch_id": branches[r["branchCode"]], "unit_id": units[r["branchCode"]],
            "joined_party_on": r.get("joinedPartyOn"), "birth_date": r.get("birthDate"),
            "in_service": r.get("inService", True), "job_title": r.get("jobTitle"),
            "skills": r.get("skills") or [],
        } for r in rows]  # fmt: skip
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(insert(Member), values)
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def run_backend(backend: str, count: int, folder: Path) -> dict[str, float]:
    roster = folder / "members.csv"
    if not roster.exists():
        write_csv(roster, count)
    units, branches = organisations(folder, count)
    drop: list[str] = []
    try:
        urls, names = await fresh_urls(backend, folder, "import")
        drop += names
        settings = await asyncio.to_thread(migrated, urls)
        for kind, path in (("units", units), ("branches", branches)):
            await imported(settings, kind, path)
        report, first = await imported(settings, "members", roster)
        assert report.created == count
        report, again = await imported(settings, "members", roster)
        assert report.unchanged == count

        base_urls, names = await fresh_urls(backend, folder, "base")
        drop += names
        base_settings = await asyncio.to_thread(migrated, base_urls)
        for kind, path in (("units", units), ("branches", branches)):
            await imported(base_settings, kind, path)
        rows = load("members", roster, dry_run=True, progress=False).parsed.rows
        floor = await baseline(base_urls, base_settings, list(rows))
    finally:
        for name in drop:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"import": first, "re-import": again, "executemany": floor}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory(prefix="dualhub-bench-import-") as folder:
        for backend in backends:
            figures = asyncio.run(run_backend(backend, args.rows, Path(folder)))
            floor = figures["executemany"]
            print(f"{backend}: {args.rows} member rows")
            for name, seconds in figures.items():
                print(f"  {name:12} {seconds:8.2f} s  ratio {seconds / floor:6.2f}x executemany")


if __name__ == "__main__":
    main()
