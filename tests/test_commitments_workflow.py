"""Public commitments (亮身份、亮承诺、践诺) end to end, on both backends: a reported member
publishes his commitments, his community and his unit branch see them, residents only where
he agreed; at year end the community assesses each one with evidence; kept ones count in
his performance and show on his timeline; every step is in the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.common import CHINA
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("commitments")

CATEGORY = "chancheng.epidemic"
ERRORS = "clientMutationId userErrors { code message field }"
FIELDS = """id memberCode unitCode year content publicConsent status evidence assessedAt
  assessedBySubject community { code } category { code } member { code }
  history { fromState toState actorRole note }"""
PUBLISH = f"""mutation($input: PublishCommitmentInput!) {{
  publishCommitment(input: $input) {{ {ERRORS} commitment {{ {FIELDS} }} }} }}"""
ASSESS = f"""mutation($input: AssessCommitmentInput!) {{
  assessCommitment(input: $input) {{ {ERRORS} commitment {{ {FIELDS} }} }} }}"""
CONSENT = f"""mutation($input: SetCommitmentConsentInput!) {{
  setCommitmentConsent(input: $input) {{ {ERRORS} commitment {{ id publicConsent }} }} }}"""
WITHDRAW = f"""mutation($input: WithdrawCommitmentInput!) {{
  withdrawCommitment(input: $input) {{ {ERRORS} commitment {{ id status }} }} }}"""
LIST = """query($f: CommitmentFilter) { commitments(first: 100, filter: $f) {
  totalCount edges { node { id memberCode status } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on MemberCommitment { id status } } }"
PERFORMANCE = """query($m: String!, $y: Int!) { member(code: $m) { performance(year: $y) {
  commitments { count partlyKept notKept pending total recordIds } } } }"""
TIMELINE = """query($m: String!) { member(code: $m) { timeline(first: 50,
  filter: {kinds: [COMMITMENT]}) { edges { node { kind status title recordId } } } } }"""

THIS_YEAR = datetime.now(CHINA).year


async def _publish(client: GraphQLClient, **more: Any) -> dict[str, Any]:
    given = {"year": THIS_YEAR, "categoryCode": CATEGORY,
             "content": "每月参加一次小区防疫志愿服务", **more}  # fmt: skip
    payload: dict[str, Any] = (await client.query(PUBLISH, {"input": given}))["publishCommitment"]
    return payload


async def _assess(client: GraphQLClient, row_id: str, **more: Any) -> dict[str, Any]:
    given = {"commitmentId": row_id, "outcome": "KEPT",
             "evidence": "全年参加防疫志愿服务12次，社区核实", **more}  # fmt: skip
    payload: dict[str, Any] = (await client.query(ASSESS, {"input": given}))["assessCommitment"]
    return payload


async def _ids(client: GraphQLClient, **filters: Any) -> set[str]:
    data = await client.query(LIST, {"f": filters or None})
    return {e["node"]["id"] for e in data["commitments"]["edges"]}


async def _unit_of(hub: GraphQLClient, code: str) -> tuple[str, str]:
    data = await hub.query(
        "query($m: String!) { member(code: $m) { unit { code } branch { code } } }", {"m": code}
    )
    return data["member"]["unit"]["code"], data["member"]["branch"]["code"]


async def _as_last_year(pair: DatabasePair, row_id: str, hub: GraphQLClient) -> None:
    """Make a commitment published this year one of last year (past the API), so its
    year-end assessment is open whatever today's month: the window is the rule under test
    elsewhere."""
    data = await hub.query(
        "query($id: ID!) { node(id: $id) { ... on MemberCommitment { content memberCode } } }",
        {"id": row_id},
    )
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE member_commitments SET year = :y WHERE member_code = :m"
                     " AND content = :c"),
                {"y": THIS_YEAR - 1, "m": data["node"]["memberCode"], "c": data["node"]["content"]},
            )  # fmt: skip
    finally:
        await engine.dispose()


