"""Building groups (楼栋党小组) and household assignment (包干到户) end to end."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, taken, workflow_fixtures

workflow_db, hub = workflow_fixtures("groups")

ERRORS = "clientMutationId userErrors { code message field }"
GROUP_FIELDS = """id name status dissolvedAt community { code } buildings { code }
  members(includeLeft: true) { memberCode role status }
  history { fromState toState actorRole note }"""
MEMBERSHIP_FIELDS = """id memberCode role status leftAt group { id }
  history { fromState toState note }"""
ASSIGNMENT_FIELDS = """id floor household assigneeKind assigneeCode status endedAt
  building { code } group { id } member { code } history { fromState toState note }"""
CREATE = f"""mutation($input: CreateBuildingGroupInput!) {{ createBuildingGroup(input: $input) {{
  {ERRORS} buildingGroup {{ {GROUP_FIELDS} }} }} }}"""
DISSOLVE = f"""mutation($input: DissolveBuildingGroupInput!) {{
  dissolveBuildingGroup(input: $input) {{ {ERRORS} buildingGroup {{ {GROUP_FIELDS} }} }} }}"""
ADD = f"""mutation($input: AddGroupMemberInput!) {{ addGroupMember(input: $input) {{
  {ERRORS} membership {{ {MEMBERSHIP_FIELDS} }} }} }}"""
SET_ROLE = f"""mutation($input: SetGroupRoleInput!) {{ setGroupRole(input: $input) {{
  {ERRORS} membership {{ {MEMBERSHIP_FIELDS} }} }} }}"""
REMOVE = f"""mutation($input: RemoveGroupMemberInput!) {{ removeGroupMember(input: $input) {{
  {ERRORS} membership {{ {MEMBERSHIP_FIELDS} }} }} }}"""
ASSIGN = f"""mutation($input: AssignHouseholdInput!) {{ assignHousehold(input: $input) {{
  {ERRORS} assignment {{ {ASSIGNMENT_FIELDS} }} }} }}"""
END = f"""mutation($input: EndAssignmentInput!) {{ endAssignment(input: $input) {{
  {ERRORS} assignment {{ {ASSIGNMENT_FIELDS} }} }} }}"""


async def _placed(hub: GraphQLClient, community: str, n: int) -> list[dict[str, Any]]:
    """`n` unused supporters living in a building of a gridded compound, taken out of any
    seeded group, with their building and grid."""
    data = await hub.query(
        """query($c: String!) { community(code: $c) { supporters(first: 100) { edges { node {
             memberCode building { id code floors compound { grid { code } } }
             member { buildingGroup { id } } } } } } }""",
        {"c": community},
    )
    used = taken(hub)
    found = []
    for edge in data["community"]["supporters"]["edges"]:
        node = edge["node"]
        building = node["building"]
        if node["memberCode"] in used or building is None or node["member"] is None:
            continue
        if building["compound"]["grid"] is None:
            continue
        found.append({
            "code": node["memberCode"], "building": building["code"], "building_id": building["id"],
            "floors": building["floors"], "grid": building["compound"]["grid"]["code"],
            "membership": (node["member"]["buildingGroup"] or {}).get("id"),
        })  # fmt: skip
        if len(found) == n:
            break
    assert len(found) == n, "the seeded data ran out of placed supporters"
    used.update(m["code"] for m in found)
    committee = hub.as_viewer("community", community=community)
    for member in found:
        if member["membership"] is not None:
            left = await committee.query(REMOVE, {"input": {"membershipId": member["membership"]}})
            assert left["removeGroupMember"]["userErrors"] == []
    return found


async def _run(viewer: GraphQLClient, query: str, field: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(query, {"input": fields}))[field]
    return payload


async def _create(hub: GraphQLClient, community: str, buildings: list[str], **extra: Any
                  ) -> dict[str, Any]:  # fmt: skip
    committee = hub.as_viewer("community", community=community)
    made = await _run(committee, CREATE, "createBuildingGroup", communityCode=community,
                      name="测试党小组", buildingCodes=buildings, **extra)  # fmt: skip
    assert made["userErrors"] == [], made
    group: dict[str, Any] = made["buildingGroup"]
    return group


async def test_group_lifecycle_roles_and_the_full_trail(hub: GraphQLClient) -> None:
    a, b, c, d = await _placed(hub, "C001", 4)
    committee = hub.as_viewer("community", community="C001")
    group = await _create(hub, "C001", [a["building"], b["building"]])
    assert group["status"] == "ACTIVE"
    assert group["community"] == {"code": "C001"}
    assert {x["code"] for x in group["buildings"]} == {a["building"], b["building"]}
    assert group["history"] == [
        {"fromState": None, "toState": "active", "actorRole": "community", "note": None}
    ]
    gid = group["id"]
    leader = await _run(committee, ADD, "addGroupMember", groupId=gid, memberCode=a["code"],
                        role="LEADER")  # fmt: skip
    assert leader["userErrors"] == []
    assert (leader["membership"]["role"], leader["membership"]["status"]) == ("LEADER", "ACTIVE")
    vice = await _run(committee, ADD, "addGroupMember", groupId=gid, memberCode=b["code"],
                      role="VICE_LEADER")  # fmt: skip
    assert vice["userErrors"] == []
    plain = await _run(committee, ADD, "addGroupMember", groupId=gid, memberCode=c["code"])
    assert plain["membership"]["role"] == "MEMBER"

    # Change officers: the vice-leader steps down, the member becomes vice-leader.
    taken_role = await _run(committee, SET_ROLE, "setGroupRole",
                            membershipId=plain["membership"]["id"], role="VICE_LEADER")  # fmt: skip
    assert taken_role["userErrors"][0]["code"] == "DUPLICATE"
    down = await _run(committee, SET_ROLE, "setGroupRole",
                      membershipId=vice["membership"]["id"], role="MEMBER")  # fmt: skip
    assert down["userErrors"] == []
    up = await _run(committee, SET_ROLE, "setGroupRole",
                    membershipId=plain["membership"]["id"], role="VICE_LEADER")  # fmt: skip
    assert up["userErrors"] == []
    assert up["membership"]["history"][-1] == {
        "fromState": "member", "toState": "vice_leader", "note": "组员 → 副组长"
    }  # fmt: skip

    # The members see their group and its roster; the roster lists leader first.
    me = hub.as_viewer("member", member=c["code"])
    mine = await me.query(
        """query($m: String!) { member(code: $m) { buildingGroup { role group { name
             members { memberCode role } } } } }""",
        {"m": c["code"]},
    )
    place = mine["member"]["buildingGroup"]
    assert place["role"] == "VICE_LEADER"
    assert [m["memberCode"] for m in place["group"]["members"]] == [a["code"], c["code"],
                                                                      b["code"]]  # fmt: skip
    outsider = hub.as_viewer("member", member=d["code"])
    hidden = await outsider.query("query($id: ID!) { node(id: $id) { id } }", {"id": gid})
    assert hidden["node"] is None

    removed = await _run(committee, REMOVE, "removeGroupMember",
                         membershipId=vice["membership"]["id"], reason="搬家")  # fmt: skip
    assert removed["userErrors"] == []
    assert removed["membership"]["status"] == "LEFT"
    assert removed["membership"]["leftAt"] is not None
    again = await _run(committee, REMOVE, "removeGroupMember",
                       membershipId=vice["membership"]["id"])  # fmt: skip
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已退出" in again["userErrors"][0]["message"]

    dissolved = await _run(committee, DISSOLVE, "dissolveBuildingGroup", groupId=gid,
                           reason="楼栋合并")  # fmt: skip
    assert dissolved["userErrors"] == []
    got = dissolved["buildingGroup"]
    assert got["status"] == "DISSOLVED"
    assert got["dissolvedAt"] is not None
    assert {m["status"] for m in got["members"]} == {"LEFT"}
    assert got["history"][-1]["toState"] == "dissolved"
    twice = await _run(committee, DISSOLVE, "dissolveBuildingGroup", groupId=gid)
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已撤销" in twice["userErrors"][0]["message"]
    late = await _run(committee, ADD, "addGroupMember", groupId=gid, memberCode=d["code"])
    assert late["userErrors"][0]["code"] == "INVALID_STATE"
    # Free again: a member of a dissolved group may join another.
    other = await _create(hub, "C001", [a["building"]])
    rejoined = await _run(committee, ADD, "addGroupMember", groupId=other["id"],
                          memberCode=a["code"], role="LEADER")  # fmt: skip
    assert rejoined["userErrors"] == []


async def test_every_invalid_group_step_is_a_user_error_and_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    a, b, c = await _placed(hub, "C002", 3)
    [elsewhere] = await _placed(hub, "C003", 1)
    committee = hub.as_viewer("community", community="C002")
    group = await _create(hub, "C002", [a["building"]])
    second = await _create(hub, "C002", [b["building"]])
    assert (await _run(committee, ADD, "addGroupMember", groupId=group["id"],
                       memberCode=a["code"], role="LEADER"))["userErrors"] == []  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM building_group_members")
    events = await count(workflow_db, "SELECT count(*) FROM state_events")

    cases = [
        ({"memberCode": b["code"], "role": "LEADER"}, "DUPLICATE", "input.role"),
        ({"memberCode": a["code"]}, "DUPLICATE", "input.memberCode"),
        ({"memberCode": elsewhere["code"]}, "NOT_REPORTED", "input.memberCode"),
    ]
    for fields, code, field in cases:
        refused = await _run(committee, ADD, "addGroupMember", groupId=group["id"], **fields)
        assert refused["membership"] is None
        assert (refused["userErrors"][0]["code"], refused["userErrors"][0]["field"]) == (
            code, field
        ), fields  # fmt: skip
    in_other = await _run(committee, ADD, "addGroupMember", groupId=second["id"],
                          memberCode=a["code"])  # fmt: skip
    assert in_other["userErrors"][0]["code"] == "DUPLICATE"
    assert "另一个" in in_other["userErrors"][0]["message"]
    assert await count(workflow_db, "SELECT count(*) FROM building_group_members") == before
    assert await count(workflow_db, "SELECT count(*) FROM state_events") == events

    bad: list[tuple[dict[str, Any], str, str]] = [
        ({"name": " "}, "INVALID_INPUT", "input.name"),
        ({"buildingCodes": []}, "INVALID_INPUT", "input.buildingCodes"),
        ({"buildingCodes": [elsewhere["building"]]}, "NOT_FOUND", "input.buildingCodes"),
    ]
    for extra, code, field in bad:
        fields = {"communityCode": "C002", "name": "小组", "buildingCodes": [c["building"]],
                  **extra}  # fmt: skip
        made = await _run(committee, CREATE, "createBuildingGroup", **fields)
        assert (made["userErrors"][0]["code"], made["userErrors"][0]["field"]) == (code, field)
    unknown = await _run(committee, ADD, "addGroupMember", groupId="QnVpbGRpbmdHcm91cDo5OTk5OTk=",
                         memberCode=c["code"])  # fmt: skip
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"


async def test_household_assignment(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    a, b = await _placed(hub, "C001", 2)
    [elsewhere] = await _placed(hub, "C003", 1)
    committee = hub.as_viewer("community", community="C001")
    group = await _create(hub, "C001", [a["building"]])
    fields = {"buildingCode": a["building"], "assigneeKind": "MEMBER", "assigneeCode": a["code"]}

    too_high = await _run(committee, ASSIGN, "assignHousehold", floor=a["floors"] + 1, **fields)
    assert too_high["userErrors"][0]["code"] == "INVALID_INPUT"
    assert too_high["userErrors"][0]["field"] == "input.floor"
    assert str(a["floors"]) in too_high["userErrors"][0]["message"]
    zero = await _run(committee, ASSIGN, "assignHousehold", floor=0, **fields)
    assert zero["userErrors"][0]["field"] == "input.floor"
    no_floor = await _run(committee, ASSIGN, "assignHousehold", household="502", **fields)
    assert no_floor["userErrors"][0]["field"] == "input.floor"
    not_here = await _run(committee, ASSIGN, "assignHousehold", floor=1,
                          **{**fields, "assigneeCode": elsewhere["code"]})  # fmt: skip
    assert not_here["userErrors"][0]["code"] == "NOT_REPORTED"
    assert await count(
        workflow_db, "SELECT count(*) FROM household_assignments WHERE assignee_code = :c",
        c=a["code"],
    ) == 0  # fmt: skip

    made = await _run(committee, ASSIGN, "assignHousehold", floor=a["floors"], household="01",
                      groupId=group["id"], clientMutationId=f"assign-{a['code']}", **fields)  # fmt: skip
    assert made["userErrors"] == []
    row = made["assignment"]
    assert (row["floor"], row["household"], row["status"]) == (a["floors"], "01", "ACTIVE")
    assert row["building"] == {"code": a["building"]}
    assert row["group"] == {"id": group["id"]}
    assert row["member"] == {"code": a["code"]}
    retried = await _run(committee, ASSIGN, "assignHousehold", floor=a["floors"], household="01",
                         groupId=group["id"], clientMutationId=f"assign-{a['code']}", **fields)  # fmt: skip
    assert retried["assignment"]["id"] == row["id"]
    duplicate = await _run(committee, ASSIGN, "assignHousehold", floor=a["floors"],
                           household="01", **fields)  # fmt: skip
    assert duplicate["userErrors"][0]["code"] == "DUPLICATE"
    resident = await _run(committee, ASSIGN, "assignHousehold", floor=1,
                          buildingCode=a["building"], assigneeKind="RESIDENT",
                          assigneeCode="resident-楼栋长")  # fmt: skip
    assert resident["userErrors"] == []
    assert resident["assignment"]["member"] is None

    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=a["grid"])
    by_secretary = await _run(secretary, ASSIGN, "assignHousehold", floor=1,
                              **{**fields, "assigneeCode": b["code"]})  # fmt: skip
    assert by_secretary["userErrors"] == []

    listed = await committee.query(
        """query($b: ID!, $m: String!) { building: node(id: $b) { ... on Building {
               assignments { assigneeCode } } }
             member(code: $m) { assignments { id floor household } } }""",
        {"b": a["building_id"], "m": a["code"]},
    )
    codes = {x["assigneeCode"] for x in listed["building"]["assignments"]}
    assert {a["code"], b["code"], "resident-楼栋长"} <= codes
    assert listed["member"]["assignments"] == [
        {"id": row["id"], "floor": a["floors"], "household": "01"}
    ]
    mine = await hub.as_viewer("member", member=a["code"]).query(
        "query($m: String!) { member(code: $m) { assignments { id } } }", {"m": a["code"]}
    )
    assert mine["member"]["assignments"] == [{"id": row["id"]}]

    ended = await _run(committee, END, "endAssignment", assignmentId=row["id"], reason="换人")
    assert ended["userErrors"] == []
    assert ended["assignment"]["status"] == "ENDED"
    assert ended["assignment"]["history"][-1] == {
        "fromState": "active", "toState": "ended", "note": "换人"
    }  # fmt: skip
    twice = await _run(committee, END, "endAssignment", assignmentId=row["id"])
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已结束" in twice["userErrors"][0]["message"]
    with_ended = await committee.query(
        """query($b: ID!) { building: node(id: $b) { ... on Building {
             active: assignments { id } all: assignments(includeEnded: true) { id status } } } }""",
        {"b": a["building_id"]},
    )
    assert row["id"] not in {x["id"] for x in with_ended["building"]["active"]}
    assert {"id": row["id"], "status": "ENDED"} in with_ended["building"]["all"]


async def test_out_of_scope_is_forbidden(hub: GraphQLClient) -> None:
    a, b = await _placed(hub, "C003", 2)
    group = await _create(hub, "C003", [a["building"]])
    committee = hub.as_viewer("community", community="C003")
    member = await _run(committee, ADD, "addGroupMember", groupId=group["id"], memberCode=a["code"])
    assignment = await _run(committee, ASSIGN, "assignHousehold", buildingCode=a["building"],
                            floor=1, assigneeKind="MEMBER", assigneeCode=a["code"])  # fmt: skip
    outsiders = [hub.as_viewer("community", community="C002"),
                 hub.as_viewer("member", member=a["code"]),
                 hub.as_viewer("unit_branch", unit="U0001"),
                 hub.as_viewer("district", district="D01"), hub.as_viewer("auditor"),
                 hub.as_viewer("resident", community="C003")]  # fmt: skip
    steps = [
        (CREATE, {"communityCode": "C003", "name": "越权", "buildingCodes": [a["building"]]}),
        (ADD, {"groupId": group["id"], "memberCode": b["code"]}),
        (SET_ROLE, {"membershipId": member["membership"]["id"], "role": "LEADER"}),
        (REMOVE, {"membershipId": member["membership"]["id"]}),
        (DISSOLVE, {"groupId": group["id"]}),
        (ASSIGN, {"buildingCode": a["building"], "assigneeKind": "RESIDENT",
                  "assigneeCode": "r1"}),
        (END, {"assignmentId": assignment["assignment"]["id"]}),
    ]  # fmt: skip
    for viewer in outsiders:
        for query, fields in steps:
            error = await viewer.error(query, {"input": fields})
            assert error["extensions"]["code"] == "FORBIDDEN", query
    # A grid secretary of another grid may not assign in this building.
    other_grid = hub.as_viewer("grid_branch_secretary", community="C003", grid="NO-SUCH-GRID")
    for query, fields in steps[-2:]:
        error = await other_grid.error(query, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN"
    # Reads: another community sees neither the group nor the assignment.
    other = await hub.as_viewer("community", community="C002").query(
        """query($g: ID!, $a: ID!) { g: node(id: $g) { id } a: node(id: $a) { id }
             community(code: "C003") { buildingGroups { totalCount } } }""",
        {"g": group["id"], "a": assignment["assignment"]["id"]},
    )
    assert (other["g"], other["a"]) == (None, None)
    assert other["community"]["buildingGroups"]["totalCount"] == 0


async def test_retried_create_returns_the_first_group(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [a] = await _placed(hub, "C002", 1)
    before = await count(workflow_db, "SELECT count(*) FROM building_groups")
    key = {"clientMutationId": "groups-create-retry-1"}
    first = await _create(hub, "C002", [a["building"]], **key)
    second = await _create(hub, "C002", [a["building"]], **key)
    assert second["id"] == first["id"]
    assert await count(workflow_db, "SELECT count(*) FROM building_groups") == before + 1


async def test_group_rosters_do_not_add_statements_per_group(hub: GraphQLClient) -> None:
    query = """{ communities(first: 10) { edges { node { code
                 buildingGroups(first: 50) { totalCount edges { node { name buildings { code }
                   members { role member { name } } } } } } } } }"""
    before = await hub.statements(query)
    data = await hub.query(query)
    groups = [g for e in data["communities"]["edges"]
              for g in e["node"]["buildingGroups"]["edges"]]  # fmt: skip
    assert any(g["node"]["members"] for g in groups), "seeded groups expected"
    members = await _placed(hub, "C001", 3)
    for i, m in enumerate(members):
        group = await _create(hub, "C001", [m["building"]])
        added = await _run(hub.as_viewer("community", community="C001"), ADD, "addGroupMember",
                           groupId=group["id"], memberCode=m["code"],
                           role="LEADER" if i else "MEMBER")  # fmt: skip
        assert added["userErrors"] == []
    after = await hub.statements(query)
    assert after == before, (before, after)
    assert after["community"] <= 6, after
    assert after["units"] <= 1, after


async def test_concurrent_adds_keep_one_leader_and_one_group_per_member(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    members = await _placed(hub, "C002", 6)
    committee = hub.as_viewer("community", community="C002")
    group = await _create(hub, "C002", [members[0]["building"]])
    bodies = await asyncio.gather(
        *(
            committee.raw(
                ADD, {"input": {"groupId": group["id"], "memberCode": m["code"], "role": "LEADER"}}
            )
            for m in members[:5]
        )
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["addGroupMember"] for body in bodies]
    assert sum(p["membership"] is not None for p in payloads) == 1
    assert [e["code"] for p in payloads for e in p["userErrors"]] == ["DUPLICATE"] * 4
    leaders = await count(
        workflow_db,
        "SELECT count(*) FROM building_group_members m JOIN building_groups g"
        " ON g.id = m.group_id WHERE g.name = :n AND m.status = 'active' AND m.role = 'leader'"
        " AND m.group_id = (SELECT max(id) FROM building_groups)",
        n="测试党小组",
    )
    assert leaders == 1

    # One member added to two groups at once: one group wins.
    other = await _create(hub, "C002", [members[1]["building"]])
    last = members[5]["code"]
    bodies = await asyncio.gather(
        *(
            committee.raw(ADD, {"input": {"groupId": gid, "memberCode": last}})
            for gid in (group["id"], other["id"])
        )
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["addGroupMember"] for body in bodies]
    assert sum(p["membership"] is not None for p in payloads) == 1
    assert [e["code"] for p in payloads for e in p["userErrors"]] == ["DUPLICATE"]
    active = await count(
        workflow_db,
        "SELECT count(*) FROM building_group_members WHERE member_code = :m AND status = 'active'",
        m=last,
    )
    assert active == 1
