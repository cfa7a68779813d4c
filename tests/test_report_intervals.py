"""Reporting (报到) as intervals: whether a member was reported in a year, for how many
days and whether on time come from the reports whose interval overlaps the year; and a
database written at revision 0010 (closed reports, moves in flight) migrates and then
answers the same rules through GraphQL. Both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from datasources.community.models import (
    Community,
    District,
    Report,
    ReportStatus,
    StateEvent,
    Street,
)
from datasources.community.performance import ReportRow
from datasources.units.models import AppraisalPolicy, Member, PartyBranch, WorkUnit
from migrations import runner
from resolvers.performance import reported_days
from resolvers.workflow import today_in_china
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair

MEMBERS = ("R1", "R2", "R3", "R4", "R5", "A", "B", "C", "D", "E", "F")
PERFORMANCE = """query($m: String!, $y: Int!) { member(code: $m) { performance(year: $y) {
  appraisalCeiling
  compliance { unmetRules { rule } }
  reporting { reported reportedOn onTime daysLate daysReported community { code }
    intervals { reportedOn endedOn endReason daysInYear community { code } } } } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Report { status endedOn endReason
  community { code } movesFrom { id } history { fromState toState actorRole } } } }"""
MEMBER_REPORTS = """query($m: String!) { member(code: $m) { report { id community { code } }
  residenceCommunity { code } } }"""


async def _add(conn: AsyncConnection, model: Any, **values: Any) -> int:
    result = await conn.execute(insert(model).values(**values).returning(model.id))
    return int(result.scalar_one())


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 2, tzinfo=UTC)  # 10:00 China time, the same date


async def _units(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            unit = await _add(conn, WorkUnit, code="U1", name="区财政局", kind="agency",
                              level="district", district_name="禅城区")  # fmt: skip
            branch = await _add(conn, PartyBranch, code="B1", name="第一支部", unit_id=unit)
            for code in MEMBERS:
                await _add(conn, Member, code=code, name=f"党员{code}", gender="male",
                           political_status="full", unit_id=unit, branch_id=branch,
                           in_service=True, skills=[])  # fmt: skip
            for year in (2025, 2026):
                await _add(conn, AppraisalPolicy, year=year, district_code="", version=1,
                           reporting_deadline=date(year, 3, 31), min_services=0,
                           min_hours=Decimal(0), ceiling_grade="basically_qualified",
                           include_activists=True, include_development_targets=False,
                           updated_by="district:D1")  # fmt: skip
    finally:
        await engine.dispose()


async def _places(conn: AsyncConnection) -> tuple[int, int]:
    district = await _add(conn, District, code="D01", name="禅城区", city="佛山市")
    street = await _add(conn, Street, code="S1", name="石湾镇街道", kind="street",
                        district_id=district)  # fmt: skip
    c1 = await _add(conn, Community, code="C1", name="一社区", street_id=street)
    c2 = await _add(conn, Community, code="C2", name="二社区", street_id=street)
    return c1, c2


async def _intervals(url: str) -> None:
    """Reports written at head, as the workflow leaves them."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            c1, c2 = await _places(conn)

            async def report(member: str, community: int, on: date, status: str,
                             **end: Any) -> int:  # fmt: skip
                return await _add(conn, Report, member_code=member, community_id=community,
                                  reported_on=on, channel="online", status=status,
                                  availability=0, intentions=[], **end)  # fmt: skip

            # R1: his only report closed in 2025.
            await report("R1", c1, date(2024, 5, 1), "closed", ended_on=date(2025, 8, 1),
                         end_reason="moved")  # fmt: skip
            # R2: reported in February 2026, left service in June.
            await report("R2", c1, date(2026, 2, 1), "closed", ended_on=date(2026, 6, 1),
                         end_reason="left_service")  # fmt: skip
            # R3: ended on 1 January 2026: not a day of 2026.
            await report("R3", c1, date(2025, 1, 10), "closed", ended_on=date(2026, 1, 1),
                         end_reason="left_service")  # fmt: skip
            # R4: a January report withdrawn before confirmation, then a late one.
            await report("R4", c1, date(2026, 1, 5), "closed", ended_on=date(2026, 1, 20),
                         end_reason="withdrawn")  # fmt: skip
            await report("R4", c2, date(2026, 5, 1), "confirmed")
            # R5: moved from C1 to C2 (filed 1 May, confirmed 10 May), left service in Sept.
            old = await report("R5", c1, date(2025, 6, 1), "closed", ended_on=date(2026, 5, 10),
                               end_reason="moved")  # fmt: skip
            await report("R5", c2, date(2026, 5, 1), "closed", ended_on=date(2026, 9, 1),
                         end_reason="left_service", moves_from_id=old)  # fmt: skip
    finally:
        await engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def interval_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, None, "intervals") as pair:
        asyncio.run(_units(pair.units_url))
        asyncio.run(_intervals(pair.community_url))
        yield pair


