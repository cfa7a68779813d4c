"""The reporting workflow (报到) end to end, as a member and a community use it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from resolvers.workflow import today_in_china
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, taken, workflow_fixtures

REPORT = """mutation($input: ReportToCommunityInput!) { reportToCommunity(input: $input) {
  clientMutationId userErrors { code message field }
  report { id status reportedOn community { code } building { code } skills availability
           history { fromState toState actorRole note } } } }"""
CONFIRM = """mutation($input: ReviewReportInput!) { confirmReport(input: $input) {
  userErrors { code message field } report { id status history { fromState toState } } } }"""
RETURN = CONFIRM.replace("confirmReport", "returnReport")


workflow_db, hub = workflow_fixtures("reporting")


async def _unreported(hub: GraphQLClient) -> str:
    """An in-service member with no active report yet, different on every call."""
    used = taken(hub)
    query = """query($after: String) { members(first: 100, after: $after, filter: {inService: true})
      { pageInfo { hasNextPage endCursor } edges { node { code report { id } } } } }"""
    after = None
    while True:
        page = (await hub.query(query, {"after": after}))["members"]
        for edge in page["edges"]:
            code = edge["node"]["code"]
            if edge["node"]["report"] is None and code not in used:
                used.add(code)
                return str(code)
        if not page["pageInfo"]["hasNextPage"]:
            raise AssertionError("the seeded data ran out of unreported members")
        after = page["pageInfo"]["endCursor"]


async def _a_building(hub: GraphQLClient, community: str) -> str:
    data = await hub.query(
        """query($c: String!) { community(code: $c) { compounds(first: 1) { edges { node {
             buildings(first: 1) { edges { node { code } } } } } } } }""",
        {"c": community},
    )
    return str(
        data["community"]["compounds"]["edges"][0]["node"]["buildings"]["edges"][0]["node"]["code"]
    )


def _report_input(community: str, **extra: Any) -> dict[str, Any]:
    return {"input": {"communityCode": community, **extra}}


async def test_report_confirm_and_the_full_trail(hub: GraphQLClient) -> None:
    member = await _unreported(hub)
    building = await _a_building(hub, "C001")
    me = hub.as_viewer("member", member=member)
    result = await me.query(REPORT, _report_input(
        "C001", buildingCode=building, skills=["书法", "书法", "摄影"],
        availability=["WEEKENDS", "WEEKDAY_EVENINGS"], intentions=["chancheng.epidemic"],
        note="周末可参加巡防",
    ))  # fmt: skip
    payload = result["reportToCommunity"]
    assert payload["userErrors"] == []
    report = payload["report"]
    assert report["status"] == "PENDING"
    assert report["community"]["code"] == "C001"
    assert report["building"]["code"] == building
    assert report["skills"] == ["书法", "摄影"]
    assert set(report["availability"]) == {"WEEKENDS", "WEEKDAY_EVENINGS"}
    assert report["history"] == [
        {"fromState": None, "toState": "pending", "actorRole": "member", "note": "周末可参加巡防"}
    ]
    committee = hub.as_viewer("community", community="C001")
    confirmed = (await committee.query(CONFIRM, {"input": {"reportId": report["id"]}}))[
        "confirmReport"
    ]
    assert confirmed["userErrors"] == []
    assert confirmed["report"]["status"] == "CONFIRMED"
    assert confirmed["report"]["history"][-1] == {"fromState": "pending", "toState": "confirmed"}
    seen = await hub.query(
        "query($m: String!) { member(code: $m) { residenceCommunity { code } } }", {"m": member}
    )
    assert seen["member"]["residenceCommunity"]["code"] == "C001"
    # Invalid transition: the error names the current state, and nothing changes.
    again = (await committee.query(CONFIRM, {"input": {"reportId": report["id"]}}))["confirmReport"]
    assert again["report"] is None
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已报到" in again["userErrors"][0]["message"]
    returned = await committee.query(RETURN, {"input": {"reportId": report["id"], "reason": "x"}})
    assert returned["returnReport"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_returning_needs_a_reason(hub: GraphQLClient) -> None:
    member = await _unreported(hub)
    me = hub.as_viewer("member", member=member)
    report = (await me.query(REPORT, _report_input("C002")))["reportToCommunity"]["report"]
    committee = hub.as_viewer("community", community="C002")
    no_reason = await committee.query(RETURN, {"input": {"reportId": report["id"]}})
    assert no_reason["returnReport"]["userErrors"][0] == {
        "code": "INVALID_INPUT",
        "message": "退回报到须说明原因。",
        "field": "input.reason",
    }
    done = await committee.query(
        RETURN, {"input": {"reportId": report["id"], "reason": "楼栋信息有误，请重新填报"}}
    )
    assert done["returnReport"]["report"]["status"] == "RETURNED"
    # A returned report is not active: he may report again.
    again = await me.query(REPORT, _report_input("C002"))
    assert again["reportToCommunity"]["userErrors"] == []


NODE = """query($id: ID!) { node(id: $id) { ... on Report { status endedOn endReason
  community { code } movesFrom { id } history { fromState toState note } } } }"""
MINE = """query($y: Int!) { me { report { id community { code } } residenceCommunity { code }
  performance(year: $y) { reporting { reported community { code }
    intervals { reportId endedOn endReason community { code } } } } } }"""
END = """mutation($input: EndReportInput!) { endReport(input: $input) {
  userErrors { code message field } report { id status endedOn endReason } } }"""


async def _confirmed_in(hub: GraphQLClient, community: str) -> tuple[str, GraphQLClient, str]:
    """A member with a report confirmed in `community`: (code, his client, report id)."""
    member = await _unreported(hub)
    me = hub.as_viewer("member", member=member)
    first = (await me.query(REPORT, _report_input(community)))["reportToCommunity"]["report"]
    await hub.as_viewer("community", community=community).query(
        CONFIRM, {"input": {"reportId": first["id"]}}
    )
    return member, me, str(first["id"])


async def _move(me: GraphQLClient, community: str) -> dict[str, Any]:
    moved = (await me.query(REPORT, _report_input(community)))["reportToCommunity"]
    assert moved["userErrors"] == []
    report: dict[str, Any] = moved["report"]
    return report


async def test_a_filed_move_leaves_the_old_report_active(hub: GraphQLClient) -> None:
    member, me, old_id = await _confirmed_in(hub, "C001")
    moved = await _move(me, "C003")
    assert (moved["status"], moved["community"]["code"]) == ("PENDING", "C003")
    old = (await me.query(NODE, {"id": old_id}))["node"]
    assert (old["status"], old["endedOn"], old["endReason"]) == ("CONFIRMED", None, None)
    new = (await me.query(NODE, {"id": moved["id"]}))["node"]
    assert new["movesFrom"] == {"id": old_id}
    mine = (await me.query(MINE, {"y": today_in_china().year}))["me"]
    assert mine["report"]["id"] == old_id  # still reported in the old community
    assert mine["residenceCommunity"]["code"] == "C001"
    reporting = mine["performance"]["reporting"]
    assert reporting["reported"] is True
    assert reporting["community"]["code"] == "C001"
    assert [i["community"]["code"] for i in reporting["intervals"]] == ["C001"]
    # The old community still counts him among its supporters.
    supporters = await hub.as_viewer("community", community="C001").query(
        """query($m: [String!]) { community(code: "C001") { supporters(first: 5,
             filter: {memberCodes: $m, statuses: [CONFIRMED]}) { edges { node { id } } } } }""",
        {"m": [member]},
    )
    assert [e["node"]["id"] for e in supporters["community"]["supporters"]["edges"]] == [old_id]


async def test_a_returned_move_leaves_the_old_report_untouched(hub: GraphQLClient) -> None:
    _member, me, old_id = await _confirmed_in(hub, "C001")
    moved = await _move(me, "C002")
    returned = await hub.as_viewer("community", community="C002").query(
        RETURN, {"input": {"reportId": moved["id"], "reason": "非本社区居民"}}
    )
    assert returned["returnReport"]["report"]["status"] == "RETURNED"
    new = (await me.query(NODE, {"id": moved["id"]}))["node"]
    assert (new["endedOn"], new["endReason"]) == (today_in_china().isoformat(), "RETURNED")
    old = (await me.query(NODE, {"id": old_id}))["node"]
    assert (old["status"], old["endedOn"], old["endReason"]) == ("CONFIRMED", None, None)
    assert old["history"][-1]["toState"] == "confirmed"
    mine = (await me.query(MINE, {"y": today_in_china().year}))["me"]
    assert mine["residenceCommunity"]["code"] == "C001"


async def test_confirming_a_move_closes_the_old_report_that_day(hub: GraphQLClient) -> None:
    _member, me, old_id = await _confirmed_in(hub, "C001")
    moved = await _move(me, "C003")
    confirmed = await hub.as_viewer("community", community="C003").query(
        CONFIRM, {"input": {"reportId": moved["id"]}}
    )
    assert confirmed["confirmReport"]["userErrors"] == []
    today = today_in_china().isoformat()
    old = (await me.query(NODE, {"id": old_id}))["node"]
    assert (old["status"], old["endedOn"], old["endReason"]) == ("CLOSED", today, "MOVED")
    assert old["history"][-1]["fromState"] == "confirmed"
    assert old["history"][-1]["toState"] == "closed"
    assert old["history"][-1]["note"].startswith("迁往")
    mine = (await me.query(MINE, {"y": today_in_china().year}))["me"]
    assert mine["report"]["community"]["code"] == "C003"
    intervals = mine["performance"]["reporting"]["intervals"]
    assert [(i["community"]["code"], i["endedOn"], i["endReason"]) for i in intervals] == [
        ("C001", today, "MOVED"), ("C003", None, None),
    ]  # fmt: skip
    assert mine["performance"]["reporting"]["community"]["code"] == "C003"


async def test_a_second_pending_report_replaces_the_first(hub: GraphQLClient) -> None:
    _member, me, old_id = await _confirmed_in(hub, "C001")
    first = await _move(me, "C002")
    second = await _move(me, "C003")
    replaced = (await me.query(NODE, {"id": first["id"]}))["node"]
    assert (replaced["status"], replaced["endReason"]) == ("CLOSED", "WITHDRAWN")
    assert (await me.query(NODE, {"id": second["id"]}))["node"]["movesFrom"] == {"id": old_id}
    assert (await me.query(NODE, {"id": old_id}))["node"]["status"] == "CONFIRMED"
    # Moving back to where he is confirmed is no move.
    back = (await me.query(REPORT, _report_input("C001")))["reportToCommunity"]
    assert back["userErrors"][0]["code"] == "DUPLICATE"


async def test_a_member_who_left_service_has_his_report_ended(hub: GraphQLClient) -> None:
    member, me, report_id = await _confirmed_in(hub, "C002")
    unit = (await hub.query("query($m: String!) { member(code: $m) { unit { code } } }",
                            {"m": member}))["member"]["unit"]["code"]  # fmt: skip
    branch = hub.as_viewer("unit_branch", unit=unit)
    refused = await branch.query(END, {"input": {"reportId": report_id, "reason": "CLOSED"}})
    assert refused["endReport"]["userErrors"][0]["field"] == "input.reason"
    other = "U0001" if unit != "U0001" else "U0002"
    error = await hub.as_viewer("unit_branch", unit=other).error(
        END, {"input": {"reportId": report_id, "reason": "LEFT_SERVICE"}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    ended = await branch.query(END, {"input": {"reportId": report_id, "reason": "LEFT_SERVICE"}})
    assert ended["endReport"]["userErrors"] == []
    today = today_in_china().isoformat()
    assert ended["endReport"]["report"] == {
        "id": report_id, "status": "CLOSED", "endedOn": today, "endReason": "LEFT_SERVICE",
    }  # fmt: skip
    again = await hub.as_viewer("community", community="C002").query(
        END, {"input": {"reportId": report_id, "reason": "CLOSED"}}
    )
    assert again["endReport"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert (await me.query(MINE, {"y": today_in_china().year}))["me"]["report"] is None


SEEDED_CASES = {
    # Closed in 2025, never reported again: not reported in 2026.
    "closed in 2025": """SELECT count(*) FROM reports r WHERE r.status = 'closed'
      AND r.ended_on < '2026-01-01' AND NOT EXISTS (SELECT 1 FROM reports a
      WHERE a.member_code = r.member_code AND a.status IN ('pending', 'confirmed'))""",
    "pending move": """SELECT count(*) FROM reports n JOIN reports o ON o.id = n.moves_from_id
      WHERE n.status = 'pending' AND o.status = 'confirmed' AND o.ended_on IS NULL""",
    "returned move": """SELECT count(*) FROM reports n JOIN reports o ON o.id = n.moves_from_id
      WHERE n.status = 'returned' AND n.end_reason = 'returned' AND o.status = 'confirmed'""",
    "completed move": """SELECT count(*) FROM reports n JOIN reports o ON o.id = n.moves_from_id
      WHERE n.status = 'confirmed' AND o.status = 'closed' AND o.end_reason = 'moved'
      AND o.ended_on >= n.reported_on""",
}


async def test_the_seed_holds_every_kind_of_interval(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    for case, sql in SEEDED_CASES.items():
        assert await count(workflow_db, sql) > 0, case
    # Through the API: a member moving to another community is still reported in the old one.
    pair = await _rows(workflow_db, """SELECT n.member_code, c.code FROM reports n
      JOIN reports o ON o.id = n.moves_from_id JOIN communities c ON c.id = o.community_id
      WHERE n.status = 'pending' ORDER BY n.id""")  # fmt: skip
    member, old_community = pair
    seen = await hub.query(
        "query($m: String!) { member(code: $m) { report { status community { code } } } }",
        {"m": member},
    )
    assert seen["member"]["report"] == {"status": "CONFIRMED", "community": {"code": old_community}}


async def _rows(pair: DatabasePair, sql: str) -> tuple[str, str]:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(text(sql))).first()
    finally:
        await engine.dispose()
    assert row is not None
    return str(row[0]), str(row[1])


async def test_reporting_twice_to_the_same_community_is_refused(hub: GraphQLClient) -> None:
    member = await _unreported(hub)
    me = hub.as_viewer("member", member=member)
    await me.query(REPORT, _report_input("C001"))
    twice = (await me.query(REPORT, _report_input("C001")))["reportToCommunity"]
    assert twice["report"] is None
    assert twice["userErrors"][0]["code"] == "DUPLICATE"
    assert twice["userErrors"][0]["field"] == "input.communityCode"


async def test_a_retried_request_returns_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    member = await _unreported(hub)
    mine = "SELECT count(*) FROM reports WHERE member_code = :m"
    before = await count(workflow_db, mine, m=member)  # earlier moves leave closed ones
    me = hub.as_viewer("member", member=member)
    variables = _report_input("C002", clientMutationId="phone-retry-1")
    first = (await me.query(REPORT, variables))["reportToCommunity"]
    second = (await me.query(REPORT, variables))["reportToCommunity"]
    assert second["userErrors"] == []
    assert second["report"]["id"] == first["report"]["id"]
    assert second["clientMutationId"] == "phone-retry-1"
    assert await count(workflow_db, mine, m=member) == before + 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"buildingCode": "NO-SUCH-BUILDING"}, "input.buildingCode"),
        ({"intentions": ["chancheng.epidemic", "no.such.category"]}, "input.intentions"),
    ],
)
async def test_bad_references_change_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair, extra: dict[str, Any], field: str
) -> None:
    member = await _unreported(hub)
    before = await count(workflow_db, "SELECT count(*) FROM reports")
    events = await count(workflow_db, "SELECT count(*) FROM state_events")
    result = await hub.as_viewer("member", member=member).query(
        REPORT, _report_input("C001", **extra)
    )
    error = result["reportToCommunity"]["userErrors"][0]
    assert (error["code"], error["field"]) == ("NOT_FOUND", field)
    assert await count(workflow_db, "SELECT count(*) FROM reports") == before
    assert await count(workflow_db, "SELECT count(*) FROM state_events") == events


async def test_only_the_own_community_may_review(hub: GraphQLClient) -> None:
    member = await _unreported(hub)
    report = (await hub.as_viewer("member", member=member).query(REPORT, _report_input("C001")))[
        "reportToCommunity"
    ]["report"]
    for role, scope in [("community", {"community": "C002"}), ("unit_branch", {"unit": "U0001"}),
                        ("member", {"member": member}), ("district", {"district": "D01"})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(
            CONFIRM, {"input": {"reportId": report["id"]}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role
    refused = await hub.as_viewer("community", community="C001").error(
        REPORT, _report_input("C001")
    )
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_members_out_of_service_cannot_report(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    member = await _unreported(hub)
    engine = create_async_engine(workflow_db.units_url)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE members SET in_service = false WHERE code = :m"),
                           {"m": member})  # fmt: skip
    await engine.dispose()
    result = await hub.as_viewer("member", member=member).query(REPORT, _report_input("C001"))
    assert result["reportToCommunity"]["userErrors"][0]["code"] == "NOT_IN_SERVICE"


async def test_concurrent_reports_leave_one_pending_report(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    member = await _unreported(hub)
    me = hub.as_viewer("member", member=member)
    bodies = await asyncio.gather(
        *(me.raw(REPORT, _report_input(code)) for code in ("C001", "C002", "C003"))
    )
    assert all(not body.get("errors") for body in bodies), bodies
    active = await count(
        workflow_db,
        "SELECT count(*) FROM reports WHERE member_code = :m AND status IN ('pending', 'confirmed')",
        m=member,
    )
    assert active == 1