async def test_member_publishes_community_assesses_and_it_counts(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [code] = await supporters(hub, "C001", 1)
    unit, branch = await _unit_of(hub, code)
    me = hub.as_viewer("member", member=code)
    published = await _publish(me, publicConsent=True, clientMutationId="c-1")
    assert published["userErrors"] == []
    row = published["commitment"]
    assert (row["memberCode"], row["unitCode"], row["year"], row["status"]) == (
        code, unit, THIS_YEAR, "PUBLISHED"
    )  # fmt: skip
    assert (row["community"], row["category"]) == ({"code": "C001"}, {"code": CATEGORY})
    assert row["history"] == [{"fromState": None, "toState": "published",
                               "actorRole": "member", "note": "每月参加一次小区防疫志愿服务"}]  # fmt: skip
    # A retry with the same clientMutationId returns the first; the same text again is a
    # duplicate; a second, different commitment is fine (one or more a year).
    again = await _publish(me, publicConsent=True, clientMutationId="c-1")
    assert again["commitment"]["id"] == row["id"]
    assert (await _publish(me))["userErrors"][0]["code"] == "DUPLICATE"
    private = await _publish(me, content="结对帮扶一户独居老人")
    assert private["userErrors"] == []
    hidden = private["commitment"]
    assert hidden["publicConsent"] is False

    # The community and his unit branch see both; a resident only the one he agreed to
    # show; another community, another member and an anonymous caller none.
    committee = hub.as_viewer("community", community="C001")
    assert {row["id"], hidden["id"]} <= await _ids(committee, memberCode=code)
    assert {row["id"], hidden["id"]} <= await _ids(
        hub.as_viewer("unit_branch", unit=unit, branch=branch), memberCode=code
    )
    resident = hub.as_viewer("resident", community="C001")
    seen = await _ids(resident, memberCode=code)
    assert row["id"] in seen
    assert hidden["id"] not in seen
    assert await _ids(hub.as_viewer("resident", community="C002"), memberCode=code) == set()
    assert await _ids(hub.as_viewer("community", community="C002"), memberCode=code) == set()
    [other] = await supporters(hub, "C001", 1)
    assert await _ids(hub.as_viewer("member", member=other), memberCode=code) == set()
    assert (await hub.anonymous().raw(NODE, {"id": row["id"]})).get("data", {}) in (
        {"node": None}, None
    )  # fmt: skip

    # He withdraws consent: residents no longer see it; the step is in the history.
    withdrawn_consent = (await me.query(CONSENT, {"input": {
        "commitmentId": row["id"], "publicConsent": False}}))["setCommitmentConsent"]  # fmt: skip
    assert withdrawn_consent["commitment"] == {"id": row["id"], "publicConsent": False}
    assert row["id"] not in await _ids(resident, memberCode=code)
    await me.query(CONSENT, {"input": {"commitmentId": row["id"], "publicConsent": True}})

    # This year's commitments are assessed from 1 December of the year; next year's not yet.
    next_year = await _publish(me, year=THIS_YEAR + 1, content="为小区老人理发")
    early = await _assess(committee, next_year["commitment"]["id"])
    assert early["userErrors"][0]["code"] == "OUTSIDE_WINDOW"
    assert (await _publish(me, year=THIS_YEAR - 1))["userErrors"][0]["field"] == "input.year"

    await _as_last_year(workflow_db, row["id"], hub)
    year = THIS_YEAR - 1
    before = (await hub.query(PERFORMANCE, {"m": code, "y": year}))["member"]["performance"]
    assert before["commitments"]["pending"] >= 1
    # Only the community assesses (his branch reads): a unit branch is FORBIDDEN, another
    # community's secretary too; blank evidence is refused.
    forbidden = await hub.as_viewer("unit_branch", unit=unit).raw(
        ASSESS, {"input": {"commitmentId": row["id"], "outcome": "KEPT", "evidence": "好"}}
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    elsewhere = await hub.as_viewer("community", community="C002").raw(
        ASSESS, {"input": {"commitmentId": row["id"], "outcome": "KEPT", "evidence": "好"}}
    )
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await _assess(committee, row["id"], evidence="  "))["userErrors"][0]["code"] == (
        "INVALID_INPUT"
    )
    kept = await _assess(committee, row["id"])
    assert kept["userErrors"] == []
    done = kept["commitment"]
    assert (done["status"], done["evidence"]) == ("KEPT", "全年参加防疫志愿服务12次，社区核实")
    assert done["assessedBySubject"] == "test-community"
    assert [(e["fromState"], e["toState"], e["actorRole"]) for e in done["history"]] == [
        (None, "published", "member"),
        ("published", "published", "member"),
        ("published", "published", "member"),
        ("published", "kept", "community"),
    ]
    assert (await _assess(committee, row["id"]))["userErrors"][0]["code"] == "INVALID_STATE"
    # Nor can he withdraw it now; his other one he can, and it stays (no hard delete).
    refused = await me.query(WITHDRAW, {"input": {"commitmentId": row["id"]}})
    assert refused["withdrawCommitment"]["userErrors"][0]["code"] == "INVALID_STATE"
    gone = await me.query(WITHDRAW, {"input": {"commitmentId": hidden["id"], "reason": "搬家"}})
    assert gone["withdrawCommitment"]["commitment"] == {"id": hidden["id"], "status": "WITHDRAWN"}
    assert await count(workflow_db, "SELECT count(*) FROM member_commitments WHERE member_code"
                       " = :m", m=code) == 3  # fmt: skip

    # Kept: it counts in his performance of that year, for the branch as for the district.
    after = (await hub.query(PERFORMANCE, {"m": code, "y": year}))["member"]["performance"]
    figure = after["commitments"]
    assert figure["count"] == before["commitments"]["count"] + 1
    assert figure["pending"] == before["commitments"]["pending"] - 1
    assert row["id"] in figure["recordIds"]
    branch_view = await hub.as_viewer("unit_branch", unit=unit, branch=branch).query(
        PERFORMANCE, {"m": code, "y": year}
    )
    assert branch_view["member"]["performance"]["commitments"]["count"] == figure["count"]
    # And on his timeline, with its assessment; the withdrawn one is not.
    entries = (await me.query(TIMELINE, {"m": code}))["member"]["timeline"]["edges"]
    by_record = {e["node"]["recordId"]: e["node"] for e in entries}
    assert by_record[row["id"]]["status"] == "kept"
    assert hidden["id"] not in by_record


async def test_publishing_needs_a_report_and_valid_input(hub: GraphQLClient) -> None:
    [code] = await supporters(hub, "C002", 1)
    me = hub.as_viewer("member", member=code)
    cases = [
        ({"content": "  "}, "INVALID_INPUT", "input.content"),
        ({"content": "长" * 501}, "INVALID_INPUT", "input.content"),
        ({"categoryCode": "no.such.category"}, "NOT_FOUND", "input.categoryCode"),
        ({"year": THIS_YEAR + 2}, "INVALID_INPUT", "input.year"),
    ]
    for given, code_, field in cases:
        error = (await _publish(me, **given))["userErrors"][0]
        assert (error["code"], error["field"]) == (code_, field), given
        assert error["message"]  # Chinese, for the user
    # A member code never reported anywhere.
    nobody = await _publish(hub.as_viewer("member", member="M999998"))
    assert nobody["userErrors"][0]["code"] == "NOT_REPORTED"
    # At most ten a year in force.
    for n in range(10):
        assert (await _publish(me, content=f"承诺第{n}项"))["userErrors"] == []
    assert (await _publish(me, content="第十一项"))["userErrors"][0]["code"] == "FULL"
    # Other roles may not publish.
    denied = await hub.as_viewer("community", community="C002").raw(
        PUBLISH, {"input": {"year": THIS_YEAR, "categoryCode": CATEGORY, "content": "x"}}
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
