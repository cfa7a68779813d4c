"""Member performance outside working hours (8小时以外表现) and the year-end appraisal.

The hub joins the two sides here: the unit side gives the members and the year's
appraisal policy, the community side the aggregated figures (one grouped statement per
record type for all the members asked together). Compliance is computed, never stored:
changing the policy recomputes it, and no record is rewritten.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Any
from weakref import WeakKeyDictionary

from strawberry.dataloader import DataLoader

from datasources.common import CHINA, AppraisalGrade
from datasources.community.performance import ComplianceFigures, MemberFigures, ReportRow
from datasources.units.models import AppraisalPolicy, PoliticalStatus
from resolvers.context import HubContext


class Rule(Enum):
    """A rule of the year's appraisal policy (评议规则)."""

    REPORTED = "reported"  # 已报到
    REPORTED_ON_TIME = "reported_on_time"  # 按时报到
    MIN_SERVICES = "min_services"  # 服务次数
    MIN_HOURS = "min_hours"  # 服务时长


RULE_NAMES = {
    Rule.REPORTED: "已到居住地社区报到",
    Rule.REPORTED_ON_TIME: "在规定期限内报到",
    Rule.MIN_SERVICES: "年度服务次数达标",
    Rule.MIN_HOURS: "年度服务时长达标",
}

GRADE_ORDER = (
    AppraisalGrade.EXCELLENT,
    AppraisalGrade.QUALIFIED,
    AppraisalGrade.BASICALLY_QUALIFIED,
    AppraisalGrade.UNQUALIFIED,
)
GRADE_NAMES = {
    AppraisalGrade.EXCELLENT: "优秀",
    AppraisalGrade.QUALIFIED: "合格",
    AppraisalGrade.BASICALLY_QUALIFIED: "基本合格",
    AppraisalGrade.UNQUALIFIED: "不合格",
}


@dataclass(slots=True)
class RuleResult:
    rule: Rule
    met: bool
    required: Decimal
    actual: Decimal
    facts: tuple[Any, ...] = ()  # what `detail` spells out (formatted only when asked)

    @property
    def name(self) -> str:
        return RULE_NAMES[self.rule]

    @property
    def detail(self) -> str:
        """The rule and the figures behind it, in Chinese."""
        facts = self.facts
        if self.rule is Rule.REPORTED:
            return f"报到：{facts[0].isoformat()}（{facts[1]}）" if facts else "未报到"
        if self.rule is Rule.REPORTED_ON_TIME:
            reported_on, deadline, late = facts
            if reported_on is None:
                return f"期限 {deadline.isoformat()} 前未报到"
            return f"报到日期 {reported_on.isoformat()}，期限 {deadline.isoformat()}" + (
                f"，逾期 {late} 天" if late else "，按时"
            )
        if self.rule is Rule.MIN_SERVICES:
            return f"服务 {self.actual} 次，要求至少 {self.required} 次"
        return f"服务 {self.actual} 小时，要求至少 {self.required} 小时"


class Compliance:
    """Each rule of the policy, met or not, for one member: whether he is compliant is
    judged at once; the rules with their figures are spelled out only when asked (a
    district summary judges 20,000 members and details a page of them)."""

    def __init__(
        self,
        policy: AppraisalPolicy,
        first: ReportRow | None,
        counted: tuple[int, Decimal],
        *,
        applicable: bool,
    ) -> None:
        self.policy = policy
        self.first = first  # the member's first report of the year
        self.counted = counted  # (services, hours) of the record types the policy counts
        self.applicable = applicable  # the member's political status is covered by the policy
        self.compliant = not applicable or _meets_every_rule(policy, first, counted)

    @cached_property
    def rules(self) -> list[RuleResult]:
        return _rules(self.policy, self.first, self.counted) if self.applicable else []

    @property
    def unmet(self) -> list[RuleResult]:
        return [result for result in self.rules if not result.met]

    @property
    def ceiling(self) -> AppraisalGrade | None:
        """The highest grade the member may receive: capped when a rule is unmet."""
        if not self.applicable:
            return None
        return AppraisalGrade.EXCELLENT if self.compliant else self.policy.ceiling_grade


