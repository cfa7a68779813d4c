"""Fields that join the work-unit side and the community side, both ways."""

from __future__ import annotations

import base64

from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

SUPPORTERS = """
query($code: String!) {
  community(code: $code) {
    code
    supporters(first: 100) {
      totalCount
      edges { node { memberCode status member { code name unit { code } branch { code } } } }
    }
  }
}
"""


async def _a_community_with_supporters(client: GraphQLClient) -> str:
    data = await client.query(
        "{ communities(first: 100) { edges { node { code supporters(first: 0) { totalCount } } } } }"
    )
    ranked = sorted(
        data["communities"]["edges"], key=lambda e: -e["node"]["supporters"]["totalCount"]
    )
    assert ranked[0]["node"]["supporters"]["totalCount"] > 0
    code: str = ranked[0]["node"]["code"]
    return code


async def test_supporters_resolve_to_members_whose_report_points_back(
    client: GraphQLClient,
) -> None:
    code = await _a_community_with_supporters(client)
    data = await client.query(SUPPORTERS, {"code": code})
    edges = data["community"]["supporters"]["edges"]
    member_codes = [e["node"]["member"]["code"] for e in edges]
    assert member_codes == [e["node"]["memberCode"] for e in edges]
    back = await client.query(
        """query($codes: [String!]) {
          members(first: 100, filter: {codes: $codes}) {
            edges { node { code residenceCommunity { code } report { community { code } } } }
          }
        }""",
        {"codes": member_codes},
    )
    for edge in back["members"]["edges"]:
        assert edge["node"]["residenceCommunity"]["code"] == code
        assert edge["node"]["report"]["community"]["code"] == code


async def test_unit_pairings_seen_from_both_sides(small_db: DatabasePair) -> None:
    # An exhaustive cross-check, costlier (100 + 100 × 10 + 100 × 10 × 100) than the
    # hub's default cost limit allows a client.
    async for client in client_for(small_db, max_query_cost=110_000):
        data = await client.query(
            """{ workUnits(first: 100) { edges { node { code pairedCommunities(first: 10) {
              edges { node { status unit { code } community { code partnerUnits(first: 100) {
                edges { node { unit { code } } } } } } } } } } } }"""
        )
    seen = 0
    for unit in data["workUnits"]["edges"]:
        unit_code = unit["node"]["code"]
        for pairing in unit["node"]["pairedCommunities"]["edges"]:
            node = pairing["node"]
            assert node["status"] == "ACTIVE"
            assert node["unit"]["code"] == unit_code
            partners = [
                p["node"]["unit"]["code"] for p in node["community"]["partnerUnits"]["edges"]
            ]
            assert unit_code in partners
            seen += 1
    assert seen > 0


async def test_alliance_parties_are_a_union_across_sides(client: GraphQLClient) -> None:
    data = await client.query(
        """{ alliances(first: 50) { edges { node { code
              memberships { partyKind partyCode rotationOrder }
              parties { __typename
                ... on WorkUnit { code } ... on Community { code }
                ... on PropertyCompany { code } ... on Organisation { code name } } } } } }"""
    )
    kinds: set[str] = set()
    for edge in data["alliances"]["edges"]:
        memberships = edge["node"]["memberships"]
        parties = edge["node"]["parties"]
        assert [m["partyCode"] for m in memberships] == [p["code"] for p in parties]
        orders = [m["rotationOrder"] for m in memberships]
        assert orders == sorted(orders)
        kinds |= {p["__typename"] for p in parties}
    assert {"WorkUnit", "Community"} <= kinds


async def test_a_unit_sees_its_alliances_and_agreements(client: GraphQLClient) -> None:
    data = await client.query(
        """{ alliances(first: 50) { edges { node { code memberships { partyKind partyCode } } } } }"""
    )
    unit_codes = {
        (m["partyCode"], edge["node"]["code"])
        for edge in data["alliances"]["edges"]
        for m in edge["node"]["memberships"]
        if m["partyKind"] == "UNIT"
    }
    unit_code, alliance_code = sorted(unit_codes)[0]
    unit = await client.query(
        """query($c: String!) { workUnit(code: $c) {
             alliances(first: 50) { edges { node { alliance { code } party { ... on WorkUnit { code } } } } }
             agreements(first: 50) { totalCount edges { node { code parties { __typename } } } } } }""",
        {"c": unit_code},
    )
    alliances = unit["workUnit"]["alliances"]["edges"]
    assert alliance_code in {a["node"]["alliance"]["code"] for a in alliances}
    assert all(a["node"]["party"]["code"] == unit_code for a in alliances)


async def test_member_without_report_has_no_community(client: GraphQLClient) -> None:
    data = await client.query(
        "{ members(first: 100) { edges { node { code report { id } residenceCommunity { code } } } } }"
    )
    for edge in data["members"]["edges"]:
        node = edge["node"]
        assert (node["report"] is None) == (node["residenceCommunity"] is None)


