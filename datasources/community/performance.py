"""Year figures of members' service on the community side (8小时以外表现), aggregated by
the database.

Every figure is one grouped statement over all the members a batch asks for (a page of a
connection, a branch), never one per member; each statement carries the viewer's scope
clauses for every model it reads, exactly as the loaders do, so an aggregate counts only
rows the viewer could list. Years are calendar years in China Standard Time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import year_window
from datasources.community.activity_models import Activity, ActivitySignup, SignupStatus
from datasources.community.commendation_models import (
    Commendation,
    CommendationLevel,
    CommendationStatus,
    HonoreeKind,
)
from datasources.community.commitment_models import (
    ASSESSED,
    CommitmentStatus,
    MemberCommitment,
)
from datasources.community.duty_models import PostDuty, PostDutyStatus
from datasources.community.evaluation_models import EvaluationStatus, MemberEvaluation
from datasources.community.models import (
    Community,
    DemandItem,
    ListItemStatus,
    MicroWish,
    MicroWishStatus,
    Post,
    PostClaim,
    Report,
    ReportEndReason,
    ReportStatus,
    UnitPairing,
)
from datasources.community.order_models import (
    COMPLETED_ORDER_STATUSES,
    OPEN_ORDER_STATUSES,
    ServiceOrder,
    TakerKind,
)
from datasources.community.points_models import PointsEntry, PointsKind
from datasources.community.unit_service import UnitContribution, contributions
from datasources.scope import Scope

ATTENDED = (SignupStatus.ATTENDED, SignupStatus.CERTIFIED)
FULFILLED_WISHES = (MicroWishStatus.FULFILLED, MicroWishStatus.CONFIRMED)
COUNTED_COMMITMENTS = (CommitmentStatus.PUBLISHED, *ASSESSED)  # all but withdrawn
# Reports whose interval counts as "reported" (已报到): confirmed, or confirmed and later
# ended (moved, left service, closed). A report withdrawn before confirmation never counted.
REPORTED = (ReportStatus.CONFIRMED, ReportStatus.CLOSED)
NEVER_CONFIRMED = (ReportEndReason.WITHDRAWN, ReportEndReason.RETURNED)
# Above this many members a batch reads the whole (scoped) table grouped by member and keeps
# the asked ones, instead of an IN list longer than the drivers' parameter limits.
MAX_IN_LIST = 2000

MemberYear = tuple[str, int]


def china_month(column: Any, dialect: str) -> ColumnElement[int]:
    """The month (1-12) of a timestamp in China Standard Time, computed by the database."""
    if dialect == "postgresql":
        return cast(func.extract("month", func.timezone("Asia/Shanghai", column)), Integer)
    return cast(func.strftime("%m", column, "+8 hours"), Integer)


_MISSING: Any = object()


def _in_key_order(
    keys: list[MemberYear], found: dict[int, dict[str, Any]], empty: Callable[[], Any]
) -> list[Any]:
    """Each key's value from the per-year results, `empty()` for a member without records
    (made only for those: a district batch has 20,000 keys a kind)."""
    values = []
    for code, year in keys:
        value = found[year].get(code, _MISSING)
        values.append(empty() if value is _MISSING else value)
    return values


def joined(kind: str, stmt: Select[Any]) -> Select[Any]:
    """A statement over signups also reads their activity (its date and visibility)."""
    if kind == "activities":
        return stmt.join(Activity, Activity.id == ActivitySignup.activity_id)
    return stmt


def _num(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


@dataclass(frozen=True)
class ReportRow:
    """A reported interval (报到区间): [reported_on, ended_on), open while ended_on is None."""

    id: int
    community_id: int
    community_code: str
    community_name: str
    reported_on: date
    status: ReportStatus
    ended_on: date | None = None
    end_reason: ReportEndReason | None = None


@dataclass(frozen=True)
class ServiceTotals:
    """Count and hours of one record type; rating figures for orders."""

    count: int = 0
    hours: Decimal = Decimal(0)
    rated: int = 0
    average_rating: Decimal | None = None


@dataclass(frozen=True)
class PointsTotals:
    earned: int = 0
    spent: int = 0  # positive: points spent in the mall
    reversed: int = 0  # signed sum of reversals (冲正)
    expired: int = 0  # positive
    balance: int = 0  # at the end of the year
    entries: int = 0  # ledger entries of the year


@dataclass(frozen=True)
class EvaluationRow:
    id: int
    kind: str
    grade: Any
    comment: str
    community_id: int
    created_at: datetime


@dataclass
class ComplianceFigures:
    """What the community side knows of one member's year that the appraisal rules judge:
    his reports and the services he did."""

    reports: list[ReportRow] = field(default_factory=list)
    orders: ServiceTotals = ServiceTotals()
    activities: ServiceTotals = ServiceTotals()
    posts: ServiceTotals = ServiceTotals()  # confirmed post duty sessions and their hours
    wishes: int = 0


@dataclass
class MemberFigures(ComplianceFigures):
    """Everything the community side knows about one member's year."""

    points: PointsTotals = PointsTotals()
    evaluations: list[EvaluationRow] = field(default_factory=list)


