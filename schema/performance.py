"""Member performance outside working hours (8小时以外表现), the year-end appraisal policy
(民主评议规则) and the summaries of branches, units, communities and the district."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

import strawberry
from strawberry import relay

from datasources.common import CHINA, AppraisalGrade
from datasources.community.performance import MemberFigures, ReportRow, ServiceTotals
from resolvers import appraisal_ceiling
from resolvers import appraisal_policy as policies
from resolvers import performance as perf
from schema.actors import shown_subject
from schema.base import Info, selected_at
from schema.bounds import YEAR, between, int32
from schema.enums import ReportEndReason
from schema.errors import ErrorCode, coded_error
from schema.mutations import Audited, Change, UserError, mutate
from schema.pagination import DEFAULT_PAGE_SIZE, After, Connection, Edge, First, PageInfo
from schema.reveals import names_in_text

if TYPE_CHECKING:
    from schema.places import Community
    from schema.units import Member

_PLACES = "schema.places"
_UNITS = "schema.units"
T = TypeVar("T")

Year = Annotated[
    int, strawberry.argument(metadata=YEAR, description="The calendar year (年度), China time.")
]


def _float(value: Decimal | int) -> float:
    return float(value)


@strawberry.enum(description="A rule of the appraisal policy (评议规则).")
class AppraisalRule(Enum):
    REPORTED = "reported"
    REPORTED_ON_TIME = "reported_on_time"
    MIN_SERVICES = "min_services"
    MIN_HOURS = "min_hours"


strawberry.enum(
    appraisal_ceiling.GradeCheck,
    name="GradeCheck",
    description="A recorded grade against the member's appraisal ceiling (等次核查): "
    "WITHIN_CEILING 未超出上限（或无上限）, OVERRIDDEN 超出上限、区委组织部特批, "
    "EXCEEDS_CEILING 超出上限、待区委组织部复核.",
)
GradeCheck: TypeAlias = appraisal_ceiling.GradeCheck


@strawberry.enum(
    description="Record types that may count as services (计入服务的记录类型): ORDERS completed "
    "orders, ACTIVITIES attended activities, POSTS confirmed post duty sessions (岗位值守; "
    "never the claims themselves), WISHES fulfilled micro-wishes."
)
class ServiceRecordType(Enum):
    ORDERS = "orders"
    ACTIVITIES = "activities"
    POSTS = "posts"
    WISHES = "wishes"


# The GraphQL type behind each record kind's global IDs.
_TYPE_NAMES = {
    "reports": "Report",
    "orders": "ServiceOrder",
    "activities": "ActivitySignup",
    "posts": "PostDuty",
    "wishes": "MicroWish",
    "points": "PointsEntry",
    "evaluations": "MemberEvaluation",
    "commitments": "MemberCommitment",
    "commendations": "Commendation",
}


async def _record_ids(info: Info, kind: str, member_code: str, year: int) -> list[relay.GlobalID]:
    ids = await info.context.community.performance.record_ids[kind].load((member_code, year))
    return [relay.GlobalID(_TYPE_NAMES[kind], str(i)) for i in ids]


@strawberry.type(description="Figures of one record type: how many, and the records behind them.")
class CountFigure:
    count: int = strawberry.field(description="How many records count (条数).")
    kind: strawberry.Private[str]
    member_code: strawberry.Private[str]
    year: strawberry.Private[int]

    @strawberry.field(
        description="Global IDs of the records behind the figure (明细), so a branch "
        "secretary can check it; only records the viewer may see."
    )
    async def record_ids(self, info: Info) -> list[relay.GlobalID]:
        return await _record_ids(info, self.kind, self.member_code, self.year)


@strawberry.type(description="Services with hours (服务次数与时长), and the records behind them.")
class ServiceFigure(CountFigure):
    hours: float = strawberry.field(description="Hours served (服务时长，小时).")
    average_rating: float | None = strawberry.field(
        description="Average resident rating, 1-5 (平均评分); null when none was rated."
    )
    rated: int = strawberry.field(description="How many of them were rated (已评价条数).")


def _service(kind: str, code: str, year: int, totals: ServiceTotals) -> ServiceFigure:
    return ServiceFigure(
        count=totals.count,
        kind=kind,
        member_code=code,
        year=year,
        hours=_float(totals.hours),
        average_rating=None if totals.average_rating is None else float(totals.average_rating),
        rated=totals.rated,
    )


@strawberry.type(
    description="Points of the year (年度积分); spent and expired as positive numbers."
)
class PointsFigure(CountFigure):
    earned: int = strawberry.field(description="Points earned in the year (获得).")
    spent: int = strawberry.field(description="Points spent in the mall (兑换消费).")
    reversed: int = strawberry.field(
        description="Signed sum of reversals (冲正): negative when earned points were taken back."
    )
    expired: int = strawberry.field(description="Points expired (过期).")
    balance: int = strawberry.field(description="Balance at the end of the year (年末余额).")


@strawberry.type(description="One community the member reported to in the year (报到记录).")
class ReportedCommunity:
    report_id: relay.GlobalID = strawberry.field(description="The report (报到ID).")
    reported_on: date = strawberry.field(description="Date of the report (报到日期).")
    status: str = strawberry.field(description="Report status (状态): confirmed or closed.")
    community_id: strawberry.Private[int]

    @strawberry.field(description="The community (报到社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        from schema.places import Community

        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )


@strawberry.type(
    description="One reported interval overlapping the year (报到区间): from the report date "
    "up to, not including, the end date; open while he still reports there."
)
class ReportInterval(ReportedCommunity):
    ended_on: date | None = strawberry.field(
        description="The first day he is no longer reported there (结束日期); null while open."
    )
    end_reason: ReportEndReason | None = strawberry.field(
        description="Why it ended (结束原因): moved, left service or closed; null while open."
    )
    days_in_year: int = strawberry.field(
        description="Days of the year this interval covers (本年度报到天数); an open interval "
        "counts up to today."
    )


def _reported(row: ReportRow) -> ReportedCommunity:
    return ReportedCommunity(
        report_id=relay.GlobalID("Report", str(row.id)),
        reported_on=row.reported_on,
        status=row.status.value,
        community_id=row.community_id,
    )


def _interval(row: ReportRow, year: int) -> ReportInterval:
    return ReportInterval(
        report_id=relay.GlobalID("Report", str(row.id)),
        reported_on=row.reported_on,
        status=row.status.value,
        community_id=row.community_id,
        ended_on=row.ended_on,
        end_reason=row.end_reason,
        days_in_year=perf.reported_days([row], year, datetime.now(CHINA).date()),
    )


@strawberry.type(
    description="Reporting of the year (报到情况) against the policy's deadline, from the "
    "reported intervals that overlap the year: a report closed before the year began does "
    "not count."
)
class ReportingFigure:
    reported: bool = strawberry.field(
        description="Reported to a residence community for at least part of the year (已报到): "
        "a confirmed report whose interval overlaps the year."
    )
    reported_on: date | None = strawberry.field(
        description="Start of his earliest interval that overlaps the year (首次报到日期)."
    )
    days_reported: int = strawberry.field(
        description="Days of the year he was reported somewhere (报到天数): the union of the "
        "intervals, an open one counted up to today."
    )
    intervals: list[ReportInterval] = strawberry.field(
        description="Every reported interval overlapping the year, in date order (报到区间)."
    )
    deadline: date | None = strawberry.field(
        description="The policy's reporting deadline (报到期限), China time; null without a policy."
    )
    on_time: bool | None = strawberry.field(
        description="Reported by the deadline (按时报到): his earliest interval overlapping the "
        "year began on or before it; null without a report or policy."
    )
    days_late: int | None = strawberry.field(description="Days after the deadline (逾期天数).")
    communities: list[ReportedCommunity] = strawberry.field(
        description="Every community he reported to in the year, in date order; more than "
        "one when he moved (迁居) during the year. The last one is current."
    )

    @strawberry.field(
        description="The community he reports to now (当前报到社区): that of the year's open "
        "interval; null when every interval of the year has ended."
    )
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)] | None:
        current = next((i for i in reversed(self.intervals) if i.ended_on is None), None)
        if current is None:
            return None
        found: Community = await current.community(info)
        return found


@strawberry.type(description="One evaluation of the member for the year (评价).")
class EvaluationFigure:
    record_id: relay.GlobalID = strawberry.field(description="The evaluation record (评价ID).")
    grade: AppraisalGrade | None = strawberry.field(description="The grade given (等次).")
    comment: str = strawberry.field(description="The comment (评语).")
    evaluated_at: datetime = strawberry.field(description="When it was given (评价时间).")


@strawberry.type(description="The three evaluations (三评) of the year.")
class EvaluationsFigure:
    community: EvaluationFigure | None = strawberry.field(
        description="The community's evaluation (社区评价), community side."
    )
    self_evaluation: EvaluationFigure | None = strawberry.field(
        description="The member's self-evaluation (党员自评), community side."
    )
    organisation: EvaluationFigure | None = strawberry.field(
        description="The unit branch's organisation evaluation (组织评价), unit side."
    )


@strawberry.type(description="One rule of the policy checked (规则核查), with its figures.")
class RuleCheck:
    rule: AppraisalRule = strawberry.field(description="The rule (规则).")
    name: str = strawberry.field(description="The rule in Chinese (规则名称).")
    met: bool = strawberry.field(description="Met (达标) or not.")
    required: float = strawberry.field(description="What the rule requires (要求).")
    actual: float = strawberry.field(
        description="The member's figure (实际): 1/0 reported, days late, services or hours."
    )
    # The Chinese detail is formatted only when a client asks for it (a branch's
    # non-compliant list builds a thousand checks, most asked only for `rule`).
    source: strawberry.Private[perf.RuleResult]

    @strawberry.field(description="The figures behind it, in Chinese (说明).")
    def detail(self) -> str:
        return self.source.detail


_RULES = {rule: AppraisalRule(rule.value) for rule in perf.Rule}


def _check(result: perf.RuleResult) -> RuleCheck:
    return RuleCheck(
        rule=_RULES[result.rule],
        name=result.name,
        met=result.met,
        required=_float(result.required),
        actual=_float(result.actual),
        source=result,
    )


@strawberry.type(description="The member against the year's appraisal policy (评议合规).")
class ComplianceFigure:
    policy_version: int = strawberry.field(description="Version of the policy applied (规则版本).")
    applicable: bool = strawberry.field(
        description="Whether the policy covers his political status (适用); activists and "
        "development targets only when the policy includes them."
    )
    compliant: bool = strawberry.field(description="Every rule met (全部达标).")
    # The rule checks are built only when a client asks for them.
    source: strawberry.Private[perf.Compliance]

    @strawberry.field(description="Each rule, met or not (各项规则).")
    def rules(self) -> list[RuleCheck]:
        return [_check(rule) for rule in self.source.rules]

    @strawberry.field(description="The rules not met (未达标规则).")
    def unmet_rules(self) -> list[RuleCheck]:
        return [_check(rule) for rule in self.source.unmet]


@strawberry.type(description="The year-end appraisal policy (年度民主评议规则), one version.")
class AppraisalPolicy:
    year: int = strawberry.field(description="The year (年度).")
    district_code: str | None = strawberry.field(
        description="The district it is for (区编码); null: every district."
    )
    version: int = strawberry.field(description="Version (版本); each change adds one.")
    reporting_deadline: date = strawberry.field(
        description="Reports after this date are late (报到期限), China time."
    )
    min_services: int = strawberry.field(description="Minimum services a year (最少服务次数).")
    min_hours: float = strawberry.field(description="Minimum hours a year (最少服务时长).")
    counted_record_types: list[ServiceRecordType] = strawberry.field(
        description="Record types that count as services (计入服务的记录类型)."
    )
    ceiling_grade: AppraisalGrade = strawberry.field(
        description="Highest grade when a rule is unmet (未达标时最高等次)."
    )
    include_activists: bool = strawberry.field(
        description="Activists (入党积极分子) are held to the policy."
    )
    include_development_targets: bool = strawberry.field(
        description="Development targets (发展对象) are held to the policy."
    )
    note: str | None = strawberry.field(description="Remark (说明).")
    updated_at: datetime = strawberry.field(description="When (修改时间).")
    updated_by_subject: strawberry.Private[str]

    @strawberry.field(
        description="Who set this version (修改人): the district's token subject, shown to "
        "the district and the auditor only; null for everyone else."
    )
    def updated_by(self, info: Info) -> str | None:
        return shown_subject(info.context.viewer, self.updated_by_subject, None)

    @strawberry.field(description="Every version of this policy, newest first (历史版本).")
    async def history(self, info: Info) -> list[AppraisalPolicy]:
        rows = await info.context.units.performance.versions(self.year, self.district_code)
        return [policy_from_row(row) for row in rows]


def policy_from_row(row: Any) -> AppraisalPolicy:
    counted = [
        kind
        for kind, on in (
            (ServiceRecordType.ORDERS, row.count_orders),
            (ServiceRecordType.ACTIVITIES, row.count_activities),
            (ServiceRecordType.POSTS, row.count_posts),
            (ServiceRecordType.WISHES, row.count_wishes),
        )
        if on
    ]
    return AppraisalPolicy(
        year=row.year,
        district_code=row.district_code or None,
        version=row.version,
        reporting_deadline=row.reporting_deadline,
        min_services=row.min_services,
        min_hours=float(row.min_hours),
        counted_record_types=counted,
        ceiling_grade=row.ceiling_grade,
        include_activists=row.include_activists,
        include_development_targets=row.include_development_targets,
        note=row.note,
        updated_by_subject=row.updated_by,
        updated_at=row.updated_at,
    )


@strawberry.type(
    description="A member's public commitments of the year (公开承诺与践诺): `count` and "
    "`recordIds` are the kept ones (已践诺), which count in his performance."
)
class CommitmentsFigure(CountFigure):
    partly_kept: int = strawberry.field(description="Partly kept (部分践诺).")
    not_kept: int = strawberry.field(description="Not kept (未践诺).")
    pending: int = strawberry.field(description="Published, not yet assessed (待评定).")
    total: int = strawberry.field(description="All of the year but withdrawn ones (承诺总数).")


@strawberry.type(
    description="A member's commendations of the year in force (表彰): shown in his "
    "appraisal inputs; they never lift his appraisal ceiling (评议等次上限), which is judged "
    "from reporting and services only."
)
class CommendationsFigure(CountFigure):
    community: int = strawberry.field(description="Community commendations (社区表彰).")
    district: int = strawberry.field(description="District commendations (区级表彰).")


@strawberry.type(
    description="A member's year outside working hours (8小时以外表现), across both sides: "
    "each figure counts only records the viewer may see, and lists them."
)
class MemberPerformance:
    year: int = strawberry.field(description="The year (年度).")
    reporting: ReportingFigure = strawberry.field(description="Reporting (报到).")
    orders: ServiceFigure = strawberry.field(
        description="Orders he completed (完成点单): rated or confirmed, closed in the year."
    )
    activities: ServiceFigure = strawberry.field(
        description="Activities he attended (参加活动): attended or certified signups."
    )
    posts: ServiceFigure = strawberry.field(
        description="Duty he served on posts (岗位值守): sessions that began in the year and "
        "that the post's community or keeper confirmed, with their hours. Claiming a post "
        "(认领岗位) is no service and counts nothing here."
    )
    wishes: CountFigure = strawberry.field(
        description="Micro-wishes he fulfilled (完成微心愿): fulfilled or confirmed."
    )
    points: PointsFigure = strawberry.field(description="Points (积分) of the year.")
    total_services: int = strawberry.field(
        description="Services counted by the policy's record types (计入的服务次数)."
    )
    total_hours: float = strawberry.field(description="Hours counted (计入的服务时长).")
    compliance: ComplianceFigure | None = strawberry.field(
        description="The year's policy rule by rule (评议合规); null when no policy is set."
    )
    appraisal_ceiling: AppraisalGrade | None = strawberry.field(
        description="The highest democratic-appraisal grade he may receive (评议等次上限): "
        "EXCELLENT when every rule is met, the policy's ceiling otherwise; null without a "
        "policy or when it does not apply to him."
    )
    member_id: strawberry.Private[int]
    member_code: strawberry.Private[str]
    evaluation_rows: strawberry.Private[list[Any]]

    @strawberry.field(
        description="The current organisation evaluation's grade against his appraisal "
        "ceiling (组织评价等次核查): WITHIN_CEILING, OVERRIDDEN (the district's override on "
        "appeal) or EXCEEDS_CEILING (a conflict for the district to review: recorded before "
        "the ceiling was enforced, or the ceiling fell later); null without a grade."
    )
    async def grade_check(self, info: Info) -> GradeCheck | None:
        loader = info.context.units.organisation_evaluations_of_member_year
        revisions = await loader.load((self.member_id, self.year))
        current = next((r for r in revisions if r.superseded_at is None), None)
        if current is None:
            return None
        return appraisal_ceiling.check(
            current.grade, self.appraisal_ceiling, current.override_reason
        )

    @strawberry.field(
        description="His public commitments of the year (公开承诺, 践诺): kept ones count "
        "(`count`), with partly kept, not kept and pending; only those the viewer may see."
    )
    async def commitments(self, info: Info) -> CommitmentsFigure:
        loader = info.context.community.performance.commitments
        found = await loader.load((self.member_code, self.year))
        return CommitmentsFigure(
            count=found.get("kept", 0), kind="commitments", member_code=self.member_code,
            year=self.year, partly_kept=found.get("partly_kept", 0),
            not_kept=found.get("not_kept", 0), pending=found.get("published", 0),
            total=sum(found.values()),
        )  # fmt: skip

    @strawberry.field(
        description="His commendations of the year in force (表彰), by level; shown in the "
        "appraisal inputs, never above the ceiling: `appraisalCeiling` ignores them."
    )
    async def commendations(self, info: Info) -> CommendationsFigure:
        loader = info.context.community.performance.commendations
        found = await loader.load((self.member_code, self.year))
        return CommendationsFigure(
            count=sum(found.values()), kind="commendations", member_code=self.member_code,
            year=self.year, community=found.get("community", 0),
            district=found.get("district", 0),
        )  # fmt: skip

    @strawberry.field(description="The three evaluations (三评) of the year.")
    async def evaluations(self, info: Info) -> EvaluationsFigure:
        def pick(kind: str) -> EvaluationFigure | None:
            row = next((r for r in self.evaluation_rows if r.kind == kind), None)
            if row is None:
                return None
            return EvaluationFigure(
                record_id=relay.GlobalID("MemberEvaluation", str(row.id)),
                grade=row.grade,
                comment=row.comment,
                evaluated_at=row.created_at,
            )

        loader = info.context.units.organisation_evaluations_of_member_year
        revisions = await loader.load((self.member_id, self.year))
        current = next((r for r in revisions if r.superseded_at is None), None)
        organisation = None
        if current is not None:
            organisation = EvaluationFigure(
                record_id=relay.GlobalID("OrganisationEvaluation", str(current.id)),
                grade=current.grade,
                comment=current.comment,
                evaluated_at=current.created_at,
            )
        return EvaluationsFigure(
            community=pick("community"), self_evaluation=pick("self"), organisation=organisation
        )


def performance_type(p: perf.Performance) -> MemberPerformance:
    f = p.complete_figures()
    code, year = p.member_code, p.year
    services, hours = p.counted()
    compliance = p.compliance
    first = p.first_report
    points = f.points
    return MemberPerformance(
        year=year,
        reporting=ReportingFigure(
            reported=first is not None,
            reported_on=first.reported_on if first else None,
            days_reported=p.days_reported,
            intervals=[_interval(row, year) for row in f.reports],
            deadline=p.deadline,
            on_time=p.on_time,
            days_late=p.days_late,
            communities=[_reported(row) for row in f.reports],
        ),
        orders=_service("orders", code, year, f.orders),
        activities=_service("activities", code, year, f.activities),
        posts=_service("posts", code, year, f.posts),
        wishes=CountFigure(count=f.wishes, kind="wishes", member_code=code, year=year),
        points=PointsFigure(
            count=points.entries,
            kind="points",
            member_code=code,
            year=year,
            earned=int32(points.earned),
            spent=int32(points.spent),
            reversed=int32(points.reversed),
            expired=int32(points.expired),
            balance=int32(points.balance),
        ),
        total_services=services,
        total_hours=_float(hours),
        compliance=None
        if compliance is None
        else ComplianceFigure(
            policy_version=compliance.policy.version,
            applicable=compliance.applicable,
            compliant=compliance.compliant,
            source=compliance,
        ),
        appraisal_ceiling=None if compliance is None else compliance.ceiling,
        member_id=p.member_id,
        member_code=code,
        evaluation_rows=f.evaluations,
    )


def member_performance(
    info: Info, member: Any, year: int
) -> MemberPerformance | Awaitable[MemberPerformance]:
    """`Member.performance(year)`: delegates here from schema/units.py.

    A value when the page preloaded the member's figures (`preload_performance`), so a page
    of 500 members costs no awaitable per member; an awaitable otherwise."""
    _check_year(year)
    ready = perf.loaded_performance(info.context, member, year)
    if ready is not None:
        return performance_type(ready)
    return _member_performance(info, member, year)


async def _member_performance(info: Info, member: Any, year: int) -> MemberPerformance:
    return performance_type(await perf.member_performance(info.context, member, year))


def _years_asked(info: Info) -> set[int]:
    """The years of every `performance(year)` the connection's nodes ask for."""
    years = (f.arguments.get("year") for f in selected_at(info, ("edges", "node", "performance")))
    return {y for y in years if isinstance(y, int) and 2000 <= y <= 2100}


