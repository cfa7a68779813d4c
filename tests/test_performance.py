"""Member performance (8小时以外表现) and the year-end appraisal: a known set of records,
inserted directly into fresh databases, yields exactly the expected figures, compliance
and ceiling; each viewer counts only what he may see; statements do not grow with members.
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.community.activity_models import Activity, ActivitySignup
from datasources.community.duty_models import PostDuty
from datasources.community.evaluation_models import MemberEvaluation
from datasources.community.models import (
    Community,
    DemandItem,
    District,
    MicroWish,
    Post,
    PostClaim,
    Report,
    ServiceCategory,
    StateEvent,
    Street,
    UnitPairing,
)
from datasources.community.order_models import ServiceOrder
from datasources.community.points_models import PointsAccount, PointsEntry
from datasources.units.models import (
    AppraisalPolicy,
    Member,
    OrganisationEvaluation,
    PartyBranch,
    WorkUnit,
)
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair

YEAR = 2026
# Many members in one branch, to show statements do not grow with them.
CROWD = 40


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def _add(conn: Any, model: Any, **values: Any) -> int:
    result = await conn.execute(insert(model).values(**values).returning(model.id))
    return int(result.scalar_one())


async def _units(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            unit = await _add(conn, WorkUnit, code="U1", name="区财政局", kind="agency",
                              level="district", district_name="禅城区")  # fmt: skip
            other = await _add(conn, WorkUnit, code="U2", name="区税务局", kind="agency",
                               level="district", district_name="禅城区")  # fmt: skip
            b1 = await _add(conn, PartyBranch, code="B1", name="第一支部", unit_id=unit)
            b2 = await _add(conn, PartyBranch, code="B2", name="第二支部", unit_id=unit)
            b3 = await _add(conn, PartyBranch, code="B3", name="机关支部", unit_id=other)
            people = [
                ("M1", "张一", "full", b1), ("M2", "李二", "full", b1),
                ("M3", "王三", "activist", b1), ("M4", "赵四", "development_target", b1),
                ("M5", "钱五", "full", b1), ("M6", "孙六", "full", b2),
            ]  # fmt: skip
            people += [(f"X{i:03d}", f"众{i:03d}", "full", b3) for i in range(CROWD)]
            b4 = await _add(conn, PartyBranch, code="B4", name="青年支部", unit_id=other)
            people.append(("Y1", "周七", "full", b4))
            ids = {}
            for code, name, status, branch in people:
                ids[code] = await _add(
                    conn, Member, code=code, name=name, gender="male", political_status=status,
                    unit_id=other if branch in (b3, b4) else unit, branch_id=branch, in_service=True,
                    skills=[],
                )  # fmt: skip
            await _add(conn, OrganisationEvaluation, member_id=ids["M1"], branch_id=b1, year=YEAR,
                       grade="qualified", comment="表现良好", evaluator_subject="unit:U1")  # fmt: skip
            await _add(conn, AppraisalPolicy, year=YEAR, district_code="", version=1,
                       reporting_deadline=date(YEAR, 3, 31), min_services=3,
                       min_hours=Decimal("4.0"), ceiling_grade="basically_qualified",
                       include_activists=True, include_development_targets=False,
                       updated_by="district:D1")  # fmt: skip
    finally:
        await engine.dispose()


async def _community(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            district = await _add(conn, District, code="D1", name="禅城区", city="佛山市")
            street = await _add(conn, Street, code="S1", name="石湾镇街道", kind="street",
                                district_id=district)  # fmt: skip
            c1 = await _add(conn, Community, code="C1", name="一社区", street_id=street)
            c2 = await _add(conn, Community, code="C2", name="二社区", street_id=street)
            cat = await _add(conn, ServiceCategory, code="K1", name="邻里守望", source="local")

            async def report(member: str, community: int, on: date, status: str,
                             **end: Any) -> int:  # fmt: skip
                return await _add(conn, Report, member_code=member, community_id=community,
                                  reported_on=on, channel="online", status=status,
                                  availability=0, intentions=[], **end)  # fmt: skip

            async def order(member: str, community: int, closed: datetime, status: str = "rated",
                            hours: str = "1.0", rating: int | None = None) -> int:  # fmt: skip
                return await _add(
                    conn, ServiceOrder, community_id=community, category_id=cat, title="服务",
                    ordered_by_subject="resident:1", ordered_by_role="resident", status=status,
                    taker_kind="member", taker_code=member, member_code=member,
                    due_at=closed, ordered_at=closed, closed_at=closed, hours=Decimal(hours),
                    rating=rating, evidence=[],
                )  # fmt: skip

            async def activity(community: int, starts: datetime) -> int:
                return await _add(
                    conn, Activity, community_id=community, category_id=cat, title="活动",
                    place="广场", starts_at=starts, ends_at=starts.replace(hour=starts.hour + 2),
                    capacity=50, points_per_attendance=5, status="certified",
                )  # fmt: skip

            async def signup(act: int, member: str, status: str, hours: str | None) -> int:
                return await _add(
                    conn,
                    ActivitySignup,
                    activity_id=act,
                    member_code=member,
                    status=status,
                    hours=None if hours is None else Decimal(hours),
                )

            async def points(member: str, kind: str, n: int, at: datetime, **extra: Any) -> int:
                return await _add(conn, PointsEntry, member_code=member, kind=kind, points=n,
                                  community_id=c1, actor_subject="system", occurred_at=at,
                                  **extra)  # fmt: skip

            # M1: on time; three orders in the year (one at 00:30 on 1 January, China
            # time), one just before it (23:00 on 31 December) and a cancelled one; one
            # activity attended and one absent; one post; points with a reversal.
            await report("M1", c1, date(YEAR, 3, 31), "confirmed")
            await order("M1", c1, utc(YEAR - 1, 12, 31, 16, 30), hours="0.5")
            await order("M1", c1, utc(YEAR, 5, 1, 10), hours="1.5", rating=5)
            await order("M1", c1, utc(YEAR, 6, 1, 10), status="confirmed", hours="2.0", rating=4)
            await order("M1", c1, utc(YEAR - 1, 12, 31, 15), hours="9.0")
            await order("M1", c1, utc(YEAR, 7, 1, 10), status="cancelled", hours="9.0")
            a1 = await activity(c1, utc(YEAR, 4, 1, 10))
            a2 = await activity(c1, utc(YEAR, 4, 8, 10))
            await signup(a1, "M1", "certified", "1.0")
            await signup(a2, "M1", "absent", None)
            post = await _add(conn, Post, code="P1", community_id=c1, category_id=cat,
                              title="楼栋长", capacity=3, status="open")  # fmt: skip
            claim = await _add(conn, PostClaim, post_id=post, member_code="M1",
                               status="active", claimed_at=utc(YEAR - 1, 10, 1))  # fmt: skip
            # The claim is no service; its duty is: one confirmed session of 1.5 hours in
            # the year counts, the pending and rejected ones and last year's do not.
            for starts, status in ((utc(YEAR, 2, 1, 1), "confirmed"),
                                   (utc(YEAR, 2, 2, 1), "pending"),
                                   (utc(YEAR, 2, 3, 1), "rejected"),
                                   (utc(YEAR - 1, 12, 1, 1), "confirmed")):  # fmt: skip
                await _add(conn, PostDuty, post_id=post, claim_id=claim, member_code="M1",
                           starts_at=starts, ends_at=starts + timedelta(minutes=90),
                           hours=Decimal("1.5"), status=status, recorded_by="M1")  # fmt: skip
            await _add(
                conn,
                PostClaim,
                post_id=post,
                member_code="M2",
                status="released",
                claimed_at=utc(YEAR - 1, 1, 1),
                released_at=utc(YEAR - 1, 6, 1),
            )
            for code in ("M1", "M2", "M3", "M5"):
                await conn.execute(insert(PointsAccount).values(member_code=code))
            await points("M1", "earn", 7, utc(YEAR - 1, 8, 1), source_type="x", source_id=1)
            await points("M1", "earn", 10, utc(YEAR, 5, 1), source_type="x", source_id=2)
            five = await points("M1", "earn", 5, utc(YEAR, 5, 2), source_type="x", source_id=3)
            await points("M1", "reverse", -5, utc(YEAR, 5, 3), reverses_id=five)
            await points("M1", "spend", -3, utc(YEAR, 9, 1))
            await points("M1", "earn", 100, utc(YEAR + 1, 1, 5), source_type="x", source_id=4)
            # M2 (late, so non-compliant): points the district's list must show too.
            await points("M2", "earn", 6, utc(YEAR, 6, 1), source_type="x", source_id=5)
            await _add(
                conn,
                MemberEvaluation,
                member_code="M1",
                year=YEAR,
                kind="community",
                community_id=c1,
                grade="excellent",
                comment="热心",
                status="active",
                evaluator_subject="community:C1",
                evaluator_role="community",
            )
            await _add(
                conn,
                MemberEvaluation,
                member_code="M1",
                year=YEAR,
                kind="self",
                community_id=c1,
                grade="qualified",
                comment="自评",
                status="active",
                evaluator_subject="member:M1",
                evaluator_role="member",
            )

            # M2: one day late; one wish and two activities: 3 services, 4.5 hours.
            await report("M2", c1, date(YEAR, 4, 1), "confirmed")
            await _add(conn, MicroWish, community_id=c1, title="轮椅", beneficiary_name="陈婆婆",
                       status="confirmed", claimed_by="M2", claimed_at=utc(YEAR, 5, 1),
                       fulfilled_at=utc(YEAR, 5, 10))  # fmt: skip
            await signup(a1, "M2", "attended", "2.0")
            await signup(a2, "M2", "certified", "2.5")

            # M3 (activist, the policy includes activists): on time, no service.
            await report("M3", c1, date(YEAR, 1, 10), "confirmed")
            # M4 (development target, not included): never reported.
            # M5 moved from C1 to C2 in May: services in both communities.
            moved = await report("M5", c1, date(YEAR - 1, 6, 1), "closed",
                                 ended_on=date(YEAR, 5, 1), end_reason="moved")  # fmt: skip
            await _add(conn, StateEvent, entity_type="Report", entity_id=moved,
                       from_state="confirmed", to_state="closed", actor_subject="member:M5",
                       actor_role="member", occurred_at=utc(YEAR, 5, 1))  # fmt: skip
            await report("M5", c2, date(YEAR, 5, 2), "confirmed", moves_from_id=moved)
            await order("M5", c1, utc(YEAR, 2, 1, 10), hours="2.0", rating=3)
            await order("M5", c1, utc(YEAR, 3, 1, 10), hours="2.0", rating=4)
            await order("M5", c2, utc(YEAR, 8, 1, 10), hours="1.0", rating=5)
            # M6 (branch B2): reported to C1 long ago but moved out before the year.
            gone = await report("M6", c1, date(YEAR - 3, 6, 1), "closed",
                                ended_on=date(YEAR - 1, 3, 1), end_reason="moved")  # fmt: skip
            await _add(conn, StateEvent, entity_type="Report", entity_id=gone,
                       from_state="confirmed", to_state="closed", actor_subject="member:M6",
                       actor_role="member", occurred_at=utc(YEAR - 1, 3, 1))  # fmt: skip
            # Y1 (branch B4): on time, three orders: the only compliant branch.
            await report("Y1", c2, date(YEAR, 1, 5), "confirmed")
            for month in (3, 4, 5):
                await order("Y1", c2, utc(YEAR, month, 1, 10), hours="2.0", rating=5)
            # The unit U1 is paired with C1 and served an order itself.
            await _add(conn, UnitPairing, unit_code="U1", community_id=c1,
                       started_on=date(YEAR - 1, 1, 1), status="active")  # fmt: skip
            unit_order = await order("M1", c1, utc(YEAR, 7, 1, 10), hours="3.0")
            await conn.execute(
                update(ServiceOrder).where(ServiceOrder.id == unit_order)
                .values(taker_kind="unit", taker_code="U1", member_code=None)
            )  # fmt: skip
            # Open business: two published demands in C1, one in C2 and an open order there.
            for community in (c1, c1, c2):
                await _add(conn, DemandItem, community_id=community, category_id=cat,
                           title="需求", requester_kind="resident", requester_name="居民",
                           status="published")  # fmt: skip
            await order("Y1", c2, utc(YEAR, 9, 1, 10), status="ordered")
            # The crowd: each reported on time with one order of two hours.
            for i in range(CROWD):
                await report(f"X{i:03d}", c2, date(YEAR, 2, 1), "confirmed")
                await order(f"X{i:03d}", c2, utc(YEAR, 6, 1, 10), hours="2.0", rating=5)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def perf_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, None, "performance") as pair:
        asyncio.run(_units(pair.units_url))
        asyncio.run(_community(pair.community_url))
        yield pair


@pytest.fixture
async def hub(perf_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(perf_db, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


PERFORMANCE = """query($code: String!, $year: Int!) { member(code: $code) {
  performance(year: $year) {
    year totalServices totalHours appraisalCeiling
    reporting { reported reportedOn deadline onTime daysLate community { code }
                communities { reportedOn status community { code } } }
    orders { count hours averageRating rated recordIds }
    activities { count hours recordIds }
    posts { count hours recordIds } wishes { count recordIds }
    points { count earned spent reversed expired balance recordIds }
    evaluations { community { grade comment } selfEvaluation { grade }
                  organisation { grade comment } }
    compliance { policyVersion applicable compliant
                 rules { rule met required actual detail } unmetRules { rule } }
  } } }"""


async def _performance(client: GraphQLClient, code: str) -> dict[str, Any]:
    data = await client.query(PERFORMANCE, {"code": code, "year": YEAR})
    result: dict[str, Any] = data["member"]["performance"]
    return result


def _rules(perf: dict[str, Any]) -> dict[str, bool]:
    return {rule["rule"]: rule["met"] for rule in perf["compliance"]["rules"]}


async def test_on_time_member_meets_every_rule(hub: GraphQLClient) -> None:
    perf = await _performance(hub, "M1")
    assert perf["reporting"] == {
        "reported": True, "reportedOn": "2026-03-31", "deadline": "2026-03-31",
        "onTime": True, "daysLate": 0, "community": {"code": "C1"},
        "communities": [{"reportedOn": "2026-03-31", "status": "confirmed",
                         "community": {"code": "C1"}}],
    }  # fmt: skip
    orders = perf["orders"]
    assert (orders["count"], orders["hours"], orders["averageRating"], orders["rated"]) == (
        3, 4.0, 4.5, 2,
    )  # fmt: skip
    assert len(orders["recordIds"]) == 3
    assert perf["activities"]["count"] == 1
    assert perf["activities"]["hours"] == 1.0
    assert (perf["posts"]["count"], perf["posts"]["hours"]) == (1, 1.5)
    assert len(perf["posts"]["recordIds"]) == 1
    assert perf["wishes"]["count"] == 0
    points = perf["points"]
    assert (points["earned"], points["spent"], points["reversed"], points["balance"]) == (
        15, 3, -5, 14,
    )  # fmt: skip
    assert points["count"] == len(points["recordIds"]) == 4  # the reversal included
    assert (perf["totalServices"], perf["totalHours"]) == (5, 6.5)
    assert perf["compliance"]["compliant"]
    assert perf["appraisalCeiling"] == "EXCELLENT"
    evaluations = perf["evaluations"]
    assert evaluations["community"] == {"grade": "EXCELLENT", "comment": "热心"}
    assert evaluations["selfEvaluation"] == {"grade": "QUALIFIED"}
    assert evaluations["organisation"] == {"grade": "QUALIFIED", "comment": "表现良好"}


async def test_record_ids_are_the_records_behind_the_figures(hub: GraphQLClient) -> None:
    perf = await _performance(hub, "M1")
    for global_id in perf["orders"]["recordIds"]:
        data = await hub.query(
            "query($id: ID!) { node(id: $id) { ... on ServiceOrder { status hours } } }",
            {"id": global_id},
        )
        assert data["node"]["status"] in ("RATED", "CONFIRMED")


async def test_one_day_late_caps_the_grade(hub: GraphQLClient) -> None:
    perf = await _performance(hub, "M2")
    assert perf["reporting"]["onTime"] is False
    assert perf["reporting"]["daysLate"] == 1
    assert (perf["totalServices"], perf["totalHours"]) == (3, 4.5)
    assert perf["wishes"]["count"] == 1
    assert perf["posts"]["count"] == 0
    assert _rules(perf) == {
        "REPORTED": True, "REPORTED_ON_TIME": False, "MIN_SERVICES": True, "MIN_HOURS": True,
    }  # fmt: skip
    late = perf["compliance"]["rules"][1]
    assert late["actual"] == 1
    assert "逾期 1 天" in late["detail"]
    assert perf["appraisalCeiling"] == "BASICALLY_QUALIFIED"


@pytest.fixture
def server_in_los_angeles() -> Iterator[None]:
    """The hub process in a zone 16 hours behind China (and a day behind around midnight)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("server_in_los_angeles")
