"""双服务, the unit serves too, through the API on both backends: a unit's Party organisation
signs up for an activity with a headcount (活动接龙) that counts against the capacity,
claims a demand (认领需求) exclusively of members and completes it, and its contribution
shows on `WorkUnit.communityContribution(year)` and in the community's and the district's
summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers import activities, unit_service
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

CATEGORY = "chancheng.culture_sports"
ERRORS = "clientMutationId userErrors { code message field }"
UNIT_SIGNUP_FIELDS = """id unitCode headcount participants status signedUpAt cancelledAt
  certifiedAt activity { id } history { fromState toState actorRole note }"""
PUBLISH = f"""mutation($input: PublishActivityInput!) {{ publishActivity(input: $input) {{
  {ERRORS} activity {{ id capacity }} }} }}"""
UNIT_SIGN_UP = f"""mutation($input: SignUpUnitForActivityInput!) {{
  signUpUnitForActivity(input: $input) {{ {ERRORS} signup {{ {UNIT_SIGNUP_FIELDS} }} }} }}"""
CANCEL_UNIT = f"""mutation($input: CancelUnitSignupInput!) {{ cancelUnitSignup(input: $input) {{
  {ERRORS} signup {{ {UNIT_SIGNUP_FIELDS} }} }} }}"""
NAME = f"""mutation($input: NameUnitParticipantsInput!) {{ nameUnitParticipants(input: $input) {{
  {ERRORS} signup {{ {UNIT_SIGNUP_FIELDS} }} }} }}"""
SIGN_UP = f"""mutation($input: SignUpForActivityInput!) {{ signUpForActivity(input: $input) {{
  {ERRORS} signup {{ id status }} }} }}"""
CERTIFY = f"""mutation($input: CertifyActivityInput!) {{ certifyActivity(input: $input) {{
  {ERRORS} activity {{ id status }} }} }}"""
ACTIVITY = """query($id: ID!) { node(id: $id) { ... on Activity { capacity registeredCount
  waitlistCount unitPlaces placesLeft unitSignups { unitCode headcount status } } } }"""
PAIR = """mutation($input: PairUnitInput!) { pairUnit(input: $input) {
  userErrors { code message field } pairing { id status } } }"""
DEMAND_FIELDS = """id status claimantKind claimantCode claimedAt completedAt completionNote
  history { fromState toState actorRole note }"""
RAISE = f"""mutation($input: RaiseDemandInput!) {{ raiseDemand(input: $input) {{
  {ERRORS} demandItem {{ id }} }} }}"""
REVIEW = f"""mutation($input: ReviewListEntryInput!) {{ reviewListEntry(input: $input) {{
  {ERRORS} entry {{ id status }} }} }}"""
CLAIM = f"""mutation($input: ClaimDemandInput!) {{ claimDemand(input: $input) {{
  {ERRORS} demandItem {{ {DEMAND_FIELDS} }} }} }}"""
RELEASE = f"""mutation($input: ReleaseDemandInput!) {{ releaseDemand(input: $input) {{
  {ERRORS} demandItem {{ {DEMAND_FIELDS} }} }} }}"""
COMPLETE = f"""mutation($input: CompleteDemandInput!) {{ completeDemand(input: $input) {{
  {ERRORS} demandItem {{ {DEMAND_FIELDS} }} }} }}"""
CONVERT = f"""mutation($input: ConvertDemandToOrderInput!) {{ convertDemandToOrder(input: $input) {{
  {ERRORS} }} }}"""
CONTRIBUTION = """query($code: String!, $year: Int!) { workUnit(code: $code) {
  communityContribution(year: $year) { year activitiesJoined participants activitiesCertified
    participantsCertified demandsClaimed demandsCompleted ordersCompleted } } }"""
SUMMARY = """query($c: String!, $year: Int!) { community(code: $c) {
  supporterSummary(year: $year) { pairedUnits { unitCode pairingActive activitiesJoined
    participants demandsClaimed demandsCompleted } } } }"""
DISTRICT = """query($year: Int!) { district(year: $year, top: 100) { unitContributions {
  unit { code } activitiesJoined participants demandsClaimed demandsCompleted } } }"""

workflow_db, hub = workflow_fixtures("unit_service")


def _now() -> datetime:
    return datetime.now(UTC)


def _year() -> int:
    return (datetime.now(UTC) + timedelta(hours=8)).year


async def _run(viewer: GraphQLClient, query: str, name: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(query, {"input": fields}))[name]
    return payload


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _forbidden(viewer: GraphQLClient, query: str, **fields: Any) -> bool:
    body = await viewer.raw(query, {"input": fields})
    return [e["extensions"]["code"] for e in body.get("errors", [])] == ["FORBIDDEN"]


# Units a test already used, per database: each test wants units in a fresh state.
_USED: dict[DatabasePair, set[str]] = {}
# What the seed has a unit do already: a test's unit starts with none of it.
_SERVED = """SELECT (SELECT count(*) FROM activity_unit_signups WHERE unit_code = :u)
    + (SELECT count(*) FROM demand_items WHERE claimant_code = :u)
    + (SELECT count(*) FROM service_orders WHERE taker_kind = 'unit' AND taker_code = :u)"""


async def _units(hub: GraphQLClient, db: DatabasePair, community: str, n: int) -> list[str]:
    """`n` units not paired with `community` and not used by another test."""
    data = await hub.query(
        """{ workUnits(first: 100) { edges { node { code
             pairedCommunities(first: 50) { edges { node { community { code } } } } } } } }"""
    )
    used = _USED.setdefault(db, set())
    free = []
    for edge in data["workUnits"]["edges"]:
        node = edge["node"]
        paired = {e["node"]["community"]["code"] for e in node["pairedCommunities"]["edges"]}
        served = community in paired or node["code"] in used
        if not served and not await count(db, _SERVED, u=node["code"]):
            free.append(node["code"])
    assert len(free) >= n, "the seeded data ran out of units"
    used.update(free[:n])
    return free[:n]


async def _pair(hub: GraphQLClient, unit: str, community: str) -> None:
    committee = hub.as_viewer("community", community=community)
    made = await _run(committee, PAIR, "pairUnit", unitCode=unit, communityCode=community)
    assert made["userErrors"] == [], made


async def _publish(hub: GraphQLClient, community: str, capacity: int, starts_in: timedelta) -> str:
    committee = hub.as_viewer("community", community=community)
    starts = _now() + starts_in
    payload = await _run(
        committee, PUBLISH, "publishActivity", communityCode=community, categoryCode=CATEGORY,
        title="社区环境整治", place="社区广场", startsAt=starts.isoformat(),
        endsAt=(starts + timedelta(hours=1)).isoformat(), capacity=capacity,
    )  # fmt: skip
    assert payload["userErrors"] == [], payload
    activity_id: str = payload["activity"]["id"]
    return activity_id


async def _demand(hub: GraphQLClient, community: str, title: str = "楼道灯不亮") -> str:
    committee = hub.as_viewer("community", community=community)
    raised = await _run(committee, RAISE, "raiseDemand", communityCode=community,
                        categoryCode=CATEGORY, title=title)  # fmt: skip
    assert raised["userErrors"] == [], raised
    demand_id: str = raised["demandItem"]["id"]
    reviewed = await _run(committee, REVIEW, "reviewListEntry", entryId=demand_id, approve=True)
    assert reviewed["entry"]["status"] == "PUBLISHED", reviewed
    return demand_id


async def test_unit_signs_up_with_a_headcount_that_counts_against_capacity(
    hub: GraphQLClient, workflow_db: DatabasePair, monkeypatch: pytest.MonkeyPatch
) -> None:
    paired, other, stranger = await _units(hub, workflow_db, "C001", 3)
    await _pair(hub, paired, "C001")
    await _pair(hub, other, "C001")
    a = await _publish(hub, "C001", capacity=6, starts_in=timedelta(hours=2))
    unit = hub.as_viewer("unit_branch", unit=paired)

    signed = await _run(unit, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a, headcount=4,
                        clientMutationId="jl-1")  # fmt: skip
    assert signed["userErrors"] == [], signed
    s = signed["signup"]
    assert (s["unitCode"], s["headcount"], s["status"], s["participants"]) == (
        paired, 4, "REGISTERED", []
    )  # fmt: skip
    assert s["history"] == [{"fromState": None, "toState": "registered",
                             "actorRole": "unit_branch", "note": "接龙 4 人"}]  # fmt: skip
    # A retry with the same key returns the first result; nothing is added.
    again = await _run(unit, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a, headcount=4,
                       clientMutationId="jl-1")  # fmt: skip
    assert again["signup"]["id"] == s["id"]
    twice = await _run(unit, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a, headcount=1)
    assert _codes(twice) == ["DUPLICATE"]

    seen = (await hub.query(ACTIVITY, {"id": a}))["node"]
    assert (seen["unitPlaces"], seen["registeredCount"], seen["placesLeft"]) == (4, 0, 2)
    assert seen["unitSignups"] == [{"unitCode": paired, "headcount": 4, "status": "REGISTERED"}]

    # A unit not paired with the community is refused, whatever the places left.
    outsider = hub.as_viewer("unit_branch", unit=stranger)
    refused = await _run(outsider, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a,
                         headcount=1)  # fmt: skip
    assert _codes(refused) == ["NOT_PAIRED"]
    # Two places left: a second unit asking three is refused, nothing written.
    second = hub.as_viewer("unit_branch", unit=other)
    full = await _run(second, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a, headcount=3)
    assert _codes(full) == ["FULL"]
    assert full["userErrors"][0]["field"] == "input.headcount"
    assert await count(workflow_db, "SELECT count(*) FROM activity_unit_signups "
                       "WHERE unit_code = :u", u=other) == 0  # fmt: skip
    # Headcount is bounded by the input bounds (1 to 200) before any rule runs.
    huge = await _run(second, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a, headcount=201)
    assert _codes(huge) == ["INVALID_INPUT"]

    # Members fill the last two places; the third member waits.
    m1, m2, m3 = await supporters(hub, "C001", 3)
    statuses = []
    for m in (m1, m2, m3):
        me = hub.as_viewer("member", member=m)
        statuses.append(
            (await _run(me, SIGN_UP, "signUpForActivity", activityId=a))["signup"]["status"]
        )
    assert statuses == ["REGISTERED", "REGISTERED", "WAITLISTED"]
    seen = (await hub.query(ACTIVITY, {"id": a}))["node"]
    assert (seen["registeredCount"], seen["unitPlaces"], seen["placesLeft"]) == (2, 4, 0)

    # The unit names its participants: at most the headcount, only its own members.
    ours = await hub.query(
        """query($u: String!) { workUnit(code: $u) { branches(first: 5) { edges { node {
             members(first: 10) { edges { node { code } } } } } } } }""",
        {"u": paired},
    )
    own = [m["node"]["code"] for b in ours["workUnit"]["branches"]["edges"]
           for m in b["node"]["members"]["edges"]]  # fmt: skip
    assert len(own) >= 2
    named = await _run(unit, NAME, "nameUnitParticipants", signupId=s["id"], memberCodes=own[:2])
    assert named["userErrors"] == []
    assert named["signup"]["participants"] == own[:2]
    foreign = await _run(unit, NAME, "nameUnitParticipants", signupId=s["id"], memberCodes=[m1])
    if m1 not in own:
        assert _codes(foreign) == ["NOT_A_MEMBER"]
    others = hub.as_viewer("unit_branch", unit=other)
    assert await _forbidden(others, NAME, signupId=s["id"], memberCodes=[])
    too_many = await _run(unit, NAME, "nameUnitParticipants", signupId=s["id"],
                          memberCodes=[f"M{i:06d}" for i in range(5)])  # fmt: skip
    assert _codes(too_many) in (["INVALID_INPUT"], ["NOT_A_MEMBER"])

    # Cancelling before the start frees the four places: the waitlisted member moves up.
    cancelled = await _run(unit, CANCEL_UNIT, "cancelUnitSignup", signupId=s["id"],
                           reason="单位临时任务")  # fmt: skip
    assert cancelled["userErrors"] == []
    assert cancelled["signup"]["status"] == "CANCELLED"
    seen = (await hub.query(ACTIVITY, {"id": a}))["node"]
    assert (seen["registeredCount"], seen["waitlistCount"], seen["unitPlaces"]) == (3, 0, 0)
    assert seen["placesLeft"] == 3
    late = await _run(unit, CANCEL_UNIT, "cancelUnitSignup", signupId=s["id"])
    assert _codes(late) == ["INVALID_STATE"]

    # After the start a unit signup can no longer be cancelled.
    b = await _publish(hub, "C001", capacity=10, starts_in=timedelta(minutes=30))
    kept = await _run(unit, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=b, headcount=2)
    monkeypatch.setattr(unit_service, "utcnow", lambda: _now() + timedelta(minutes=40))
    started = await _run(unit, CANCEL_UNIT, "cancelUnitSignup", signupId=kept["signup"]["id"])
    assert _codes(started) == ["INVALID_STATE"]
    # Certifying the activity certifies the unit's signup.
    monkeypatch.setattr(activities, "utcnow", lambda: _now() + timedelta(hours=2))
    committee = hub.as_viewer("community", community="C001")
    certified = await _run(committee, CERTIFY, "certifyActivity", activityId=b)
    assert certified["userErrors"] == [], certified
    seen = (await hub.query(ACTIVITY, {"id": b}))["node"]
    assert seen["unitSignups"] == [{"unitCode": paired, "headcount": 2, "status": "CERTIFIED"}]
    # A member sees no unit signups; the other unit none of this one's.
    member_view = (await hub.as_viewer("member", member=m1).query(ACTIVITY, {"id": b}))["node"]
    assert member_view["unitSignups"] == []
    assert member_view["unitPlaces"] == 2
    assert (await others.query(ACTIVITY, {"id": b}))["node"]["unitSignups"] == []


async def test_unit_claims_a_demand_exclusively_of_members_and_completes_it(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    paired, stranger = await _units(hub, workflow_db, "C002", 2)
    await _pair(hub, paired, "C002")
    unit = hub.as_viewer("unit_branch", unit=paired)
    (member,) = await supporters(hub, "C002", 1)
    me = hub.as_viewer("member", member=member)
    committee = hub.as_viewer("community", community="C002")

    d = await _demand(hub, "C002")
    outsider = hub.as_viewer("unit_branch", unit=stranger)
    assert _codes(await _run(outsider, CLAIM, "claimDemand", demandId=d)) == ["NOT_PAIRED"]

    claimed = await _run(unit, CLAIM, "claimDemand", demandId=d)
    assert claimed["userErrors"] == [], claimed
    item = claimed["demandItem"]
    assert (item["status"], item["claimantKind"], item["claimantCode"]) == (
        "PUBLISHED", "UNIT", paired
    )  # fmt: skip
    assert item["history"][-1]["note"] == f"单位认领：{paired}"
    # One claimant: the member and the unit again are refused, the community cannot convert.
    assert _codes(await _run(me, CLAIM, "claimDemand", demandId=d)) == ["ALREADY_CLAIMED"]
    assert _codes(await _run(unit, CLAIM, "claimDemand", demandId=d)) == ["ALREADY_CLAIMED"]
    convert = await _run(committee, CONVERT, "convertDemandToOrder", demandId=d)
    assert _codes(convert) == ["ALREADY_CLAIMED"]
    # Only the claimant completes it.
    assert await _forbidden(me, COMPLETE, demandId=d, note="x")
    done = await _run(unit, COMPLETE, "completeDemand", demandId=d, note="更换楼道灯 6 盏")
    assert done["userErrors"] == [], done
    item = done["demandItem"]
    assert (item["status"], item["completionNote"]) == ("FULFILLED", "更换楼道灯 6 盏")
    assert item["completedAt"] is not None
    assert _codes(await _run(unit, RELEASE, "releaseDemand", demandId=d)) == ["INVALID_STATE"]

    # The other way round: a member claims first, the unit is refused; a release reopens it.
    e = await _demand(hub, "C002", "独居老人助餐")
    assert (await _run(me, CLAIM, "claimDemand", demandId=e))["userErrors"] == []
    assert _codes(await _run(unit, CLAIM, "claimDemand", demandId=e)) == ["ALREADY_CLAIMED"]
    released = await _run(me, RELEASE, "releaseDemand", demandId=e, reason="时间冲突")
    assert released["demandItem"]["claimantCode"] is None
    assert (await _run(unit, CLAIM, "claimDemand", demandId=e))["userErrors"] == []
    assert await count(workflow_db, "SELECT count(*) FROM demand_items WHERE claimant_code = :u",
                       u=paired) == 2  # fmt: skip

    # The contribution shows on the unit, in the community's summary and the district's.
    year = _year()
    mine = (await unit.query(CONTRIBUTION, {"code": paired, "year": year}))["workUnit"]
    assert mine["communityContribution"] == {
        "year": year, "activitiesJoined": 0, "participants": 0, "activitiesCertified": 0,
        "participantsCertified": 0, "demandsClaimed": 2, "demandsCompleted": 1,
        "ordersCompleted": 0,
    }  # fmt: skip
    summary = (await committee.query(SUMMARY, {"c": "C002", "year": year}))["community"]
    row = next(u for u in summary["supporterSummary"]["pairedUnits"] if u["unitCode"] == paired)
    assert (row["pairingActive"], row["demandsClaimed"], row["demandsCompleted"]) == (True, 2, 1)
    district = (await hub.query(DISTRICT, {"year": year}))["district"]["unitContributions"]
    ranked = next(u for u in district if u["unit"]["code"] == paired)
    assert (ranked["demandsClaimed"], ranked["demandsCompleted"]) == (2, 1)
    # Another community sees none of it: its figures cover what happened in it.
    elsewhere = hub.as_viewer("community", community="C001")
    theirs = (await elsewhere.query(CONTRIBUTION, {"code": paired, "year": year}))["workUnit"]
    if theirs is not None:
        assert theirs["communityContribution"]["demandsClaimed"] == 0


async def test_contribution_counts_activities_and_headcount(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    (paired,) = await _units(hub, workflow_db, "C003", 1)
    await _pair(hub, paired, "C003")
    unit = hub.as_viewer("unit_branch", unit=paired)
    year = _year()
    a = await _publish(hub, "C003", capacity=20, starts_in=timedelta(hours=3))
    b = await _publish(hub, "C003", capacity=20, starts_in=timedelta(hours=4))
    for activity, n in ((a, 5), (b, 3)):
        made = await _run(unit, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=activity,
                          headcount=n)  # fmt: skip
        assert made["userErrors"] == [], made
    got = (await hub.query(CONTRIBUTION, {"code": paired, "year": year}))["workUnit"]
    figures = got["communityContribution"]
    assert (figures["activitiesJoined"], figures["participants"]) == (2, 8)
    committee = hub.as_viewer("community", community="C003")
    summary = (await committee.query(SUMMARY, {"c": "C003", "year": year}))["community"]
    row = next(u for u in summary["supporterSummary"]["pairedUnits"] if u["unitCode"] == paired)
    assert (row["activitiesJoined"], row["participants"]) == (2, 8)
    district = (await hub.query(DISTRICT, {"year": year}))["district"]["unitContributions"]
    ranked = next(u for u in district if u["unit"]["code"] == paired)
    assert (ranked["activitiesJoined"], ranked["participants"]) == (2, 8)
    # A year without any of it is all zeros.
    empty = (await hub.query(CONTRIBUTION, {"code": paired, "year": year - 5}))["workUnit"]
    assert empty["communityContribution"]["participants"] == 0


CONTRIBUTIONS = """query($year: Int!) { workUnits(first: 100) { edges { node { code
  communityContribution(year: $year) { activitiesJoined participants demandsClaimed
    demandsCompleted ordersCompleted } } } } }"""


async def test_contribution_statements_do_not_grow_with_units(
    client: GraphQLClient, larger_client: GraphQLClient
) -> None:
    variables = {"year": _year()}
    small = await client.statements(CONTRIBUTIONS, variables)
    larger = await larger_client.statements(CONTRIBUTIONS, variables)
    assert small == larger
    assert small["community"] == 1