@pytest.fixture
async def hub(interval_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(interval_db, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


async def _reporting(hub: GraphQLClient, member: str, year: int) -> dict[str, Any]:
    data = await hub.query(PERFORMANCE, {"m": member, "y": year})
    performance: dict[str, Any] = data["member"]["performance"]
    return performance


def _unmet(performance: dict[str, Any]) -> set[str]:
    return {rule["rule"] for rule in performance["compliance"]["unmetRules"]}


async def test_a_member_closed_in_2025_is_not_reported_in_2026(hub: GraphQLClient) -> None:
    later = await _reporting(hub, "R1", 2026)
    assert later["reporting"] == {
        "reported": False, "reportedOn": None, "onTime": None, "daysLate": None,
        "daysReported": 0, "community": None, "intervals": [],
    }  # fmt: skip
    assert {"REPORTED", "REPORTED_ON_TIME"} <= _unmet(later)
    assert later["appraisalCeiling"] == "BASICALLY_QUALIFIED"
    earlier = await _reporting(hub, "R1", 2025)
    assert earlier["reporting"]["reported"] is True
    assert earlier["reporting"]["onTime"] is True  # reported since 2024
    assert earlier["reporting"]["daysReported"] == 212  # 1 January to 31 July
    assert earlier["reporting"]["intervals"] == [{
        "reportedOn": "2024-05-01", "endedOn": "2025-08-01", "endReason": "MOVED",
        "daysInYear": 212, "community": {"code": "C1"},
    }]  # fmt: skip
    assert earlier["appraisalCeiling"] == "EXCELLENT"


async def test_an_interval_over_part_of_the_year_counts_those_days(hub: GraphQLClient) -> None:
    reporting = (await _reporting(hub, "R2", 2026))["reporting"]
    assert reporting["reported"] is True
    assert reporting["onTime"] is True
    assert reporting["daysReported"] == 120  # 1 February to 31 May
    assert reporting["community"] is None  # the interval has ended
    # An end on 1 January leaves no day of the year.
    r3 = await _reporting(hub, "R3", 2026)
    assert (r3["reporting"]["reported"], r3["reporting"]["daysReported"]) == (False, 0)
    assert (await _reporting(hub, "R3", 2025))["reporting"]["daysReported"] == 356


async def test_on_time_comes_from_the_intervals(hub: GraphQLClient) -> None:
    """A report withdrawn before confirmation was never reported: the late one counts."""
    performance = await _reporting(hub, "R4", 2026)
    reporting = performance["reporting"]
    assert (reporting["reportedOn"], reporting["onTime"], reporting["daysLate"]) == (
        "2026-05-01", False, 31,
    )  # fmt: skip
    assert [i["community"]["code"] for i in reporting["intervals"]] == ["C2"]
    assert _unmet(performance) == {"REPORTED_ON_TIME"}
    assert performance["appraisalCeiling"] == "BASICALLY_QUALIFIED"


async def test_overlapping_intervals_of_a_move_count_each_day_once(hub: GraphQLClient) -> None:
    reporting = (await _reporting(hub, "R5", 2026))["reporting"]
    assert [(i["community"]["code"], i["daysInYear"]) for i in reporting["intervals"]] == [
        ("C1", 129), ("C2", 123),
    ]  # fmt: skip
    assert reporting["daysReported"] == 243  # 1 January to 31 August, not 252
    assert reporting["onTime"] is True


def test_reported_days_of_open_intervals_count_up_to_today() -> None:
    row = ReportRow(1, 1, "C1", "一社区", date(2026, 3, 1), ReportStatus.CONFIRMED)
    assert reported_days([row], 2026, date(2026, 3, 10)) == 10
    assert reported_days([row], 2026, date(2027, 2, 1)) == 306  # to 31 December
    assert reported_days([row], 2027, date(2026, 3, 10)) == 0  # not yet
    assert reported_days([], 2026, date(2026, 3, 10)) == 0


# --- a database written at 0010 migrates and answers the new rules ---------------------


async def _rows_at_0010(url: str) -> dict[str, int]:
    """Reports as the old code left them: closed at once when a move was filed."""
    engine = create_async_engine(url)
    ids: dict[str, int] = {}
    try:
        async with engine.begin() as conn:
            c1, c2 = await _places(conn)

            async def report(key: str, member: str, community: int, on: date, status: str,
                             *events: tuple[str | None, str, datetime]) -> None:  # fmt: skip
                result = await conn.execute(
                    text("INSERT INTO reports (member_code, community_id, reported_on, channel, "
                         "status, availability, intentions, created_at) VALUES (:m, :c, :d, "
                         "'online', :s, 0, '[]', :t) RETURNING id"),
                    {"m": member, "c": community, "d": on, "s": status,
                     "t": datetime(on.year, on.month, on.day, tzinfo=UTC)},
                )  # fmt: skip
                ids[key] = int(result.scalar_one())
                for before, after, at in events:
                    await _add(conn, StateEvent, entity_type="Report", entity_id=ids[key],
                               from_state=before, to_state=after, actor_subject=f"member:{member}",
                               actor_role="member", occurred_at=at)  # fmt: skip

            # A: closed in 2025 (history records when), no later report.
            await report("A", "A", c1, date(2024, 5, 1), "closed",
                         ("confirmed", "closed", utc(2025, 8, 1)))  # fmt: skip
            # B: a move filed on 1 March 2026, still pending: the old report was closed.
            await report("B-old", "B", c1, date(2025, 1, 10), "closed",
                         ("confirmed", "closed", utc(2026, 3, 1)))  # fmt: skip
            await report("B-new", "B", c2, date(2026, 3, 1), "pending",
                         (None, "pending", utc(2026, 3, 1)))  # fmt: skip
            # C: a move the new community returned: he was left reported nowhere.
            await report("C-old", "C", c1, date(2025, 2, 1), "closed",
                         ("confirmed", "closed", utc(2026, 4, 1)))  # fmt: skip
            await report("C-new", "C", c2, date(2026, 4, 1), "returned",
                         ("pending", "returned", utc(2026, 4, 3)))  # fmt: skip
            # D: a move without history (written before it): closed when he filed the next.
            await report("D-old", "D", c1, date(2025, 3, 1), "closed")
            await report("D-new", "D", c2, date(2025, 9, 1), "confirmed")
            # E: closed, no history, no later report: counts for 2025 only.
            await report("E", "E", c1, date(2025, 4, 1), "closed")
            # F: a pending report replaced by another before it was confirmed.
            await report("F-old", "F", c1, date(2026, 1, 5), "closed",
                         ("pending", "closed", utc(2026, 1, 6)))  # fmt: skip
            await report("F-new", "F", c2, date(2026, 1, 6), "confirmed")
    finally:
        await engine.dispose()
    return ids


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[DatabasePair, dict[str, int]]]:
    with seeded_pair(request.param, tmp_path_factory, None, "intervals-0010") as pair:
        asyncio.run(runner.downgrade_async("community", pair.community_url, "0010"))
        asyncio.run(_units(pair.units_url))
        ids = asyncio.run(_rows_at_0010(pair.community_url))
        asyncio.run(runner.upgrade_async("community", pair.community_url))
        yield pair, ids


@pytest.fixture
async def migrated(
    migrated_db: tuple[DatabasePair, dict[str, int]],
) -> AsyncIterator[tuple[GraphQLClient, dict[str, str]]]:
    pair, ids = migrated_db
    global_ids = {key: _global_id(row_id) for key, row_id in ids.items()}
    async for client in client_for(pair, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client, global_ids


def _global_id(row_id: int) -> str:
    import base64

    return base64.b64encode(f"Report:{row_id}".encode()).decode()


async def test_migrated_closed_reports_end_when_history_says(
    migrated: tuple[GraphQLClient, dict[str, str]],
) -> None:
    hub, ids = migrated
    a = (await hub.query(NODE, {"id": ids["A"]}))["node"]
    assert (a["status"], a["endedOn"], a["endReason"]) == ("CLOSED", "2025-08-01", "MOVED")
    assert (await _reporting(hub, "A", 2026))["reporting"]["reported"] is False
    assert (await _reporting(hub, "A", 2025))["reporting"]["daysReported"] == 212
    # Without history: the next report's date; without one, the end of its own year.
    d = (await hub.query(NODE, {"id": ids["D-old"]}))["node"]
    assert (d["endedOn"], d["endReason"]) == ("2025-09-01", "MOVED")
    d2026 = (await _reporting(hub, "D", 2026))["reporting"]
    assert [i["community"]["code"] for i in d2026["intervals"]] == ["C2"]
    e = (await hub.query(NODE, {"id": ids["E"]}))["node"]
    assert e["endedOn"] == "2026-01-01"
    assert (await _reporting(hub, "E", 2026))["reporting"]["reported"] is False
    assert (await _reporting(hub, "E", 2025))["reporting"]["reported"] is True
    # Closed while pending: withdrawn, never an interval.
    f = (await hub.query(NODE, {"id": ids["F-old"]}))["node"]
    assert (f["endedOn"], f["endReason"]) == ("2026-01-06", "WITHDRAWN")
    f2026 = (await _reporting(hub, "F", 2026))["reporting"]
    assert [i["community"]["code"] for i in f2026["intervals"]] == ["C2"]


async def test_a_migrated_move_in_flight_keeps_the_old_report_until_confirmed(
    migrated: tuple[GraphQLClient, dict[str, str]],
) -> None:
    hub, ids = migrated
    old = (await hub.query(NODE, {"id": ids["B-old"]}))["node"]
    assert (old["status"], old["endedOn"], old["endReason"]) == ("CONFIRMED", None, None)
    assert old["history"][-1] == {
        "fromState": "closed", "toState": "confirmed", "actorRole": "system",
    }  # fmt: skip
    assert (await hub.query(NODE, {"id": ids["B-new"]}))["node"]["movesFrom"] == {
        "id": ids["B-old"]
    }
    mine = (await hub.query(MEMBER_REPORTS, {"m": "B"}))["member"]
    assert (mine["report"]["id"], mine["residenceCommunity"]["code"]) == (ids["B-old"], "C1")
    assert (await _reporting(hub, "B", 2026))["reporting"]["community"] == {"code": "C1"}
    # The new community confirms now: the old report ends today, moved.
    confirmed = await hub.as_viewer("community", community="C2").query(
        """mutation($id: ID!) { confirmReport(input: {reportId: $id}) {
             userErrors { code } report { status } } }""",
        {"id": ids["B-new"]},
    )
    assert confirmed["confirmReport"] == {"userErrors": [], "report": {"status": "CONFIRMED"}}
    old = (await hub.query(NODE, {"id": ids["B-old"]}))["node"]
    assert (old["status"], old["endedOn"], old["endReason"]) == (
        "CLOSED", today_in_china().isoformat(), "MOVED",
    )  # fmt: skip
    assert (await hub.query(MEMBER_REPORTS, {"m": "B"}))["member"]["report"]["id"] == ids["B-new"]


async def test_a_migrated_returned_move_leaves_him_in_the_old_community(
    migrated: tuple[GraphQLClient, dict[str, str]],
) -> None:
    hub, ids = migrated
    old = (await hub.query(NODE, {"id": ids["C-old"]}))["node"]
    assert (old["status"], old["endedOn"]) == ("CONFIRMED", None)
    new = (await hub.query(NODE, {"id": ids["C-new"]}))["node"]
    assert (new["status"], new["endedOn"], new["endReason"]) == (
        "RETURNED", "2026-04-03", "RETURNED",
    )  # fmt: skip
    reporting = (await _reporting(hub, "C", 2026))["reporting"]
    assert (reporting["reported"], reporting["onTime"]) == (True, True)
    assert reporting["community"] == {"code": "C1"}
