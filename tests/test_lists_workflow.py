"""The three lists (三单) as a workflow: offer, raise, review, convert, withdraw; history."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL

CATEGORY = "chancheng.epidemic"
_ENTRY = "id status title history { fromState toState actorRole note }"
OFFER = f"""mutation($input: OfferResourceInput!) {{ offerResource(input: $input) {{
  clientMutationId userErrors {{ code message field }}
  resourceItem {{ {_ENTRY} providerKind providerCode community {{ code }} category {{ code }} }}
}} }}"""
RAISE = f"""mutation($input: RaiseDemandInput!) {{ raiseDemand(input: $input) {{
  clientMutationId userErrors {{ code message field }}
  demandItem {{ {_ENTRY} requesterKind grid {{ code }} }} }} }}"""
REVIEW = f"""mutation($input: ReviewListEntryInput!) {{ reviewListEntry(input: $input) {{
  clientMutationId userErrors {{ code message field }} entry {{ {_ENTRY} }} }} }}"""
CONVERT = f"""mutation($input: ConvertDemandToServiceInput!) {{
  convertDemandToService(input: $input) {{ clientMutationId userErrors {{ code message field }}
  demandItem {{ {_ENTRY} }}
  serviceItem {{ {_ENTRY} providerKind providerCode target category {{ code }} }} }} }}"""
WITHDRAW = f"""mutation($input: WithdrawListEntryInput!) {{ withdrawListEntry(input: $input) {{
  userErrors {{ code message field }} entry {{ {_ENTRY} }} }} }}"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on ListEntry {{ {_ENTRY} }} }} }}"


@pytest.fixture(scope="module", params=BACKENDS)
def lists_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "lists") as pair:
        yield pair


@pytest.fixture
async def hub(lists_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(lists_db, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


async def _supporters(hub: GraphQLClient, community: str) -> list[str]:
    data = await hub.query(
        """query($c: String!) { community(code: $c) { supporters(first: 100) {
             edges { node { memberCode } } } } }""",
        {"c": community},
    )
    return [e["node"]["memberCode"] for e in data["community"]["supporters"]["edges"]]


async def _paired_units(hub: GraphQLClient, community: str) -> list[str]:
    data = await hub.as_viewer("community", community=community).query(
        """query($c: String!) { community(code: $c) { partnerUnits(first: 100) {
             edges { node { unit { code } } } } } }""",
        {"c": community},
    )
    return [e["node"]["unit"]["code"] for e in data["community"]["partnerUnits"]["edges"]]


async def _a_paired_community(hub: GraphQLClient) -> tuple[str, str]:
    for community in ("C001", "C002", "C003"):
        units = await _paired_units(hub, community)
        if units:
            return community, units[0]
    raise AssertionError("the seeded data has no pairing")


async def _grid(hub: GraphQLClient, community: str) -> str:
    data = await hub.query(
        "query($c: String!) { community(code: $c) { grids(first: 1) { edges { node { code } } } } }",
        {"c": community},
    )
    code: str = data["community"]["grids"]["edges"][0]["node"]["code"]
    return code


async def _offer(hub: GraphQLClient, viewer: GraphQLClient, community: str, **extra: Any) -> Any:
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "理发服务",
              "description": "每月一次", **extra}  # fmt: skip
    return (await viewer.query(OFFER, {"input": fields}))["offerResource"]


async def _raise(viewer: GraphQLClient, community: str, **extra: Any) -> Any:
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "助餐需求", **extra}
    return (await viewer.query(RAISE, {"input": fields}))["raiseDemand"]


async def _review(viewer: GraphQLClient, entry_id: str, approve: bool, **extra: Any) -> Any:
    fields = {"entryId": entry_id, "approve": approve, **extra}
    return (await viewer.query(REVIEW, {"input": fields}))["reviewListEntry"]


async def _count(pair: DatabasePair, sql: str, **params: Any) -> int:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql), params)).scalar_one())
    finally:
        await engine.dispose()


_COUNTS = (
    "SELECT count(*) FROM resource_items",
    "SELECT count(*) FROM demand_items",
    "SELECT count(*) FROM service_items",
    "SELECT count(*) FROM state_events",
)
_STATES = (
    "SELECT count(*) FROM resource_items WHERE status <> 'pending_review'",
    "SELECT count(*) FROM demand_items WHERE status <> 'pending_review'",
    "SELECT count(*) FROM demand_items WHERE status = 'fulfilled'",
    "SELECT count(*) FROM service_items WHERE status <> 'published'",
)


async def _counts(pair: DatabasePair) -> tuple[int, ...]:
    return tuple([await _count(pair, sql) for sql in _COUNTS])


