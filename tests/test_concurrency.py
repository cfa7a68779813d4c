"""Racing state changes through the public API: exactly one request wins, on both backends.

Each race makes a fresh contested object, then sends `CONTENDERS` requests at once
(`asyncio.gather` over the ASGI app), alternating the race's two moves. Exactly one must
succeed; every other gets a typed user error (never a top-level error such as
INTERNAL_SERVER_ERROR or SERVICE_BUSY). Plain SQL is the ground truth: the object is in
the state the winner's move leaves, and the state history grew by exactly the winner's
events (nothing half-written, nothing written twice). Each race runs `REPEATS` times.

A race is one line of `RACES`: a kind of contested object (`KINDS`) and two moves
(`MOVES`). The mall's stock and a member's points account are raced below with
redemptions that would overdraw them without their locks.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.community.source import CommunitySource
from gateway.auth import issue_token
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.points_helpers import ledger_sum, set_balance
from tests.workflow import count, supporters, taken, workflow_fixtures

REPEATS = 3
CONTENDERS = 4
CATEGORY = "chancheng.epidemic"
# The codes a losing request may get: it waited for the winner and saw its state.
LOSING_CODES = {"INVALID_STATE", "DUPLICATE", "ALREADY_CLAIMED", "FULL"}
EVENTS = "SELECT count(*) FROM state_events"

workflow_db, hub = workflow_fixtures("races")
_SERIAL = itertools.count(1)


def _global_id(type_name: str, row: int) -> str:
    return base64.b64encode(f"{type_name}:{row}".encode()).decode()


def _row_id(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


async def _rows(pair: DatabasePair, sql: str, **params: Any) -> list[Any]:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def _value(pair: DatabasePair, sql: str, **params: Any) -> Any:
    [row] = await _rows(pair, sql, **params)
    return row[0]


async def _make(
    viewer: GraphQLClient, mutation: str, input_type: str, entity: str, **fields: Any
) -> str:
    """Run a setup mutation that must succeed; the global id of what it made or changed."""
    document = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input) {{
      userErrors {{ code message field }} {entity} {{ id }} }} }}"""
    payload = (await viewer.query(document, {"input": fields}))[mutation]
    assert payload["userErrors"] == [], (mutation, payload)
    return str(payload[entity]["id"])


@dataclass
class Subject:
    """One contested object: its global id and the viewers of the moves on it."""

    id: str
    viewers: dict[str, GraphQLClient]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def row(self) -> int:
        return _row_id(self.id)


@dataclass(frozen=True)
class Kind:
    """How to make a fresh contested object, and its state in plain SQL (`_params`)."""

    make: Callable[[GraphQLClient, DatabasePair], Awaitable[Subject]]
    state: str


@dataclass(frozen=True)
class Move:
    """One contender: a mutation, whose viewer sends it, its input, and what it leaves."""

    mutation: str
    input_type: str
    viewer: str
    fields: Callable[[Subject], dict[str, Any]]
    state: Any  # the object's state (`Kind.state`) after this move won
    events: int = 1  # `state_events` rows the winning move writes

    @property
    def document(self) -> str:
        return f"""mutation($input: {self.input_type}!) {{ {self.mutation}(input: $input) {{
          userErrors {{ code message field }} }} }}"""


@dataclass(frozen=True)
class Race:
    kind: str
    a: str
    b: str
    once: str | None = None  # SQL (`:id` or `:key`, see `_params`) giving 1 after the race


# --- contested objects -----------------------------------------------------------------------

# Seeded communities with the most supporters first: each race takes fresh members.
COMMUNITIES = ["C009", "C007", "C002", "C011", "C008", "C006", "C012", "C010", "C004", "C001"]


async def _members(hub: GraphQLClient, n: int) -> tuple[str, list[str]]:
    """A community with `n` supporters no test used yet, and them."""
    for community in COMMUNITIES:
        try:
            return community, await supporters(hub, community, n)
        except AssertionError:
            continue
    raise AssertionError("the seeded data ran out of supporters")


