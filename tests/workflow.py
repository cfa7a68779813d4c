"""What the workflow tests share: a seeded database of the test module's own (they write),
a client that remembers which members earlier tests used, and a row counter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.seeding import Scale
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import LARGER

# Members a test already used, per database: each test needs members in a fresh state.
_TAKEN: dict[DatabasePair, set[str]] = {}


def workflow_fixtures(label: str, scale: Scale = LARGER) -> tuple[Any, Any]:
    """The `workflow_db` and `hub` fixtures of one test module; assign both at module level."""

    @pytest.fixture(scope="module", params=BACKENDS)
    def workflow_db(
        request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Iterator[DatabasePair]:
        with seeded_pair(request.param, tmp_path_factory, scale, label) as pair:
            yield pair

    @pytest.fixture
    async def hub(workflow_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
        async for client in client_for(workflow_db, rate_limit_per_ip="", rate_limit_per_token=""):
            client.taken = _TAKEN.setdefault(workflow_db, set())  # type: ignore[attr-defined]
            yield client

    return workflow_db, hub


def taken(hub: GraphQLClient) -> set[str]:
    found: set[str] = hub.taken  # type: ignore[attr-defined]
    return found


async def supporters(hub: GraphQLClient, community: str, n: int) -> list[str]:
    """`n` members with an active report to `community`, not used by another test yet."""
    used = taken(hub)
    data = await hub.query(
        """query($c: String!) { community(code: $c) { supporters(first: 100) {
             edges { node { memberCode } } } } }""",
        {"c": community},
    )
    codes = [e["node"]["memberCode"] for e in data["community"]["supporters"]["edges"]]
    free = [code for code in codes if code not in used][:n]
    assert len(free) == n, "the seeded data ran out of supporters"
    used.update(free)
    return free


async def count(pair: DatabasePair, sql: str, *, side: str = "community", **params: Any) -> int:
    """One number from the community (or `side="units"`) database, read past the API (to
    prove nothing changed)."""
    engine = create_async_engine(pair.units_url if side == "units" else pair.community_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql), params)).scalar_one())
    finally:
        await engine.dispose()
