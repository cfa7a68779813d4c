"""Appraisal spreadsheets (评议台账): one row per member of a branch, a unit or a
community's supporters, headers in Chinese, the unmet rules spelled out; CSV or XLSX.

The same rows serve `dualhub report` (a district viewer: the operator holds the databases)
and the authenticated download `GET /reports/{branch|unit|community}/{code}.{csv|xlsx}?year=`
(the bearer token's viewer and scope, exactly as GraphQL applies them).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from datasources.community.models import Community
from datasources.scope import Role
from datasources.units.models import PoliticalStatus
from gateway.refusals import refusal
from resolvers import performance as perf
from resolvers.context import HubContext
from schema.errors import ErrorCode

logger = logging.getLogger("dualhub.audit")

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


# What makes a spreadsheet program read a cell as a formula (OWASP "CSV injection"), with
# the full-width forms an input method types for Chinese text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutral(value: Any) -> Any:
    """A text cell as inert text: one starting like a formula gets a leading single quote,
    as OWASP advises. Numbers stay numbers (a negative number is no formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([neutral(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[Sequence[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                # openpyxl makes any string starting with "=" a formula, and refuses control
                # characters: every text cell is written as a plain string.
                text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutral(value))
                cell = sheet.cell(row=number, column=column, value=text)
                cell.data_type = "s"
            else:
                sheet.cell(row=number, column=column, value=value)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(rows: Sequence[Sequence[Any]], fmt: str, title: str) -> bytes:
    return to_csv(rows) if fmt == "csv" else to_xlsx(rows, title)


class AuditUnavailable(RuntimeError):
    """The reads of a spreadsheet could not be written to the audit log: it is not served."""


async def export(ctx: HubContext, kind: str, code: str, year: int, fmt: str) -> bytes:
    """The file's bytes; the personal fields read are written to the audit log first, and
    without that record there is no file (`AuditUnavailable`)."""
    rows = await report_rows(ctx, kind, code, year)
    events = ctx.audit.events(
        ctx.viewer, operation_name=f"report:{kind}:{code}:{year}", request_id=ctx.request_id
    )
    try:
        await ctx.sources.audit.record(events)
    except Exception as exc:
        logger.exception("request %s: audit log write failed", ctx.request_id)
        raise AuditUnavailable(kind, code) from exc
    return render(rows, fmt, f"{year}年度评议台账")


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ASCII digits only: `str.isdigit()` and `int()` also take "２０２５" and "٢٠٢٥".
_YEAR = re.compile(r"[0-9]{4}")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def _problem(status: int, code: ErrorCode, message: str) -> JSONResponse:
    """A refusal shaped like every other error of the hub (`errors[].extensions.code`)."""
    return refusal(status, code, message)


def parse_year(text: str) -> int | None:
    """The `year` query parameter: four ASCII digits from 2000 to 2100, else None."""
    if _YEAR.fullmatch(text) is None or not 2000 <= int(text) <= 2100:
        return None
    return int(text)


async def download(request: Request) -> Response:
    """`GET /reports/{kind}/{code}.{format}?year=YYYY` with the bearer token of GraphQL."""
    hub = request.app.state.hub
    viewer = request.user.viewer
    if viewer.role is Role.ANONYMOUS:
        return _problem(401, ErrorCode.UNAUTHENTICATED, "请先登录。A bearer token is required.")
    kind = request.path_params["kind"]
    code, _, fmt = request.path_params["file"].rpartition(".")
    if kind not in KINDS or fmt not in FORMATS or not code:
        return _problem(
            404, ErrorCode.NOT_FOUND,
            "没有这个台账。Use /reports/{branch|unit|community}/{code}.{csv|xlsx}?year=YYYY.",
        )  # fmt: skip
    year = parse_year(request.query_params.get("year", ""))
    if year is None:
        return _problem(
            400, ErrorCode.BAD_USER_INPUT,
            "年度须为 2000 至 2100 之间的四位数字。year must be four digits, 2000 to 2100.",
        )  # fmt: skip
    ctx = hub.context(request)
    try:
        body = await export(ctx, kind, code, year, fmt)
    except ReportNotFound:
        return _problem(
            404, ErrorCode.NOT_FOUND, f"找不到该台账。No {kind} {code} the viewer may see."
        )
    except AuditUnavailable:
        return _problem(503, ErrorCode.AUDIT_UNAVAILABLE,
                        "审计日志暂不可用，无法导出。The audit log cannot be written.")  # fmt: skip
    # The header carries Latin-1 only; a code is ASCII anyway, but never trust it to be.
    filename = _UNSAFE_IN_FILENAME.sub("_", f"{kind}-{code}-{year}.{fmt}")
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
            audit=AuditTrail(viewer),
            sources=Sources(hub.units, hub.community, hub.audit_log),
            units=hub.units.loaders(scopes.units),
            community=hub.community.loaders(scopes.community),
            audit_log=hub.audit_log.loaders(scopes.audit),
        )
        return await export(ctx, kind, code, year, fmt)
    finally:
        await hub.dispose()
