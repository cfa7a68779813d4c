"""Households in need (特殊群体) end to end, on both backends: the committee registers a
household (sensitive: other communities, the district and unpaired members see nothing of
it), pairs a reported member and a paired unit (二对一; a third is FULL, one not reported is
NOT_REPORTED), the helper sees the name and address but not the category; visits move the
next due day and a missed one is listed as overdue; a visit escalates into a demand waiting
for review; the household leaves the register with a reason and its pairings end. Two
pairings racing for a household's last place: exactly one wins."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

from resolvers.workflow import today_in_china
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.test_lists_workflow import _paired_units
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("help")

ERRORS = "clientMutationId userErrors { code message field }"
HOUSEHOLD = """id name address phone category circumstances maxHelpers status leftReason
  history { fromState toState note }"""
PAIRING = """id helperKind helperCode visitEveryDays startsOn status lastVisitOn nextVisitDue
  overdue endedReason"""
REGISTER = f"""mutation($input: RegisterHelpHouseholdInput!) {{
  registerHelpHousehold(input: $input) {{ {ERRORS} household {{ {HOUSEHOLD} }} }} }}"""
LEAVE = f"""mutation($input: LeaveHelpRegisterInput!) {{
  leaveHelpRegister(input: $input) {{ {ERRORS} household {{ {HOUSEHOLD} }} }} }}"""
PAIR = f"""mutation($input: PairHelpHouseholdInput!) {{
  pairHelpHousehold(input: $input) {{ {ERRORS} pairing {{ {PAIRING} }} }} }}"""
END = f"""mutation($input: EndHelpPairingInput!) {{
  endHelpPairing(input: $input) {{ {ERRORS} pairing {{ {PAIRING} }} }} }}"""
VISIT = f"""mutation($input: LogHelpVisitInput!) {{
  logHelpVisit(input: $input) {{ {ERRORS} visit {{ id visitedOn note
    demand {{ id status title }} }} }} }}"""
HOUSEHOLDS = """{ helpHouseholds(first: 100) { totalCount edges { node { id name address
  phone category circumstances } } } }"""
OVERDUE = """{ helpPairings(first: 100, filter: {overdue: true}) { totalCount
  edges { node { id overdue } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on HelpHousehold { id name } } }"""
CATEGORY = "chancheng.epidemic"
_SERIAL = itertools.count(1)


async def _register(committee: GraphQLClient, **more: Any) -> dict[str, Any]:
    given = {"name": f"王阿姨{next(_SERIAL)}", "address": "3栋2单元401", "phone": "13800138000",
             "category": "LIVING_ALONE", "circumstances": "独居，行动不便", **more}  # fmt: skip
    payload = (await committee.query(REGISTER, {"input": given}))["registerHelpHousehold"]
    assert payload["userErrors"] == [], payload
    household: dict[str, Any] = payload["household"]
    return household


async def _pair(committee: GraphQLClient, household: str, kind: str, code: str,
                **more: Any) -> dict[str, Any]:  # fmt: skip
    given = {"householdId": household, "helperKind": kind, "helperCode": code, **more}
    result: dict[str, Any] = (await committee.query(PAIR, {"input": given}))["pairHelpHousehold"]
    return result


def _code(payload: dict[str, Any]) -> str:
    error = payload["userErrors"][0]
    assert error["message"]
    return str(error["code"])


async def test_register_pair_visit_overdue_escalate_and_leave(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C001")
    household = await _register(committee, maxHelpers=2, clientMutationId="h-1")
    assert (household["status"], household["category"]) == ("ACTIVE", "LIVING_ALONE")
    again = await _register(committee, maxHelpers=2, clientMutationId="h-1")
    assert again["id"] == household["id"]  # replayed by its idempotency key

    member, spare = await supporters(hub, "C001", 2)
    [stranger] = await supporters(hub, "C002", 1)
    units = await _paired_units(hub, "C001")
    assert units, "the seeded data has no unit paired with C001"
    me = hub.as_viewer("member", member=member)
    # Before any pairing the member sees nothing of the register; nor do others.
    for outsider in (me, hub.as_viewer("community", community="C002"),
                     hub.as_viewer("district", district="D01"),
                     hub.as_viewer("member", member=spare)):  # fmt: skip
        data = await outsider.query(NODE, {"id": household["id"]})
        assert data["node"] is None
    assert _code(await _pair(committee, household["id"], "MEMBER", stranger)) == "NOT_REPORTED"
    start = (today_in_china() - timedelta(days=10)).isoformat()
    paired = await _pair(committee, household["id"], "MEMBER", member, startsOn=start,
                         visitEveryDays=7, clientMutationId="p-1")  # fmt: skip
    assert paired["userErrors"] == [], paired
    pairing = paired["pairing"]
    assert pairing["overdue"] is True  # started 10 days ago, no visit, weekly
    assert _code(await _pair(committee, household["id"], "MEMBER", member)) == "DUPLICATE"
    unit = await _pair(committee, household["id"], "UNIT", units[0])
    assert unit["userErrors"] == [], unit
    assert _code(await _pair(committee, household["id"], "MEMBER", spare)) == "FULL"
    forbidden = await me.raw(PAIR, {"input": {"householdId": household["id"],
                                              "helperKind": "MEMBER", "helperCode": spare}})  # fmt: skip
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The helper sees whom to visit, the phone masked, not the category or circumstances.
    seen = (await me.query(HOUSEHOLDS))["helpHouseholds"]
    [node] = [e["node"] for e in seen["edges"]]
    assert (node["name"], node["address"]) == (household["name"], "3栋2单元401")
    assert node["phone"] not in ("13800138000", None)
    assert (node["category"], node["circumstances"]) == (None, None)
    full = (await committee.query(HOUSEHOLDS))["helpHouseholds"]["edges"]
    assert any(e["node"]["circumstances"] == "独居，行动不便" for e in full)

    overdue = (await committee.query(OVERDUE))["helpPairings"]
    assert pairing["id"] in {e["node"]["id"] for e in overdue["edges"]}
    assert pairing["id"] not in {e["node"]["id"]
                                 for e in (await hub.as_viewer("community", community="C002")
                                           .query(OVERDUE))["helpPairings"]["edges"]}  # fmt: skip
    future = (today_in_china() + timedelta(days=1)).isoformat()
    late = {"pairingId": pairing["id"], "visitedOn": future, "note": "陪同就医"}
    assert _code((await me.query(VISIT, {"input": late}))["logHelpVisit"]) == "OUTSIDE_WINDOW"
    other = hub.as_viewer("member", member=spare)
    today = today_in_china().isoformat()
    body = await other.raw(VISIT, {"input": {**late, "visitedOn": today}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    visit = (await me.query(VISIT, {"input": {
        "pairingId": pairing["id"], "visitedOn": today, "note": "打扫卫生，发现热水器损坏",
        "escalation": {"categoryCode": CATEGORY, "title": "热水器维修"},
        "clientMutationId": "v-1"}}))["logHelpVisit"]  # fmt: skip
    assert visit["userErrors"] == [], visit
    demand_title = "热水器维修"
    assert await count(workflow_db, "SELECT count(*) FROM demand_items WHERE title = :t "
                       "AND status = 'pending_review'", t=demand_title) == 1  # fmt: skip
    replay = (await me.query(VISIT, {"input": {
        "pairingId": pairing["id"], "visitedOn": today, "note": "x",
        "escalation": {"categoryCode": CATEGORY, "title": demand_title},
        "clientMutationId": "v-1"}}))["logHelpVisit"]  # fmt: skip
    assert replay["visit"]["id"] == visit["visit"]["id"]
    assert await count(workflow_db, "SELECT count(*) FROM demand_items WHERE title = :t",
                       t=demand_title) == 1  # fmt: skip
    overdue = (await committee.query(OVERDUE))["helpPairings"]
    assert pairing["id"] not in {e["node"]["id"] for e in overdue["edges"]}

    left = (await committee.query(LEAVE, {"input": {"householdId": household["id"],
                                                   "reason": "迁出本社区"}}))["leaveHelpRegister"]  # fmt: skip
    assert (left["household"]["status"], left["household"]["leftReason"]) == ("LEFT", "迁出本社区")
    assert [h["toState"] for h in left["household"]["history"]] == ["active", "left"]
    assert await count(workflow_db, "SELECT count(*) FROM help_pairings WHERE household_id = "
                       "(SELECT id FROM help_households WHERE name = :n) AND status = 'ended'",
                       n=household["name"]) == 2  # fmt: skip
    # Ended: the helper no longer sees the household, and logs no more visits.
    assert (await me.query(NODE, {"id": household["id"]}))["node"] is None
    ended = (await me.query(VISIT, {"input": {**late, "visitedOn": today}}))["logHelpVisit"]
    assert _code(ended) == "INVALID_STATE"
    assert _code((await committee.query(LEAVE, {"input": {
        "householdId": household["id"], "reason": "x"}}))["leaveHelpRegister"]) == "INVALID_STATE"  # fmt: skip


async def test_pairings_race_for_the_last_place(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """A 二对一 household with one helper: four clerks of the committee pair four more at
    once, exactly one wins (the household's row is locked before its active pairings are
    counted)."""
    committee = hub.as_viewer("community", community="C001")
    members = await supporters(hub, "C001", 9)
    for round_ in range(2):
        household = await _register(committee, maxHelpers=2)
        first = await _pair(committee, household["id"], "MEMBER", members[0])
        assert first["userErrors"] == []
        contenders = members[1 + 4 * round_ : 5 + 4 * round_]
        clerks = [hub.as_viewer("community", f"clerk-{i}", community="C001") for i in range(4)]
        results = await asyncio.gather(
            *(
                _pair(c, household["id"], "MEMBER", m)
                for c, m in zip(clerks, contenders, strict=True)
            )
        )
        won = [r for r in results if r["pairing"] is not None]
        lost = [r for r in results if r["pairing"] is None]
        assert len(won) == 1, results
        assert [r["userErrors"][0]["code"] for r in lost] == ["FULL"] * 3, results
        assert await count(workflow_db, "SELECT count(*) FROM help_pairings p JOIN "
                           "help_households h ON h.id = p.household_id WHERE h.name = :n",
                           n=household["name"]) == 2  # fmt: skip
