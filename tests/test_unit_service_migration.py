"""Community migration 0011 (双服务) on a database with rows written at 0010: activities
keep their places (no unit holds any), demands are unclaimed and open to claims, through
the API, on both backends; and the downgrade gives the old tables back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL


@pytest.fixture(scope="module", params=BACKENDS)
def old_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "unit-service-migration") as pair:
        yield pair


async def _scalar(url: str, sql: str) -> object:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


DEMANDS = """{ demandItems(first: 100, filter: {statuses: [PUBLISHED]}) { edges { node { id
  claimantKind claimantCode community { code } } } } }"""
ACTIVITIES = """{ communities(first: 100) { edges { node { code activities(first: 50) {
  edges { node { capacity registeredCount unitPlaces placesLeft unitSignups { id } } } } } } } }"""
PAIRINGS = """{ workUnits(first: 100) { edges { node { code pairedCommunities(first: 20) {
  edges { node { community { code } } } } } } } }"""
CLAIM = """mutation($input: ClaimDemandInput!) { claimDemand(input: $input) {
  userErrors { code } demandItem { claimantKind claimantCode } } }"""


async def test_rows_written_at_0010_answer_the_new_rules(old_db: DatabasePair) -> None:
    url = old_db.community_url
    await runner.downgrade_async("community", url, "0010")
    # A published demand in every community, written at 0010 (the seed's may all be done).
    await _scalar(
        url,
        "INSERT INTO demand_items (community_id, category_id, title, requester_kind,"
        " requester_name, status, created_at) SELECT c.id, (SELECT min(id) FROM"
        " service_categories), '旧需求', 'resident', '张阿姨', 'published', CURRENT_TIMESTAMP"
        " FROM communities c",
    )
    await runner.upgrade_async("community", url)
    assert await runner.current_async("community", url) == runner.revisions("community")[-1]
    assert await _scalar(url, "SELECT count(*) FROM activity_unit_signups") == 0

    async for hub in client_for(old_db):
        demands = [e["node"] for e in (await hub.query(DEMANDS))["demandItems"]["edges"]]
        assert demands, "the seeded data has published demands"
        assert {(d["claimantKind"], d["claimantCode"]) for d in demands} == {(None, None)}
        for community in (await hub.query(ACTIVITIES))["communities"]["edges"]:
            for edge in community["node"]["activities"]["edges"]:
                a = edge["node"]
                assert (a["unitPlaces"], a["unitSignups"]) == (0, [])
                assert a["placesLeft"] == max(0, a["capacity"] - a["registeredCount"])
        # A unit paired with a demand's community claims it: the old row takes the new rule.
        paired = {
            (p["node"]["community"]["code"], u["node"]["code"])
            for u in (await hub.query(PAIRINGS))["workUnits"]["edges"]
            for p in u["node"]["pairedCommunities"]["edges"]
        }
        demand, unit = next(
            (d, u) for d in demands for c, u in paired if c == d["community"]["code"]
        )
        claimant = hub.as_viewer("unit_branch", unit=unit)
        got = (await claimant.query(CLAIM, {"input": {"demandId": demand["id"]}}))["claimDemand"]
        assert got == {
            "userErrors": [],
            "demandItem": {"claimantKind": "UNIT", "claimantCode": unit},
        }

    await runner.downgrade_async("community", url, "0010")
    columns = await _scalar(url, "SELECT count(*) FROM demand_items WHERE status = 'published'")
    assert columns == len(demands)
