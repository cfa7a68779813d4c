"""Donations (爱心捐赠) end to end, on both backends: a member, a paired unit and a resident
offer goods or money; the community accepts or declines with a reason; an accepted donation
is handed over to a household of the community (who, when, evidence) or passed on, exactly
once (also when two hand-overs race); the donor sees that and when it was handed over, not
to whom; the community's figures count them; every step is in the history."""

from __future__ import annotations

import asyncio
import base64
from datetime import datetime
from typing import Any

from datasources.common import CHINA
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.test_lists_workflow import _paired_units
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("donations")

ERRORS = "clientMutationId userErrors { code message field }"
DONATION = """id donorKind donorCode kind description quantity status offeredAt decidedAt
  declinedReason handedOverAt handedOverBy handoverNote passedTo passedReason
  recipient { id headName } history { fromState toState actorRole note }"""
OFFER = f"""mutation($input: OfferDonationInput!) {{
  offerDonation(input: $input) {{ {ERRORS} donation {{ {DONATION} }} }} }}"""
DECIDE = f"""mutation($input: DecideDonationInput!) {{
  decideDonation(input: $input) {{ {ERRORS} donation {{ {DONATION} }} }} }}"""
HAND = f"""mutation($input: HandOverDonationInput!) {{
  handOverDonation(input: $input) {{ {ERRORS} donation {{ {DONATION} }} }} }}"""
PASS = f"""mutation($input: PassOnDonationInput!) {{
  passOnDonation(input: $input) {{ {ERRORS} donation {{ {DONATION} }} }} }}"""
MINE = """{ myDonations(first: 100) { totalCount edges { node { id status handedOverAt
  recipient { id } } } } }"""
OF_COMMUNITY = """query($c: String!) { community(code: $c) { donations(first: 100) {
  edges { node { id } } } } }"""
FIGURES = """query($c: String!, $y: Int!) { community(code: $c) { donationFigures(year: $y) {
  total offered accepted declined handedOver passedOn goodsPieces moneyYuan } } }"""


def _gid(type_name: str, row: int) -> str:
    return base64.b64encode(f"{type_name}:{row}".encode()).decode()


async def _household(pair: DatabasePair, community: str) -> str:
    row = await count(pair, "SELECT min(h.id) FROM households h JOIN communities c ON "
                      "c.id = h.community_id WHERE c.code = :c AND h.retired_on IS NULL",
                      c=community)  # fmt: skip
    return _gid("Household", row)


async def _offer(client: GraphQLClient, **more: Any) -> dict[str, Any]:
    given = {"communityCode": "C001", "kind": "GOODS", "description": "冬衣10件",
             "quantity": 10, **more}  # fmt: skip
    payload: dict[str, Any] = (await client.query(OFFER, {"input": given}))["offerDonation"]
    return payload


async def _accepted(client: GraphQLClient, committee: GraphQLClient) -> str:
    offered = await _offer(client)
    assert offered["userErrors"] == [], offered
    donation = offered["donation"]["id"]
    done = (await committee.query(DECIDE, {"input": {"donationId": donation,
                                                     "accept": True}}))["decideDonation"]  # fmt: skip
    assert done["donation"]["status"] == "ACCEPTED", done
    return str(donation)


def _code(payload: dict[str, Any]) -> tuple[str, str | None]:
    error = payload["userErrors"][0]
    assert error["message"]
    return error["code"], error["field"]


async def _ids(client: GraphQLClient, community: str = "C001") -> set[str]:
    data = await client.query(OF_COMMUNITY, {"c": community})
    return {e["node"]["id"] for e in data["community"]["donations"]["edges"]}