Where = Callable[[int], Awaitable[list[ColumnElement[bool]]]]


class CommunityPerformance:
    """Per-request loaders of year figures, keyed by (member code, year)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.source = source
        self.scope = scope
        self.reports: DataLoader[MemberYear, list[ReportRow]] = DataLoader(self._reports)
        self.orders: DataLoader[MemberYear, ServiceTotals] = DataLoader(self._orders)
        self.activities: DataLoader[MemberYear, ServiceTotals] = DataLoader(self._activities)
        self.posts: DataLoader[MemberYear, ServiceTotals] = DataLoader(self._posts)
        self.wishes: DataLoader[MemberYear, int] = DataLoader(self._wishes)
        self.points: DataLoader[MemberYear, PointsTotals] = DataLoader(self._points)
        self.commitments: DataLoader[MemberYear, dict[str, int]] = DataLoader(
            self._commitment_totals
        )
        self.commendations: DataLoader[MemberYear, dict[str, int]] = DataLoader(
            self._commendation_totals
        )
        self.evaluations: DataLoader[MemberYear, list[EvaluationRow]] = DataLoader(
            self._evaluations
        )
        # All seven figures of a member at once, in one session: what a page asks for.
        self.figures: DataLoader[MemberYear, MemberFigures] = DataLoader(self._figures)
        # The records behind each figure (ids), loaded only when a client asks for them.
        self.record_ids: dict[str, DataLoader[MemberYear, list[int]]] = {
            kind: DataLoader(self._ids_loader(kind)) for kind in RECORD_KINDS
        }
        # What the hub judged from these figures (compliance, resolvers.performance), kept
        # for the request: a branch summary and its members' `performance` share it.
        self.judged: dict[MemberYear, Any] = {}

    # -- the WHERE clauses of each record type, shared by figures and record ids --------

    async def where(self, kind: str, year: int) -> tuple[Any, Any, list[ColumnElement[bool]]]:
        """(model, member-code column, clauses) of the records of `kind` counted in `year`."""
        start, end = year_window(year)
        scope = self.scope.where
        if kind == "orders":
            done = func.coalesce(ServiceOrder.closed_at, ServiceOrder.confirmed_at)
            return (
                ServiceOrder,
                ServiceOrder.member_code,
                [
                    ServiceOrder.status.in_(COMPLETED_ORDER_STATUSES),
                    done >= start,
                    done < end,
                    *await scope(ServiceOrder),
                ],
            )
        if kind == "activities":
            # Clauses on both tables: statements join Activity (see `joined`), which lets
            # the database drive from the members' signups rather than the year's activities.
            return (
                ActivitySignup,
                ActivitySignup.member_code,
                [
                    ActivitySignup.status.in_(ATTENDED),
                    Activity.starts_at >= start,
                    Activity.starts_at < end,
                    *await scope(Activity),
                    *await scope(ActivitySignup),
                ],
            )
        if kind == "posts":
            # Confirmed duty sessions (岗位值守) that began in the year; a claim alone is none.
            return (
                PostDuty,
                PostDuty.member_code,
                [
                    # A unit's own sessions (单位值守) are the unit's, never a member's.
                    PostDuty.member_code.is_not(None),
                    PostDuty.status == PostDutyStatus.CONFIRMED,
                    PostDuty.starts_at >= start,
                    PostDuty.starts_at < end,
                    *await scope(PostDuty),
                ],
            )
        if kind == "wishes":
            return (
                MicroWish,
                MicroWish.claimed_by,
                [
                    MicroWish.claimed_by.is_not(None),  # a unit's wishes are the unit's
                    MicroWish.status.in_(FULFILLED_WISHES),
                    MicroWish.fulfilled_at >= start,
                    MicroWish.fulfilled_at < end,
                    *await scope(MicroWish),
                ],
            )
        if kind in ("commitments", "commitment_totals"):
            # Public commitments (公开承诺) of the year: kept ones count (践诺); the totals
            # read every one not withdrawn, by state.
            states = (CommitmentStatus.KEPT,) if kind == "commitments" else COUNTED_COMMITMENTS
            return (
                MemberCommitment,
                MemberCommitment.member_code,
                [
                    MemberCommitment.year == year,
                    MemberCommitment.status.in_(states),
                    *await scope(MemberCommitment),
                ],
            )
        if kind == "commendations":
            # Commendations (表彰) of the member for the year, in force.
            return (
                Commendation,
                Commendation.honoree_code,
                [
                    Commendation.honoree_kind == HonoreeKind.MEMBER,
                    Commendation.year == year,
                    Commendation.status == CommendationStatus.ACTIVE,
                    *await scope(Commendation),
                ],
            )
        if kind == "points":
            return (
                PointsEntry,
                PointsEntry.member_code,
                [
                    PointsEntry.occurred_at >= start,
                    PointsEntry.occurred_at < end,
                    *await scope(PointsEntry),
                ],
            )
        if kind == "reports":
            return Report, Report.member_code, await self._report_where(year)
        if kind == "evaluations":
            return (
                MemberEvaluation,
                MemberEvaluation.member_code,
                [
                    MemberEvaluation.year == year,
                    MemberEvaluation.status == EvaluationStatus.ACTIVE,
                    *await scope(MemberEvaluation),
                ],
            )
        raise ValueError(kind)

    async def _report_where(self, year: int) -> list[ColumnElement[bool]]:
        """Reports whose interval overlaps `year`: confirmed (or confirmed and later ended)
        on or before 31 December, and not ended on or before 1 January (the end date is the
        first day he is no longer reported)."""
        return [
            Report.status.in_(REPORTED),
            or_(Report.end_reason.is_(None), Report.end_reason.not_in(NEVER_CONFIRMED)),
            Report.reported_on <= date(year, 12, 31),
            or_(Report.ended_on.is_(None), Report.ended_on > date(year, 1, 1)),
            *await self.scope.where(Report),
        ]

    # -- batching ------------------------------------------------------------------------

    def _session(self, shared: AsyncSession | None) -> AbstractAsyncContextManager[AsyncSession]:
        return nullcontext(shared) if shared is not None else self.source.session()

    async def compliance_figures(
        self, keys: list[MemberYear], session: AsyncSession | None = None
    ) -> list[ComplianceFigures]:
        """Only the figures the appraisal rules judge (no points, no evaluations), batched
        by the caller rather than a loader: for the district's 20,000 members, where the
        two other statements and the loader's futures would cost more than the rest. In
        `session` when given (the seeder's transaction, which sees its own rows)."""
        async with self._session(session) as used:
            return await self._judged_figures(keys, used)

    async def _figures(self, keys: list[MemberYear]) -> list[MemberFigures]:
        """Every figure of the keys' members: still one statement per record type, run one
        after the other in a single session (cheaper than seven connections)."""
        async with self.source.session() as session:
            judged = await self._judged_figures(keys, session)
            points = await self._points(keys, session)
            evaluations = await self._evaluations(keys, session)
        return [
            MemberFigures(j.reports, j.orders, j.activities, j.posts, j.wishes, p, e)
            for j, p, e in zip(judged, points, evaluations, strict=True)
        ]

    async def _judged_figures(
        self, keys: list[MemberYear], session: AsyncSession
    ) -> list[ComplianceFigures]:
        reports = await self._reports(keys, session)
        orders = await self._orders(keys, session)
        activities = await self._activities(keys, session)
        posts = await self._posts(keys, session)
        wishes = await self._wishes(keys, session)
        return [
            ComplianceFigures(*values)
            for values in zip(reports, orders, activities, posts, wishes, strict=True)
        ]

    async def _batched(
        self,
        keys: list[MemberYear],
        kind: str,
        build: Callable[[Any, list[ColumnElement[bool]]], Select[Any]],
        collect: Callable[[list[Any]], dict[str, Any]],
        empty: Callable[[], Any],
        shared: AsyncSession | None = None,
    ) -> list[Any]:
        """One statement per year among the keys (in practice one), for all their members;
        in the `shared` session when given (the figures loader runs all kinds in one)."""
        by_year: dict[int, list[str]] = defaultdict(list)
        for code, year in keys:
            by_year[year].append(code)
        found: dict[int, dict[str, Any]] = {}
        async with self._session(shared) as session:
            for year, codes in by_year.items():
                _model, column, clauses = await self.where(kind, year)
                unique = set(codes)
                if len(unique) <= MAX_IN_LIST:
                    clauses = [column.in_(sorted(unique)), *clauses]
                else:
                    clauses = [column.is_not(None), *clauses]
                rows = list((await session.execute(joined(kind, build(column, clauses)))).all())
                found[year] = collect(rows)
        return _in_key_order(keys, found, empty)

    async def _reports(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[list[ReportRow]]:
        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            return (
                select(
                    column,
                    Report.id,
                    Report.community_id,
                    Community.code,
                    Community.name,
                    Report.reported_on,
                    Report.status,
                    Report.ended_on,
                    Report.end_reason,
                )
                .join(Community, Community.id == Report.community_id)
                .where(*clauses)
                .order_by(Report.reported_on, Report.id)
            )

        def collect(rows: list[Any]) -> dict[str, Any]:
            grouped: dict[str, list[ReportRow]] = defaultdict(list)
            for code, *rest in rows:
                grouped[code].append(ReportRow(*rest))
            return grouped

        return await self._batched(keys, "reports", build, collect, list, shared)

    async def _orders(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[ServiceTotals]:
        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            return (
                select(
                    column,
                    func.count(),
                    func.sum(ServiceOrder.hours),
                    func.count(ServiceOrder.rating),
                    func.avg(ServiceOrder.rating),
                )
                .where(*clauses)
                .group_by(column)
            )

        def collect(rows: list[Any]) -> dict[str, Any]:
            return {
                code: ServiceTotals(
                    int(n),
                    _num(hours),
                    int(rated),
                    None if avg is None else _num(avg).quantize(Decimal("0.01")),
                )
                for code, n, hours, rated, avg in rows
            }

        return await self._batched(keys, "orders", build, collect, ServiceTotals, shared)

    async def _activities(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[ServiceTotals]:
        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            return (
                select(column, func.count(), func.sum(ActivitySignup.hours))
                .where(*clauses)
                .group_by(column)
            )

        def collect(rows: list[Any]) -> dict[str, Any]:
            return {code: ServiceTotals(int(n), _num(hours)) for code, n, hours in rows}

        return await self._batched(keys, "activities", build, collect, ServiceTotals, shared)

    def _counter(
        self, kind: str
    ) -> Callable[[list[MemberYear], AsyncSession | None], Awaitable[list[int]]]:
        async def load(keys: list[MemberYear], shared: AsyncSession | None = None) -> list[int]:
            def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
                return select(column, func.count()).where(*clauses).group_by(column)

            def collect(rows: list[Any]) -> dict[str, Any]:
                return {code: int(n) for code, n in rows}

            return await self._batched(keys, kind, build, collect, int, shared)

        return load

    async def _posts(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[ServiceTotals]:
        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            return (
                select(column, func.count(), func.sum(PostDuty.hours))
                .where(*clauses)
                .group_by(column)
            )

        def collect(rows: list[Any]) -> dict[str, Any]:
            return {code: ServiceTotals(int(n), _num(hours)) for code, n, hours in rows}

        return await self._batched(keys, "posts", build, collect, ServiceTotals, shared)

    async def _wishes(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[int]:
        return await self._counter("wishes")(keys, shared)

    async def _commitment_totals(self, keys: list[MemberYear]) -> list[dict[str, int]]:
        """{state: count} of each member's commitments of the year (公开承诺), not withdrawn."""

        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            status = MemberCommitment.status
            return select(column, status, func.count()).where(*clauses).group_by(column, status)

        def collect(rows: list[Any]) -> dict[str, Any]:
            grouped: dict[str, dict[str, int]] = defaultdict(dict)
            for code, status, n in rows:
                grouped[code][CommitmentStatus(status).value] = int(n)
            return grouped

        return await self._batched(keys, "commitment_totals", build, collect, dict)

    async def _commendation_totals(self, keys: list[MemberYear]) -> list[dict[str, int]]:
        """{level: count} of each member's commendations of the year in force (表彰)."""

        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            level = Commendation.level
            return select(column, level, func.count()).where(*clauses).group_by(column, level)

        def collect(rows: list[Any]) -> dict[str, Any]:
            grouped: dict[str, dict[str, int]] = defaultdict(dict)
            for code, level, n in rows:
                grouped[code][CommendationLevel(level).value] = int(n)
            return grouped

        return await self._batched(keys, "commendations", build, collect, dict)

    async def _points(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[PointsTotals]:
        by_year: dict[int, list[str]] = defaultdict(list)
        for code, year in keys:
            by_year[year].append(code)
        found: dict[int, dict[str, PointsTotals]] = {}
        async with self._session(shared) as session:
            for year, codes in by_year.items():
                start, end = year_window(year)
                column = PointsEntry.member_code
                in_year = PointsEntry.occurred_at >= start

                def kind_sum(kind: PointsKind, in_year: Any = in_year) -> Any:
                    hit = and_(PointsEntry.kind == kind, in_year)
                    return func.coalesce(func.sum(case((hit, PointsEntry.points), else_=0)), 0)

                unique = set(codes)
                members = (
                    column.in_(sorted(unique))
                    if len(unique) <= MAX_IN_LIST
                    else column.is_not(None)
                )
                stmt = (
                    select(
                        column,
                        kind_sum(PointsKind.EARN),
                        kind_sum(PointsKind.SPEND),
                        kind_sum(PointsKind.REVERSE),
                        kind_sum(PointsKind.EXPIRE),
                        func.coalesce(func.sum(PointsEntry.points), 0),
                        func.coalesce(func.sum(case((in_year, 1), else_=0)), 0),
                    )
                    .where(
                        members, PointsEntry.occurred_at < end, *await self.scope.where(PointsEntry)
                    )
                    .group_by(column)
                )
                found[year] = {
                    code: PointsTotals(int(e), -int(s), int(r), -int(x), int(b), int(n))
                    for code, e, s, r, x, b, n in (await session.execute(stmt)).all()
                }
        return _in_key_order(keys, found, PointsTotals)

    async def _evaluations(
        self, keys: list[MemberYear], shared: AsyncSession | None = None
    ) -> list[list[EvaluationRow]]:
        def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
            e = MemberEvaluation
            return (
                select(column, e.id, e.kind, e.grade, e.comment, e.community_id, e.created_at)
                .where(*clauses)
                .order_by(e.id)
            )

        def collect(rows: list[Any]) -> dict[str, Any]:
            grouped: dict[str, list[EvaluationRow]] = defaultdict(list)
            for code, id_, kind, grade, comment, community_id, created in rows:
                grouped[code].append(
                    EvaluationRow(id_, kind.value, grade, comment, community_id, created)
                )
            return grouped

        return await self._batched(keys, "evaluations", build, collect, list, shared)

    def _ids_loader(self, kind: str) -> Callable[[list[MemberYear]], Awaitable[list[list[int]]]]:
        async def load(keys: list[MemberYear]) -> list[list[int]]:
            def build(column: Any, clauses: list[ColumnElement[bool]]) -> Select[Any]:
                model = column.class_
                return select(column, model.id).where(*clauses).order_by(model.id)

            def collect(rows: list[Any]) -> dict[str, Any]:
                grouped: dict[str, list[int]] = defaultdict(list)
                for code, id_ in rows:
                    grouped[code].append(int(id_))
                return grouped

            return await self._batched(keys, kind, build, collect, list)

        return load

    # -- community and district figures ----------------------------------------------------

    async def _service_union(self, year: int, community_id: int | None) -> Any:
        """Completed orders, attended activities and confirmed duty sessions of `year` as
        one subquery: kind, community, category, month (China time), member code, hours.
        Each record is one row of one branch, so nothing counts twice."""
        dialect = self.source.dialect
        _m, _c, order_where = await self.where("orders", year)
        done = func.coalesce(ServiceOrder.closed_at, ServiceOrder.confirmed_at)
        orders = select(
            literal("orders").label("kind"),
            ServiceOrder.community_id.label("community_id"),
            ServiceOrder.category_id.label("category_id"),
            china_month(done, dialect).label("month"),
            ServiceOrder.member_code.label("member_code"),
            ServiceOrder.hours.label("hours"),
        ).where(ServiceOrder.member_code.is_not(None), *order_where)
        _m, _c, signup_where = await self.where("activities", year)
        activities = (
            select(
                literal("activities").label("kind"),
                Activity.community_id.label("community_id"),
                Activity.category_id.label("category_id"),
                china_month(Activity.starts_at, dialect).label("month"),
                ActivitySignup.member_code.label("member_code"),
                ActivitySignup.hours.label("hours"),
            )
            .join(Activity, Activity.id == ActivitySignup.activity_id)
            .where(*signup_where)
        )
        # Confirmed duty sessions (岗位值守), under their post's community and category, in
        # the month they began; a claim alone is none (the same rows as a member's `posts`).
        _m, _c, duty_where = await self.where("posts", year)
        duties = (
            select(
                literal("posts").label("kind"),
                Post.community_id.label("community_id"),
                Post.category_id.label("category_id"),
                china_month(PostDuty.starts_at, dialect).label("month"),
                PostDuty.member_code.label("member_code"),
                PostDuty.hours.label("hours"),
            )
            .join(Post, Post.id == PostDuty.post_id)
            .where(*duty_where)
        )
        if community_id is not None:
            orders = orders.where(ServiceOrder.community_id == community_id)
            activities = activities.where(Activity.community_id == community_id)
            duties = duties.where(Post.community_id == community_id)
        return union_all(orders, activities, duties).subquery()

    async def service_by(
        self, year: int, community_id: int | None, by: str
    ) -> list[tuple[str, int, int, Decimal]]:
        """(kind, key, count, hours) of completed orders, attended activities and confirmed
        duty sessions in `year`,
        grouped by `by` (category_id, month or community_id); in one community or the
        whole district the viewer sees."""
        both = await self._service_union(year, community_id)
        key = both.c[by]
        stmt = (
            select(both.c.kind, key, func.count(), func.sum(both.c.hours))
            .group_by(both.c.kind, key)
            .order_by(both.c.kind, key)
        )
        async with self.source.session() as session:
            rows = (await session.execute(stmt)).all()
        return [(k, int(g), int(n), _num(h)) for k, g, n, h in rows]

    async def member_hours(
        self, year: int, community_id: int | None, limit: int | None = None
    ) -> list[tuple[str, int, Decimal]]:
        """(member code, services, hours) per member from orders, activities and duty, most
        hours first; in one community or the whole visible district."""
        both = await self._service_union(year, community_id)
        hours = func.coalesce(func.sum(both.c.hours), 0)
        stmt = (
            select(both.c.member_code, func.count(), hours)
            .group_by(both.c.member_code)
            .order_by(hours.desc(), both.c.member_code)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self.source.session() as session:
            rows = (await session.execute(stmt)).all()
        return [(code, int(n), _num(h)) for code, n, h in rows]

    async def supporters(self, year: int, community_id: int) -> list[str]:
        """Members reported to the community in `year` (its supporters, 报到党员)."""
        stmt = (
            select(Report.member_code)
            .where(Report.community_id == community_id, *await self._report_where(year))
            .distinct()
        )
        async with self.source.session() as session:
            return list(await session.scalars(stmt))

    async def posts_by_category(self, year: int, community_id: int) -> list[tuple[int, int, int]]:
        """(category id, posts, claims held in the year) of the community's posts."""
        start, end = year_window(year)
        claim_where = [
            PostClaim.claimed_at < end,
            or_(PostClaim.released_at.is_(None), PostClaim.released_at >= start),
            *await self.scope.where(PostClaim),
        ]
        held = (
            select(PostClaim.post_id, func.count().label("claims"))
            .where(*claim_where)
            .group_by(PostClaim.post_id)
            .subquery()
        )
        stmt = (
            select(Post.category_id, func.count(Post.id), func.coalesce(func.sum(held.c.claims), 0))
            .outerjoin(held, held.c.post_id == Post.id)
            .where(Post.community_id == community_id, *await self.scope.where(Post))
            .group_by(Post.category_id)
            .order_by(Post.category_id)
        )
        async with self.source.session() as session:
            rows = (await session.execute(stmt)).all()
        return [(int(c), int(p), int(n)) for c, p, n in rows]

    async def unit_work(self, year: int, community_id: int) -> list[tuple[str, bool, int, Decimal]]:
        """Paired units (结对单位): (unit code, pairing active, orders completed, hours)."""
        pairings = select(UnitPairing.unit_code, UnitPairing.status).where(
            UnitPairing.community_id == community_id,
            UnitPairing.started_on <= date(year, 12, 31),
            or_(UnitPairing.ended_on.is_(None), UnitPairing.ended_on >= date(year, 1, 1)),
            *await self.scope.where(UnitPairing),
        )
        _m, _c, order_where = await self.where("orders", year)
        orders = (
            select(ServiceOrder.taker_code, func.count(), func.sum(ServiceOrder.hours))
            .where(
                ServiceOrder.community_id == community_id,
                ServiceOrder.taker_kind == TakerKind.UNIT,
                *order_where,
            )
            .group_by(ServiceOrder.taker_code)
        )
        async with self.source.session() as session:
            paired: dict[str, bool] = {
                str(code): status.value == "active"
                for code, status in await session.execute(pairings)
            }
            done: dict[str, tuple[int, Decimal]] = {
                str(code): (int(n), _num(h)) for code, n, h in await session.execute(orders)
            }
        codes = sorted(set(paired) | set(done))
        return [(c, paired.get(c, False), *done.get(c, (0, Decimal(0)))) for c in codes]

    async def unit_contributions(
        self, year: int, community_id: int | None = None
    ) -> dict[str, UnitContribution]:
        """Units' service as organisations (双服务) in `year`, in one community or all:
        activity signups with headcount, demands claimed and completed, orders completed."""
        return await contributions(self.source, self.scope, year, community_id=community_id)

    async def reports_by_community(
        self, year: int, deadline: date | None
    ) -> list[tuple[int, int, int]]:
        """(community id, members reported, reported by the deadline) in `year`; a member
        counts once, at his first report of the year."""
        first = (
            select(Report.member_code, func.min(Report.reported_on).label("first_on"))
            .where(*await self._report_where(year))
            .group_by(Report.member_code)
            .subquery()
        )
        latest = (
            select(Report.member_code, func.max(Report.community_id).label("community_id"))
            .where(Report.status == ReportStatus.CONFIRMED, *await self._report_where(year))
            .group_by(Report.member_code)
            .subquery()
        )
        on_time = (
            func.sum(case((first.c.first_on <= deadline, 1), else_=0))
            if deadline is not None
            else func.count()
        )
        stmt = (
            select(latest.c.community_id, func.count(), on_time)
            .join(first, first.c.member_code == latest.c.member_code)
            .group_by(latest.c.community_id)
        )
        async with self.source.session() as session:
            rows = (await session.execute(stmt)).all()
        return [(int(c), int(n), int(t or 0)) for c, n, t in rows]

    async def open_demands(self, limit: int) -> list[tuple[int, int, int]]:
        """(community id, open demands, open orders), most open business first."""
        demands = select(
            DemandItem.community_id.label("community_id"),
            literal(1).label("demand"),
            literal(0).label("order"),
        ).where(DemandItem.status == ListItemStatus.PUBLISHED, *await self.scope.where(DemandItem))
        orders = select(
            ServiceOrder.community_id.label("community_id"),
            literal(0).label("demand"),
            literal(1).label("order"),
        ).where(ServiceOrder.status.in_(OPEN_ORDER_STATUSES), *await self.scope.where(ServiceOrder))
        both = union_all(demands, orders).subquery()
        total = func.sum(both.c.demand) + func.sum(both.c.order)
        stmt = (
            select(both.c.community_id, func.sum(both.c.demand), func.sum(both.c.order))
            .group_by(both.c.community_id)
            .order_by(total.desc(), both.c.community_id)
            .limit(limit)
        )
        async with self.source.session() as session:
            rows = (await session.execute(stmt)).all()
        return [(int(c), int(d), int(o)) for c, d, o in rows]


RECORD_KINDS = (
    "reports", "orders", "activities", "posts", "wishes", "points", "evaluations", "commitments",
    "commendations",
)  # fmt: skip
