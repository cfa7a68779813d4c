"""Community migration 0019 (a unit claims wishes, posts and projects) on a database with
rows written at 0018, through the API on both backends: every claim written before is a
member's (wishes, post claims and duty keep their member), no project is claimed; a unit
then claims an old wish and counts only that; the downgrade gives the old tables back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from datasources.base import create_engine_for
from migrations import runner
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL


@pytest.fixture(scope="module", params=BACKENDS)
def old_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "unit-claims-migration") as pair:
        yield pair


async def _scalar(url: str, sql: str) -> object:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql))
            return result.scalar() if result.returns_rows else None
    finally:
        await engine.dispose()


WISHES = """query($c: String!) { community(code: $c) { microWishes(first: 100) { edges { node {
  id status claimantKind claimedByCode claimedByUnitCode } } } } }"""
CLAIMS = """query($c: String!) { community(code: $c) { posts(first: 100) { edges { node {
  claims(first: 100, includeReleased: true) { edges { node { claimantKind memberCode unitCode
  } } } } } } } }"""
PAIRINGS = """{ workUnits(first: 100) { edges { node { code pairedCommunities(first: 20) {
  edges { node { community { code } } } } } } } }"""
CLAIM = """mutation($input: ClaimMicroWishInput!) { claimMicroWish(input: $input) {
  userErrors { code } microWish { claimantKind claimedByUnitCode } } }"""
CONTRIBUTION = """query($code: String!, $year: Int!) { workUnit(code: $code) {
  communityContribution(year: $year) { wishesClaimed postsClaimed projectsClaimed } } }"""


async def test_rows_written_at_0018_are_members_claims(old_db: DatabasePair) -> None:
    url = old_db.community_url
    await runner.downgrade_async("community", url, "0018")
    # A published wish in every community, written at 0018 (the seed's may all be claimed).
    await _scalar(
        url,
        "INSERT INTO micro_wishes (community_id, title, beneficiary_name, status, created_at)"
        " SELECT c.id, '旧心愿', '李爷爷', 'published', CURRENT_TIMESTAMP FROM communities c",
    )
    claimed = await _scalar(url, "SELECT count(*) FROM micro_wishes WHERE claimed_by IS NOT NULL")
    claims = await _scalar(url, "SELECT count(*) FROM post_claims")
    duties = await _scalar(url, "SELECT count(*) FROM post_duties")
    assert claimed, "the seeded data has wishes members claimed"
    assert claims, "the seeded data has members' post claims"
    assert duties, "the seeded data has members' duty"

    await runner.upgrade_async("community", url)
    assert await runner.current_async("community", url) == runner.revisions("community")[-1]
    assert await _scalar(url, "SELECT count(*) FROM micro_wishes WHERE claimant_kind = 'member'"
                         " AND claimed_by IS NOT NULL") == claimed  # fmt: skip
    assert await _scalar(url, "SELECT count(*) FROM micro_wishes WHERE claimant_kind = 'unit'"
                         " OR claimed_by_unit IS NOT NULL") == 0  # fmt: skip
    assert await _scalar(url, "SELECT count(*) FROM post_claims WHERE claimant_kind = 'member'"
                         " AND member_code IS NOT NULL AND unit_code IS NULL") == claims  # fmt: skip
    assert await _scalar(url, "SELECT count(*) FROM post_duties WHERE member_code IS NOT NULL"
                         " AND unit_code IS NULL") == duties  # fmt: skip
    assert await _scalar(url, "SELECT count(*) FROM agreement_projects WHERE"
                         " claimant_code IS NOT NULL") == 0  # fmt: skip
    # The new rules hold on the old rows: no claim without its claimant's column.
    with pytest.raises(IntegrityError):
        await _scalar(url, "UPDATE post_claims SET member_code = NULL")

    year = (datetime.now(UTC) + timedelta(hours=8)).year
    async for hub in client_for(old_db):
        paired = {
            (p["node"]["community"]["code"], u["node"]["code"])
            for u in (await hub.query(PAIRINGS))["workUnits"]["edges"]
            for p in u["node"]["pairedCommunities"]["edges"]
        }
        community, unit = sorted(paired)[0]
        committee = hub.as_viewer("community", community=community)
        wishes = [
            e["node"]
            for e in (await committee.query(WISHES, {"c": community}))["community"]["microWishes"][
                "edges"
            ]
        ]
        kinds = {(w["claimedByCode"] is not None, w["claimantKind"]) for w in wishes}
        assert kinds <= {(True, "MEMBER"), (False, None)}
        assert all(w["claimedByUnitCode"] is None for w in wishes)
        posts = (await committee.query(CLAIMS, {"c": community}))["community"]["posts"]["edges"]
        post_claims = [c["node"] for p in posts for c in p["node"]["claims"]["edges"]]
        assert {(c["claimantKind"], c["unitCode"]) for c in post_claims} <= {("MEMBER", None)}
        branch = hub.as_viewer("unit_branch", unit=unit)
        before = (await branch.query(CONTRIBUTION, {"code": unit, "year": year}))["workUnit"]
        assert before["communityContribution"] == {
            "wishesClaimed": 0, "postsClaimed": 0, "projectsClaimed": 0,
        }  # fmt: skip
        # A paired unit claims an old wish: the old row takes the new rule.
        old = next(w for w in wishes if w["status"] == "PUBLISHED")
        got = (await branch.query(CLAIM, {"input": {"wishId": old["id"]}}))["claimMicroWish"]
        assert got == {
            "userErrors": [],
            "microWish": {"claimantKind": "UNIT", "claimedByUnitCode": unit},
        }
        after = (await branch.query(CONTRIBUTION, {"code": unit, "year": year}))["workUnit"]
        assert after["communityContribution"]["wishesClaimed"] == 1

    await runner.downgrade_async("community", url, "0018")
    # The unit's claim has no place at 0018: the wish is open again; members' rows stay.
    assert await _scalar(url, "SELECT count(*) FROM post_claims") == claims
    assert await _scalar(url, "SELECT count(*) FROM micro_wishes WHERE claimed_by IS NOT NULL") == (
        claimed
    )
