"""Who may see what: the role matrix, every path across a scope boundary, personal data.

Expectations come from `tests.world` (plain SQL over the seeded data), never from the
policies under test. The matrix itself is documented in docs/access.md.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair
from tests.world import World, load_world


@dataclass(frozen=True)
class Case:
    role: str
    scope: dict[str, str]
    members: set[str]  # members (work-unit side) the role may read
    supporters: set[str]  # active reports (community side) the role may read
    subject: str | None = None  # the token's subject: by default `test-<role>`


@pytest.fixture
async def world(small_db: DatabasePair) -> World:
    return await load_world(small_db)


@pytest.fixture
async def hub(small_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(small_db):
        yield client


def matrix(world: World) -> dict[str, Case]:
    everyone, reported = set(world.member_unit), set(world.active_report)
    community = world.busiest_community()
    grid = world.grid_with_reporters(community)
    unit = world.unit_with_reporters()
    branch = sorted(world.branch_unit[world.member_branch[m]] and world.member_branch[m]
                    for m in world.members_of_unit(unit) & reported)[0]  # fmt: skip
    member = sorted(world.reported_to(community))[0]
    in_grid = world.reported_in_grid(grid) & world.reported_to(community)
    leader = world.position_in_force(community)
    none: set[str] = set()
    return {
        "district": Case("district", {"district": "D01"}, everyone, reported),
        "street": Case("street", {"street": world.community_street[community]}, none, none),
        "auditor": Case("auditor", {}, everyone, reported),
        "unit": Case("unit_branch", {"unit": unit}, world.members_of_unit(unit),
                     world.members_of_unit(unit) & reported),
        "branch": Case("unit_branch", {"unit": unit, "branch": branch},
                       world.members_of_branch(branch), world.members_of_branch(branch) & reported),
        "community": Case("community", {"community": community}, world.reported_to(community),
                          world.reported_to(community)),
        "grid": Case("grid_branch_secretary", {"community": community, "grid": grid}, in_grid,
                     in_grid),
        "grid worker": Case("grid_worker", {"community": community, "grid": grid}, in_grid,
                            in_grid),
        "member": Case("member", {"member": member}, {member}, {member}),
        "resident": Case("resident", {"community": community, "household": "1-101"}, none, none),
        "company": Case("property_company", {"company": busiest_company(world)}, none, none),
        "building leader": Case("position_holder", {"community": community,
                                "position": leader["code"]}, none, none,
                                subject=leader["holder_subject"]),
    }  # fmt: skip


def busiest_company(world: World) -> str:
    """A property company that is party to something, so its scope is not trivially empty."""
    parties = [code for parties in world.alliance_parties.values() for kind, code in parties
               if kind == "property_company"]  # fmt: skip
    return sorted(parties)[0] if parties else "PC001"


# Every member a viewer may read, those who left the Party too (the default list leaves
# them out: tests/test_master_units.py).
MEMBERS = """query($after: String) { members(first: 100, after: $after, filter: {includeLeft: true}) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }"""
SUPPORTERS = """{ communities(first: 100) { edges { node { supporters(first: 100) {
  totalCount edges { node { memberCode } } } } } } }"""


async def visible_members(client: GraphQLClient) -> tuple[int, set[str]]:
    codes: set[str] = set()
    after, total = None, 0
    while True:
        page = (await client.query(MEMBERS, {"after": after}))["members"]
        total = page["totalCount"]
        codes |= {edge["node"]["code"] for edge in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return total, codes
        after = page["pageInfo"]["endCursor"]


async def visible_supporters(client: GraphQLClient) -> tuple[int, set[str]]:
    data = await client.query(SUPPORTERS)
    total, codes = 0, set()
    for community in data["communities"]["edges"]:
        supporters = community["node"]["supporters"]
        total += supporters["totalCount"]
        codes |= {edge["node"]["memberCode"] for edge in supporters["edges"]}
    return total, codes


@pytest.mark.parametrize(
    "name", ["district", "auditor", "unit", "branch", "community", "grid", "grid worker",
             "member", "resident", "company", "building leader"],
)  # fmt: skip
async def test_role_matrix(hub: GraphQLClient, world: World, name: str) -> None:
    case = matrix(world)[name]
    client = hub.as_viewer(case.role, case.subject, **case.scope)
    assert await visible_members(client) == (len(case.members), case.members)
    assert await visible_supporters(client) == (len(case.supporters), case.supporters)


async def test_anonymous_sees_only_public_data(hub: GraphQLClient) -> None:
    anonymous = hub.anonymous()
    data = await anonymous.query(
        """{ serviceCategories(first: 1) { totalCount } communities(first: 1) { totalCount }
             members(first: 1) { totalCount } workUnits(first: 1) { totalCount }
             compounds(first: 1) { totalCount } alliances(first: 1) { totalCount }
             viewer { role } }"""
    )
    assert data["serviceCategories"]["totalCount"] == 27
    assert data["communities"]["totalCount"] > 0
    assert data["members"]["totalCount"] == 0
    assert data["workUnits"]["totalCount"] == 0
    assert data["compounds"]["totalCount"] == 0
    assert data["alliances"]["totalCount"] == 0
    assert data["viewer"]["role"] == "ANONYMOUS"


def _global_id(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


async def _ids(hub: GraphQLClient, member: str) -> dict[str, str]:
    data = await hub.query(
        "query($c: String!) { member(code: $c) { id unit { code } report { id } } }", {"c": member}
    )
    return {"member": data["member"]["id"], "report": data["member"]["report"]["id"],
            "unit": data["member"]["unit"]["code"]}  # fmt: skip


async def test_community_cannot_reach_members_reported_elsewhere(
    hub: GraphQLClient, world: World
) -> None:
    community = world.busiest_community()
    stranger = sorted(world.reported_to(world.other_community(community)))[0]
    ids = await _ids(hub, stranger)
    viewer = hub.as_viewer("community", community=community)
    data = await viewer.query(
        """query($code: String!, $member: ID!, $report: ID!, $unit: String!,
                 $reps: [_Any!]!, $other: String!) {
          member(code: $code) { code }
          node(id: $member) { id }
          report: node(id: $report) { id }
          nodes(ids: [$member, $report]) { id }
          _entities(representations: $reps) { ... on Member { code } }
          members(filter: {codes: [$code]}) { totalCount edges { node { code } } }
          workUnit(code: $unit) { members(filter: {codes: [$code]}) { totalCount } }
          community(code: $other) { supporters(first: 100) { totalCount } partnerUnits { totalCount } }
        }""",
        {"code": stranger, "member": ids["member"], "report": ids["report"], "unit": ids["unit"],
         "reps": [{"__typename": "Member", "code": stranger}],
         "other": world.other_community(community)},
    )  # fmt: skip
    assert data["member"] is None
    assert data["node"] is None
    assert data["report"] is None
    assert data["nodes"] == [None, None]
    assert data["_entities"] == [None]
    assert data["members"] == {"totalCount": 0, "edges": []}
    assert data["workUnit"]["members"]["totalCount"] == 0
    assert data["community"]["supporters"]["totalCount"] == 0
    assert data["community"]["partnerUnits"]["totalCount"] == 0


async def test_unit_cannot_reach_other_units_members(hub: GraphQLClient, world: World) -> None:
    unit = world.unit_with_reporters()
    stranger = sorted(set(world.active_report) - world.members_of_unit(unit))[0]
    ids = await _ids(hub, stranger)
    viewer = hub.as_viewer("unit_branch", unit=unit)
    data = await viewer.query(
        """query($code: String!, $member: ID!, $report: ID!, $unit: String!) {
          member(code: $code) { code }
          node(id: $member) { id }
          report: node(id: $report) { id }
          workUnit(code: $unit) { name members { totalCount } }
          members(filter: {unitCode: $unit}) { totalCount }
          communities(first: 100) { edges { node { supporters(filter: {memberCodes: [$code]}) {
            totalCount } } } }
        }""",
        {"code": stranger, "member": ids["member"], "report": ids["report"], "unit": ids["unit"]},
    )
    assert data["member"] is None
    assert data["node"] is None
    assert data["report"] is None
    assert data["workUnit"]["name"]  # organisations are not personal data
    assert data["workUnit"]["members"]["totalCount"] == 0
    assert data["members"]["totalCount"] == 0
    assert all(e["node"]["supporters"]["totalCount"] == 0 for e in data["communities"]["edges"])


async def test_unit_side_never_sees_home_buildings(hub: GraphQLClient, world: World) -> None:
    unit = world.unit_with_reporters()
    own = sorted(world.members_of_unit(unit) & set(world.active_report))
    viewer = hub.as_viewer("unit_branch", unit=unit)
    data = await viewer.query(
        """query($codes: [String!]) { members(first: 100, filter: {codes: $codes}) { edges {
             node { code report { reportedOn building { code } community { code } } } } } }""",
        {"codes": own},
    )
    edges = data["members"]["edges"]
    assert len(edges) == len(own)
    for edge in edges:
        report = edge["node"]["report"]
        assert report["building"] is None
        assert report["community"]["code"] == world.active_report[edge["node"]["code"]][0]


PHONE = """query($c: String!) { member(code: $c) { phone skills } }"""


async def test_phone_is_full_masked_or_hidden_by_role(hub: GraphQLClient, world: World) -> None:
    community = world.busiest_community()
    member = sorted(world.reported_to(community))[0]
    unit = world.member_unit[member]
    full = (await hub.as_viewer("member", member=member).query(PHONE, {"c": member}))["member"]
    assert full["phone"]
    assert "*" not in full["phone"]
    for role, scope in [("unit_branch", {"unit": unit}), ("community", {"community": community})]:
        seen = (await hub.as_viewer(role, **scope).query(PHONE, {"c": member}))["member"]
        assert seen["phone"] == full["phone"], role
    for role, scope in [("district", {"district": "D01"}), ("auditor", {})]:
        seen = (await hub.as_viewer(role, **scope).query(PHONE, {"c": member}))["member"]
        phone = full["phone"]
        assert seen["phone"] == f"{phone[:3]}****{phone[-4:]}", role


UPDATE_PRIVACY = """mutation($input: UpdatePrivacyPreferencesInput!) {
  updatePrivacyPreferences(input: $input) {
    preferences { sharePhoneWithCommunity shareSkillsWithCommunity }
    userErrors { code message field } clientMutationId } }"""


async def test_member_withholds_phone_and_skills_from_the_community(
    small_db: DatabasePair, world: World
) -> None:
    # Its own databases' clone would be cleaner; a fresh client and restoring the choice
    # afterwards keeps the shared seeded data as it was.
    community = world.busiest_community()
    async for hub in client_for(small_db):
        with_skill = await hub.query(
            """query($c: String!) { community(code: $c) { supporters(first: 100) {
                 edges { node { memberCode skills } } } } }""",
            {"c": community},
        )
        member, skill = next(
            (e["node"]["memberCode"], e["node"]["skills"][0])
            for e in with_skill["community"]["supporters"]["edges"]
            if e["node"]["skills"]
        )
        me = hub.as_viewer("member", member=member)
        committee = hub.as_viewer("community", community=community)
        try:
            result = await me.query(
                UPDATE_PRIVACY,
                {"input": {"sharePhoneWithCommunity": False, "shareSkillsWithCommunity": False,
                           "clientMutationId": "m-1"}},
            )  # fmt: skip
            payload = result["updatePrivacyPreferences"]
            assert payload["userErrors"] == []
            assert payload["clientMutationId"] == "m-1"
            assert payload["preferences"] == {
                "sharePhoneWithCommunity": False,
                "shareSkillsWithCommunity": False,
            }
            seen = await committee.query(
                """query($m: String!, $c: String!, $s: String!) {
                     member(code: $m) { code phone skills report { skills } }
                     community(code: $c) { supporters(first: 100, filter: {skill: $s}) {
                       edges { node { memberCode } } } } }""",
                {"m": member, "c": community, "s": skill},
            )
            assert seen["member"]["code"] == member  # still a supporter: reporting unaffected
            assert seen["member"]["phone"] is None
            assert seen["member"]["skills"] == []
            assert seen["member"]["report"]["skills"] == []
            matched = {e["node"]["memberCode"] for e in seen["community"]["supporters"]["edges"]}
            assert member not in matched
            # His unit still sees his phone: the choice is about the community only.
            unit = hub.as_viewer("unit_branch", unit=world.member_unit[member])
            assert (await unit.query(PHONE, {"c": member}))["member"]["phone"]
            access = await me.query("{ me { dataAccess { role typeName field access } } }")
            rows = {(r["role"], r["typeName"], r["field"]): r["access"]
                    for r in access["me"]["dataAccess"]}  # fmt: skip
            assert rows[("COMMUNITY", "Member", "phone")] == "HIDDEN"
            assert rows[("UNIT_BRANCH", "Member", "phone")] == "FULL"
            assert rows[("DISTRICT", "Member", "phone")] == "MASKED"
            assert rows[("UNIT_BRANCH", "Report", "building")] == "HIDDEN"
        finally:
            await me.query(
                UPDATE_PRIVACY,
                {"input": {"sharePhoneWithCommunity": True, "shareSkillsWithCommunity": True}},
            )


async def test_privacy_mutation_is_forbidden_to_other_roles(hub: GraphQLClient) -> None:
    for client in (hub, hub.anonymous(), hub.as_viewer("community", community="C001")):
        error = await client.error(UPDATE_PRIVACY, {"input": {"sharePhoneWithCommunity": False}})
        assert error["extensions"]["code"] == "FORBIDDEN"


async def test_empty_privacy_update_is_a_user_error(hub: GraphQLClient, world: World) -> None:
    member = sorted(world.active_report)[0]
    result = await hub.as_viewer("member", member=member).query(UPDATE_PRIVACY, {"input": {}})
    payload: dict[str, Any] = result["updatePrivacyPreferences"]
    assert payload["preferences"] is None
    assert payload["userErrors"][0]["code"] == "INVALID_INPUT"
    assert payload["userErrors"][0]["field"] == "input"