async def _statuses(pair: DatabasePair) -> tuple[int, ...]:
    """How many entries left each state, to show nothing changed."""
    return tuple([await _count(pair, sql) for sql in _STATES])


async def test_member_offers_and_the_community_publishes(hub: GraphQLClient) -> None:
    member = (await _supporters(hub, "C001"))[0]
    me = hub.as_viewer("member", member=member)
    offered = await _offer(hub, me, "C001")
    assert offered["userErrors"] == []
    item = offered["resourceItem"]
    assert (item["status"], item["providerKind"], item["providerCode"]) == (
        "PENDING_REVIEW", "MEMBER", member
    )  # fmt: skip
    assert item["community"] == {"code": "C001"}
    assert item["history"] == [
        {"fromState": None, "toState": "pending_review", "actorRole": "member", "note": None}
    ]
    # He sees his own pending offer; another community does not.
    assert (await me.query(NODE, {"id": item["id"]}))["node"]["status"] == "PENDING_REVIEW"
    other = hub.as_viewer("community", community="C002")
    assert (await other.query(NODE, {"id": item["id"]}))["node"] is None

    committee = hub.as_viewer("community", community="C001")
    reviewed = await _review(committee, item["id"], True, reason="同意")
    assert reviewed["userErrors"] == []
    assert reviewed["entry"]["status"] == "PUBLISHED"
    assert reviewed["entry"]["history"][-1] == {
        "fromState": "pending_review", "toState": "published", "actorRole": "community",
        "note": "同意",
    }  # fmt: skip
    again = await _review(committee, item["id"], False, reason="重复")
    assert again["entry"] is None
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已发布" in again["userErrors"][0]["message"]

    # A resident of the community now sees it, with its history.
    resident = hub.as_viewer("resident", community="C001")
    seen = (await resident.query(NODE, {"id": item["id"]}))["node"]
    assert seen["status"] == "PUBLISHED"
    assert len(seen["history"]) == 2


async def test_units_offer_only_where_paired_and_members_only_where_reported(
    hub: GraphQLClient, lists_db: DatabasePair
) -> None:
    community, unit = await _a_paired_community(hub)
    offered = await _offer(hub, hub.as_viewer("unit_branch", unit=unit), community)
    assert offered["userErrors"] == []
    assert offered["resourceItem"]["providerKind"] == "UNIT"

    paired = set(await _paired_units(hub, community))
    unpaired = next(f"U{n:04d}" for n in range(1, 100) if f"U{n:04d}" not in paired)
    before = await _counts(lists_db)
    refused = await _offer(hub, hub.as_viewer("unit_branch", unit=unpaired), community)
    assert refused["resourceItem"] is None
    assert refused["userErrors"][0]["code"] == "NOT_PAIRED"
    elsewhere = next(m for m in await _supporters(hub, "C002") if m)
    refused = await _offer(hub, hub.as_viewer("member", member=elsewhere), "C001")
    assert refused["userErrors"] == [
        {"code": "NOT_REPORTED", "message": "请先向该社区报到。", "field": "input.communityCode"}
    ]
    bad = await _offer(hub, hub.as_viewer("member", member=elsewhere), "C002", categoryCode="x")
    assert bad["userErrors"][0]["code"] == "NOT_FOUND"
    assert await _counts(lists_db) == before


async def test_demands_raised_three_ways_and_rejected_with_a_reason(
    hub: GraphQLClient, lists_db: DatabasePair
) -> None:
    grid = await _grid(hub, "C001")
    resident = hub.as_viewer("resident", community="C001")
    secretary = hub.as_viewer("grid_worker", community="C001", grid=grid)
    committee = hub.as_viewer("community", community="C001")

    by_resident = await _raise(resident, "C001", requesterName="李大爷")
    on_behalf = await _raise(secretary, "C001", requesterName="王奶奶", gridCode=grid)
    by_community = await _raise(committee, "C001")
    for payload, kind in [(by_resident, "RESIDENT"), (on_behalf, "GRID_WORKER"),
                          (by_community, "COMMUNITY")]:  # fmt: skip
        assert payload["userErrors"] == [], payload
        assert payload["demandItem"]["status"] == "PENDING_REVIEW"
        assert payload["demandItem"]["requesterKind"] == kind
    assert on_behalf["demandItem"]["grid"] == {"code": grid}
    nameless = await _raise(resident, "C001")
    assert nameless["userErrors"][0]["field"] == "input.requesterName"

    before = await _counts(lists_db)
    no_reason = await _review(committee, by_resident["demandItem"]["id"], False)
    assert no_reason["userErrors"][0] == {
        "code": "INVALID_INPUT", "message": "不通过时请填写原因。", "field": "input.reason"
    }  # fmt: skip
    assert await _counts(lists_db) == before

    rejected = await _review(secretary, by_resident["demandItem"]["id"], False, reason="不在范围")
    assert rejected["userErrors"] == []
    assert rejected["entry"]["status"] == "REJECTED"
    assert rejected["entry"]["history"][-1]["note"] == "不在范围"
    # Rejected entries cannot be published, converted or withdrawn.
    late = await _review(committee, by_resident["demandItem"]["id"], True)
    assert late["userErrors"][0]["code"] == "INVALID_STATE"
    assert "未通过" in late["userErrors"][0]["message"]
    gone = await committee.query(WITHDRAW, {"input": {"entryId": rejected["entry"]["id"]}})
    assert gone["withdrawListEntry"]["userErrors"][0]["code"] == "INVALID_STATE"


