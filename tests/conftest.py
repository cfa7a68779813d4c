"""Fixtures: seeded database pairs per backend, and a GraphQL client on the app."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from datasources.seeding import Scale
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.settings import Settings
from schema import executor
from tests.client import GraphQLClient
from tests.databases import DatabasePair, seeded_pair
from tests.scales import LARGER, SMALL

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Caches of the tools themselves, not data of the hub: allowed in the working directory.
TOOL_CACHES = frozenset({".pytest_cache", ".hypothesis", ".mypy_cache", ".ruff_cache",
                         "__pycache__", ".coverage"})  # fmt: skip


def _files_in(folder: Path) -> set[str]:
    """The working directory's own entries, and every file below its `data/` folder."""
    entries = {entry.name for entry in folder.iterdir() if entry.name not in TOOL_CACHES}
    data = folder / "data"
    if data.is_dir():
        entries |= {str(path.relative_to(folder)) for path in data.rglob("*")}
    return entries


@pytest.fixture(scope="session", autouse=True)
def _working_directory_untouched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Nothing a test does writes into the current directory.

    The settings' defaults are the embedded ones, relative to it (`./data/units.db`,
    `./data/audit.db`, `./data/jwt-secret`): for the session they point into a temporary
    folder instead, so a test that builds `Settings()` or runs the CLI without naming every
    path cannot litter the checkout. The session fails if the directory still gained files.
    """
    here = Path.cwd()
    before = _files_in(here)
    defaults = tmp_path_factory.mktemp("defaults")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DUALHUB_DATA_DIR", str(defaults / "data"))
        for side in ("units", "community", "audit"):
            url = f"sqlite+aiosqlite:///{defaults / 'data' / f'{side}.db'}"
            patch.setenv(f"DUALHUB_{side.upper()}_DATABASE_URL", url)
        yield
    created = sorted(_files_in(here) - before)
    assert not created, f"the tests wrote into the working directory {here}: {created}"


def _seeded(
    request: pytest.FixtureRequest, factory: pytest.TempPathFactory, scale: Scale
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, factory, scale, scale.name) as pair:
        yield pair


@pytest.fixture(scope="session", params=BACKENDS)
def small_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    """A small seeded pair, shared read-only by the tests of a session."""
    yield from _seeded(request, tmp_path_factory, SMALL)


@pytest.fixture(scope="session", params=BACKENDS)
def larger_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    """A larger seeded pair, to show statement counts do not grow with the data."""
    yield from _seeded(request, tmp_path_factory, LARGER)


@pytest.fixture(params=BACKENDS)
def empty_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    """A migrated but empty pair of the test's own, for tests that write."""
    with seeded_pair(request.param, tmp_path_factory, None, "empty") as pair:
        yield pair


TEST_SECRET = "test-secret-" + "x" * 40


class TokenFactory:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def issue(self, role: str, subject: str | None = None, **scope: str) -> str:
        return issue_token(
            self.settings, role=role, scope=scope, subject=subject or f"test-{role}",
            ttl=timedelta(hours=1),
        )  # fmt: skip


async def client_for(
    pair: DatabasePair, role: str | None = "district", **overrides: object
) -> AsyncGenerator[GraphQLClient]:
    """A client on a fresh app over `pair`, signed in as `role` (district: sees everything)."""
    assert pair.audit_url is not None, "the hub needs its audit database too"
    settings = Settings(
        units_database_url=pair.units_url,
        community_database_url=pair.community_url,
        audit_database_url=pair.audit_url,
        debug_sql=True,
        jwt_secret=TEST_SECRET,
        **overrides,  # type: ignore[arg-type]
    )
    tokens = TokenFactory(settings)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
            token = tokens.issue(role, district="D01") if role == "district" else None
            yield GraphQLClient(http, token, tokens)
    finally:
        await app.state.hub.dispose()


@pytest.fixture
async def client(small_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for c in client_for(small_db):
        yield c


@pytest.fixture
async def larger_client(larger_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for c in client_for(larger_db):
        yield c


@pytest.fixture
def fast_objects(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many objects the fast path completed (it must have had work to do)."""
    done = [0]
    complete = executor._complete

    def counting(plan: executor.Plan, source: Any) -> dict[str, Any] | None:
        result = complete(plan, source)
        done[0] += result is not None
        return result

    monkeypatch.setattr(executor, "_complete", counting)
    return done
