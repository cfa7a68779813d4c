"""Post duty (岗位值守) end to end: a claim alone is no service; confirmed duty sessions are,
with their hours, in `performance` and in the spreadsheet; who records and who confirms."""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.common import CHINA
from datasources.community.models import PostClaim
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

CATEGORY = "chancheng.epidemic"
PUBLISH = """mutation($input: PublishPostInput!) { publishPost(input: $input) {
  userErrors { code message field } post { id code keeperCode } } }"""
KEEPER = """mutation($input: SetPostKeeperInput!) { setPostKeeper(input: $input) {
  userErrors { code message field } post { id keeperCode } } }"""
CLAIM = """mutation($input: ClaimPostInput!) { claimPost(input: $input) {
  userErrors { code } claim { id } } }"""
RECORD = """mutation($input: RecordPostDutyInput!) { recordPostDuty(input: $input) {
  clientMutationId userErrors { code message field }
  duty { id status hours memberCode recordedBy note post { code }
         history { fromState toState actorRole note } } } }"""
CONFIRM = """mutation($input: ConfirmPostDutyInput!) { confirmPostDuty(input: $input) {
  userErrors { code message field } duty { id status decidedByRole decidedAt } } }"""
REJECT = """mutation($input: RejectPostDutyInput!) { rejectPostDuty(input: $input) {
  userErrors { code message field } duty { id status decisionNote } } }"""
PERFORMANCE = """query($m: String!, $y: Int!) { member(code: $m) { performance(year: $y) {
  totalServices totalHours posts { count hours recordIds } } } }"""

workflow_db, hub = workflow_fixtures("duty")

NOW = datetime.now(CHINA).replace(microsecond=0)
# Sessions of the tests: days before now, inside the backdated claims (see `_claim`); the
# sessions that count all lie 3 days back, so their year is this one.
YEAR = (NOW - timedelta(days=3)).year


def _at(days_ago: int, hour: int) -> str:
    moment = (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0)
    return moment.isoformat()


async def _publish(hub: GraphQLClient, community: str, keeper: str | None = None) -> str:
    committee = hub.as_viewer("community", community=community)
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "门岗值守岗",
              "capacity": 5, "keeperCode": keeper}  # fmt: skip
    payload = (await committee.query(PUBLISH, {"input": fields}))["publishPost"]
    assert payload["userErrors"] == [], payload
    assert payload["post"]["keeperCode"] == keeper
    post_id: str = payload["post"]["id"]
    return post_id


async def _claim(hub: GraphQLClient, pair: DatabasePair, member: str, post: str) -> None:
    """Claim, then date the claim 20 days back: duty is served after a claim, in the past."""
    me = hub.as_viewer("member", member=member)
    assert (await me.query(CLAIM, {"input": {"postId": post}}))["claimPost"]["userErrors"] == []
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                update(PostClaim)
                .where(PostClaim.member_code == member)
                .values(claimed_at=NOW - timedelta(days=20))
            )
    finally:
        await engine.dispose()


async def _record(
    client: GraphQLClient, post: str, starts: str, ends: str, **extra: Any
) -> dict[str, Any]:
    fields = {"postId": post, "startsAt": starts, "endsAt": ends, **extra}
    payload: dict[str, Any] = (await client.query(RECORD, {"input": fields}))["recordPostDuty"]
    return payload


async def _performance(client: GraphQLClient, member: str) -> dict[str, Any]:
    data = await client.query(PERFORMANCE, {"m": member, "y": YEAR})
    result: dict[str, Any] = data["member"]["performance"]
    return result