async def test_convert_demand_into_a_service_atomically(
    hub: GraphQLClient, lists_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C001")
    demand = (await _raise(committee, "C001", title="老人助浴"))["demandItem"]
    member = (await _supporters(hub, "C001"))[0]
    fields = {"demandId": demand["id"], "providerKind": "MEMBER", "providerCode": member,
              "target": "独居老人"}  # fmt: skip

    # Not published yet: refused, nothing changed.
    before = (await _counts(lists_db), await _statuses(lists_db))
    pending = (await committee.query(CONVERT, {"input": fields}))["convertDemandToService"]
    assert pending["userErrors"][0]["code"] == "INVALID_STATE"
    assert "待审核" in pending["userErrors"][0]["message"]
    assert (pending["demandItem"], pending["serviceItem"]) == (None, None)

    assert (await _review(committee, demand["id"], True))["userErrors"] == []
    before = (await _counts(lists_db), await _statuses(lists_db))
    outsider = (await _supporters(hub, "C002"))[0]
    for bad, code in [({"providerCode": outsider}, "NOT_REPORTED"),
                      ({"providerKind": "UNIT", "providerCode": "NO-SUCH-UNIT"}, "NOT_PAIRED"),
                      ({"providerKind": "COMMUNITY"}, "INVALID_INPUT"),
                      ({"target": " "}, "INVALID_INPUT")]:  # fmt: skip
        refused = (await committee.query(CONVERT, {"input": {**fields, **bad}}))[
            "convertDemandToService"
        ]
        assert refused["userErrors"][0]["code"] == code, bad
        assert (await _counts(lists_db), await _statuses(lists_db)) == before

    key = {"clientMutationId": "lists-convert-1"}
    done = (await committee.query(CONVERT, {"input": {**fields, **key}}))["convertDemandToService"]
    assert done["userErrors"] == []
    assert done["demandItem"]["status"] == "FULFILLED"
    assert done["demandItem"]["history"][-1]["toState"] == "fulfilled"
    service = done["serviceItem"]
    assert (service["status"], service["title"], service["providerKind"], service["providerCode"],
            service["target"]) == ("PUBLISHED", "老人助浴", "MEMBER", member, "独居老人")  # fmt: skip
    assert service["history"][0]["toState"] == "published"
    counts = await _counts(lists_db)
    assert counts[2] == before[0][2] + 1

    retried = (await committee.query(CONVERT, {"input": {**fields, **key}}))[
        "convertDemandToService"
    ]
    assert retried["serviceItem"]["id"] == service["id"]
    assert await _counts(lists_db) == counts
    twice = (await committee.query(CONVERT, {"input": fields}))["convertDemandToService"]
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已完成" in twice["userErrors"][0]["message"]

    # A supporter of the community sees the published service item.
    seen = await hub.as_viewer("member", member=member).query(NODE, {"id": service["id"]})
    assert seen["node"]["status"] == "PUBLISHED"


async def test_withdraw_by_the_creator_only(hub: GraphQLClient) -> None:
    first, second = (await _supporters(hub, "C002"))[:2]
    me = hub.as_viewer("member", member=first)
    item = (await _offer(hub, me, "C002"))["resourceItem"]
    error = await hub.as_viewer("member", member=second).error(
        WITHDRAW, {"input": {"entryId": item["id"]}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await hub.as_viewer("community", community="C002").error(
        WITHDRAW, {"input": {"entryId": item["id"]}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"

    withdrawn = (await me.query(WITHDRAW, {"input": {"entryId": item["id"], "reason": "没空"}}))[
        "withdrawListEntry"
    ]
    assert withdrawn["userErrors"] == []
    assert withdrawn["entry"]["status"] == "WITHDRAWN"
    assert withdrawn["entry"]["history"][-1] == {
        "fromState": "pending_review", "toState": "withdrawn", "actorRole": "member", "note": "没空"
    }  # fmt: skip
    again = (await me.query(WITHDRAW, {"input": {"entryId": item["id"]}}))["withdrawListEntry"]
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已撤回" in again["userErrors"][0]["message"]
    committee = hub.as_viewer("community", community="C002")
    review = await _review(committee, item["id"], True)
    assert review["userErrors"][0]["code"] == "INVALID_STATE"

    demand = (await _raise(committee, "C002"))["demandItem"]
    assert (await _review(committee, demand["id"], True))["userErrors"] == []
    out = (await committee.query(WITHDRAW, {"input": {"entryId": demand["id"]}}))[
        "withdrawListEntry"
    ]
    assert out["entry"]["status"] == "WITHDRAWN"
    assert out["entry"]["history"][-1]["fromState"] == "published"


async def test_out_of_scope_callers_are_forbidden(
    hub: GraphQLClient, lists_db: DatabasePair
) -> None:
    member = (await _supporters(hub, "C001"))[0]
    offer = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "t"}
    demand = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "t",
              "requesterName": "张三"}  # fmt: skip
    before = await _counts(lists_db)
    for role, scope in [("community", {"community": "C001"}), ("resident", {"community": "C001"}),
                        ("district", {"district": "D01"}), ("auditor", {})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(OFFER, {"input": offer})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    for role, scope in [("community", {"community": "C002"}), ("resident", {"community": "C002"}),
                        ("member", {"member": member}), ("unit_branch", {"unit": "U0001"}),
                        ("district", {"district": "D01"})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(RAISE, {"input": demand})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    assert await _counts(lists_db) == before

    committee = hub.as_viewer("community", community="C001")
    pending = (await _raise(committee, "C001"))["demandItem"]
    assert (await _review(committee, pending["id"], True))["userErrors"] == []
    other = (await _raise(committee, "C001"))["demandItem"]
    snapshot = (await _counts(lists_db), await _statuses(lists_db))
    convert = {"demandId": pending["id"], "providerKind": "MEMBER", "providerCode": member,
               "target": "居民"}  # fmt: skip
    for role, scope in [("community", {"community": "C002"}), ("member", {"member": member}),
                        ("resident", {"community": "C001"}), ("district", {"district": "D01"}),
                        ("auditor", {})]:  # fmt: skip
        viewer = hub.as_viewer(role, **scope)
        error = await viewer.error(REVIEW, {"input": {"entryId": other["id"], "approve": True}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await viewer.error(CONVERT, {"input": convert})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await viewer.error(WITHDRAW, {"input": {"entryId": other["id"]}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    assert (await _counts(lists_db), await _statuses(lists_db)) == snapshot

    # A service item cannot be reviewed; a wrong id type is not found.
    wrong = await _review(committee, "UG9zdDox", True)
    assert wrong["userErrors"][0]["code"] == "NOT_FOUND"


async def test_retried_offer_and_raise_return_the_first_result(
    hub: GraphQLClient, lists_db: DatabasePair
) -> None:
    member = (await _supporters(hub, "C003"))[0]
    me = hub.as_viewer("member", member=member)
    before = await _count(lists_db, "SELECT count(*) FROM resource_items")
    key = {"clientMutationId": "lists-offer-retry-1"}
    first = await _offer(hub, me, "C003", **key)
    second = await _offer(hub, me, "C003", **key)
    assert second["resourceItem"]["id"] == first["resourceItem"]["id"]
    assert second["clientMutationId"] == "lists-offer-retry-1"
    assert await _count(lists_db, "SELECT count(*) FROM resource_items") == before + 1

    resident = hub.as_viewer("resident", community="C003")
    before = await _count(lists_db, "SELECT count(*) FROM demand_items")
    key = {"clientMutationId": "lists-raise-retry-1", "requesterName": "赵阿姨"}
    first = await _raise(resident, "C003", **key)
    second = await _raise(resident, "C003", **key)
    # A resident reads the demands he raised: the retry changes nothing and hands his
    # demand back (a replay is read through the caller's scope; see test_identity for one
    # he can no longer read).
    assert second["userErrors"] == []
    assert second["demandItem"]["id"] == first["demandItem"]["id"]
    assert await _count(lists_db, "SELECT count(*) FROM demand_items") == before + 1
    # The community side may read it: its retry gets the first result.
    committee = hub.as_viewer("community", community="C003")
    key = {"clientMutationId": "lists-raise-retry-2"}
    first = await _raise(committee, "C003", **key)
    second = await _raise(committee, "C003", **key)
    assert second["demandItem"]["id"] == first["demandItem"]["id"]
