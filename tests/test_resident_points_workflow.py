"""Residents' points (居民积分) and young volunteers (小小志愿者) end to end, on both backends:
a resident signs up for his community's activities (sharing the places with members), a
guardian enrols his child with his consent and signs him up, the community confirms
participation, which earns points on the volunteer's own ledger (never a member's), and
residents redeem in the same points mall as members, on the same stock. Two callers racing
for the last place, or the last item, never both get it. Every step is in the history."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from datasources.community.points_models import PointsKind
from resolvers import resident_points
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.points_helpers import write_entries
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("resident_points")

CATEGORY = "chancheng.culture_sports"
ERRORS = "clientMutationId userErrors { code message field }"
VOLUNTEER = """id kind status birthYear consentAt consentNote withdrawnReason
  totals { balance earned spent } history { fromState toState actorRole note }"""
SIGNUP = "id status points confirmedAt volunteer { id kind } history { fromState toState note }"
PUBLISH = f"""mutation($input: PublishActivityInput!) {{ publishActivity(input: $input) {{
  {ERRORS} activity {{ id }} }} }}"""
MEMBER_SIGN_UP = f"""mutation($input: SignUpForActivityInput!) {{ signUpForActivity(input: $input)
  {{ {ERRORS} signup {{ id status }} }} }}"""
ENROL = f"""mutation($input: EnrolYoungVolunteerInput!) {{ enrolYoungVolunteer(input: $input) {{
  {ERRORS} volunteer {{ {VOLUNTEER} }} }} }}"""
WITHDRAW = f"""mutation($input: WithdrawYoungVolunteerConsentInput!) {{
  withdrawYoungVolunteerConsent(input: $input) {{ {ERRORS} volunteer {{ {VOLUNTEER} }} }} }}"""
SIGN_UP = f"""mutation($input: SignUpResidentForActivityInput!) {{
  signUpResidentForActivity(input: $input) {{ {ERRORS} signup {{ {SIGNUP} }} }} }}"""
CANCEL = f"""mutation($input: CancelResidentSignupInput!) {{ cancelResidentSignup(input: $input) {{
  {ERRORS} signup {{ {SIGNUP} cancelledReason }} }} }}"""
CONFIRM = f"""mutation($input: ConfirmResidentParticipationInput!) {{
  confirmResidentParticipation(input: $input) {{ {ERRORS} signup {{ {SIGNUP} }} }} }}"""
REDEEM = f"""mutation($input: RedeemMallItemAsResidentInput!) {{
  redeemMallItemAsResident(input: $input) {{ {ERRORS}
  redemption {{ id quantity points item {{ id stock }} volunteer {{ id }} history {{ toState }} }}
  }} }}"""
MEMBER_REDEEM = f"""mutation($input: RedeemMallItemInput!) {{ redeemMallItem(input: $input) {{
  {ERRORS} redemption {{ id }} }} }}"""
MERCHANT = f"""mutation($input: CreateMerchantInput!) {{ createMerchant(input: $input) {{
  {ERRORS} merchant {{ id }} }} }}"""
ITEM = f"""mutation($input: CreateMallItemInput!) {{ createMallItem(input: $input) {{
  {ERRORS} mallItem {{ id stock }} }} }}"""
MINE = f"""{{ myResidentPoints(first: 20) {{ totalCount edges {{ node {{ {VOLUNTEER}
  entries(first: 20) {{ edges {{ node {{ kind points sourceType note }} }} }}
  signups(first: 20) {{ totalCount }} redemptions(first: 20) {{ totalCount }}
  children(first: 10) {{ totalCount }} }} }} }} }}"""
ACTIVITY = """query($id: ID!) { node(id: $id) { ... on Activity { capacity registeredCount
  residentPlaces placesLeft residentSignups(first: 50) { totalCount edges { node { id } } } } } }"""
VOLUNTEERS = """query($c: String!) { community(code: $c) { residentVolunteers(first: 100) {
  totalCount edges { node { id } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id } }"""
_SERIAL = itertools.count(1)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the workflow's clock: `clock(timedelta(hours=2))` makes it two hours later."""

    def shift(by: timedelta) -> None:
        monkeypatch.setattr(resident_points, "utcnow", lambda: datetime.now(UTC) + by)

    return shift


async def _run(viewer: GraphQLClient, query: str, root: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(query, {"input": fields}))[root]
    return payload


def _code(payload: dict[str, Any]) -> str:
    error = payload["userErrors"][0]
    assert error["message"]  # a message for people, in Chinese
    return str(error["code"])


def _resident(hub: GraphQLClient, community: str = "C001") -> GraphQLClient:
    """A resident of his own (a subject no other test uses)."""
    return hub.as_viewer("resident", f"resident-{next(_SERIAL)}", community=community)


async def _activity(hub: GraphQLClient, *, capacity: int, points: int = 8) -> str:
    starts = datetime.now(UTC) + timedelta(hours=1)
    payload = await _run(
        hub.as_viewer("community", community="C001"), PUBLISH, "publishActivity",
        communityCode="C001", categoryCode=CATEGORY, title="小小志愿者垃圾分类宣传",
        place="社区广场", startsAt=starts.isoformat(),
        endsAt=(starts + timedelta(hours=2)).isoformat(), capacity=capacity,
        pointsPerAttendance=points,
    )  # fmt: skip
    assert payload["userErrors"] == [], payload
    return str(payload["activity"]["id"])


async def _item(hub: GraphQLClient, *, price: int, stock: int) -> str:
    district = hub.as_viewer("district", district="D01")
    merchant = await _run(district, MERCHANT, "createMerchant", code=f"RM-{next(_SERIAL)}",
                          name="积分超市", communityCode="C001")  # fmt: skip
    item = await _run(district, ITEM, "createMallItem", merchantId=merchant["merchant"]["id"],
                      code=f"RI-{next(_SERIAL)}", name="文具套装", pricePoints=price,
                      stock=stock)  # fmt: skip
    return str(item["mallItem"]["id"])


async def _earn(
    hub: GraphQLClient, clock: Any, residents: list[GraphQLClient], points: int
) -> None:
    """Each resident takes part in an activity the community confirms: `points` each."""
    activity = await _activity(hub, capacity=len(residents), points=points)
    signups = [(await _run(r, SIGN_UP, "signUpResidentForActivity", activityId=activity))["signup"]
               for r in residents]  # fmt: skip
    clock(timedelta(hours=2))
    committee = hub.as_viewer("community", community="C001")
    for signup in signups:
        done = await _run(committee, CONFIRM, "confirmResidentParticipation", signupId=signup["id"])
        assert done["userErrors"] == [], done
    clock(timedelta(0))


async def _mine(client: GraphQLClient) -> list[dict[str, Any]]:
    return [e["node"] for e in (await client.query(MINE))["myResidentPoints"]["edges"]]


async def test_residents_and_children_take_part_earn_and_redeem(
    hub: GraphQLClient, workflow_db: DatabasePair, clock: Any
) -> None:
    parent, neighbour = _resident(hub), _resident(hub)
    activity = await _activity(hub, capacity=3, points=8)

    # The guardian enrols his child, consent recorded; without it, or the wrong age: refused.
    year = datetime.now(UTC).year
    no = await _run(parent, ENROL, "enrolYoungVolunteer", birthYear=year - 10,
                    guardianConsent=False)  # fmt: skip
    assert (_code(no), no["userErrors"][0]["field"]) == ("INVALID_INPUT", "input.guardianConsent")
    for age in (3, 18):
        young = await _run(parent, ENROL, "enrolYoungVolunteer", birthYear=year - age,
                           guardianConsent=True)  # fmt: skip
        assert _code(young) == "INVALID_INPUT"
    enrolled = await _run(parent, ENROL, "enrolYoungVolunteer", birthYear=year - 10,
                          guardianConsent=True, consentNote="陪同参加周末活动",
                          clientMutationId="kid-1")  # fmt: skip
    child = enrolled["volunteer"]
    assert (child["kind"], child["status"], child["consentNote"]) == ("YOUNG", "ACTIVE",
                                                                      "陪同参加周末活动")  # fmt: skip
    assert child["consentAt"]
    assert child["history"][0]["note"] == "监护人同意：陪同参加周末活动"
    again = await _run(parent, ENROL, "enrolYoungVolunteer", birthYear=year - 10,
                       guardianConsent=True, clientMutationId="kid-1")  # fmt: skip
    assert again["volunteer"]["id"] == child["id"]

    # Signups: himself (idempotent), his child; a neighbour may not sign the child up.
    mine = await _run(parent, SIGN_UP, "signUpResidentForActivity", activityId=activity,
                      clientMutationId="me-1")  # fmt: skip
    assert mine["signup"]["status"] == "REGISTERED"
    replay = await _run(parent, SIGN_UP, "signUpResidentForActivity", activityId=activity,
                        clientMutationId="me-1")  # fmt: skip
    assert replay["signup"]["id"] == mine["signup"]["id"]
    assert _code(await _run(parent, SIGN_UP, "signUpResidentForActivity",
                            activityId=activity)) == "DUPLICATE"  # fmt: skip
    body = await neighbour.raw(SIGN_UP, {"input": {"activityId": activity,
                                                   "volunteerId": child["id"]}})  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    kid = await _run(parent, SIGN_UP, "signUpResidentForActivity", activityId=activity,
                     volunteerId=child["id"])  # fmt: skip
    assert kid["signup"]["volunteer"]["kind"] == "YOUNG"
    assert kid["signup"]["history"][0]["note"] == "监护人为小小志愿者报名"

    # Places are shared with members: a member takes the last, the neighbour finds it full.
    [member] = await supporters(hub, "C001", 1)
    taken = await _run(hub.as_viewer("member", member=member), MEMBER_SIGN_UP,
                       "signUpForActivity", activityId=activity)  # fmt: skip
    assert taken["signup"]["status"] == "REGISTERED"
    assert _code(await _run(neighbour, SIGN_UP, "signUpResidentForActivity",
                            activityId=activity)) == "FULL"  # fmt: skip
    shown = await hub.as_viewer("community", community="C001").query(ACTIVITY, {"id": activity})
    assert {k: shown["node"][k] for k in ("registeredCount", "residentPlaces", "placesLeft")} == {
        "registeredCount": 1, "residentPlaces": 2, "placesLeft": 0}  # fmt: skip
    assert shown["node"]["residentSignups"]["totalCount"] == 2
    elsewhere = _resident(hub, "C002")
    body = await elsewhere.raw(SIGN_UP, {"input": {"activityId": activity}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The community confirms once the activity has started; points go to each own ledger.
    committee = hub.as_viewer("community", community="C001")
    early = await _run(committee, CONFIRM, "confirmResidentParticipation",
                       signupId=mine["signup"]["id"])  # fmt: skip
    assert _code(early) == "OUTSIDE_WINDOW"
    members_before = await count(workflow_db, "SELECT count(*) FROM points_entries")
    clock(timedelta(hours=2))
    body = await hub.as_viewer("community", community="C002").raw(
        CONFIRM, {"input": {"signupId": mine["signup"]["id"]}})  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for signup in (mine, kid):
        done = await _run(committee, CONFIRM, "confirmResidentParticipation",
                          signupId=signup["signup"]["id"], note="按时到场")  # fmt: skip
        assert (done["signup"]["status"], done["signup"]["points"]) == ("CONFIRMED", 8)
        assert done["signup"]["history"][-1]["toState"] == "confirmed"
    twice = await _run(committee, CONFIRM, "confirmResidentParticipation",
                       signupId=kid["signup"]["id"])  # fmt: skip
    assert _code(twice) == "INVALID_STATE"
    assert await count(workflow_db, "SELECT count(*) FROM points_entries") == members_before
    clock(timedelta(0))

    accounts = {a["kind"]: a for a in await _mine(parent)}
    assert set(accounts) == {"RESIDENT", "YOUNG"}
    assert accounts["RESIDENT"]["totals"] == {"balance": 8, "earned": 8, "spent": 0}
    assert accounts["RESIDENT"]["children"]["totalCount"] == 1
    assert accounts["YOUNG"]["entries"]["edges"][0]["node"]["sourceType"] == (
        "ResidentActivitySignup")  # fmt: skip
    assert await _mine(neighbour) == []  # refused everywhere: no account opened
    assert await _mine(hub.as_viewer("member", member=member)) == []
    listed = await committee.query(VOLUNTEERS, {"c": "C001"})
    ids = {e["node"]["id"] for e in listed["community"]["residentVolunteers"]["edges"]}
    assert {child["id"], accounts["RESIDENT"]["id"]} <= ids
    other = await hub.as_viewer("community", community="C002").query(NODE, {"id": child["id"]})
    assert other["node"] is None
    unit_member = await hub.as_viewer("member", member=member).query(NODE, {"id": child["id"]})
    assert unit_member["node"] is None

    # The child's points pay for his redemption; too few points, or another's child: refused.
    item = await _item(hub, price=5, stock=10)
    bought = await _run(parent, REDEEM, "redeemMallItemAsResident", itemId=item,
                        volunteerId=child["id"], clientMutationId="buy-1")  # fmt: skip
    assert bought["redemption"]["points"] == 5
    assert bought["redemption"]["item"]["stock"] == 9
    assert bought["redemption"]["volunteer"]["id"] == child["id"]
    replay = await _run(parent, REDEEM, "redeemMallItemAsResident", itemId=item,
                        volunteerId=child["id"], clientMutationId="buy-1")  # fmt: skip
    assert replay["redemption"]["id"] == bought["redemption"]["id"]
    poor = await _run(parent, REDEEM, "redeemMallItemAsResident", itemId=item,
                      volunteerId=child["id"])  # fmt: skip
    assert _code(poor) == "INSUFFICIENT_POINTS"
    body = await neighbour.raw(REDEEM, {"input": {"itemId": item, "volunteerId": child["id"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    kid_account = next(a for a in await _mine(parent) if a["kind"] == "YOUNG")
    assert kid_account["totals"] == {"balance": 3, "earned": 8, "spent": 5}
    assert kid_account["redemptions"]["totalCount"] == 1

    # The guardian withdraws his consent: the ledger stays, nothing more is spent on it.
    withdrawn = await _run(parent, WITHDRAW, "withdrawYoungVolunteerConsent",
                           volunteerId=child["id"], reason="孩子学业繁忙")  # fmt: skip
    assert (withdrawn["volunteer"]["status"], withdrawn["volunteer"]["withdrawnReason"]) == (
        "WITHDRAWN", "孩子学业繁忙")  # fmt: skip
    assert withdrawn["volunteer"]["history"][-1]["toState"] == "withdrawn"
    assert withdrawn["volunteer"]["totals"]["balance"] == 3
    stopped = await _run(parent, REDEEM, "redeemMallItemAsResident", itemId=item,
                         volunteerId=child["id"])  # fmt: skip
    assert _code(stopped) == "INVALID_STATE"
    assert await count(workflow_db, "SELECT count(*) FROM resident_redemptions WHERE item_id IN "
                       "(SELECT id FROM mall_items WHERE stock = 9)") >= 1  # fmt: skip


async def test_a_resident_cancels_before_the_start_and_frees_the_place(
    hub: GraphQLClient, clock: Any
) -> None:
    first, second = _resident(hub), _resident(hub)
    activity = await _activity(hub, capacity=1)
    held = await _run(first, SIGN_UP, "signUpResidentForActivity", activityId=activity)
    assert _code(await _run(second, SIGN_UP, "signUpResidentForActivity",
                            activityId=activity)) == "FULL"  # fmt: skip
    body = await second.raw(CANCEL, {"input": {"signupId": held["signup"]["id"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    cancelled = await _run(first, CANCEL, "cancelResidentSignup", signupId=held["signup"]["id"],
                           reason="临时有事")  # fmt: skip
    assert (cancelled["signup"]["status"], cancelled["signup"]["cancelledReason"]) == (
        "CANCELLED", "临时有事")  # fmt: skip
    assert _code(await _run(first, CANCEL, "cancelResidentSignup",
                            signupId=held["signup"]["id"])) == "INVALID_STATE"  # fmt: skip
    won = await _run(second, SIGN_UP, "signUpResidentForActivity", activityId=activity)
    clock(timedelta(hours=1, minutes=5))
    late = await _run(second, CANCEL, "cancelResidentSignup", signupId=won["signup"]["id"])
    assert _code(late) == "OUTSIDE_WINDOW"


async def test_two_residents_race_for_the_last_place(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Two residents, then a resident and a member, sign up at once for the last place:
    exactly one holds it (the member, losing, waits on the waitlist)."""
    for _ in range(3):
        activity = await _activity(hub, capacity=1)
        results = await asyncio.gather(
            *(_run(r, SIGN_UP, "signUpResidentForActivity", activityId=activity)
              for r in (_resident(hub), _resident(hub)))
        )  # fmt: skip
        assert sorted(r["signup"]["status"] if r["signup"] else _code(r) for r in results) == [
            "FULL", "REGISTERED"], results  # fmt: skip
    members = await supporters(hub, "C001", 3)
    for member in members:
        activity = await _activity(hub, capacity=1)
        resident, member_result = await asyncio.gather(
            _run(_resident(hub), SIGN_UP, "signUpResidentForActivity", activityId=activity),
            _run(hub.as_viewer("member", member=member), MEMBER_SIGN_UP, "signUpForActivity",
                 activityId=activity),
        )  # fmt: skip
        holders = int(resident["signup"] is not None) + int(
            member_result["signup"]["status"] == "REGISTERED")  # fmt: skip
        assert holders == 1, (resident, member_result)
        if resident["signup"] is None:
            assert _code(resident) == "FULL"
        else:
            assert member_result["signup"]["status"] == "WAITLISTED"
    held = await count(workflow_db, "SELECT count(*) FROM resident_activity_signups s JOIN "
                       "activities a ON a.id = s.activity_id WHERE a.capacity = 1 AND "
                       "s.status = 'registered' AND a.title = :t", t="小小志愿者垃圾分类宣传")  # fmt: skip
    assert held >= 3


async def test_a_resident_and_a_member_race_for_the_last_item(
    hub: GraphQLClient, workflow_db: DatabasePair, clock: Any
) -> None:
    """The mall's stock is one for members and residents: two residents, then a resident
    and a member, redeem the last piece at once; exactly one gets it, the other is told
    OUT_OF_STOCK, and the stock never goes below zero."""
    residents = [_resident(hub) for _ in range(4)]
    await _earn(hub, clock, residents, points=10)
    [member] = await supporters(hub, "C001", 1)
    await write_entries(workflow_db, {"member_code": member, "kind": PointsKind.EARN, "points": 50})
    pairs = [
        (residents[0], None, residents[1], None),
        (residents[2], None, None, member),
        (residents[3], None, None, member),
    ]
    for a, _, b, by_member in pairs:
        item = await _item(hub, price=5, stock=1)
        calls = [_run(a, REDEEM, "redeemMallItemAsResident", itemId=item)]
        if b is not None:
            calls.append(_run(b, REDEEM, "redeemMallItemAsResident", itemId=item))
        else:
            calls.append(_run(hub.as_viewer("member", member=by_member), MEMBER_REDEEM,
                              "redeemMallItem", itemId=item))  # fmt: skip
        results = await asyncio.gather(*calls)
        won = [r for r in results if r["redemption"] is not None]
        lost = [r for r in results if r["redemption"] is None]
        assert (len(won), len(lost)) == (1, 1), results
        assert _code(lost[0]) == "OUT_OF_STOCK"
    assert await count(workflow_db, "SELECT count(*) FROM mall_items WHERE stock < 0") == 0


async def test_statements_of_resident_accounts_do_not_grow(hub: GraphQLClient) -> None:
    """A page of accounts with their figures, entries and signups costs the same statements
    for one account as for all of them (each nested list and figure is one batch)."""
    query = """query($n: Int!) { community(code: "C001") { residentVolunteers(first: $n) {
      edges { node { kind totals { balance } y: totals(year: 2025) { earned }
        entries(first: 3) { edges { node { points } } } signups(first: 3) { totalCount }
        } } } } }"""
    district = hub.as_viewer("district", district="D01")
    listed = await district.query(query, {"n": 100})
    assert len(listed["community"]["residentVolunteers"]["edges"]) >= 2
    few = await district.statements(query, {"n": 1})
    many = await district.statements(query, {"n": 100})
    assert few == many


ISSUE = f"""mutation($input: IssueCheckInCodeInput!) {{ issueCheckInCode(input: $input) {{
  {ERRORS} code }} }}"""
CHECK_IN = f"""mutation($input: CheckInResidentInput!) {{ checkInResident(input: $input) {{
  {ERRORS} signup {{ {SIGNUP} checkedInAt }} }} }}"""


async def test_a_resident_checks_in_himself_and_his_child_with_the_venue_code(
    hub: GraphQLClient,
) -> None:
    """签到: the code shown at the venue confirms the resident and the child he accompanies
    at once and earns their points; wrong codes are counted and lock out at the fifth."""
    parent, stranger = _resident(hub), _resident(hub)
    year = datetime.now(UTC).year
    child = (await _run(parent, ENROL, "enrolYoungVolunteer", birthYear=year - 9,
                        guardianConsent=True))["volunteer"]  # fmt: skip
    starts = datetime.now(UTC) + timedelta(minutes=20)  # the check-in window is open
    published = await _run(
        hub.as_viewer("community", community="C001"), PUBLISH, "publishActivity",
        communityCode="C001", categoryCode=CATEGORY, title="亲子环保行动", place="社区广场",
        startsAt=starts.isoformat(), endsAt=(starts + timedelta(hours=1)).isoformat(),
        capacity=5, pointsPerAttendance=6,
    )  # fmt: skip
    activity = published["activity"]["id"]
    for client, given in ((parent, {}), (parent, {"volunteerId": child["id"]}), (stranger, {})):
        joined = await _run(client, SIGN_UP, "signUpResidentForActivity", activityId=activity,
                            **given)  # fmt: skip
        assert joined["userErrors"] == [], joined
    issued = await _run(hub.as_viewer("community", community="C001"), ISSUE,
                        "issueCheckInCode", activityId=activity)  # fmt: skip
    code = issued["code"]
    wrong = "000000" if code != "000000" else "111111"
    body = await stranger.raw(CHECK_IN, {"input": {"activityId": activity, "code": code,
                                                   "volunteerId": child["id"]}})  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for attempt in range(1, 6):
        refused = await _run(stranger, CHECK_IN, "checkInResident", activityId=activity,
                             code=wrong)  # fmt: skip
        assert _code(refused) == ("INVALID_CODE" if attempt < 5 else "TOO_MANY_ATTEMPTS")
    locked = await _run(stranger, CHECK_IN, "checkInResident", activityId=activity, code=code)
    assert _code(locked) == "TOO_MANY_ATTEMPTS"
    for volunteer in (None, child["id"]):
        given = {"activityId": activity, "code": code} | (
            {"volunteerId": volunteer} if volunteer else {})  # fmt: skip
        done = (await parent.query(CHECK_IN, {"input": given}))["checkInResident"]
        assert (done["signup"]["status"], done["signup"]["points"]) == ("CONFIRMED", 6), done
        assert done["signup"]["checkedInAt"]
        assert done["signup"]["history"][-1]["note"] == "现场签到"
    again = await _run(parent, CHECK_IN, "checkInResident", activityId=activity, code=code)
    assert _code(again) == "INVALID_STATE"
    totals = {a["kind"]: a["totals"]["balance"] for a in await _mine(parent)}
    assert totals == {"RESIDENT": 6, "YOUNG": 6}
