"""Year summaries of a community's supporters and of the whole district (区级看板).

Every figure is aggregated by the databases (grouped statements); the hub only joins the
two sides' aggregates by member, unit and community codes.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from datasources.community.unit_service import UnitContribution
from resolvers.context import HubContext
from resolvers.performance import Performance, Summary, every_performance, policy_for


@dataclass
class ServiceBucket:
    """Orders, activity attendances and confirmed duty sessions (岗位值守) of one category,
    month or community."""

    key: int
    orders: int = 0
    order_hours: Decimal = Decimal(0)
    attendances: int = 0
    activity_hours: Decimal = Decimal(0)
    duty_sessions: int = 0
    duty_hours: Decimal = Decimal(0)

    @property
    def hours(self) -> Decimal:
        return self.order_hours + self.activity_hours + self.duty_hours


def buckets(rows: list[tuple[str, int, int, Decimal]]) -> list[ServiceBucket]:
    found: dict[int, ServiceBucket] = {}
    for kind, key, n, hours in rows:
        bucket = found.setdefault(key, ServiceBucket(key))
        if kind == "orders":
            bucket.orders += n
            bucket.order_hours += hours
        elif kind == "posts":
            bucket.duty_sessions += n
            bucket.duty_hours += hours
        else:
            bucket.attendances += n
            bucket.activity_hours += hours
    return [found[key] for key in sorted(found)]


@dataclass
class SupporterSummary:
    year: int
    community_id: int
    supporters: int
    active: int
    by_category: list[ServiceBucket]
    by_month: list[ServiceBucket]
    top: list[tuple[str, int, Decimal]]
    posts: list[tuple[int, int, int]]
    units: list[tuple[str, bool, int, Decimal]]
    # Units' service as organisations here (双服务: 活动接龙, 认领需求), by unit code.
    contributions: dict[str, UnitContribution] = field(default_factory=dict)

    @property
    def orders(self) -> int:
        return sum(b.orders for b in self.by_category)

    @property
    def hours(self) -> Decimal:
        return sum((b.hours for b in self.by_category), Decimal(0))


async def supporter_summary(
    ctx: HubContext, community_id: int, year: int, top: int = 10
) -> SupporterSummary:
    perf = ctx.community.performance
    (supporters, served, by_category, by_month, posts, units), by_unit = await asyncio.gather(
        asyncio.gather(
            perf.supporters(year, community_id),
            perf.member_hours(year, community_id),
            perf.service_by(year, community_id, "category_id"),
            perf.service_by(year, community_id, "month"),
            perf.posts_by_category(year, community_id),
            perf.unit_work(year, community_id),
        ),
        perf.unit_contributions(year, community_id),
    )
    paired = {code for code, *_ in units}
    units = units + [(code, False, 0, Decimal(0)) for code in sorted(by_unit) if code not in paired]
    reported = set(supporters)
    active = [row for row in served if row[0] in reported]
    return SupporterSummary(
        year=year,
        community_id=community_id,
        supporters=len(reported),
        active=len(active),
        by_category=buckets(by_category),
        by_month=buckets(by_month),
        top=active[:top],
        posts=posts,
        units=units,
        contributions=by_unit,
    )


@dataclass
class UnitReporting:
    unit_id: int
    members: int = 0
    reported: int = 0
    on_time: int = 0
    compliant: int = 0

    @property
    def rate(self) -> float:
        return round(self.reported / self.members, 4) if self.members else 0.0


@dataclass
class BranchFlag:
    branch_id: int
    unit_id: int
    summary: Summary


@dataclass
class DistrictDashboard:
    year: int
    summary: Summary
    units: list[UnitReporting]
    communities: list[tuple[int, int, int]]  # (community id, reported, on time)
    community_service: list[ServiceBucket]
    by_category: list[ServiceBucket]
    by_month: list[ServiceBucket]
    branches: list[BranchFlag] = field(default_factory=list)
    open_demands: list[tuple[int, int, int]] = field(default_factory=list)
    # Units' service as organisations (双服务), most first.
    unit_contributions: list[UnitContribution] = field(default_factory=list)


def by_contribution(rows: dict[str, UnitContribution], top: int) -> list[UnitContribution]:
    """Units ranked by what they did: demands, orders, wishes and projects completed, duty
    sessions served and activities joined, then the headcount they committed; ties by
    code."""

    def weight(c: UnitContribution) -> tuple[int, int, str]:
        done = c.delivered + c.activities_joined
        return (-done, -c.participants, c.unit_code)

    return sorted(rows.values(), key=weight)[:top]


async def district_dashboard(
    ctx: HubContext, year: int, top: int = 10, *, contributions: bool = True
) -> DistrictDashboard:
    """The district's year: every member the viewer sees, judged against the policy, and
    the community side's grouped figures; the units' contributions only with
    `contributions` (a query that does not ask for them does not pay their statements)."""
    perf = ctx.community.performance
    policy = await policy_for(ctx, year)
    members = await ctx.units.performance.members(everyone=True, light=True, year=year)
    (
        (people, communities, by_community, by_category, by_month, demands),
        by_unit,
    ) = await asyncio.gather(
        asyncio.gather(
            every_performance(ctx, members, year),
            perf.reports_by_community(year, policy.reporting_deadline if policy else None),
            perf.service_by(year, None, "community_id"),
            perf.service_by(year, None, "category_id"),
            perf.service_by(year, None, "month"),
            perf.open_demands(top),
        ),
        perf.unit_contributions(year) if contributions else _nothing(),
    )
    summary = Summary(year, policy, people)
    units: dict[int, UnitReporting] = {}
    by_branch: dict[int, list[Performance]] = defaultdict(list)
    for p in summary.covered:
        unit = units.setdefault(p.unit_id, UnitReporting(p.unit_id))
        unit.members += 1
        unit.reported += p.first_report is not None
        unit.on_time += bool(p.on_time)
        unit.compliant += bool(p.compliance and p.compliance.compliant)
        by_branch[p.branch_id].append(p)
    branches = [
        BranchFlag(branch_id, group[0].unit_id, Summary(year, policy, group))
        for branch_id, group in sorted(by_branch.items())
    ]
    ranked = sorted(units.values(), key=lambda u: (-u.rate, -u.members, u.unit_id))
    return DistrictDashboard(
        year=year,
        summary=summary,
        units=ranked,
        communities=sorted(communities, key=lambda c: (-c[1], c[0])),
        community_service=sorted(buckets(by_community), key=lambda b: (-b.hours, b.key)),
        by_category=buckets(by_category),
        by_month=buckets(by_month),
        branches=branches,
        open_demands=demands,
        unit_contributions=by_contribution(by_unit, top),
    )


async def _nothing() -> dict[str, UnitContribution]:
    return {}
