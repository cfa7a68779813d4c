"""Identity (issue 11): a caller is issuer + subject + role + scope, never a subject alone.

Tokens that share a subject are different callers when their role or scope differ: they
neither see nor change each other's orders, and the same `clientMutationId` from each is
its own request. Tokens are refused at authentication for a blank subject, scope keys of
another role, and lifetimes beyond the maximum. Concurrent retries get the first result.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from gateway.auth import issue_token
from tests.client import GraphQLClient
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair
from tests.workflow import count, workflow_fixtures

CATEGORY = "chancheng.epidemic"
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  userErrors { code field } clientMutationId
  serviceOrder { id community { code } history { actorSubject actorRole actorLabel } } } }"""
CANCEL = """mutation($input: CancelOrderInput!) { cancelOrder(input: $input) {
  userErrors { code } serviceOrder { id status } } }"""
MY_ORDERS = "{ myOrders(first: 100) { totalCount edges { node { id } } } }"
NODE = "query($id: ID!) { node(id: $id) { ... on ServiceOrder { id status } } }"
RAISE = """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
  userErrors { code field } demandItem { id } } }"""
VIEWER = "{ viewer { role subject } }"

workflow_db, hub = workflow_fixtures("identity")


def _as(hub: GraphQLClient, role: str, subject: str, **scope: str) -> GraphQLClient:
    token = issue_token(hub.tokens.settings, role=role, scope=scope, subject=subject,
                        ttl=timedelta(hours=1))  # fmt: skip
    return GraphQLClient(hub.http, token, hub.tokens)


async def _place(viewer: GraphQLClient, community: str, key: str | None = None) -> dict[str, Any]:
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "上门理发"}
    if key is not None:
        fields["clientMutationId"] = key
    payload: dict[str, Any] = (await viewer.query(PLACE, {"input": fields}))["placeOrder"]
    return payload


async def _my_orders(viewer: GraphQLClient) -> set[str]:
    data = await viewer.query(MY_ORDERS)
    return {edge["node"]["id"] for edge in data["myOrders"]["edges"]}


async def test_residents_sharing_a_subject_keep_their_own_orders(hub: GraphQLClient) -> None:
    # Same subject: in two communities, and in one community with two households.
    alice = _as(hub, "resident", "shared-sub", community="C001", household="1-101")
    bob = _as(hub, "resident", "shared-sub", community="C001", household="2-202")
    carol = _as(hub, "resident", "shared-sub", community="C002")
    mine = (await _place(alice, "C001"))["serviceOrder"]
    assert mine["id"] in await _my_orders(alice)
    for other in (bob, carol):
        assert mine["id"] not in await _my_orders(other)
        assert (await other.query(NODE, {"id": mine["id"]}))["node"] is None
        error = await other.error(CANCEL, {"input": {"orderId": mine["id"], "reason": "不要了"}})
        assert error["extensions"]["code"] == "FORBIDDEN"
    found = await alice.query(NODE, {"id": mine["id"]})
    assert found["node"]["status"] == "ORDERED"  # nobody else cancelled it


