"""Activities (活动) end to end: publish, sign up with a waitlist, cancel (promotion), check in
by code inside the window, record hours, certify with points; refusals and concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resolvers import activities
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

CATEGORY = "chancheng.culture_sports"
ERRORS = "clientMutationId userErrors { code message field }"
ACTIVITY_FIELDS = """id title status place startsAt endsAt capacity pointsPerAttendance
  registeredCount waitlistCount placesLeft certifiedAt cancelledAt category { code }
  community { code } history { fromState toState actorRole note }"""
SIGNUP_FIELDS = """id status memberCode signedUpAt promotedAt cancelledAt checkedInAt hours
  certifiedAt points history { fromState toState actorRole note }"""
PUBLISH = f"""mutation($input: PublishActivityInput!) {{ publishActivity(input: $input) {{
  {ERRORS} activity {{ {ACTIVITY_FIELDS} }} }} }}"""
CANCEL_ACTIVITY = f"""mutation($input: CancelActivityInput!) {{ cancelActivity(input: $input) {{
  {ERRORS} activity {{ {ACTIVITY_FIELDS} }} }} }}"""
CHANGE = f"""mutation($input: ChangeActivityInput!) {{ changeActivity(input: $input) {{
  {ERRORS} activity {{ {ACTIVITY_FIELDS} description }} }} }}"""
SIGN_UP = f"""mutation($input: SignUpForActivityInput!) {{ signUpForActivity(input: $input) {{
  {ERRORS} signup {{ {SIGNUP_FIELDS} }} }} }}"""
CANCEL_SIGNUP = f"""mutation($input: CancelSignupInput!) {{ cancelSignup(input: $input) {{
  {ERRORS} signup {{ {SIGNUP_FIELDS} }} }} }}"""
ISSUE = f"""mutation($input: IssueCheckInCodeInput!) {{ issueCheckInCode(input: $input) {{
  {ERRORS} code expiresAt activity {{ id status }} }} }}"""
CHECK_IN = f"""mutation($input: CheckInInput!) {{ checkIn(input: $input) {{
  {ERRORS} signup {{ {SIGNUP_FIELDS} }} }} }}"""
HOURS = f"""mutation($input: RecordActivityHoursInput!) {{ recordActivityHours(input: $input) {{
  {ERRORS} signup {{ {SIGNUP_FIELDS} }} }} }}"""
CERTIFY = f"""mutation($input: CertifyActivityInput!) {{ certifyActivity(input: $input) {{
  {ERRORS} activity {{ {ACTIVITY_FIELDS} }} }} }}"""
NODE = """query($id: ID!) { node(id: $id) { ... on Activity { id activityStatus: status
  registeredCount
  waitlistCount history { fromState toState note }
  signups(first: 50) { totalCount edges { node { id status memberCode } } } }
  ... on ActivitySignup { id status history { fromState toState actorRole note } } } }"""

workflow_db, hub = workflow_fixtures("activities")


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the workflow's clock: `clock(timedelta(hours=2))` makes it two hours later."""

    def shift(by: timedelta) -> None:
        monkeypatch.setattr(activities, "utcnow", lambda: datetime.now(UTC) + by)

    return shift


async def _run(viewer: GraphQLClient, query: str, name: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(query, {"input": fields}))[name]
    return payload


async def _publish(
    hub: GraphQLClient, community: str, *, starts_in: timedelta, lasts: timedelta,
    viewer: GraphQLClient | None = None, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    committee = viewer or hub.as_viewer("community", community=community)
    starts = _now() + starts_in
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "垃圾分类宣传",
              "place": "社区广场", "startsAt": _iso(starts), "endsAt": _iso(starts + lasts),
              "capacity": 3, **extra}  # fmt: skip
    payload = await _run(committee, PUBLISH, "publishActivity", **fields)
    assert payload["userErrors"] == [], payload
    activity: dict[str, Any] = payload["activity"]
    return activity


async def _sign_up(hub: GraphQLClient, member: str, activity_id: str, **extra: Any) -> Any:
    me = hub.as_viewer("member", member=member)
    return await _run(me, SIGN_UP, "signUpForActivity", activityId=activity_id, **extra)


