"""Evaluations (三评, workflow 8): the community evaluates a member for a year, on up to three
levels (building group leader, grid branch, community committee); the member writes his
self-evaluation; his unit branch records the organisation evaluation on the unit side and
acknowledges (签收) the community's evaluation.

Years are China Standard Time years: an evaluation may be written for this year or an
earlier one, never for a year still to come. A revision never updates a row in place: the
active row of the same (member, year, level) is marked superseded (已被修订, with the time)
and a new active row is written, both recorded as state events; on the unit side the
earlier organisation evaluation gets `superseded_at`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import AppraisalGrade, utcnow
from datasources.community import notifications
from datasources.community.evaluation_models import (
    EvaluationKind,
    EvaluationStatus,
    MemberEvaluation,
)
from datasources.community.group_models import (
    BuildingGroup,
    BuildingGroupMember,
    GroupRole,
    GroupStatus,
    MembershipStatus,
)
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import (
    Building,
    Community,
    Report,
    ReportEndReason,
    ReportStatus,
)
from datasources.community.notification_models import NotificationKind
from datasources.community.policy import grid_buildings
from datasources.scope import BRANCH_SECRETARIES, Role, Viewer
from datasources.units.models import Member, NotificationOutbox, OrganisationEvaluation
from datasources.units.policy import unit_members
from resolvers import appraisal_ceiling
from resolvers.context import HubContext
from resolvers.performance import GRADE_NAMES
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

EVALUATION = "MemberEvaluation"
NOT_FOUND = "未找到该评价。"
KIND_NAMES = {
    EvaluationKind.SELF: "党员自评",
    EvaluationKind.GROUP: "党小组评价",
    EvaluationKind.GRID_BRANCH: "网格党支部评价",
    EvaluationKind.COMMUNITY: "社区党委评价",
}
# Reports that tie a member to a community for a year's evaluation: current or closed.
EVALUABLE_REPORTS = (*ACTIVE_REPORT_STATUSES, ReportStatus.CLOSED)


def _year(year: int | None) -> int:
    """The evaluated year: this year in China when omitted; never a year still to come."""
    this_year = today_in_china().year
    if year is None:
        return this_year
    if not 2000 <= year <= this_year:
        raise Refusal(
            RefusalCode.INVALID_INPUT, f"评价年度须在2000至{this_year}年之间。", "input.year"
        )
    return year


def _comment(comment: str) -> str:
    if not comment.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写评语。", "input.comment")
    return comment.strip()


async def _report_for_year(
    session: AsyncSession, member_code: str, community_id: int, year: int
) -> Report | None:
    """The member's current or ended report to the community, made by the end of `year`
    and not ended before it began (its interval overlaps the year; a report withdrawn
    before confirmation never counted)."""
    overlaps = or_(Report.ended_on.is_(None), Report.ended_on > date(year, 1, 1))
    confirmed = or_(Report.end_reason.is_(None), Report.end_reason != ReportEndReason.WITHDRAWN)
    report: Report | None = await session.scalar(
        select(Report)
        .where(
            Report.member_code == member_code,
            Report.community_id == community_id,
            Report.status.in_(EVALUABLE_REPORTS),
            Report.reported_on <= date(year, 12, 31),
            overlaps,
            confirmed,
        )
        .order_by(Report.reported_on.desc(), Report.id.desc())
        .limit(1)
    )
    return report


async def _write(
    session: AsyncSession,
    viewer: Viewer,
    *,
    member_code: str,
    year: int,
    kind: EvaluationKind,
    community_id: int,
    grade: AppraisalGrade | None,
    comment: str,
) -> MemberEvaluation:
    """Supersede the active row of (member, year, kind), if any, and write the new one."""
    earlier = await session.scalar(
        select(MemberEvaluation)
        .where(
            MemberEvaluation.member_code == member_code,
            MemberEvaluation.year == year,
            MemberEvaluation.kind == kind,
            MemberEvaluation.status == EvaluationStatus.ACTIVE,
        )
        .with_for_update()
    )
    if earlier is not None:
        earlier.status = EvaluationStatus.SUPERSEDED
        earlier.superseded_at = utcnow()
        record(session, viewer, EVALUATION, earlier.id, EvaluationStatus.ACTIVE.value,
               EvaluationStatus.SUPERSEDED.value, "已被新的评价修订")  # fmt: skip
        await session.flush()  # the partial unique index allows one active row
    row = MemberEvaluation(
        member_code=member_code, year=year, kind=kind, community_id=community_id, grade=grade,
        comment=comment, status=EvaluationStatus.ACTIVE, evaluator_subject=viewer.subject,
        evaluator_role=viewer.role.value,
    )  # fmt: skip
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # PostgreSQL: a concurrent first evaluation won
        raise Refusal(
            RefusalCode.DUPLICATE, "该评价刚由他人同时填写，请刷新后再修订。", "input.memberCode"
        ) from exc
    note = None if earlier is None else f"修订第{earlier.id}号评价"
    record(session, viewer, EVALUATION, row.id, None, EvaluationStatus.ACTIVE.value, note)
    if kind is not EvaluationKind.SELF:
        await notifications.evaluation_event(session, row, KIND_NAMES[kind])
    return row


async def _lock_writers(session: AsyncSession) -> None:
    """Serialise evaluation writers before they read: on PostgreSQL an advisory lock for the
    table (a first evaluation has no row to lock yet), on SQLite the write transaction's."""
    await write_lock(session, MemberEvaluation, 0)


