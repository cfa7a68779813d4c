"""Service orders (点单 → 派单 → 接单 → 结单 → 评价) end to end, through GraphQL."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth import issue_token
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, taken, workflow_fixtures

CATEGORY = "chancheng.epidemic"
ORDER_FIELDS = """id title status beneficiaryName orderedByRole takerKind takerCode memberCode
  orderedAt dueAt isOverdue escalationLevel escalatedAt dispatchedAt acceptedAt closedAt
  ratedAt confirmedAt cancelledAt summary hours evidence rating ratingComment
  category { code } community { code } history { fromState toState actorRole note }"""
PAYLOAD = f"userErrors {{ code message field }} clientMutationId serviceOrder {{ {ORDER_FIELDS} }}"
MUTATIONS = {
    name: f"""mutation($input: {name[0].upper()}{name[1:]}Input!) {{
      {name}(input: $input) {{ {PAYLOAD} }} }}"""
    for name in ("placeOrder", "dispatchOrder", "acceptOrder", "declineOrder", "closeOrder",
                 "rateOrder", "confirmOrder", "cancelOrder", "escalateOrder")
}  # fmt: skip
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on ServiceOrder {{ {ORDER_FIELDS} }} }} }}"
CLOSING = {
    "summary": "已上门完成消杀",
    "hours": "2.5",
    "evidence": ["orders/1/a.jpg", "orders/1/b.jpg"],
}

workflow_db, hub = workflow_fixtures("orders")


def _resident(hub: GraphQLClient, community: str, subject: str) -> GraphQLClient:
    """A resident of `community` with his own identity (residents differ by subject)."""
    token = issue_token(
        hub.tokens.settings, role="resident", scope={"community": community},
        subject=subject, ttl=timedelta(hours=1),
    )  # fmt: skip
    return GraphQLClient(hub.http, token, hub.tokens)


async def _do(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(MUTATIONS[mutation], {"input": fields}))[mutation]
    return payload


async def _ok(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    payload = await _do(viewer, mutation, **fields)
    assert payload["userErrors"] == [], payload
    order: dict[str, Any] = payload["serviceOrder"]
    return order


async def _refused(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    payload = await _do(viewer, mutation, **fields)
    assert payload["serviceOrder"] is None, payload
    [error] = payload["userErrors"]
    found: dict[str, Any] = error
    return found


async def _forbidden(viewer: GraphQLClient, mutation: str, **fields: Any) -> None:
    error = await viewer.error(MUTATIONS[mutation], {"input": fields})
    assert error["extensions"]["code"] == "FORBIDDEN", (mutation, error)


async def _place(resident: GraphQLClient, community: str, **extra: Any) -> dict[str, Any]:
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "家中消杀",
              **extra}  # fmt: skip
    return await _ok(resident, "placeOrder", **fields)


def _row_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


async def _execute(pair: DatabasePair, sql: str, **params: Any) -> None:
    """Change the community database past the API (to make an order overdue)."""
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


async def _make_overdue(pair: DatabasePair, order_id: str) -> None:
    await _execute(pair, "UPDATE service_orders SET due_at = ordered_at WHERE id = :id",
                   id=_row_id(order_id))  # fmt: skip


async def _grid(hub: GraphQLClient, community: str) -> str:
    data = await hub.query(
        "query($c: String!) { community(code: $c) { grids(first: 1) { edges { node { code } } } } }",
        {"c": community},
    )
    code: str = data["community"]["grids"]["edges"][0]["node"]["code"]
    return code


async def _paired(hub: GraphQLClient) -> tuple[str, str, list[str]]:
    """A community, a unit paired with it, and members of that unit in service."""
    for community in ("C001", "C002", "C003"):
        data = await hub.as_viewer("community", community=community).query(
            """query($c: String!) { community(code: $c) { partnerUnits(first: 100) {
                 edges { node { unit { code } } } } } }""",
            {"c": community},
        )
        for edge in data["community"]["partnerUnits"]["edges"]:
            unit = edge["node"]["unit"]["code"]
            members = await hub.query(
                """query($u: String!) { workUnit(code: $u) { members(first: 50) {
                     edges { node { code inService } } } } }""",
                {"u": unit},
            )
            codes = [
                e["node"]["code"]
                for e in members["workUnit"]["members"]["edges"]
                if e["node"]["inService"] and e["node"]["code"] not in taken(hub)
            ]
            if len(codes) >= 2:
                taken(hub).update(codes[:2])
                return community, unit, codes[:2]
    raise AssertionError("the seeded data has no pairing with members in service")


async def _points_of(pair: DatabasePair, order_id: str) -> int:
    return await count(
        pair,
        "SELECT count(*) FROM points_entries WHERE source_type = 'ServiceOrder'"
        " AND source_id = :id",
        id=_row_id(order_id),
    )


async def _expected_points(pair: DatabasePair) -> int:
    return await count(
        pair,
        "SELECT COALESCE((SELECT points FROM point_rules WHERE action = 'order_completed'), 10)",
    )


async def test_ordered_dispatched_accepted_closed_rated_with_points(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C001", "resident-path")
    committee = hub.as_viewer("community", community="C001")
    order = await _place(resident, "C001", description="厨房和卫生间")
    assert order["status"] == "ORDERED"
    assert (order["beneficiaryName"], order["orderedByRole"], order["takerKind"]) == (
        None, "resident", None
    )  # fmt: skip
    assert order["category"] == {"code": CATEGORY}
    assert order["isOverdue"] is False
    due_hours = await count(
        workflow_db, "SELECT order_due_hours FROM service_categories WHERE code = :c", c=CATEGORY
    )
    ordered_at = datetime.fromisoformat(order["orderedAt"])
    assert datetime.fromisoformat(order["dueAt"]) - ordered_at == timedelta(hours=due_hours)
    assert order["escalationLevel"] == 0
    assert order["history"] == [
        {"fromState": None, "toState": "ordered", "actorRole": "resident", "note": None}
    ]

    [member] = await supporters(hub, "C001", 1)
    dispatched = await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
                           takerCode=member)  # fmt: skip
    assert (dispatched["status"], dispatched["takerKind"], dispatched["takerCode"]) == (
        "DISPATCHED", "MEMBER", member
    )  # fmt: skip
    me = hub.as_viewer("member", member=member)
    accepted = await _ok(me, "acceptOrder", orderId=order["id"])
    assert (accepted["status"], accepted["memberCode"]) == ("ACCEPTED", member)
    closed = await _ok(me, "closeOrder", orderId=order["id"], **CLOSING)
    assert closed["status"] == "CLOSED"
    assert (closed["summary"], closed["evidence"]) == (CLOSING["summary"], CLOSING["evidence"])
    assert float(closed["hours"]) == 2.5
    assert await _points_of(workflow_db, order["id"]) == 0

    rated = await _ok(resident, "rateOrder", orderId=order["id"], rating=5, comment="非常细致")
    assert (rated["status"], rated["rating"], rated["ratingComment"]) == ("RATED", 5, "非常细致")
    assert rated["ratedAt"] is not None
    assert await _points_of(workflow_db, order["id"]) == 1
    points = await count(
        workflow_db,
        "SELECT points FROM points_entries WHERE source_type = 'ServiceOrder' AND source_id = :id"
        " AND member_code = :m AND action = 'order_completed'",
        id=_row_id(order["id"]), m=member,
    )  # fmt: skip
    assert points == await _expected_points(workflow_db)
    assert [(e["fromState"], e["toState"], e["actorRole"]) for e in rated["history"]] == [
        (None, "ordered", "resident"),
        ("ordered", "dispatched", "community"),
        ("dispatched", "accepted", "member"),
        ("accepted", "closed", "member"),
        ("closed", "rated", "resident"),
    ]

    # Each party finds it where it looks.
    mine = await resident.query("{ myOrders { totalCount edges { node { id status } } } }")
    assert {"id": order["id"], "status": "RATED"} in [e["node"] for e in mine["myOrders"]["edges"]]
    served = await me.query(
        "query($m: String!) { member(code: $m) { orders { totalCount edges { node { id } } } } }",
        {"m": member},
    )
    assert {"node": {"id": order["id"]}} in served["member"]["orders"]["edges"]
    seen = await committee.query(
        "query($id: ID!) { node(id: $id) { ... on ServiceOrder { member { code } } } }",
        {"id": order["id"]},
    )
    assert seen["node"]["member"] == {"code": member}
    # His unit's branch sees the order he served (a member of its unit), with its trail.
    unit = (await hub.query('query($m: String!) { member(code: $m) { unit { code } } }',
                            {"m": member}))["member"]["unit"]["code"]  # fmt: skip
    branch = await hub.as_viewer("unit_branch", unit=unit).query(NODE, {"id": order["id"]})
    assert (branch["node"]["status"], len(branch["node"]["history"])) == ("RATED", 5)
    timeline = await me.query(
        "query($m: String!) { member(code: $m) { timeline(first: 50) { edges { node { kind } } } } }",
        {"m": member},
    )
    assert "ORDER" in {e["node"]["kind"] for e in timeline["member"]["timeline"]["edges"]}


async def test_unit_path_and_confirmation_by_the_community(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    community, unit, (server, _) = await _paired(hub)
    committee = hub.as_viewer("community", community=community)
    order = await _ok(committee, "placeOrder", communityCode=community, categoryCode=CATEGORY,
                      title="帮独居老人换灯泡", beneficiaryName="王秀英")  # fmt: skip
    assert (order["beneficiaryName"], order["orderedByRole"]) == ("王秀英", "community")
    dispatched = await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="UNIT",
                           takerCode=unit)  # fmt: skip
    assert (dispatched["takerKind"], dispatched["takerCode"]) == ("UNIT", unit)

    branch = hub.as_viewer("unit_branch", unit=unit)
    no_member = await _refused(branch, "acceptOrder", orderId=order["id"])
    assert (no_member["code"], no_member["field"]) == ("INVALID_INPUT", "input.memberCode")
    others = await hub.query(
        """query($c: String!) { community(code: $c) { supporters(first: 100) {
             edges { node { member { code unit { code } } } } } } }""",
        {"c": community},
    )
    outsider = next(
        e["node"]["member"]["code"]
        for e in others["community"]["supporters"]["edges"]
        if e["node"]["member"]["unit"]["code"] != unit
    )
    foreign = await _refused(branch, "acceptOrder", orderId=order["id"], memberCode=outsider)
    assert (foreign["code"], foreign["field"]) == ("NOT_A_MEMBER", "input.memberCode")
    unknown = await _refused(branch, "acceptOrder", orderId=order["id"], memberCode="M-NONE")
    assert unknown == {"code": "NOT_A_MEMBER", "message": "该党员不是本单位党员。",
                       "field": "input.memberCode"}  # fmt: skip
    await _forbidden(hub.as_viewer("member", member=server), "acceptOrder", orderId=order["id"])

    accepted = await _ok(branch, "acceptOrder", orderId=order["id"], memberCode=server)
    assert (accepted["status"], accepted["memberCode"]) == ("ACCEPTED", server)
    assert accepted["beneficiaryName"] == "王**"  # a unit sees the surname only
    member = hub.as_viewer("member", member=server)
    await _ok(member, "closeOrder", orderId=order["id"], summary="已更换", hours=1, evidence=[])

    by_unit = await branch.query(
        """query($u: String!) { workUnit(code: $u) { orders(filter: {statuses: [CLOSED]}) {
             totalCount edges { node { id takerUnit { code } member { code } } } } } }""",
        {"u": unit},
    )
    assert {"id": order["id"], "takerUnit": {"code": unit}, "member": {"code": server}} in [
        e["node"] for e in by_unit["workUnit"]["orders"]["edges"]
    ]
    # The resident cannot rate (the community ordered for him): the community confirms.
    await _forbidden(_resident(hub, community, "resident-x"), "rateOrder", orderId=order["id"],
                     rating=5)  # fmt: skip
    confirmed = await _ok(committee, "confirmOrder", orderId=order["id"], note="电话回访满意")
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["confirmedAt"] is not None
    assert confirmed["history"][-1] == {
        "fromState": "closed", "toState": "confirmed", "actorRole": "community",
        "note": "代居民确认：居民线下由他人代为点单或提出需求，无本人账号记录；电话回访满意",
    }  # fmt: skip
    assert await _points_of(workflow_db, order["id"]) == 1
    member_points = await count(
        workflow_db,
        "SELECT count(*) FROM points_entries WHERE source_type = 'ServiceOrder'"
        " AND source_id = :id AND member_code = :m",
        id=_row_id(order["id"]), m=server,
    )  # fmt: skip
    assert member_points == 1


async def test_decline_then_redispatch(hub: GraphQLClient) -> None:
    resident = _resident(hub, "C002", "resident-decline")
    committee = hub.as_viewer("community", community="C002")
    order = await _place(resident, "C002")
    first, second = await supporters(hub, "C002", 2)
    await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER", takerCode=first)
    him = hub.as_viewer("member", member=first)
    blank = await _refused(him, "declineOrder", orderId=order["id"], reason=" ")
    assert (blank["code"], blank["field"]) == ("INVALID_INPUT", "input.reason")
    await _forbidden(hub.as_viewer("member", member=second), "declineOrder", orderId=order["id"],
                     reason="不是我的")  # fmt: skip
    declined = await _ok(him, "declineOrder", orderId=order["id"], reason="本周出差")
    assert (declined["status"], declined["takerCode"], declined["takerKind"]) == (
        "ORDERED", None, None
    )  # fmt: skip
    # He no longer sees it (not dispatched to him): nor its history. The community does.
    assert declined["history"] == []
    seen = (await committee.query(NODE, {"id": order["id"]}))["node"]
    assert seen["history"][-1] == {"fromState": "dispatched", "toState": "ordered",
                                   "actorRole": "member", "note": "本周出差"}  # fmt: skip
    assert (await him.query(NODE, {"id": order["id"]}))["node"] is None
    # No longer his: he cannot accept it now.
    await _forbidden(him, "acceptOrder", orderId=order["id"])
    await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
              takerCode=second)  # fmt: skip
    accepted = await _ok(hub.as_viewer("member", member=second), "acceptOrder", orderId=order["id"])
    assert (accepted["status"], accepted["memberCode"]) == ("ACCEPTED", second)
    assert [e["toState"] for e in accepted["history"]] == [
        "ordered", "dispatched", "ordered", "dispatched", "accepted"
    ]  # fmt: skip


async def test_cancel_by_resident_and_by_community(hub: GraphQLClient) -> None:
    resident = _resident(hub, "C003", "resident-cancel")
    committee = hub.as_viewer("community", community="C003")
    early = await _place(resident, "C003")
    blank = await _refused(resident, "cancelOrder", orderId=early["id"], reason="")
    assert blank["code"] == "INVALID_INPUT"
    await _forbidden(_resident(hub, "C003", "resident-other"), "cancelOrder",
                     orderId=early["id"], reason="不是我的")  # fmt: skip
    cancelled = await _ok(resident, "cancelOrder", orderId=early["id"], reason="已自行解决")
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelledAt"] is not None
    again = await _refused(resident, "cancelOrder", orderId=early["id"], reason="再次")
    assert again["code"] == "INVALID_STATE"
    assert "已取消" in again["message"]
    on_cancelled = await _refused(committee, "dispatchOrder", orderId=early["id"],
                                  takerKind="MEMBER", takerCode="M-X")  # fmt: skip
    assert "已取消" in on_cancelled["message"]

    late = await _place(resident, "C003")
    [member] = await supporters(hub, "C003", 1)
    await _ok(committee, "dispatchOrder", orderId=late["id"], takerKind="MEMBER", takerCode=member)
    await _ok(hub.as_viewer("member", member=member), "acceptOrder", orderId=late["id"])
    refused = await _refused(resident, "cancelOrder", orderId=late["id"], reason="不需要了")
    assert refused["code"] == "INVALID_STATE"
    assert "已接单" in refused["message"]
    by_community = await _ok(committee, "cancelOrder", orderId=late["id"], reason="居民住院")
    assert by_community["status"] == "CANCELLED"
    assert by_community["history"][-1]["note"] == "居民住院"


async def test_overdue_orders_are_visible_and_escalated(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C001", "resident-overdue")
    committee = hub.as_viewer("community", community="C001")
    order = await _place(resident, "C001", title="超时的订单")
    not_yet = await _refused(committee, "escalateOrder", orderId=order["id"])
    assert not_yet["code"] == "INVALID_STATE"
    assert "待派单" in not_yet["message"]
    assert "尚未超时" in not_yet["message"]

    await _make_overdue(workflow_db, order["id"])
    node = (await committee.query(NODE, {"id": order["id"]}))["node"]
    assert node["isOverdue"] is True
    overdue = await committee.query(
        """{ community(code: "C001") { orders(filter: {overdue: true}, first: 100) {
             edges { node { id isOverdue } } } } }"""
    )
    found = [e["node"] for e in overdue["community"]["orders"]["edges"]]
    assert {"id": order["id"], "isOverdue": True} in found
    assert all(n["isOverdue"] for n in found)
    others = await committee.query(
        """{ community(code: "C001") { orders(filter: {overdue: false}, first: 100) {
             edges { node { id } } } } }"""
    )
    assert order["id"] not in [e["node"]["id"] for e in others["community"]["orders"]["edges"]]

    await _forbidden(hub.as_viewer("community", community="C002"), "escalateOrder",
                     orderId=order["id"])  # fmt: skip
    await _forbidden(resident, "escalateOrder", orderId=order["id"])
    first = await _ok(committee, "escalateOrder", orderId=order["id"], note="请尽快派单")
    assert (first["escalationLevel"], first["status"]) == (1, "ORDERED")
    assert first["escalatedAt"] is not None
    assert first["history"][-1] == {"fromState": "ordered", "toState": "ordered",
                                    "actorRole": "community", "note": "请尽快派单"}  # fmt: skip
    secretary = hub.as_viewer("grid_worker", community="C001", grid=await _grid(hub, "C001"))
    assert (await _ok(secretary, "escalateOrder", orderId=order["id"]))["escalationLevel"] == 2
    district = hub.as_viewer("district", district="D01")
    assert (await _ok(district, "escalateOrder", orderId=order["id"]))["escalationLevel"] == 3

    await _ok(committee, "cancelOrder", orderId=order["id"], reason="重复点单")
    done = await _refused(district, "escalateOrder", orderId=order["id"])
    assert "已取消" in done["message"]


async def test_every_invalid_transition_is_a_user_error_and_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C002", "resident-invalid")
    committee = hub.as_viewer("community", community="C002")
    order = await _place(resident, "C002")
    oid = order["id"]
    [member] = await supporters(hub, "C002", 1)
    me = hub.as_viewer("member", member=member)

    async def refused_in(state: str, viewer: GraphQLClient, mutation: str, **fields: Any) -> None:
        events = await count(workflow_db, "SELECT count(*) FROM state_events")
        error = await _refused(viewer, mutation, orderId=oid, **fields)
        assert error["code"] == "INVALID_STATE", (mutation, error)
        assert f"「{state}」" in error["message"], (mutation, error)
        assert await count(workflow_db, "SELECT count(*) FROM state_events") == events

    await refused_in("待派单", resident, "rateOrder", rating=5)
    await refused_in("待派单", committee, "confirmOrder")
    await refused_in("待派单", committee, "escalateOrder")

    # Dispatch only to a supporter or a paired unit.
    not_reported = await _refused(committee, "dispatchOrder", orderId=oid, takerKind="MEMBER",
                                  takerCode="M-NOWHERE")  # fmt: skip
    assert (not_reported["code"], not_reported["field"]) == ("NOT_REPORTED", "input.takerCode")
    not_paired = await _refused(committee, "dispatchOrder", orderId=oid, takerKind="UNIT",
                                takerCode="U-NOWHERE")  # fmt: skip
    assert not_paired["code"] == "NOT_PAIRED"

    await _ok(committee, "dispatchOrder", orderId=oid, takerKind="MEMBER", takerCode=member)
    await refused_in("已派单", committee, "dispatchOrder", takerKind="MEMBER", takerCode=member)
    await refused_in("已派单", resident, "rateOrder", rating=4)

    await _ok(me, "acceptOrder", orderId=oid)
    await refused_in("已接单", me, "acceptOrder")
    await refused_in("已接单", me, "declineOrder", reason="改主意")
    await refused_in("已接单", committee, "dispatchOrder", takerKind="MEMBER", takerCode=member)
    await refused_in("已接单", committee, "confirmOrder")
    await refused_in("已接单", resident, "cancelOrder", reason="不要了")

    await _ok(me, "closeOrder", orderId=oid, **CLOSING)
    await refused_in("已结单", me, "closeOrder", **CLOSING)
    await refused_in("已结单", committee, "cancelOrder", reason="晚了")
    await refused_in("已结单", committee, "escalateOrder")
    await refused_in("已结单", me, "declineOrder", reason="晚了")

    await _ok(resident, "rateOrder", orderId=oid, rating=4)
    await refused_in("已评价", resident, "rateOrder", rating=5)
    await refused_in("已评价", committee, "confirmOrder")
    await refused_in("已评价", committee, "cancelOrder", reason="晚了")
    await refused_in("已评价", committee, "escalateOrder")
    assert await _points_of(workflow_db, oid) == 1

    unknown = await _refused(committee, "dispatchOrder", orderId=base64.b64encode(
        b"ServiceOrder:999999999").decode(), takerKind="MEMBER", takerCode=member)  # fmt: skip
    assert unknown["code"] == "NOT_FOUND"


async def test_invalid_input_is_refused(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    resident = _resident(hub, "C003", "resident-input")
    committee = hub.as_viewer("community", community="C003")
    blank = await _refused(resident, "placeOrder", communityCode="C003", categoryCode=CATEGORY,
                           title="  ")  # fmt: skip
    assert (blank["code"], blank["field"]) == ("INVALID_INPUT", "input.title")
    category = await _refused(resident, "placeOrder", communityCode="C003",
                              categoryCode="no.such", title="维修")  # fmt: skip
    assert (category["code"], category["field"]) == ("NOT_FOUND", "input.categoryCode")
    building = await _refused(resident, "placeOrder", communityCode="C003",
                              categoryCode=CATEGORY, title="维修", buildingCode="B-NONE")  # fmt: skip
    assert (building["code"], building["field"]) == ("NOT_FOUND", "input.buildingCode")
    for_whom = await _refused(committee, "placeOrder", communityCode="C003",
                              categoryCode=CATEGORY, title="代点单")  # fmt: skip
    assert (for_whom["code"], for_whom["field"]) == ("INVALID_INPUT", "input.beneficiaryName")

    order = await _place(resident, "C003")
    [member] = await supporters(hub, "C003", 1)
    me = hub.as_viewer("member", member=member)
    await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
              takerCode=member)  # fmt: skip
    await _ok(me, "acceptOrder", orderId=order["id"])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"hours": "0"}, "input.hours"),
        ({"hours": "24.5"}, "input.hours"),
        ({"hours": "-1"}, "input.hours"),
        ({"hours": "NaN"}, "input.hours"),
        ({"summary": " "}, "input.summary"),
        ({"evidence": [f"orders/p{n}.jpg" for n in range(10)]}, "input.evidence"),
        ({"evidence": [""]}, "input.evidence"),
    ]
    for change, field in cases:
        error = await _refused(me, "closeOrder", orderId=order["id"], **{**CLOSING, **change})
        assert (error["code"], error["field"]) == ("INVALID_INPUT", field), change
    nine = [f"orders/p{n}.jpg" for n in range(9)]
    closed = await _ok(me, "closeOrder", orderId=order["id"], **{**CLOSING, "hours": "24",
                                                                  "evidence": nine})  # fmt: skip
    assert (float(closed["hours"]), len(closed["evidence"])) == (24.0, 9)

    for rating in (0, 6, -1):
        error = await _refused(resident, "rateOrder", orderId=order["id"], rating=rating)
        assert (error["code"], error["field"]) == ("INVALID_INPUT", "input.rating")
    assert await _points_of(workflow_db, order["id"]) == 0
    node = (await resident.query(NODE, {"id": order["id"]}))["node"]
    assert (node["status"], node["rating"]) == ("CLOSED", None)


async def test_out_of_scope_is_forbidden_and_unseen(hub: GraphQLClient) -> None:
    place = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "越权点单",
             "beneficiaryName": "李四"}  # fmt: skip
    member, other = await supporters(hub, "C001", 2)
    outsiders = [("community", {"community": "C002"}), ("unit_branch", {"unit": "U0001"}),
                 ("member", {"member": member}), ("district", {"district": "D01"}),
                 ("auditor", {}), ("property_company", {"company": "P001"})]  # fmt: skip
    for role, scope in outsiders:
        await _forbidden(hub.as_viewer(role, **scope), "placeOrder", **place)
    await _forbidden(_resident(hub, "C002", "resident-elsewhere"), "placeOrder", **place)

    resident = _resident(hub, "C001", "resident-scope")
    order = await _place(resident, "C001")
    oid = order["id"]
    for role, scope in [*outsiders, ("resident", {"community": "C001"})]:
        await _forbidden(hub.as_viewer(role, **scope), "dispatchOrder", orderId=oid,
                         takerKind="MEMBER", takerCode=member)  # fmt: skip
        await _forbidden(hub.as_viewer(role, **scope), "confirmOrder", orderId=oid)
    secretary = hub.as_viewer("grid_worker", community="C001", grid=await _grid(hub, "C001"))
    await _ok(secretary, "dispatchOrder", orderId=oid, takerKind="MEMBER", takerCode=member)
    on_behalf = await _ok(secretary, "placeOrder", **place)  # 网格员代点单
    assert (on_behalf["orderedByRole"], on_behalf["beneficiaryName"]) == ("grid_worker", "李四")

    me = hub.as_viewer("member", member=member)
    him = hub.as_viewer("member", member=other)
    await _forbidden(him, "acceptOrder", orderId=oid)
    await _forbidden(hub.as_viewer("community", community="C001"), "acceptOrder", orderId=oid)
    await _ok(me, "acceptOrder", orderId=oid)
    await _forbidden(him, "closeOrder", orderId=oid, **CLOSING)
    await _forbidden(resident, "closeOrder", orderId=oid, **CLOSING)
    await _ok(me, "closeOrder", orderId=oid, **CLOSING)
    await _forbidden(_resident(hub, "C001", "resident-neighbour"), "rateOrder", orderId=oid,
                     rating=1)  # fmt: skip
    await _forbidden(me, "rateOrder", orderId=oid, rating=5)
    await _forbidden(hub.as_viewer("community", community="C001"), "rateOrder", orderId=oid,
                     rating=5)  # fmt: skip

    # Read rules: the order is unseen outside its parties.
    for viewer in (him, _resident(hub, "C001", "resident-neighbour"), hub.anonymous(),
                   hub.as_viewer("community", community="C002"),
                   hub.as_viewer("unit_branch", unit="U0001")):  # fmt: skip
        data = await viewer.query("query($id: ID!) { node(id: $id) { id } }", {"id": oid})
        assert data["node"] is None
    history = "query($id: ID!) { node(id: $id) { ... on ServiceOrder { history { toState } } } }"
    for viewer in (me, resident, secretary, hub.as_viewer("auditor")):
        data = await viewer.query(history, {"id": oid})
        assert [e["toState"] for e in data["node"]["history"]] == [
            "ordered", "dispatched", "accepted", "closed"
        ]  # fmt: skip
    neighbours = await _resident(hub, "C001", "resident-neighbour").query(
        "{ myOrders { totalCount } }"
    )
    assert neighbours["myOrders"]["totalCount"] == 0
    events = await him.query(
        "query($m: String!) { member(code: $m) { orders { totalCount } } }", {"m": member}
    )
    assert events["member"] is None or events["member"]["orders"]["totalCount"] == 0


async def test_retried_place_order_returns_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C002", "resident-retry")
    fields = {"communityCode": "C002", "categoryCode": CATEGORY, "title": "重试点单",
              "clientMutationId": "orders-place-retry-1"}  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM service_orders")
    first = await _ok(resident, "placeOrder", **fields)
    payload = await _do(resident, "placeOrder", **fields)
    assert payload["userErrors"] == []
    assert payload["clientMutationId"] == "orders-place-retry-1"
    assert payload["serviceOrder"]["id"] == first["id"]
    assert len(payload["serviceOrder"]["history"]) == 1
    assert await count(workflow_db, "SELECT count(*) FROM service_orders") == before + 1
    # The same key from someone else is his own request.
    other = await _ok(_resident(hub, "C002", "resident-retry-2"), "placeOrder", **fields)
    assert other["id"] != first["id"]


async def test_demand_converted_into_an_order(hub: GraphQLClient) -> None:
    resident = _resident(hub, "C001", "resident-demand")
    committee = hub.as_viewer("community", community="C001")
    raised = await resident.query(
        """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
             userErrors { code } demandItem { id } } }""",
        {"input": {"communityCode": "C001", "categoryCode": CATEGORY, "title": "助浴服务",
                   "requesterName": "赵大妈"}},
    )  # fmt: skip
    demand_id = raised["raiseDemand"]["demandItem"]["id"]
    convert = """mutation($input: ConvertDemandToOrderInput!) { convertDemandToOrder(input: $input) {
        userErrors { code message field } clientMutationId
        demandItem { id status history { fromState toState note } }
        serviceOrder { id status title beneficiaryName demand { id } history { toState note } } } }"""
    pending = await committee.query(convert, {"input": {"demandId": demand_id}})
    error = pending["convertDemandToOrder"]["userErrors"][0]
    assert error["code"] == "INVALID_STATE"
    assert "待审核" in error["message"]
    reviewed = await committee.query(
        """mutation($input: ReviewListEntryInput!) { reviewListEntry(input: $input) {
             userErrors { code } } }""",
        {"input": {"entryId": demand_id, "approve": True}},
    )
    assert reviewed["reviewListEntry"]["userErrors"] == []
    await _forbidden_convert(hub.as_viewer("community", community="C002"), convert, demand_id)
    await _forbidden_convert(resident, convert, demand_id)

    key = {"demandId": demand_id, "clientMutationId": "orders-convert-1"}
    done = (await committee.query(convert, {"input": key}))["convertDemandToOrder"]
    assert done["userErrors"] == []
    order = done["serviceOrder"]
    assert (order["status"], order["title"], order["beneficiaryName"]) == (
        "ORDERED", "助浴服务", "赵大妈"
    )  # fmt: skip
    assert order["demand"] == {"id": demand_id}
    assert done["demandItem"]["status"] == "FULFILLED"
    assert done["demandItem"]["history"][-1]["toState"] == "fulfilled"
    assert done["demandItem"]["history"][-1]["note"].startswith("转为订单")
    retried = (await committee.query(convert, {"input": key}))["convertDemandToOrder"]
    assert retried["serviceOrder"]["id"] == order["id"]
    again = (await committee.query(convert, {"input": {"demandId": demand_id}}))[
        "convertDemandToOrder"
    ]
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已完成" in again["userErrors"][0]["message"]


async def _forbidden_convert(viewer: GraphQLClient, convert: str, demand_id: str) -> None:
    error = await viewer.error(convert, {"input": {"demandId": demand_id}})
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_concurrent_ratings_grant_points_once(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C003", "resident-concurrent")
    committee = hub.as_viewer("community", community="C003")
    order = await _place(resident, "C003")
    [member] = await supporters(hub, "C003", 1)
    me = hub.as_viewer("member", member=member)
    await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
              takerCode=member)  # fmt: skip
    await _ok(me, "acceptOrder", orderId=order["id"])
    await _ok(me, "closeOrder", orderId=order["id"], **CLOSING)
    # The community may confirm only once the resident's rating period has passed (else
    # RESIDENT_RATES): past it, his ratings and its confirmation race for the order.
    await _execute(workflow_db, "UPDATE service_orders SET closed_at = :at WHERE id = :id",
                   at=datetime.now(UTC) - timedelta(days=8), id=_row_id(order["id"]))  # fmt: skip
    bodies = await asyncio.gather(
        *(
            resident.raw(MUTATIONS["rateOrder"], {"input": {"orderId": order["id"], "rating": r}})
            for r in (5, 4, 3)
        ),
        committee.raw(MUTATIONS["confirmOrder"], {"input": {"orderId": order["id"]}}),
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [next(iter(body["data"].values())) for body in bodies]
    won = [p for p in payloads if p["serviceOrder"] is not None]
    assert len(won) == 1
    assert [e["code"] for p in payloads for e in p["userErrors"]] == ["INVALID_STATE"] * 3
    assert await _points_of(workflow_db, order["id"]) == 1
    completions = await count(
        workflow_db,
        "SELECT count(*) FROM state_events WHERE entity_type = 'ServiceOrder'"
        " AND entity_id = :id AND from_state = 'closed'",
        id=_row_id(order["id"]),
    )
    assert completions == 1


OVERDUE_WITH_MEMBERS = """{ community(code: "C002") {
  orders(filter: {overdue: true}, first: 50) { totalCount edges { node {
    id isOverdue category { name } member { name unit { name } } } } } } }"""


async def test_overdue_orders_of_a_community_in_a_fixed_number_of_statements(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C002")

    async def one_more() -> None:
        resident = _resident(hub, "C002", "resident-counts")
        order = await _place(resident, "C002", title="统计用订单")
        [member] = await supporters(hub, "C002", 1)
        await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
                  takerCode=member)  # fmt: skip
        await _ok(hub.as_viewer("member", member=member), "acceptOrder", orderId=order["id"])
        await _make_overdue(workflow_db, order["id"])

    await one_more()
    few = await committee.statements(OVERDUE_WITH_MEMBERS)
    for _ in range(3):
        await one_more()
    many = await committee.statements(OVERDUE_WITH_MEMBERS)
    data = await committee.query(OVERDUE_WITH_MEMBERS)
    nodes = [e["node"] for e in data["community"]["orders"]["edges"]]
    assert len(nodes) >= 4
    assert all(n["isOverdue"] and n["member"]["unit"]["name"] for n in nodes)
    # Community: the community, the orders' page, their count, categories; units side: the
    # members, their units; community side again: members reported to the viewer (its
    # scope on the unit side); one audit insert for the members' names.
    assert few == many == {"community": 5, "units": 2, "audit": 1}
