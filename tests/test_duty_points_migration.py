"""Community migration 0021 on a database at 0018, through GraphQL on both backends: duty
sessions confirmed before the rule earn their points once (sessions that already earned
keep their single entry), and the rating period reads as the documented default."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from migrations import runner
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.workflow import count

LEDGER = """query($m: String!) { member(code: $m) { points { balance
  entries(first: 100) { edges { node { kind points action sourceType sourceId } } } } } }"""


async def _unearn(pair: DatabasePair) -> tuple[str, int, int]:
    """As at 0018: a confirmed session's earn entry removed (the rule did not exist).
    Its member, the session and his balance without it."""
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            duty_id, member = (
                await conn.execute(
                    text(
                        "SELECT d.id, d.member_code FROM post_duties d WHERE d.status = "
                        "'confirmed' AND EXISTS (SELECT 1 FROM points_entries e WHERE "
                        "e.source_type = 'PostDuty' AND e.source_id = d.id) ORDER BY d.id LIMIT 1"
                    )
                )
            ).one()
            await conn.execute(
                text(
                    "DELETE FROM points_entries WHERE source_type = 'PostDuty' "
                    "AND source_id = :d AND kind = 'earn'"
                ),
                {"d": duty_id},
            )
            balance = (
                await conn.execute(
                    text(
                        "SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_code = :m"
                    ),
                    {"m": member},
                )
            ).scalar_one()
            return str(member), int(duty_id), int(balance)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DatabasePair, str, int, int]]:
    """A seeded pair taken back to 0018, one confirmed session unearned there, then
    migrated to head."""
    with seeded_pair(request.param, tmp_path_factory, SMALL, "dutypts") as pair:
        runner.downgrade("community", pair.community_url, "0018")
        member, duty_id, balance = asyncio.run(_unearn(pair))
        runner.upgrade("community", pair.community_url)
        yield pair, member, duty_id, balance


@pytest.fixture
async def hub(migrated: tuple[DatabasePair, str, int, int]) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(migrated[0]):
        yield client


async def test_duty_confirmed_before_earns_its_points_once(
    hub: GraphQLClient, migrated: tuple[DatabasePair, str, int, int]
) -> None:
    pair, member, duty_id, balance = migrated
    me = hub.as_viewer("member", member=member)
    points = (await me.query(LEDGER, {"m": member}))["member"]["points"]
    earned = [
        e["node"] for e in points["entries"]["edges"]
        if (e["node"]["sourceType"], e["node"]["sourceId"]) == ("PostDuty", duty_id)
    ]  # fmt: skip
    assert [(e["kind"], e["points"], e["action"]) for e in earned] == [
        ("EARN", 5, "post_duty_confirmed")
    ]
    assert points["balance"] == balance + 5
    # Every confirmed session has exactly one earn entry; no other session has any.
    confirmed = await count(pair, "SELECT count(*) FROM post_duties WHERE status = 'confirmed'")
    assert confirmed > 0
    assert await count(
        pair, "SELECT count(*) FROM points_entries WHERE kind = 'earn' AND source_type = 'PostDuty'"
    ) == confirmed  # fmt: skip
    assert await count(
        pair, "SELECT count(*) FROM points_entries e JOIN post_duties d ON d.id = e.source_id "
        "WHERE e.source_type = 'PostDuty' AND d.status != 'confirmed'",
    ) == 0  # fmt: skip
    assert await count(
        pair, "SELECT count(*) FROM points_entries WHERE actor_subject = 'migration-0021'"
    ) == 1  # fmt: skip


async def test_the_rating_period_reads_as_the_default_after_the_migration(
    hub: GraphQLClient,
) -> None:
    district = hub.as_viewer("district", district="D01")
    policy = (await district.query(
        "query { ratingPolicy(year: 2026) { ratingDays isDefault version history { version } } }"
    ))["ratingPolicy"]  # fmt: skip
    assert policy == {"ratingDays": 7, "isDefault": True, "version": 0, "history": []}
    # And the district can set it on the migrated database.
    done = await district.query(
        """mutation { setRatingPolicy(input: {year: 2026, ratingDays: 10}) {
             userErrors { code } policy { version ratingDays } } }"""
    )
    assert done["setRatingPolicy"] == {
        "userErrors": [], "policy": {"version": 1, "ratingDays": 10}
    }  # fmt: skip