async def test_supporter_filters_hold_for_every_result(client: GraphQLClient) -> None:
    code = await _a_community_with_supporters(client)
    base = await client.query(
        """query($c: String!) { community(code: $c) { supporters(first: 100) {
             edges { node { skills building { code } } } } } }""",
        {"c": code},
    )
    nodes = [e["node"] for e in base["community"]["supporters"]["edges"]]
    skill = next(s for n in nodes for s in n["skills"])
    building = next(n["building"]["code"] for n in nodes if n["building"])
    filtered = await client.query(
        """query($c: String!, $f: SupporterFilter) { community(code: $c) {
             supporters(first: 100, filter: $f) { totalCount
               edges { node { skills availability building { code } } } } } }""",
        {"c": code, "f": {"skill": skill}},
    )
    result = filtered["community"]["supporters"]
    assert result["totalCount"] >= 1
    assert all(skill in e["node"]["skills"] for e in result["edges"])
    by_building = await client.query(
        """query($c: String!, $f: SupporterFilter) { community(code: $c) {
             supporters(first: 100, filter: $f) { edges { node { building { code } } } } } }""",
        {"c": code, "f": {"buildingCode": building}},
    )
    edges = by_building["community"]["supporters"]["edges"]
    assert edges
    assert all(e["node"]["building"]["code"] == building for e in edges)
    weekends = await client.query(
        """query($c: String!) { community(code: $c) {
             supporters(first: 100, filter: {availableAny: [WEEKENDS]}) {
               edges { node { availability } } } } }""",
        {"c": code},
    )
    assert all(
        "WEEKENDS" in e["node"]["availability"]
        for e in weekends["community"]["supporters"]["edges"]
    )


async def test_node_round_trip_and_unknown_ids(client: GraphQLClient) -> None:
    data = await client.query("{ members(first: 2) { edges { node { id code } } } }")
    ids = [e["node"]["id"] for e in data["members"]["edges"]]
    fetched = await client.query(
        """query($id: ID!, $ids: [ID!]!) {
             node(id: $id) { id ... on Member { code } }
             nodes(ids: $ids) { id }
           }""",
        {"id": ids[0], "ids": ids},
    )
    assert fetched["node"]["code"] == data["members"]["edges"][0]["node"]["code"]
    assert [n["id"] for n in fetched["nodes"]] == ids
    missing = base64.b64encode(b"Member:99999999").decode()
    assert (await client.query("query($id: ID!) { node(id: $id) { id } }", {"id": missing}))[
        "node"
    ] is None


async def test_malformed_global_id_is_bad_input(client: GraphQLClient) -> None:
    for bad in ["%%%", base64.b64encode(b"NoSuchType:1").decode()]:
        error = await client.error("query($id: ID!) { node(id: $id) { id } }", {"id": bad})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["argument"] == "id"


async def test_unknown_codes_are_null(client: GraphQLClient) -> None:
    data = await client.query(
        """{ member(code: "NOPE") { id } workUnit(code: "NOPE") { id }
             community(code: "NOPE") { id } alliance(code: "NOPE") { id } }"""
    )
    assert data == {"member": None, "workUnit": None, "community": None, "alliance": None}


async def test_federation_entities_resolve_by_code(client: GraphQLClient) -> None:
    data = await client.query("{ members(first: 1) { edges { node { code name } } } }")
    member = data["members"]["edges"][0]["node"]
    entities = await client.query(
        """query($r: [_Any!]!) { _entities(representations: $r) {
             ... on Member { code name } ... on Community { code } } }""",
        {
            "r": [
                {"__typename": "Member", "code": member["code"]},
                {"__typename": "Community", "code": "NOPE"},
            ]
        },
    )
    assert entities["_entities"] == [member, None]
    sdl = (await client.query("{ _service { sdl } }"))["_service"]["sdl"]
    assert 'type Member implements Node @key(fields: "code")' in sdl


async def test_the_three_lists_share_their_fields(client: GraphQLClient) -> None:
    fields = "title description status createdAt community { code } category { code name }"
    data = await client.query(
        f"""{{ resourceItems(first: 2) {{ edges {{ node {{ {fields} providerKind }} }} }}
              demandItems(first: 2) {{ edges {{ node {{ {fields} requesterName }} }} }}
              serviceItems(first: 2) {{ edges {{ node {{ {fields} target }} }} }} }}"""
    )
    for name in ("resourceItems", "demandItems", "serviceItems"):
        nodes = [edge["node"] for edge in data[name]["edges"]]
        assert nodes, name
        assert all(node["title"] and node["category"]["name"] for node in nodes), name
