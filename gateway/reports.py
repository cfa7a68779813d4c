"""Appraisal spreadsheets (评议台账): one row per member of a branch, a unit or a
community's supporters, headers in Chinese, the unmet rules spelled out; CSV or XLSX.

The same rows serve `dualhub report` (a district viewer: the operator holds the databases)
and the authenticated download `GET /reports/{branch|unit|community}/{code}.{csv|xlsx}?year=`
(the bearer token's viewer and scope, exactly as GraphQL applies them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from datasources.community.models import Community
from datasources.scope import Role
from datasources.units.models import PoliticalStatus
from resolvers import performance as perf
from resolvers.context import HubContext

KINDS = ("branch", "unit", "community")
FORMATS = ("csv", "xlsx")

STATUS_NAMES = {
    PoliticalStatus.FULL: "正式党员",
    PoliticalStatus.PROBATIONARY: "预备党员",
    PoliticalStatus.DEVELOPMENT_TARGET: "发展对象",
    PoliticalStatus.ACTIVIST: "入党积极分子",
}
EVALUATION_NAMES = {"community": "社区评价", "self": "党员自评"}

HEADERS = (
    "党员编码", "姓名", "政治面貌", "所在单位", "所在支部", "报到社区", "报到日期", "报到期限",
    "按时报到", "逾期天数", "完成点单（次）", "点单时长（小时）", "平均评分", "参加活动（次）",
    "活动时长（小时）", "认领岗位（个）", "完成微心愿（个）", "计入服务次数", "计入服务时长（小时）",
    "获得积分", "消费积分", "冲正积分", "年末积分余额", "社区评价", "党员自评", "组织评价",
    "是否达标", "评议等次上限", "未达标事项",
)  # fmt: skip


class ReportNotFound(LookupError):
    """The branch, unit or community is unknown, or outside the viewer's scope."""


def _grade(grade: Any) -> str:
    return perf.GRADE_NAMES.get(grade, "") if grade is not None else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


async def _members(ctx: HubContext, kind: str, code: str, year: int) -> list[Any]:
    if kind == "branch":
        branch = await ctx.units.branch_by_code.load(code)
        if branch is None:
            raise ReportNotFound(code)
        return await ctx.units.performance.members(branch_ids=[branch.id])
    if kind == "unit":
        unit = await ctx.units.work_unit_by_code.load(code)
        if unit is None:
            raise ReportNotFound(code)
        return await ctx.units.performance.members(unit_ids=[unit.id])
    community: Community | None = await ctx.community.community_by_code.load(code)
    if community is None:
        raise ReportNotFound(code)
    codes = await ctx.community.performance.supporters(year, community.id)
    rows = await ctx.units.member_by_code.load_many(sorted(codes))
    return sorted((r for r in rows if r is not None), key=lambda r: (r.name, r.id))