async def evaluate(
    ctx: HubContext,
    *,
    member_code: str,
    year: int | None,
    grade: AppraisalGrade,
    comment: str,
    level: EvaluationKind,
    key: str | None,
) -> MemberEvaluation:
    """Evaluate a member (评价党员) on one level: COMMUNITY by the community committee,
    GRID_BRANCH by a grid secretary of the member's grid, GROUP by his group's leader."""
    viewer = ctx.viewer
    allowed = {
        EvaluationKind.COMMUNITY: viewer.role is Role.COMMUNITY,
        EvaluationKind.GRID_BRANCH: viewer.role in BRANCH_SECRETARIES,
        EvaluationKind.GROUP: viewer.role is Role.MEMBER and viewer.member is not None,
    }
    if not allowed.get(level, False):
        raise PermissionError(f"{viewer.role.value} may not write a {level.value} evaluation")
    evaluated_year = _year(year)
    text = _comment(comment)
    mutation = "evaluateMember"
    async with ctx.sources.community.transaction() as session:
        await _lock_writers(session)
        earlier = await replayed(ctx, session, MemberEvaluation, mutation, key)
        if earlier is not None:
            return earlier
        if level is EvaluationKind.GROUP:
            community_id = await _led_group_community(session, viewer, member_code)
        else:
            found = await session.scalar(
                select(Community.id).where(Community.code == viewer.community)
            )
            if found is None:
                raise PermissionError("the viewer's community does not exist")
            community_id = found
            report = await _report_for_year(session, member_code, community_id, evaluated_year)
            if report is None:
                raise Refusal(RefusalCode.NOT_REPORTED, "该党员当年未向本社区报到，不能评价。",
                              "input.memberCode")  # fmt: skip
            if level is EvaluationKind.GRID_BRANCH:
                in_grid = await session.scalar(
                    select(Building.id).where(
                        Building.id == report.building_id,
                        Building.id.in_(grid_buildings(viewer)),
                    )
                )
                if in_grid is None:
                    raise PermissionError("the member does not live in the secretary's grid")
        row = await _write(
            session, viewer, member_code=member_code, year=evaluated_year, kind=level,
            community_id=community_id, grade=grade, comment=text,
        )  # fmt: skip
        remember(session, viewer, mutation, key, row.id)
    return row