async def test_a_claim_is_no_service_only_confirmed_duty_counts(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    keeper, member = await supporters(hub, "C001", 2)
    post = await _publish(hub, "C001", keeper)
    before = await _performance(hub, member)
    await _claim(hub, workflow_db, member, post)
    claimed = await _performance(hub, member)
    assert claimed == before  # the claim alone adds nothing

    me = hub.as_viewer("member", member=member)
    recorded = await _record(me, post, _at(3, 8), _at(3, 10), note="早班门岗，测温登记")
    assert recorded["userErrors"] == []
    duty = recorded["duty"]
    assert (duty["status"], duty["hours"], duty["recordedBy"]) == ("PENDING", "2.00", member)
    assert duty["history"] == [
        {"fromState": None, "toState": "pending", "actorRole": "member", "note": None}
    ]
    assert await _performance(hub, member) == before  # pending counts nothing

    committee = hub.as_viewer("community", community="C001")
    confirmed = (await committee.query(CONFIRM, {"input": {"dutyId": duty["id"]}}))[
        "confirmPostDuty"
    ]
    assert confirmed["userErrors"] == []
    assert (confirmed["duty"]["status"], confirmed["duty"]["decidedByRole"]) == (
        "CONFIRMED", "community",
    )  # fmt: skip
    after = await _performance(hub, member)
    assert after["totalServices"] == before["totalServices"] + 1
    assert after["totalHours"] == before["totalHours"] + 2.0
    assert (after["posts"]["count"], after["posts"]["hours"]) == (1, 2.0)
    assert len(after["posts"]["recordIds"]) == 1

    # A second session, rejected by the keeper: counts nothing, and frees its time.
    second = (await _record(me, post, _at(2, 18), _at(2, 21)))["duty"]
    reject = {"dutyId": second["id"], "reason": "当日未到岗"}
    rejected = (await hub.as_viewer("member", member=keeper).query(REJECT, {"input": reject}))[
        "rejectPostDuty"
    ]
    assert rejected["userErrors"] == []
    assert rejected["duty"]["status"] == "REJECTED"
    assert await _performance(hub, member) == after
    again = await _record(me, post, _at(2, 18), _at(2, 21))
    assert again["userErrors"] == []
    assert await _performance(hub, member) == after  # pending again


async def test_the_spreadsheet_counts_duty_not_claims(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await supporters(hub, "C002", 1)
    post = await _publish(hub, "C002")
    await _claim(hub, workflow_db, member, post)
    committee = hub.as_viewer("community", community="C002")

    async def row() -> dict[str, str]:
        from gateway.reports import HEADERS

        response = await hub.http.get(
            f"/reports/community/C002.csv?year={YEAR}", headers=committee.headers
        )
        assert response.status_code == 200, response.text
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert tuple(rows[0]) == HEADERS
        found = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:] if r[0] == member]
        assert len(found) == 1
        return found[0]

    claimed = await row()
    assert (claimed["岗位值守（次）"], claimed["值守时长（小时）"]) == ("0", "0.0")
    me = hub.as_viewer("member", member=member)
    pending = (await _record(me, post, _at(3, 9), _at(3, 12)))["duty"]
    rejected = (await _record(me, post, _at(5, 9), _at(5, 10)))["duty"]
    await committee.query(REJECT, {"input": {"dutyId": rejected["id"], "reason": "不实"}})
    assert await row() == claimed
    await committee.query(CONFIRM, {"input": {"dutyId": pending["id"]}})
    served = await row()
    assert (served["岗位值守（次）"], served["值守时长（小时）"]) == ("1", "3.0")
    assert int(served["计入服务次数"]) == int(claimed["计入服务次数"]) + 1
    assert float(served["计入服务时长（小时）"]) == float(claimed["计入服务时长（小时）"]) + 3.0
    # The same figures as the API gives the same viewer.
    figures = await _performance(committee, member)
    assert int(served["计入服务次数"]) == figures["totalServices"]


@pytest.mark.parametrize(
    ("starts", "ends", "code", "field"),
    [
        ((3, 10), (3, 8), "INVALID_INPUT", "input.endsAt"),  # ends before it starts
        ((4, 6), (3, 8), "INVALID_INPUT", "input.endsAt"),  # longer than 24 hours
        ((0, 0), (-1, 8), "INVALID_INPUT", "input.endsAt"),  # ends tomorrow
        ((30, 8), (30, 10), "OUTSIDE_WINDOW", "input.startsAt"),  # before his claim
    ],
)
async def test_impossible_sessions_are_refused(
    hub: GraphQLClient,
    workflow_db: DatabasePair,
    starts: tuple[int, int],
    ends: tuple[int, int],
    code: str,
    field: str,
) -> None:
    [member] = await supporters(hub, "C003", 1)
    post = await _publish(hub, "C003")
    await _claim(hub, workflow_db, member, post)
    before = await count(workflow_db, "SELECT count(*) FROM post_duties")
    me = hub.as_viewer("member", member=member)
    refused = await _record(me, post, _at(*starts), _at(*ends))
    assert refused["duty"] is None
    error = refused["userErrors"][0]
    assert (error["code"], error["field"]) == (code, field)
    assert await count(workflow_db, "SELECT count(*) FROM post_duties") == before


