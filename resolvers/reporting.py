"""The reporting workflow (报到): a member reports, the community confirms or returns it.

A member has at most one active (pending or confirmed) report: reporting to a new
community closes the old one in the same transaction, so the history stays complete.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community import notifications
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import (
    Community,
    Report,
    ReportChannel,
    ReportEndReason,
    ReportSkill,
    ReportStatus,
    ServiceCategory,
)
from datasources.scope import BRANCH_SECRETARIES, GRID_ROLES, Role
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    building_id_in,
    record,
    remember,
    replayed,
    today_in_china,
)

REPORT = "Report"
STATUS_NAMES = {
    ReportStatus.PENDING: "待确认",
    ReportStatus.CONFIRMED: "已报到",
    ReportStatus.RETURNED: "已退回",
    ReportStatus.CLOSED: "已迁出",
}


async def report_to_community(
    ctx: HubContext,
    *,
    community_code: str,
    building_code: str | None,
    skills: list[str],
    availability: int,
    intentions: list[str],
    note: str | None,
    key: str | None,
) -> Report:
    viewer = ctx.viewer
    if viewer.role is not Role.MEMBER or viewer.member is None:
        raise PermissionError("only a member reports, for himself")
    member = await ctx.units.member_by_code.load(viewer.member)
    if member is None:
        raise Refusal(RefusalCode.NOT_FOUND, "单位侧没有您的党员信息，请联系所在党支部。")
    if not member.in_service:
        raise Refusal(RefusalCode.NOT_IN_SERVICE, "在职党员方可报到；您的单位记录显示您不在职。")
    try:
        return await _report(ctx, community_code, building_code, skills, availability,
                             intentions, note, key)  # fmt: skip
    except IntegrityError as exc:
        # A concurrent report of the same member won the one-pending-report index.
        raise Refusal(RefusalCode.DUPLICATE, "您有一份报到正在处理，请稍后刷新查看。") from exc


async def _report(
    ctx: HubContext,
    community_code: str,
    building_code: str | None,
    skills: list[str],
    availability: int,
    intentions: list[str],
    note: str | None,
    key: str | None,
) -> Report:
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Report, "reportToCommunity", key)
        if earlier is not None:
            return earlier
        community = await session.scalar(select(Community).where(Community.code == community_code))
        if community is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该社区。", "input.communityCode")
        building_id = await building_id_in(session, community.id, building_code)
        await _check_categories(session, intentions)
        active = list(
            await session.scalars(
                select(Report)
                .where(
                    Report.member_code == viewer.member,
                    Report.status.in_(ACTIVE_REPORT_STATUSES),
                )
                .order_by(Report.id)
                .with_for_update()
            )
        )
        if any(row.community_id == community.id for row in active):
            raise Refusal(
                RefusalCode.DUPLICATE, "您已向该社区报到，无需重复报到。", "input.communityCode"
            )
        confirmed = next((r for r in active if r.status is ReportStatus.CONFIRMED), None)
        for pending in (r for r in active if r.status is ReportStatus.PENDING):
            end(pending, ReportEndReason.WITHDRAWN)
            record(session, viewer, REPORT, pending.id, ReportStatus.PENDING.value, "closed",
                   f"改报{community.name}")  # fmt: skip
            await session.flush()  # the replaced report leaves the one-pending index first
        report = Report(
            member_code=viewer.member, community_id=community.id, building_id=building_id,
            reported_on=today_in_china(), channel=ReportChannel.ONLINE,
            status=ReportStatus.PENDING, availability=availability, intentions=intentions,
            note=note, moves_from_id=confirmed.id if confirmed else None,
        )  # fmt: skip
        session.add(report)
        await session.flush()
        session.add_all(ReportSkill(report_id=report.id, skill=s) for s in dict.fromkeys(skills))
        record(session, viewer, REPORT, report.id, None, ReportStatus.PENDING.value, note)
        remember(session, viewer, "reportToCommunity", key, report.id)
    return report


async def decide_report(
    ctx: HubContext, report_id: int, *, confirm: bool, reason: str | None
) -> Report:
    """The community confirms a pending report, or returns it with a reason."""
    if ctx.viewer.role not in (Role.COMMUNITY, *GRID_ROLES):
        raise PermissionError("only the community reviews reports")
    in_scope = await ctx.community.report_by_id.load(report_id) is not None
    target = ReportStatus.CONFIRMED if confirm else ReportStatus.RETURNED
    async with ctx.sources.community.transaction() as session:
        report = await session.get(Report, report_id, with_for_update=True)
        if report is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该报到记录。", "input.reportId")
        if not in_scope:
            raise PermissionError("the report belongs to another community")
        if report.status is not ReportStatus.PENDING:
            verb = "确认" if confirm else "退回"
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该报到当前为「{STATUS_NAMES[report.status]}」，只有待确认的报到可以{verb}。",
            )
        if confirm:
            await _close_confirmed(ctx, session, report)
        else:
            end(report, ReportEndReason.RETURNED)  # a returned move leaves the old one active
        report.status = target
        record(session, ctx.viewer, REPORT, report.id, ReportStatus.PENDING.value,
               target.value, reason)  # fmt: skip
        await notifications.report_event(session, report, confirm, reason)
    return report


def end(report: Report, reason: ReportEndReason) -> None:
    """End the report's interval today; returned reports keep their own status."""
    if reason is not ReportEndReason.RETURNED:
        report.status = ReportStatus.CLOSED
    report.ended_on = max(today_in_china(), report.reported_on)
    report.end_reason = reason