@dataclass
class Performance:
    """One member's year, from both sides."""

    member_id: int
    member_code: str
    name: str
    political_status: PoliticalStatus
    unit_id: int
    branch_id: int
    year: int
    figures: ComplianceFigures  # a MemberFigures, except in a district summary
    policy: AppraisalPolicy | None
    compliance: Compliance | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    _counted: tuple[int, Decimal] | None = None

    def complete_figures(self) -> MemberFigures:
        """Every figure, points and evaluations included. A district summary's members
        carry only what the rules judge: their details are loaded by the member."""
        if not isinstance(self.figures, MemberFigures):
            raise LookupError(f"only the compliance figures of {self.member_code} are loaded")
        return self.figures

    @property
    def first_report(self) -> ReportRow | None:
        return self.figures.reports[0] if self.figures.reports else None

    @property
    def current_report(self) -> ReportRow | None:
        return self.figures.reports[-1] if self.figures.reports else None

    @property
    def open_report(self) -> ReportRow | None:
        """The year's interval that has not ended (he reports there now), if any."""
        return next((r for r in reversed(self.figures.reports) if r.ended_on is None), None)

    @property
    def days_reported(self) -> int:
        return reported_days(self.figures.reports, self.year, datetime.now(CHINA).date())

    @property
    def deadline(self) -> date | None:
        return self.policy.reporting_deadline if self.policy else None

    @property
    def days_late(self) -> int | None:
        first = self.first_report
        if first is None or self.deadline is None:
            return None
        return max(0, (first.reported_on - self.deadline).days)

    @property
    def on_time(self) -> bool | None:
        late = self.days_late
        return None if late is None else late == 0

    def counted(self) -> tuple[int, Decimal]:
        """(services, hours) counted by the policy's record types (all without a policy)."""
        if self._counted is None:
            self._counted = self._count()
        return self._counted

    def _count(self) -> tuple[int, Decimal]:
        p = self.policy
        f = self.figures
        services = 0
        hours = Decimal(0)
        if p is None or p.count_orders:
            services += f.orders.count
            hours += f.orders.hours
        if p is None or p.count_activities:
            services += f.activities.count
            hours += f.activities.hours
        if p is None or p.count_posts:
            # Confirmed post duty sessions, never the claims (岗位值守, not 岗位认领).
            services += f.posts.count
            hours += f.posts.hours
        if p is None or p.count_wishes:
            services += f.wishes
        return services, hours


def reported_days(reports: Sequence[ReportRow], year: int, today: date) -> int:
    """Days of `year` covered by the reported intervals (their union: during a move the old
    and the new report overlap). An interval runs from its report date up to, not
    including, its end date; an open one up to today (days so far) within the year."""
    start, stop = date(year, 1, 1), min(date(year + 1, 1, 1), today + timedelta(days=1))
    spans = sorted((max(r.reported_on, start), min(r.ended_on or stop, stop)) for r in reports)
    days, reach = 0, start
    for begin, end in spans:
        begin = max(begin, reach)
        if end > begin:
            days += (end - begin).days
            reach = end
    return days


_ACTIVIST = PoliticalStatus.ACTIVIST
_TARGET = PoliticalStatus.DEVELOPMENT_TARGET


def applies_to(policy: AppraisalPolicy, status: PoliticalStatus) -> bool:
    if status is _ACTIVIST:
        return policy.include_activists
    if status is _TARGET:
        return policy.include_development_targets
    return True


def judge(performance: Performance) -> Compliance | None:
    """The member's compliance with the year's policy (None without a policy)."""
    policy = performance.policy
    if policy is None:
        return None
    applicable = applies_to(policy, performance.political_status)
    return Compliance(
        policy, performance.first_report, performance.counted(), applicable=applicable
    )


def _meets_every_rule(
    policy: AppraisalPolicy, first: ReportRow | None, counted: tuple[int, Decimal]
) -> bool:
    """The rules of `_rules`, as one yes or no."""
    if first is None:
        return False
    deadline, min_services, required_hours = _thresholds(policy)
    services, hours = counted
    return first.reported_on <= deadline and services >= min_services and hours >= required_hours