async def preload_performance(info: Info, members: Sequence[Any]) -> None:
    """Before a page of members resolves: load their figures for every `performance(year)`
    the page asks for, in one batch, so each member's field resolves without waiting."""
    years = _years_asked(info) if members else set()
    await asyncio.gather(*(perf.preload(info.context, members, year) for year in years))


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise coded_error(ErrorCode.BAD_USER_INPUT, "year must be between 2000 and 2100.")


# -- connections over computed lists ---------------------------------------------------


def _cursor(index: int) -> str:
    return base64.b64encode(f"perf:{index}".encode()).decode()


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    try:
        kind, _, index = base64.b64decode(after.encode()).decode().partition(":")
        if kind == "perf" and index.isdigit():
            return int(index) + 1
    except ValueError:
        pass
    raise coded_error(ErrorCode.BAD_USER_INPUT, "after is not a cursor of this list.")


def list_connection(info: Info, items: Sequence[T], first: int, after: str | None) -> Connection[T]:
    cap = info.context.max_page_size
    if not 0 <= first <= cap:
        raise coded_error(ErrorCode.BAD_USER_INPUT, f"first must be between 0 and {cap}.")
    start = _offset(after)
    page = items[start : start + first]
    edges = [Edge(cursor=_cursor(start + i), node=item) for i, item in enumerate(page)]
    total = len(items)

    async def count() -> int:
        return total

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + first < total,
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )


# -- branch and unit summaries --------------------------------------------------------


@strawberry.type(description="A member who does not meet the year's policy (未达标党员).")
class NonCompliantMember:
    unmet_rules: list[RuleCheck] = strawberry.field(description="The rules not met (未达标规则).")
    member_row: strawberry.Private[Any]
    computed: strawberry.Private[perf.Performance]

    # Sync resolvers: the page's member rows are loaded once by the connection (see
    # `PerformanceSummary.non_compliant`), so no member costs an awaitable of its own.
    @strawberry.field(description="The unmet rules spelled out (未达标事项).")
    def unmet_text(self) -> str:
        return perf.unmet_text(self.computed)

    @strawberry.field(description="His figures (年度表现).", graphql_type=MemberPerformance)
    def performance(self, info: Info) -> MemberPerformance | Awaitable[MemberPerformance]:
        computed = self.computed
        if isinstance(computed.figures, MemberFigures):
            return performance_type(computed)
        # A district summary judged him on the rules' figures only: load all of them (the
        # page's members in one batch, through the loader).
        return _member_performance(info, self.member_row, computed.year)

    @strawberry.field(description="The member (党员).")
    def member(self) -> Annotated[Member, strawberry.lazy(_UNITS)]:
        from schema.units import Member

        return Member.from_row(self.member_row)


