"""One role per job (issue 13, item 9), through GraphQL on both backends: the grid worker
(网格员) orders on a resident's behalf but does not evaluate; the branch secretaries
(网格/小区党支部书记) evaluate but do not order; the compound secretary stays in his compound;
positions (三长, 党员中心户) see their building only and lose access when revoked; old
`grid_secretary` tokens act as the branch secretary of their claim (docs/access.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from click.testing import CliRunner

from datasources.community.source import CommunitySource
from datasources.scope import Role
from datasources.units.source import UnitsSource
from gateway.auth import issue_token
from gateway.cli import main
from gateway.demo import demo_scopes, demo_subjects, demo_tokens
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.scales import SMALL
from tests.workflow import taken, workflow_fixtures

workflow_db, hub = workflow_fixtures("roles_positions", SMALL)

YEAR = 2026
ERRORS = "clientMutationId userErrors { code message field }"
EVALUATE = f"""mutation($input: EvaluateMemberInput!) {{ evaluateMember(input: $input) {{
  {ERRORS} memberEvaluation {{ kind evaluatorRole }} }} }}"""
PLACE = f"""mutation($input: PlaceOrderInput!) {{ placeOrder(input: $input) {{
  {ERRORS} serviceOrder {{ id orderedByRole beneficiaryName }} }} }}"""
APPOINT = f"""mutation($input: AppointPositionInput!) {{ appointPosition(input: $input) {{
  {ERRORS} position {{ id code kind inForce holderCode unitLabel building {{ code }}
  compound {{ code }} }} }} }}"""
REVOKE = f"""mutation($input: RevokePositionInput!) {{ revokePosition(input: $input) {{
  {ERRORS} position {{ id inForce revokedReason }} }} }}"""
ORDERS = """query($c: String!) { community(code: $c) { orders(first: 100) {
  totalCount edges { node { id title beneficiaryName } } } } }"""
SUPPORTERS = """query($c: String!) { community(code: $c) { supporters(first: 100) { edges {
  node { memberCode building { code entrances floors compound { code grid { code } } } } } } } }"""


async def _placed(hub: GraphQLClient, community: str) -> list[dict[str, Any]]:
    """Unused supporters of `community` living in a building of a gridded compound."""
    data = await hub.query(SUPPORTERS, {"c": community})
    found = []
    for edge in data["community"]["supporters"]["edges"]:
        node = edge["node"]
        building = node["building"]
        if node["memberCode"] in taken(hub) or building is None:
            continue
        if building["compound"]["grid"] is None:
            continue
        found.append({"code": node["memberCode"], "building": building["code"],
                      "compound": building["compound"]["code"],
                      "entrances": building["entrances"], "floors": building["floors"],
                      "grid": building["compound"]["grid"]["code"]})  # fmt: skip
    return found


def _pick(found: list[dict[str, Any]], hub: GraphQLClient, **where: Any) -> dict[str, Any]:
    for member in found:
        fits = all(v(member[k]) if callable(v) else member[k] == v for k, v in where.items())
        if fits and member["code"] not in taken(hub):
            taken(hub).add(member["code"])
            return member
    raise AssertionError(f"no supporter with {where}")


async def _evaluate(viewer: GraphQLClient, member: str, comment: str) -> dict[str, Any]:
    return await viewer.raw(EVALUATE, {"input": {
        "memberCode": member, "year": YEAR, "grade": "QUALIFIED", "comment": comment,
        "level": "GRID_BRANCH",
    }})  # fmt: skip


async def _place(viewer: GraphQLClient, community: str, **extra: Any) -> dict[str, Any]:
    fields = {"communityCode": community, "categoryCode": "chancheng.epidemic",
              "title": "代居民点单", "beneficiaryName": "李四", **extra}  # fmt: skip
    return await viewer.raw(PLACE, {"input": fields})


def _code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


async def test_the_grid_worker_orders_on_behalf_but_does_not_evaluate(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    member = _pick(found, hub)
    worker = hub.as_viewer("grid_worker", community="C001", grid=member["grid"])
    placed = (await _place(worker, "C001", buildingCode=member["building"]))["data"]["placeOrder"]
    assert placed["userErrors"] == []
    assert placed["serviceOrder"]["orderedByRole"] == "grid_worker"
    assert placed["serviceOrder"]["beneficiaryName"] == "李四"
    assert _code(await _evaluate(worker, member["code"], "网格员评价")) == "FORBIDDEN"
    # He is community staff, not a Party officer: no evaluations are his to read either.
    read = await worker.query(
        "query($c: String!) { community(code: $c) { evaluations(first: 1) { totalCount } } }",
        {"c": "C001"},
    )
    assert read["community"]["evaluations"]["totalCount"] == 0


async def test_the_branch_secretary_evaluates_but_does_not_order(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    member = _pick(found, hub)
    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=member["grid"])
    done = (await _evaluate(secretary, member["code"], "网格支部评价"))["data"]["evaluateMember"]
    assert done["userErrors"] == []
    assert done["memberEvaluation"] == {"kind": "GRID_BRANCH",
                                        "evaluatorRole": "grid_branch_secretary"}  # fmt: skip
    assert _code(await _place(secretary, "C001")) == "FORBIDDEN"
    read = await secretary.query(
        "query($c: String!) { community(code: $c) { evaluations(first: 1) { totalCount } } }",
        {"c": "C001"},
    )
    assert read["community"]["evaluations"]["totalCount"] > 0


async def test_the_compound_secretary_is_limited_to_his_compound(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    mine = _pick(found, hub)
    other = _pick(found, hub, compound=lambda c: c != mine["compound"])
    secretary = hub.as_viewer(
        "compound_branch_secretary", community="C001", compound=mine["compound"]
    )
    ok = (await _evaluate(secretary, mine["code"], "小区支部评价"))["data"]["evaluateMember"]
    assert ok["userErrors"] == []
    assert ok["memberEvaluation"]["evaluatorRole"] == "compound_branch_secretary"
    assert _code(await _evaluate(secretary, other["code"], "越界评价")) == "FORBIDDEN"
    data = await secretary.query(SUPPORTERS, {"c": "C001"})
    compounds = {e["node"]["building"]["compound"]["code"]
                 for e in data["community"]["supporters"]["edges"]}  # fmt: skip
    assert compounds == {mine["compound"]}
    assert _code(await _place(secretary, "C001")) == "FORBIDDEN"


async def _appoint(committee: GraphQLClient, **fields: Any) -> dict[str, Any]:
    body = (await committee.query(APPOINT, {"input": {
        "holderKind": "MEMBER", "holderName": "王建国", "startsOn": "2026-01-01",
        "endsOn": "2099-12-31", **fields,
    }}))["appointPosition"]  # fmt: skip
    result: dict[str, Any] = body
    return result


async def _compound_leader(committee: GraphQLClient, compound: str) -> tuple[str, str]:
    """A 小区长 in force of the compound (seeded, else appointed): code and holder code (his
    sign-in subject, by default)."""
    data = await committee.query(
        """{ community(code: "C001") { positions(first: 100, filter: {kinds: [COMPOUND_LEADER],
             inForceOnly: true}) { edges { node { code holderCode compound { code } } } } } }"""
    )
    for edge in data["community"]["positions"]["edges"]:
        if edge["node"]["compound"]["code"] == compound:
            return edge["node"]["code"], edge["node"]["holderCode"]
    made = await _appoint(committee, kind="COMPOUND_LEADER", holderKind="RESIDENT",
                          holderCode="resident:test-compound-leader", compoundCode=compound)  # fmt: skip
    assert made["userErrors"] == []
    return made["position"]["code"], "resident:test-compound-leader"


def _holder(hub: GraphQLClient, community: str, position: str, subject: str) -> GraphQLClient:
    """The holder's token: his recorded sign-in subject (by default his holder code)."""
    return hub.as_viewer("position_holder", subject, community=community, position=position)