async def _led_group_community(session: AsyncSession, viewer: Viewer, member_code: str) -> int:
    """The community of the active group the viewer leads and the member belongs to."""
    led = (
        select(BuildingGroupMember.group_id)
        .where(
            BuildingGroupMember.member_code == viewer.member,
            BuildingGroupMember.role == GroupRole.LEADER,
            BuildingGroupMember.status == MembershipStatus.ACTIVE,
        )
        .scalar_subquery()
    )
    community_id = await session.scalar(
        select(BuildingGroup.community_id)
        .join(BuildingGroupMember, BuildingGroupMember.group_id == BuildingGroup.id)
        .where(
            BuildingGroup.id == led,
            BuildingGroup.status == GroupStatus.ACTIVE,
            BuildingGroupMember.member_code == member_code,
            BuildingGroupMember.status == MembershipStatus.ACTIVE,
        )
    )
    if community_id is None:
        raise PermissionError("only the leader of the member's building group evaluates him")
    return int(community_id)


async def write_self(
    ctx: HubContext,
    *,
    member_code: str | None,
    year: int | None,
    grade: AppraisalGrade | None,
    comment: str,
    key: str | None,
) -> MemberEvaluation:
    """Write a self-evaluation (党员自评): the member himself, for a year he reported in."""
    viewer = ctx.viewer
    member = viewer.member
    if viewer.role is not Role.MEMBER or member is None:
        raise PermissionError("only a member writes his self-evaluation")
    if member_code is not None and member_code != member:
        raise PermissionError("a member evaluates only himself")
    evaluated_year = _year(year)
    text = _comment(comment)
    mutation = "writeSelfEvaluation"
    async with ctx.sources.community.transaction() as session:
        await _lock_writers(session)
        earlier = await replayed(ctx, session, MemberEvaluation, mutation, key)
        if earlier is not None:
            return earlier
        community_id = await session.scalar(
            select(Report.community_id)
            .where(
                Report.member_code == member,
                Report.status.in_(EVALUABLE_REPORTS),
                Report.reported_on <= date(evaluated_year, 12, 31),
            )
            .order_by(Report.status.in_(ACTIVE_REPORT_STATUSES).desc(), Report.id.desc())
            .limit(1)
        )
        if community_id is None:
            raise Refusal(RefusalCode.NOT_REPORTED, "请先向居住社区报到。", "input.year")
        row = await _write(
            session, viewer, member_code=member, year=evaluated_year, kind=EvaluationKind.SELF,
            community_id=community_id, grade=grade, comment=text,
        )  # fmt: skip
        remember(session, viewer, mutation, key, row.id)
    return row


async def unit_member(ctx: HubContext, session: AsyncSession, member_code: str) -> Member:
    """The member, if the unit viewer answers for him (his unit, or his branch)."""
    viewer = ctx.viewer
    if viewer.role is not Role.UNIT_BRANCH or viewer.unit is None:
        raise PermissionError("only the member's unit branch")
    member = await session.scalar(select(Member).where(Member.code == member_code))
    if member is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该党员。", "input.memberCode")
    ours = await session.scalar(
        select(Member.id).where(Member.id == member.id, unit_members(viewer))
    )
    if ours is None:
        raise PermissionError("the member belongs to another unit or branch")
    return member


async def record_organisation(
    ctx: HubContext,
    *,
    member_code: str,
    year: int | None,
    grade: AppraisalGrade,
    comment: str,
    key: str | None,
) -> OrganisationEvaluation:
    """Record the organisation evaluation (组织评价) on the unit side: the member's unit
    branch, never above his appraisal ceiling (ABOVE_CEILING, naming the ceiling and the
    unmet rules; the district overrides it on appeal, `override_organisation`). The
    idempotency key is the row's `client_key`, on the same side, so the evaluation and its
    key commit together."""
    viewer = ctx.viewer
    if viewer.role is not Role.UNIT_BRANCH:
        raise PermissionError("only the member's unit branch records the organisation evaluation")
    evaluated_year = _year(year)
    text = _comment(comment)

    async def checked(member: Member) -> AppraisalGrade | None:
        compliance, ceiling = await appraisal_ceiling.ceiling_of(ctx, member, evaluated_year)
        if (
            compliance is not None
            and ceiling is not None
            and appraisal_ceiling.above(grade, ceiling)
        ):
            raise Refusal(
                RefusalCode.ABOVE_CEILING,
                appraisal_ceiling.refusal_message(grade, evaluated_year, compliance, ceiling),
                "input.grade",
            )
        return ceiling

    return await _record(
        ctx, member_code=member_code, year=evaluated_year, grade=grade, comment=text, key=key,
        checked=checked, override_reason=None,
    )  # fmt: skip


