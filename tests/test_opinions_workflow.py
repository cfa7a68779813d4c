"""Opinion requests (征求社区意见) end to end: a unit asks the community of its member's
active report, the community committee answers once, each step is in the history, and only
the asking unit, the asked community, the district and the auditor see the request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("opinions")

ERRORS = "clientMutationId userErrors { code message field }"
FIELDS = """id memberCode unitCode purpose status opinion answer askedAt answeredAt
  askedBySubject answeredBySubject community { code } member { code } unit { code }
  history { fromState toState actorRole note }"""
REQUEST = f"""mutation($input: RequestCommunityOpinionInput!) {{
  requestCommunityOpinion(input: $input) {{ {ERRORS} opinionRequest {{ {FIELDS} }} }} }}"""
ANSWER = f"""mutation($input: AnswerOpinionRequestInput!) {{
  answerOpinionRequest(input: $input) {{ {ERRORS} opinionRequest {{ {FIELDS} }} }} }}"""
LIST = """query($f: OpinionRequestFilter) { opinionRequests(first: 100, filter: $f) {
  totalCount edges { node { id memberCode status } } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on OpinionRequest { id status } } }"


async def _unit_of(hub: GraphQLClient, code: str) -> tuple[str, str]:
    data = await hub.query(
        "query($m: String!) { member(code: $m) { unit { code } branch { code } } }", {"m": code}
    )
    return data["member"]["unit"]["code"], data["member"]["branch"]["code"]


async def _request(client: GraphQLClient, code: str, **more: Any) -> dict[str, Any]:
    given = {"memberCode": code, "purpose": "拟提拔为副科长", **more}
    payload: dict[str, Any] = (await client.query(REQUEST, {"input": given}))[
        "requestCommunityOpinion"
    ]
    return payload


async def _answer(client: GraphQLClient, request_id: str, **more: Any) -> dict[str, Any]:
    given = {"requestId": request_id, "opinion": "FAVOURABLE",
             "answer": "按时报到，积极参加社区服务，群众评价好", **more}  # fmt: skip
    payload: dict[str, Any] = (await client.query(ANSWER, {"input": given}))["answerOpinionRequest"]
    return payload


async def _ids(client: GraphQLClient, **filters: Any) -> set[str]:
    data = await client.query(LIST, {"f": filters or None})
    return {e["node"]["id"] for e in data["opinionRequests"]["edges"]}


async def test_unit_asks_community_answers_with_history(hub: GraphQLClient) -> None:
    [code] = await supporters(hub, "C001", 1)
    unit, branch = await _unit_of(hub, code)
    asker = hub.as_viewer("unit_branch", unit=unit, branch=branch)
    asked = await _request(asker, code, clientMutationId="ask-1")
    assert asked["userErrors"] == []
    row = asked["opinionRequest"]
    assert (row["memberCode"], row["unitCode"], row["status"]) == (code, unit, "PENDING")
    assert row["community"] == {"code": "C001"}
    assert (row["opinion"], row["answer"], row["answeredAt"]) == (None, None, None)
    assert row["askedBySubject"] == "test-unit_branch"
    assert row["history"] == [{"fromState": None, "toState": "pending",
                               "actorRole": "unit_branch", "note": "拟提拔为副科长"}]  # fmt: skip
    again = await _request(asker, code, clientMutationId="ask-1")
    assert again["opinionRequest"]["id"] == row["id"]
    twice = await _request(asker, code)
    assert twice["userErrors"][0]["code"] == "DUPLICATE"

    committee = hub.as_viewer("community", community="C001")
    assert row["id"] in await _ids(committee, statuses=["PENDING"])
    assert row["id"] not in await _ids(hub.as_viewer("community", community="C002"))
    seen = (await committee.query(NODE, {"id": row["id"]}))["node"]
    assert seen == {"id": row["id"], "status": "PENDING"}

    answered = await _answer(committee, row["id"], opinion="RESERVED",
                             answer="报到后参加活动次数偏少")  # fmt: skip
    assert answered["userErrors"] == []
    done = answered["opinionRequest"]
    assert (done["status"], done["opinion"], done["answer"]) == (
        "ANSWERED", "RESERVED", "报到后参加活动次数偏少"
    )  # fmt: skip
    assert done["answeredBySubject"] == "test-community"
    assert done["askedBySubject"] is None  # the unit's subject, not the community's to see
    assert [(e["fromState"], e["toState"], e["actorRole"], e["note"]) for e in done["history"]] == [
        (None, "pending", "unit_branch", "拟提拔为副科长"),
        ("pending", "answered", "community", "有保留意见"),
    ]
    again_answered = await _answer(committee, row["id"])
    assert again_answered["userErrors"][0]["code"] == "INVALID_STATE"

    # The unit reads the answer (any branch viewer of the unit); a new request is allowed.
    mine = (await asker.query(
        f"query($id: ID!) {{ node(id: $id) {{ ... on OpinionRequest {{ {FIELDS} }} }} }}",
        {"id": row["id"]},
    ))["node"]  # fmt: skip
    assert (mine["opinion"], mine["answeredBySubject"], mine["askedBySubject"]) == (
        "RESERVED", None, "test-unit_branch"
    )  # fmt: skip
    assert row["id"] in await _ids(hub.as_viewer("unit_branch", unit=unit), memberCode=code)
    assert (await _request(asker, code, purpose="拟晋升职级"))["userErrors"] == []
    # The district and the auditor see it; the member himself, another unit and a grid
    # secretary of the community do not.
    assert row["id"] in await _ids(hub)
    assert row["id"] in await _ids(hub.as_viewer("auditor"))
    member = hub.as_viewer("member", member=code)
    assert await _ids(member) == set()
    assert (await member.query(NODE, {"id": row["id"]}))["node"] is None
    other_unit = "U0002" if unit != "U0002" else "U0003"
    assert row["id"] not in await _ids(hub.as_viewer("unit_branch", unit=other_unit))
    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid="G0001")
    assert (await secretary.query(NODE, {"id": row["id"]}))["node"] is None