async def test_figures_are_in_china_time_whatever_the_servers_zone(hub: GraphQLClient) -> None:
    assert time.localtime().tm_gmtoff < 0  # the zone took effect
    m1 = await _performance(hub, "M1")
    # 00:30 on 1 January in China counts in the year, 23:00 on 31 December does not.
    assert (m1["orders"]["count"], m1["orders"]["hours"]) == (3, 4.0)
    assert (m1["reporting"]["onTime"], m1["appraisalCeiling"]) == (True, "EXCELLENT")
    m2 = await _performance(hub, "M2")
    assert (m2["reporting"]["daysLate"], m2["appraisalCeiling"]) == (1, "BASICALLY_QUALIFIED")


async def test_activist_under_a_policy_that_includes_activists(hub: GraphQLClient) -> None:
    perf = await _performance(hub, "M3")
    assert perf["compliance"]["applicable"] is True
    assert [r["rule"] for r in perf["compliance"]["unmetRules"]] == ["MIN_SERVICES", "MIN_HOURS"]
    assert perf["appraisalCeiling"] == "BASICALLY_QUALIFIED"
    excluded = await _performance(hub, "M4")  # development targets are not included
    assert excluded["compliance"]["applicable"] is False
    assert excluded["appraisalCeiling"] is None
    assert not excluded["reporting"]["reported"]


