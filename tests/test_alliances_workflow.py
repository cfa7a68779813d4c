"""Alliances (党建联盟) and co-building agreements (共建协议) end to end: the rotating chair,
joint meetings (a party outside the alliance is refused), agreements signed, renewed and
ended, projects tracked to done, overdue projects, and each party's contribution."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from resolvers.workflow import today_in_china
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, workflow_fixtures

workflow_db, hub = workflow_fixtures("alliances")

ERRORS = "clientMutationId userErrors { code message field }"
SCHEDULE = f"""mutation($input: ScheduleAllianceChairsInput!) {{
  scheduleAllianceChairs(input: $input) {{ {ERRORS} alliance {{ code
    chairSchedule {{ startsOn endsOn current chair {{ partyCode rotationOrder }} }} }} }} }}"""
CONVOKE = f"""mutation($input: ConvokeAllianceMeetingInput!) {{
  convokeAllianceMeeting(input: $input) {{ {ERRORS} meeting {{ id status agenda heldOn
    convenedBy {{ partyCode }} alliance {{ code }} history {{ fromState toState }} }} }} }}"""
RECORD = f"""mutation($input: RecordAllianceMeetingInput!) {{
  recordAllianceMeeting(input: $input) {{ {ERRORS} meeting {{ id status minutes decisions
    attendance {{ present representative membership {{ partyCode }} }}
    history {{ fromState toState }} }} }} }}"""
AGREEMENT = """id code title status startsOn endsOn community { code }
  parties { __typename ... on WorkUnit { code } ... on Organisation { code name } }
  projects { id name status overdue budgetYuan owner { ... on WorkUnit { code } } }
  history { fromState toState actorRole note }"""
SIGN = f"""mutation($input: SignAgreementInput!) {{ signAgreement(input: $input) {{
  {ERRORS} agreement {{ {AGREEMENT} }} }} }}"""
RENEW = f"""mutation($input: RenewAgreementInput!) {{ renewAgreement(input: $input) {{
  {ERRORS} agreement {{ id status endsOn history {{ toState note }} }} }} }}"""
END = f"""mutation($input: EndAgreementInput!) {{ endAgreement(input: $input) {{
  {ERRORS} agreement {{ id status history {{ toState note }} }} }} }}"""
PROJECT = "id name status overdue budgetYuan dueOn ownerCode history { fromState toState note }"
ADD = f"""mutation($input: AddAgreementProjectInput!) {{ addAgreementProject(input: $input) {{
  {ERRORS} project {{ {PROJECT} }} }} }}"""
MOVE = f"""mutation($input: MoveAgreementProjectInput!) {{ moveAgreementProject(input: $input) {{
  {ERRORS} project {{ {PROJECT} }} }} }}"""


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    assert isinstance(payload, dict)
    return payload


async def _do(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    return _payload(await viewer.query(mutation, {"input": fields}))


async def _alliances(hub: GraphQLClient) -> list[dict[str, Any]]:
    data = await hub.query(
        """{ alliances(first: 20) { edges { node { code
             memberships { partyKind partyCode rotationOrder }
             chairSchedule { endsOn chair { partyCode } } } } } }"""
    )
    return [edge["node"] for edge in data["alliances"]["edges"]]


def _viewer_of(hub: GraphQLClient, kind: str, code: str) -> GraphQLClient:
    if kind == "COMMUNITY":
        return hub.as_viewer("community", community=code)
    if kind == "UNIT":
        return hub.as_viewer("unit_branch", unit=code)
    return hub.as_viewer("property_company", company=code)


async def _outsider_community(hub: GraphQLClient, alliance: dict[str, Any]) -> str:
    inside = {m["partyCode"] for m in alliance["memberships"] if m["partyKind"] == "COMMUNITY"}
    data = await hub.query("{ communities(first: 50) { edges { node { code } } } }")
    codes: list[str] = [e["node"]["code"] for e in data["communities"]["edges"]]
    return next(code for code in codes if code not in inside)


async def test_the_rotating_chair_continues_in_rotation_order(hub: GraphQLClient) -> None:
    alliance = (await _alliances(hub))[0]
    order = sorted(alliance["memberships"], key=lambda m: m["rotationOrder"])
    codes = [m["partyCode"] for m in order]
    last = alliance["chairSchedule"][-1]
    member = order[0]
    me = _viewer_of(hub, member["partyKind"], member["partyCode"])
    begin = date.fromisoformat(last["endsOn"]) + timedelta(days=1)
    overlap = await _do(me, SCHEDULE, allianceCode=alliance["code"], startsOn=last["endsOn"],
                        termMonths=3, terms=2)  # fmt: skip
    assert overlap["userErrors"][0]["code"] == "INVALID_INPUT"
    scheduled = await _do(me, SCHEDULE, allianceCode=alliance["code"],
                          startsOn=begin.isoformat(), termMonths=3, terms=3)  # fmt: skip
    assert scheduled["userErrors"] == []
    terms = scheduled["alliance"]["chairSchedule"]
    new = terms[-3:]
    assert new[0]["startsOn"] == begin.isoformat()
    following = codes.index(last["chair"]["partyCode"])
    expected = [codes[(following + i) % len(codes)] for i in (1, 2, 3)]
    assert [t["chair"]["partyCode"] for t in new] == expected
    assert date.fromisoformat(new[1]["startsOn"]) == date.fromisoformat(new[0]["endsOn"]) + timedelta(days=1)  # fmt: skip
    assert sum(t["current"] for t in terms) <= 1

    outsider = hub.as_viewer("community", community=await _outsider_community(hub, alliance))
    refused = await _do(outsider, SCHEDULE, allianceCode=alliance["code"], startsOn="2040-01-01",
                        termMonths=3, terms=1)  # fmt: skip
    assert refused["userErrors"][0]["code"] == "NOT_A_MEMBER"
    for role, scope in [("member", {"member": "M000001"}), ("resident", {"community": "C001"})]:
        error = await hub.as_viewer(role, **scope).error(
            SCHEDULE,
            {
                "input": {
                    "allianceCode": alliance["code"],
                    "startsOn": "2040-01-01",
                    "termMonths": 3,
                    "terms": 1,
                }
            },
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role


async def test_joint_meetings_of_member_parties_only(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    alliance = (await _alliances(hub))[1]
    unit = next(m for m in alliance["memberships"] if m["partyKind"] == "UNIT")
    me = _viewer_of(hub, "UNIT", unit["partyCode"])
    fields = {"allianceCode": alliance["code"], "heldOn": "2026-12-10",
              "agenda": "会商2027年度共建实事项目", "clientMutationId": "convoke-1"}  # fmt: skip
    convened = await _do(me, CONVOKE, **fields)
    assert convened["userErrors"] == []
    meeting = convened["meeting"]
    assert (meeting["status"], meeting["convenedBy"], meeting["alliance"]) == (
        "SCHEDULED", {"partyCode": unit["partyCode"]}, {"code": alliance["code"]}
    )  # fmt: skip
    assert (await _do(me, CONVOKE, **fields))["meeting"]["id"] == meeting["id"]

    before = await count(workflow_db, "SELECT count(*) FROM alliance_meetings")
    outsider_code = await _outsider_community(hub, alliance)
    outsider = hub.as_viewer("community", community=outsider_code)
    refused = await _do(outsider, CONVOKE, **{**fields, "clientMutationId": None})
    assert refused["meeting"] is None
    assert refused["userErrors"] == [{"code": "NOT_A_MEMBER", "field": "input.allianceCode",
                                      "message": f"{outsider_code}不是该联盟的成员单位。"}]  # fmt: skip
    assert await count(workflow_db, "SELECT count(*) FROM alliance_meetings") == before
    error = await hub.as_viewer("resident", community="C001").error(CONVOKE, {"input": fields})
    assert error["extensions"]["code"] == "FORBIDDEN"
    not_minutes = await _do(outsider, RECORD, meetingId=meeting["id"], minutes="旁听")
    assert not_minutes["userErrors"][0]["code"] == "NOT_A_MEMBER"

    # The convenor chairs its meeting: present; every other second party absent.
    attendance = [
        {"partyKind": m["partyKind"], "partyCode": m["partyCode"],
         "present": i % 2 == 0 or m["partyCode"] == unit["partyCode"],
         "representative": "张三" if i % 2 == 0 or m["partyCode"] == unit["partyCode"] else None}
        for i, m in enumerate(alliance["memberships"])
    ]  # fmt: skip
    chair_at = next(i for i, m in enumerate(attendance) if m["partyCode"] == unit["partyCode"])
    chair_absent = [{**m, "present": False, "representative": None} if i == chair_at else m
                    for i, m in enumerate(attendance)]  # fmt: skip
    absent = await _do(me, RECORD, meetingId=meeting["id"], minutes="纪要", attendance=chair_absent)
    assert absent["userErrors"] == [{"code": "INVALID_INPUT",
                                     "field": f"input.attendance.{chair_at}.present",
                                     "message": "会议召集方主持会议，不能记为缺席。"}]  # fmt: skip
    assert absent["meeting"] is None
    stray = [*attendance, {"partyKind": "COMMUNITY", "partyCode": outsider_code, "present": True}]
    bad = await _do(me, RECORD, meetingId=meeting["id"], minutes="纪要", attendance=stray)
    assert bad["userErrors"][0]["code"] == "NOT_A_MEMBER"
    assert bad["userErrors"][0]["field"] == f"input.attendance.{len(attendance)}"
    assert await count(workflow_db, "SELECT count(*) FROM alliance_meeting_attendance "
                       "WHERE meeting_id = (SELECT max(id) FROM alliance_meetings)") == 0  # fmt: skip
    blank = await _do(me, RECORD, meetingId=meeting["id"], minutes=" ")
    assert blank["userErrors"][0]["field"] == "input.minutes"

    other = next(m for m in alliance["memberships"] if m["partyCode"] != unit["partyCode"])
    recorder = _viewer_of(hub, other["partyKind"], other["partyCode"])
    held = await _do(recorder, RECORD, meetingId=meeting["id"], minutes="各单位通报进展",
                     decisions="新增3个实事项目", attendance=attendance)  # fmt: skip
    assert held["userErrors"] == []
    assert held["meeting"]["status"] == "HELD"
    assert len(held["meeting"]["attendance"]) == len(attendance)
    assert held["meeting"]["history"] == [
        {"fromState": None, "toState": "scheduled"},
        {"fromState": "scheduled", "toState": "held"},
    ]
    again = await _do(me, RECORD, meetingId=meeting["id"], minutes="再记")
    assert again["userErrors"][0]["code"] == "INVALID_STATE"

    listed = await me.query(
        "query($a: String!) { alliance(code: $a) { meetings { id status } } }",
        {"a": alliance["code"]},
    )
    assert meeting["id"] in [m["id"] for m in listed["alliance"]["meetings"]]
    own = await me.query("query($id: ID!) { node(id: $id) { id } }", {"id": meeting["id"]})
    assert own["node"] == {"id": meeting["id"]}
    hidden = await outsider.query("query($id: ID!) { node(id: $id) { id } }", {"id": meeting["id"]})
    assert hidden["node"] is None


async def test_a_units_agreements_with_projects_take_a_fixed_number_of_statements(
    hub: GraphQLClient,
) -> None:
    data = await hub.query(
        """{ agreements(first: 100) { edges { node { parties { ... on WorkUnit { code } } } } } }"""
    )
    counts: dict[str, int] = {}
    for edge in data["agreements"]["edges"]:
        for party in edge["node"]["parties"]:
            if "code" in party:
                counts[party["code"]] = counts.get(party["code"], 0) + 1
    busiest = max(counts, key=lambda code: counts[code])
    query = """query($u: String!, $n: Int!) { workUnit(code: $u) {
      agreements(first: $n) { totalCount edges { node { code title status
        community { code name } parties { __typename ... on WorkUnit { code name } }
        projects { name status overdue budgetYuan ownerKind ownerCode
          history { toState } } } } }
      owedProjects { name overdue } agreementContribution { projectsDone projectsOpen } } }"""
    unit = hub.as_viewer("unit_branch", unit=busiest)
    few = await unit.statements(query, {"u": busiest, "n": 1})
    many = await unit.statements(query, {"u": busiest, "n": 100})
    listed = await unit.query(query, {"u": busiest, "n": 100})
    assert listed["workUnit"]["agreements"]["totalCount"] >= 2
    projects = sum(len(e["node"]["projects"]) for e in listed["workUnit"]["agreements"]["edges"])
    assert projects > 4
    # One batch per list and per kind of party: a longer page may only add the batches of
    # party kinds the first agreement lacks (communities, companies as project owners).
    assert many["units"] == few["units"]
    assert few["community"] <= many["community"] <= few["community"] + 2, (few, many)


async def _units_paired_with(hub: GraphQLClient, community: str) -> list[str]:
    data = await hub.query("""{ workUnits(first: 30) { edges { node { code } } } }""")
    return [e["node"]["code"] for e in data["workUnits"]["edges"]]


async def test_agreement_lifecycle_projects_overdue_and_contributions(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    community = "C004"
    committee = hub.as_viewer("community", community=community)
    unit, other_unit = (await _units_paired_with(hub, community))[-2:]
    today = date.today()
    fields = {
        "communityCode": community, "title": "C004与单位党建共建协议（测试）",
        "startsOn": (today - timedelta(days=200)).isoformat(),
        "endsOn": (today + timedelta(days=165)).isoformat(),
        "parties": [{"kind": "UNIT", "code": unit},
                    {"kind": "ORGANISATION", "code": "ORG-T", "name": "志愿者协会"}],
        "clientMutationId": "agreement-1",
    }  # fmt: skip
    signed = await _do(committee, SIGN, **fields)
    assert signed["userErrors"] == []
    agreement = signed["agreement"]
    assert agreement["status"] == "ACTIVE"
    assert agreement["parties"] == [
        {"__typename": "WorkUnit", "code": unit},
        {"__typename": "Organisation", "code": "ORG-T", "name": "志愿者协会"},
    ]
    assert agreement["history"][0]["toState"] == "active"
    assert (await _do(committee, SIGN, **fields))["agreement"]["id"] == agreement["id"]
    nobody = await _do(committee, SIGN, **{**fields, "parties": [], "clientMutationId": None})
    assert nobody["userErrors"][0]["field"] == "input.parties"
    ghost = await _do(committee, SIGN, **{**fields, "clientMutationId": None,
                                          "parties": [{"kind": "UNIT", "code": "U9999"}]})  # fmt: skip
    assert ghost["userErrors"][0]["code"] == "NOT_FOUND"
    no_company = await _do(
        committee, SIGN, **{**fields, "clientMutationId": None,
                            "parties": [{"kind": "PROPERTY_COMPANY", "code": "PC999"}]},
    )  # fmt: skip
    assert no_company["userErrors"][0] == {
        "code": "NOT_FOUND", "message": "未找到共建单位：PC999。", "field": "input.parties.0"
    }  # fmt: skip

    past_due = (today - timedelta(days=30)).isoformat()
    project = {"agreementId": agreement["id"], "name": "为老服务站改造", "ownerKind": "UNIT",
               "ownerCode": unit, "budgetYuan": "50000", "dueOn": past_due}  # fmt: skip
    first = await _do(committee, ADD, **project)
    assert first["userErrors"] == []
    assert (first["project"]["status"], first["project"]["overdue"]) == ("PLANNED", True)
    second = await _do(committee, ADD, **{**project, "name": "四点半课堂", "budgetYuan": "8000",
                                          "dueOn": (today + timedelta(days=60)).isoformat()})  # fmt: skip
    assert second["userErrors"] == []
    stranger = await _do(committee, ADD, **{**project, "ownerCode": other_unit})
    assert stranger["userErrors"][0]["code"] == "NOT_A_MEMBER"
    outside = await _do(committee, ADD, **{**project, "dueOn": "2099-01-01"})
    assert outside["userErrors"][0]["field"] == "input.dueOn"

    owner = hub.as_viewer("unit_branch", unit=unit)
    owed = await owner.query(
        """query($u: String!) { workUnit(code: $u) { owedProjects { id name overdue }
             agreementContribution { projectsDone projectsOpen projectsOverdue budgetOwedYuan }
             agreements(first: 50) { edges { node { id projects { id } } } } } }""",
        {"u": unit},
    )
    mine = owed["workUnit"]
    assert {p["id"] for p in mine["owedProjects"]} >= {first["project"]["id"],
                                                       second["project"]["id"]}  # fmt: skip
    assert agreement["id"] in [e["node"]["id"] for e in mine["agreements"]["edges"]]
    assert mine["agreementContribution"]["projectsOverdue"] >= 1
    overdue = await committee.query(
        "query($c: String!) { community(code: $c) { overdueProjects { id } } }", {"c": community}
    )
    assert first["project"]["id"] in [p["id"] for p in overdue["community"]["overdueProjects"]]

    done_early = await _do(owner, MOVE, projectId=first["project"]["id"], status="DONE")
    assert done_early["userErrors"][0]["code"] == "INVALID_STATE"
    assert "计划中" in done_early["userErrors"][0]["message"]
    started = await _do(owner, MOVE, projectId=first["project"]["id"], status="IN_PROGRESS")
    assert started["userErrors"] == []
    done = await _do(owner, MOVE, projectId=first["project"]["id"], status="DONE", note="已验收")
    assert done["userErrors"] == []
    assert (done["project"]["status"], done["project"]["overdue"]) == ("DONE", False)
    assert [h["toState"] for h in done["project"]["history"]] == ["planned", "in_progress", "done"]
    back = await _do(owner, MOVE, projectId=first["project"]["id"], status="IN_PROGRESS")
    assert "已完成" in back["userErrors"][0]["message"]
    error = await owner.error(MOVE, {"input": {"projectId": second["project"]["id"],
                                               "status": "CANCELLED"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"
    planned = await _do(committee, MOVE, projectId=second["project"]["id"], status="PLANNED")
    assert planned["userErrors"][0]["code"] == "INVALID_INPUT"

    contributions = await committee.query(
        """query($c: String!) { community(code: $c) { partnerContributions { partyKind partyCode
             projectsDone budgetDoneYuan party { ... on WorkUnit { code } } } } }""",
        {"c": community},
    )
    entry = next(c for c in contributions["community"]["partnerContributions"]
                 if c["partyCode"] == unit)  # fmt: skip
    assert entry["projectsDone"] >= 1
    assert entry["party"] == {"code": unit}

    early = (today + timedelta(days=10)).isoformat()
    shorter = await _do(committee, RENEW, agreementId=agreement["id"], endsOn=early)
    assert shorter["userErrors"][0]["field"] == "input.endsOn"
    later = (today + timedelta(days=530)).isoformat()
    renewed = await _do(committee, RENEW, agreementId=agreement["id"], endsOn=later)
    assert renewed["userErrors"] == []
    assert (renewed["agreement"]["status"], renewed["agreement"]["endsOn"]) == ("ACTIVE", later)
    ended = await _do(committee, END, agreementId=agreement["id"], reason="单位机构调整")
    assert ended["agreement"]["status"] == "ENDED"
    assert ended["agreement"]["history"][-1] == {"toState": "ended", "note": "单位机构调整"}
    for mutation, extra in ((END, {}), (RENEW, {"endsOn": "2099-01-01"})):
        again = await _do(committee, mutation, agreementId=agreement["id"], **extra)
        assert again["userErrors"][0]["code"] == "INVALID_STATE"
        assert "已终止" in again["userErrors"][0]["message"]
    frozen = await _do(committee, MOVE, projectId=second["project"]["id"], status="CANCELLED")
    assert frozen["userErrors"][0]["code"] == "INVALID_STATE"
    closed = await _do(committee, ADD, **{**project, "name": "新项目"})
    assert closed["userErrors"][0]["code"] == "INVALID_STATE"
    assert await count(workflow_db, "SELECT count(*) FROM co_building_agreements "
                       "WHERE title = :t", t=fields["title"]) == 1  # fmt: skip

    outsiders = [("community", {"community": "C001"}), ("unit_branch", {"unit": unit}),
                 ("district", {"district": "D01"}), ("member", {"member": "M000001"})]  # fmt: skip
    for role, scope in outsiders:
        viewer = hub.as_viewer(role, **scope)
        error = await viewer.error(SIGN, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await viewer.error(END, {"input": {"agreementId": agreement["id"]}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await viewer.error(ADD, {"input": project})
        assert error["extensions"]["code"] == "FORBIDDEN", role


PARTY_FIELDS = (
    "partyKind partyCode rotationOrder leftOn leftReason history { fromState toState note }"
)
ADD_PARTY = f"""mutation($input: AddAlliancePartyInput!) {{ addAllianceParty(input: $input) {{
  {ERRORS} membership {{ id {PARTY_FIELDS} }} }} }}"""
REMOVE_PARTY = f"""mutation($input: RemoveAlliancePartyInput!) {{ removeAllianceParty(input: $input) {{
  {ERRORS} membership {{ id {PARTY_FIELDS} }} }} }}"""


async def _alliance(hub: GraphQLClient, code: str) -> dict[str, Any]:
    data = await hub.query(
        """query($a: String!) { alliance(code: $a) { code
             memberships { partyKind partyCode rotationOrder }
             chairSchedule { startsOn endsOn current chair { partyKind partyCode } } } }""",
        {"a": code},
    )
    found: dict[str, Any] = data["alliance"]
    return found


async def test_member_parties_join_and_leave_and_the_rotation_skips_who_left(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    alliance = max((await _alliances(hub))[2:], key=lambda a: len(a["memberships"]))
    code = alliance["code"]
    assert len(alliance["memberships"]) >= 3
    district = hub.as_viewer("district", district="D01")
    some = alliance["memberships"][0]
    member = _viewer_of(hub, some["partyKind"], some["partyCode"])
    last = date.fromisoformat(alliance["chairSchedule"][-1]["endsOn"])
    today = today_in_china()
    terms = 2
    while last + timedelta(days=1) + timedelta(days=92 * (terms - 2)) <= today:
        terms += 1
    scheduled = await _do(member, SCHEDULE, allianceCode=code,
                          startsOn=(last + timedelta(days=1)).isoformat(), termMonths=3,
                          terms=min(terms + 2, 24))  # fmt: skip
    assert scheduled["userErrors"] == []
    alliance = await _alliance(hub, code)
    current = next(t for t in alliance["chairSchedule"] if t["current"])
    chair = _viewer_of(hub, current["chair"]["partyKind"], current["chair"]["partyCode"])
    future = [t for t in alliance["chairSchedule"] if date.fromisoformat(t["startsOn"]) > today]
    leaving = next(t["chair"] for t in future if t["chair"] != current["chair"])

    # The current chair admits an organisation; a retry returns it; a second time is DUPLICATE.
    fields = {"allianceCode": code, "partyKind": "ORGANISATION", "partyCode": "ORG-NEW-1",
              "partyName": "区青年志愿者协会", "reason": "联席会议决定吸收",
              "clientMutationId": "add-party-1"}  # fmt: skip
    added = await _do(chair, ADD_PARTY, **fields)
    assert added["userErrors"] == []
    joined = added["membership"]
    assert joined["leftOn"] is None
    assert joined["rotationOrder"] > max(m["rotationOrder"] for m in alliance["memberships"])
    assert [(h["fromState"], h["toState"]) for h in joined["history"]] == [(None, "active")]
    assert (await _do(chair, ADD_PARTY, **fields))["membership"]["id"] == joined["id"]
    twice = await _do(chair, ADD_PARTY, **{**fields, "clientMutationId": None})
    assert twice["userErrors"][0]["code"] == "DUPLICATE"
    assert twice["membership"] is None

    # Only the district or today's chair manages parties; others are refused and nothing changes.
    before = await count(workflow_db, "SELECT count(*) FROM alliance_parties")
    other = next(m for m in alliance["memberships"]
                 if (m["partyKind"], m["partyCode"]) != (current["chair"]["partyKind"],
                                                        current["chair"]["partyCode"]))  # fmt: skip
    outsider = hub.as_viewer("community", community=await _outsider_community(hub, alliance))
    for viewer in (_viewer_of(hub, other["partyKind"], other["partyCode"]), outsider,
                   hub.as_viewer("member", member="M000001")):  # fmt: skip
        error = await viewer.error(ADD_PARTY, {"input": {**fields, "partyCode": "ORG-NEW-2",
                                                         "clientMutationId": None}})  # fmt: skip
        assert error["extensions"]["code"] == "FORBIDDEN"
    assert await count(workflow_db, "SELECT count(*) FROM alliance_parties") == before

    # Today's chair cannot leave before handing over.
    held = await _do(district, REMOVE_PARTY, allianceCode=code, reason="工作调整",
                     partyKind=current["chair"]["partyKind"],
                     partyCode=current["chair"]["partyCode"])  # fmt: skip
    assert held["userErrors"][0]["code"] == "INVALID_STATE"
    assert "当值轮值主席" in held["userErrors"][0]["message"]

    # A party with later turns leaves: the row stays, reads skip it, its turns pass on.
    removed = await _do(district, REMOVE_PARTY, allianceCode=code, reason="单位撤并",
                        partyKind=leaving["partyKind"], partyCode=leaving["partyCode"])  # fmt: skip
    assert removed["userErrors"] == []
    assert removed["membership"]["leftOn"] == today.isoformat()
    assert removed["membership"]["leftReason"] == "单位撤并"
    assert [h["toState"] for h in removed["membership"]["history"]][-1] == "left"
    again = await _do(district, REMOVE_PARTY, allianceCode=code, reason="再次",
                      partyKind=leaving["partyKind"], partyCode=leaving["partyCode"])  # fmt: skip
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert before == await count(workflow_db, "SELECT count(*) FROM alliance_parties")
    after = await _alliance(hub, code)
    assert leaving["partyCode"] not in [m["partyCode"] for m in after["memberships"]]
    later = [t for t in after["chairSchedule"] if date.fromisoformat(t["startsOn"]) > today]
    assert later
    assert leaving not in [t["chair"] for t in later]
    assert [t["startsOn"] for t in later] == [t["startsOn"] for t in future]
    active = [m["partyCode"] for m in sorted(after["memberships"],
                                             key=lambda m: m["rotationOrder"])]  # fmt: skip
    codes = [current["chair"]["partyCode"]] + [t["chair"]["partyCode"] for t in later]
    for a, b in itertools.pairwise(codes):
        if a in active:
            assert active[(active.index(a) + 1) % len(active)] == b
    leaver = _viewer_of(hub, leaving["partyKind"], leaving["partyCode"])
    refused = await _do(leaver, CONVOKE, allianceCode=code, heldOn="2027-01-10", agenda="议题")
    assert refused["userErrors"][0]["code"] == "NOT_A_MEMBER"

    # New turns skip it as well; then it rejoins on its own row.
    more = await _do(chair, SCHEDULE, allianceCode=code, termMonths=3, terms=len(active) + 1,
                     startsOn=(date.fromisoformat(later[-1]["endsOn"]) + timedelta(days=1)).isoformat())  # fmt: skip
    assert more["userErrors"] == []
    assert leaving["partyCode"] not in [
        t["chair"]["partyCode"] for t in more["alliance"]["chairSchedule"][-len(active) - 1 :]
    ]
    back = await _do(district, ADD_PARTY, allianceCode=code, reason="恢复共建",
                     partyKind=leaving["partyKind"], partyCode=leaving["partyCode"])  # fmt: skip
    assert back["userErrors"] == []
    assert back["membership"]["id"] == removed["membership"]["id"]
    assert [h["toState"] for h in back["membership"]["history"]][-2:] == ["left", "active"]
    assert before == await count(workflow_db, "SELECT count(*) FROM alliance_parties")


async def _row(pair: DatabasePair, sql: str, **params: Any) -> Any:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).first()
    finally:
        await engine.dispose()


async def test_agreements_past_their_end_read_expired_without_rewriting_rows(
    hub: GraphQLClient, workflow_db: DatabasePair, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = today_in_china()
    stale_sql = (
        "SELECT count(*) FROM co_building_agreements WHERE status = 'active' AND ends_on < :t"
    )
    stale = await count(workflow_db, stale_sql, t=today)
    assert stale > 0
    found = await _row(
        workflow_db,
        """SELECT a.code, c.code FROM co_building_agreements a
           JOIN communities c ON c.id = a.community_id
           WHERE a.status = 'active' AND a.ends_on < :t
           ORDER BY a.id LIMIT 1""",
        t=today,
    )
    assert found is not None
    code, community = found
    committee = hub.as_viewer("community", community=community)
    listing = """query($c: String!, $s: [AgreementStatus!]) { agreements(first: 100,
      filter: {communityCode: $c, statuses: $s}) { totalCount edges { node { code status endsOn
        projects { id status overdue ownerKind ownerCode } } } } }"""
    expired = (await committee.query(listing, {"c": community, "s": ["EXPIRED"]}))["agreements"]
    nodes = [e["node"] for e in expired["edges"]]
    assert code in [n["code"] for n in nodes]
    assert all(n["status"] == "EXPIRED" for n in nodes)
    assert all(date.fromisoformat(n["endsOn"]) < today for n in nodes)
    active = (await committee.query(listing, {"c": community, "s": ["ACTIVE"]}))["agreements"]
    assert code not in [e["node"]["code"] for e in active["edges"]]
    assert all(date.fromisoformat(e["node"]["endsOn"]) >= today for e in active["edges"])
    # Read-time only: the rows keep their stored state.
    assert await count(workflow_db, stale_sql, t=today) == stale

    # No new projects on an expired agreement; renewal makes it active again, with history.
    data = await committee.query(
        "query($c: String!) { agreement(code: $c) { id status } }", {"c": code}
    )
    agreement_id = data["agreement"]["id"]
    assert data["agreement"]["status"] == "EXPIRED"
    refused = await _do(committee, ADD, agreementId=agreement_id, name="新增项目",
                        ownerKind="COMMUNITY", ownerCode=community, budgetYuan="100",
                        dueOn=today.isoformat())  # fmt: skip
    assert refused["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已到期" in refused["userErrors"][0]["message"]
    renewed = await _do(committee, RENEW, agreementId=agreement_id,
                        endsOn=(today + timedelta(days=365)).isoformat())  # fmt: skip
    assert renewed["userErrors"] == []
    assert renewed["agreement"]["status"] == "ACTIVE"
    assert renewed["agreement"]["history"][-1]["toState"] == "active"
    event = await _row(
        workflow_db,
        """SELECT from_state FROM state_events WHERE entity_type = 'CoBuildingAgreement'
           AND entity_id = (SELECT id FROM co_building_agreements WHERE code = :c)
           ORDER BY id DESC LIMIT 1""",
        c=code,
    )
    assert event[0] == "expired"

    # Time passes (China time) past a new agreement's end: it reads EXPIRED, its overdue
    # project stays visible and owed, and can still be completed.
    signed = await _do(committee, SIGN, communityCode=community, title="短期共建协议",
                       startsOn=today.isoformat(), endsOn=(today + timedelta(days=10)).isoformat(),
                       parties=[{"kind": "ORGANISATION", "code": "ORG-SHORT", "name": "志愿服务队"}])  # fmt: skip
    assert signed["userErrors"] == []
    short = signed["agreement"]["id"]
    project = await _do(committee, ADD, agreementId=short, name="楼道微改造",
                        ownerKind="COMMUNITY", ownerCode=community, budgetYuan="800",
                        dueOn=(today + timedelta(days=5)).isoformat())  # fmt: skip
    assert project["userErrors"] == []
    later = today + timedelta(days=30)
    for module in ("resolvers.alliances", "schema.partners", "schema.alliances"):
        monkeypatch.setattr(f"{module}.today_in_china", lambda: later)
    data = await committee.query(
        """query($c: String!) { agreement(code: $c) { status projects { id overdue status } }
             community(code: $s) { overdueProjects { id } } }""".replace(
            "query($c: String!)", "query($c: String!, $s: String!)"
        ),
        {"c": signed["agreement"]["code"], "s": community},
    )
    assert data["agreement"]["status"] == "EXPIRED"
    assert data["agreement"]["projects"] == [
        {"id": project["project"]["id"], "overdue": True, "status": "PLANNED"}
    ]
    assert project["project"]["id"] in [p["id"] for p in data["community"]["overdueProjects"]]
    expired = await committee.query(listing, {"c": community, "s": ["EXPIRED"]})
    assert signed["agreement"]["code"] in [
        e["node"]["code"] for e in expired["agreements"]["edges"]
    ]
    moved = await _do(committee, MOVE, projectId=project["project"]["id"], status="IN_PROGRESS")
    assert moved["userErrors"] == []
    assert moved["project"]["overdue"] is True


async def test_admitting_the_same_party_twice_at_once_admits_it_once(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    alliance = (await _alliances(hub))[-1]
    district = hub.as_viewer("district", district="D01")
    fields = {"allianceCode": alliance["code"], "partyKind": "ORGANISATION",
              "partyCode": "ORG-RACE", "partyName": "社区社会组织联合会", "reason": "同时提交"}  # fmt: skip
    results = await asyncio.gather(*(_do(district, ADD_PARTY, **fields) for _ in range(2)))
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["DUPLICATE", "OK"]
    rows = await count(
        workflow_db, "SELECT count(*) FROM alliance_parties WHERE party_code = 'ORG-RACE'"
    )
    assert rows == 1
