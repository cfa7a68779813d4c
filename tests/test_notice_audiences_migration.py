"""Community migration 0026 on a seeded database at 0025, on both backends: the seeded
notifications and notices stay as they were, and the new values it allows (a notice to a
street, a points-expiring notification) are written through GraphQL; downgrading removes
exactly those and restores the old constraints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from migrations import runner
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.workflow import count

PUBLISH = """mutation($input: PublishNoticeInput!) { publishNotice(input: $input) {
  notice { id audience } userErrors { code } } }"""
ANNOUNCE = """mutation($input: AnnouncePointsExpiryInput!) { announcePointsExpiry(input: $input) {
  members userErrors { code } } }"""
ROWS = {
    "notices": "SELECT count(*) FROM notices",
    "street notices": "SELECT count(*) FROM notices WHERE audience = 'street'",
    "notifications": "SELECT count(*) FROM notifications",
    "expiring": "SELECT count(*) FROM notifications WHERE kind = 'points_expiring'",
}


async def _counts(pair: DatabasePair) -> dict[str, int]:
    return {name: await count(pair, sql) for name, sql in ROWS.items()}


@pytest.fixture(scope="module", params=BACKENDS)
def at_0025(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "noticemig") as pair:
        runner.downgrade("community", pair.community_url, "0025")
        yield pair


async def test_the_upgrade_keeps_the_feed_and_admits_street_notices(at_0025: DatabasePair) -> None:
    before = await _counts(at_0025)
    assert before["notices"] > 0
    assert before["notifications"] > 0
    await runner.upgrade_async("community", at_0025.community_url)
    assert await _counts(at_0025) == before

    async for hub in client_for(at_0025):
        street = (await hub.query('{ community(code: "C001") { street { code } } }'))["community"][
            "street"
        ]["code"]
        published = await hub.as_viewer("street", street=street).query(
            PUBLISH, {"input": {"title": "街道通知", "body": "内容。", "audience": "STREET",
                                "audienceCode": street}},
        )  # fmt: skip
        assert published["publishNotice"]["userErrors"] == []
        announced = await hub.query(
            ANNOUNCE, {"input": {"before": "2099-01-01", "expiresOn": "2099-01-01"}}
        )
        assert announced["announcePointsExpiry"]["userErrors"] == []
        assert announced["announcePointsExpiry"]["members"] > 0
    after = await _counts(at_0025)
    assert after["street notices"] == before["street notices"] + 1
    assert after["expiring"] > 0

    await runner.downgrade_async("community", at_0025.community_url, "0025")
    assert await _counts(at_0025) == before
    await runner.upgrade_async("community", at_0025.community_url)
