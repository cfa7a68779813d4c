"""Commendations (表彰) end to end, on both backends: the community commends its supporters,
households and units, the district its own; each shows on the member's record (timeline,
`performance.commendations`) without touching his appraisal ceiling; revoked with a reason,
never deleted; every step is in the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from datasources.common import CHINA
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("commendations")

ERRORS = "clientMutationId userErrors { code message field }"
FIELDS = """id title level honoreeKind honoreeCode year month reason status revokedReason
  awardedBySubject community { code } history { fromState toState actorRole note }"""
AWARD = f"""mutation($input: AwardCommendationInput!) {{
  awardCommendation(input: $input) {{ {ERRORS} commendation {{ {FIELDS} }} }} }}"""
REVOKE = f"""mutation($input: RevokeCommendationInput!) {{
  revokeCommendation(input: $input) {{ {ERRORS} commendation {{ {FIELDS} }} }} }}"""
LIST = """query($f: CommendationFilter) { commendations(first: 100, filter: $f) {
  totalCount edges { node { id honoreeCode status } } } }"""
PERFORMANCE = """query($m: String!, $y: Int!) { member(code: $m) { performance(year: $y) {
  appraisalCeiling commendations { count community district recordIds } } } }"""
TIMELINE = """query($m: String!) { member(code: $m) { timeline(first: 50,
  filter: {kinds: [COMMENDATION]}) { edges { node { kind status title recordId } } } } }"""
YEAR = datetime.now(CHINA).year


async def _award(client: GraphQLClient, **more: Any) -> dict[str, Any]:
    given = {"title": "MONTHLY_STAR", "honoreeKind": "MEMBER", "year": YEAR, "month": 11,
             "reason": "带头参加小区防疫志愿服务", **more}  # fmt: skip
    payload: dict[str, Any] = (await client.query(AWARD, {"input": given}))["awardCommendation"]
    return payload


async def _ids(client: GraphQLClient, **filters: Any) -> set[str]:
    data = await client.query(LIST, {"f": filters or None})
    return {e["node"]["id"] for e in data["commendations"]["edges"]}


async def test_community_and_district_commend_revoke_and_it_shows(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [code] = await supporters(hub, "C001", 1)
    committee = hub.as_viewer("community", community="C001")
    before = (await hub.query(PERFORMANCE, {"m": code, "y": YEAR}))["member"]["performance"]
    star = await _award(committee, honoreeCode=code, clientMutationId="star-1")
    assert star["userErrors"] == []
    row = star["commendation"]
    assert (row["title"], row["level"], row["honoreeCode"], row["month"], row["status"]) == (
        "MONTHLY_STAR", "COMMUNITY", code, 11, "ACTIVE"
    )  # fmt: skip
    assert row["community"] == {"code": "C001"}
    assert row["awardedBySubject"] == "test-community"
    assert row["history"] == [{"fromState": None, "toState": "active", "actorRole": "community",
                               "note": "每月之星：带头参加小区防疫志愿服务"}]  # fmt: skip
    again = await _award(committee, honoreeCode=code, clientMutationId="star-1")
    assert again["commendation"]["id"] == row["id"]
    assert (await _award(committee, honoreeCode=code))["userErrors"][0]["code"] == "DUPLICATE"
    # The district commends him too (区级表彰, no month for an annual title).
    district = await _award(hub, honoreeCode=code, title="MODEL_MEMBER", month=None,
                            reason="最美下沉党员")  # fmt: skip
    assert district["userErrors"] == []
    assert district["commendation"]["level"] == "DISTRICT"
    # A household and a unit (the community's own names).
    family = await _award(committee, honoreeKind="HOUSEHOLD", honoreeCode="3栋2单元501 王家",
                          title="MODEL_FAMILY", month=None, reason="最美家庭")  # fmt: skip
    assert family["userErrors"] == []

    # Shown on his record: performance (by level) and the timeline; the ceiling unchanged.
    after = (await hub.query(PERFORMANCE, {"m": code, "y": YEAR}))["member"]["performance"]
    figure = after["commendations"]
    assert (figure["count"], figure["community"], figure["district"]) == (
        before["commendations"]["count"] + 2, before["commendations"]["community"] + 1,
        before["commendations"]["district"] + 1,
    )  # fmt: skip
    assert row["id"] in figure["recordIds"]
    assert after["appraisalCeiling"] == before["appraisalCeiling"]
    me = hub.as_viewer("member", member=code)
    entries = (await me.query(TIMELINE, {"m": code}))["member"]["timeline"]["edges"]
    statuses = {e["node"]["recordId"]: e["node"]["status"] for e in entries}
    assert statuses[row["id"]] == "monthly_star"

    # Public honours: any signed-in role reads those in force; the awarder's subject only
    # the awarder, the district and the auditor.
    for viewer in (me, hub.as_viewer("resident", community="C002"),
                   hub.as_viewer("community", community="C002")):  # fmt: skip
        assert row["id"] in await _ids(viewer, honoreeCode=code)
    assert (await hub.anonymous().raw(LIST, {"f": None})).get("data") in (None, {
        "commendations": {"totalCount": 0, "edges": []}})  # fmt: skip

    # Revoked only by whoever awarded it, with a reason; it stays, and leaves his record.
    other = await hub.as_viewer("community", community="C002").raw(
        REVOKE, {"input": {"commendationId": row["id"], "reason": "误评"}}
    )
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    by_district = await hub.raw(REVOKE, {"input": {"commendationId": row["id"], "reason": "误"}})
    assert by_district["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    blank = (await committee.query(REVOKE, {"input": {"commendationId": row["id"],
                                                      "reason": " "}}))["revokeCommendation"]  # fmt: skip
    assert blank["userErrors"][0]["code"] == "INVALID_INPUT"
    revoked = (await committee.query(REVOKE, {"input": {"commendationId": row["id"],
                                                        "reason": "事迹不实"}}))["revokeCommendation"]  # fmt: skip
    assert revoked["userErrors"] == []
    assert (revoked["commendation"]["status"], revoked["commendation"]["revokedReason"]) == (
        "REVOKED", "事迹不实"
    )  # fmt: skip
    assert [e["toState"] for e in revoked["commendation"]["history"]] == ["active", "revoked"]
    twice = (await committee.query(REVOKE, {"input": {"commendationId": row["id"],
                                                      "reason": "再撤"}}))["revokeCommendation"]  # fmt: skip
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert row["id"] in await _ids(committee, honoreeCode=code)  # its community still sees it
    assert row["id"] not in await _ids(me, honoreeCode=code)
    assert row["id"] not in await _ids(hub.as_viewer("community", community="C002"))
    final = (await hub.query(PERFORMANCE, {"m": code, "y": YEAR}))["member"]["performance"]
    assert final["commendations"]["count"] == figure["count"] - 1
    assert await count(workflow_db, "SELECT count(*) FROM commendations WHERE honoree_code = :m",
                       m=code) == 2  # fmt: skip


async def test_award_rules(hub: GraphQLClient) -> None:
    [code] = await supporters(hub, "C002", 1)
    committee = hub.as_viewer("community", community="C001")
    cases = [
        ({"honoreeCode": code}, "NOT_REPORTED", "input.honoreeCode"),  # not C001's supporter
        ({"honoreeCode": "M999998"}, "NOT_FOUND", "input.honoreeCode"),
        ({"honoreeCode": "U9999", "honoreeKind": "UNIT"}, "NOT_FOUND", "input.honoreeCode"),
        ({"honoreeCode": code, "month": None}, "INVALID_INPUT", "input.month"),
        ({"honoreeCode": code, "title": "ANNUAL"}, "INVALID_INPUT", "input.month"),
        ({"honoreeCode": code, "year": YEAR + 1}, "INVALID_INPUT", "input.year"),
        ({"honoreeCode": code, "reason": "  "}, "INVALID_INPUT", "input.reason"),
    ]
    for given, code_, field in cases:
        error = (await _award(committee, **given))["userErrors"][0]
        assert (error["code"], error["field"]) == (code_, field), given
        assert error["message"]
    denied = await hub.as_viewer("member", member=code).raw(
        AWARD,
        {
            "input": {
                "title": "ANNUAL",
                "honoreeKind": "MEMBER",
                "honoreeCode": code,
                "year": YEAR,
                "reason": "x",
            }
        },
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A community commends in its own name only.
    foreign = await committee.raw(AWARD, {"input": {
        "title": "ANNUAL", "honoreeKind": "HOUSEHOLD", "honoreeCode": "王家", "year": YEAR,
        "reason": "x", "communityCode": "C002"}})  # fmt: skip
    assert foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"