async def override_organisation(
    ctx: HubContext,
    *,
    member_code: str,
    year: int | None,
    grade: AppraisalGrade,
    comment: str,
    reason: str,
    key: str | None,
) -> OrganisationEvaluation:
    """Record, on appeal, an organisation evaluation above the member's appraisal ceiling
    (区委组织部特批): the district organisation department only, with its reason, kept on
    the row and in the audit entry. A grade within the ceiling needs no override: the
    branch records it (INVALID_INPUT)."""
    viewer = ctx.viewer
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("only the district organisation department overrides a ceiling")
    evaluated_year = _year(year)
    text = _comment(comment)
    why = reason.strip()
    if not why:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写特批理由（申诉情况）。", "input.reason")

    async def checked(member: Member) -> AppraisalGrade | None:
        _compliance, ceiling = await appraisal_ceiling.ceiling_of(ctx, member, evaluated_year)
        if not appraisal_ceiling.above(grade, ceiling):
            shown = "无上限" if ceiling is None else f"上限为“{GRADE_NAMES[ceiling]}”"
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"该等次未超出该党员{evaluated_year}年度评议等次上限（{shown}），无需特批，"
                "请由其所在单位党支部记录。",
                "input.grade",
            )
        return ceiling

    return await _record(
        ctx, member_code=member_code, year=evaluated_year, grade=grade, comment=text, key=key,
        checked=checked, override_reason=why,
    )  # fmt: skip