async def test_same_key_from_another_caller_is_another_request(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    before = await count(workflow_db, "SELECT count(*) FROM service_orders")
    first = await _place(_as(hub, "resident", "key-sub", community="C001"), "C001", "k-1")
    second = await _place(_as(hub, "resident", "key-sub", community="C002"), "C002", "k-1")
    committee = await _place(_as(hub, "community", "key-sub", community="C003"), "C003", "k-1")
    assert committee["userErrors"][0]["field"] == "input.beneficiaryName"  # its own request
    assert first["serviceOrder"]["community"]["code"] == "C001"
    assert second["serviceOrder"]["community"]["code"] == "C002"
    assert first["serviceOrder"]["id"] != second["serviceOrder"]["id"]
    assert await count(workflow_db, "SELECT count(*) FROM service_orders") == before + 2
    # The same caller again: the first result, nothing new.
    again = await _place(_as(hub, "resident", "key-sub", community="C001"), "C001", "k-1")
    assert again["serviceOrder"]["id"] == first["serviceOrder"]["id"]
    assert await count(workflow_db, "SELECT count(*) FROM service_orders") == before + 2


async def test_replay_never_returns_what_the_caller_cannot_read(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    # A resident reads the demands he raised in his community: a retry hands his back. Once
    # the demand is no longer his to read (here: filed under another community past the
    # API), a retry does not hand it back.
    resident = _as(hub, "resident", "demand-sub", community="C001")
    fields = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "修水管",
              "requesterName": "王阿姨", "clientMutationId": "demand-1"}  # fmt: skip
    first = (await resident.query(RAISE, {"input": fields}))["raiseDemand"]
    assert first["userErrors"] == []
    before = await count(workflow_db, "SELECT count(*) FROM demand_items")
    replayed = (await resident.query(RAISE, {"input": fields}))["raiseDemand"]
    assert replayed["userErrors"] == []
    assert replayed["demandItem"] == first["demandItem"]
    await _refile(workflow_db, first["demandItem"]["id"], "C002")
    retry = (await resident.query(RAISE, {"input": fields}))["raiseDemand"]
    assert retry["demandItem"] is None
    assert retry["userErrors"] == [{"code": "DUPLICATE", "field": "input.clientMutationId"}]
    assert await count(workflow_db, "SELECT count(*) FROM demand_items") == before


async def test_legacy_keys_replay_only_what_the_subject_may_read(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Keys from before identities carry a subject only (migration 0008)."""
    owner = _as(hub, "resident", "legacy-sub", community="C001")
    order = (await _place(owner, "C001"))["serviceOrder"]
    row_id = int(await count(workflow_db, "SELECT max(id) FROM service_orders"))
    await _legacy_key(workflow_db, "legacy-sub", "placeOrder", "old-key", row_id)
    replay = await _place(owner, "C001", "old-key")
    assert replay["serviceOrder"]["id"] == order["id"]
    # Another caller of that subject cannot read it: his request is carried out anew.
    stranger = await _place(_as(hub, "resident", "legacy-sub", community="C002"), "C002", "old-key")
    assert stranger["serviceOrder"]["id"] != order["id"]
    assert stranger["serviceOrder"]["community"]["code"] == "C002"


async def _refile(pair: DatabasePair, global_id: str, community: str) -> None:
    """Move a demand to another community past the API."""
    import base64

    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    row_id = int(base64.b64decode(global_id).decode().split(":")[1])
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE demand_items SET community_id = "
                     "(SELECT id FROM communities WHERE code = :c) WHERE id = :i"),
                {"c": community, "i": row_id},
            )  # fmt: skip
    finally:
        await engine.dispose()


async def _legacy_key(pair: DatabasePair, subject: str, mutation: str, key: str, rid: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    from resolvers.workflow import legacy_identity_key

    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO idempotency_keys (identity_key, mutation, key, subject, "
                     "legacy, result_id, created_at) VALUES (:i, :m, :k, :s, :l, :r, :t)"),
                {"i": legacy_identity_key(subject), "m": mutation, "k": key, "s": subject,
                 "l": True, "r": rid, "t": datetime.now(UTC)},
            )  # fmt: skip
    finally:
        await engine.dispose()


async def test_concurrent_retries_all_get_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _as(hub, "resident", "racer", community="C002")
    before = await count(workflow_db, "SELECT count(*) FROM service_orders")
    payloads = await asyncio.gather(*(_place(resident, "C002", "race-1") for _ in range(6)))
    ids = {payload["serviceOrder"]["id"] for payload in payloads}
    assert len(ids) == 1, payloads
    assert all(payload["userErrors"] == [] for payload in payloads)
    assert await count(workflow_db, "SELECT count(*) FROM service_orders") == before + 1


async def test_history_shows_subjects_only_to_the_actors_organisation(hub: GraphQLClient) -> None:
    resident = _as(hub, "resident", "history-sub", community="C003")
    order = (await _place(resident, "C003"))["serviceOrder"]
    [event] = order["history"]
    assert event == {"actorSubject": "history-sub", "actorRole": "resident", "actorLabel": "居民"}
    query = """query($id: ID!) { node(id: $id) { ... on ServiceOrder {
        history { actorSubject actorRole actorLabel } } } }"""
    committee = _as(hub, "community", "c3-staff", community="C003")
    seen = (await committee.query(query, {"id": order["id"]}))["node"]["history"]
    assert seen == [{"actorSubject": None, "actorRole": "resident", "actorLabel": "居民"}]
    district = (await hub.query(query, {"id": order["id"]}))["node"]["history"]
    assert district[0]["actorSubject"] == "history-sub"


# --- authentication -----------------------------------------------------------------------


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {"sub": "alice", "role": "community", "scope": {"community": "C001"},
              "iss": "dualhub", "aud": "dualhub", "iat": now,
              "exp": now + timedelta(minutes=5)}  # fmt: skip
    claims.update(overrides)
    return claims


def _bearer(**overrides: Any) -> str:
    return jwt.encode(_claims(**overrides), TEST_SECRET, algorithm="HS256")


NOW = datetime.now(UTC)
REFUSED = {
    "empty subject": {"sub": ""},
    "blank subject": {"sub": "   "},
    "numeric subject": {"sub": 7},
    "district with a member key": {"role": "district", "scope": {"district": "D01", "member": "M1"}},
    "auditor with a member key": {"role": "auditor", "scope": {"member": "M000001"}},
    "member with a community key": {"role": "member", "scope": {"member": "M1", "community": "C001"}},
    "community with a unit key": {"scope": {"community": "C001", "unit": "U0001"}},
    "resident with a company key": {"role": "resident", "scope": {"community": "C001", "company": "P1"}},
    "lifetime of a year": {"exp": NOW + timedelta(days=365)},
    "issued in the future": {"iat": NOW + timedelta(hours=2), "exp": NOW + timedelta(hours=3)},
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_tokens_refused_at_authentication(hub: GraphQLClient, case: str) -> None:
    token = _bearer(**REFUSED[case])
    response = await hub.http.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401, (case, response.text)
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_lifetime_within_the_maximum_is_accepted(hub: GraphQLClient) -> None:
    token = _bearer(exp=datetime.now(UTC) + timedelta(hours=23))
    client = GraphQLClient(hub.http, token, hub.tokens)
    assert (await client.query(VIEWER))["viewer"]["subject"] == "alice"


# --- the unit side and the ledger -------------------------------------------------------------

ORGANISATION = """mutation($input: RecordOrganisationEvaluationInput!) {
  recordOrganisationEvaluation(input: $input) { userErrors { code field }
    organisationEvaluation { id comment member { code } branch { code } } } }"""
ENTRIES = """query($m: String!) { member(code: $m) { points { entries(first: 100) { edges { node {
  id kind actorSubject actorRole actorLabel } } } } } }"""
REVERSE = """mutation($input: ReversePointsEntryInput!) { reversePointsEntry(input: $input) {
  userErrors { code } reversal { id } } }"""


async def _members_of_two_units(hub: GraphQLClient) -> list[dict[str, str]]:
    data = await hub.query("""{ members(first: 100) { edges { node {
        code unit { code } branch { code } } } } }""")
    found: dict[str, dict[str, str]] = {}
    for edge in data["members"]["edges"]:
        node = edge["node"]
        if node["branch"] is not None and node["unit"]["code"] not in found:
            found[node["unit"]["code"]] = {"code": node["code"], "unit": node["unit"]["code"],
                                           "branch": node["branch"]["code"]}  # fmt: skip
    return list(found.values())[:2]


async def test_branches_sharing_a_subject_keep_their_own_evaluations(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    first, second = await _members_of_two_units(hub)
    results = []
    for member, comment in ((first, "机密评语甲"), (second, "机密评语乙")):
        branch = _as(hub, "unit_branch", "shared-branch", unit=member["unit"],
                     branch=member["branch"])  # fmt: skip
        fields = {"memberCode": member["code"], "grade": "QUALIFIED", "comment": comment,
                  "clientMutationId": "org-eval-1"}  # fmt: skip
        payload = await branch.query(ORGANISATION, {"input": fields})
        results.append(payload["recordOrganisationEvaluation"])
    assert all(result["userErrors"] == [] for result in results), results
    evaluations = [result["organisationEvaluation"] for result in results]
    assert [e["member"]["code"] for e in evaluations] == [first["code"], second["code"]]
    assert [e["comment"] for e in evaluations] == ["机密评语甲", "机密评语乙"]
    keyed = "SELECT count(*) FROM organisation_evaluations WHERE client_key = 'org-eval-1'"
    assert await count(workflow_db, keyed, side="units") == 2


async def test_ledger_entries_show_subjects_only_to_the_actors_organisation(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    from datasources.community.points_models import PointsKind
    from tests.points_helpers import write_entries
    from tests.workflow import supporters

    [member] = await supporters(hub, "C001", 1)
    c001 = await count(workflow_db, "SELECT id FROM communities WHERE code = 'C001'")
    [entry] = await write_entries(workflow_db, {"member_code": member, "kind": PointsKind.EARN,
                                                "points": 10, "community_id": c001})  # fmt: skip
    import base64

    entry_id = base64.b64encode(f"PointsEntry:{entry}".encode()).decode()
    staff = _as(hub, "community", "c001-points-staff", community="C001")
    reversed_ = await staff.query(REVERSE, {"input": {"entryId": entry_id, "reason": "录入错误"}})
    reversal = reversed_["reversePointsEntry"]["reversal"]["id"]

    async def entries(viewer: GraphQLClient) -> dict[str, dict[str, Any]]:
        data = await viewer.query(ENTRIES, {"m": member})
        return {e["node"]["id"]: e["node"] for e in data["member"]["points"]["entries"]["edges"]}

    own = await entries(_as(hub, "member", "member-self", member=member))
    assert own[reversal]["actorSubject"] is None  # the community's login is not his business
    assert (own[reversal]["actorRole"], own[reversal]["actorLabel"]) == (
        "community",
        "社区党委 C001",
    )
    assert own[entry_id]["actorLabel"] == "未记录"  # written before actors were recorded
    colleague = await entries(_as(hub, "community", "c001-other-staff", community="C001"))
    assert colleague[reversal]["actorSubject"] == "c001-points-staff"
    assert colleague[entry_id]["actorSubject"] is None
    district = await entries(hub)
    assert district[reversal]["actorSubject"] == "c001-points-staff"
    assert district[entry_id]["actorSubject"] == "test-helper"


async def test_a_resident_assignee_is_his_subject_in_his_community_only(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    import base64

    building = await count(workflow_db, "SELECT min(b.id) FROM buildings b JOIN compounds c "
                           "ON b.compound_id = c.id JOIN communities m ON c.community_id = m.id "
                           "WHERE m.code = 'C001'")  # fmt: skip
    code = await _scalar(workflow_db, "SELECT code FROM buildings WHERE id = :b", b=building)
    committee = _as(hub, "community", "c001-assigner", community="C001")
    fields = {"buildingCode": code, "floor": 1, "assigneeKind": "RESIDENT",
              "assigneeCode": "assignee-sub"}  # fmt: skip
    made = await committee.query(
        """mutation($input: AssignHouseholdInput!) { assignHousehold(input: $input) {
             userErrors { code } assignment { id } } }""",
        {"input": fields},
    )
    assignment = made["assignHousehold"]["assignment"]["id"]
    query = """query($b: ID!) { node(id: $b) { ... on Building { assignments { id } } } }"""
    building_id = base64.b64encode(f"Building:{building}".encode()).decode()

    async def seen_by(viewer: GraphQLClient) -> set[str]:
        node = (await viewer.query(query, {"b": building_id}))["node"]
        return {a["id"] for a in node["assignments"]} if node else set()

    assert assignment in await seen_by(_as(hub, "resident", "assignee-sub", community="C001"))
    assert assignment not in await seen_by(_as(hub, "resident", "assignee-sub", community="C002"))
    assert assignment not in await seen_by(_as(hub, "resident", "other-sub", community="C001"))


async def _scalar(pair: DatabasePair, sql: str, **params: Any) -> Any:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar_one()
    finally:
        await engine.dispose()
