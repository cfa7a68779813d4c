"""The audit trail as the district and the auditor read it, made by real requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import cast

import pytest

from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL

EVENTS = """query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) {
  totalCount edges { node { subject role kind operationName targetType targetIds fields
  requestId detail scope } } } }"""


@pytest.fixture(params=BACKENDS)
def fresh_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    """Seeded databases of its own, so the audit log holds only this test's requests."""
    with seeded_pair(request.param, tmp_path_factory, SMALL, "audit") as pair:
        yield pair


@pytest.fixture
async def hub(fresh_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(fresh_db):
        yield client


async def _events(client: GraphQLClient, **filters: str) -> list[dict[str, object]]:
    data = await client.query(EVENTS, {"f": filters or None})
    return [edge["node"] for edge in data["auditEvents"]["edges"]]


async def test_reading_personal_fields_leaves_one_event_per_field_set(hub: GraphQLClient) -> None:
    committee = hub.as_viewer("community", community="C001")
    response = await committee.http.post(
        "/graphql",
        json={"query": "query Supporters { members(first: 5) { edges { node { code name phone } } } }",
              "operationName": "Supporters"},
        headers={**committee.headers, "X-Request-ID": "audit-me"},
    )  # fmt: skip
    codes = sorted(e["node"]["code"] for e in response.json()["data"]["members"]["edges"])
    assert codes
    auditor = hub.as_viewer("auditor")
    events = await _events(auditor, subject="test-community")
    assert len(events) == 1
    event = events[0]
    assert event["kind"] == "READ_PERSONAL"
    assert event["role"] == "community"
    assert event["scope"] == {"community": "C001"}
    assert event["operationName"] == "Supporters"
    assert event["requestId"] == "audit-me"
    assert event["targetType"] == "Member"
    assert sorted(cast(list[str], event["targetIds"])) == codes
    assert event["fields"] == ["Member.name", "Member.phone"]


async def test_target_filter_finds_who_read_a_member(hub: GraphQLClient) -> None:
    unit = hub.as_viewer("unit_branch", unit="U0001")
    data = await unit.query("{ members(first: 1) { edges { node { code phone } } } }")
    member = data["members"]["edges"][0]["node"]["code"]
    events = await _events(hub, targetId=member)
    assert [(e["subject"], e["fields"]) for e in events] == [("test-unit_branch", ["Member.phone"])]


async def test_queries_without_personal_fields_leave_nothing(hub: GraphQLClient) -> None:
    await hub.query("{ communities(first: 5) { edges { node { name } } } }")
    assert await _events(hub) == []


async def test_mutations_and_refusals_are_recorded(hub: GraphQLClient) -> None:
    member = (await hub.query("{ members(first: 1) { edges { node { code } } } }"))["members"][
        "edges"
    ][0]["node"]["code"]
    mutation = """mutation Privacy($i: UpdatePrivacyPreferencesInput!) {
      updatePrivacyPreferences(input: $i) { userErrors { code } } }"""
    await hub.as_viewer("member", member=member).query(
        mutation, {"i": {"sharePhoneWithCommunity": False}}
    )
    await hub.as_viewer("community", community="C001").error(
        mutation, {"i": {"sharePhoneWithCommunity": False}}
    )
    changes = await _events(hub, kind="MUTATION")
    assert [(e["subject"], e["targetIds"], e["detail"]) for e in changes] == [
        ("test-member", [member], {"mutation": "updatePrivacyPreferences", "sharePhone": False,
                                   "shareSkills": True}),
    ]  # fmt: skip
    denied = await _events(hub, kind="DENIED")
    assert [(e["subject"], e["operationName"]) for e in denied] == [("test-community", "Privacy")]


async def test_only_district_and_auditor_read_the_log(hub: GraphQLClient) -> None:
    await hub.query("{ members(first: 3) { edges { node { name } } } }")
    assert (await hub.query(EVENTS))["auditEvents"]["totalCount"] >= 1
    assert (await hub.as_viewer("auditor").query(EVENTS))["auditEvents"]["totalCount"] >= 1
    for role, scope in [("community", {"community": "C001"}), ("unit_branch", {"unit": "U0001"}),
                        ("member", {"member": "M000001"})]:  # fmt: skip
        seen = await hub.as_viewer(role, **scope).query(EVENTS)
        assert seen["auditEvents"] == {"totalCount": 0, "edges": []}, role
    assert (await hub.anonymous().query(EVENTS))["auditEvents"]["totalCount"] == 0


async def test_nobody_can_change_the_log_through_the_api(hub: GraphQLClient) -> None:
    names = {
        field["name"]
        for field in (await hub.query("{ __schema { mutationType { fields { name } } } }"))[
            "__schema"
        ]["mutationType"]["fields"]
    }
    assert not any("audit" in name.lower() for name in names)