async def _not_reported(pair: DatabasePair) -> str:
    """A member in service with no active report."""
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            active = {r[0] for r in await conn.execute(text(
                "SELECT member_code FROM reports WHERE status IN ('pending', 'confirmed')"))}  # fmt: skip
    finally:
        await engine.dispose()
    engine = create_async_engine(pair.units_url)
    try:
        async with engine.connect() as conn:
            codes = [r[0] for r in await conn.execute(
                text("SELECT code FROM members WHERE in_service ORDER BY code"))]  # fmt: skip
    finally:
        await engine.dispose()
    return next(code for code in codes if code not in active)


async def test_every_refusal(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    [code] = await supporters(hub, "C002", 1)
    unit, branch = await _unit_of(hub, code)
    asker = hub.as_viewer("unit_branch", unit=unit, branch=branch)
    blank = await _request(asker, code, purpose="  ")
    assert (blank["userErrors"][0]["code"], blank["userErrors"][0]["field"]) == (
        "INVALID_INPUT", "input.purpose"
    )  # fmt: skip
    unknown = await _request(asker, "NOPE")
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"
    lonely = await _not_reported(workflow_db)
    lonely_unit, _ = await _unit_of(hub, lonely)
    refused = await _request(hub.as_viewer("unit_branch", unit=lonely_unit), lonely)
    assert refused["userErrors"][0]["code"] == "NOT_REPORTED"
    other_unit = "U0002" if unit != "U0002" else "U0003"
    foreign = await hub.as_viewer("unit_branch", unit=other_unit).raw(
        REQUEST, {"input": {"memberCode": code, "purpose": "拟提拔"}}
    )
    assert foreign["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    asked = (await _request(asker, code))["opinionRequest"]
    elsewhere = await hub.as_viewer("community", community="C001").raw(
        ANSWER, {"input": {"requestId": asked["id"], "opinion": "FAVOURABLE", "answer": "好"}}
    )
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    committee = hub.as_viewer("community", community="C002")
    empty = await _answer(committee, asked["id"], answer=" ")
    assert empty["userErrors"][0]["field"] == "input.answer"
    wrong_type = await _answer(committee, "U2VydmljZU9yZGVyOjE=")
    assert wrong_type["userErrors"][0]["code"] == "NOT_FOUND"
    for role, scope in (("district", {"district": "D01"}), ("member", {"member": code}),
                        ("grid_branch_secretary", {"community": "C002", "grid": "G0001"})):  # fmt: skip
        body = await hub.as_viewer(role, **scope).raw(
            ANSWER, {"input": {"requestId": asked["id"], "opinion": "FAVOURABLE", "answer": "好"}}
        )
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", role


async def test_the_seeded_requests_hold_one_answered_and_one_pending(hub: GraphQLClient) -> None:
    data = await hub.query(
        """{ answered: opinionRequests(first: 1, filter: {statuses: [ANSWERED]}) {
               totalCount edges { node { opinion answer history { toState actorRole } } } }
             pending: opinionRequests(first: 0, filter: {statuses: [PENDING]}) {
               totalCount } }"""
    )
    assert data["answered"]["totalCount"] >= 1
    assert data["pending"]["totalCount"] >= 1
    node = data["answered"]["edges"][0]["node"]
    assert node["opinion"] is not None
    assert node["answer"]
    assert [e["toState"] for e in node["history"]] == ["pending", "answered"]
