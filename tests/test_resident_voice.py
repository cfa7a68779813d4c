"""Residents keep their voice (干得好不好让居民来评议), through GraphQL on both backends.

A resident follows the demands he raised and the orders made from them, and rates those
orders himself; his community confirms or rates them on his behalf only where he cannot
(raised offline, the community's own demand, or not rated within the rating period), and
the order records who rated it and why. The last test downgrades the database: it runs
last in the module.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.auth import issue_token
from migrations import runner
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

CATEGORY = "chancheng.epidemic"
ORDER = """id status title takerKind takerCode memberCode member { code } rating ratingComment
  ratedByRole ratingBasis beneficiaryName closedAt history { toState actorRole note }"""
DEMAND = f"""id title status requesterKind requesterName
  suggestedSupporters {{ score }} serviceOrder {{ {ORDER} }}"""
PAYLOAD = f"userErrors {{ code message field }} serviceOrder {{ {ORDER} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on ServiceOrder {{ {ORDER} }} }} }}"
DEMAND_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on DemandItem {{ {DEMAND} }} }} }}"
MY_DEMANDS = f"{{ demandItems(first: 50) {{ totalCount edges {{ node {{ {DEMAND} }} }} }} }}"
MY_ORDERS = "{ myOrders(first: 50) { totalCount edges { node { id status demand { id } } } } }"

workflow_db, hub = workflow_fixtures("voice")


def _resident(hub: GraphQLClient, community: str, subject: str) -> GraphQLClient:
    token = issue_token(
        hub.tokens.settings, role="resident", scope={"community": community},
        subject=subject, ttl=timedelta(hours=1),
    )  # fmt: skip
    return GraphQLClient(hub.http, token, hub.tokens)


async def _mutate(viewer: GraphQLClient, name: str, **fields: Any) -> dict[str, Any]:
    kind = f"{name[0].upper()}{name[1:]}Input"
    body = {
        "raiseDemand": "userErrors { code message } demandItem { id }",
        "reviewListEntry": "userErrors { code message }",
        "convertDemandToOrder": f"userErrors {{ code message }} serviceOrder {{ {ORDER} }}",
    }.get(name, PAYLOAD)
    data = await viewer.query(
        f"mutation($input: {kind}!) {{ {name}(input: $input) {{ {body} }} }}", {"input": fields}
    )
    payload: dict[str, Any] = data[name]
    return payload


async def _ok(viewer: GraphQLClient, name: str, **fields: Any) -> dict[str, Any]:
    payload = await _mutate(viewer, name, **fields)
    assert payload["userErrors"] == [], payload
    return payload


async def _forbidden(viewer: GraphQLClient, name: str, **fields: Any) -> None:
    kind = f"{name[0].upper()}{name[1:]}Input"
    error = await viewer.error(
        f"mutation($input: {kind}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}",
        {"input": fields},
    )
    assert error["extensions"]["code"] == "FORBIDDEN", (name, error)


async def _raise(viewer: GraphQLClient, community: str, title: str, **extra: Any) -> str:
    raised = await _ok(viewer, "raiseDemand", communityCode=community, categoryCode=CATEGORY,
                       title=title, **extra)  # fmt: skip
    demand_id: str = raised["demandItem"]["id"]
    return demand_id


async def _converted(committee: GraphQLClient, demand_id: str) -> dict[str, Any]:
    """Publish the demand and turn it into an order (需求转订单)."""
    await _ok(committee, "reviewListEntry", entryId=demand_id, approve=True)
    done = await _ok(committee, "convertDemandToOrder", demandId=demand_id)
    order: dict[str, Any] = done["serviceOrder"]
    return order


async def _served(hub: GraphQLClient, committee: GraphQLClient, community: str,
                  order_id: str) -> str:  # fmt: skip
    """Dispatched to a supporter, accepted and closed by him; his code."""
    [member] = await supporters(hub, community, 1)
    await _ok(committee, "dispatchOrder", orderId=order_id, takerKind="MEMBER", takerCode=member)
    me = hub.as_viewer("member", member=member)
    await _ok(me, "acceptOrder", orderId=order_id)
    await _ok(me, "closeOrder", orderId=order_id, summary="已上门服务", hours="2", evidence=[])
    return member


async def _execute(pair: DatabasePair, sql: str, **params: Any) -> None:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


def _row_id(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().split(":")[1])


async def _rating_period_lapsed(pair: DatabasePair, order_id: str) -> None:
    """The resident did not rate within the rating period (7 days after the closing)."""
    await _execute(pair, "UPDATE service_orders SET closed_at = :at WHERE id = :id",
                   at=datetime.now(UTC) - timedelta(days=8), id=_row_id(order_id))  # fmt: skip


async def test_resident_follows_his_demands_and_their_orders_not_others(
    hub: GraphQLClient,
) -> None:
    zhao = _resident(hub, "C001", "voice-zhao")
    qian = _resident(hub, "C001", "voice-qian")
    committee = hub.as_viewer("community", community="C001")
    assert (await zhao.query(MY_DEMANDS))["demandItems"]["totalCount"] == 0
    mine = await _raise(zhao, "C001", "楼道灯坏了", requesterName="赵大妈")
    theirs = await _raise(qian, "C001", "家门口积水", requesterName="钱大爷")

    listed = (await zhao.query(MY_DEMANDS))["demandItems"]
    assert [e["node"]["id"] for e in listed["edges"]] == [mine]
    [seen] = [e["node"] for e in listed["edges"]]
    # His own name in full; no supporters suggested (members are not a resident's to read).
    assert (seen["status"], seen["requesterKind"], seen["requesterName"]) == (
        "PENDING_REVIEW", "RESIDENT", "赵大妈"
    )  # fmt: skip
    assert (seen["suggestedSupporters"], seen["serviceOrder"]) == ([], None)
    assert (await zhao.query(DEMAND_NODE, {"id": theirs}))["node"] is None
    # The same subject in another community is another caller: not his there.
    elsewhere = _resident(hub, "C002", "voice-zhao")
    assert (await elsewhere.query(DEMAND_NODE, {"id": mine}))["node"] is None

    order = await _converted(committee, mine)
    other_order = await _converted(committee, theirs)
    followed = (await zhao.query(DEMAND_NODE, {"id": mine}))["node"]
    assert followed["status"] == "FULFILLED"
    assert (followed["serviceOrder"]["id"], followed["serviceOrder"]["status"]) == (
        order["id"], "ORDERED"
    )  # fmt: skip
    orders = (await zhao.query(MY_ORDERS))["myOrders"]
    assert [(e["node"]["id"], e["node"]["demand"]) for e in orders["edges"]] == [
        (order["id"], {"id": mine})
    ]
    assert (await zhao.query(NODE, {"id": other_order["id"]}))["node"] is None
    assert (await elsewhere.query(NODE, {"id": order["id"]}))["node"] is None

    member = await _served(hub, committee, "C001", order["id"])
    progress = (await zhao.query(NODE, {"id": order["id"]}))["node"]
    # Who took it and how far it got; the member himself is not a resident's to read.
    assert (progress["status"], progress["takerKind"], progress["memberCode"]) == (
        "CLOSED", "MEMBER", member
    )  # fmt: skip
    assert progress["member"] is None
    assert [(e["toState"], e["actorRole"]) for e in progress["history"]] == [
        ("ordered", "community"), ("dispatched", "community"), ("accepted", "member"),
        ("closed", "member"),
    ]  # fmt: skip
    assert (await qian.query(NODE, {"id": order["id"]}))["node"] is None


async def test_resident_rates_his_converted_order_the_community_is_refused(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    sun = _resident(hub, "C002", "voice-sun")
    committee = hub.as_viewer("community", community="C002")
    demand = await _raise(sun, "C002", "助浴服务", requesterName="孙奶奶")
    order = await _converted(committee, demand)
    member = await _served(hub, committee, "C002", order["id"])

    # His voice: neither his community nor a grid secretary of it rates while he may.
    refused = await _mutate(committee, "confirmOrder", orderId=order["id"], rating=5)
    assert refused["serviceOrder"] is None
    [error] = refused["userErrors"]
    assert (error["code"], error["field"]) == ("RESIDENT_RATES", "input.orderId")
    assert "居民本人评价" in error["message"]
    assert "7 天" in error["message"]
    secretary = hub.as_viewer("grid_worker", community="C002", grid=await _grid(hub, "C002"))
    again = await _mutate(secretary, "confirmOrder", orderId=order["id"])
    assert again["userErrors"][0]["code"] == "RESIDENT_RATES"
    # Another resident of the community may not rate an order not from his demand.
    await _forbidden(_resident(hub, "C002", "voice-li"), "rateOrder", orderId=order["id"],
                     rating=1)  # fmt: skip
    await _forbidden(_resident(hub, "C003", "voice-sun"), "rateOrder", orderId=order["id"],
                     rating=1)  # fmt: skip

    before = await _performance(hub, member)
    rated = (await _ok(sun, "rateOrder", orderId=order["id"], rating=4, comment="很耐心"))[
        "serviceOrder"
    ]
    assert (rated["status"], rated["rating"], rated["ratingComment"]) == ("RATED", 4, "很耐心")
    assert (rated["ratedByRole"], rated["ratingBasis"]) == ("resident", "RESIDENT")
    assert rated["history"][-1]["actorRole"] == "resident"
    points = await count(
        workflow_db, "SELECT count(*) FROM points_entries WHERE source_type = 'ServiceOrder' "
        "AND source_id = :id AND member_code = :m", id=_row_id(order["id"]), m=member,
    )  # fmt: skip
    assert points == 1
    # The rating feeds his year outside working hours as before.
    after = await _performance(hub, member)
    assert (after["count"], after["rated"]) == (before["count"] + 1, before["rated"] + 1)
    assert after["averageRating"] == 4.0
    late = await _mutate(committee, "confirmOrder", orderId=order["id"])
    assert late["userErrors"][0]["code"] == "INVALID_STATE"


async def test_community_rates_on_his_behalf_where_he_cannot_and_says_so(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C003")
    secretary = hub.as_viewer("grid_worker", community="C003", grid=await _grid(hub, "C003"))
    # Raised offline by a grid worker for a resident without the app (网格员代提).
    offline = await _converted(
        committee, await _raise(secretary, "C003", "代老人申请修水管", requesterName="周大爷")
    )
    # The community's own demand: no resident to rate.
    own = await _converted(committee, await _raise(committee, "C003", "社区公共区域消杀"))
    # Ordered on a resident's behalf (代点单).
    placed = (await _ok(committee, "placeOrder", communityCode="C003", categoryCode=CATEGORY,
                        title="代点单：换灯泡", beneficiaryName="吴阿姨"))["serviceOrder"]  # fmt: skip
    # A resident's own demand he did not rate within the period.
    wu = _resident(hub, "C003", "voice-wu")
    lapsed = await _converted(
        committee, await _raise(wu, "C003", "修理门锁", requesterName="吴先生")
    )
    members = {}
    for order in (offline, own, placed, lapsed):
        members[order["id"]] = await _served(hub, committee, "C003", order["id"])
    await _forbidden(wu, "rateOrder", orderId=offline["id"], rating=5)
    await _rating_period_lapsed(workflow_db, lapsed["id"])
    before = await _performance(hub, members[placed["id"]])

    cases = ((offline, secretary, "OFFLINE", "grid_worker"), (own, committee,
             "COMMUNITY_DEMAND", "community"), (placed, committee, "OFFLINE", "community"),
             (lapsed, committee, "NOT_RATED_IN_TIME", "community"))  # fmt: skip
    for order, viewer, basis, role in cases:
        done = (await _ok(viewer, "confirmOrder", orderId=order["id"], rating=3,
                          comment="电话回访", note="回访记录"))["serviceOrder"]  # fmt: skip
        assert (done["status"], done["rating"], done["ratingComment"]) == (
            "CONFIRMED",
            3,
            "电话回访",
        )
        assert (done["ratedByRole"], done["ratingBasis"]) == (role, basis), order["title"]
        last = done["history"][-1]
        assert (last["toState"], last["actorRole"]) == ("confirmed", role)
        assert last["note"].startswith("代居民确认：")
        assert last["note"].endswith("回访记录")
    # On whose behalf: the resident named by the order (beneficiaryName), in full for the
    # community; the lapsed order is the resident's own: he still sees it, rated for him.
    seen = (await committee.query(NODE, {"id": offline["id"]}))["node"]
    assert seen["beneficiaryName"] == "周大爷"
    his = (await wu.query(NODE, {"id": lapsed["id"]}))["node"]
    assert (his["status"], his["ratedByRole"], his["ratingBasis"]) == (
        "CONFIRMED", "community", "NOT_RATED_IN_TIME"
    )  # fmt: skip
    # An on-behalf rating feeds the member's figures like his own would.
    perf = await _performance(hub, members[placed["id"]])
    assert (perf["count"], perf["rated"]) == (before["count"] + 1, before["rated"] + 1)
    assert perf["averageRating"] is not None
    # Without a rating it is a confirmation only: completed, points, no rating.
    plain = await _converted(
        committee, await _raise(secretary, "C003", "代提：清理楼道", requesterName="郑大妈")
    )
    await _served(hub, committee, "C003", plain["id"])
    confirmed = (await _ok(committee, "confirmOrder", orderId=plain["id"]))["serviceOrder"]
    assert (confirmed["rating"], confirmed["ratingBasis"]) == (None, "OFFLINE")
    assert (
        confirmed["history"][-1]["note"]
        == "代居民确认：居民线下由他人代为点单或提出需求，无本人账号记录"
    )


async def test_an_order_he_placed_himself_is_his_to_rate_also_after_the_period(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """The rule holds for orders a resident placed himself (placeOrder) too; past the rating
    period he may still rate as long as the community has not confirmed it."""
    chen = _resident(hub, "C002", "voice-chen")
    committee = hub.as_viewer("community", community="C002")
    order = (await _ok(chen, "placeOrder", communityCode="C002", categoryCode=CATEGORY,
                       title="自己点的单"))["serviceOrder"]  # fmt: skip
    await _served(hub, committee, "C002", order["id"])
    refused = await _mutate(committee, "confirmOrder", orderId=order["id"])
    assert refused["userErrors"][0]["code"] == "RESIDENT_RATES"
    await _rating_period_lapsed(workflow_db, order["id"])
    rated = (await _ok(chen, "rateOrder", orderId=order["id"], rating=2))["serviceOrder"]
    assert (rated["status"], rated["ratedByRole"], rated["ratingBasis"]) == (
        "RATED", "resident", "RESIDENT"
    )  # fmt: skip


async def _grid(hub: GraphQLClient, community: str) -> str:
    data = await hub.query(
        "query($c: String!) { community(code: $c) { grids(first: 1) { edges { node { code } } } } }",
        {"c": community},
    )
    code: str = data["community"]["grids"]["edges"][0]["node"]["code"]
    return code


PERFORMANCE = """query($m: String!, $y: Int!) { member(code: $m) { performance(year: $y) {
  orders { count rated averageRating } } } }"""


async def _performance(hub: GraphQLClient, member: str) -> dict[str, Any]:
    year = (datetime.now(UTC) + timedelta(hours=8)).year
    data = await hub.as_viewer("district", district="D01").query(
        PERFORMANCE, {"m": member, "y": year}
    )
    figures: dict[str, Any] = data["member"]["performance"]["orders"]
    return figures


async def test_seeded_demo_shows_residents_rating_and_ratings_on_their_behalf(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """The demo data: the demo resident's demands and the orders made from them, rated by
    residents, and orders confirmed and rated on a resident's behalf, saying why."""
    bases = {
        basis: await count(workflow_db, "SELECT count(*) FROM service_orders "
                           "WHERE rating_basis = :b AND rating IS NOT NULL", b=basis)
        for basis in ("resident", "offline")
    }  # fmt: skip
    assert all(bases.values()), bases
    assert await count(
        workflow_db, "SELECT count(*) FROM service_orders WHERE status IN ('rated', 'confirmed') "
        "AND (rated_by_role IS NULL OR rating_basis IS NULL)",
    ) == 0  # fmt: skip
    assert await count(
        workflow_db, "SELECT count(*) FROM service_orders WHERE status = 'rated' "
        "AND rating_basis != 'resident'",
    ) == 0  # fmt: skip
    community = await count(
        workflow_db, "SELECT min(d.community_id) FROM demand_items d JOIN service_orders o "
        "ON o.demand_id = d.id WHERE d.raised_by_subject = 'demo-resident'",
    )  # fmt: skip
    assert community
    code = await _community_code(workflow_db, community)
    demo = _resident(hub, code, "demo-resident")
    demands = [e["node"] for e in (await demo.query(MY_DEMANDS))["demandItems"]["edges"]]
    assert demands
    assert all(d["requesterKind"] == "RESIDENT" for d in demands)
    assert any(d["serviceOrder"] is not None for d in demands)


