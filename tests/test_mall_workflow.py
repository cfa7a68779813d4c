"""The points mall (积分商城) end to end: merchants, items, redemption, collection, refund;
never oversold and never double-spent, also under concurrent redemptions."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.points_helpers import ledger_sum, points_of, set_balance
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("mall")

_CODES = itertools.count(1)
ERRORS = "clientMutationId userErrors { code message field }"
MERCHANT = f"""mutation($input: CreateMerchantInput!) {{ createMerchant(input: $input) {{
  {ERRORS} merchant {{ id code name active community {{ code }} history {{ toState }} }} }} }}"""
ITEM_FIELDS = (
    "id code name pricePoints stock active merchant { code } history { fromState toState note }"
)
CREATE_ITEM = f"""mutation($input: CreateMallItemInput!) {{ createMallItem(input: $input) {{
  {ERRORS} mallItem {{ {ITEM_FIELDS} }} }} }}"""
UPDATE_ITEM = f"""mutation($input: UpdateMallItemInput!) {{ updateMallItem(input: $input) {{
  {ERRORS} mallItem {{ {ITEM_FIELDS} }} }} }}"""
RESTOCK = f"""mutation($input: RestockMallItemInput!) {{ restockMallItem(input: $input) {{
  {ERRORS} mallItem {{ {ITEM_FIELDS} }} }} }}"""
REDEMPTION_FIELDS = """id memberCode quantity points status collectedAt refundedAt
  item { id stock } spendEntry { id kind points sourceType }
  refundEntry { kind points reverses { id } } history { fromState toState note actorRole }"""
REDEEM = f"""mutation($input: RedeemMallItemInput!) {{ redeemMallItem(input: $input) {{
  {ERRORS} redemption {{ {REDEMPTION_FIELDS} }} }} }}"""
COLLECT = f"""mutation($input: MarkRedemptionCollectedInput!) {{
  markRedemptionCollected(input: $input) {{ {ERRORS} redemption {{ {REDEMPTION_FIELDS} }} }} }}"""
REFUND = f"""mutation($input: RefundRedemptionInput!) {{ refundRedemption(input: $input) {{
  {ERRORS} redemption {{ {REDEMPTION_FIELDS} }} }} }}"""
REVERSE = """mutation($input: ReversePointsEntryInput!) { reversePointsEntry(input: $input) {
  userErrors { code message field } } }"""


def _district(hub: GraphQLClient) -> GraphQLClient:
    return hub.as_viewer("district", district="D01")


async def _merchant(hub: GraphQLClient, community: str | None = "C001") -> dict[str, Any]:
    fields = {"code": f"MER-{next(_CODES)}", "name": "惠民超市", "communityCode": community}
    payload = (await _district(hub).query(MERCHANT, {"input": fields}))["createMerchant"]
    assert payload["userErrors"] == [], payload
    merchant: dict[str, Any] = payload["merchant"]
    return merchant


async def _item(
    hub: GraphQLClient, merchant_id: str, *, price: int = 10, stock: int = 100,
    viewer: GraphQLClient | None = None,
) -> dict[str, Any]:  # fmt: skip
    fields = {"merchantId": merchant_id, "code": f"ITEM-{next(_CODES)}", "name": "大米一袋",
              "pricePoints": price, "stock": stock}  # fmt: skip
    payload = (await (viewer or _district(hub)).query(CREATE_ITEM, {"input": fields}))[
        "createMallItem"
    ]
    assert payload["userErrors"] == [], payload
    item: dict[str, Any] = payload["mallItem"]
    return item


async def _redeem(hub: GraphQLClient, member: str, item_id: str, **extra: Any) -> dict[str, Any]:
    me = hub.as_viewer("member", member=member)
    payload: dict[str, Any] = (await me.query(REDEEM, {"input": {"itemId": item_id, **extra}}))[
        "redeemMallItem"
    ]
    return payload


async def _step(viewer: GraphQLClient, query: str, name: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(query, {"input": fields}))[name]
    return payload


async def _stock(pair: DatabasePair, code: str) -> int:
    return await count(pair, "SELECT stock FROM mall_items WHERE code = :c", c=code)


async def test_redeem_collect_and_the_full_trail(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    merchant = await _merchant(hub)
    assert merchant["community"] == {"code": "C001"}
    assert merchant["history"] == [{"toState": "active"}]
    committee = hub.as_viewer("community", community="C001")
    item = await _item(hub, merchant["id"], price=15, stock=4, viewer=committee)
    assert (item["pricePoints"], item["stock"], item["active"]) == (15, 4, True)
    [member] = await supporters(hub, "C001", 1)
    await set_balance(workflow_db, member, 40)

    done = await _redeem(hub, member, item["id"], quantity=2)
    assert done["userErrors"] == []
    got = done["redemption"]
    assert (got["memberCode"], got["quantity"], got["points"], got["status"]) == (
        member, 2, 30, "REDEEMED"
    )  # fmt: skip
    assert got["item"]["stock"] == 2
    assert got["spendEntry"]["kind"] == "SPEND"
    assert got["spendEntry"]["points"] == -30
    assert got["spendEntry"]["sourceType"] == "Redemption"
    mine = await points_of(hub.as_viewer("member", member=member), member)
    assert mine["balance"] == 10
    assert mine["spent"] >= 30
    assert await ledger_sum(workflow_db, member) == 10

    collected = await _step(committee, COLLECT, "markRedemptionCollected",
                            redemptionId=got["id"], note="已当面领取")  # fmt: skip
    assert collected["userErrors"] == []
    assert collected["redemption"]["status"] == "COLLECTED"
    assert collected["redemption"]["collectedAt"] is not None
    assert collected["redemption"]["history"] == [
        {"fromState": None, "toState": "redeemed", "note": None, "actorRole": "member"},
        {"fromState": "redeemed", "toState": "collected", "note": "已当面领取",
         "actorRole": "community"},
    ]  # fmt: skip
    again = await _step(committee, COLLECT, "markRedemptionCollected", redemptionId=got["id"])
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已领取" in again["userErrors"][0]["message"]
    late = await _step(committee, REFUND, "refundRedemption", redemptionId=got["id"], reason="x")
    assert late["userErrors"][0]["code"] == "INVALID_STATE"

    poor = await _redeem(hub, member, item["id"], quantity=1)
    assert poor["redemption"] is None
    assert poor["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert await _stock(workflow_db, item["code"]) == 2

    listed = await hub.as_viewer("member", member=member).query(
        "query($m: String!) { member(code: $m) { points { redemptions { totalCount edges {"
        " node { id status item { name } } } } } } }",
        {"m": member},
    )
    assert listed["member"]["points"]["redemptions"]["totalCount"] == 1
    of_item = await committee.query(
        "query($id: ID!) { node(id: $id) { ... on MallItem { redemptions(filter: "
        "{statuses: [COLLECTED]}) { totalCount } } } }",
        {"id": item["id"]},
    )
    assert of_item["node"]["redemptions"]["totalCount"] == 1


async def test_refund_restores_stock_and_points_once(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    merchant = await _merchant(hub, "C002")
    item = await _item(hub, merchant["id"], price=20, stock=3)
    [member] = await supporters(hub, "C002", 1)
    await set_balance(workflow_db, member, 50)
    got = (await _redeem(hub, member, item["id"]))["redemption"]
    assert await _stock(workflow_db, item["code"]) == 2
    committee = hub.as_viewer("community", community="C002")

    spend_id = got["spendEntry"]["id"]
    direct = await _district(hub).query(REVERSE, {"input": {"entryId": spend_id, "reason": "x"}})
    assert direct["reversePointsEntry"]["userErrors"][0]["code"] == "INVALID_STATE"

    blank = await _step(committee, REFUND, "refundRedemption", redemptionId=got["id"], reason=" ")
    assert blank["userErrors"][0]["field"] == "input.reason"
    refunded = await _step(committee, REFUND, "refundRedemption", redemptionId=got["id"],
                           reason="商品缺货")  # fmt: skip
    assert refunded["userErrors"] == []
    back = refunded["redemption"]
    assert back["status"] == "REFUNDED"
    assert back["refundedAt"] is not None
    assert back["refundEntry"] == {"kind": "REVERSE", "points": 20, "reverses": {"id": spend_id}}
    assert back["item"]["stock"] == 3
    assert await ledger_sum(workflow_db, member) == 50

    events = await count(workflow_db, "SELECT count(*) FROM state_events")
    twice = await _step(committee, REFUND, "refundRedemption", redemptionId=got["id"],
                        reason="再退")  # fmt: skip
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已退还" in twice["userErrors"][0]["message"]
    collect = await _step(committee, COLLECT, "markRedemptionCollected", redemptionId=got["id"])
    assert collect["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已退还" in collect["userErrors"][0]["message"]
    assert await count(workflow_db, "SELECT count(*) FROM state_events") == events
    assert await ledger_sum(workflow_db, member) == 50
    assert await _stock(workflow_db, item["code"]) == 3


async def test_items_are_managed_and_invalid_input_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    merchant = await _merchant(hub, "C003")
    committee = hub.as_viewer("community", community="C003")
    item = await _item(hub, merchant["id"], price=10, stock=1, viewer=committee)
    changed = await _step(committee, UPDATE_ITEM, "updateMallItem", itemId=item["id"],
                          pricePoints=12)  # fmt: skip
    assert changed["userErrors"] == []
    assert changed["mallItem"]["pricePoints"] == 12
    restocked = await _step(committee, RESTOCK, "restockMallItem", itemId=item["id"], quantity=4)
    assert restocked["mallItem"]["stock"] == 5
    assert [h["note"] for h in restocked["mallItem"]["history"]] == [
        "价格 10 分，库存 1", "价格 10 → 12 分", "补货 4 件，库存 1 → 5"
    ]  # fmt: skip
    off = await _step(committee, UPDATE_ITEM, "updateMallItem", itemId=item["id"], active=False)
    assert off["mallItem"]["active"] is False
    assert off["mallItem"]["history"][-1]["toState"] == "inactive"

    [member] = await supporters(hub, "C003", 1)
    await set_balance(workflow_db, member, 100)
    closed = await _redeem(hub, member, item["id"])
    assert closed["userErrors"][0]["code"] == "INVALID_STATE"
    # Off sale: hidden from members, seen by its community.
    me = hub.as_viewer("member", member=member)
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await me.query(node, {"id": item["id"]}))["node"] is None
    assert (await committee.query(node, {"id": item["id"]}))["node"] == {"id": item["id"]}
    on = await _step(committee, UPDATE_ITEM, "updateMallItem", itemId=item["id"], active=True)
    assert on["mallItem"]["active"] is True

    for quantity in (0, -1, 101):
        bad = await _redeem(hub, member, item["id"], quantity=quantity)
        assert bad["userErrors"][0]["code"] == "INVALID_INPUT", quantity
    too_many = await _redeem(hub, member, item["id"], quantity=6)
    assert too_many["userErrors"][0]["code"] == "OUT_OF_STOCK"
    assert await ledger_sum(workflow_db, member) == 100  # the spend was rolled back
    unknown = await _redeem(hub, member, merchant["id"])
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"

    empty = await _step(committee, UPDATE_ITEM, "updateMallItem", itemId=item["id"])
    assert empty["userErrors"][0]["code"] == "INVALID_INPUT"
    free = await _step(committee, UPDATE_ITEM, "updateMallItem", itemId=item["id"], pricePoints=0)
    assert free["userErrors"][0]["field"] == "input.pricePoints"
    none = await _step(committee, RESTOCK, "restockMallItem", itemId=item["id"], quantity=0)
    assert none["userErrors"][0]["field"] == "input.quantity"
    duplicate = await committee.query(CREATE_ITEM, {"input": {
        "merchantId": merchant["id"], "code": item["code"], "name": "重复", "pricePoints": 1,
        "stock": 1}})  # fmt: skip
    assert duplicate["createMallItem"]["userErrors"][0]["code"] == "DUPLICATE"
    dup_merchant = await _district(hub).query(MERCHANT, {"input": {
        "code": merchant["code"], "name": "重复"}})  # fmt: skip
    assert dup_merchant["createMerchant"]["userErrors"][0]["code"] == "DUPLICATE"


async def test_out_of_scope_is_forbidden(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    merchant = await _merchant(hub, "C001")
    item = await _item(hub, merchant["id"])
    [member] = await supporters(hub, "C001", 1)
    await set_balance(workflow_db, member, 10)
    got = (await _redeem(hub, member, item["id"]))["redemption"]

    outsiders = [("community", {"community": "C002"}), ("member", {"member": member}),
                 ("unit_branch", {"unit": "U0001"}), ("auditor", {}),
                 ("resident", {"community": "C001"})]  # fmt: skip
    own = {"code": f"MER-{next(_CODES)}", "name": "店", "communityCode": "C001"}
    for role, scope in outsiders:
        viewer = hub.as_viewer(role, **scope)
        calls = [
            (MERCHANT, own),
            (CREATE_ITEM, {"merchantId": merchant["id"], "code": "X", "name": "X",
                           "pricePoints": 1, "stock": 1}),
            (UPDATE_ITEM, {"itemId": item["id"], "pricePoints": 1}),
            (RESTOCK, {"itemId": item["id"], "quantity": 1}),
            (COLLECT, {"redemptionId": got["id"]}),
            (REFUND, {"redemptionId": got["id"], "reason": "越权"}),
        ]  # fmt: skip
        for query, fields in calls:
            error = await viewer.error(query, {"input": fields})
            assert error["extensions"]["code"] == "FORBIDDEN", (role, query[:40])
    for role, scope in [("community", {"community": "C001"}), ("district", {"district": "D01"})]:
        error = await hub.as_viewer(role, **scope).error(REDEEM, {"input": {"itemId": item["id"]}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    district_wide = await _merchant(hub, None)
    error = await hub.as_viewer("community", community="C001").error(
        CREATE_ITEM,
        {
            "input": {
                "merchantId": district_wide["id"],
                "code": "Y",
                "name": "Y",
                "pricePoints": 1,
                "stock": 1,
            }
        },
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await _stock(workflow_db, item["code"]) == 99
    # The redeeming member and the merchant's community see the redemption; others do not.
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await hub.as_viewer("member", member=member).query(node, {"id": got["id"]}))["node"]
    assert (await hub.as_viewer("community", community="C001").query(node, {"id": got["id"]}))[
        "node"
    ]
    hidden = await hub.as_viewer("community", community="C002").query(node, {"id": got["id"]})
    assert hidden["node"] is None


async def test_retried_requests_return_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    merchant_fields = {"code": f"MER-{next(_CODES)}", "name": "重试商家", "communityCode": "C002",
                       "clientMutationId": f"mall-merchant-{workflow_db.backend}"}  # fmt: skip
    first = (await _district(hub).query(MERCHANT, {"input": merchant_fields}))["createMerchant"]
    second = (await _district(hub).query(MERCHANT, {"input": merchant_fields}))["createMerchant"]
    assert second["userErrors"] == []
    assert second["merchant"]["id"] == first["merchant"]["id"]
    item_fields = {"merchantId": first["merchant"]["id"], "code": f"ITEM-{next(_CODES)}",
                   "name": "重试商品", "pricePoints": 5, "stock": 10,
                   "clientMutationId": "mall-item-retry"}  # fmt: skip
    items = [(await _district(hub).query(CREATE_ITEM, {"input": item_fields}))["createMallItem"]
             for _ in range(2)]  # fmt: skip
    assert items[0]["mallItem"]["id"] == items[1]["mallItem"]["id"]
    item = items[0]["mallItem"]

    [member] = await supporters(hub, "C002", 1)
    await set_balance(workflow_db, member, 12)
    key = {"clientMutationId": f"mall-redeem-{member}", "quantity": 2}
    once = await _redeem(hub, member, item["id"], **key)
    twice = await _redeem(hub, member, item["id"], **key)
    assert once["userErrors"] == twice["userErrors"] == []
    assert twice["redemption"]["id"] == once["redemption"]["id"]
    assert twice["clientMutationId"] == key["clientMutationId"]
    assert await ledger_sum(workflow_db, member) == 2
    assert await _stock(workflow_db, item["code"]) == 8
    # Retried concurrently: still one redemption.
    key = {"clientMutationId": f"mall-redeem-again-{member}", "quantity": 1}
    await set_balance(workflow_db, member, 5)
    both = await asyncio.gather(*(_redeem(hub, member, item["id"], **key) for _ in range(3)))
    assert len({p["redemption"]["id"] for p in both}) == 1
    assert await ledger_sum(workflow_db, member) == 0


async def test_mall_items_filter_and_visibility(hub: GraphQLClient) -> None:
    merchant = await _merchant(hub, "C003")
    cheap = await _item(hub, merchant["id"], price=3, stock=0)
    dear = await _item(hub, merchant["id"], price=300, stock=2)
    other = await _item(hub, (await _merchant(hub, "C001"))["id"], price=4, stock=1)
    member = hub.as_viewer("member", member="M-any")
    query = """query($f: MallItemFilter) { mallItems(first: 100, filter: $f) { totalCount
      edges { node { id pricePoints merchant { code } } } } }"""

    async def ids(viewer: GraphQLClient, **f: Any) -> set[str]:
        data = await viewer.query(query, {"f": f})
        return {e["node"]["id"] for e in data["mallItems"]["edges"]}

    assert await ids(member, merchantId=merchant["id"]) == {cheap["id"], dear["id"]}
    assert await ids(member, merchantId=merchant["id"], inStock=True) == {dear["id"]}
    assert await ids(member, merchantId=merchant["id"], inStock=False) == {cheap["id"]}
    assert await ids(member, merchantId=merchant["id"], maxPrice=100) == {cheap["id"]}
    found = await ids(member, communityCode="C001", maxPrice=4)
    assert other["id"] in found
    assert cheap["id"] not in found
    assert (await hub.anonymous().query(query, {"f": None}))["mallItems"]["totalCount"] == 0
    merchants = await member.query(
        '{ merchants(first: 100, filter: {communityCode: "C003"}) { edges { node { code } } } }'
    )
    assert merchant["code"] in {e["node"]["code"] for e in merchants["merchants"]["edges"]}


async def test_statements_of_mall_items_do_not_grow(hub: GraphQLClient) -> None:
    merchants = [await _merchant(hub, code) for code in ("C001", "C002", "C003")]
    for merchant in merchants:
        for _ in range(4):
            await _item(hub, merchant["id"])
    query = """query($n: Int!) { mallItems(first: $n) { totalCount edges { node { name stock
      merchant { name community { name } } } } }
      merchants(first: $n) { edges { node { name items(first: 3) { edges { node { name } } } } } } }"""
    few = await hub.statements(query, {"n": 1})
    many = await hub.statements(query, {"n": 12})
    assert few == many
    assert many["community"] <= 6


async def test_one_member_cannot_double_spend(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    item = await _item(hub, (await _merchant(hub))["id"], price=7, stock=100)
    [member] = await supporters(hub, "C001", 1)
    await set_balance(workflow_db, member, 21)  # exactly three redemptions
    spent = "SELECT count(*) FROM points_entries WHERE member_code = :m AND kind = 'spend'"
    spends_before = await count(workflow_db, spent, m=member)
    bodies = await asyncio.gather(
        *(hub.as_viewer("member", member=member).raw(REDEEM, {"input": {"itemId": item["id"]}})
          for _ in range(10))
    )  # fmt: skip
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["redeemMallItem"] for body in bodies]
    assert sum(p["redemption"] is not None for p in payloads) == 3
    codes = [e["code"] for p in payloads for e in p["userErrors"]]
    assert codes == ["INSUFFICIENT_POINTS"] * 7
    seen = await points_of(hub.as_viewer("member", member=member), member)
    assert seen["balance"] == 0
    assert await ledger_sum(workflow_db, member) == 0
    assert await _stock(workflow_db, item["code"]) == 97
    assert await count(workflow_db, spent, m=member) == spends_before + 3


async def test_many_members_never_oversell(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    item = await _item(hub, (await _merchant(hub))["id"], price=5, stock=5)
    members = await supporters(hub, "C001", 12)
    for member in members:
        await set_balance(workflow_db, member, 5)
    bodies = await asyncio.gather(
        *(hub.as_viewer("member", member=m).raw(REDEEM, {"input": {"itemId": item["id"]}})
          for m in members)
    )  # fmt: skip
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["redeemMallItem"] for body in bodies]
    winners = [p["redemption"]["memberCode"] for p in payloads if p["redemption"] is not None]
    assert len(winners) == 5
    codes = [e["code"] for p in payloads for e in p["userErrors"]]
    assert codes == ["OUT_OF_STOCK"] * 7
    assert await _stock(workflow_db, item["code"]) == 0
    for member in members:
        assert await ledger_sum(workflow_db, member) == (0 if member in winners else 5)
    redemptions = await count(
        workflow_db,
        "SELECT count(*) FROM redemptions WHERE item_id ="
        " (SELECT id FROM mall_items WHERE code = :c)",
        c=item["code"],
    )
    assert redemptions == 5