async def _check_in(hub: GraphQLClient, member: str, activity_id: str, code: str) -> Any:
    me = hub.as_viewer("member", member=member)
    return await _run(me, CHECK_IN, "checkIn", activityId=activity_id, code=code)


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def test_publish_sign_up_waitlist_promote_check_in_record_certify(
    hub: GraphQLClient, workflow_db: DatabasePair, clock: Any
) -> None:
    committee = hub.as_viewer("community", community="C001")
    activity = await _publish(
        hub, "C001", starts_in=timedelta(minutes=20), lasts=timedelta(hours=1),
        pointsPerAttendance=7, description="入户宣传垃圾分类",
    )  # fmt: skip
    assert (activity["status"], activity["capacity"], activity["pointsPerAttendance"]) == (
        "PUBLISHED", 3, 7
    )  # fmt: skip
    assert activity["category"] == {"code": CATEGORY}
    assert activity["history"] == [
        {"fromState": None, "toState": "published", "actorRole": "community", "note": None}
    ]
    a = activity["id"]
    m1, m2, m3, m4, m5 = await supporters(hub, "C001", 5)
    first = [await _sign_up(hub, m, a) for m in (m1, m2, m5)]
    assert [p["signup"]["status"] for p in first] == ["REGISTERED"] * 3
    waiting = [await _sign_up(hub, m, a) for m in (m3, m4)]
    assert [p["signup"]["status"] for p in waiting] == ["WAITLISTED"] * 2
    assert waiting[0]["signup"]["history"] == [
        {"fromState": None, "toState": "waitlisted", "actorRole": "member", "note": None}
    ]
    seen = (await committee.query(NODE, {"id": a}))["node"]
    assert (seen["registeredCount"], seen["waitlistCount"]) == (3, 2)
    assert [e["node"]["memberCode"] for e in seen["signups"]["edges"]] == [m1, m2, m5, m3, m4]

    # m1 cancels: m3, the earliest on the waitlist, gets the place in the same transaction.
    me1 = hub.as_viewer("member", member=m1)
    cancelled = await _run(me1, CANCEL_SIGNUP, "cancelSignup",
                           signupId=first[0]["signup"]["id"], reason="临时出差")  # fmt: skip
    assert cancelled["userErrors"] == []
    assert cancelled["signup"]["status"] == "CANCELLED"
    assert cancelled["signup"]["cancelledAt"] is not None
    promoted = (await committee.query(NODE, {"id": waiting[0]["signup"]["id"]}))["node"]
    assert promoted["status"] == "REGISTERED"
    assert promoted["history"][-1] == {"fromState": "waitlisted", "toState": "registered",
                                       "actorRole": "member", "note": "候补递补"}  # fmt: skip
    still = (await committee.query(NODE, {"id": waiting[1]["signup"]["id"]}))["node"]
    assert still["status"] == "WAITLISTED"
    seen = (await committee.query(NODE, {"id": a}))["node"]
    assert (seen["registeredCount"], seen["waitlistCount"]) == (3, 1)
    again = await _run(me1, CANCEL_SIGNUP, "cancelSignup", signupId=first[0]["signup"]["id"])
    assert _codes(again) == ["INVALID_STATE"]
    assert "已取消" in again["userErrors"][0]["message"]

    # The code: shown once, only inside the window; a wrong one is refused.
    issued = await _run(committee, ISSUE, "issueCheckInCode", activityId=a)
    assert issued["userErrors"] == []
    code = issued["code"]
    assert len(code) == 6
    assert code.isdigit()
    expires = datetime.fromisoformat(issued["expiresAt"])
    assert timedelta(minutes=14) < expires - _now() <= timedelta(minutes=15)
    stored = await count(
        workflow_db,
        "SELECT count(*) FROM activity_check_in_codes WHERE code_digest = :d",
        d=activities.digest(code),
    )
    assert stored == 1
    in_clear = await count(
        workflow_db, "SELECT count(*) FROM activity_check_in_codes WHERE code_digest = :c", c=code
    )
    assert in_clear == 0
    wrong = "000000" if code != "000000" else "111111"
    bad = await _check_in(hub, m2, a, wrong)
    assert bad["userErrors"] == [
        {
            "code": "INVALID_CODE",
            "message": "签到码错误或已过期，还可尝试 4 次。",
            "field": "input.code",
        }
    ]
    waitlisted = await _check_in(hub, m4, a, code)
    assert _codes(waitlisted) == ["INVALID_STATE"]
    assert "候补" in waitlisted["userErrors"][0]["message"]
    [outsider] = await supporters(hub, "C001", 1)
    assert _codes(await _check_in(hub, outsider, a, code)) == ["INVALID_STATE"]
    checked = await _check_in(hub, m2, a, code)
    assert checked["userErrors"] == []
    assert checked["signup"]["status"] == "ATTENDED"
    assert checked["signup"]["checkedInAt"] is not None
    assert _codes(await _check_in(hub, m2, a, code)) == ["INVALID_STATE"]
    assert (await _check_in(hub, m3, a, code))["userErrors"] == []

    # Hours: only for attended signups, 0 < hours <= 24.
    m2_signup = first[1]["signup"]["id"]
    for hours in ("0", "24.5", "-1", "1.25"):
        refused = await _run(committee, HOURS, "recordActivityHours", signupId=m2_signup,
                             hours=hours)  # fmt: skip
        assert _codes(refused) == ["INVALID_INPUT"], hours
    absent_hours = await _run(committee, HOURS, "recordActivityHours",
                              signupId=first[2]["signup"]["id"], hours="1")  # fmt: skip
    assert _codes(absent_hours) == ["INVALID_STATE"]
    recorded = await _run(committee, HOURS, "recordActivityHours", signupId=m2_signup,
                          hours="1.5")  # fmt: skip
    assert recorded["userErrors"] == []
    assert recorded["signup"]["hours"] == "1.5"

    # Certify: not before the end; then attendees earn the points, no-shows are absent.
    early = await _run(committee, CERTIFY, "certifyActivity", activityId=a)
    assert _codes(early) == ["INVALID_STATE"]
    assert "活动结束后" in early["userErrors"][0]["message"]
    clock(timedelta(hours=2))
    certified = await _run(committee, CERTIFY, "certifyActivity", activityId=a, note="活动圆满")
    assert certified["userErrors"] == []
    assert certified["activity"]["status"] == "CERTIFIED"
    assert certified["activity"]["certifiedAt"] is not None
    statuses = {
        e["node"]["memberCode"]: e["node"]["status"]
        for e in (await committee.query(NODE, {"id": a}))["node"]["signups"]["edges"]
    }
    assert statuses == {m1: "CANCELLED", m2: "CERTIFIED", m3: "CERTIFIED", m4: "WAITLISTED",
                        m5: "ABSENT"}  # fmt: skip
    entries = "SELECT count(*) FROM points_entries WHERE source_type = 'ActivitySignup'" \
        " AND member_code = :m AND points = 7 AND action = 'activity_attended'"  # fmt: skip
    assert [await count(workflow_db, entries, m=m) for m in (m1, m2, m3, m4, m5)] == [
        0, 1, 1, 0, 0
    ]  # fmt: skip
    twice = await _run(committee, CERTIFY, "certifyActivity", activityId=a)
    assert _codes(twice) == ["INVALID_STATE"]
    assert "已认定" in twice["userErrors"][0]["message"]
    assert [await count(workflow_db, entries, m=m) for m in (m2, m3)] == [1, 1]
    late_hours = await _run(committee, HOURS, "recordActivityHours", signupId=m2_signup,
                            hours="2")  # fmt: skip
    assert _codes(late_hours) == ["INVALID_STATE"]
    late_cancel = await _run(committee, CANCEL_ACTIVITY, "cancelActivity", activityId=a,
                             reason="太晚")  # fmt: skip
    assert _codes(late_cancel) == ["INVALID_STATE"]

    # The member's record: the activity, hours (recorded, or the duration), status, points.
    mine = await hub.as_viewer("member", member=m3).query(
        """query($m: String!) { member(code: $m) { activitySignups { totalCount edges { node {
             status hours points activity { id title } history { toState note } } } } } }""",
        {"m": m3},
    )
    # Only this activity's signup: the seed may have signed him up for others.
    [edge] = [e for e in mine["member"]["activitySignups"]["edges"]
              if e["node"]["activity"]["id"] == a]  # fmt: skip
    assert edge["node"]["activity"] == {"id": a, "title": "垃圾分类宣传"}
    assert (edge["node"]["status"], edge["node"]["hours"], edge["node"]["points"]) == (
        "CERTIFIED", "1.0", 7
    )  # fmt: skip
    assert [h["toState"] for h in edge["node"]["history"]] == [
        "waitlisted", "registered", "attended", "certified"
    ]  # fmt: skip
    m2_record = await hub.as_viewer("member", member=m2).query(
        "query($m: String!) { member(code: $m) { activitySignups { edges { node { hours points"
        " activity { id } } } } } }",
        {"m": m2},
    )
    [m2_edge] = [e for e in m2_record["member"]["activitySignups"]["edges"]
                 if e["node"]["activity"]["id"] == a]  # fmt: skip
    assert m2_edge["node"] == {"hours": "1.5", "points": 7, "activity": {"id": a}}
    final = (await committee.query(NODE, {"id": a}))["node"]
    assert [h["toState"] for h in final["history"]] == ["published", "published", "certified"]


