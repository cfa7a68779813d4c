"""Community migration 0011 on a database with claims written at 0010: the claims stay
claims, and no longer count as services (they carried no duty), through GraphQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.community.models import Community, Post, ServiceCategory
from migrations import runner
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.workflow import count

# A year of no other records: under the old rule the claim alone was this member's service.
YEAR = 2035


async def _write_claims_at_0010(pair: DatabasePair, member: str) -> None:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            community = (await conn.execute(select(func.min(Community.id)))).scalar_one()
            category = (await conn.execute(select(func.min(ServiceCategory.id)))).scalar_one()
            at = datetime(YEAR, 3, 1, 2, tzinfo=UTC)
            post = (
                await conn.execute(
                    insert(Post)
                    .values(
                        code="P-MIG-1",
                        community_id=community,
                        category_id=category,
                        title="门岗值守岗",
                        capacity=3,
                        status="open",
                        created_at=at,
                    )
                    .returning(Post.id)
                )
            ).scalar_one()
            # In the 0010 table's own columns (the model has grown since).
            await conn.execute(
                text(
                    "INSERT INTO post_claims (post_id, member_code, status, claimed_at)"
                    " VALUES (:post, :member, 'active', :at)"
                ),
                {"post": post, "member": member, "at": at},
            )
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DatabasePair, str]]:
    """A seeded pair taken back to 0010, a claim written there, then migrated to head."""
    with seeded_pair(request.param, tmp_path_factory, SMALL, "dutymig") as pair:
        member = asyncio.run(_any_member(pair))
        runner.downgrade("community", pair.community_url, "0010")
        asyncio.run(_write_claims_at_0010(pair, member))
        runner.upgrade("community", pair.community_url)
        yield pair, member


async def _any_member(pair: DatabasePair) -> str:
    engine = create_async_engine(pair.units_url)
    try:
        async with engine.connect() as conn:
            code = (await conn.execute(text("SELECT min(code) FROM members"))).scalar_one()
            return str(code)
    finally:
        await engine.dispose()


@pytest.fixture
async def hub(migrated: tuple[DatabasePair, str]) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(migrated[0]):
        yield client


async def test_claims_written_before_no_longer_count_as_services(
    hub: GraphQLClient, migrated: tuple[DatabasePair, str]
) -> None:
    pair, member = migrated
    data = await hub.query(
        """query($m: String!, $y: Int!) { member(code: $m) {
             postClaims { totalCount edges { node { status post { code keeperCode } } } }
             postDuties { totalCount }
             performance(year: $y) { totalServices totalHours posts { count hours } } } }""",
        {"m": member, "y": YEAR},
    )
    found = data["member"]
    # The claim is carried as it was ...
    claims = [e["node"] for e in found["postClaims"]["edges"]]
    assert {"status": "ACTIVE", "post": {"code": "P-MIG-1", "keeperCode": None}} in claims
    # ... and it is no service: no duty was made from it.
    assert found["postDuties"]["totalCount"] == await count(
        pair, "SELECT count(*) FROM post_duties WHERE member_code = :m", m=member
    )
    assert found["performance"]["posts"] == {"count": 0, "hours": 0.0}
    assert (found["performance"]["totalServices"], found["performance"]["totalHours"]) == (0, 0.0)
    assert await count(pair, "SELECT count(*) FROM post_duties WHERE claim_id IN "
                       "(SELECT id FROM post_claims WHERE post_id IN "
                       "(SELECT id FROM posts WHERE code = 'P-MIG-1'))") == 0  # fmt: skip