async def test_member_who_moved_community_mid_year(hub: GraphQLClient) -> None:
    perf = await _performance(hub, "M5")
    reporting = perf["reporting"]
    assert [c["community"]["code"] for c in reporting["communities"]] == ["C1", "C2"]
    assert reporting["community"] == {"code": "C2"}
    assert reporting["reportedOn"] == "2025-06-01"
    assert reporting["onTime"] is True
    assert (perf["orders"]["count"], perf["orders"]["hours"]) == (3, 5.0)
    assert perf["orders"]["averageRating"] == 4.0
    assert perf["compliance"]["compliant"]
    # Closed before the year began: not reported this year.
    gone = await _performance(hub, "M6")
    assert gone["reporting"]["reported"] is False
    assert gone["appraisalCeiling"] == "BASICALLY_QUALIFIED"


SUMMARY = """query($code: String!, $year: Int!) { partyBranch(code: $code) {
  performanceSummary(year: $year) {
    members reported reportingRate compliant nonCompliantCount services hours
    redFlagEligible redFlagReason policy { version minServices }
    nonCompliant(first: 10) { totalCount edges { node {
      member { code } unmetRules { rule } unmetText } } } } } }"""


async def test_branch_summary(hub: GraphQLClient) -> None:
    data = await hub.query(SUMMARY, {"code": "B1", "year": YEAR})
    summary = data["partyBranch"]["performanceSummary"]
    assert (summary["members"], summary["reported"], summary["compliant"]) == (4, 4, 2)
    assert summary["nonCompliantCount"] == 2
    assert summary["redFlagEligible"] is False
    assert summary["services"] == 5 + 3 + 0 + 3
    assert summary["hours"] == 6.5 + 4.5 + 5.0  # M1: 1.5 hours of confirmed post duty
    failing = {e["node"]["member"]["code"]: e["node"] for e in summary["nonCompliant"]["edges"]}
    assert set(failing) == {"M2", "M3"}
    assert [r["rule"] for r in failing["M2"]["unmetRules"]] == ["REPORTED_ON_TIME"]
    assert "在规定期限内报到" in failing["M2"]["unmetText"]
    assert "李二" in summary["redFlagReason"]
    assert "王三" in summary["redFlagReason"]
    crowd = (await hub.query(SUMMARY, {"code": "B3", "year": YEAR}))["partyBranch"]
    assert crowd["performanceSummary"]["compliant"] == 0  # one order each: 1 < 3 services