async def test_time_windows(hub: GraphQLClient, clock: Any) -> None:
    committee = hub.as_viewer("community", community="C002")
    past = await _publish(hub, "C002", starts_in=-timedelta(hours=3), lasts=timedelta(hours=2))
    future = await _publish(hub, "C002", starts_in=timedelta(days=2), lasts=timedelta(hours=2))
    running = await _publish(hub, "C002", starts_in=-timedelta(minutes=10),
                             lasts=timedelta(hours=3))  # fmt: skip
    member, other = await supporters(hub, "C002", 2)

    ended = await _sign_up(hub, member, past["id"])
    assert _codes(ended) == ["INVALID_STATE"]
    assert "已结束" in ended["userErrors"][0]["message"]
    for activity in (past, future):
        outside = await _run(committee, ISSUE, "issueCheckInCode", activityId=activity["id"])
        assert _codes(outside) == ["OUTSIDE_WINDOW"]
        assert outside["code"] is None

    signed = await _sign_up(hub, member, future["id"])
    assert signed["signup"]["status"] == "REGISTERED"
    assert _codes(await _check_in(hub, member, future["id"], "123456")) == ["OUTSIDE_WINDOW"]
    early_certify = await _run(committee, CERTIFY, "certifyActivity", activityId=future["id"])
    assert _codes(early_certify) == ["INVALID_STATE"]

    # Started: signing up is still possible, cancelling no longer.
    started = await _sign_up(hub, other, running["id"])
    assert started["signup"]["status"] == "REGISTERED"
    no_cancel = await _run(hub.as_viewer("member", member=other), CANCEL_SIGNUP,
                           "cancelSignup", signupId=started["signup"]["id"])  # fmt: skip
    assert _codes(no_cancel) == ["INVALID_STATE"]
    assert "已开始" in no_cancel["userErrors"][0]["message"]

    # An expired code is refused like a wrong one; a fresh one works.
    issued = await _run(committee, ISSUE, "issueCheckInCode", activityId=running["id"])
    assert issued["userErrors"] == []
    clock(timedelta(minutes=16))
    expired = await _check_in(hub, other, running["id"], issued["code"])
    assert _codes(expired) == ["INVALID_CODE"]
    fresh = await _run(committee, ISSUE, "issueCheckInCode", activityId=running["id"])
    assert (await _check_in(hub, other, running["id"], fresh["code"]))["userErrors"] == []

    # A code never outlives the window: capped at the end of the activity.
    closing = await _publish(hub, "C002", starts_in=-timedelta(hours=1),
                             lasts=timedelta(hours=1, minutes=5))  # fmt: skip
    clock(timedelta(0))
    capped = await _run(committee, ISSUE, "issueCheckInCode", activityId=closing["id"])
    assert capped["userErrors"] == []
    assert datetime.fromisoformat(capped["expiresAt"]) == datetime.fromisoformat(closing["endsAt"])

    # The past activity can be certified at once (nobody attended: nothing earned).
    certified = await _run(committee, CERTIFY, "certifyActivity", activityId=past["id"])
    assert certified["userErrors"] == []


