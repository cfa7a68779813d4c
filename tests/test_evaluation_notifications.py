"""An organisation evaluation (组织评价) recorded about a member on the units side notifies
him (收到评价) through the units' notification outbox, relayed to the community feed at
the end of the request; a refused evaluation notifies nobody; the relay delivers once.

The world of tests/test_appraisal_ceiling.py: M1's ceiling is EXCELLENT, M2's is
BASICALLY_QUALIFIED.
"""

from __future__ import annotations

import asyncio

from datasources import notification_relay
from datasources.common import utcnow
from datasources.community.source import CommunitySource
from datasources.units.models import NotificationOutbox
from datasources.units.source import UnitsSource
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.test_appraisal_ceiling import _branch, _override, _record, ceiling_db, hub
from tests.test_notifications import _about, _feed
from tests.test_performance import YEAR
from tests.workflow import count

__all__ = ["ceiling_db", "hub"]  # the fixtures, shared with the ceiling tests' world

OUTBOX = "SELECT count(*) FROM notification_outbox"
WRITTEN = "SELECT count(*) FROM notifications WHERE kind = 'evaluation_written'"


async def test_the_member_is_told_of_his_organisation_evaluation_and_nobody_else(
    hub: GraphQLClient, ceiling_db: DatabasePair
) -> None:
    me = hub.as_viewer("member", member="M1")
    other = hub.as_viewer("member", member="M2")
    unread_before = (await _feed(me))["unreadCount"]
    recorded = await _record(_branch(hub), "M1", "QUALIFIED")
    assert recorded["userErrors"] == []
    evaluation_id = recorded["organisationEvaluation"]["id"]

    feed = await _feed(me)
    [told] = _about(feed, evaluation_id)
    assert (told["kind"], told["unread"]) == ("EVALUATION_WRITTEN", True)
    assert told["title"] == "收到组织评价"
    assert told["text"] == f"单位党组织对您作出了{YEAR}年度组织评价：合格。"
    assert feed["unreadCount"] == unread_before + 1
    # The link resolves with `node` for the branch that recorded it.
    node = await _branch(hub).query(
        "query($id: ID!) { node(id: $id) { ... on OrganisationEvaluation { id grade } } }",
        {"id": told["objectId"]},
    )
    assert node["node"] == {"id": evaluation_id, "grade": "QUALIFIED"}
    assert _about(await _feed(other), evaluation_id) == []
    # Relayed at the end of the request: nothing waits in the outbox.
    assert await count(ceiling_db, OUTBOX, side="units") == 0


async def test_a_refused_evaluation_notifies_nobody_and_an_override_does(
    hub: GraphQLClient, ceiling_db: DatabasePair
) -> None:
    m2 = hub.as_viewer("member", member="M2")
    written = await count(ceiling_db, WRITTEN)
    refused = await _record(_branch(hub), "M2", "EXCELLENT")
    assert [e["code"] for e in refused["userErrors"]] == ["ABOVE_CEILING"]
    assert await count(ceiling_db, OUTBOX, side="units") == 0
    assert await count(ceiling_db, WRITTEN) == written
    kinds = [e["node"]["kind"] for e in (await _feed(m2))["notifications"]["edges"]]
    assert "EVALUATION_WRITTEN" not in kinds

    # After M1's row was relayed and deleted: a new outbox id (SQLite reused it once).
    override = await _override(hub.as_viewer("district", district="D1"), "M2", "QUALIFIED")
    assert override["userErrors"] == []
    [told] = _about(await _feed(m2), override["organisationEvaluation"]["id"])
    assert told["kind"] == "EVALUATION_WRITTEN"
    assert told["text"] == f"区委组织部特批对您作出了{YEAR}年度组织评价：合格。"


async def test_the_relay_delivers_each_outbox_row_once(ceiling_db: DatabasePair) -> None:
    units, community = UnitsSource(ceiling_db.units_url), CommunitySource(ceiling_db.community_url)
    try:
        async with units.transaction() as session:
            rows = [
                NotificationOutbox(
                    addressee="member:M6", kind="evaluation_written", title="收到组织评价",
                    text=f"单位党组织对您作出了{YEAR}年度组织评价：合格。",
                    object_type="OrganisationEvaluation", object_id=9000 + n,
                    created_at=utcnow(),
                )
                for n in range(2)
            ]  # fmt: skip
            session.add_all(rows)
        written = await count(ceiling_db, WRITTEN)
        # Two processes at once, then once more: each row becomes one notification.
        both = await asyncio.gather(
            notification_relay.relay(units, community), notification_relay.relay(units, community)
        )
        assert sum(both) == 2
        assert await notification_relay.relay(units, community) == 0
        assert await count(ceiling_db, WRITTEN) == written + 2
        keys = "SELECT count(*) FROM notifications WHERE dedupe_key = :key"
        for row in rows:
            key = notification_relay.dedupe_key(row.id)
            assert await count(ceiling_db, keys, key=key) == 1
        assert await notification_relay.pending(units) == 0
    finally:
        await units.dispose()
        await community.dispose()
