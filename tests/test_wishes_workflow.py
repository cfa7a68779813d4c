"""Micro-wishes (微心愿) end to end: publish, claim, fulfil, confirm, withdraw; one claimant."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

CATEGORY = "chancheng.epidemic"
WISH_FIELDS = """id title status beneficiaryName claimedByCode claimedAt fulfilledAt confirmedAt
  fulfilmentNote category { code } community { code }
  history { fromState toState actorRole note }"""
PUBLISH = f"""mutation($input: PublishMicroWishInput!) {{ publishMicroWish(input: $input) {{
  clientMutationId userErrors {{ code message field }} microWish {{ {WISH_FIELDS} }} }} }}"""
CLAIM = f"""mutation($input: ClaimMicroWishInput!) {{ claimMicroWish(input: $input) {{
  clientMutationId userErrors {{ code message field }} microWish {{ {WISH_FIELDS} }} }} }}"""
FULFIL = """mutation($input: FulfilMicroWishInput!) { fulfilMicroWish(input: $input) {
  userErrors { code message field } microWish { id status fulfilledAt fulfilmentNote } } }"""
CONFIRM = """mutation($input: ConfirmMicroWishInput!) { confirmMicroWish(input: $input) {
  userErrors { code message field } microWish { id status confirmedAt } } }"""
WITHDRAW = """mutation($input: WithdrawMicroWishInput!) { withdrawMicroWish(input: $input) {
  userErrors { code message field } microWish { id status history { toState note } } } }"""
MUTATIONS = {"fulfil": (FULFIL, "fulfilMicroWish"), "confirm": (CONFIRM, "confirmMicroWish"),
             "withdraw": (WITHDRAW, "withdrawMicroWish")}  # fmt: skip


workflow_db, hub = workflow_fixtures("wishes")


async def _publish(hub: GraphQLClient, community: str, **extra: Any) -> dict[str, Any]:
    committee = hub.as_viewer("community", community=community)
    fields = {"communityCode": community, "title": "一台助听器", "beneficiaryName": "王秀英",
              **extra}  # fmt: skip
    payload = (await committee.query(PUBLISH, {"input": fields}))["publishMicroWish"]
    assert payload["userErrors"] == [], payload
    wish: dict[str, Any] = payload["microWish"]
    return wish


async def _claim(hub: GraphQLClient, member: str, wish_id: str, **extra: Any) -> dict[str, Any]:
    me = hub.as_viewer("member", member=member)
    result = await me.query(CLAIM, {"input": {"wishId": wish_id, **extra}})
    payload: dict[str, Any] = result["claimMicroWish"]
    return payload


async def _step(viewer: GraphQLClient, step: str, wish_id: str, **extra: Any) -> dict[str, Any]:
    query, name = MUTATIONS[step]
    payload: dict[str, Any] = (await viewer.query(query, {"input": {"wishId": wish_id, **extra}}))[
        name
    ]
    return payload


async def test_publish_claim_fulfil_confirm_and_the_full_trail(hub: GraphQLClient) -> None:
    wish = await _publish(hub, "C001", categoryCode=CATEGORY, description="左耳听力下降")
    assert wish["status"] == "PUBLISHED"
    assert (wish["beneficiaryName"], wish["claimedByCode"], wish["claimedAt"]) == (
        "王秀英", None, None
    )  # fmt: skip
    assert wish["category"] == {"code": CATEGORY}
    assert wish["community"] == {"code": "C001"}
    assert wish["history"] == [
        {"fromState": None, "toState": "published", "actorRole": "community", "note": None}
    ]
    [member] = await supporters(hub, "C001", 1)
    claimed = await _claim(hub, member, wish["id"])
    assert claimed["userErrors"] == []
    got = claimed["microWish"]
    assert (got["status"], got["claimedByCode"]) == ("CLAIMED", member)
    assert got["claimedAt"] is not None
    assert got["beneficiaryName"] == "王**"  # a member sees the surname only

    me = hub.as_viewer("member", member=member)
    fulfilled = await _step(me, "fulfil", wish["id"], note="已送达并调试好")
    assert fulfilled["userErrors"] == []
    assert fulfilled["microWish"]["status"] == "FULFILLED"
    assert fulfilled["microWish"]["fulfilmentNote"] == "已送达并调试好"
    assert fulfilled["microWish"]["fulfilledAt"] is not None

    committee = hub.as_viewer("community", community="C001")
    confirmed = await _step(committee, "confirm", wish["id"], note="居民满意")
    assert confirmed["userErrors"] == []
    assert confirmed["microWish"]["status"] == "CONFIRMED"
    assert confirmed["microWish"]["confirmedAt"] is not None
    # Confirming grants the member who fulfilled it the "wish_fulfilled" points (积分).
    earned = await me.query(
        """query($m: String!) { member(code: $m) { points { balance entries(filter: {kinds: [EARN]})
             { edges { node { points action sourceType community { code } } } } } } }""",
        {"m": member},
    )
    entries = [e["node"] for e in earned["member"]["points"]["entries"]["edges"]]
    assert {"points": 5, "action": "wish_fulfilled", "sourceType": "MicroWish",
            "community": {"code": "C001"}} in entries  # fmt: skip
    assert earned["member"]["points"]["balance"] >= 5

    seen = await committee.query(
        """query($id: ID!) { node(id: $id) { ... on MicroWish { status beneficiaryName
             claimedBy { code } history { fromState toState actorRole note } } } }""",
        {"id": wish["id"]},
    )
    node = seen["node"]
    assert (node["status"], node["beneficiaryName"]) == ("CONFIRMED", "王秀英")
    assert node["claimedBy"] == {"code": member}
    assert node["history"] == [
        {"fromState": None, "toState": "published", "actorRole": "community", "note": None},
        {"fromState": "published", "toState": "claimed", "actorRole": "member", "note": None},
        {"fromState": "claimed", "toState": "fulfilled", "actorRole": "member",
         "note": "已送达并调试好"},
        {"fromState": "fulfilled", "toState": "confirmed", "actorRole": "community",
         "note": "居民满意"},
    ]  # fmt: skip

    mine = await me.query(
        "query($m: String!) { member(code: $m) { microWishes { totalCount edges { node {"
        " id status history { toState } } } } } }",
        {"m": member},
    )
    assert mine["member"]["microWishes"]["totalCount"] == 1
    assert mine["member"]["microWishes"]["edges"][0]["node"]["id"] == wish["id"]
    assert len(mine["member"]["microWishes"]["edges"][0]["node"]["history"]) == 4


async def test_every_invalid_step_is_a_user_error_and_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C002")
    wish = await _publish(hub, "C002")
    first, second = await supporters(hub, "C002", 2)
    me = hub.as_viewer("member", member=first)

    # Not claimed yet: neither fulfilled nor confirmed.
    early = await _step(me, "fulfil", wish["id"], note="提前")
    assert early["userErrors"][0]["code"] == "INVALID_STATE"
    assert "待认领" in early["userErrors"][0]["message"]
    confirm_early = await _step(committee, "confirm", wish["id"])
    assert confirm_early["userErrors"][0]["code"] == "INVALID_STATE"
    assert "待认领" in confirm_early["userErrors"][0]["message"]

    assert (await _claim(hub, first, wish["id"]))["userErrors"] == []
    wishes_before = await count(
        workflow_db, "SELECT count(*) FROM micro_wishes WHERE status = 'claimed'"
    )
    events_before = await count(workflow_db, "SELECT count(*) FROM state_events")
    again = await _claim(hub, second, wish["id"])
    assert again["microWish"] is None
    assert again["userErrors"] == [
        {"code": "ALREADY_CLAIMED", "message": "该微心愿已被认领。", "field": "input.wishId"}
    ]
    assert await count(workflow_db, "SELECT count(*) FROM state_events") == events_before
    assert (
        await count(workflow_db, "SELECT count(*) FROM micro_wishes WHERE status = 'claimed'")
        == wishes_before
    )

    blank = await _step(me, "fulfil", wish["id"], note="  ")
    assert blank["userErrors"][0]["code"] == "INVALID_INPUT"
    assert blank["userErrors"][0]["field"] == "input.note"

    [elsewhere] = await supporters(hub, "C003", 1)
    other_wish = await _publish(hub, "C002", title="一套棉被")
    not_here = await _claim(hub, elsewhere, other_wish["id"])
    assert not_here["userErrors"][0]["code"] == "NOT_REPORTED"

    assert (await _step(me, "fulfil", wish["id"], note="已完成"))["userErrors"] == []
    twice = await _step(me, "fulfil", wish["id"], note="再次")
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已实现" in twice["userErrors"][0]["message"]
    late = await _step(committee, "withdraw", wish["id"])
    assert late["userErrors"][0]["code"] == "INVALID_STATE"
    assert (await _step(committee, "confirm", wish["id"]))["userErrors"] == []
    confirm_twice = await _step(committee, "confirm", wish["id"])
    assert "已确认" in confirm_twice["userErrors"][0]["message"]

    # Withdrawn: no claims, no second withdrawal; the row stays with its history.
    withdrawn = await _step(committee, "withdraw", other_wish["id"], reason="已由家属解决")
    assert withdrawn["userErrors"] == []
    assert withdrawn["microWish"]["status"] == "WITHDRAWN"
    assert withdrawn["microWish"]["history"][-1] == {"toState": "withdrawn", "note": "已由家属解决"}
    on_withdrawn = await _claim(hub, second, other_wish["id"])
    assert on_withdrawn["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已撤回" in on_withdrawn["userErrors"][0]["message"]
    assert (await _step(committee, "withdraw", other_wish["id"]))["userErrors"][0][
        "code"
    ] == "INVALID_STATE"

    # A claimed wish may be withdrawn.
    third = await _publish(hub, "C002", title="一副老花镜")
    assert (await _claim(hub, second, third["id"]))["userErrors"] == []
    assert (await _step(committee, "withdraw", third["id"]))["userErrors"] == []

    bad_publish = await committee.query(
        PUBLISH, {"input": {"communityCode": "C002", "title": " ", "beneficiaryName": "李四"}}
    )
    assert bad_publish["publishMicroWish"]["userErrors"][0]["field"] == "input.title"


async def test_out_of_scope_is_forbidden(hub: GraphQLClient) -> None:
    [member, other] = await supporters(hub, "C001", 2)
    fields = {"communityCode": "C001", "title": "愿望", "beneficiaryName": "赵六"}
    outsiders = [("community", {"community": "C002"}), ("unit_branch", {"unit": "U0001"}),
                 ("member", {"member": member}), ("district", {"district": "D01"}),
                 ("auditor", {})]  # fmt: skip
    for role, scope in outsiders:
        error = await hub.as_viewer(role, **scope).error(PUBLISH, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role

    grid = await hub.query(
        '{ community(code: "C001") { grids(first: 1) { edges { node { code } } } } }'
    )
    grid_code = grid["community"]["grids"]["edges"][0]["node"]["code"]
    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=grid_code)
    by_secretary = (await secretary.query(PUBLISH, {"input": fields}))["publishMicroWish"]
    assert by_secretary["userErrors"] == []
    wish_id = by_secretary["microWish"]["id"]

    for role, scope in [("community", {"community": "C001"}), ("district", {"district": "D01"})]:
        error = await hub.as_viewer(role, **scope).error(CLAIM, {"input": {"wishId": wish_id}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    for role, scope in outsiders:
        for step in ("confirm", "withdraw"):
            query, _ = MUTATIONS[step]
            error = await hub.as_viewer(role, **scope).error(query, {"input": {"wishId": wish_id}})
            assert error["extensions"]["code"] == "FORBIDDEN", (role, step)

    assert (await _claim(hub, member, wish_id))["userErrors"] == []
    error = await hub.as_viewer("member", member=other).error(
        FULFIL, {"input": {"wishId": wish_id, "note": "冒领"}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await hub.as_viewer("community", community="C001").error(
        FULFIL, {"input": {"wishId": wish_id, "note": "代办"}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    # The other member no longer sees the wish: it is claimed, and not by him.
    hidden = await hub.as_viewer("member", member=other).query(
        "query($id: ID!) { node(id: $id) { id } }", {"id": wish_id}
    )
    assert hidden["node"] is None


async def test_retried_publish_and_claim_return_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C003")
    fields = {"communityCode": "C003", "title": "重试心愿", "beneficiaryName": "钱七",
              "clientMutationId": "wishes-publish-retry-1"}  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM micro_wishes")
    first = (await committee.query(PUBLISH, {"input": fields}))["publishMicroWish"]
    second = (await committee.query(PUBLISH, {"input": fields}))["publishMicroWish"]
    assert second["userErrors"] == []
    assert second["microWish"]["id"] == first["microWish"]["id"]
    assert second["clientMutationId"] == "wishes-publish-retry-1"
    assert await count(workflow_db, "SELECT count(*) FROM micro_wishes") == before + 1

    [member] = await supporters(hub, "C003", 1)
    key = {"clientMutationId": f"wishes-claim-retry-{member}"}
    claimed = await _claim(hub, member, first["microWish"]["id"], **key)
    retried = await _claim(hub, member, first["microWish"]["id"], **key)
    assert claimed["userErrors"] == []
    assert retried["userErrors"] == []
    assert retried["microWish"]["id"] == claimed["microWish"]["id"]
    assert retried["microWish"]["status"] == "CLAIMED"
    assert len(retried["microWish"]["history"]) == 2


async def test_anonymous_sees_published_wishes_only(hub: GraphQLClient) -> None:
    published = await _publish(hub, "C003", title="公开心愿", beneficiaryName="孙八")
    claimed = await _publish(hub, "C003", title="已认领心愿")
    [member] = await supporters(hub, "C003", 1)
    assert (await _claim(hub, member, claimed["id"]))["userErrors"] == []

    query = """{ community(code: "C003") { microWishes(first: 100) { edges { node {
                 id beneficiaryName history { toState } } } } } }"""
    anonymous = await hub.anonymous().query(query)
    nodes = {e["node"]["id"]: e["node"] for e in anonymous["community"]["microWishes"]["edges"]}
    assert published["id"] in nodes
    assert claimed["id"] not in nodes
    assert nodes[published["id"]]["beneficiaryName"] == "**"
    assert nodes[published["id"]]["history"] == []  # like posts: no trail without a token

    own = await hub.as_viewer("community", community="C003").query(query)
    own_nodes = {e["node"]["id"]: e["node"] for e in own["community"]["microWishes"]["edges"]}
    assert claimed["id"] in own_nodes
    assert own_nodes[published["id"]]["beneficiaryName"] == "孙八"
    other = await hub.as_viewer("community", community="C001").query(query)
    assert claimed["id"] not in {
        e["node"]["id"] for e in other["community"]["microWishes"]["edges"]
    }
    claimant = await hub.as_viewer("member", member=member).query(query)
    mine = {e["node"]["id"]: e["node"] for e in claimant["community"]["microWishes"]["edges"]}
    assert mine[claimed["id"]]["beneficiaryName"] == "王**"
    assert mine[published["id"]]["beneficiaryName"] == "孙*"
    filtered = await hub.anonymous().query(
        '{ community(code: "C003") { microWishes(filter: {statuses: [CLAIMED]}) { totalCount } } }'
    )
    assert filtered["community"]["microWishes"]["totalCount"] == 0
    district = await hub.as_viewer("district", district="D01").query(
        '{ community(code: "C003") { microWishes(filter: {statuses: [CLAIMED]}) { totalCount } } }'
    )
    assert district["community"]["microWishes"]["totalCount"] >= 1


async def test_concurrent_claims_have_exactly_one_winner(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    wish = await _publish(hub, "C001", title="并发心愿")
    members = await supporters(hub, "C001", 6)
    bodies = await asyncio.gather(
        *(
            hub.as_viewer("member", member=m).raw(CLAIM, {"input": {"wishId": wish["id"]}})
            for m in members
        )
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["claimMicroWish"] for body in bodies]
    won = [p for p in payloads if p["microWish"] is not None]
    codes = [e["code"] for p in payloads for e in p["userErrors"]]
    assert len(won) == 1
    assert codes == ["ALREADY_CLAIMED"] * 5
    winner = won[0]["microWish"]["claimedByCode"]
    rows = await count(
        workflow_db,
        "SELECT count(*) FROM micro_wishes WHERE claimed_by = :m AND status = 'claimed'",
        m=winner,
    )
    assert rows == 1
    events = await count(
        workflow_db,
        "SELECT count(*) FROM state_events WHERE entity_type = 'MicroWish'"
        " AND entity_id = (SELECT id FROM micro_wishes WHERE title = :t)"
        " AND to_state = 'claimed'",
        t="并发心愿",
    )
    assert events == 1