async def test_wrong_check_in_codes_are_limited_per_issued_code(
    hub: GraphQLClient, workflow_db: DatabasePair, clock: Any
) -> None:
    committee = hub.as_viewer("community", community="C002")
    running = await _publish(hub, "C002", starts_in=-timedelta(minutes=5),
                             lasts=timedelta(hours=2))  # fmt: skip
    [member] = await supporters(hub, "C002", 1)
    assert (await _sign_up(hub, member, running["id"]))["userErrors"] == []
    code = (await _run(committee, ISSUE, "issueCheckInCode", activityId=running["id"]))["code"]
    wrong = [f"{(int(code) + i) % 1_000_000:06d}" for i in range(1, 6)]
    failures = "SELECT check_in_failures FROM activity_signups WHERE member_code = :m"

    for left, guess in zip((4, 3, 2, 1), wrong, strict=False):
        refused = await _check_in(hub, member, running["id"], guess)
        assert refused["userErrors"][0]["code"] == "INVALID_CODE"
        assert f"还可尝试 {left} 次" in refused["userErrors"][0]["message"]
    fifth = await _check_in(hub, member, running["id"], wrong[4])
    assert _codes(fifth) == ["TOO_MANY_ATTEMPTS"]
    # Locked out for this code, even with the right one; the guesses were counted.
    assert _codes(await _check_in(hub, member, running["id"], code)) == ["TOO_MANY_ATTEMPTS"]
    assert await count(workflow_db, failures, m=member) == 5

    # The organiser issues a new code: the count starts again and the member checks in.
    clock(timedelta(seconds=1))
    fresh = await _run(committee, ISSUE, "issueCheckInCode", activityId=running["id"])
    checked = await _check_in(hub, member, running["id"], fresh["code"])
    assert checked["userErrors"] == []
    assert checked["signup"]["status"] == "ATTENDED"
    assert await count(workflow_db, failures, m=member) == 0