@strawberry.type(description="A branch's or unit's year (年度汇总) against the policy.")
class PerformanceSummary:
    year: int = strawberry.field(description="The year (年度).")
    policy: AppraisalPolicy | None = strawberry.field(
        description="The policy applied (评议规则); null when none is set for the year."
    )
    members: int = strawberry.field(
        description="Members the policy covers (应报到党员), as far as the viewer sees them."
    )
    reported: int = strawberry.field(description="Of them, reported (已报到).")
    reporting_rate: float = strawberry.field(description="Reported / members (报到率), 0-1.")
    compliant: int = strawberry.field(description="Members meeting every rule (达标).")
    non_compliant_count: int = strawberry.field(description="Members not meeting one (未达标).")
    services: int = strawberry.field(description="Services counted (服务次数).")
    hours: float = strawberry.field(description="Hours counted (服务时长).")
    red_flag_eligible: bool = strawberry.field(
        description="Red-flag branch eligibility (红旗党支部资格): lost when any member is "
        "non-compliant."
    )
    source: strawberry.Private[perf.Summary]

    @strawberry.field(description="Why (原因), in Chinese.")
    def red_flag_reason(self, info: Info) -> str:
        return red_flag_reason(info, self.source, "PerformanceSummary.redFlagReason")

    @strawberry.field(description="The non-compliant members with their unmet rules (未达标名单).")
    async def non_compliant(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[NonCompliantMember]:
        page = list_connection(info, self.source.non_compliant, first, after)
        rows = [e.node.extra["row"] for e in page.edges]
        # Light rows (the district's) lack the member's columns: load the page's at once.
        light = [i for i, row in enumerate(rows) if not hasattr(row, "gender")]
        if light and selected_at(info, ("edges", "node", "member")):
            loaded = await info.context.units.member_by_id.load_many([rows[i].id for i in light])
            for i, row in zip(light, loaded, strict=True):
                rows[i] = row
        return Connection(
            edges=[
                Edge(cursor=e.cursor, node=_failing(e.node, row))
                for e, row in zip(page.edges, rows, strict=True)
            ],
            page_info=page.page_info,
            count=page.count,
        )


def _failing(p: perf.Performance, row: Any) -> NonCompliantMember:
    return NonCompliantMember(
        unmet_rules=[_check(r) for r in p.compliance.unmet] if p.compliance else [],
        member_row=row,
        computed=p,
    )


def red_flag_reason(info: Info, summary: perf.Summary, via: str) -> str:
    """The red-flag reason; the members it names are read (and audited) like `Member.name`."""
    named = [(p.member_code, p.name) for p in summary.red_flag_named]
    return summary.red_flag_reason(names_in_text(info, named, via=via))


def summary_type(summary: perf.Summary) -> PerformanceSummary:
    covered = len(summary.covered)
    return PerformanceSummary(
        year=summary.year,
        policy=None if summary.policy is None else policy_from_row(summary.policy),
        members=covered,
        reported=summary.reported,
        reporting_rate=round(summary.reported / covered, 4) if covered else 0.0,
        compliant=len(summary.compliant),
        non_compliant_count=len(summary.non_compliant),
        services=summary.services,
        hours=_float(summary.hours),
        red_flag_eligible=summary.red_flag_eligible,
        source=summary,
    )


async def branch_summary(info: Info, branch_id: int, year: int) -> PerformanceSummary:
    _check_year(year)
    return summary_type(await perf.branch_summary(info.context, branch_id, year))


async def unit_summary(info: Info, unit_id: int, year: int) -> PerformanceSummary:
    _check_year(year)
    return summary_type(await perf.unit_summary(info.context, unit_id, year))


# -- the policy: query and mutation -----------------------------------------------------

_KEY = "Echoed back; setting the same values again adds no version (idempotent)."


@strawberry.input(description="Set the year's appraisal policy (设置年度评议规则).")
class SetAppraisalPolicyInput:
    year: int = strawberry.field(metadata=YEAR, description="The year (年度).")
    district_code: str | None = strawberry.field(
        default=None, description="Only for this district (区编码); null: every district."
    )
    reporting_deadline: date = strawberry.field(description="Reporting deadline (报到期限).")
    min_services: int = strawberry.field(
        metadata=between(0, 10_000), description="Minimum services a year (最少服务次数)."
    )
    min_hours: float = strawberry.field(
        metadata=between(0, 10_000), description="Minimum hours a year (最少服务时长)."
    )
    counted_record_types: list[ServiceRecordType] = strawberry.field(
        description="Record types that count (计入的记录类型); at least one."
    )
    ceiling_grade: AppraisalGrade = strawberry.field(
        description="Highest grade when a rule is unmet (未达标时最高等次), e.g. BASICALLY_QUALIFIED."
    )
    include_activists: bool = strawberry.field(
        default=False, description="Hold activists (入党积极分子) to the policy."
    )
    include_development_targets: bool = strawberry.field(
        default=False, description="Hold development targets (发展对象) to the policy."
    )
    note: str | None = strawberry.field(default=None, description="Remark (说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.type(description="Result of setting the appraisal policy (设置评议规则结果).")
class AppraisalPolicyPayload:
    policy: AppraisalPolicy | None = strawberry.field(
        description="The policy's current version; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Mutations of the appraisal policy (评议规则).")
class PerformanceMutation:
    @strawberry.mutation(
        description="Set the year's appraisal policy (设置年度评议规则): the district "
        "organisation department only. A change adds a new version and keeps the earlier "
        "ones; figures and compliance are recomputed from the records, never rewritten."
    )
    async def set_appraisal_policy(
        self,
        info: Info,
        input: Annotated[SetAppraisalPolicyInput, strawberry.argument(description="The policy.")],
    ) -> AppraisalPolicyPayload:
        counted = {kind.value for kind in input.counted_record_types}
        action = policies.set_policy(
            info.context,
            policies.PolicyValues(
                year=input.year,
                district_code=input.district_code or "",
                reporting_deadline=input.reporting_deadline,
                min_services=input.min_services,
                min_hours=Decimal(str(input.min_hours)),
                count_orders="orders" in counted,
                count_activities="activities" in counted,
                count_posts="posts" in counted,
                count_wishes="wishes" in counted,
                ceiling_grade=input.ceiling_grade,
                include_activists=input.include_activists,
                include_development_targets=input.include_development_targets,
                note=input.note,
            ),
        )
        change = Change(
            name="setAppraisalPolicy",
            entity="AppraisalPolicy",
            key=input.client_mutation_id,
            targets=[str(input.year)],
            forbidden="只有区委组织部可以设置年度评议规则。",
        )
        return await mutate(
            info, change, AppraisalPolicyPayload, action,
            lambda row: AppraisalPolicyPayload(policy=policy_from_row(row)),
            audited=lambda row: Audited("AppraisalPolicy", [str(row.id)],
                                        {"year": str(row.year), "version": str(row.version)}),
        )  # fmt: skip


@strawberry.type(description="Root fields of members' performance and appraisal (评议).")
class PerformanceQuery:
    @strawberry.field(
        description="The year's appraisal policy in force (年度评议规则): the viewer's "
        "district's own, else the one for every district; null when none is set."
    )
    async def appraisal_policy(
        self,
        info: Info,
        year: Year,
        district_code: Annotated[
            str | None,
            strawberry.argument(description="A district's policy (区编码); default: the viewer's."),
        ] = None,
    ) -> AppraisalPolicy | None:
        _check_year(year)
        district = district_code or info.context.viewer.district
        row = await info.context.units.performance.policy.load((year, district))
        return None if row is None else policy_from_row(row)