async def test_unit_summary_covers_all_its_branches(hub: GraphQLClient) -> None:
    data = await hub.query(
        """query($y: Int!) { workUnit(code: "U1") { performanceSummary(year: $y) {
             members reported compliant nonCompliantCount redFlagEligible } } }""",
        {"y": YEAR},
    )
    summary = data["workUnit"]["performanceSummary"]
    assert summary == {
        "members": 5, "reported": 4, "compliant": 2, "nonCompliantCount": 3,
        "redFlagEligible": False,
    }  # fmt: skip


async def test_each_viewer_counts_what_he_may_see(hub: GraphQLClient) -> None:
    unit = hub.as_viewer("unit_branch", unit="U1", branch="B1")
    assert await _performance(unit, "M1") == await _performance(hub, "M1")
    # The community he moved to sees only its own records of M5.
    c2 = hub.as_viewer("community", community="C2")
    perf = await _performance(c2, "M5")
    assert perf["orders"]["count"] == 1
    assert perf["orders"]["hours"] == 1.0
    assert [c["community"]["code"] for c in perf["reporting"]["communities"]] == ["C2"]
    # Another unit does not see the member at all.
    other = hub.as_viewer("unit_branch", unit="U2")
    data = await other.query(PERFORMANCE, {"code": "M1", "year": YEAR})
    assert data["member"] is None


