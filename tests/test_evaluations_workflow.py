"""Evaluations (三评) end to end: the community's three levels, the self-evaluation, the
organisation evaluation on the unit side, supersede history and the unit's acknowledgement."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, taken, workflow_fixtures

workflow_db, hub = workflow_fixtures("evaluations")

YEAR = 2026  # the seeded data and the tests run in this China year or later
ERRORS = "clientMutationId userErrors { code message field }"
EVAL_FIELDS = """id memberCode year kind grade comment status evaluatorRole evaluatedOn
  supersededAt acknowledgement { acknowledgedBy unitCode } community { code }
  revisions { grade comment status } history { fromState toState actorRole note }"""
EVALUATE = f"""mutation($input: EvaluateMemberInput!) {{ evaluateMember(input: $input) {{
  {ERRORS} memberEvaluation {{ {EVAL_FIELDS} }} }} }}"""
SELF = f"""mutation($input: WriteSelfEvaluationInput!) {{ writeSelfEvaluation(input: $input) {{
  {ERRORS} memberEvaluation {{ {EVAL_FIELDS} }} }} }}"""
ORGANISATION = f"""mutation($input: RecordOrganisationEvaluationInput!) {{
  recordOrganisationEvaluation(input: $input) {{ {ERRORS} organisationEvaluation {{
    id year grade comment evaluatorRole supersededAt branch {{ code }} member {{ code }}
    revisions {{ grade }} }} }} }}"""
ACKNOWLEDGE = f"""mutation($input: AcknowledgeEvaluationInput!) {{
  acknowledgeEvaluation(input: $input) {{ {ERRORS} memberEvaluation {{ {EVAL_FIELDS} }} }} }}"""
CREATE_GROUP = """mutation($input: CreateBuildingGroupInput!) { createBuildingGroup(input: $input) {
  userErrors { code } buildingGroup { id } } }"""
ADD_MEMBER = """mutation($input: AddGroupMemberInput!) { addGroupMember(input: $input) {
  userErrors { code } membership { id } } }"""
REMOVE = """mutation($input: RemoveGroupMemberInput!) { removeGroupMember(input: $input) {
  userErrors { code } } }"""
YEAR_FIELDS = """year
  selfEvaluation { grade comment revisions { comment } }
  groupEvaluation { grade evaluatorRole }
  gridBranchEvaluation { grade evaluatorRole }
  communityEvaluation { id grade comment evaluatorRole acknowledgement { unitCode }
                        revisions { grade status } history { fromState toState } }
  organisationEvaluation { grade comment revisions { grade } }"""
MEMBER_YEAR = f"""query($m: String!, $y: Int) {{ member(code: $m) {{
  evaluations(year: $y) {{ {YEAR_FIELDS} }} }} }}"""


async def _placed(hub: GraphQLClient, community: str, n: int) -> list[dict[str, Any]]:
    """`n` unused supporters of `community` who live in a building of a gridded compound,
    with where they live and their unit and branch."""
    data = await hub.query(
        """query($c: String!) { community(code: $c) { supporters(first: 100) { edges { node {
             memberCode building { code floors compound { grid { code } } }
             member { unit { code } branch { code } buildingGroup { id } } } } } } }""",
        {"c": community},
    )
    used = taken(hub)
    found = []
    for edge in data["community"]["supporters"]["edges"]:
        node = edge["node"]
        building = node["building"]
        if node["memberCode"] in used or building is None:
            continue
        if building["compound"]["grid"] is None or node["member"] is None:
            continue
        found.append({
            "code": node["memberCode"], "building": building["code"],
            "floors": building["floors"], "grid": building["compound"]["grid"]["code"],
            "unit": node["member"]["unit"]["code"], "branch": node["member"]["branch"]["code"],
            "membership": (node["member"]["buildingGroup"] or {}).get("id"),
        })  # fmt: skip
        if len(found) == n:
            break
    assert len(found) == n, "the seeded data ran out of placed supporters"
    used.update(m["code"] for m in found)
    committee = hub.as_viewer("community", community=community)
    for member in found:  # out of the seeded groups, so the tests can group them afresh
        if member["membership"] is not None:
            left = await committee.query(REMOVE, {"input": {"membershipId": member["membership"]}})
            assert left["removeGroupMember"]["userErrors"] == []
    return found


async def _evaluate(viewer: GraphQLClient, member: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await viewer.query(EVALUATE, {"input": {"memberCode": member, **fields}})
    )["evaluateMember"]
    return payload


async def _group_with(hub: GraphQLClient, community: str, building: str,
                      members: list[tuple[str, str]]) -> str:  # fmt: skip
    committee = hub.as_viewer("community", community=community)
    made = await committee.query(
        CREATE_GROUP,
        {"input": {"communityCode": community, "name": f"{building}党小组",
                   "buildingCodes": [building]}},
    )  # fmt: skip
    group_id: str = made["createBuildingGroup"]["buildingGroup"]["id"]
    for code, role in members:
        added = await committee.query(
            ADD_MEMBER, {"input": {"groupId": group_id, "memberCode": code, "role": role}}
        )
        assert added["addGroupMember"]["userErrors"] == []
    return group_id


async def test_three_levels_self_and_organisation_with_supersede_history(
    hub: GraphQLClient,
) -> None:
    member, leader = await _placed(hub, "C001", 2)
    code = member["code"]
    committee = hub.as_viewer("community", community="C001")
    first = await _evaluate(committee, code, grade="EXCELLENT", comment="服务积极", year=YEAR)
    assert first["userErrors"] == []
    got = first["memberEvaluation"]
    assert (got["kind"], got["grade"], got["status"], got["year"]) == (
        "COMMUNITY", "EXCELLENT", "ACTIVE", YEAR
    )  # fmt: skip
    assert got["evaluatorRole"] == "community"
    assert got["community"] == {"code": "C001"}
    assert got["history"] == [
        {"fromState": None, "toState": "active", "actorRole": "community", "note": None}
    ]
    revised = await _evaluate(committee, code, grade="QUALIFIED", comment="修订：参与较少")
    assert revised["userErrors"] == []
    new = revised["memberEvaluation"]
    assert new["id"] != got["id"]
    assert new["revisions"] == [
        {"grade": "EXCELLENT", "comment": "服务积极", "status": "SUPERSEDED"}
    ]
    old = await committee.query(
        "query($id: ID!) { node(id: $id) { ... on MemberEvaluation { status supersededAt"
        " history { fromState toState } } } }",
        {"id": got["id"]},
    )
    assert old["node"]["status"] == "SUPERSEDED"
    assert old["node"]["supersededAt"] is not None
    assert [e["toState"] for e in old["node"]["history"]] == ["active", "superseded"]

    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=member["grid"])
    grid_view = await _evaluate(secretary, code, grade="QUALIFIED", comment="网格评价",
                                level="GRID_BRANCH")  # fmt: skip
    assert grid_view["userErrors"] == []
    assert grid_view["memberEvaluation"]["kind"] == "GRID_BRANCH"

    await _group_with(hub, "C001", member["building"],
                      [(leader["code"], "LEADER"), (code, "MEMBER")])  # fmt: skip
    group_leader = hub.as_viewer("member", member=leader["code"])
    group_view = await _evaluate(group_leader, code, grade="EXCELLENT", comment="组内评价",
                                 level="GROUP")  # fmt: skip
    assert group_view["userErrors"] == []
    assert group_view["memberEvaluation"]["evaluatorRole"] == "member"

    me = hub.as_viewer("member", member=code)
    mine = (await me.query(SELF, {"input": {"comment": "按时报到，参加活动"}}))[
        "writeSelfEvaluation"
    ]
    assert mine["userErrors"] == []
    assert (mine["memberEvaluation"]["kind"], mine["memberEvaluation"]["grade"]) == ("SELF", None)
    again = (await me.query(SELF, {"input": {"comment": "补充自评", "grade": "QUALIFIED"}}))[
        "writeSelfEvaluation"
    ]
    assert again["memberEvaluation"]["revisions"][0]["comment"] == "按时报到，参加活动"

    branch = hub.as_viewer("unit_branch", unit=member["unit"], branch=member["branch"])
    organisation = (
        await branch.query(
            ORGANISATION, {"input": {"memberCode": code, "grade": "EXCELLENT", "comment": "优"}}
        )
    )["recordOrganisationEvaluation"]
    assert organisation["userErrors"] == []
    org = organisation["organisationEvaluation"]
    assert (org["year"], org["grade"], org["evaluatorRole"]) == (YEAR, "EXCELLENT", "unit_branch")
    assert org["branch"] == {"code": member["branch"]}
    assert org["member"] == {"code": code}
    second = (
        await branch.query(
            ORGANISATION, {"input": {"memberCode": code, "grade": "QUALIFIED", "comment": "合格"}}
        )
    )["recordOrganisationEvaluation"]
    assert second["organisationEvaluation"]["revisions"] == [{"grade": "EXCELLENT"}]

    year = (await me.query(MEMBER_YEAR, {"m": code, "y": YEAR}))["member"]["evaluations"]
    assert year["year"] == YEAR
    assert year["selfEvaluation"]["comment"] == "补充自评"
    assert year["groupEvaluation"] == {"grade": "EXCELLENT", "evaluatorRole": "member"}
    assert year["gridBranchEvaluation"] == {
        "grade": "QUALIFIED",
        "evaluatorRole": "grid_branch_secretary",
    }
    assert year["communityEvaluation"]["grade"] == "QUALIFIED"
    assert year["communityEvaluation"]["revisions"] == [
        {"grade": "EXCELLENT", "status": "SUPERSEDED"}
    ]
    assert year["organisationEvaluation"] == {
        "grade": "QUALIFIED", "comment": "合格", "revisions": [{"grade": "EXCELLENT"}]
    }  # fmt: skip

    # The unit branch sees the community's and the self-evaluation (not the group's or the
    # grid's), and acknowledges the community's once.
    seen = (await branch.query(MEMBER_YEAR, {"m": code, "y": YEAR}))["member"]["evaluations"]
    assert seen["groupEvaluation"] is None
    assert seen["gridBranchEvaluation"] is None
    assert seen["selfEvaluation"]["comment"] == "补充自评"
    assert seen["organisationEvaluation"]["grade"] == "QUALIFIED"
    community_id = seen["communityEvaluation"]["id"]
    assert seen["communityEvaluation"]["acknowledgement"] is None
    acked = (await branch.query(ACKNOWLEDGE, {"input": {"evaluationId": community_id}}))[
        "acknowledgeEvaluation"
    ]
    assert acked["userErrors"] == []
    assert acked["memberEvaluation"]["acknowledgement"]["unitCode"] == member["unit"]
    assert acked["memberEvaluation"]["history"][-1]["toState"] == "acknowledged"
    twice = (await branch.query(ACKNOWLEDGE, {"input": {"evaluationId": community_id}}))[
        "acknowledgeEvaluation"
    ]
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已签收" in twice["userErrors"][0]["message"]
    superseded = (await branch.query(ACKNOWLEDGE, {"input": {"evaluationId": got["id"]}}))[
        "acknowledgeEvaluation"
    ]
    assert superseded["userErrors"][0]["code"] == "INVALID_STATE"
    on_self = (
        await branch.query(
            ACKNOWLEDGE, {"input": {"evaluationId": again["memberEvaluation"]["id"]}}
        )
    )["acknowledgeEvaluation"]
    assert on_self["userErrors"][0]["code"] == "INVALID_STATE"
    committee_sees = (await committee.query(MEMBER_YEAR, {"m": code, "y": YEAR}))["member"]
    assert committee_sees["evaluations"]["communityEvaluation"]["acknowledgement"] == {
        "unitCode": member["unit"]
    }
    assert committee_sees["evaluations"]["organisationEvaluation"] is None  # unit side only

    listed = await committee.query(
        """query($y: Int) { community(code: "C001") {
             all: evaluations(first: 100, filter: {year: $y}) { totalCount edges { node {
               memberCode kind } } }
             grid: evaluations(filter: {year: $y, kinds: [GRID_BRANCH], grades: [QUALIFIED]}) {
               totalCount edges { node { memberCode grade } } } } }""",
        {"y": YEAR},
    )
    kinds = {
        e["node"]["kind"]
        for e in listed["community"]["all"]["edges"]
        if e["node"]["memberCode"] == code
    }
    assert kinds == {"COMMUNITY", "GRID_BRANCH", "GROUP", "SELF"}
    assert {"memberCode": code, "grade": "QUALIFIED"} in [
        e["node"] for e in listed["community"]["grid"]["edges"]
    ]
    other = await hub.as_viewer("community", community="C002").query(
        """query($y: Int) { community(code: "C001") { evaluations(filter: {year: $y}) {
             totalCount } } }""",
        {"y": YEAR},
    )
    assert other["community"]["evaluations"]["totalCount"] == 0


async def test_every_invalid_step_is_a_user_error_and_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await _placed(hub, "C002", 1)
    code = member["code"]
    committee = hub.as_viewer("community", community="C002")
    elsewhere = hub.as_viewer("community", community="C003")
    before = await count(workflow_db, "SELECT count(*) FROM member_evaluations")
    events = await count(workflow_db, "SELECT count(*) FROM state_events")

    not_here = await _evaluate(elsewhere, code, grade="QUALIFIED", comment="非本社区")
    assert not_here["memberEvaluation"] is None
    assert not_here["userErrors"] == [
        {"code": "NOT_REPORTED", "message": "该党员当年未向本社区报到，不能评价。",
         "field": "input.memberCode"}
    ]  # fmt: skip
    future = await _evaluate(committee, code, grade="QUALIFIED", comment="明年", year=2999)
    assert future["userErrors"][0]["code"] == "INVALID_INPUT"
    assert future["userErrors"][0]["field"] == "input.year"
    blank = await _evaluate(committee, code, grade="QUALIFIED", comment="  ")
    assert blank["userErrors"][0]["field"] == "input.comment"
    assert await count(workflow_db, "SELECT count(*) FROM member_evaluations") == before
    assert await count(workflow_db, "SELECT count(*) FROM state_events") == events

    done = await _evaluate(committee, code, grade="QUALIFIED", comment="合格")
    ack = await hub.as_viewer("unit_branch", unit=member["unit"]).query(
        ACKNOWLEDGE, {"input": {"evaluationId": done["memberEvaluation"]["id"]}}
    )
    assert ack["acknowledgeEvaluation"]["userErrors"] == []  # the whole unit may acknowledge
    unknown = await hub.as_viewer("unit_branch", unit=member["unit"]).query(
        ACKNOWLEDGE, {"input": {"evaluationId": "TWVtYmVyRXZhbHVhdGlvbjo5OTk5OTk5"}}
    )
    assert unknown["acknowledgeEvaluation"]["userErrors"][0]["code"] == "NOT_FOUND"

    # A member not reported anywhere cannot write a self-evaluation; an unknown member
    # cannot be given an organisation evaluation.
    nowhere = await hub.as_viewer("member", member="M-NOWHERE").query(
        SELF, {"input": {"comment": "自评"}}
    )
    assert nowhere["writeSelfEvaluation"]["userErrors"][0]["code"] == "NOT_REPORTED"
    missing = await hub.as_viewer("unit_branch", unit=member["unit"]).query(
        ORGANISATION, {"input": {"memberCode": "M-NOWHERE", "grade": "QUALIFIED", "comment": "x"}}
    )
    assert missing["recordOrganisationEvaluation"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_out_of_scope_is_forbidden(hub: GraphQLClient) -> None:
    member, leader, plain = await _placed(hub, "C003", 3)
    code = member["code"]
    fields = {"input": {"memberCode": code, "grade": "QUALIFIED", "comment": "评价"}}

    def level(name: str) -> dict[str, Any]:
        return {"input": {**fields["input"], "level": name}}

    refused = [
        (hub.as_viewer("member", member=code), fields),
        (hub.as_viewer("unit_branch", unit=member["unit"]), fields),
        (hub.as_viewer("district", district="D01"), fields),
        (hub.as_viewer("auditor"), fields),
        (hub.as_viewer("community", community="C003"), level("GROUP")),
        (hub.as_viewer("community", community="C003"), level("GRID_BRANCH")),
        (hub.as_viewer("grid_branch_secretary", community="C003", grid=member["grid"]), fields),
        (hub.as_viewer("grid_branch_secretary", community="C003", grid="NO-SUCH-GRID"),
         level("GRID_BRANCH")),
        (hub.as_viewer("member", member=plain["code"]), level("GROUP")),
    ]  # fmt: skip
    await _group_with(hub, "C003", member["building"],
                      [(leader["code"], "LEADER"), (code, "MEMBER")])  # fmt: skip
    # The leader of a group evaluates only its members.
    refused.append((hub.as_viewer("member", member=leader["code"]),
                    {"input": {**level("GROUP")["input"], "memberCode": plain["code"]}}))  # fmt: skip
    for viewer, variables in refused:
        error = await viewer.error(EVALUATE, variables)
        assert error["extensions"]["code"] == "FORBIDDEN", variables

    # Self-evaluating someone else, or anyone but a member writing one.
    for viewer in (hub.as_viewer("member", member=plain["code"]),
                   hub.as_viewer("community", community="C003")):  # fmt: skip
        error = await viewer.error(SELF, {"input": {"memberCode": code, "comment": "代写"}})
        assert error["extensions"]["code"] == "FORBIDDEN"

    other_unit = "U-OTHER" if member["unit"] != "U-OTHER" else "U-ELSE"
    for viewer in (hub.as_viewer("unit_branch", unit=other_unit),
                   hub.as_viewer("community", community="C003"),
                   hub.as_viewer("member", member=code)):  # fmt: skip
        error = await viewer.error(ORGANISATION, fields)
        assert error["extensions"]["code"] == "FORBIDDEN"

    done = await _evaluate(hub.as_viewer("community", community="C003"), code,
                           grade="EXCELLENT", comment="优秀")  # fmt: skip
    evaluation_id = done["memberEvaluation"]["id"]
    for viewer in (hub.as_viewer("unit_branch", unit=other_unit),
                   hub.as_viewer("community", community="C003"),
                   hub.as_viewer("member", member=code)):  # fmt: skip
        error = await viewer.error(ACKNOWLEDGE, {"input": {"evaluationId": evaluation_id}})
        assert error["extensions"]["code"] == "FORBIDDEN"

    # Reads: another member and another community do not see it; the leader sees the
    # group's view of his members only.
    for viewer in (hub.as_viewer("member", member=plain["code"]),
                   hub.as_viewer("community", community="C001")):  # fmt: skip
        hidden = await viewer.query("query($id: ID!) { node(id: $id) { id } }",
                                    {"id": evaluation_id})  # fmt: skip
        assert hidden["node"] is None


async def test_retried_evaluation_returns_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await _placed(hub, "C001", 1)
    committee = hub.as_viewer("community", community="C001")
    key = f"evaluate-retry-{member['code']}"
    before = await count(workflow_db, "SELECT count(*) FROM member_evaluations")
    first = await _evaluate(committee, member["code"], grade="EXCELLENT", comment="好",
                            clientMutationId=key)  # fmt: skip
    second = await _evaluate(committee, member["code"], grade="EXCELLENT", comment="好",
                             clientMutationId=key)  # fmt: skip
    assert second["userErrors"] == []
    assert second["clientMutationId"] == key
    assert second["memberEvaluation"]["id"] == first["memberEvaluation"]["id"]
    assert second["memberEvaluation"]["status"] == "ACTIVE"
    assert await count(workflow_db, "SELECT count(*) FROM member_evaluations") == before + 1


async def test_retried_organisation_evaluation_commits_with_its_key_on_the_unit_side(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await _placed(hub, "C002", 1)
    branch = hub.as_viewer("unit_branch", unit=member["unit"], branch=member["branch"])
    key = f"organisation-retry-{member['code']}"
    given = {"memberCode": member["code"], "grade": "QUALIFIED", "comment": "合格",
             "clientMutationId": key}  # fmt: skip
    rows = "SELECT count(*) FROM organisation_evaluations WHERE client_key = :k"
    # Four copies of one request at once (a client retrying), then one more later.
    bodies = await asyncio.gather(*(branch.raw(ORGANISATION, {"input": given}) for _ in range(4)))
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["recordOrganisationEvaluation"] for body in bodies]
    later = (await branch.query(ORGANISATION, {"input": given}))["recordOrganisationEvaluation"]
    ids = {p["organisationEvaluation"]["id"] for p in [*payloads, later]}
    assert len(ids) == 1, payloads
    assert all(p["userErrors"] == [] and p["clientMutationId"] == key for p in payloads)
    assert await count(workflow_db, rows, side="units", k=key) == 1
    # The key lives with the evaluation: none is written to the community side.
    assert (
        await count(workflow_db, "SELECT count(*) FROM idempotency_keys WHERE key = :k", k=key) == 0
    )


async def test_member_evaluations_do_not_add_statements_per_member(hub: GraphQLClient) -> None:
    query = """query($n: Int!, $y: Int) { members(first: $n) { edges { node { code
                 evaluations(year: $y) { communityEvaluation { grade revisions { grade } }
                   selfEvaluation { grade } groupEvaluation { grade }
                   organisationEvaluation { grade revisions { grade } } } } } } }"""
    seeded = 2025  # the seeded year of evaluations: most supporters have several
    few = await hub.statements(query, {"n": 3, "y": seeded})
    many = await hub.statements(query, {"n": 100, "y": seeded})
    assert few == many, (few, many)
    data = await hub.query(query, {"n": 100, "y": seeded})
    grades = [e["node"]["evaluations"]["communityEvaluation"] for e in data["members"]["edges"]]
    assert any(grades), "the seeded year should have community evaluations"
    assert many["community"] <= 2, many
    assert many["units"] <= 3, many


async def test_concurrent_evaluations_leave_one_active_row(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await _placed(hub, "C002", 1)
    committee = hub.as_viewer("community", community="C002")
    bodies = await asyncio.gather(
        *(
            committee.raw(
                EVALUATE,
                {
                    "input": {
                        "memberCode": member["code"],
                        "grade": "QUALIFIED",
                        "comment": f"并发{i}",
                    }
                },
            )
            for i in range(5)
        )
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["evaluateMember"] for body in bodies]
    assert any(p["memberEvaluation"] is not None for p in payloads)
    assert {e["code"] for p in payloads for e in p["userErrors"]} <= {"DUPLICATE"}
    active = await count(
        workflow_db,
        "SELECT count(*) FROM member_evaluations WHERE member_code = :m AND year = :y"
        " AND kind = 'community' AND status = 'active'",
        m=member["code"], y=YEAR,
    )  # fmt: skip
    assert active == 1