def _rules(
    policy: AppraisalPolicy, first: ReportRow | None, counted: tuple[int, Decimal]
) -> list[RuleResult]:
    """Each rule with the figures behind it."""
    services, hours = counted
    deadline, min_services, required_hours = _thresholds(policy)
    late = max(0, (first.reported_on - deadline).days) if first else 0
    return [
        RuleResult(
            Rule.REPORTED, first is not None, _ONE, _ONE if first else _ZERO,
            (first.reported_on, first.community_name) if first else (),
        ),
        RuleResult(
            Rule.REPORTED_ON_TIME, first is not None and late == 0, _ZERO, Decimal(late),
            (first.reported_on if first else None, deadline, late),
        ),
        RuleResult(
            Rule.MIN_SERVICES, services >= min_services, Decimal(min_services), Decimal(services),
        ),
        RuleResult(Rule.MIN_HOURS, hours >= required_hours, required_hours, hours),
    ]  # fmt: skip


_ONE, _ZERO = Decimal(1), Decimal(0)


_THRESHOLDS: WeakKeyDictionary[AppraisalPolicy, tuple[date, int, Decimal]] = WeakKeyDictionary()


def _thresholds(policy: AppraisalPolicy) -> tuple[date, int, Decimal]:
    """(deadline, minimum services, minimum hours) of a policy, read once per policy row."""
    cached = _THRESHOLDS.get(policy)
    if cached is None:
        cached = (policy.reporting_deadline, policy.min_services, Decimal(policy.min_hours))
        _THRESHOLDS[policy] = cached
    return cached


async def policy_for(ctx: HubContext, year: int) -> AppraisalPolicy | None:
    return await ctx.units.performance.policy.load((year, ctx.viewer.district))


async def figures_of(ctx: HubContext, code: str, year: int) -> MemberFigures:
    """The community-side figures of one member; concurrent calls batch into one
    statement per record type."""
    return await ctx.community.performance.figures.load((code, year))


def _performance(
    ctx: HubContext, member: Any, year: int, figures: ComplianceFigures, policy: Any
) -> Performance:
    performance = Performance(
        member_id=member.id,
        member_code=member.code,
        name=member.name,
        political_status=member.political_status,
        unit_id=member.unit_id,
        branch_id=member.branch_id,
        year=year,
        figures=figures,
        policy=policy,
        extra={"row": member},
    )
    # Judged once per request: the summary and the member's own field share the result,
    # as long as it was judged from the same figures and policy (the loaders' cached ones).
    judged = ctx.community.performance.judged
    key = (performance.member_code, year)
    known: Performance | None = judged.get(key)
    if (
        known is not None
        and known.figures is figures
        and known.policy is policy
        and known.political_status is performance.political_status
    ):
        performance.compliance = known.compliance
        performance._counted = known._counted
    else:
        performance.compliance = judge(performance)
        judged[key] = performance
    return performance


async def member_performance(ctx: HubContext, member: Any, year: int) -> Performance:
    """`member` is a Member row (or any object with its columns)."""
    # Both loads register their keys before either is awaited, so a page still batches.
    figures = ctx.community.performance.figures.load((member.code, year))
    policy = ctx.units.performance.policy.load((year, ctx.viewer.district))
    return _performance(ctx, member, year, await figures, await policy)


_PENDING: Any = object()


def _loaded(loader: DataLoader[Any, Any], key: Any) -> Any:
    """The value a loader already holds for `key`, or `_PENDING` (not loaded, or failed:
    the caller then loads it the usual way, which raises the same error)."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is None or not future.done() or future.cancelled() or future.exception():
        return _PENDING
    return future.result()


def loaded_performance(ctx: HubContext, member: Any, year: int) -> Performance | None:
    """The member's performance without awaiting anything, when his figures and the year's
    policy are already loaded (a page preloaded them, see `preload`); None otherwise."""
    figures = _loaded(ctx.community.performance.figures, (member.code, year))
    if figures is _PENDING:
        return None
    policy = _loaded(ctx.units.performance.policy, (year, ctx.viewer.district))
    if policy is _PENDING:
        return None
    return _performance(ctx, member, year, figures, policy)


async def preload(ctx: HubContext, members: Sequence[Any], year: int) -> None:
    """Load the figures of `members` for `year` and the year's policy, in one batch (the
    same loaders and keys as `member_performance`, so the same scope). A failure is left in
    the loaders' cache: each member's field then raises it, as it would have without this."""
    keys = [(m.code, year) for m in members]
    await asyncio.gather(
        ctx.community.performance.figures.load_many(keys),
        policy_for(ctx, year),
        return_exceptions=True,
    )


async def performances(ctx: HubContext, members: Sequence[Any], year: int) -> list[Performance]:
    """Every member's performance, batched: one statement per record type in all."""
    loader = ctx.community.performance.figures
    figures, policy = await asyncio.gather(
        loader.load_many([(m.code, year) for m in members]), policy_for(ctx, year)
    )
    return [_performance(ctx, m, year, f, policy) for m, f in zip(members, figures, strict=True)]