async def _close_confirmed(ctx: HubContext, session: AsyncSession, report: Report) -> None:
    """Confirming a report completes the member's move: his confirmed report elsewhere (the
    one it moves from) ends today, before the new one enters the one-confirmed index."""
    old = await session.scalar(
        select(Report)
        .where(Report.member_code == report.member_code, Report.status == ReportStatus.CONFIRMED)
        .with_for_update()
    )
    if old is None:
        return
    target = await session.get(Community, report.community_id)
    end(old, ReportEndReason.MOVED)
    record(session, ctx.viewer, REPORT, old.id, ReportStatus.CONFIRMED.value, "closed",
           f"迁往{target.name if target else '新社区'}，新社区已确认")  # fmt: skip
    await session.flush()


END_REASONS = (ReportEndReason.LEFT_SERVICE, ReportEndReason.CLOSED)


async def end_report(
    ctx: HubContext, report_id: int, *, reason: ReportEndReason, note: str | None
) -> Report:
    """The community ends a confirmed report: the member left service (离职) or another
    reason; the branch of his unit may end it when he left service."""
    viewer = ctx.viewer
    if viewer.role not in (Role.COMMUNITY, *BRANCH_SECRETARIES, Role.UNIT_BRANCH):
        raise PermissionError("only the community or the member's branch ends a report")
    if reason not in END_REASONS:
        raise Refusal(RefusalCode.INVALID_INPUT, "只能以“离职”或“社区注销”结束报到。",
                      "input.reason")  # fmt: skip
    if viewer.role is Role.UNIT_BRANCH and reason is not ReportEndReason.LEFT_SERVICE:
        raise Refusal(RefusalCode.INVALID_INPUT, "单位党支部只能以“离职”结束报到。",
                      "input.reason")  # fmt: skip
    in_scope = await ctx.community.report_by_id.load(report_id) is not None
    async with ctx.sources.community.transaction() as session:
        report = await session.get(Report, report_id, with_for_update=True)
        if report is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该报到记录。", "input.reportId")
        if not in_scope:
            raise PermissionError("the report is outside the viewer's scope")
        if report.status is not ReportStatus.CONFIRMED:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"该报到当前为「{STATUS_NAMES[report.status]}」，只有已报到的报到可以结束。",
            )
        end(report, reason)
        record(session, viewer, REPORT, report.id, ReportStatus.CONFIRMED.value, "closed",
               note or END_REASON_NAMES[reason])  # fmt: skip
    return report


END_REASON_NAMES = {
    ReportEndReason.MOVED: "迁出",
    ReportEndReason.LEFT_SERVICE: "离职",
    ReportEndReason.WITHDRAWN: "改报",
    ReportEndReason.RETURNED: "退回",
    ReportEndReason.CLOSED: "社区注销",
}


async def _check_categories(session: AsyncSession, codes: list[str]) -> None:
    if not codes:
        return
    known = set(
        await session.scalars(select(ServiceCategory.code).where(ServiceCategory.code.in_(codes)))
    )
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise Refusal(
            RefusalCode.NOT_FOUND, f"未知的服务类别：{'、'.join(unknown)}。", "input.intentions"
        )