async def test_overlapping_sessions_of_a_member_on_a_post_are_refused(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await supporters(hub, "C003", 1)
    post = await _publish(hub, "C003")
    await _claim(hub, workflow_db, member, post)
    me = hub.as_viewer("member", member=member)
    assert (await _record(me, post, _at(6, 8), _at(6, 12)))["userErrors"] == []
    overlap = await _record(me, post, _at(6, 11), _at(6, 14))
    assert overlap["userErrors"][0]["code"] == "DUPLICATE"
    assert "重叠" in overlap["userErrors"][0]["message"]
    # Back to back is no overlap.
    assert (await _record(me, post, _at(6, 12), _at(6, 14)))["userErrors"] == []
    # Without a claim of the post there is no duty to record.
    other = await _publish(hub, "C003")
    unclaimed = await _record(me, other, _at(6, 8), _at(6, 9))
    assert unclaimed["userErrors"][0]["code"] == "OUTSIDE_WINDOW"


async def test_who_records_and_who_confirms(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    keeper, member, other = await supporters(hub, "C001", 3)
    post = await _publish(hub, "C001", keeper)
    await _claim(hub, workflow_db, member, post)
    as_keeper = hub.as_viewer("member", member=keeper)
    as_member = hub.as_viewer("member", member=member)
    as_other = hub.as_viewer("member", member=other)

    # Another member may not record for him; the keeper may, and says so in the history.
    error = await as_other.error(
        RECORD,
        {
            "input": {
                "postId": post,
                "startsAt": _at(7, 8),
                "endsAt": _at(7, 9),
                "memberCode": member,
            }
        },
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    by_keeper = await _record(as_keeper, post, _at(7, 8), _at(7, 9), memberCode=member)
    assert by_keeper["userErrors"] == []
    kept = by_keeper["duty"]
    assert (kept["memberCode"], kept["recordedBy"]) == (member, keeper)
    assert kept["history"][0]["note"] == "岗位负责人代为登记"
    # ... but may not confirm what he recorded himself; nor the member his own session.
    for client in (as_keeper, as_member, as_other):
        error = await client.error(CONFIRM, {"input": {"dutyId": kept["id"]}})
        assert error["extensions"]["code"] == "FORBIDDEN"
    own = (await _record(as_member, post, _at(8, 8), _at(8, 9)))["duty"]
    error = await as_member.error(CONFIRM, {"input": {"dutyId": own["id"]}})
    assert error["extensions"]["code"] == "FORBIDDEN"
    # Other communities and roles may not decide at all.
    for role, scope in [("community", {"community": "C002"}), ("unit_branch", {"unit": "U0001"}),
                        ("district", {"district": "D01"}), ("resident", {"community": "C001"})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(CONFIRM, {"input": {"dutyId": own["id"]}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        session = {"input": {"postId": post, "startsAt": _at(9, 8), "endsAt": _at(9, 9)}}
        if role == "unit_branch":
            # A unit records only on a claim of its own (单位认领), and it has none here.
            refused = await hub.as_viewer(role, **scope).query(RECORD, session)
            codes = [e["code"] for e in refused["recordPostDuty"]["userErrors"]]
            assert codes == ["OUTSIDE_WINDOW"], role
            continue
        error = await hub.as_viewer(role, **scope).error(RECORD, session)
        assert error["extensions"]["code"] == "FORBIDDEN", role
    # The keeper confirms the member's own session; the community the keeper's recording.
    by = (await as_keeper.query(CONFIRM, {"input": {"dutyId": own["id"]}}))["confirmPostDuty"]
    assert (by["duty"]["status"], by["duty"]["decidedByRole"]) == ("CONFIRMED", "keeper")
    committee = hub.as_viewer("community", community="C001")
    by = (await committee.query(CONFIRM, {"input": {"dutyId": kept["id"]}}))["confirmPostDuty"]
    assert by["duty"]["status"] == "CONFIRMED"
    twice = (await committee.query(CONFIRM, {"input": {"dutyId": kept["id"]}}))["confirmPostDuty"]
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    third = (await _record(as_member, post, _at(9, 8), _at(9, 9)))["duty"]
    blank = {"dutyId": third["id"], "reason": " "}
    no_reason = (await committee.query(REJECT, {"input": blank}))["rejectPostDuty"]
    assert no_reason["userErrors"] == [
        {"code": "INVALID_INPUT", "message": "请填写不通过的理由。", "field": "input.reason"}
    ]

    # Who sees the sessions: the member, the keeper, the community; not another member.
    query = "query($id: ID!) { node(id: $id) { ... on PostDuty { status } } }"
    for client in (as_member, as_keeper, committee):
        assert (await client.query(query, {"id": own["id"]}))["node"] == {"status": "CONFIRMED"}
    assert (await as_other.query(query, {"id": own["id"]}))["node"] is None
    listed = await as_keeper.query(
        "query($id: ID!) { node(id: $id) { ... on Post { duties { totalCount } } } }",
        {"id": post},
    )
    assert listed["node"]["duties"]["totalCount"] == 3


async def test_the_keeper_is_a_supporter_named_by_the_community(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    post = await _publish(hub, "C002")
    [elsewhere] = await supporters(hub, "C003", 1)
    [here] = await supporters(hub, "C002", 1)
    committee = hub.as_viewer("community", community="C002")
    refused = (await committee.query(KEEPER, {"input": {"postId": post, "keeperCode": elsewhere}}))[
        "setPostKeeper"
    ]
    assert refused["userErrors"][0]["code"] == "NOT_REPORTED"
    named = (await committee.query(KEEPER, {"input": {"postId": post, "keeperCode": here}}))[
        "setPostKeeper"
    ]
    assert named["post"]["keeperCode"] == here
    for role, scope in [("community", {"community": "C001"}), ("member", {"member": here})]:
        error = await hub.as_viewer(role, **scope).error(
            KEEPER, {"input": {"postId": post, "keeperCode": here}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role


def test_a_session_of_exactly_24_hours_counts_and_a_second_more_does_not() -> None:
    from resolvers.post_duties import check_period
    from resolvers.workflow import Refusal

    start = NOW - timedelta(days=2)
    assert str(check_period(start, start + timedelta(hours=24), NOW)) == "24.00"
    assert str(check_period(start, start + timedelta(minutes=20), NOW)) == "0.33"
    with pytest.raises(Refusal):
        check_period(start, start + timedelta(hours=24, seconds=1), NOW)
    with pytest.raises(Refusal):
        check_period(start, NOW + timedelta(seconds=1), NOW)


# --- confirmed duty counts everywhere a service counts (issue 13, item 4 continued) ------

SUMMARY = """query($c: String!, $y: Int!) {
  community(code: $c) { supporterSummary(year: $y, top: 100) { active hours
    byCategory { category { code } orders attendances dutySessions dutyHours hours }
    byMonth { month dutySessions dutyHours hours }
    topSupporters { memberCode services hours } } } }"""
DASHBOARD = """query($y: Int!) {
  district(year: $y) {
    serviceByCategory { category { code } dutySessions dutyHours hours }
    serviceByMonth { month dutySessions dutyHours }
    communityRanking { community { code } dutySessions dutyHours } } }"""
TIMELINE = """query($m: String!, $f: TimelineFilter) { member(code: $m) {
  timeline(first: 100, filter: $f) { totalCount edges { node {
    kind status isService hours recordId } } } } }"""
LEDGER = """query($m: String!) { member(code: $m) { points { balance
  entries(first: 100) { edges { node { kind points action sourceType sourceId } } } } } }"""


def _in(rows: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    found = [r for r in rows if (r[key]["code"] if isinstance(r[key], dict) else r[key]) == value]
    return found[0] if found else {"dutySessions": 0, "dutyHours": 0.0}


async def _figures(hub: GraphQLClient, community: str) -> dict[str, Any]:
    district = hub.as_viewer("district", district="D01")
    committee = hub.as_viewer("community", community=community)
    summary = await committee.query(SUMMARY, {"c": community, "y": YEAR})
    dashboard = await district.query(DASHBOARD, {"y": YEAR})
    return {"summary": summary["community"]["supporterSummary"], "district": dashboard["district"]}


async def test_confirmed_duty_counts_in_figures_points_and_timeline_once(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    community = "C003"
    [member] = await supporters(hub, community, 1)
    post = await _publish(hub, community)
    await _claim(hub, workflow_db, member, post)
    me = hub.as_viewer("member", member=member)
    committee = hub.as_viewer("community", community=community)
    before = await _figures(hub, community)
    points_before = (await me.query(LEDGER, {"m": member}))["member"]["points"]

    pending = (await _record(me, post, _at(3, 8), _at(3, 10)))["duty"]
    assert await _figures(hub, community) == before  # pending counts nothing
    confirmed = await committee.query(CONFIRM, {"input": {"dutyId": pending["id"]}})
    assert confirmed["confirmPostDuty"]["userErrors"] == []
    after = await _figures(hub, community)
    month = (NOW - timedelta(days=3)).month

    # (1) the community's and the district's figures, under the post's category and month.
    s0, s1 = before["summary"], after["summary"]
    was, now = (
        _in(s0["byCategory"], "category", CATEGORY),
        _in(s1["byCategory"], "category", CATEGORY),
    )
    assert (now["dutySessions"], now["dutyHours"]) == (
        was["dutySessions"] + 1,
        was["dutyHours"] + 2.0,
    )
    assert now["hours"] == pytest.approx(was.get("hours", 0.0) + 2.0)
    assert now.get("orders") == was.get("orders", now.get("orders"))  # no order counted for it
    m0, m1 = _in(s0["byMonth"], "month", month), _in(s1["byMonth"], "month", month)
    assert (m1["dutySessions"], m1["dutyHours"]) == (m0["dutySessions"] + 1, m0["dutyHours"] + 2.0)
    assert s1["hours"] == pytest.approx(s0["hours"] + 2.0)
    top = {r["memberCode"]: r for r in s1["topSupporters"]}
    assert top[member]["hours"] >= 2.0
    d0, d1 = before["district"], after["district"]
    c0, c1 = (
        _in(d0["serviceByCategory"], "category", CATEGORY),
        _in(d1["serviceByCategory"], "category", CATEGORY),
    )
    assert (c1["dutySessions"], c1["dutyHours"]) == (c0["dutySessions"] + 1, c0["dutyHours"] + 2.0)
    dm0, dm1 = _in(d0["serviceByMonth"], "month", month), _in(d1["serviceByMonth"], "month", month)
    assert dm1["dutySessions"] == dm0["dutySessions"] + 1
    r0 = _in(d0["communityRanking"], "community", community)
    r1 = _in(d1["communityRanking"], "community", community)
    assert r1["dutySessions"] == r0["dutySessions"] + 1
    # Every session counted once: the district's sessions by category, by month and by
    # community agree.
    for d in (d0, d1):
        by_category = sum(r["dutySessions"] for r in d["serviceByCategory"])
        assert by_category == sum(r["dutySessions"] for r in d["serviceByMonth"])
        assert by_category == sum(r["dutySessions"] for r in d["communityRanking"])

    # (2) points of the post_duty_confirmed rule, once, for this session.
    points = (await me.query(LEDGER, {"m": member}))["member"]["points"]
    duty_row = int(base64.b64decode(pending["id"]).decode().split(":")[1])
    earned = [
        e["node"] for e in points["entries"]["edges"]
        if (e["node"]["sourceType"], e["node"]["sourceId"]) == ("PostDuty", duty_row)
    ]  # fmt: skip
    assert [(e["kind"], e["points"], e["action"]) for e in earned] == [
        ("EARN", 5, "post_duty_confirmed")
    ]
    assert points["balance"] == points_before["balance"] + 5
    # A second confirmation is refused and grants nothing.
    again = await committee.query(CONFIRM, {"input": {"dutyId": pending["id"]}})
    assert again["confirmPostDuty"]["userErrors"][0]["code"] == "INVALID_STATE"
    assert (await me.query(LEDGER, {"m": member}))["member"]["points"]["balance"] == (
        points["balance"]
    )

    # (3) the timeline: the claim is an event, the confirmed session a service; a pending
    # second session is listed but is no service. (Only this test's records: since the claim.)
    await _record(me, post, _at(2, 8), _at(2, 9))
    recent = {"since": (NOW - timedelta(days=25)).date().isoformat()}
    timeline = await me.query(TIMELINE, {"m": member, "f": recent})
    entries = [e["node"] for e in timeline["member"]["timeline"]["edges"]]
    claims = [e for e in entries if e["kind"] == "POST"]
    duties = [e for e in entries if e["kind"] == "DUTY"]
    # (`_claim` dates every claim of his 20 days back: a seeded one of his shows too.)
    assert claims
    assert not any(c["isService"] for c in claims)
    assert sorted((d["status"], d["isService"], float(d["hours"])) for d in duties) == [
        ("confirmed", True, 2.0), ("pending", False, 1.0),
    ]  # fmt: skip
    assert all(not e["isService"] for e in entries if e["kind"] == "POINTS")
    only = await me.query(TIMELINE, {"m": member, "f": {**recent, "services": True}})
    listed = [e["node"] for e in only["member"]["timeline"]["edges"]]
    assert [(e["kind"], e["status"]) for e in listed] == [("DUTY", "confirmed")]
    rest = await me.query(TIMELINE, {"m": member, "f": {**recent, "services": False}})
    others = {e["node"]["kind"] for e in rest["member"]["timeline"]["edges"]}
    assert {"POST", "DUTY", "POINTS"} <= others
    assert (
        only["member"]["timeline"]["totalCount"] + rest["member"]["timeline"]["totalCount"]
        == (timeline["member"]["timeline"]["totalCount"])
    )


def test_the_seeded_duty_points_follow_the_default_rule() -> None:
    from datasources.community import seed_posts
    from resolvers.points import DEFAULT_RULES

    rule = DEFAULT_RULES[seed_posts.DUTY_ACTION]
    assert rule.points == seed_posts.DUTY_POINTS
