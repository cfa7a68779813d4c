"""Test databases: a pair (units, community) per backend, migrated and seeded once.

`create_pair` also makes the hub's own audit database (`audit_url`); it is migrated with
the pair and never seeded.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.community.source import CommunitySource
from datasources.seeding import Scale, seed_all
from datasources.units.source import UnitsSource
from migrations.runner import upgrade

POSTGRES_ADMIN_URL = os.environ.get(
    "DUALHUB_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def required(service: str) -> bool:
    """Whether tests of `service` (POSTGRES, REDIS) must fail rather than skip when it cannot
    be reached: with `DUALHUB_REQUIRE_<SERVICE>=1`, and always in CI (`CI=true`), where both
    servers are part of the build (`.ci/run` provisions them)."""
    ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    return ci or os.environ.get(f"DUALHUB_REQUIRE_{service}") == "1"


REQUIRE_POSTGRES = required("POSTGRES")


@dataclass(frozen=True)
class DatabasePair:
    backend: str
    units_url: str
    community_url: str
    # The hub's audit log; None for pairs built by hand without one.
    audit_url: str | None = None


async def _postgres_reachable() -> str | None:
    engine = create_async_engine(POSTGRES_ADMIN_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()
    return None


def require_postgres() -> None:
    """Skip (or, when PostgreSQL is required, fail) if it cannot be reached."""
    problem = asyncio.run(_postgres_reachable())
    if problem is None:
        return
    message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({problem})"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " but it is required (DUALHUB_REQUIRE_POSTGRES=1 or CI=true)")
    pytest.skip(message)


async def _admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


def create_pair(backend: str, tmp_dir: Path) -> DatabasePair:
    if backend == "sqlite":
        return DatabasePair(
            backend,
            f"sqlite+aiosqlite:///{tmp_dir / 'units.db'}",
            f"sqlite+aiosqlite:///{tmp_dir / 'community.db'}",
            f"sqlite+aiosqlite:///{tmp_dir / 'audit.db'}",
        )
    require_postgres()
    suffix = uuid.uuid4().hex[:10]
    urls = []
    for side in ("units", "community", "audit"):
        name = f"dualhub_test_{suffix}_{side}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        urls.append(make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False))
    return DatabasePair(backend, urls[0], urls[1], urls[2])


def drop_pair(pair: DatabasePair) -> None:
    if pair.backend != "postgresql":
        return
    for url in (pair.units_url, pair.community_url, pair.audit_url):
        if url is None:
            continue
        name = make_url(url).database
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def migrate_and_seed(pair: DatabasePair, scale: Scale | None, seed: int = 7) -> None:
    upgrade("units", pair.units_url)
    upgrade("community", pair.community_url)
    if pair.audit_url is not None:
        upgrade("audit", pair.audit_url)
    if scale is not None:
        asyncio.run(_seed(pair, scale, seed))


async def _seed(pair: DatabasePair, scale: Scale, seed: int) -> None:
    units, community = UnitsSource(pair.units_url), CommunitySource(pair.community_url)
    try:
        await seed_all(units, community, scale, seed=seed, progress=False)
    finally:
        await units.dispose()
        await community.dispose()


@contextmanager
def seeded_pair(
    backend: str, factory: pytest.TempPathFactory, scale: Scale | None, label: str
) -> Iterator[DatabasePair]:
    """A migrated (and, given a scale, seeded) pair of its own, dropped afterwards."""
    pair = create_pair(backend, factory.mktemp(f"{backend}-{label}"))
    try:
        migrate_and_seed(pair, scale)
        yield pair
    finally:
        drop_pair(pair)