async def test_a_policy_change_adds_a_version_and_recomputes(hub: GraphQLClient) -> None:
    mutation = """mutation($input: SetAppraisalPolicyInput!) { setAppraisalPolicy(input: $input) {
        policy { version minServices history { version } } userErrors { code field }
        clientMutationId } }"""
    policy = {
        "year": YEAR, "reportingDeadline": "2026-04-01", "minServices": 3, "minHours": 4.0,
        "countedRecordTypes": ["ORDERS", "ACTIVITIES", "POSTS", "WISHES"],
        "ceilingGrade": "BASICALLY_QUALIFIED", "includeActivists": True,
        "clientMutationId": "k1",
    }  # fmt: skip
    refused = await hub.as_viewer("unit_branch", unit="U1").error(mutation, {"input": policy})
    assert refused["extensions"]["code"] == "FORBIDDEN"
    bad = await hub.query(mutation, {"input": {**policy, "ceilingGrade": "EXCELLENT"}})
    assert bad["setAppraisalPolicy"]["userErrors"] == [
        {"code": "INVALID_INPUT", "field": "input.ceilingGrade"}
    ]
    done = (await hub.query(mutation, {"input": policy}))["setAppraisalPolicy"]
    assert done["policy"]["version"] == 2
    assert done["clientMutationId"] == "k1"
    again = (await hub.query(mutation, {"input": policy}))["setAppraisalPolicy"]
    assert again["policy"]["version"] == 2  # same values: no new version
    assert [v["version"] for v in again["policy"]["history"]] == [2, 1]
    try:
        perf = await _performance(hub, "M2")  # the new deadline: no longer late
        assert perf["compliance"]["compliant"]
        assert perf["compliance"]["policyVersion"] == 2
    finally:
        back = {**policy, "reportingDeadline": "2026-03-31"}
        restored = (await hub.query(mutation, {"input": back}))["setAppraisalPolicy"]
        assert restored["policy"]["version"] == 3
    assert (await _performance(hub, "M2"))["appraisalCeiling"] == "BASICALLY_QUALIFIED"


