"""Benchmark of members' performance and the appraisal summaries on the district data set.

    python -m bench.performance [--data DIR] [--year YYYY] [--runs N]

Seeds `dualhub seed --scale district` into SQLite files under DIR (a temporary directory
by default; an existing DIR with both databases is reused), then times, through the ASGI
app as a signed-in district client would:

- branch: a branch summary with its 500-member connection and each member's performance;
- community: `Community.supporterSummary(year)` of the busiest community;
- district: the `district(year)` dashboard;

each as median and p95 latency, next to a hand-written SQL baseline that computes the same
figures in the same run (the same grouped statements a careful developer would write by
hand, compliance judged in Python), and the ratio of the two. The figures of both are
compared, so the baseline cannot be faster by computing less.

The district scale's largest branch has fewer than 500 members; the benchmark moves members
of other branches into it (in its own copy of the data) until it has 500.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from datasources.base import create_engine_for
from datasources.common import year_window
from datasources.community.source import CommunitySource
from datasources.seeding import SCALES, Scale, seed_all
from datasources.units.source import UnitsSource
from gateway import heap
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.settings import Settings
from migrations.runner import upgrade

SECRET = "bench-secret-" + "x" * 40
BRANCH_SIZE = 500

MEMBERS_PAGE = """members(first: $first) { edges { node { code performance(year: $year) {
      reporting { reportedOn onTime daysLate }
      orders { count hours averageRating } activities { count hours }
      posts { count } wishes { count } points { earned spent reversed balance }
      totalServices totalHours compliance { compliant } appraisalCeiling } } } }"""

BRANCH_QUERY = """query($code: String!, $year: Int!, $first: Int!) {
  partyBranch(code: $code) {
    performanceSummary(year: $year) {
      members reported compliant nonCompliantCount services hours redFlagEligible
      redFlagReason
      nonCompliant(first: $first) { edges { node { member { code } unmetRules { rule } } } }
    }
    MEMBERS_PAGE } }""".replace("MEMBERS_PAGE", MEMBERS_PAGE)

# The same query with the members' page asked twice: the second copy is served from the
# request's loaders (the same statements run, checked), so the difference between the two
# is what the GraphQL layer alone costs for 500 members' figures.
BRANCH_QUERY_TWICE = BRANCH_QUERY.replace(
    MEMBERS_PAGE, f"{MEMBERS_PAGE}\n    again: {MEMBERS_PAGE}"
)

COMMUNITY_QUERY = """query($code: String!, $year: Int!) {
  community(code: $code) { supporterSummary(year: $year) {
    supporters active orders hours
    byCategory { category { code } orders orderHours attendances activityHours }
    byMonth { month orders orderHours attendances activityHours }
    topSupporters { memberCode services hours }
    postsByCategory { category { code } posts claimsHeld }
    pairedUnits { unitCode pairingActive ordersCompleted hours } } } }"""

DISTRICT_QUERY = """query($year: Int!) { district(year: $year) {
  summary { members reported compliant nonCompliantCount hours }
  reportingByUnit { rank unit { code } members reported onTime rate }
  reportingByCommunity { community { code } reported onTime }
  communityRanking { rank community { code } hours }
  serviceByCategory { category { code } orders attendances hours }
  serviceByMonth { month orders attendances hours }
  redFlagBranches(first: 100) { totalCount }
  mostOpenDemands { community { code } openDemands openOrders } } }"""


# -- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    units_url: str
    community_url: str
    audit_url: str


def sqlite_files(folder: Path) -> Data:
    return Data(
        f"sqlite+aiosqlite:///{folder / 'units.db'}",
        f"sqlite+aiosqlite:///{folder / 'community.db'}",
        f"sqlite+aiosqlite:///{folder / 'audit.db'}",
    )


async def prepare(data: Data, scale: Scale) -> Data:
    """Migrate the databases, and seed them unless they hold members already."""
    for side, url in (("units", data.units_url), ("community", data.community_url),
                      ("audit", data.audit_url)):  # fmt: skip
        await asyncio.to_thread(upgrade, side, url)  # type: ignore[arg-type]
    engine = create_engine_for(data.units_url)
    try:
        fresh = not await scalar(engine, "SELECT count(*) FROM members")
    finally:
        await engine.dispose()
    if fresh:
        units, community = UnitsSource(data.units_url), CommunitySource(data.community_url)
        try:
            started = time.perf_counter()
            counts = await seed_all(units, community, scale, seed=42, progress=False)
            took = time.perf_counter() - started
            print(f"seeded {sum(counts.values())} rows at scale {scale.name} in {took:.0f} s")
        finally:
            await units.dispose()
            await community.dispose()
    return data


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar()


def _postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


async def busiest_year(community: AsyncEngine) -> int:
    of_year = "extract(year FROM closed_at)" if _postgres(community) else "substr(closed_at, 1, 4)"
    year = await scalar(
        community,
        f"SELECT {of_year} y FROM service_orders WHERE closed_at IS NOT NULL "  # noqa: S608
        "GROUP BY y ORDER BY count(*) DESC LIMIT 1",
    )
    return int(year) if year else datetime.now(UTC).year


async def ensure_policy(units: AsyncEngine, year: int) -> None:
    found = await scalar(units, "SELECT count(*) FROM appraisal_policies WHERE year = :y", y=year)
    if found:
        return
    async with units.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO appraisal_policies (year, district_code, version, "
                "reporting_deadline, min_services, min_hours, count_orders, count_activities, "
                "count_posts, count_wishes, ceiling_grade, include_activists, "
                "include_development_targets, updated_by, updated_at) VALUES (:y, '', 1, :d, "
                "2, 2.0, :yes, :yes, :yes, :yes, 'basically_qualified', :yes, :no, 'bench', :now)"
            ),
            {
                "y": year,
                "d": date(year, 3, 31),
                "now": datetime.now(UTC),
                "yes": True,
                "no": False,
            },
        )


async def branch_of(units: AsyncEngine, size: int) -> tuple[str, int]:
    """The largest branch, grown to `size` members with members of other branches."""
    async with units.begin() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT b.id, b.code, b.unit_id, count(m.id) n FROM party_branches b "
                    "JOIN members m ON m.branch_id = b.id GROUP BY b.id ORDER BY n DESC LIMIT 1"
                )
            )
        ).one()
        branch_id, code, unit_id, n = row
        if n < size:
            await conn.execute(
                text(
                    "UPDATE members SET branch_id = :b, unit_id = :u WHERE id IN ("
                    "SELECT id FROM members WHERE branch_id != :b ORDER BY id LIMIT :k)"
                ),
                {"b": branch_id, "u": unit_id, "k": size - n},
            )
    return str(code), int(branch_id)


async def busiest_community(community: AsyncEngine) -> tuple[str, int]:
    async with community.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT c.code, c.id FROM communities c JOIN reports r ON r.community_id = "
                    "c.id GROUP BY c.id ORDER BY count(*) DESC LIMIT 1"
                )
            )
        ).one()
    return str(row[0]), int(row[1])


# -- the hand-written SQL baseline --------------------------------------------------------


def _bounds(year: int, engine: AsyncEngine) -> dict[str, Any]:
    start, end = year_window(year)
    if _postgres(engine):
        return {"start": start, "end": end, "dec31": date(year, 12, 31), "jan1": date(year, 1, 1)}
    # SQLite keeps timestamps as UTC text; compare as the driver would bind them.
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    return {
        "start": start.replace(tzinfo=None).strftime(fmt),
        "end": end.replace(tzinfo=None).strftime(fmt),
        "dec31": date(year, 12, 31).isoformat(),
        "jan1": date(year, 1, 1).isoformat(),
    }


# A report's interval [reported_on, ended_on) overlapping the year; withdrawn ones never counted.
OVERLAPS = """status IN ('confirmed', 'closed') AND reported_on <= :dec31
    AND (ended_on IS NULL OR ended_on > :jan1)
    AND (end_reason IS NULL OR end_reason NOT IN ('withdrawn', 'returned'))"""
REPORTED = f"""SELECT member_code, min(reported_on) FROM reports
  WHERE {OVERLAPS} {{members}}
  GROUP BY member_code"""  # noqa: S608
ORDERS = """SELECT member_code, count(*), sum(hours), avg(rating) FROM service_orders
  WHERE status IN ('rated', 'confirmed') {members}
    AND coalesce(closed_at, confirmed_at) >= :start AND coalesce(closed_at, confirmed_at) < :end
  GROUP BY member_code"""
SIGNUPS = """SELECT s.member_code, count(*), sum(s.hours) FROM activity_signups s
  JOIN activities a ON a.id = s.activity_id
  WHERE s.status IN ('attended', 'certified') {members_s}
    AND a.starts_at >= :start AND a.starts_at < :end
  GROUP BY s.member_code"""
# Confirmed post duty sessions (岗位值守) that began in the year: a claim alone is no service.
# A unit's own sessions and wishes (单位认领, no member's code) are the unit's, never a member's.
DUTY = """SELECT member_code, count(*), sum(hours) FROM post_duties WHERE status = 'confirmed'
  AND member_code IS NOT NULL {members} AND starts_at >= :start AND starts_at < :end GROUP BY member_code"""
WISHES = """SELECT claimed_by, count(*) FROM micro_wishes WHERE status IN ('fulfilled', 'confirmed')
  AND claimed_by IS NOT NULL {claimed} AND fulfilled_at >= :start AND fulfilled_at < :end GROUP BY claimed_by"""
POINTS = """SELECT member_code,
  sum(CASE WHEN kind = 'earn' AND occurred_at >= :start THEN points ELSE 0 END),
  sum(CASE WHEN kind = 'spend' AND occurred_at >= :start THEN points ELSE 0 END),
  sum(points) FROM points_entries WHERE occurred_at < :end {members} GROUP BY member_code"""


@dataclass
class Figures:
    reported_on: date | None = None
    services: int = 0
    hours: Decimal = Decimal(0)


async def _member_figures(
    community: AsyncEngine, year: int, codes: list[str] | None
) -> dict[str, Figures]:
    params: dict[str, Any] = _bounds(year, community)
    if codes is None:
        members = members_s = claimed = ""
    else:
        names = ", ".join(f":m{i}" for i in range(len(codes)))
        params.update({f"m{i}": code for i, code in enumerate(codes)})
        members = f"AND member_code IN ({names})"
        members_s = f"AND s.member_code IN ({names})"
        claimed = f"AND claimed_by IN ({names})"
    found: dict[str, Figures] = defaultdict(Figures)
    async with community.connect() as conn:
        for code, first in await conn.execute(text(REPORTED.format(members=members)), params):
            found[code].reported_on = date.fromisoformat(str(first))
        for sql in (ORDERS.format(members=members), SIGNUPS.format(members_s=members_s),
                    DUTY.format(members=members)):  # fmt: skip
            for code, n, hours, *_ in await conn.execute(text(sql), params):
                found[code].services += int(n)
                found[code].hours += Decimal(str(hours or 0))
        for code, n in await conn.execute(text(WISHES.format(claimed=claimed)), params):
            found[code].services += int(n)
        list(await conn.execute(text(POINTS.format(members=members)), params))
    return found


# The members a year's appraisal covers: not who left the Party or service before it began.
COVERED = (
    "(left_on IS NULL OR left_on >= :began) "
    "AND (service_ended_on IS NULL OR service_ended_on >= :began)"
)


async def _policy(units: AsyncEngine, year: int) -> Any:
    async with units.connect() as conn:
        return (
            await conn.execute(
                text(
                    "SELECT reporting_deadline, min_services, min_hours, include_activists, "
                    "include_development_targets FROM appraisal_policies WHERE year = :y "
                    "ORDER BY version DESC LIMIT 1"
                ),
                {"y": year},
            )
        ).one()


def _judge(policy: Any, status: str, f: Figures) -> bool | None:
    deadline, min_services, min_hours, activists, targets = policy
    if (status == "activist" and not activists) or (status == "development_target" and not targets):
        return None
    on_time = f.reported_on is not None and f.reported_on <= date.fromisoformat(str(deadline))
    return on_time and f.services >= min_services and f.hours >= Decimal(str(min_hours))


async def baseline_branch(
    units: AsyncEngine, community: AsyncEngine, branch_id: int, year: int
) -> dict[str, Any]:
    async with units.connect() as conn:
        members = list(
            await conn.execute(
                text(
                    "SELECT code, political_status FROM members WHERE branch_id = :b AND "  # noqa: S608 (constant SQL, values bound)
                    + COVERED
                    + " ORDER BY name, id"
                ),
                {"b": branch_id, "began": date(year, 1, 1)},
            )
        )
    policy = await _policy(units, year)
    figures = await _member_figures(community, year, [code for code, _ in members])
    judged = [_judge(policy, status, figures[code]) for code, status in members]
    return {
        "members": sum(1 for j in judged if j is not None),
        "compliant": sum(1 for j in judged if j),
        "hours": float(
            sum(
                (
                    figures[code].hours
                    for (code, _), j in zip(members, judged, strict=True)
                    if j is not None
                ),
                Decimal(0),
            )
        ),
    }


async def baseline_community(
    community: AsyncEngine, community_id: int, year: int
) -> dict[str, Any]:
    params = {**_bounds(year, community), "c": community_id}
    if _postgres(community):
        month = "CAST(extract(month FROM timezone('Asia/Shanghai', {})) AS INTEGER)"
    else:
        month = "CAST(strftime('%m', {}, '+8 hours') AS INTEGER)"
    union = f"""SELECT 'o' kind, category_id,
        {month.format("coalesce(closed_at, confirmed_at)")} AS month, member_code, hours
        FROM service_orders
        WHERE community_id = :c AND member_code IS NOT NULL AND status IN ('rated', 'confirmed')
        AND coalesce(closed_at, confirmed_at) >= :start AND coalesce(closed_at, confirmed_at) < :end
      UNION ALL SELECT 'a', a.category_id, {month.format("a.starts_at")},
        s.member_code, s.hours FROM activity_signups s JOIN activities a ON a.id = s.activity_id
        WHERE a.community_id = :c AND s.status IN ('attended', 'certified')
        AND a.starts_at >= :start AND a.starts_at < :end"""  # noqa: S608
    async with community.connect() as conn:
        supporters = {
            code
            for (code,) in await conn.execute(
                text(
                    "SELECT DISTINCT member_code FROM reports WHERE community_id = :c AND "  # noqa: S608
                    + OVERLAPS
                ),
                params,
            )
        }
        by_category = list(await conn.execute(text(
            f"SELECT kind, category_id, count(*), sum(hours) FROM ({union}) u GROUP BY kind, category_id"  # noqa: S608
        ), params))  # fmt: skip
        list(await conn.execute(text(
            f"SELECT kind, month, count(*), sum(hours) FROM ({union}) u GROUP BY kind, month"  # noqa: S608
        ), params))  # fmt: skip
        served = list(await conn.execute(text(
            f"SELECT member_code, count(*), coalesce(sum(hours), 0) h FROM ({union}) u "  # noqa: S608
            "GROUP BY member_code ORDER BY h DESC, member_code"
        ), params))  # fmt: skip
        list(await conn.execute(text(
            "SELECT p.category_id, count(p.id), coalesce(sum(h.n), 0) FROM posts p LEFT JOIN "
            "(SELECT post_id, count(*) n FROM post_claims WHERE claimed_at < :end AND "
            "(released_at IS NULL OR released_at >= :start) GROUP BY post_id) h ON h.post_id = "
            "p.id WHERE p.community_id = :c GROUP BY p.category_id"
        ), params))  # fmt: skip
        list(await conn.execute(text(
            "SELECT taker_code, count(*), sum(hours) FROM service_orders WHERE community_id = :c "
            "AND taker_kind = 'unit' AND status IN ('rated', 'confirmed') AND "
            "coalesce(closed_at, confirmed_at) >= :start AND coalesce(closed_at, confirmed_at) < :end "
            "GROUP BY taker_code"
        ), params))  # fmt: skip
        list(await conn.execute(text(
            "SELECT unit_code, status FROM unit_pairings WHERE community_id = :c"
        ), params))  # fmt: skip
    return {
        "supporters": len(supporters),
        "active": sum(1 for code, *_ in served if code in supporters),
        "orders": sum(int(n) for kind, _c, n, _h in by_category if kind == "o"),
    }


async def baseline_district(
    units: AsyncEngine, community: AsyncEngine, year: int
) -> dict[str, Any]:
    async with units.connect() as conn:
        members = list(
            await conn.execute(
                text(
                    "SELECT code, political_status, unit_id, branch_id FROM members WHERE "  # noqa: S608 (constant SQL, values bound)
                    + COVERED
                ),
                {"began": date(year, 1, 1)},
            )
        )
    policy = await _policy(units, year)
    figures = await _member_figures(community, year, None)
    per_unit: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    failing_branches: set[int] = set()
    branches: set[int] = set()
    compliant = 0
    for code, status, unit_id, branch_id in members:
        judged = _judge(policy, status, figures[code])
        if judged is None:
            continue
        per_unit[unit_id][0] += 1
        per_unit[unit_id][1] += figures[code].reported_on is not None
        branches.add(branch_id)
        compliant += bool(judged)
        if not judged:
            failing_branches.add(branch_id)
    params = _bounds(year, community)
    async with community.connect() as conn:
        for sql in (
            "SELECT community_id, count(*) FROM reports WHERE status = 'confirmed' GROUP BY community_id",
            "SELECT community_id, category_id, count(*), sum(hours) FROM service_orders WHERE "
            "status IN ('rated', 'confirmed') AND member_code IS NOT NULL AND coalesce(closed_at, "
            "confirmed_at) >= :start AND coalesce(closed_at, confirmed_at) < :end "
            "GROUP BY community_id, category_id",
            "SELECT a.community_id, a.category_id, count(*), sum(s.hours) FROM activity_signups s "
            "JOIN activities a ON a.id = s.activity_id WHERE s.status IN ('attended', 'certified') "
            "AND a.starts_at >= :start AND a.starts_at < :end GROUP BY a.community_id, a.category_id",
            "SELECT community_id, count(*) FROM demand_items WHERE status = 'published' "
            "GROUP BY community_id",
            "SELECT community_id, count(*) FROM service_orders WHERE status IN ('ordered', "
            "'dispatched', 'accepted') GROUP BY community_id",
        ):
            list(await conn.execute(text(sql), params))
    return {
        "members": sum(n for n, _ in per_unit.values()),
        "compliant": compliant,
        "red_flag": len(branches - failing_branches),
    }


# -- timing -------------------------------------------------------------------------------


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def timed(run: Callable[[], Awaitable[Any]], runs: int) -> tuple[list[float], Any]:
    result = await run()  # warm-up (and the figures to compare)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, result


async def graphql_layer(
    post: Callable[..., Awaitable[httpx.Response]], variables: dict[str, Any], runs: int
) -> tuple[float, float]:
    """(median extra latency of one more copy of the members' page, of the whole query with
    two copies). Runs alternate between the two queries, so drift cancels out; both run
    the same statements (checked through `extensions.sqlStatements`: the fewest of three
    runs each, since a member the summary reads besides the page's may join the page's
    batch or, a moment later, make one of its own, by which statement returned first)."""
    counts = []
    for query in (BRANCH_QUERY, BRANCH_QUERY_TWICE):
        runs_of_query = []
        for _ in range(3):
            body = (await post(query, **variables)).json()
            assert not body.get("errors"), body["errors"]
            statements = body["extensions"]["sqlStatements"]
            runs_of_query.append(tuple(sorted(statements.items())))
        counts.append(min(runs_of_query, key=lambda c: sum(n for _, n in c)))
    assert counts[0] == counts[1], counts
    extra, twice = [], []
    for _ in range(runs):
        started = time.perf_counter()
        await post(BRANCH_QUERY, **variables)
        middle = time.perf_counter()
        await post(BRANCH_QUERY_TWICE, **variables)
        ended = time.perf_counter()
        extra.append((ended - middle - (middle - started)) * 1000)
        twice.append((ended - middle) * 1000)
    return statistics.median(extra), statistics.median(twice)


def line(name: str, hub: list[float], sql: list[float]) -> str:
    median_hub, median_sql = statistics.median(hub), statistics.median(sql)
    return (
        f"{name:<10} hub median {median_hub:8.1f} ms  p95 {_p95(hub):8.1f} ms | "
        f"SQL median {median_sql:8.1f} ms  p95 {_p95(sql):8.1f} ms | "
        f"ratio {median_hub / median_sql:5.2f}x"
    )


async def main(
    data: Data,
    year: int | None,
    runs: int,
    scale: Scale,
    size: int = BRANCH_SIZE,
    freeze: bool = True,
) -> None:
    data = await prepare(data, scale)
    # The baseline connects as the hub does (the same pragmas, the same plan settings).
    units = create_engine_for(data.units_url)
    community = create_engine_for(data.community_url)
    year = year or await busiest_year(community)
    await ensure_policy(units, year)
    total = int(await scalar(units, "SELECT count(*) FROM members"))
    size = min(size, total)
    branch_code, branch_id = await branch_of(units, size)
    community_code, community_id = await busiest_community(community)
    settings = Settings(
        units_database_url=data.units_url,
        community_database_url=data.community_url,
        audit_database_url=data.audit_url,
        jwt_secret=SECRET,
        max_page_size=max(size, 100),
        max_query_cost=10_000_000,
        rate_limit_per_ip="",
        rate_limit_per_token="",
        query_timeout_seconds=60,
        debug_sql=True,
    )
    token = issue_token(
        settings, role="district", scope={"district": "bench"}, subject="bench",
        ttl=timedelta(hours=2),
    )  # fmt: skip
    app = create_app(settings)
    if freeze:  # what a server does once started (`dualhub serve`): see gateway/heap.py
        heap.settle(settings.gc_threshold)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub", timeout=600
    ) as http:

        async def post(query: str, **variables: Any) -> httpx.Response:
            """The hub's latency: until the whole response has arrived (the client's JSON
            parsing is not timed)."""
            return await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )

        def data_of(response: httpx.Response) -> dict[str, Any]:
            body = response.json()
            assert not body.get("errors"), body["errors"]
            data: dict[str, Any] = body["data"]
            return data

        async def graphql(query: str, **variables: Any) -> dict[str, Any]:
            return data_of(await post(query, **variables))

        print(f"year {year}; branch {branch_code} ({size} members); community "
              f"{community_code}; {runs} runs each (district: {max(3, runs // 4)})")  # fmt: skip
        branch = {"code": branch_code, "year": year, "first": size}
        hub_b, got = await timed(lambda: post(BRANCH_QUERY, **branch), runs)
        got = data_of(got)
        sql_b, want = await timed(lambda: baseline_branch(units, community, branch_id, year), runs)
        summary = got["partyBranch"]["performanceSummary"]
        assert len(got["partyBranch"]["members"]["edges"]) == size
        assert (summary["members"], summary["compliant"]) == (want["members"], want["compliant"])
        assert abs(summary["hours"] - want["hours"]) < 0.01, (summary["hours"], want["hours"])
        print(line("branch", hub_b, sql_b))
        once, twice = await graphql_layer(post, branch, runs)
        print(
            f"{'':<10} of which the GraphQL layer serving the {size} members' figures "
            f"(no statement): {once:.1f} ms = {once / statistics.median(sql_b):.2f}x the SQL "
            f"median (two copies of the page: {twice:.1f} ms)"
        )

        hub_c, got = await timed(
            lambda: graphql(COMMUNITY_QUERY, code=community_code, year=year), runs
        )
        sql_c, want = await timed(lambda: baseline_community(community, community_id, year), runs)
        summary = got["community"]["supporterSummary"]
        assert (summary["supporters"], summary["active"], summary["orders"]) == (
            want["supporters"], want["active"], want["orders"],
        ), (summary, want)  # fmt: skip
        print(line("community", hub_c, sql_c))

        few = max(3, runs // 4)
        hub_d, got = await timed(lambda: graphql(DISTRICT_QUERY, year=year), few)
        sql_d, want = await timed(lambda: baseline_district(units, community, year), few)
        summary = got["district"]["summary"]
        assert (summary["members"], summary["compliant"]) == (want["members"], want["compliant"])
        assert got["district"]["redFlagBranches"]["totalCount"] == want["red_flag"]
        print(line("district", hub_d, sql_d))
    await app.state.hub.dispose()
    await units.dispose()
    await community.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="Folder of the SQLite files (reused if seeded).")
    parser.add_argument(
        "--urls", nargs=3, metavar=("UNITS", "COMMUNITY", "AUDIT"),
        help="Database URLs instead of SQLite files, e.g. three PostgreSQL databases made for "
        "the benchmark (seeded when empty; the benchmark changes their data).",
    )  # fmt: skip
    parser.add_argument("--year", type=int, help="Year to measure (default: the busiest).")
    parser.add_argument("--runs", type=int, default=20, help="Timed runs per query.")
    parser.add_argument("--scale", default="district", choices=sorted(SCALES))
    parser.add_argument("--branch-size", type=int, default=BRANCH_SIZE)
    args = parser.parse_args()
    scale = SCALES[args.scale]
    if args.urls is not None:
        data = Data(*args.urls)
        asyncio.run(main(data, args.year, args.runs, scale, args.branch_size))
    elif args.data is not None:
        args.data.mkdir(parents=True, exist_ok=True)
        asyncio.run(main(sqlite_files(args.data), args.year, args.runs, scale, args.branch_size))
    else:
        with tempfile.TemporaryDirectory(prefix="dualhub-bench-") as folder:
            data = sqlite_files(Path(folder))
            asyncio.run(main(data, args.year, args.runs, scale, args.branch_size))


if __name__ == "__main__":
    cli()