async def test_a_building_leader_sees_his_buildings_orders_only(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    home = _pick(found, hub)
    away = _pick(found, hub, building=lambda b: b != home["building"])
    committee = hub.as_viewer("community", community="C001")
    appointed = await _appoint(committee, kind="BUILDING_LEADER", holderCode=home["code"],
                               compoundCode=home["compound"], buildingCode=home["building"])  # fmt: skip
    assert appointed["userErrors"] == []
    position = appointed["position"]
    assert (position["inForce"], position["building"]) == (True, {"code": home["building"]})
    worker = hub.as_viewer("grid_worker", community="C001", grid=home["grid"])
    here = await _place(worker, "C001", buildingCode=home["building"], title="楼内订单")
    there = await _place(worker, "C001", buildingCode=away["building"], title="别栋订单")
    here_id = here["data"]["placeOrder"]["serviceOrder"]["id"]
    there_id = there["data"]["placeOrder"]["serviceOrder"]["id"]

    leader = _holder(hub, "C001", position["code"], home["code"])
    orders = (await leader.query(ORDERS, {"c": "C001"}))["community"]["orders"]
    ids = {e["node"]["id"] for e in orders["edges"]}
    assert here_id in ids
    assert there_id not in ids
    # Conservative with personal data: no resident names, no members, no evaluations.
    assert all(e["node"]["beneficiaryName"] is None for e in orders["edges"])
    nodes = await leader.query("query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                               {"ids": [here_id, there_id]})  # fmt: skip
    assert nodes["nodes"] == [{"id": here_id}, None]
    counts = await leader.query("{ members(first: 1) { totalCount } viewer { role position } }")
    assert counts["members"]["totalCount"] == 0
    assert counts["viewer"] == {"role": "POSITION_HOLDER", "position": position["code"]}
    listed = await leader.query(
        "query($c: String!) { community(code: $c) { positions(first: 100) {"
        " edges { node { code } } } } }",
        {"c": "C001"},
    )
    assert [e["node"]["code"] for e in listed["community"]["positions"]["edges"]] == [
        position["code"]
    ]
    assert _code(await _place(leader, "C001")) == "FORBIDDEN"
    # A 小区长 of the same compound (the seeded one, else a new one) sees every building's.
    wide = _holder(hub, "C001", *await _compound_leader(committee, home["compound"]))
    wide_ids = {e["node"]["id"] for e in
                (await wide.query(ORDERS, {"c": "C001"}))["community"]["orders"]["edges"]}  # fmt: skip
    assert here_id in wide_ids
    assert (there_id in wide_ids) == (away["compound"] == home["compound"])


async def test_a_revoked_position_loses_access_at_once(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    home = _pick(found, hub, entrances=lambda n: n >= 2)
    committee = hub.as_viewer("community", community="C001")
    appointed = await _appoint(committee, kind="UNIT_LEADER", holderKind="RESIDENT",
                               holderCode="resident:test-unit-leader", unitLabel="2单元",
                               compoundCode=home["compound"], buildingCode=home["building"])  # fmt: skip
    assert appointed["userErrors"] == []
    position = appointed["position"]
    assert position["unitLabel"] == "2单元"
    leader = _holder(hub, "C001", position["code"], "resident:test-unit-leader")
    assert (await leader.query("{ viewer { role } }"))["viewer"]["role"] == "POSITION_HOLDER"

    worker = hub.as_viewer("grid_worker", community="C001", grid=home["grid"])
    refused = await worker.raw(REVOKE, {"input": {"positionId": position["id"], "reason": "x"}})
    assert _code(refused) == "FORBIDDEN"
    revoked = (await committee.query(
        REVOKE, {"input": {"positionId": position["id"], "reason": "搬离本楼"}}
    ))["revokePosition"]  # fmt: skip
    assert revoked["userErrors"] == []
    assert (revoked["position"]["inForce"], revoked["position"]["revokedReason"]) == (
        False, "搬离本楼",
    )  # fmt: skip
    # The same, still unexpired token: refused from the next request on.
    response = await leader.http.post("/graphql", json={"query": "{ viewer { role } }"},
                                      headers=leader.headers)  # fmt: skip
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    again = (await committee.query(
        REVOKE, {"input": {"positionId": position["id"], "reason": "再次撤销"}}
    ))["revokePosition"]  # fmt: skip
    assert again["userErrors"][0]["code"] == "INVALID_STATE"


async def test_positions_not_in_force_or_elsewhere_do_not_authenticate(
    hub: GraphQLClient,
) -> None:
    found = await _placed(hub, "C001")
    home = _pick(found, hub)
    committee = hub.as_viewer("community", community="C001")
    ended = await _appoint(committee, kind="MEMBER_HOUSEHOLD", holderCode="M-TEST-HH",
                           compoundCode=home["compound"], buildingCode=home["building"],
                           startsOn="2020-01-01", endsOn="2022-12-31")  # fmt: skip
    assert ended["userErrors"] == []
    current = await _appoint(committee, kind="MEMBER_HOUSEHOLD", holderCode="M-TEST-HH",
                             compoundCode=home["compound"], buildingCode=home["building"])  # fmt: skip
    assert current["userErrors"] == []
    code = current["position"]["code"]
    for community, position in (("C001", ended["position"]["code"]), ("C001", "POS-NO-SUCH"),
                                ("C002", code)):  # fmt: skip
        viewer = _holder(hub, community, position, "M-TEST-HH")
        response = await viewer.http.post("/graphql", json={"query": "{ viewer { role } }"},
                                          headers=viewer.headers)  # fmt: skip
        assert response.status_code == 401, (community, position)
    assert (await _holder(hub, "C001", code, "M-TEST-HH").query("{ viewer { role } }"))["viewer"]


async def test_appointing_follows_the_rules(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    home = _pick(found, hub)
    committee = hub.as_viewer("community", community="C001")
    place = {"compoundCode": home["compound"], "buildingCode": home["building"]}
    first = await _appoint(committee, kind="BUILDING_LEADER", holderCode=home["code"],
                           startsOn="2030-01-01", endsOn="2032-12-31", **place)  # fmt: skip
    assert first["userErrors"] == []
    second = await _appoint(committee, kind="BUILDING_LEADER", holderCode="M-OTHER",
                            startsOn="2032-06-01", endsOn="2034-12-31", **place)  # fmt: skip
    assert [e["code"] for e in second["userErrors"]] == ["DUPLICATE"]
    resident_household = await _appoint(committee, kind="MEMBER_HOUSEHOLD",
                                         holderKind="RESIDENT", holderCode="r", **place)  # fmt: skip
    assert resident_household["userErrors"][0]["field"] == "input.holderKind"
    leader_with_building = await _appoint(committee, kind="COMPOUND_LEADER", holderCode="x",
                                          **place)  # fmt: skip
    assert leader_with_building["userErrors"][0]["field"] == "input.buildingCode"
    backwards = await _appoint(committee, kind="UNIT_LEADER", holderCode="x", unitLabel="1单元",
                               startsOn="2030-01-01", endsOn="2029-01-01", **place)  # fmt: skip
    assert backwards["userErrors"][0]["field"] == "input.endsOn"
    elsewhere = hub.as_viewer("community", community="C002")
    body = await elsewhere.raw(APPOINT, {"input": {
        "kind": "BUILDING_LEADER", "holderKind": "MEMBER", "holderCode": "x",
        "holderName": "王", "startsOn": "2026-01-01", "endsOn": "2027-01-01", **place,
    }})  # fmt: skip
    assert _code(body) == "FORBIDDEN"
    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=home["grid"])
    assert _code(await secretary.raw(APPOINT, {"input": {
        "kind": "BUILDING_LEADER", "holderKind": "MEMBER", "holderCode": "x",
        "holderName": "王", "startsOn": "2026-01-01", "endsOn": "2027-01-01", **place,
    }})) == "FORBIDDEN"  # fmt: skip


async def test_old_grid_secretary_tokens_act_as_the_branch_secretary(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    found = await _placed(hub, "C001")
    member = _pick(found, hub)
    # Tokens issued before the split, by an identity provider that still names the old role.
    token = issue_token(
        hub.tokens.settings, role="grid_secretary", scope={"community": "C001",
        "grid": member["grid"]}, subject="legacy-gs", ttl=timedelta(hours=1),
    )  # fmt: skip
    legacy = GraphQLClient(hub.http, token, hub.tokens)
    me = (await legacy.query("{ viewer { role grid deprecatedRole } }"))["viewer"]
    assert me == {"role": "GRID_BRANCH_SECRETARY", "grid": member["grid"],
                  "deprecatedRole": "grid_secretary"}  # fmt: skip
    done = (await _evaluate(legacy, member["code"], "旧令牌评价"))["data"]["evaluateMember"]
    assert done["userErrors"] == []
    assert done["memberEvaluation"]["evaluatorRole"] == "grid_branch_secretary"
    assert _code(await _place(legacy, "C001")) == "FORBIDDEN"
    # With a compound claim it is the compound secretary, held to that compound.
    compound_token = issue_token(
        hub.tokens.settings, role="grid_secretary",
        scope={"community": "C001", "compound": member["compound"]}, subject="legacy-cs",
        ttl=timedelta(hours=1),
    )  # fmt: skip
    compound = GraphQLClient(hub.http, compound_token, hub.tokens)
    role = (await compound.query("{ viewer { role compound } }"))["viewer"]
    assert role == {"role": "COMPOUND_BRANCH_SECRETARY", "compound": member["compound"]}


def test_the_cli_no_longer_issues_the_deprecated_role() -> None:
    result = CliRunner().invoke(main, ["token", "--role", "grid_secretary", "--scope",
                                       "community=C001", "--subject", "x"])  # fmt: skip
    assert result.exit_code != 0
    assert "grid_secretary" in result.output


async def test_the_demo_tokens_cover_every_new_role_and_a_position(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """`dualhub serve --demo` prints a token per role; the position holder's authenticates."""
    units, community = (
        UnitsSource(workflow_db.units_url),
        CommunitySource(workflow_db.community_url),
    )
    try:
        scopes = await demo_scopes(units, community)
        subjects = await demo_subjects(community, scopes)
    finally:
        await units.dispose()
        await community.dispose()
    for role in (Role.GRID_WORKER, Role.GRID_BRANCH_SECRETARY, Role.COMPOUND_BRANCH_SECRETARY,
                 Role.POSITION_HOLDER):  # fmt: skip
        assert role in scopes
    tokens = demo_tokens(hub.tokens.settings, scopes, timedelta(hours=1), subjects)
    holder = GraphQLClient(hub.http, tokens[Role.POSITION_HOLDER], hub.tokens)
    me = (await holder.query("{ viewer { role position } }"))["viewer"]
    assert me == {"role": "POSITION_HOLDER", "position": scopes[Role.POSITION_HOLDER]["position"]}


RAISE = f"""mutation($input: RaiseDemandInput!) {{ raiseDemand(input: $input) {{
  {ERRORS} demandItem {{ id }} }} }}"""
ASSIGN = f"""mutation($input: AssignHouseholdInput!) {{ assignHousehold(input: $input) {{
  {ERRORS} }} }}"""
DEMANDS = """{ demandItems(first: 100) { edges { node { id requesterName } } } }"""


async def _order_and_demand(worker: GraphQLClient, title: str, **at: Any) -> tuple[str, str]:
    """An order placed and a demand raised on a resident's behalf at the address `at`."""
    order = await _place(worker, "C001", title=title, **at)
    assert order["data"]["placeOrder"]["userErrors"] == [], order
    demand = (await worker.query(RAISE, {"input": {
        "communityCode": "C001", "categoryCode": "chancheng.epidemic", "title": title,
        "requesterName": "刘阿姨", **at,
    }}))["raiseDemand"]  # fmt: skip
    assert demand["userErrors"] == [], demand
    return order["data"]["placeOrder"]["serviceOrder"]["id"], demand["demandItem"]["id"]


async def _assignees(hub: GraphQLClient, compounds: set[str]) -> set[str]:
    """Everyone with an active household assignment in a building of `compounds`."""
    query = """query($c: String!) { compound(code: $c) { buildings(first: 100) { edges {
      node { assignments { assigneeCode } } } } } }"""
    found: set[str] = set()
    for code in sorted(compounds):
        edges = (await hub.query(query, {"c": code}))["compound"]["buildings"]["edges"]
        found |= {a["assigneeCode"] for e in edges for a in e["node"]["assignments"]}
    return found


async def _seen(viewer: GraphQLClient) -> set[str]:
    """Ids of the orders of C001 and of the demands the viewer reads."""
    orders = (await viewer.query(ORDERS, {"c": "C001"}))["community"]["orders"]["edges"]
    demands = (await viewer.query(DEMANDS))["demandItems"]["edges"]
    assert all(e["node"]["requesterName"] == "**" for e in demands)  # personal: hidden
    return {e["node"]["id"] for e in orders} | {e["node"]["id"] for e in demands}


async def test_each_position_sees_exactly_its_scope(hub: GraphQLClient) -> None:
    """A 单元长 his unit of his building, a 党员中心户 the floor assigned to him, a 小区长 his
    compound: orders and demands alike (a row of an unknown unit is no 单元长's)."""
    found = await _placed(hub, "C001")
    assigned_already = await _assignees(hub, {m["compound"] for m in found})
    home = _pick(found, hub, entrances=lambda n: n >= 2, floors=lambda n: n >= 2,
                 code=lambda c: c not in assigned_already)  # fmt: skip
    worker = hub.as_viewer("grid_worker", community="C001", grid=home["grid"])
    building = {"buildingCode": home["building"]}
    rows = {
        "unit 1, floor 1": await _order_and_demand(
            worker, "一单元一楼", **building, unitNumber=1, floor=1, room="101"),
        "unit 2, floor 2": await _order_and_demand(
            worker, "二单元二楼", **building, unitNumber=2, floor=2, room="201"),
        "unknown unit": await _order_and_demand(worker, "单元不详", **building),
        "no building": await _order_and_demand(worker, "无楼栋"),
    }  # fmt: skip
    ours = {i for pair in rows.values() for i in pair}
    committee = hub.as_viewer("community", community="C001")
    unit = await _appoint(committee, kind="UNIT_LEADER", holderKind="RESIDENT",
                          holderCode="resident:scope-unit2", unitLabel="2", **{
                              "compoundCode": home["compound"], **building})  # fmt: skip
    assert unit["userErrors"] == []
    assert unit["position"]["unitLabel"] == "2单元"
    unit_leader = _holder(hub, "C001", unit["position"]["code"], "resident:scope-unit2")
    assert await _seen(unit_leader) & ours == set(rows["unit 2, floor 2"])

    household = await _appoint(committee, kind="MEMBER_HOUSEHOLD", holderCode=home["code"],
                               compoundCode=home["compound"], **building)  # fmt: skip
    assert household["userErrors"] == []
    centre = _holder(hub, "C001", household["position"]["code"], home["code"])
    assert await _seen(centre) & ours == set(), "no household assigned to him yet"
    assigned = (await worker.query(ASSIGN, {"input": {
        "assigneeKind": "MEMBER", "assigneeCode": home["code"], "floor": 1, **building,
    }}))["assignHousehold"]  # fmt: skip
    assert assigned["userErrors"] == []
    assert await _seen(centre) & ours == set(rows["unit 1, floor 1"])

    compound = _holder(hub, "C001", *await _compound_leader(committee, home["compound"]))
    assert await _seen(compound) & ours == ours - set(rows["no building"])
    # Nobody's position lets him raise a demand or order on a resident's behalf.
    refused = await unit_leader.raw(RAISE, {"input": {
        "communityCode": "C001", "categoryCode": "chancheng.epidemic", "title": "代提",
        "requesterName": "刘阿姨",
    }})  # fmt: skip
    assert _code(refused) == "FORBIDDEN"


async def test_an_address_names_a_unit_and_floor_of_the_building(hub: GraphQLClient) -> None:
    found = await _placed(hub, "C001")
    home = _pick(found, hub)
    worker = hub.as_viewer("grid_worker", community="C001", grid=home["grid"])
    for at, field in (
        ({"buildingCode": home["building"], "unitNumber": home["entrances"] + 1}, "input.unitNumber"),
        ({"buildingCode": home["building"], "floor": home["floors"] + 1}, "input.floor"),
        ({"unitNumber": 1}, "input.buildingCode"),
    ):  # fmt: skip
        body = (await _place(worker, "C001", **at))["data"]["placeOrder"]
        assert [(e["code"], e["field"]) for e in body["userErrors"]] == [("INVALID_INPUT", field)]
    committee = hub.as_viewer("community", community="C001")
    beyond = await _appoint(committee, kind="UNIT_LEADER", holderKind="RESIDENT",
                            holderCode="resident:beyond", unitLabel=f"{home['entrances'] + 1}单元",
                            compoundCode=home["compound"], buildingCode=home["building"])  # fmt: skip
    assert [e["field"] for e in beyond["userErrors"]] == ["input.unitLabel"]


async def test_only_the_recorded_holder_acts_as_the_position(hub: GraphQLClient) -> None:
    """The token's subject must be the holder's recorded sign-in: another subject with the
    same position claim is refused (401), as is the holder code once a sign-in is named."""
    found = await _placed(hub, "C001")
    home = _pick(found, hub)
    committee = hub.as_viewer("community", community="C001")
    appointed = await _appoint(committee, kind="MEMBER_HOUSEHOLD", holderCode=home["code"],
                               holderSubject="sso:u-7781", compoundCode=home["compound"],
                               buildingCode=home["building"])  # fmt: skip
    assert appointed["userErrors"] == []
    code = appointed["position"]["code"]
    for subject in (home["code"], "test-position_holder", "sso:u-7782"):
        stranger = _holder(hub, "C001", code, subject)
        response = await stranger.http.post("/graphql", json={"query": "{ viewer { role } }"},
                                            headers=stranger.headers)  # fmt: skip
        assert response.status_code == 401, subject
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    holder = _holder(hub, "C001", code, "sso:u-7781")
    assert (await holder.query("{ viewer { position } }"))["viewer"] == {"position": code}