async def _community_code(pair: DatabasePair, community_id: int) -> str:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT code FROM communities WHERE id = :i"), {"i": community_id}
            )
            return str(found.scalar_one())
    finally:
        await engine.dispose()


# --- the rating period is policy (居民评价期限) ---------------------------------------------

POLICY = """query($y: Int!, $d: String) { ratingPolicy(year: $y, districtCode: $d) {
  year districtCode version ratingDays isDefault note updatedBy
  history { version ratingDays note } } }"""
SET_POLICY = """mutation($input: SetRatingPolicyInput!) { setRatingPolicy(input: $input) {
  clientMutationId userErrors { code message field }
  policy { year districtCode version ratingDays isDefault updatedBy } } }"""


async def _set_policy(viewer: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(SET_POLICY, {"input": fields}))["setRatingPolicy"]
    return payload


async def _closed_days_ago(pair: DatabasePair, order_id: str, days: int) -> None:
    await _execute(pair, "UPDATE service_orders SET closed_at = :at WHERE id = :id",
                   at=datetime.now(UTC) - timedelta(days=days), id=_row_id(order_id))  # fmt: skip


async def test_the_district_sets_the_rating_period_per_year_and_confirm_follows_it(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    district = hub.as_viewer("district", district="D01")
    committee = hub.as_viewer("community", community="C004")
    resident = _resident(hub, "C004", "voice-policy")
    # Without a token: nothing; signed in, a year nobody set: the documented default.
    assert (await hub.anonymous().query(POLICY, {"y": 2031}))["ratingPolicy"] is None
    default = (await resident.query(POLICY, {"y": 2031}))["ratingPolicy"]
    assert (default["ratingDays"], default["isDefault"], default["version"]) == (7, True, 0)
    assert (default["history"], default["updatedBy"]) == ([], None)

    # His order, closed 4 days ago: under the default (7 days) it is his alone to rate.
    order = await _converted(
        committee, await _raise(resident, "C004", "换水龙头", requesterName="孙先生")
    )
    await _served(hub, committee, "C004", order["id"])
    await _closed_days_ago(workflow_db, order["id"], 4)
    year = (datetime.now(UTC) - timedelta(days=4) + timedelta(hours=8)).year
    refused = await _mutate(committee, "confirmOrder", orderId=order["id"])
    assert refused["userErrors"][0]["code"] == "RESIDENT_RATES"
    assert "7 天内" in refused["userErrors"][0]["message"]

    # Only the district sets it; within 1..60 days.
    error = await committee.error(SET_POLICY, {"input": {"year": year, "ratingDays": 3}})
    assert error["extensions"]["code"] == "FORBIDDEN"
    for days in (0, 61):
        too_long = await _set_policy(district, year=year, ratingDays=days)
        assert [(e["code"], e["field"]) for e in too_long["userErrors"]] == [
            ("INVALID_INPUT", "input.ratingDays")
        ]
    before = await count(
        workflow_db, "SELECT count(*) FROM rating_policies WHERE year = :y", y=year
    )

    # 3 days for every district: the period is over, the community confirms for him.
    set3 = await _set_policy(district, year=year, ratingDays=3, note="缩短为 3 天",
                             clientMutationId="rp-1")  # fmt: skip
    assert set3["userErrors"] == []
    assert set3["clientMutationId"] == "rp-1"
    assert (set3["policy"]["ratingDays"], set3["policy"]["isDefault"]) == (3, False)
    assert set3["policy"]["districtCode"] is None
    assert set3["policy"]["updatedBy"] == "test-district"
    again = await _set_policy(district, year=year, ratingDays=3, note="缩短为 3 天")
    assert again["policy"]["version"] == set3["policy"]["version"]  # the same: no version
    done = (await _ok(committee, "confirmOrder", orderId=order["id"]))["serviceOrder"]
    assert (done["status"], done["ratedByRole"], done["ratingBasis"]) == (
        "CONFIRMED", "community", "NOT_RATED_IN_TIME"
    )  # fmt: skip
    assert done["history"][-1]["note"] == "代居民确认：居民逾期未评价"

    # The district's own rule wins over the one for every district: 5 days for D01.
    own = await _set_policy(district, year=year, ratingDays=5, districtCode="D01")
    assert own["policy"]["districtCode"] == "D01"
    seen = (await district.query(POLICY, {"y": year}))["ratingPolicy"]
    assert (seen["ratingDays"], seen["districtCode"]) == (5, "D01")
    every = (await resident.query(POLICY, {"y": year}))["ratingPolicy"]  # no district in scope
    assert every["ratingDays"] == 3
    second = await _converted(
        committee, await _raise(resident, "C004", "修门铃", requesterName="孙先生")
    )
    await _served(hub, committee, "C004", second["id"])
    await _closed_days_ago(workflow_db, second["id"], 4)
    waits = await _mutate(committee, "confirmOrder", orderId=second["id"])
    assert waits["userErrors"][0]["code"] == "RESIDENT_RATES"
    assert "5 天内" in waits["userErrors"][0]["message"]

    # Back to 7 days, kept as history: every version, newest first; each change audited
    # as a state event of its version.
    await _set_policy(district, year=year, ratingDays=7, districtCode="D01", note="恢复")
    await _set_policy(district, year=year, ratingDays=7, note="恢复")
    history = (await resident.query(POLICY, {"y": year, "d": ""}))["ratingPolicy"]["history"]
    assert [(h["ratingDays"], h["note"]) for h in history][:2] == [(7, "恢复"), (3, "缩短为 3 天")]
    assert (
        await count(workflow_db, "SELECT count(*) FROM rating_policies WHERE year = :y", y=year)
        == before + 4
    )
    assert await count(
        workflow_db, "SELECT count(*) FROM state_events WHERE entity_type = 'RatingPolicy' "
        "AND entity_id IN (SELECT id FROM rating_policies WHERE year = :y)", y=year,
    ) == 4  # fmt: skip


async def test_seeded_demo_has_orders_not_rated_in_time_and_the_period_history(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """The demo: orders rated by residents, confirmed on their behalf, and confirmed because
    the resident let the rating period pass (never before it was over)."""
    for basis in ("resident", "offline", "not_rated_in_time"):
        assert await count(
            workflow_db, "SELECT count(*) FROM service_orders WHERE rating_basis = :b", b=basis
        ), basis
    assert await count(
        workflow_db, "SELECT count(*) FROM service_orders WHERE rating_basis = "
        "'not_rated_in_time' AND (status != 'confirmed' OR rated_by_role != 'community' "
        "OR rating IS NOT NULL) AND ordered_at < '2026-07-01'",  # the seeded year only
    ) == 0  # fmt: skip
    lapsed = await count(
        workflow_db, "SELECT min(id) FROM service_orders WHERE rating_basis = 'not_rated_in_time'"
    )
    district = hub.as_viewer("district", district="D01")
    node = (await district.query(NODE, {"id": _order_id(lapsed)}))["node"]
    closed = datetime.fromisoformat(node["closedAt"])
    assert (node["status"], node["ratedByRole"], node["ratingBasis"]) == (
        "CONFIRMED", "community", "NOT_RATED_IN_TIME"
    )  # fmt: skip
    when = await _confirmed_at(workflow_db, lapsed)
    assert when - closed >= timedelta(days=7)
    policy = (await district.query(POLICY, {"y": 2026}))["ratingPolicy"]
    assert (policy["ratingDays"], policy["version"], policy["isDefault"]) == (7, 2, False)
    assert [h["ratingDays"] for h in policy["history"]] == [7, 5]


def _order_id(row_id: int) -> str:
    import base64

    return base64.b64encode(f"ServiceOrder:{row_id}".encode()).decode()


async def _confirmed_at(pair: DatabasePair, order_id: int) -> datetime:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT confirmed_at FROM service_orders WHERE id = :i"), {"i": order_id}
            )
            value = found.scalar_one()
    finally:
        await engine.dispose()
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_migration_marks_who_rated_existing_orders_and_keeps_ratings(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Rows written before 0011: a rated order (by its resident, through rateOrder), a
    confirmed one (by the community, as it was) and a resident's demand whose order waits
    for his rating. Downgrade, upgrade: who rated is marked, the ratings stay, and the
    resident keeps his demand and his voice by the legacy rule (his subject and role)."""
    committee = hub.as_viewer("community", community="C001")
    zhou = _resident(hub, "C001", "voice-migrated")
    rated = (await _ok(zhou, "placeOrder", communityCode="C001", categoryCode=CATEGORY,
                       title="迁移前已评价"))["serviceOrder"]  # fmt: skip
    await _served(hub, committee, "C001", rated["id"])
    await _ok(zhou, "rateOrder", orderId=rated["id"], rating=5, comment="满意")
    confirmed = (await _ok(committee, "placeOrder", communityCode="C001", categoryCode=CATEGORY,
                           title="迁移前已确认", beneficiaryName="冯奶奶"))["serviceOrder"]  # fmt: skip
    await _served(hub, committee, "C001", confirmed["id"])
    await _ok(committee, "confirmOrder", orderId=confirmed["id"])
    demand = await _raise(zhou, "C001", "迁移前的需求", requesterName="周先生")
    waiting = await _converted(committee, demand)
    await _served(hub, committee, "C001", waiting["id"])
    # What 0010 held: no rater, no basis, no raiser; the ratings and comments as they were.
    await runner.downgrade_async("community", workflow_db.community_url, "0010")
    await runner.upgrade_async("community", workflow_db.community_url)
    assert await count(
        workflow_db, "SELECT count(*) FROM demand_items WHERE raised_by_identity IS NOT NULL"
    ) == 0  # fmt: skip

    after = (await committee.query(NODE, {"id": rated["id"]}))["node"]
    assert (after["rating"], after["ratingComment"], after["ratedByRole"], after["ratingBasis"]) == (
        5, "满意", "resident", "RESIDENT"
    )  # fmt: skip
    legacy = (await committee.query(NODE, {"id": confirmed["id"]}))["node"]
    assert (legacy["status"], legacy["ratedByRole"], legacy["ratingBasis"]) == (
        "CONFIRMED", "community", "LEGACY"
    )  # fmt: skip
    # Every completed order of the seeded data is marked; none left unmarked.
    assert await count(
        workflow_db, "SELECT count(*) FROM service_orders WHERE status IN ('rated', 'confirmed') "
        "AND (rated_by_role IS NULL OR rating_basis IS NULL)",
    ) == 0  # fmt: skip
    # His demand is still his (subject and role, in his community), and so is his voice.
    mine = (await zhou.query(DEMAND_NODE, {"id": demand}))["node"]
    assert (mine["id"], mine["serviceOrder"]["status"]) == (demand, "CLOSED")
    refused = await _mutate(committee, "confirmOrder", orderId=waiting["id"])
    assert refused["userErrors"][0]["code"] == "RESIDENT_RATES"
    done = (await _ok(zhou, "rateOrder", orderId=waiting["id"], rating=5))["serviceOrder"]
    assert (done["ratedByRole"], done["ratingBasis"]) == ("resident", "RESIDENT")
