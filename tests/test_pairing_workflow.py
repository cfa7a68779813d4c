"""Unit pairing (结对共建) end to end: either side starts it, either side ends it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL

PAIR = """mutation($input: PairUnitInput!) { pairUnit(input: $input) {
  clientMutationId userErrors { code message field }
  pairing { id status unit { code } community { code } history { fromState toState actorRole } } } }"""
END = """mutation($input: EndPairingInput!) { endPairing(input: $input) {
  userErrors { code message field }
  pairing { status endedOn history { fromState toState actorRole note } } } }"""


@pytest.fixture(scope="module", params=BACKENDS)
def pairing_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "pairing") as pair:
        yield pair


@pytest.fixture
async def hub(pairing_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(pairing_db):
        yield client


async def _unpaired(hub: GraphQLClient, community: str) -> str:
    """A unit with no active pairing with `community`."""
    data = await hub.query(
        """{ workUnits(first: 100) { edges { node { code pairedCommunities(first: 10) {
             edges { node { community { code } } } } } } } }"""
    )
    for edge in data["workUnits"]["edges"]:
        paired = {
            p["node"]["community"]["code"] for p in edge["node"]["pairedCommunities"]["edges"]
        }
        if community not in paired:
            return str(edge["node"]["code"])
    raise AssertionError("every unit is paired with " + community)


async def test_community_pairs_and_unit_ends(hub: GraphQLClient) -> None:
    unit = await _unpaired(hub, "C003")
    committee = hub.as_viewer("community", community="C003")
    made = (await committee.query(
        PAIR, {"input": {"unitCode": unit, "communityCode": "C003", "clientMutationId": "k1"}}
    ))["pairUnit"]  # fmt: skip
    assert made["userErrors"] == []
    pairing = made["pairing"]
    assert (pairing["status"], pairing["unit"]["code"]) == ("ACTIVE", unit)
    assert pairing["history"] == [
        {"fromState": None, "toState": "active", "actorRole": "community"}
    ]
    retry = (await committee.query(
        PAIR, {"input": {"unitCode": unit, "communityCode": "C003", "clientMutationId": "k1"}}
    ))["pairUnit"]  # fmt: skip
    assert retry["pairing"]["id"] == pairing["id"]
    twice = await committee.query(PAIR, {"input": {"unitCode": unit, "communityCode": "C003"}})
    assert twice["pairUnit"]["userErrors"][0]["code"] == "DUPLICATE"

    the_unit = hub.as_viewer("unit_branch", unit=unit)
    seen = await the_unit.query(
        "query($u: String!) { workUnit(code: $u) { pairedCommunities { edges { node { id } } } } }",
        {"u": unit},
    )
    assert pairing["id"] in [
        e["node"]["id"] for e in seen["workUnit"]["pairedCommunities"]["edges"]
    ]
    ended = (await the_unit.query(
        END, {"input": {"pairingId": pairing["id"], "reason": "单位搬迁"}}
    ))["endPairing"]  # fmt: skip
    assert ended["userErrors"] == []
    assert ended["pairing"]["status"] == "ENDED"
    assert ended["pairing"]["endedOn"]
    assert ended["pairing"]["history"][-1] == {
        "fromState": "active",
        "toState": "ended",
        "actorRole": "unit_branch",
        "note": "单位搬迁",
    }
    again = await committee.query(END, {"input": {"pairingId": pairing["id"], "reason": "x"}})
    assert again["endPairing"]["userErrors"][0]["code"] == "INVALID_STATE"
    # Ended, so the pair may start again.
    renewed = await the_unit.query(PAIR, {"input": {"unitCode": unit, "communityCode": "C003"}})
    assert renewed["pairUnit"]["userErrors"] == []


async def test_only_the_two_sides_may_act(hub: GraphQLClient) -> None:
    unit = await _unpaired(hub, "C002")
    made = (await hub.as_viewer("unit_branch", unit=unit).query(
        PAIR, {"input": {"unitCode": unit, "communityCode": "C002"}}
    ))["pairUnit"]["pairing"]  # fmt: skip
    for role, scope in [("community", {"community": "C001"}), ("member", {"member": "M000001"}),
                        ("district", {"district": "D01"})]:  # fmt: skip
        viewer = hub.as_viewer(role, **scope)
        error = await viewer.error(END, {"input": {"pairingId": made["id"], "reason": "x"}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await viewer.error(PAIR, {"input": {"unitCode": unit, "communityCode": "C002"}})
        assert error["extensions"]["code"] == "FORBIDDEN", role


async def test_unknown_parties_and_missing_reason_are_user_errors(hub: GraphQLClient) -> None:
    committee = hub.as_viewer("community", community="C001")
    unknown = await committee.query(PAIR, {"input": {"unitCode": "U9999", "communityCode": "C001"}})
    assert unknown["pairUnit"]["userErrors"][0]["field"] == "input.unitCode"
    unit = await _unpaired(hub, "C001")
    made = await committee.query(PAIR, {"input": {"unitCode": unit, "communityCode": "C001"}})
    no_reason = await committee.query(
        END, {"input": {"pairingId": made["pairUnit"]["pairing"]["id"], "reason": "  "}}
    )
    assert no_reason["endPairing"]["userErrors"][0]["code"] == "INVALID_INPUT"