async def test_donations_are_offered_decided_handed_over_and_passed_on(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C001")
    member, other = await supporters(hub, "C001", 2)
    [stranger] = await supporters(hub, "C002", 1)
    me = hub.as_viewer("member", member=member)
    resident = hub.as_viewer("resident", community="C001")
    year = datetime.now(CHINA).year
    before = (await hub.query(FIGURES, {"c": "C001", "y": year}))["community"]["donationFigures"]

    # Offered by a member (once per key), a resident, a paired unit; refusals of the rules.
    offered = await _offer(me, clientMutationId="d-1")
    assert offered["userErrors"] == [], offered
    gift = offered["donation"]
    assert (gift["donorKind"], gift["donorCode"], gift["status"]) == ("MEMBER", member, "OFFERED")
    assert gift["history"] == [{"fromState": None, "toState": "offered", "actorRole": "member",
                                "note": "冬衣10件"}]  # fmt: skip
    assert (await _offer(me, clientMutationId="d-1"))["donation"]["id"] == gift["id"]
    money = await _offer(resident, kind="MONEY", description="助学捐款", quantity=500)
    assert (money["donation"]["donorKind"], money["donation"]["donorCode"]) == ("RESIDENT", None)
    assert _code(await _offer(me, description=" ")) == ("INVALID_INPUT", "input.description")
    assert _code(await _offer(hub.as_viewer("member", member=stranger))) == (
        "NOT_REPORTED", "input.communityCode")  # fmt: skip
    assert _code(await _offer(me, communityCode="NOPE")) == ("NOT_FOUND", "input.communityCode")
    for denied in (hub.as_viewer("resident", community="C002"), committee):
        body = await denied.raw(OFFER, {"input": {"communityCode": "C001", "kind": "GOODS",
                                                  "description": "x", "quantity": 1}})  # fmt: skip
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    units = await _paired_units(hub, "C001")
    unit = hub.as_viewer("unit_branch", unit=units[0])
    by_unit = await _offer(unit, description="米面油20份", quantity=20)
    assert by_unit["userErrors"] == []

    # Read rules: the community all, each donor his own, nobody else.
    ids = {gift["id"], money["donation"]["id"], by_unit["donation"]["id"]}
    assert ids <= await _ids(committee)
    assert gift["id"] in await _ids(me)
    assert not ids - {gift["id"]} & await _ids(me)
    assert await _ids(resident) == {money["donation"]["id"]}
    assert await _ids(hub.as_viewer("member", member=other)) == set()
    assert await _ids(hub.as_viewer("community", community="C002")) == set()

    # Declined with a reason (required), once; the donor's own cannot decide.
    decline = {"donationId": money["donation"]["id"], "accept": False}
    assert _code((await committee.query(DECIDE, {"input": decline}))["decideDonation"]) == (
        "INVALID_INPUT", "input.reason")  # fmt: skip
    body = await me.raw(DECIDE, {"input": {**decline, "reason": "x"}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await hub.as_viewer("community", community="C002").raw(
        DECIDE, {"input": {**decline, "reason": "x"}})  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    declined = (await committee.query(DECIDE, {"input": {**decline, "reason": "暂不接收现金"}}))[
        "decideDonation"]["donation"]  # fmt: skip
    assert (declined["status"], declined["declinedReason"]) == ("DECLINED", "暂不接收现金")
    again = await committee.query(DECIDE, {"input": {**decline, "accept": True}})
    assert _code(again["decideDonation"])[0] == "INVALID_STATE"

    # Handed over to a household of the community, with who, when and evidence; once.
    accept = {"donationId": gift["id"], "accept": True}
    accepted = (await committee.query(DECIDE, {"input": accept}))["decideDonation"]["donation"]
    assert accepted["status"] == "ACCEPTED"
    household = await _household(workflow_db, "C001")
    hand = {"donationId": gift["id"], "householdId": household, "note": "户主王某签收，照片编号T-001",
            "handedOverBy": "网格员李明"}  # fmt: skip
    elsewhere = await _household(workflow_db, "C002")
    wrong = await committee.query(HAND, {"input": {**hand, "householdId": elsewhere}})
    assert _code(wrong["handOverDonation"]) == ("NOT_FOUND", "input.householdId")
    blank = (await committee.query(HAND, {"input": {**hand, "note": " "}}))["handOverDonation"]
    assert _code(blank) == ("INVALID_INPUT", "input.note")
    body = await me.raw(HAND, {"input": hand})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    handed = (await committee.query(HAND, {"input": hand}))["handOverDonation"]["donation"]
    assert (handed["status"], handed["handedOverBy"]) == ("HANDED_OVER", "网格员李明")
    assert handed["recipient"]["id"] == household
    assert handed["recipient"]["headName"]
    assert [e["toState"] for e in handed["history"]] == ["offered", "accepted", "handed_over"]
    assert _code((await committee.query(HAND, {"input": hand}))["handOverDonation"])[0] == (
        "INVALID_STATE")  # fmt: skip

    # The donor sees that and when, not to whom.
    mine = {e["node"]["id"]: e["node"] for e in (await me.query(MINE))["myDonations"]["edges"]}
    assert (mine[gift["id"]]["status"], mine[gift["id"]]["recipient"]) == ("HANDED_OVER", None)
    assert mine[gift["id"]]["handedOverAt"]
    assert all(node["recipient"] is None for node in mine.values())

    # Passed on with a reason, once; not after a hand-over.
    passing = {"donationId": by_unit["donation"]["id"], "passedTo": "石湾镇街道慈善会",
               "reason": "本社区暂无需要"}  # fmt: skip
    early = (await committee.query(PASS, {"input": passing}))["passOnDonation"]
    assert _code(early)[0] == "INVALID_STATE"  # not accepted yet
    await committee.query(DECIDE, {"input": {"donationId": by_unit["donation"]["id"],
                                             "accept": True}})  # fmt: skip
    passed = (await committee.query(PASS, {"input": passing}))["passOnDonation"]["donation"]
    assert (passed["status"], passed["passedTo"]) == ("PASSED_ON", "石湾镇街道慈善会")
    assert _code((await committee.query(PASS, {"input": {**passing, "donationId": gift["id"]}}))[
        "passOnDonation"])[0] == "INVALID_STATE"  # fmt: skip

    # Figures of the year: counted by state, pieces and yuan accepted.
    after = (await hub.query(FIGURES, {"c": "C001", "y": year}))["community"]["donationFigures"]
    assert after["total"] == before["total"] + 3
    assert (after["declined"], after["handedOver"], after["passedOn"]) == (
        before["declined"] + 1, before["handedOver"] + 1, before["passedOn"] + 1)  # fmt: skip
    assert (after["goodsPieces"], after["moneyYuan"]) == (
        before["goodsPieces"] + 30, before["moneyYuan"])  # fmt: skip
    assert await count(workflow_db, "SELECT count(*) FROM donations WHERE id IN "
                       "(SELECT entity_id FROM state_events WHERE entity_type = 'Donation' "
                       "AND to_state = 'handed_over' AND note = :n)", n=hand["note"]) == 1  # fmt: skip


async def test_two_hand_overs_of_one_donation(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Two hand-overs (or a hand-over and a passing-on) of one donation at once: exactly
    one wins, the other gets INVALID_STATE."""
    committee = hub.as_viewer("community", community="C001")
    again = hub.as_viewer("community", community="C001")  # another request of the office
    [member] = await supporters(hub, "C001", 1)
    donor = hub.as_viewer("member", member=member)
    household = await _household(workflow_db, "C001")
    won_ids = []
    for round_ in range(3):
        donation = await _accepted(donor, committee)
        results = await asyncio.gather(*(
            client.query(HAND, {"input": {"donationId": donation, "householdId": household,
                                          "note": f"交接{round_}-{n}"}})
            for n, client in enumerate((committee, again))
        ))  # fmt: skip
        payloads = [r["handOverDonation"] for r in results]
        won = [p for p in payloads if p["donation"] is not None]
        lost = [p for p in payloads if p["donation"] is None]
        assert len(won) == 1, payloads
        assert len(lost) == 1, payloads
        assert lost[0]["userErrors"][0]["code"] == "INVALID_STATE"
        won_ids.append(won[0]["donation"]["id"])
    for donation in won_ids:
        row = int(base64.b64decode(donation).decode().split(":")[1])
        assert await count(workflow_db, "SELECT count(*) FROM state_events WHERE entity_type "
                           "= 'Donation' AND to_state = 'handed_over' AND entity_id = :d",
                           d=row) == 1  # fmt: skip