PAGE = """query($code: String!, $year: Int!, $first: Int!) { partyBranch(code: $code) {
  members(first: $first) { edges { node { code performance(year: $year) {
    totalServices totalHours appraisalCeiling reporting { onTime community { code } }
    orders { count averageRating } activities { count } posts { count } wishes { count }
    points { balance } evaluations { community { grade } organisation { grade } } } } } }
  performanceSummary(year: $year) { members compliant nonCompliant(first: 50) {
    edges { node { member { code } unmetRules { rule } } } } } } }"""


async def test_statements_do_not_grow_with_members(hub: GraphQLClient) -> None:
    small = await hub.statements(PAGE, {"code": "B1", "year": YEAR, "first": 5})
    large = await hub.statements(PAGE, {"code": "B3", "year": YEAR, "first": CROWD})
    assert small == large, (small, large)
    # Units: the branch, the page, the summary's members, the policy, the organisation
    # evaluations. Community: one per record type (7) and the communities reported to.
    assert large == {"units": 5, "community": 8, "audit": 0}, large
    unit = hub.as_viewer("unit_branch", unit="U2")
    scoped = await unit.statements(PAGE, {"code": "B3", "year": YEAR, "first": CROWD})
    # The same, plus the viewer's member codes, fetched once for the scope clauses.
    assert scoped == {"units": large["units"] + 1, "community": 8, "audit": 0}, scoped


async def test_community_supporter_summary(hub: GraphQLClient) -> None:
    query = """query($y: Int!) { community(code: "C1") { supporterSummary(year: $y) {
      supporters active orders hours
      byMonth { month orders orderHours attendances activityHours dutySessions dutyHours }
      byCategory { category { code } orders dutySessions dutyHours hours }
      topSupporters { memberCode services hours member { code } }
      postsByCategory { category { code } posts claimsHeld }
      pairedUnits { unitCode pairingActive ordersCompleted hours unit { name } } } } }"""
    summary = (await hub.query(query, {"y": YEAR}))["community"]["supporterSummary"]
    assert (summary["supporters"], summary["active"]) == (4, 3)  # M6 left before the year
    # Hours of orders and activities, and M1's confirmed duty session (1.5 hours, February).
    assert (summary["orders"], summary["hours"]) == (5, 15.0)
    months = {m["month"]: m for m in summary["byMonth"]}
    assert sorted(months) == [1, 2, 3, 4, 5, 6]
    assert months[1]["orders"] == 1
    assert months[1]["orderHours"] == 0.5
    assert months[4] == {"month": 4, "orders": 0, "orderHours": 0.0, "attendances": 3,
                         "activityHours": 5.5, "dutySessions": 0, "dutyHours": 0.0}  # fmt: skip
    assert (months[2]["dutySessions"], months[2]["dutyHours"]) == (1, 1.5)
    assert summary["byCategory"] == [{"category": {"code": "K1"}, "orders": 5,
                                      "dutySessions": 1, "dutyHours": 1.5, "hours": 15.0}]  # fmt: skip
    top = [(t["memberCode"], t["services"], t["hours"]) for t in summary["topSupporters"]]
    assert top == [("M1", 5, 6.5), ("M2", 2, 4.5), ("M5", 2, 4.0)]
    assert summary["postsByCategory"] == [{"category": {"code": "K1"}, "posts": 1, "claimsHeld": 1}]
    assert summary["pairedUnits"] == [{"unitCode": "U1", "pairingActive": True,
                                       "ordersCompleted": 1, "hours": 3.0,
                                       "unit": {"name": "区财政局"}}]  # fmt: skip
    # Another community's secretary counts none of C1's supporters.
    other = hub.as_viewer("community", community="C2")
    scoped = (await other.query(query, {"y": YEAR}))["community"]["supporterSummary"]
    assert (scoped["supporters"], scoped["orders"], scoped["topSupporters"]) == (0, 0, [])