async def test_invalid_input_duplicates_and_cancellation(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C003")
    starts = _now() + timedelta(days=1)
    base: dict[str, Any] = {"communityCode": "C003", "categoryCode": CATEGORY, "title": "义诊", "place": "活动室",
            "startsAt": _iso(starts), "endsAt": _iso(starts + timedelta(hours=2)),
            "capacity": 2}  # fmt: skip
    bad_inputs: list[tuple[dict[str, Any], str]] = [
        ({"endsAt": _iso(starts)}, "input.endsAt"),
        ({"capacity": 0}, "input.capacity"),
        ({"pointsPerAttendance": -1}, "input.pointsPerAttendance"),
        ({"title": "  "}, "input.title"),
        ({"place": ""}, "input.place"),
    ]
    before = await count(workflow_db, "SELECT count(*) FROM activities")
    for change, field in bad_inputs:
        refused = await _run(committee, PUBLISH, "publishActivity", **{**base, **change})
        assert refused["activity"] is None
        assert refused["userErrors"][0]["code"] == "INVALID_INPUT", field
        assert refused["userErrors"][0]["field"] == field
    unknown = await _run(committee, PUBLISH, "publishActivity",
                         **{**base, "categoryCode": "no.such"})  # fmt: skip
    assert _codes(unknown) == ["NOT_FOUND"]
    assert await count(workflow_db, "SELECT count(*) FROM activities") == before

    # Points default to the district's rule for attending an activity.
    default = await _run(committee, PUBLISH, "publishActivity", **base)
    assert default["activity"]["pointsPerAttendance"] == 5
    a = default["activity"]["id"]
    member, second = await supporters(hub, "C003", 2)
    assert (await _sign_up(hub, member, a))["userErrors"] == []
    duplicate = await _sign_up(hub, member, a)
    assert duplicate["userErrors"] == [
        {"code": "DUPLICATE", "message": "您已报名该活动。", "field": "input.activityId"}
    ]
    [elsewhere] = await supporters(hub, "C001", 1)
    assert _codes(await _sign_up(hub, elsewhere, a)) == ["NOT_REPORTED"]
    assert (await _sign_up(hub, second, a))["userErrors"] == []

    blank = await _run(committee, CANCEL_ACTIVITY, "cancelActivity", activityId=a, reason=" ")
    assert _codes(blank) == ["INVALID_INPUT"]
    cancelled = await _run(committee, CANCEL_ACTIVITY, "cancelActivity", activityId=a,
                           reason="天气原因")  # fmt: skip
    assert cancelled["userErrors"] == []
    assert cancelled["activity"]["status"] == "CANCELLED"
    assert cancelled["activity"]["history"][-1]["note"] == "天气原因"
    # Signups keep their state; their history notes the cancellation.
    seen = (await committee.query(NODE, {"id": a}))["node"]
    assert {e["node"]["status"] for e in seen["signups"]["edges"]} == {"REGISTERED"}
    signup_id = seen["signups"]["edges"][0]["node"]["id"]
    trail = (await committee.query(NODE, {"id": signup_id}))["node"]["history"]
    assert trail[-1] == {"fromState": "registered", "toState": "registered",
                         "actorRole": "community", "note": "活动已取消：天气原因"}  # fmt: skip
    [late] = await supporters(hub, "C003", 1)
    on_cancelled = await _sign_up(hub, late, a)
    assert _codes(on_cancelled) == ["INVALID_STATE"]
    assert "已取消" in on_cancelled["userErrors"][0]["message"]
    assert _codes(await _run(committee, CANCEL_ACTIVITY, "cancelActivity", activityId=a,
                             reason="再次")) == ["INVALID_STATE"]  # fmt: skip
    assert _codes(await _run(committee, ISSUE, "issueCheckInCode", activityId=a)) == [
        "INVALID_STATE"
    ]
    # A cancelled activity is its community's only; its members keep their signups.
    hidden = await hub.as_viewer("member", member=member).query(NODE, {"id": a})
    assert hidden["node"] is None
    own = await hub.as_viewer("member", member=member).query(NODE, {"id": signup_id})
    assert own["node"]["history"][-1]["note"] == "活动已取消：天气原因"


async def test_out_of_scope_is_forbidden(hub: GraphQLClient) -> None:
    member, other = await supporters(hub, "C001", 2)
    starts = _now() + timedelta(days=1)
    fields = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "巡逻", "place": "东门",
              "startsAt": _iso(starts), "endsAt": _iso(starts + timedelta(hours=1)),
              "capacity": 5}  # fmt: skip
    outsiders = [("community", {"community": "C002"}), ("unit_branch", {"unit": "U0001"}),
                 ("member", {"member": member}), ("district", {"district": "D01"}),
                 ("auditor", {})]  # fmt: skip
    for role, scope in outsiders:
        error = await hub.as_viewer(role, **scope).error(PUBLISH, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    grid = await hub.query(
        '{ community(code: "C001") { grids(first: 1) { edges { node { code } } } } }'
    )
    grid_code = grid["community"]["grids"]["edges"][0]["node"]["code"]
    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=grid_code)
    published = await _run(secretary, PUBLISH, "publishActivity", **fields)
    assert published["userErrors"] == []
    a = published["activity"]["id"]

    for role, scope in [("community", {"community": "C001"}), ("district", {"district": "D01"})]:
        error = await hub.as_viewer(role, **scope).error(SIGN_UP, {"input": {"activityId": a}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await hub.as_viewer(role, **scope).error(
            CHECK_IN, {"input": {"activityId": a, "code": "123456"}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role
    for role, scope in outsiders:
        for query, extra in ((ISSUE, {}), (CERTIFY, {}), (CANCEL_ACTIVITY, {"reason": "无"}),
                             (CHANGE, {"place": "西门"})):  # fmt: skip
            error = await hub.as_viewer(role, **scope).error(
                query, {"input": {"activityId": a, **extra}}
            )
            assert error["extensions"]["code"] == "FORBIDDEN", (role, query[:40])
    signup = (await _sign_up(hub, member, a))["signup"]
    error = await hub.as_viewer("member", member=other).error(
        CANCEL_SIGNUP, {"input": {"signupId": signup["id"]}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await hub.as_viewer("community", community="C002").error(
        HOURS, {"input": {"signupId": signup["id"], "hours": "1"}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    # The grid secretary of the community manages it, as the community does.
    issued = await _run(secretary, ISSUE, "issueCheckInCode", activityId=a)
    assert _codes(issued) == ["OUTSIDE_WINDOW"]


async def test_who_sees_activities_and_signups(hub: GraphQLClient) -> None:
    activity = await _publish(hub, "C002", starts_in=timedelta(days=3), lasts=timedelta(hours=1),
                              title="可见性活动")  # fmt: skip
    member, other = await supporters(hub, "C002", 2)
    signup = (await _sign_up(hub, member, activity["id"]))["signup"]
    assert (await _sign_up(hub, other, activity["id"]))["userErrors"] == []
    unit_of = {}
    for code in (member, other):
        data = await hub.query("query($m: String!) { member(code: $m) { unit { code } } }",
                               {"m": code})  # fmt: skip
        unit_of[code] = data["member"]["unit"]["code"]
    unit = unit_of[member]

    query = """{ community(code: "C002") { activities(first: 100) { edges { node { id
                 registeredCount signups { totalCount edges { node { memberCode } } }
                 history { toState } } } } } }"""

    def found(data: dict[str, Any]) -> dict[str, Any]:
        edges = data["community"]["activities"]["edges"]
        return {e["node"]["id"]: e["node"] for e in edges}

    anonymous = found(await hub.anonymous().query(query))
    assert activity["id"] not in anonymous
    for role, scope, expected in [
        ("community", {"community": "C002"}, {member, other}),
        ("district", {"district": "D01"}, {member, other}),
        ("auditor", {}, {member, other}),
        ("member", {"member": member}, {member}),
        ("unit_branch", {"unit": unit}, {m for m in (member, other) if unit_of[m] == unit}),
        ("community", {"community": "C001"}, set()),
        ("resident", {"community": "C002"}, set()),
    ]:
        seen = found(await hub.as_viewer(role, **scope).query(query))[activity["id"]]
        assert seen["registeredCount"] == 2, role  # a figure: counted for every viewer
        codes = {e["node"]["memberCode"] for e in seen["signups"]["edges"]}
        assert codes == expected, role
        assert seen["history"] == [{"toState": "published"}], role
    node = await hub.as_viewer("member", member=other).query(NODE, {"id": signup["id"]})
    assert node["node"] is None
    node = await hub.as_viewer("member", member=member).query(NODE, {"id": signup["id"]})
    assert node["node"]["history"][0]["toState"] == "registered"


async def test_retried_publish_and_signup_return_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C003")
    starts = _now() + timedelta(days=2)
    fields = {"communityCode": "C003", "categoryCode": CATEGORY, "title": "重试活动",
              "place": "礼堂", "startsAt": _iso(starts),
              "endsAt": _iso(starts + timedelta(hours=1)), "capacity": 4,
              "clientMutationId": "activities-publish-retry-1"}  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM activities")
    first = await _run(committee, PUBLISH, "publishActivity", **fields)
    second = await _run(committee, PUBLISH, "publishActivity", **fields)
    assert second["userErrors"] == []
    assert second["activity"]["id"] == first["activity"]["id"]
    assert second["clientMutationId"] == "activities-publish-retry-1"
    assert await count(workflow_db, "SELECT count(*) FROM activities") == before + 1

    [member] = await supporters(hub, "C003", 1)
    key = {"clientMutationId": f"activities-signup-retry-{member}"}
    signed = await _sign_up(hub, member, first["activity"]["id"], **key)
    retried = await _sign_up(hub, member, first["activity"]["id"], **key)
    assert signed["userErrors"] == []
    assert retried["userErrors"] == []
    assert retried["signup"]["id"] == signed["signup"]["id"]
    assert len(retried["signup"]["history"]) == 1
    rows = await count(
        workflow_db,
        "SELECT count(*) FROM activity_signups WHERE member_code = :m"
        " AND activity_id IN (SELECT id FROM activities WHERE title = '重试活动')",
        m=member,
    )
    assert rows == 1


async def test_concurrent_signups_never_exceed_the_capacity(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    activity = await _publish(hub, "C001", starts_in=timedelta(days=1), lasts=timedelta(hours=2),
                              capacity=3, title="并发活动")  # fmt: skip
    members = await supporters(hub, "C001", 8)
    bodies = await asyncio.gather(
        *(
            hub.as_viewer("member", member=m).raw(
                SIGN_UP, {"input": {"activityId": activity["id"]}}
            )
            for m in members
        )
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["signUpForActivity"] for body in bodies]
    assert all(p["userErrors"] == [] for p in payloads), payloads
    statuses = sorted(p["signup"]["status"] for p in payloads)
    assert statuses == ["REGISTERED"] * 3 + ["WAITLISTED"] * 5
    activity_id = await count(
        workflow_db, "SELECT id FROM activities WHERE title = :t", t="并发活动"
    )
    held = await count(
        workflow_db,
        "SELECT count(*) FROM activity_signups WHERE activity_id = :a AND status = 'registered'",
        a=activity_id,
    )
    assert held == 3
    # Waitlist order is signup order: the earliest waitlisted signup moves up first.
    seen = await hub.as_viewer("community", community="C001").query(NODE, {"id": activity["id"]})
    edges = seen["node"]["signups"]["edges"]
    assert [e["node"]["status"] for e in edges] == ["REGISTERED"] * 3 + ["WAITLISTED"] * 5


async def test_this_weeks_activities_take_a_fixed_number_of_statements(
    hub: GraphQLClient,
) -> None:
    query = """{ community(code: "C002") { activities(filter: {thisWeek: true}, first: 50) {
                 totalCount edges { node { registeredCount signups { edges { node {
                 member { name } } } } } } } } }"""
    committee = hub.as_viewer("community", community="C002")

    async def soon(title: str, n: int) -> None:
        made = await _publish(hub, "C002", starts_in=timedelta(minutes=1),
                              lasts=timedelta(hours=1), title=title)  # fmt: skip
        for member in await supporters(hub, "C002", n):
            assert (await _sign_up(hub, member, made["id"]))["userErrors"] == []

    await soon("本周活动一", 1)
    before = await committee.statements(query)
    await soon("本周活动二", 2)
    await soon("本周活动三", 3)
    next_week = await _publish(hub, "C002", starts_in=timedelta(days=8),
                               lasts=timedelta(hours=1), title="下周活动")  # fmt: skip
    after = await committee.statements(query)
    assert after == before
    # community: the community, the page, its total, the counts, the signups (one batch
    # each), the viewer's facts; units: the members' names in one batch.
    assert after == {"units": 1, "community": 6, "audit": 1}, after
    data = await committee.query(
        """{ community(code: "C002") { activities(filter: {thisWeek: true}, first: 50) {
             edges { node { id title registeredCount signups { edges { node {
             member { name } } } } } } } } }"""
    )
    nodes = [e["node"] for e in data["community"]["activities"]["edges"]]
    assert next_week["id"] not in {n["id"] for n in nodes}
    counts = {n["title"]: n["registeredCount"] for n in nodes}
    assert {k: counts[k] for k in ("本周活动一", "本周活动二", "本周活动三")} == {
        "本周活动一": 1, "本周活动二": 2, "本周活动三": 3
    }  # fmt: skip
    assert all(e["node"]["member"]["name"] for n in nodes for e in n["signups"]["edges"])


async def test_unknown_or_foreign_ids_are_not_found(hub: GraphQLClient) -> None:
    [member] = await supporters(hub, "C002", 1)
    me = hub.as_viewer("member", member=member)
    committee = hub.as_viewer("community", community="C002")
    missing = "QWN0aXZpdHk6OTk5OTk5OQ=="  # Activity:9999999
    foreign = "TWljcm9XaXNoOjE="  # MicroWish:1
    for activity_id in (missing, foreign):
        assert _codes(await _sign_up(hub, member, activity_id)) == ["NOT_FOUND"]
        refused = await _run(committee, CERTIFY, "certifyActivity", activityId=activity_id)
        assert refused["userErrors"][0]["field"] == "input.activityId"
        assert _codes(refused) == ["NOT_FOUND"]
    signup_id = "QWN0aXZpdHlTaWdudXA6OTk5OTk5OQ=="  # ActivitySignup:9999999
    assert _codes(await _run(me, CANCEL_SIGNUP, "cancelSignup", signupId=signup_id)) == [
        "NOT_FOUND"
    ]


async def test_concurrent_cancellations_promote_in_waitlist_order(hub: GraphQLClient) -> None:
    activity = await _publish(hub, "C003", starts_in=timedelta(days=1), lasts=timedelta(hours=1),
                              capacity=2, title="并发递补")  # fmt: skip
    r1, r2, w1, w2, w3, late = await supporters(hub, "C003", 6)
    signups = {m: (await _sign_up(hub, m, activity["id"]))["signup"] for m in (r1, r2, w1, w2, w3)}
    assert [signups[m]["status"] for m in (r1, r2, w1, w2, w3)] == [
        "REGISTERED", "REGISTERED", "WAITLISTED", "WAITLISTED", "WAITLISTED"
    ]  # fmt: skip
    bodies = await asyncio.gather(
        *(
            hub.as_viewer("member", member=m).raw(
                CANCEL_SIGNUP, {"input": {"signupId": signups[m]["id"]}}
            )
            for m in (r1, r2)
        ),
        hub.as_viewer("member", member=late).raw(
            SIGN_UP, {"input": {"activityId": activity["id"]}}
        ),
    )
    assert all(not body.get("errors") for body in bodies), bodies
    assert bodies[2]["data"]["signUpForActivity"]["signup"]["status"] == "WAITLISTED"
    seen = await hub.as_viewer("community", community="C003").query(NODE, {"id": activity["id"]})
    statuses = {
        e["node"]["memberCode"]: e["node"]["status"] for e in seen["node"]["signups"]["edges"]
    }
    assert statuses == {r1: "CANCELLED", r2: "CANCELLED", w1: "REGISTERED", w2: "REGISTERED",
                        w3: "WAITLISTED", late: "WAITLISTED"}  # fmt: skip
    assert (seen["node"]["registeredCount"], seen["node"]["waitlistCount"]) == (2, 2)


UNIT_SIGN_UP = """mutation($input: SignUpUnitForActivityInput!) {
  signUpUnitForActivity(input: $input) { userErrors { code } signup { id } } }"""
FEED = """{ viewer { notifications(first: 50) { edges { node { kind text objectId } } } } }"""


async def _told(viewer: GraphQLClient, object_id: str) -> list[tuple[str, str]]:
    feed = (await viewer.query(FEED))["viewer"]["notifications"]["edges"]
    return [(e["node"]["kind"], e["node"]["text"]) for e in feed
            if e["node"]["objectId"] == object_id]  # fmt: skip


async def test_changing_an_activity_tells_those_signed_up_and_promotes_the_waitlist(
    hub: GraphQLClient, clock: Any
) -> None:
    from tests.test_orders_workflow import _paired

    community, unit_code, _ = await _paired(hub)
    committee = hub.as_viewer("community", community=community)
    activity = await _publish(hub, community, starts_in=timedelta(days=2),
                              lasts=timedelta(hours=2), capacity=2)  # fmt: skip
    a = activity["id"]
    first, second = await supporters(hub, community, 2)
    unit = hub.as_viewer("unit_branch", unit=unit_code)
    held = await _run(unit, UNIT_SIGN_UP, "signUpUnitForActivity", activityId=a, headcount=1)
    assert held["userErrors"] == []
    assert (await _sign_up(hub, first, a))["signup"]["status"] == "REGISTERED"
    waiting = (await _sign_up(hub, second, a))["signup"]
    assert waiting["status"] == "WAITLISTED"

    # Refusals change nothing.
    assert _codes(await _run(committee, CHANGE, "changeActivity", activityId=a)) == [
        "INVALID_INPUT"
    ]
    assert _codes(await _run(committee, CHANGE, "changeActivity", activityId=a,
                             place=activity["place"])) == ["INVALID_INPUT"]  # fmt: skip
    narrower = await _run(committee, CHANGE, "changeActivity", activityId=a, capacity=1)
    assert narrower["userErrors"] == [{
        "code": "INVALID_INPUT", "field": "input.capacity",
        "message": "已有 2 个名额被占用，名额不能减少到 1。"}]  # fmt: skip
    backwards = await _run(committee, CHANGE, "changeActivity", activityId=a,
                           endsAt=activity["startsAt"])  # fmt: skip
    assert [(e["code"], e["field"]) for e in backwards["userErrors"]] == [
        ("INVALID_INPUT", "input.endsAt")
    ]
    past = await _run(committee, CHANGE, "changeActivity", activityId=a,
                      startsAt=_iso(_now() - timedelta(hours=1)))  # fmt: skip
    assert [(e["code"], e["field"]) for e in past["userErrors"]] == [
        ("INVALID_INPUT", "input.startsAt")
    ]
    assert await _told(hub.as_viewer("member", member=first), a) == []

    # Place, time and capacity at once: one history entry, the waitlist promoted, and
    # everyone signed up (members and the unit) told what changed and why.
    starts = datetime.fromisoformat(activity["startsAt"]) + timedelta(days=1)
    changed = await _run(committee, CHANGE, "changeActivity", activityId=a, place="活动室",
                         startsAt=_iso(starts), endsAt=_iso(starts + timedelta(hours=3)),
                         capacity=3, reason="场地调整", clientMutationId="chg-1")  # fmt: skip
    assert changed["userErrors"] == []
    assert changed["clientMutationId"] == "chg-1"
    moved = changed["activity"]
    assert (moved["place"], moved["capacity"], moved["registeredCount"],
            moved["waitlistCount"]) == ("活动室", 3, 2, 0)  # fmt: skip
    assert datetime.fromisoformat(moved["startsAt"]) == starts
    last = moved["history"][-1]
    assert (last["fromState"], last["toState"], last["actorRole"]) == (
        "published", "published", "community"
    )  # fmt: skip
    assert last["note"].startswith("修改：地点由「社区广场」改为「活动室」；时间由 ")
    assert last["note"].endswith("；名额由 2 改为 3（场地调整）")
    promoted = await hub.as_viewer("member", member=second).query(NODE, {"id": waiting["id"]})
    assert promoted["node"]["status"] == "REGISTERED"
    for viewer in (hub.as_viewer("member", member=first), unit):
        [(kind, text)] = await _told(viewer, a)
        assert kind == "ACTIVITY_CHANGED"
        assert "地点由「社区广场」改为「活动室」" in text
        assert "（场地调整）" in text
        assert "名额" not in text  # what the signed-up need to know, not the bookkeeping
    assert sorted(kind for kind, _ in await _told(
        hub.as_viewer("member", member=second), a)) == ["ACTIVITY_CHANGED"]  # fmt: skip

    # A capacity or description change alone tells no one.
    quiet = await _run(committee, CHANGE, "changeActivity", activityId=a, capacity=5,
                       description="请带好垃圾袋")  # fmt: skip
    assert quiet["activity"]["description"] == "请带好垃圾袋"
    assert len(await _told(hub.as_viewer("member", member=first), a)) == 1

    # Once started, or once cancelled, it no longer changes.
    clock(timedelta(days=3, hours=1))
    started = await _run(committee, CHANGE, "changeActivity", activityId=a, place="广场")
    assert _codes(started) == ["INVALID_STATE"]
    clock(timedelta(0))
    cancelled = await _run(committee, CANCEL_ACTIVITY, "cancelActivity", activityId=a,
                           reason="天气原因")  # fmt: skip
    assert cancelled["userErrors"] == []
    assert _codes(await _run(committee, CHANGE, "changeActivity", activityId=a,
                             place="广场")) == ["INVALID_STATE"]  # fmt: skip
