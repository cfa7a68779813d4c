"""What an appraisal spreadsheet (评议台账) holds: one row per member of a branch, a unit or
a community's supporters, the year's figures and the unmet rules spelled out.

An organisation grade above the member's appraisal ceiling is never shown bare: the grade
cell says whether it is the district's override (区委组织部特批) or a conflict for the
district to review (超出上限，待区委组织部复核), and "组织评价核查" says the same with the
override's reason.

Plain functions of a `HubContext`: the download (`gateway.reports`) and `dualhub report`
(`gateway.cli`) call the same `audited_rows` and only differ in whose context they pass.
"""

from __future__ import annotations

import logging
from typing import Any

from datasources.units.models import Member, PoliticalStatus
from resolvers import appraisal_ceiling
from resolvers import performance as perf
from resolvers.context import HubContext

logger = logging.getLogger("dualhub.audit")

KINDS = ("branch", "unit", "community")

STATUS_NAMES = {
    PoliticalStatus.FULL: "正式党员",
    PoliticalStatus.PROBATIONARY: "预备党员",
    PoliticalStatus.DEVELOPMENT_TARGET: "发展对象",
    PoliticalStatus.ACTIVIST: "入党积极分子",
}

HEADERS = (
    "党员编码", "姓名", "政治面貌", "所在单位", "所在支部", "报到社区", "报到日期", "报到期限",
    "按时报到", "逾期天数", "完成点单（次）", "点单时长（小时）", "平均评分", "参加活动（次）",
    "活动时长（小时）", "岗位值守（次）", "值守时长（小时）", "完成微心愿（个）", "计入服务次数", "计入服务时长（小时）",
    "获得积分", "消费积分", "冲正积分", "年末积分余额", "社区评价", "党员自评", "组织评价",
    "是否达标", "评议等次上限", "组织评价核查", "未达标事项",
)  # fmt: skip

Row = list[Any]


class ReportNotFound(LookupError):
    """The branch, unit or community is unknown, or outside the viewer's scope."""


class AuditUnavailable(RuntimeError):
    """The reads of a spreadsheet could not be written to the audit log: it is not served."""


async def audited_rows(ctx: HubContext, kind: str, code: str, year: int, *, via: str) -> list[Row]:
    """The rows (without the header); the personal fields read are written to the audit log
    first, and without that record there are no rows (`AuditUnavailable`). `via` names what
    revealed them in the audit entry (the download, the command)."""
    rows = await report_rows(ctx, kind, code, year, via=via)
    events = ctx.audit.events(
        ctx.viewer, operation_name=f"report:{kind}:{code}:{year}", request_id=ctx.request_id
    )
    try:
        await ctx.sources.audit.record(events)
    except Exception as exc:
        logger.exception("request %s: audit log write failed", ctx.request_id)
        raise AuditUnavailable(kind, code) from exc
    return rows


async def report_rows(ctx: HubContext, kind: str, code: str, year: int, *, via: str) -> list[Row]:
    """One row per member the viewer may see, each member's name read noted on the trail."""
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
    for person, revisions in zip(people, organisation, strict=True):
        ctx.audit.read("Member", person.member_code, "Member.name", via=via)
        org = next((r for r in revisions if r.superseded_at is None), None)
        rows.append(_row(person, unit_names, branch_names, org))
    return rows


def _row(
    p: perf.Performance, units: dict[int, str], branches: dict[int, str], organisation: Any
) -> Row:
    f = p.complete_figures()
    first, current = p.first_report, p.current_report
    services, hours = p.counted()
    evaluations = {e.kind: e.grade for e in f.evaluations}
    compliance = p.compliance
    ceiling = compliance.ceiling if compliance else None
    grade = _grade(organisation.grade) if organisation else ""
    checked = "" if organisation is None else _checked(organisation, ceiling)
    if checked:
        grade = f"{grade}（{appraisal_ceiling.CHECK_NAMES[_check(organisation, ceiling)]}）"
    return [
        p.member_code, p.name, STATUS_NAMES[p.political_status],
        units.get(p.unit_id, ""), branches.get(p.branch_id, ""),
        current.community_name if current else "",
        first.reported_on.isoformat() if first else "",
        p.deadline.isoformat() if p.deadline else "",
        _yes_no(p.on_time), p.days_late if p.days_late is not None else "",
        f.orders.count, float(f.orders.hours),
        float(f.orders.average_rating) if f.orders.average_rating is not None else "",
        f.activities.count, float(f.activities.hours), f.posts.count, float(f.posts.hours),
        f.wishes,
        services, float(hours), f.points.earned, f.points.spent, f.points.reversed,
        f.points.balance, _grade(evaluations.get("community")),
        _grade(evaluations.get("self")), grade,
        "" if compliance is None or not compliance.applicable else _yes_no(compliance.compliant),
        _grade(ceiling), checked, perf.unmet_text(p),
    ]  # fmt: skip


async def _members(ctx: HubContext, kind: str, code: str, year: int) -> list[Member]:
    if kind == "branch":
        branch = await ctx.units.branch_by_code.load(code)
        if branch is None:
            raise ReportNotFound(code)
        return await ctx.units.performance.members(branch_ids=[branch.id], year=year)
    if kind == "unit":
        unit = await ctx.units.work_unit_by_code.load(code)
        if unit is None:
            raise ReportNotFound(code)
        return await ctx.units.performance.members(unit_ids=[unit.id], year=year)
    community = await ctx.community.community_by_code.load(code)
    if community is None:
        raise ReportNotFound(code)
    codes = await ctx.community.performance.supporters(year, community.id)
    rows = await ctx.units.member_by_code.load_many(sorted(codes))
    return sorted((r for r in rows if r is not None), key=lambda r: (r.name, r.id))


def _check(organisation: Any, ceiling: Any) -> appraisal_ceiling.GradeCheck:
    return appraisal_ceiling.check(organisation.grade, ceiling, organisation.override_reason)


def _checked(organisation: Any, ceiling: Any) -> str:
    """The "组织评价核查" cell: empty within the ceiling; the override with its reason, or
    the conflict, otherwise."""
    check = _check(organisation, ceiling)
    name = appraisal_ceiling.CHECK_NAMES[check]
    if check is appraisal_ceiling.GradeCheck.OVERRIDDEN:
        return f"{name}：{organisation.override_reason}"
    return name


def _grade(grade: Any) -> str:
    return perf.GRADE_NAMES.get(grade, "") if grade is not None else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")