async def test_district_dashboard(hub: GraphQLClient) -> None:
    query = """query($y: Int!) { district(year: $y) {
      summary { members reported compliant nonCompliantCount }
      reportingByUnit { rank unit { code } members reported onTime rate }
      reportingByCommunity { community { code } reported onTime }
      communityRanking { rank community { code } hours }
      serviceByMonth { month } serviceByCategory { category { code } orders attendances }
      redFlagBranches(first: 10) { totalCount edges { node { branch { code } reason } } }
      ineligibleBranches(first: 10) { edges { node { branch { code } reason } } }
      mostOpenDemands { community { code } openDemands openOrders } } }"""
    d = (await hub.query(query, {"y": YEAR}))["district"]
    assert d["summary"] == {"members": 5 + CROWD + 1, "reported": 4 + CROWD + 1,
                            "compliant": 3, "nonCompliantCount": 3 + CROWD}  # fmt: skip
    units = [(u["rank"], u["unit"]["code"], u["members"], u["reported"], u["onTime"], u["rate"])
             for u in d["reportingByUnit"]]  # fmt: skip
    assert units == [(1, "U2", CROWD + 1, CROWD + 1, CROWD + 1, 1.0), (2, "U1", 5, 4, 3, 0.8)]
    communities = [(c["community"]["code"], c["reported"], c["onTime"])
                   for c in d["reportingByCommunity"]]  # fmt: skip
    assert communities == [("C2", CROWD + 2, CROWD + 2), ("C1", 3, 2)]
    assert [c["community"]["code"] for c in d["communityRanking"]] == ["C2", "C1"]
    assert d["redFlagBranches"]["totalCount"] == 1
    assert d["redFlagBranches"]["edges"][0]["node"]["branch"]["code"] == "B4"
    lost = {e["node"]["branch"]["code"] for e in d["ineligibleBranches"]["edges"]}
    assert lost == {"B1", "B2", "B3"}
    assert d["mostOpenDemands"] == [
        {"community": {"code": "C1"}, "openDemands": 2, "openOrders": 0},
        {"community": {"code": "C2"}, "openDemands": 1, "openOrders": 1},
    ]


async def test_district_non_compliant_members_have_their_whole_performance(
    hub: GraphQLClient,
) -> None:
    """The district judges every member on the rules' figures only; a member it lists
    still shows all his figures (points, evaluations), the same as his own field's."""
    figures = """totalServices totalHours appraisalCeiling points { earned spent balance }
      orders { count averageRating } evaluations { community { grade } organisation { grade } }
      compliance { compliant unmetRules { rule } }"""
    query = f"""query($y: Int!) {{ district(year: $y) {{ summary {{
      nonCompliant(first: 50) {{ edges {{ node {{ member {{ code }} unmetText
        performance {{ {figures} }} }} }} }} }} }} }}"""
    edges = (await hub.query(query, {"y": YEAR}))["district"]["summary"]["nonCompliant"]["edges"]
    listed = {e["node"]["member"]["code"]: e["node"]["performance"] for e in edges}
    assert {"M2", "M3"} <= set(listed)
    own = f"""query($c: String!, $y: Int!) {{ member(code: $c) {{
      performance(year: $y) {{ {figures} }} }} }}"""
    for code in ("M2", "M3"):
        mine = (await hub.query(own, {"c": code, "y": YEAR}))["member"]["performance"]
        assert listed[code] == mine, code
    assert listed["M2"]["points"] == {"earned": 6, "spent": 0, "balance": 6}