async def report_rows(ctx: HubContext, kind: str, code: str, year: int) -> list[list[Any]]:
    """The spreadsheet rows (without the header), one per member the viewer may see."""
    if kind not in KINDS:
        raise ValueError(kind)
    members = await _members(ctx, kind, code, year)
    people = await perf.performances(ctx, members, year)
    units = await ctx.units.work_unit_by_id.load_many(sorted({m.unit_id for m in members}))
    branches = await ctx.units.branch_by_id.load_many(sorted({m.branch_id for m in members}))
    unit_names = {u.id: u.name for u in units if u is not None}
    branch_names = {b.id: b.name for b in branches if b is not None}
    organisation = await ctx.units.organisation_evaluations_of_member_year.load_many(
        [(m.id, year) for m in members]
    )
    rows = []
    for p, revisions in zip(people, organisation, strict=True):
        f = p.complete_figures()
        ctx.audit.read("Member", p.member_code, "Member.name", via="GET /reports")
        first, current = p.first_report, p.current_report
        services, hours = p.counted()
        evaluations = {e.kind: e.grade for e in f.evaluations}
        org = next((r.grade for r in revisions if r.superseded_at is None), None)
        compliance = p.compliance
        rows.append([
            p.member_code, p.name, STATUS_NAMES[p.political_status],
            unit_names.get(p.unit_id, ""), branch_names.get(p.branch_id, ""),
            current.community_name if current else "",
            first.reported_on.isoformat() if first else "",
            p.deadline.isoformat() if p.deadline else "",
            _yes_no(p.on_time), p.days_late if p.days_late is not None else "",
            f.orders.count, float(f.orders.hours),
            float(f.orders.average_rating) if f.orders.average_rating is not None else "",
            f.activities.count, float(f.activities.hours), f.posts, f.wishes,
            services, float(hours), f.points.earned, f.points.spent, f.points.reversed,
            f.points.balance, _grade(evaluations.get("community")),
            _grade(evaluations.get("self")), _grade(org),
            "" if compliance is None or not compliance.applicable
            else _yes_no(compliance.compliant),
            _grade(compliance.ceiling) if compliance else "",
            perf.unmet_text(p),
        ])  # fmt: skip
    return rows


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[Sequence[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(rows: Sequence[Sequence[Any]], fmt: str, title: str) -> bytes:
    return to_csv(rows) if fmt == "csv" else to_xlsx(rows, title)


async def export(ctx: HubContext, kind: str, code: str, year: int, fmt: str) -> bytes:
    """The file's bytes; the personal fields read are written to the audit log."""
    rows = await report_rows(ctx, kind, code, year)
    events = ctx.audit.events(
        ctx.viewer, operation_name=f"report:{kind}:{code}:{year}", request_id=ctx.request_id
    )
    await ctx.sources.audit.record(events)
    return render(rows, fmt, f"{year}年度评议台账")


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _problem(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def download(request: Request) -> Response:
    """`GET /reports/{kind}/{code}.{format}?year=YYYY` with the bearer token of GraphQL."""
    hub = request.app.state.hub
    viewer = request.user.viewer
    if viewer.role is Role.ANONYMOUS:
        return _problem(401, "UNAUTHENTICATED", "a bearer token is required")
    kind = request.path_params["kind"]
    code, _, fmt = request.path_params["file"].rpartition(".")
    year_text = request.query_params.get("year", "")
    if kind not in KINDS or fmt not in FORMATS or not code:
        return _problem(404, "NOT_FOUND", "use /reports/{branch|unit|community}/{code}.{csv|xlsx}")
    if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
        return _problem(400, "BAD_USER_INPUT", "year must be between 2000 and 2100")
    ctx = hub.context(request)
    try:
        body = await export(ctx, kind, code, int(year_text), fmt)
    except ReportNotFound:
        return _problem(404, "NOT_FOUND", f"no {kind} {code} the viewer may see")
    filename = f"{kind}-{code}-{year_text}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def export_as_district(
    settings: Any, kind: str, code: str, year: int, fmt: str, subject: str = "cli:report"
) -> bytes:
    """`dualhub report`: the operator holds the databases, so he reads as the district
    organisation department; his reads of personal fields are audited all the same."""
    from datasources.scope import Viewer
    from gateway.app import Hub
    from resolvers.audit import AuditTrail
    from resolvers.context import Sources
    from resolvers.scope import scopes_for

    hub = Hub(settings)
    try:
        viewer = Viewer(Role.DISTRICT, subject=subject)
        scopes = scopes_for(viewer, hub.units, hub.community)
        ctx = HubContext(
            viewer=viewer,
            audit=AuditTrail(),
            sources=Sources(hub.units, hub.community, hub.audit_log),
            units=hub.units.loaders(scopes.units),
            community=hub.community.loaders(scopes.community),
            audit_log=hub.audit_log.loaders(scopes.audit),
        )
        return await export(ctx, kind, code, year, fmt)
    finally:
        await hub.dispose()