async def every_performance(
    ctx: HubContext, members: Sequence[Any], year: int
) -> list[Performance]:
    """Like `performances`, for the district's every member at once: only the figures
    compliance needs, without the loader (see `CommunityPerformance.compliance_figures`)."""
    keys = [(m.code, year) for m in members]
    figures, policy = await asyncio.gather(
        ctx.community.performance.compliance_figures(keys), policy_for(ctx, year)
    )
    return [_performance(ctx, m, year, f, policy) for m, f in zip(members, figures, strict=True)]


@dataclass
class Summary:
    """A branch's or unit's year (支部/单位年度汇总)."""

    year: int
    policy: AppraisalPolicy | None
    members: list[Performance]

    @cached_property
    def covered(self) -> list[Performance]:
        """Members the policy applies to (all of them without a policy)."""
        return [p for p in self.members if p.compliance is None or p.compliance.applicable]

    @property
    def reported(self) -> int:
        return sum(1 for p in self.covered if p.first_report is not None)

    @cached_property
    def compliant(self) -> list[Performance]:
        return [p for p in self.covered if p.compliance is not None and p.compliance.compliant]

    @cached_property
    def non_compliant(self) -> list[Performance]:
        return [p for p in self.covered if p.compliance is not None and not p.compliance.compliant]

    @property
    def services(self) -> int:
        return sum(p.counted()[0] for p in self.covered)

    @property
    def hours(self) -> Decimal:
        return sum((p.counted()[1] for p in self.covered), Decimal(0))

    @property
    def red_flag_eligible(self) -> bool:
        return self.policy is not None and not self.non_compliant

    @property
    def red_flag_named(self) -> list[Performance]:
        """The members the red-flag reason names (the first five non-compliant ones)."""
        return self.non_compliant[:5]

    def red_flag_reason(self, names: Sequence[str]) -> str:
        """Why the branch is (not) eligible, naming `names`: the `red_flag_named` members
        as the reader may see them. Names are personal: the caller audits them."""
        if self.policy is None:
            return f"{self.year} 年度评议规则尚未制定"
        failing = self.non_compliant
        if not failing:
            return "全部党员均符合报到和服务要求"
        if not names:
            return f"{len(failing)} 名党员未达到报到或服务要求"
        more = f"等 {len(failing)} 名" if len(failing) > len(names) else f" {len(failing)} 名"
        return f"{'、'.join(names)}{more}党员未达到报到或服务要求"


async def branch_summary(ctx: HubContext, branch_id: int, year: int) -> Summary:
    members = await ctx.units.performance.members(branch_ids=[branch_id], year=year)
    return Summary(year, await policy_for(ctx, year), await performances(ctx, members, year))


async def unit_summary(ctx: HubContext, unit_id: int, year: int) -> Summary:
    members = await ctx.units.performance.members(unit_ids=[unit_id], year=year)
    return Summary(year, await policy_for(ctx, year), await performances(ctx, members, year))


def unmet_text(performance: Performance) -> str:
    """The unmet rules spelled out (未达标事项), for exports and summaries."""
    if performance.compliance is None:
        return "（未制定评议规则）"
    if not performance.compliance.applicable:
        return "（不适用）"
    return "；".join(f"{r.name}：{r.detail}" for r in performance.compliance.unmet)


def grouped(items: Sequence[Performance], key: str) -> dict[int, list[Performance]]:
    groups: dict[int, list[Performance]] = defaultdict(list)
    for item in items:
        groups[getattr(item, key)].append(item)
    return groups