async def _pending_report(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    used = taken(hub)
    free = await _rows(
        pair,
        "SELECT DISTINCT member_code FROM reports WHERE status IN ('returned', 'closed')"
        " AND member_code NOT IN (SELECT member_code FROM reports"
        " WHERE status IN ('pending', 'confirmed')) ORDER BY member_code",
    )
    codes = [code for (code,) in free if code not in used]
    units = await _unit_members(pair, codes)
    member = next(code for code in codes if code in units)
    used.add(member)
    me = hub.as_viewer("member", member=member)
    report = await _make(me, "reportToCommunity", "ReportToCommunityInput", "report",
                         communityCode="C001")  # fmt: skip
    return Subject(report, {"community": hub.as_viewer("community", community="C001")})


async def _unit_members(pair: DatabasePair, codes: list[str]) -> set[str]:
    """Which of `codes` are in-service members on the work-unit side."""
    engine = create_async_engine(pair.units_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT code FROM members WHERE in_service"))
            known = {code for (code,) in rows}
    finally:
        await engine.dispose()
    return known.intersection(codes)


async def _pending_demand(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community, [member] = await _members(hub, 1)  # a provider for a service item
    committee = hub.as_viewer("community", community=community)
    demand = await _make(committee, "raiseDemand", "RaiseDemandInput", "demandItem",
                         communityCode=community, categoryCode=CATEGORY,
                         title=f"楼道消杀 {next(_SERIAL)}")  # fmt: skip
    return Subject(demand, {"community": committee}, {"member": member})


async def _published_demand(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    subject = await _pending_demand(hub, pair)
    await _make(subject.viewers["community"], "reviewListEntry", "ReviewListEntryInput",
                "entry", entryId=subject.id, approve=True)  # fmt: skip
    return subject


async def _published_wish(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community, [first, second] = await _members(hub, 2)
    committee = hub.as_viewer("community", community=community)
    wish = await _make(committee, "publishMicroWish", "PublishMicroWishInput", "microWish",
                       communityCode=community, title="一台助听器", beneficiaryName="王秀英")  # fmt: skip
    return Subject(wish, {
        "community": committee, "member": hub.as_viewer("member", member=first),
        "other": hub.as_viewer("member", member=second),
    })  # fmt: skip


async def _claimed_wish(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    subject = await _published_wish(hub, pair)
    await _make(subject.viewers["member"], "claimMicroWish", "ClaimMicroWishInput",
                "microWish", wishId=subject.id)  # fmt: skip
    return subject


async def _fulfilled_wish(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    subject = await _claimed_wish(hub, pair)
    await _make(subject.viewers["member"], "fulfilMicroWish", "FulfilMicroWishInput",
                "microWish", wishId=subject.id, note="已送达")  # fmt: skip
    return subject


async def _activity(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community = COMMUNITIES[next(_SERIAL) % len(COMMUNITIES)]
    committee = hub.as_viewer("community", community=community)
    starts = datetime.now(UTC) + timedelta(days=2)
    activity = await _make(committee, "publishActivity", "PublishActivityInput", "activity",
                           communityCode=community, categoryCode="chancheng.culture_sports",
                           title="垃圾分类宣传", place="社区广场", startsAt=starts.isoformat(),
                           endsAt=(starts + timedelta(hours=2)).isoformat(), capacity=3)  # fmt: skip
    return Subject(activity, {"community": committee})


async def _open_post(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community = COMMUNITIES[next(_SERIAL) % len(COMMUNITIES)]
    committee = hub.as_viewer("community", community=community)
    post = await _make(committee, "publishPost", "PublishPostInput", "post",
                       communityCode=community, categoryCode=CATEGORY, title="楼栋值守",
                       capacity=5)  # fmt: skip
    return Subject(post, {"community": committee})


async def _post_of_one_place(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community, [first, second] = await _members(hub, 2)
    committee = hub.as_viewer("community", community=community)
    post = await _make(committee, "publishPost", "PublishPostInput", "post",
                       communityCode=community, categoryCode=CATEGORY, title="楼栋值守",
                       capacity=1)  # fmt: skip
    return Subject(post, {
        "member": hub.as_viewer("member", member=first),
        "other": hub.as_viewer("member", member=second),
    })  # fmt: skip


async def _dispatched_order(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    """Ordered by a resident (who may cancel it until it is accepted), dispatched to a member."""
    community, [member] = await _members(hub, 1)
    token = issue_token(
        hub.tokens.settings, role="resident", scope={"community": community},
        subject=f"race-resident-{next(_SERIAL)}", ttl=timedelta(hours=1),
    )  # fmt: skip
    resident = GraphQLClient(hub.http, token, hub.tokens)
    order = await _make(resident, "placeOrder", "PlaceOrderInput", "serviceOrder",
                        communityCode=community, categoryCode=CATEGORY, title="家中消杀")  # fmt: skip
    committee = hub.as_viewer("community", community=community)
    await _make(committee, "dispatchOrder", "DispatchOrderInput", "serviceOrder",
                orderId=order, takerKind="MEMBER", takerCode=member)  # fmt: skip
    return Subject(order, {"resident": resident, "community": committee,
                           "member": hub.as_viewer("member", member=member)})  # fmt: skip


async def _closed_order(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    """Served and closed: the resident rates it, or the community confirms it (points once)."""
    subject = await _dispatched_order(hub, pair)
    member = subject.viewers["member"]
    await _make(member, "acceptOrder", "AcceptOrderInput", "serviceOrder", orderId=subject.id)
    await _make(member, "closeOrder", "CloseOrderInput", "serviceOrder", orderId=subject.id,
                summary="已完成消杀", hours="1.5")  # fmt: skip
    # Closed before the resident's rating period (7 days): the community may confirm it now
    # (else RESIDENT_RATES), so its confirmation and his rating race for the order.
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE service_orders SET closed_at = :at WHERE id = :id"),
                               {"at": datetime.now(UTC) - timedelta(days=8), "id": subject.row})  # fmt: skip
    finally:
        await engine.dispose()
    return subject


async def _evaluation(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    """The community's evaluation of one of its supporters, for his unit branch to sign."""
    community, [member] = await _members(hub, 1)
    committee = hub.as_viewer("community", community=community)
    evaluation = await _make(committee, "evaluateMember", "EvaluateMemberInput",
                             "memberEvaluation", memberCode=member, grade="EXCELLENT",
                             comment="服务积极")  # fmt: skip
    engine = create_async_engine(pair.units_url)
    try:
        async with engine.connect() as conn:
            unit = (
                await conn.execute(
                    text(
                        "SELECT u.code FROM members m JOIN work_units u ON u.id = m.unit_id"
                        " WHERE m.code = :m"
                    ),
                    {"m": member},
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    return Subject(evaluation, {"branch": hub.as_viewer("unit_branch", unit=unit)})


async def _signup(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community, [member] = await _members(hub, 1)
    committee = hub.as_viewer("community", community=community)
    starts = datetime.now(UTC) + timedelta(days=2)
    activity = await _make(committee, "publishActivity", "PublishActivityInput", "activity",
                           communityCode=community, categoryCode="chancheng.culture_sports",
                           title="垃圾分类宣传", place="社区广场", startsAt=starts.isoformat(),
                           endsAt=(starts + timedelta(hours=2)).isoformat(), capacity=3)  # fmt: skip
    me = hub.as_viewer("member", member=member)
    signup = await _make(me, "signUpForActivity", "SignUpForActivityInput", "signup",
                         activityId=activity)  # fmt: skip
    return Subject(signup, {"member": me})


async def _building(pair: DatabasePair, community: str) -> str:
    """A building of `community` no other race used."""
    used = taken_buildings.setdefault(pair, set())
    rows = await _rows(
        pair,
        "SELECT b.code FROM buildings b JOIN compounds p ON p.id = b.compound_id"
        " JOIN communities c ON c.id = p.community_id WHERE c.code = :c ORDER BY b.code",
        c=community,
    )
    code = next(code for (code,) in rows if code not in used)
    used.add(code)
    return str(code)


taken_buildings: dict[DatabasePair, set[str]] = {}


async def _group(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    committee = hub.as_viewer("community", community="C001")
    group = await _make(committee, "createBuildingGroup", "CreateBuildingGroupInput",
                        "buildingGroup", communityCode="C001", name="测试党小组",
                        buildingCodes=[await _building(pair, "C001")])  # fmt: skip
    return Subject(group, {"community": committee})


async def _assignment(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    community, [member] = await _members(hub, 1)
    committee = hub.as_viewer("community", community=community)
    assignment = await _make(committee, "assignHousehold", "AssignHouseholdInput",
                             "assignment", buildingCode=await _building(pair, community),
                             assigneeKind="MEMBER", assigneeCode=member)  # fmt: skip
    return Subject(assignment, {"community": committee})


async def _unassigned(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    """A building and a supporter not yet assigned to it: two identical assignments race."""
    community, [member] = await _members(hub, 1)
    code = await _building(pair, community)
    row = await _value(pair, "SELECT id FROM buildings WHERE code = :c", c=code)
    return Subject(_global_id("Building", int(row)),
                   {"community": hub.as_viewer("community", community=community)},
                   {"building": code, "member": member})  # fmt: skip


async def _merchant_code(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    """A merchant code nobody has used: two creations race for it (a unique column)."""
    serial = next(_SERIAL)
    return Subject(_global_id("Merchant", serial),
                   {"district": hub.as_viewer("district", district="D01")},
                   {"code": f"RACE-C{serial}"})  # fmt: skip


_SEEDED: dict[tuple[DatabasePair, str], set[int]] = {}


async def _seeded(pair: DatabasePair, name: str, sql: str) -> tuple[int, str]:
    """A seeded row (`id`, and the code of the community acting on it) no race used."""
    used = _SEEDED.setdefault((pair, name), set())
    for row_id, community in await _rows(pair, sql):
        if row_id not in used:
            used.add(row_id)
            return int(row_id), str(community)
    raise AssertionError(f"the seeded data ran out of {name}")


async def _pairing(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    row, community = await _seeded(
        pair,
        "pairings",
        """SELECT p.id, c.code FROM unit_pairings p
      JOIN communities c ON c.id = p.community_id WHERE p.status = 'active' ORDER BY p.id""",
    )
    return Subject(_global_id("UnitPairing", row),
                   {"community": hub.as_viewer("community", community=community)})  # fmt: skip


async def _claimable_demand(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    """A published demand of a community with a paired unit and a reported member: either
    may claim it (认领), one claimant (双服务)."""
    row, community = await _seeded(
        pair,
        "pairings",
        """SELECT p.id, c.code FROM unit_pairings p
      JOIN communities c ON c.id = p.community_id WHERE p.status = 'active' ORDER BY p.id""",
    )
    [(unit,)] = await _rows(pair, "SELECT unit_code FROM unit_pairings WHERE id = :id", id=row)
    [member] = await supporters(hub, community, 1)
    committee = hub.as_viewer("community", community=community)
    demand = await _make(committee, "raiseDemand", "RaiseDemandInput", "demandItem",
                         communityCode=community, categoryCode=CATEGORY,
                         title=f"楼道照明 {next(_SERIAL)}")  # fmt: skip
    await _make(committee, "reviewListEntry", "ReviewListEntryInput", "entry",
                entryId=demand, approve=True)  # fmt: skip
    return Subject(demand, {
        "community": committee, "member": hub.as_viewer("member", member=member),
        "unit": hub.as_viewer("unit_branch", unit=unit),
    })  # fmt: skip


async def _agreement(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    row, community = await _seeded(
        pair,
        "agreements",
        """SELECT a.id, c.code
      FROM co_building_agreements a JOIN communities c ON c.id = a.community_id
      WHERE a.status <> 'ended' ORDER BY a.id""",
    )
    return Subject(_global_id("CoBuildingAgreement", row),
                   {"community": hub.as_viewer("community", community=community)})  # fmt: skip


async def _contract(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    row, community = await _seeded(
        pair,
        "contracts",
        """SELECT k.id, c.code
      FROM property_contracts k JOIN compounds p ON p.id = k.compound_id
      JOIN communities c ON c.id = p.community_id
      WHERE k.status = 'active' AND k.ends_on >= CURRENT_DATE
        -- ending it leaves the compound's kind as it is (one state event per winner)
        AND (p.kind <> 'commercial' OR p.has_owner_unit OR EXISTS (
          SELECT 1 FROM compound_committees m WHERE m.compound_id = p.id AND m.kind = 'owners'
          AND (m.term_starts_on IS NULL OR m.term_starts_on <= CURRENT_DATE)
          AND (m.term_ends_on IS NULL OR m.term_ends_on >= CURRENT_DATE)))
      ORDER BY k.id""",
    )
    return Subject(_global_id("PropertyContract", row),
                   {"community": hub.as_viewer("community", community=community)})  # fmt: skip


async def _earned_points(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    _, [member] = await _members(hub, 1)
    await set_balance(pair, member, 0)
    await set_balance(pair, member, 30)  # one earn entry of 30 points, not yet spent
    entry = await _value(
        pair,
        "SELECT max(id) FROM points_entries WHERE member_code = :m AND kind = 'earn'",
        m=member,
    )
    return Subject(_global_id("PointsEntry", int(entry)),
                   {"district": hub.as_viewer("district", district="D01")})  # fmt: skip


async def _redemption(hub: GraphQLClient, pair: DatabasePair) -> Subject:
    district = hub.as_viewer("district", district="D01")
    merchant = await _make(district, "createMerchant", "CreateMerchantInput", "merchant",
                           code=f"RACE-M{next(_SERIAL)}", name="惠民超市",
                           communityCode="C001")  # fmt: skip
    item = await _make(district, "createMallItem", "CreateMallItemInput", "mallItem",
                       merchantId=merchant, code=f"RACE-I{next(_SERIAL)}", name="大米一袋",
                       pricePoints=10, stock=5)  # fmt: skip
    _, [member] = await _members(hub, 1)
    await set_balance(pair, member, 10)
    me = hub.as_viewer("member", member=member)
    redemption = await _make(me, "redeemMallItem", "RedeemMallItemInput", "redemption",
                             itemId=item)  # fmt: skip
    return Subject(redemption, {"district": district})


KINDS: dict[str, Kind] = {
    "pending report": Kind(_pending_report, "SELECT status FROM reports WHERE id = :id"),
    "pending demand": Kind(_pending_demand, "SELECT status FROM demand_items WHERE id = :id"),
    "published demand": Kind(_published_demand, "SELECT status FROM demand_items WHERE id = :id"),
    "claimable demand": Kind(
        _claimable_demand,
        "SELECT coalesce(claimant_kind, 'none') FROM demand_items WHERE id = :id",
    ),
    "published wish": Kind(_published_wish, "SELECT status FROM micro_wishes WHERE id = :id"),
    "claimed wish": Kind(_claimed_wish, "SELECT status FROM micro_wishes WHERE id = :id"),
    "fulfilled wish": Kind(_fulfilled_wish, "SELECT status FROM micro_wishes WHERE id = :id"),
    "activity": Kind(_activity, "SELECT status FROM activities WHERE id = :id"),
    "open post": Kind(_open_post, "SELECT status FROM posts WHERE id = :id"),
    "closed order": Kind(_closed_order, "SELECT status FROM service_orders WHERE id = :id"),
    "community evaluation": Kind(
        _evaluation,
        "SELECT CASE WHEN acknowledged_at IS NULL THEN 'open' ELSE 'acknowledged' END"
        " FROM member_evaluations WHERE id = :id",
    ),
    "post of one place": Kind(
        _post_of_one_place,
        "SELECT count(*) FROM post_claims WHERE post_id = :id AND status = 'active'",
    ),
    "dispatched order": Kind(_dispatched_order, "SELECT status FROM service_orders WHERE id = :id"),
    "activity signup": Kind(_signup, "SELECT status FROM activity_signups WHERE id = :id"),
    "building group": Kind(_group, "SELECT status FROM building_groups WHERE id = :id"),
    "household assignment": Kind(
        _assignment, "SELECT status FROM household_assignments WHERE id = :id"
    ),
    "unassigned building": Kind(
        _unassigned,
        "SELECT count(*) FROM household_assignments WHERE building_id = :id"
        " AND status = 'active' AND note = 'race'",
    ),
    "merchant code": Kind(
        _merchant_code, "SELECT count(*) FROM merchants WHERE code = 'RACE-C' || :key"
    ),
    "unit pairing": Kind(_pairing, "SELECT status FROM unit_pairings WHERE id = :id"),
    "agreement": Kind(_agreement, "SELECT status FROM co_building_agreements WHERE id = :id"),
    "property contract": Kind(_contract, "SELECT status FROM property_contracts WHERE id = :id"),
    "earned points": Kind(
        _earned_points, "SELECT count(*) FROM points_entries WHERE reverses_id = :id"
    ),
    "redemption": Kind(_redemption, "SELECT status FROM redemptions WHERE id = :id"),
}

MOVES: dict[str, Move] = {
    "confirmReport": Move("confirmReport", "ReviewReportInput", "community",
                          lambda s: {"reportId": s.id}, "confirmed"),
    "returnReport": Move("returnReport", "ReviewReportInput", "community",
                         lambda s: {"reportId": s.id, "reason": "信息不全"}, "returned"),
    "approve": Move("reviewListEntry", "ReviewListEntryInput", "community",
                    lambda s: {"entryId": s.id, "approve": True}, "published"),
    "reject": Move("reviewListEntry", "ReviewListEntryInput", "community",
                   lambda s: {"entryId": s.id, "approve": False, "reason": "重复"}, "rejected"),
    "withdrawListEntry": Move("withdrawListEntry", "WithdrawListEntryInput", "community",
                              lambda s: {"entryId": s.id}, "withdrawn"),
    # A conversion records the new order or service item and the fulfilled demand.
    "convertDemandToOrder": Move("convertDemandToOrder", "ConvertDemandToOrderInput",
                                 "community", lambda s: {"demandId": s.id}, "fulfilled", 2),
    "convertDemandToService": Move(
        "convertDemandToService", "ConvertDemandToServiceInput", "community",
        lambda s: {"demandId": s.id, "providerKind": "MEMBER",
                   "providerCode": s.facts["member"], "target": "独居老人"},
        "fulfilled", 2,
    ),
    "claimDemand by a member": Move("claimDemand", "ClaimDemandInput", "member",
                                    lambda s: {"demandId": s.id}, "member"),
    "claimDemand by a unit": Move("claimDemand", "ClaimDemandInput", "unit",
                                  lambda s: {"demandId": s.id}, "unit"),
    "claimMicroWish": Move("claimMicroWish", "ClaimMicroWishInput", "member",
                           lambda s: {"wishId": s.id}, "claimed"),
    "claimMicroWish by another": Move("claimMicroWish", "ClaimMicroWishInput", "other",
                                      lambda s: {"wishId": s.id}, "claimed"),
    "fulfilMicroWish": Move("fulfilMicroWish", "FulfilMicroWishInput", "member",
                            lambda s: {"wishId": s.id, "note": "已送达"}, "fulfilled"),
    "withdrawMicroWish": Move("withdrawMicroWish", "WithdrawMicroWishInput", "community",
                              lambda s: {"wishId": s.id}, "withdrawn"),
    "confirmMicroWish": Move("confirmMicroWish", "ConfirmMicroWishInput", "community",
                             lambda s: {"wishId": s.id}, "confirmed"),
    "cancelActivity": Move("cancelActivity", "CancelActivityInput", "community",
                           lambda s: {"activityId": s.id, "reason": "天气原因"}, "cancelled"),
    "closePost": Move("closePost", "ClosePostInput", "community",
                      lambda s: {"postId": s.id}, "closed"),
    "rateOrder": Move("rateOrder", "RateOrderInput", "resident",
                      lambda s: {"orderId": s.id, "rating": 5}, "rated"),
    "confirmOrder": Move("confirmOrder", "ConfirmOrderInput", "community",
                         lambda s: {"orderId": s.id}, "confirmed"),
    "acknowledgeEvaluation": Move("acknowledgeEvaluation", "AcknowledgeEvaluationInput",
                                  "branch", lambda s: {"evaluationId": s.id}, "acknowledged"),
    "claimPost": Move("claimPost", "ClaimPostInput", "member", lambda s: {"postId": s.id}, 1),
    "claimPost by another": Move("claimPost", "ClaimPostInput", "other",
                                 lambda s: {"postId": s.id}, 1),
    "acceptOrder": Move("acceptOrder", "AcceptOrderInput", "member",
                        lambda s: {"orderId": s.id}, "accepted"),
    "cancelOrder by the resident": Move("cancelOrder", "CancelOrderInput", "resident",
                                        lambda s: {"orderId": s.id, "reason": "已自行解决"},
                                        "cancelled"),
    "cancelSignup": Move("cancelSignup", "CancelSignupInput", "member",
                         lambda s: {"signupId": s.id}, "cancelled"),
    "dissolveBuildingGroup": Move("dissolveBuildingGroup", "DissolveBuildingGroupInput",
                                  "community", lambda s: {"groupId": s.id}, "dissolved"),
    "assignHousehold": Move("assignHousehold", "AssignHouseholdInput", "community",
                            lambda s: {"buildingCode": s.facts["building"], "note": "race",
                                       "assigneeKind": "MEMBER",
                                       "assigneeCode": s.facts["member"]}, 1),
    "createMerchant": Move("createMerchant", "CreateMerchantInput", "district",
                           lambda s: {"code": s.facts["code"], "name": "惠民超市"}, 1),
    "endAssignment": Move("endAssignment", "EndAssignmentInput", "community",
                          lambda s: {"assignmentId": s.id}, "ended"),
    "endPairing": Move("endPairing", "EndPairingInput", "community",
                       lambda s: {"pairingId": s.id, "reason": "共建期满"}, "ended"),
    "endAgreement": Move("endAgreement", "EndAgreementInput", "community",
                         lambda s: {"agreementId": s.id}, "ended"),
    "endPropertyContract": Move("endPropertyContract", "EndPropertyContractInput", "community",
                                lambda s: {"contractId": s.id}, "ended"),
    "reversePointsEntry": Move("reversePointsEntry", "ReversePointsEntryInput", "district",
                               lambda s: {"entryId": s.id, "reason": "重复发放"}, 1),
    "markRedemptionCollected": Move("markRedemptionCollected",
                                    "MarkRedemptionCollectedInput", "district",
                                    lambda s: {"redemptionId": s.id}, "collected"),
    "refundRedemption": Move("refundRedemption", "RefundRedemptionInput", "district",
                             lambda s: {"redemptionId": s.id, "reason": "商品缺货"}, "refunded"),
}  # fmt: skip

# One demand becomes exactly one order or service item: both record their origin.
CONVERSIONS = """SELECT count(*) FROM state_events WHERE from_state IS NULL
  AND entity_type IN ('ServiceOrder', 'ServiceItem') AND note = '由需求 ' || :key || ' 转化'"""

# Completing a wish or an order earns its member the points exactly once.
EARNED = "SELECT count(*) FROM points_entries WHERE kind = 'earn' AND source_id = :id"
WISH_EARNED = EARNED + " AND source_type = 'MicroWish'"
ORDER_EARNED = EARNED + " AND source_type = 'ServiceOrder'"

RACES = [
    Race("pending report", "confirmReport", "returnReport"),
    Race("pending demand", "approve", "reject"),
    Race("pending demand", "reject", "withdrawListEntry"),
    Race("published demand", "convertDemandToOrder", "convertDemandToService", CONVERSIONS),
    Race("published demand", "convertDemandToOrder", "convertDemandToOrder", CONVERSIONS),
    Race("published demand", "convertDemandToService", "convertDemandToService", CONVERSIONS),
    Race("claimed wish", "fulfilMicroWish", "withdrawMicroWish"),
    Race("published wish", "claimMicroWish", "claimMicroWish by another"),
    Race("claimable demand", "claimDemand by a member", "claimDemand by a unit"),
    Race("fulfilled wish", "confirmMicroWish", "confirmMicroWish", WISH_EARNED),
    Race("post of one place", "claimPost", "claimPost by another"),
    Race("open post", "closePost", "closePost"),
    Race("activity", "cancelActivity", "cancelActivity"),
    Race("closed order", "rateOrder", "confirmOrder", ORDER_EARNED),
    Race("community evaluation", "acknowledgeEvaluation", "acknowledgeEvaluation"),
    Race("dispatched order", "acceptOrder", "acceptOrder"),
    Race("dispatched order", "acceptOrder", "cancelOrder by the resident"),
    Race("activity signup", "cancelSignup", "cancelSignup"),
    Race("building group", "dissolveBuildingGroup", "dissolveBuildingGroup"),
    Race("household assignment", "endAssignment", "endAssignment"),
    Race("unassigned building", "assignHousehold", "assignHousehold"),
    Race("merchant code", "createMerchant", "createMerchant"),
    Race("unit pairing", "endPairing", "endPairing"),
    Race("agreement", "endAgreement", "endAgreement"),
    Race("property contract", "endPropertyContract", "endPropertyContract"),
    Race("earned points", "reversePointsEntry", "reversePointsEntry"),
    Race("redemption", "markRedemptionCollected", "refundRedemption"),
]


def _params(sql: str, subject: Subject) -> dict[str, Any]:
    """The subject's row id as `:id`, or as text `:key` (PostgreSQL will not concatenate
    an integer parameter)."""
    return {"key": str(subject.row)} if ":key" in sql else {"id": subject.row}


def _race_id(race: Race) -> str:
    return f"{race.kind}/{race.a}/{race.b}".replace(" ", "_")


@pytest.mark.parametrize("race", RACES, ids=_race_id)
async def test_exactly_one_of_racing_requests_wins(
    hub: GraphQLClient, workflow_db: DatabasePair, race: Race
) -> None:
    kind = KINDS[race.kind]
    for _ in range(REPEATS):
        subject = await kind.make(hub, workflow_db)
        moves = [MOVES[race.a], MOVES[race.b]] * (CONTENDERS // 2)
        events_before = await count(workflow_db, EVENTS)
        bodies = await asyncio.gather(
            *(subject.viewers[m.viewer].raw(m.document, {"input": m.fields(subject)})
              for m in moves)
        )  # fmt: skip
        assert all(not body.get("errors") for body in bodies), bodies
        payloads = [body["data"][m.mutation] for m, body in zip(moves, bodies, strict=True)]
        winners = [m for m, p in zip(moves, payloads, strict=True) if p["userErrors"] == []]
        assert len(winners) == 1, payloads
        [winner] = winners
        losers = [e["code"] for p in payloads for e in p["userErrors"]]
        assert len(losers) == CONTENDERS - 1, payloads
        assert set(losers) <= LOSING_CODES, payloads
        state = await _value(workflow_db, kind.state, **_params(kind.state, subject))
        assert state == winner.state, (winner.mutation, state)
        assert await count(workflow_db, EVENTS) == events_before + winner.events
        if race.once is not None:
            assert await count(workflow_db, race.once, **_params(race.once, subject)) == 1


# --- the mall's stock and the member's points account -----------------------------------------

REDEEM = """mutation($input: RedeemMallItemInput!) { redeemMallItem(input: $input) {
  userErrors { code message } redemption { id } } }"""


async def _item(hub: GraphQLClient, *, price: int, stock: int) -> tuple[str, str]:
    district = hub.as_viewer("district", district="D01")
    merchant = await _make(district, "createMerchant", "CreateMerchantInput", "merchant",
                           code=f"RACE-M{next(_SERIAL)}", name="惠民超市",
                           communityCode="C001")  # fmt: skip
    code = f"RACE-I{next(_SERIAL)}"
    item = await _make(district, "createMallItem", "CreateMallItemInput", "mallItem",
                       merchantId=merchant, code=code, name="大米一袋", pricePoints=price,
                       stock=stock)  # fmt: skip
    return item, code


async def _redeem_all(hub: GraphQLClient, requests: list[tuple[str, str]]) -> list[Any]:
    bodies = await asyncio.gather(
        *(hub.as_viewer("member", member=member).raw(REDEEM, {"input": {"itemId": item}})
          for member, item in requests)
    )  # fmt: skip
    assert all(not body.get("errors") for body in bodies), bodies
    return [body["data"]["redeemMallItem"] for body in bodies]


async def test_concurrent_redemptions_never_overdraw_the_points_account(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """One member, enough points for two redemptions, eight of them at once across four
    items with plenty of stock: without the account lock several would read the same
    balance and all spend it."""
    items = [(await _item(hub, price=10, stock=50))[0] for _ in range(4)]
    for _ in range(REPEATS):
        _, [member] = await _members(hub, 1)
        await set_balance(workflow_db, member, 20)
        payloads = await _redeem_all(hub, [(member, items[n % 4]) for n in range(8)])
        codes = [e["code"] for p in payloads for e in p["userErrors"]]
        assert sum(p["redemption"] is not None for p in payloads) == 2, payloads
        assert codes == ["INSUFFICIENT_POINTS"] * 6
        assert await ledger_sum(workflow_db, member) == 0
        spent = await count(
            workflow_db,
            "SELECT count(*) FROM redemptions WHERE member_code = :m", m=member,
        )  # fmt: skip
        assert spent == 2


async def test_concurrent_redemptions_never_overdraw_the_stock(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Eight members with points for it, three pieces in stock: three win."""
    for _ in range(REPEATS):
        item, code = await _item(hub, price=5, stock=3)
        _, members = await _members(hub, 8)
        for member in members:
            await set_balance(workflow_db, member, 5)
        payloads = await _redeem_all(hub, [(member, item) for member in members])
        codes = [e["code"] for p in payloads for e in p["userErrors"]]
        assert sum(p["redemption"] is not None for p in payloads) == 3, payloads
        assert codes == ["OUT_OF_STOCK"] * 5
        stock = await count(workflow_db, "SELECT stock FROM mall_items WHERE code = :c", c=code)
        assert stock == 0
        sold = await count(
            workflow_db,
            "SELECT count(*) FROM redemptions r JOIN mall_items i ON i.id = r.item_id"
            " WHERE i.code = :c", c=code,
        )  # fmt: skip
        assert sold == 3
        balances = [await ledger_sum(workflow_db, member) for member in members]
        assert sorted(balances) == [0, 0, 0, 5, 5, 5, 5, 5]


def test_every_race_names_known_moves() -> None:
    for race in RACES:
        assert race.kind in KINDS, race
        assert {race.a, race.b} <= MOVES.keys(), race


# --- a lock that cannot be had in time ---------------------------------------------------------

CONFIRM = """mutation($input: ReviewReportInput!) { confirmReport(input: $input) {
  userErrors { code } report { id status } } }"""
STATUS = """query($id: ID!) { node(id: $id) { ... on Report { status } } }"""


async def test_a_write_that_cannot_get_its_lock_is_busy_and_reads_go_on(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Another writer holds the lock longer than a write waits (SQLite: the database's
    write lock; PostgreSQL: the report's row): the mutation is refused with SERVICE_BUSY,
    never INTERNAL_SERVER_ERROR, and writes nothing; reads meanwhile are answered."""
    subject = await _pending_report(hub, workflow_db)
    committee = subject.viewers["community"]
    events_before = await count(workflow_db, EVENTS)
    engine = create_async_engine(workflow_db.community_url)
    try:
        async with engine.connect() as holder:
            if workflow_db.backend == "sqlite":
                await holder.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                await holder.execute(
                    text("SELECT id FROM reports WHERE id = :id FOR UPDATE"), {"id": subject.row}
                )
            refused, read = await asyncio.gather(
                committee.raw(CONFIRM, {"input": {"reportId": subject.id}}),
                committee.query(STATUS, {"id": subject.id}),
            )
            await holder.rollback()
    finally:
        await engine.dispose()
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["SERVICE_BUSY"], refused
    assert read["node"] == {"status": "PENDING"}
    assert await _value(workflow_db, KINDS["pending report"].state, id=subject.row) == "pending"
    assert await count(workflow_db, EVENTS) == events_before
    # Once the lock is free, the same request goes through.
    done = (await committee.query(CONFIRM, {"input": {"reportId": subject.id}}))["confirmReport"]
    assert done["userErrors"] == []
    assert done["report"]["status"] == "CONFIRMED"


# --- the SQLite mechanism itself ------------------------------------------------------------


async def test_sqlite_write_transactions_serialise_from_their_first_read(tmp_path: Any) -> None:
    """Ten read-then-write increments at once lose none (each reads after the previous
    committed), while a read session is answered during a write transaction."""
    source = CommunitySource(f"sqlite+aiosqlite:///{tmp_path}/counter.db")
    try:
        async with source.transaction() as session:
            await session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
            await session.execute(text("INSERT INTO counter VALUES (0)"))

        async def increment() -> None:
            async with source.transaction() as session:
                n = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
                await asyncio.sleep(0.01)  # let the others run into their BEGIN
                await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        await asyncio.gather(*(increment() for _ in range(10)))
        async with source.session() as session:
            assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 10

        async with source.transaction() as writer:
            await writer.execute(text("UPDATE counter SET n = 11"))
            async with source.session() as reader:  # not blocked, sees the last commit
                assert (await reader.execute(text("SELECT n FROM counter"))).scalar_one() == 10
    finally:
        await source.dispose()