def _csv_rows(body: bytes) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_http_download_csv_and_xlsx(hub: GraphQLClient) -> None:
    from gateway.reports import HEADERS

    response = await hub.http.get(f"/reports/branch/B1.csv?year={YEAR}", headers=hub.headers)
    assert response.status_code == 200, response.text
    assert 'filename="branch-B1-2026.csv"' in response.headers["content-disposition"]
    rows = _csv_rows(response.content)
    assert tuple(rows[0]) == HEADERS
    assert len(rows) == 1 + 5
    by_code = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    assert by_code["M2"]["按时报到"] == "否"
    assert by_code["M2"]["逾期天数"] == "1"
    assert by_code["M2"]["评议等次上限"] == "基本合格"
    assert "在规定期限内报到" in by_code["M2"]["未达标事项"]
    assert by_code["M1"]["是否达标"] == "是"
    assert by_code["M1"]["年末积分余额"] == "14"
    assert by_code["M1"]["组织评价"] == "合格"
    assert by_code["M5"]["报到社区"] == "二社区"
    assert by_code["M4"]["未达标事项"] == "（不适用）"

    xlsx = await hub.http.get(f"/reports/unit/U1.xlsx?year={YEAR}", headers=hub.headers)
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == HEADERS
    assert len(values) == 1 + 6


async def test_http_download_needs_a_token_and_keeps_the_scope(hub: GraphQLClient) -> None:
    anonymous = await hub.http.get(f"/reports/branch/B1.csv?year={YEAR}")
    assert anonymous.status_code == 401
    other = hub.as_viewer("unit_branch", unit="U2")
    response = await hub.http.get(f"/reports/branch/B1.csv?year={YEAR}", headers=other.headers)
    assert response.status_code == 200
    assert len(_csv_rows(response.content)) == 1
    c2 = hub.as_viewer("community", community="C2")
    response = await hub.http.get(f"/reports/community/C2.csv?year={YEAR}", headers=c2.headers)
    codes = {row[0] for row in _csv_rows(response.content)[1:]}
    assert codes == {"M5", "Y1"} | {f"X{i:03d}" for i in range(CROWD)}
    bad = await hub.http.get("/reports/branch/B1.csv?year=abc", headers=hub.headers)
    assert bad.status_code == 400
    unknown = await hub.http.get(f"/reports/branch/NOPE.csv?year={YEAR}", headers=hub.headers)
    assert unknown.status_code == 404


def test_cli_report(perf_db: DatabasePair, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gateway.cli import main

    assert perf_db.audit_url is not None
    monkeypatch.setenv("DUALHUB_UNITS_DATABASE_URL", perf_db.units_url)
    monkeypatch.setenv("DUALHUB_COMMUNITY_DATABASE_URL", perf_db.community_url)
    monkeypatch.setenv("DUALHUB_AUDIT_DATABASE_URL", perf_db.audit_url)
    out = tmp_path / "b1.csv"
    args = ["report", "branch", "--code", "B1", "--year", str(YEAR), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out.read_bytes())
    assert len(rows) == 1 + 5
    assert {row[0] for row in rows[1:]} == {"M1", "M2", "M3", "M4", "M5"}
    xlsx = tmp_path / "c1.xlsx"
    args = ["report", "community", "--code", "C1", "--year", str(YEAR), "--format", "xlsx",
            "--out", str(xlsx)]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    missing = CliRunner().invoke(main, [*args[:2], "--code", "NOPE", *args[4:]])
    assert missing.exit_code != 0
    assert "unknown community" in missing.output


async def test_concurrent_policy_changes_each_add_a_version(hub: GraphQLClient) -> None:
    mutation = """mutation($input: SetAppraisalPolicyInput!) { setAppraisalPolicy(input: $input) {
        policy { version minServices } userErrors { code } } }"""

    def policy(min_services: int) -> dict[str, Any]:
        return {
            "year": 2030, "reportingDeadline": "2030-03-31", "minServices": min_services,
            "minHours": 1.0, "countedRecordTypes": ["ORDERS"],
            "ceilingGrade": "BASICALLY_QUALIFIED",
        }  # fmt: skip

    results = await asyncio.gather(*(hub.query(mutation, {"input": policy(n)}) for n in (1, 2, 3)))
    versions = sorted(r["setAppraisalPolicy"]["policy"]["version"] for r in results)
    assert versions == [1, 2, 3]
    current = await hub.query("{ appraisalPolicy(year: 2030) { version history { version } } }")
    assert current["appraisalPolicy"]["version"] == 3
    assert [v["version"] for v in current["appraisalPolicy"]["history"]] == [3, 2, 1]