async def _record(
    ctx: HubContext,
    *,
    member_code: str,
    year: int,
    grade: AppraisalGrade,
    comment: str,
    key: str | None,
    checked: Callable[[Member], Awaitable[AppraisalGrade | None]],
    override_reason: str | None,
) -> OrganisationEvaluation:
    """Supersede the member's current organisation evaluation of the year and write the
    new one, after `checked` judged the grade against his ceiling (which it returns)."""
    viewer = ctx.viewer
    try:
        async with ctx.sources.units.transaction() as session:
            earlier = await _organisation_by_key(ctx, session, key)
            if earlier is not None:
                return earlier
            member = await _evaluated_member(ctx, session, member_code)
            await write_lock(session, Member, member.id)
            ceiling = await checked(member)
            current = await session.scalar(
                select(OrganisationEvaluation)
                .where(
                    OrganisationEvaluation.member_id == member.id,
                    OrganisationEvaluation.year == year,
                    OrganisationEvaluation.superseded_at.is_(None),
                )
                .with_for_update()
            )
            if current is not None:
                current.superseded_at = utcnow()
                await session.flush()
            row = OrganisationEvaluation(
                member_id=member.id, branch_id=member.branch_id, year=year, grade=grade,
                comment=comment, evaluator_subject=viewer.subject,
                evaluator_identity=viewer.identity_key, client_key=key, ceiling_grade=ceiling,
                override_reason=override_reason,
                override_by=None if override_reason is None else viewer.subject,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            _notify_member(session, member, row)
        ctx.notifications_queued = True
        return row
    except IntegrityError as exc:
        # PostgreSQL: a concurrent request won (the same retried one, or another writer);
        # this one's transaction is rolled back.
        async with ctx.sources.units.session() as session:
            earlier = await _organisation_by_key(ctx, session, key)
        if earlier is not None:
            return earlier
        raise Refusal(
            RefusalCode.DUPLICATE,
            "该组织评价刚由他人同时填写，请刷新后再修订。",
            "input.memberCode",
        ) from exc


ORGANISATION_EVALUATION = "OrganisationEvaluation"  # the GraphQL type, for `objectId`


def _notify_member(session: AsyncSession, member: Member, row: OrganisationEvaluation) -> None:
    """Tell the member (收到评价) in the evaluation's own transaction, through the units'
    notification outbox (relayed to the community feed by datasources.notification_relay)."""
    grade = GRADE_NAMES[row.grade]
    by = "区委组织部特批" if row.override_reason is not None else "单位党组织"
    session.add(
        NotificationOutbox(
            addressee=notifications.member(member.code),
            kind=NotificationKind.EVALUATION_WRITTEN.value,
            title="收到组织评价",
            text=f"{by}对您作出了{row.year}年度组织评价：{grade}。",
            object_type=ORGANISATION_EVALUATION,
            object_id=row.id,
            created_at=utcnow(),
        )
    )


async def _evaluated_member(ctx: HubContext, session: AsyncSession, member_code: str) -> Member:
    """The member: his unit branch's (`unit_member`), or any of the district's."""
    if ctx.viewer.role is not Role.DISTRICT:
        return await unit_member(ctx, session, member_code)
    visible = await ctx.units.scope.where(Member)
    member = await session.scalar(select(Member).where(Member.code == member_code, *visible))
    if member is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该党员。", "input.memberCode")
    return member


async def _organisation_by_key(
    ctx: HubContext, session: AsyncSession, key: str | None
) -> OrganisationEvaluation | None:
    """The evaluation a retried request of this caller (his identity, not his subject alone)
    created the first time, read again through his scope: never what he cannot read.

    Rows from before identities (null `evaluator_identity`) match by subject, and only
    when the caller may read them; otherwise this request is a new one."""
    if key is None:
        return None
    viewer = ctx.viewer
    mine = OrganisationEvaluation.evaluator_identity == viewer.identity_key
    legacy = and_(
        OrganisationEvaluation.evaluator_identity.is_(None),
        OrganisationEvaluation.evaluator_subject == viewer.subject,
    )
    found: OrganisationEvaluation | None = await session.scalar(
        select(OrganisationEvaluation)
        .where(or_(mine, legacy), OrganisationEvaluation.client_key == key)
        .order_by(OrganisationEvaluation.evaluator_identity.is_(None))
        .limit(1)
    )
    if found is None:
        return None
    visible = await ctx.units.scope.where(OrganisationEvaluation)
    readable = await session.scalar(
        select(OrganisationEvaluation.id).where(OrganisationEvaluation.id == found.id, *visible)
    )
    if readable is not None:
        return found
    if found.evaluator_identity is None:
        return None  # a legacy key of another caller of this subject: a new request
    raise Refusal(
        RefusalCode.DUPLICATE,
        "该请求（clientMutationId）已处理过，但您无权查看其结果；新的请求请换一个标识。",
        "input.clientMutationId",
    )


async def acknowledge(ctx: HubContext, evaluation_id: int) -> MemberEvaluation:
    """Acknowledge (签收) the community's evaluation of a member: his unit branch, once."""
    viewer = ctx.viewer
    if viewer.role is not Role.UNIT_BRANCH:
        raise PermissionError("only the member's unit branch acknowledges")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, MemberEvaluation, evaluation_id)
        row = await session.get(MemberEvaluation, evaluation_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.evaluationId")
        async with ctx.sources.units.session() as units:
            await unit_member(ctx, units, row.member_code)
        if row.kind is not EvaluationKind.COMMUNITY:
            raise Refusal(RefusalCode.INVALID_STATE, f"该评价为「{KIND_NAMES[row.kind]}」，只有社区党委评价需要签收。",
                          "input.evaluationId")  # fmt: skip
        if row.acknowledged_at is not None:
            raise Refusal(RefusalCode.INVALID_STATE, "该评价当前为「已签收」，不能重复签收。",
                          "input.evaluationId")  # fmt: skip
        if row.status is not EvaluationStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, "该评价当前为「已被修订」，请签收修订后的评价。",
                          "input.evaluationId")  # fmt: skip
        row.acknowledged_at = utcnow()
        row.acknowledged_by = viewer.subject
        row.acknowledged_unit_code = viewer.unit
        record(session, viewer, EVALUATION, row.id, EvaluationStatus.ACTIVE.value,
               "acknowledged", viewer.unit)  # fmt: skip
    return row
