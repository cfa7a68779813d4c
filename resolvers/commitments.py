"""Public commitments (亮身份、亮承诺、践诺): a reported member publishes what he commits to
do this year, one commitment at a time, each in a service category; the community of his
active report and his unit branch see them; at year end (from 1 December of the year) the
community assesses each one, kept, partly kept or not kept, with evidence (践诺评定).

Who assesses, and why: the articles have members commit "at their work unit and in the
community they report to" (在工作单位和对接社区开展公开承诺践诺); the service is done and
confirmed in the community, so the community (its committee or a grid secretary of it)
assesses, as it confirms orders, wishes and duty; the branch reads the result for the
appraisal and does not rate it. Residents see a commitment only where the member agreed
(`publicConsent`), which he may change at any time. Nothing is deleted: a commitment not
yet assessed is withdrawn by the member (撤回) and stays with its history.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community.commitment_models import ASSESSED, CommitmentStatus, MemberCommitment
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import Report
from datasources.scope import Role
from datasources.units.models import Member, WorkUnit
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    category_id_of,
    community_code_of,
    manages_community,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

ENTITY = "MemberCommitment"
NOT_FOUND = "未找到该承诺。"
MAX_CONTENT = 500  # characters of one commitment
MAX_PER_YEAR = 10  # commitments of one member in force in one year
ASSESSMENT_MONTH = 12  # 年底评定: from 1 December of the commitment's year
STATUS_NAMES = {
    CommitmentStatus.PUBLISHED: "已承诺",
    CommitmentStatus.KEPT: "已践诺",
    CommitmentStatus.PARTLY_KEPT: "部分践诺",
    CommitmentStatus.NOT_KEPT: "未践诺",
    CommitmentStatus.WITHDRAWN: "已撤回",
}


def _text(value: str, message: str, field: str, limit: int = MAX_CONTENT) -> str:
    text = value.strip()
    if not text:
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    if len(text) > limit:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{limit}字。", field)
    return text


def _member(ctx: HubContext) -> str:
    viewer = ctx.viewer
    if viewer.role is not Role.MEMBER or not viewer.member:
        raise PermissionError("only the member himself publishes his commitments")
    return viewer.member


def _invalid_state(row: MemberCommitment, allowed: str) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_STATE,
        f"该承诺当前为「{STATUS_NAMES[row.status]}」，{allowed}",
        "input.commitmentId",
    )


async def _unit_of(ctx: HubContext, member_code: str) -> str | None:
    async with ctx.sources.units.session() as units:
        code: str | None = await units.scalar(
            select(WorkUnit.code)
            .join(Member, Member.unit_id == WorkUnit.id)
            .where(Member.code == member_code)
        )
    return code


async def publish(
    ctx: HubContext,
    *,
    year: int,
    category_code: str,
    content: str,
    public_consent: bool,
    key: str | None,
) -> MemberCommitment:
    """Publish a commitment (亮承诺): the member himself, with an active report; for this
    year or the next; at most `MAX_PER_YEAR` in force a year."""
    viewer = ctx.viewer
    member_code = _member(ctx)
    text = _text(content, "请填写承诺内容。", "input.content")
    this_year = today_in_china().year
    if year not in (this_year, this_year + 1):
        raise Refusal(RefusalCode.INVALID_INPUT, "只能发布本年度或下一年度的承诺。", "input.year")
    unit_code = await _unit_of(ctx, member_code)
    mutation = "publishCommitment"
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, MemberCommitment, member_code)
        earlier = await replayed(ctx, session, MemberCommitment, mutation, key)
        if earlier is not None:
            return earlier
        category_id = await category_id_of(session, category_code)
        community_id = await session.scalar(
            select(Report.community_id)
            .where(Report.member_code == member_code, Report.status.in_(ACTIVE_REPORT_STATUSES))
            .order_by(Report.id.desc())
            .limit(1)
        )
        if community_id is None:
            raise Refusal(
                RefusalCode.NOT_REPORTED, "请先向居住地社区报到，再公开承诺。", "input.year"
            )
        in_force = [
            MemberCommitment.member_code == member_code,
            MemberCommitment.year == year,
            MemberCommitment.status != CommitmentStatus.WITHDRAWN,
        ]
        same = await session.scalar(
            select(MemberCommitment.id).where(
                *in_force,
                MemberCommitment.category_id == category_id,
                MemberCommitment.content == text,
            )
        )
        if same is not None:
            raise Refusal(RefusalCode.DUPLICATE, "您已公开过相同的承诺。", "input.content")
        count = await session.scalar(select(func.count(MemberCommitment.id)).where(*in_force))
        if (count or 0) >= MAX_PER_YEAR:
            raise Refusal(RefusalCode.FULL, f"每年最多公开{MAX_PER_YEAR}项承诺。", "input.content")
        row = MemberCommitment(
            member_code=member_code, unit_code=unit_code, community_id=community_id,
            category_id=category_id, year=year, content=text, public_consent=public_consent,
            status=CommitmentStatus.PUBLISHED,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, viewer, ENTITY, row.id, None, CommitmentStatus.PUBLISHED.value, text)
        remember(session, viewer, mutation, key, row.id)
    return row


async def _own(ctx: HubContext, session: AsyncSession, commitment_id: int) -> MemberCommitment:
    member_code = _member(ctx)
    await write_lock(session, MemberCommitment, commitment_id)
    row = await session.get(MemberCommitment, commitment_id, with_for_update=True)
    if row is None:
        raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.commitmentId")
    if row.member_code != member_code:
        raise PermissionError("another member's commitment")
    return row


async def set_consent(
    ctx: HubContext, commitment_id: int, public_consent: bool
) -> MemberCommitment:
    """Agree or no longer agree that residents see the commitment (同意/撤回向居民公开):
    the member himself, at any time before it is withdrawn."""
    async with ctx.sources.community.transaction() as session:
        row = await _own(ctx, session, commitment_id)
        if row.status is CommitmentStatus.WITHDRAWN:
            raise _invalid_state(row, "不能更改公开范围。")
        if row.public_consent is not public_consent:
            row.public_consent = public_consent
            note = "同意向居民公开" if public_consent else "不向居民公开"
            record(session, ctx.viewer, ENTITY, row.id, row.status.value, row.status.value, note)
    return row


async def withdraw(ctx: HubContext, commitment_id: int, reason: str | None) -> MemberCommitment:
    """Withdraw a commitment not yet assessed (撤回承诺): the member himself."""
    async with ctx.sources.community.transaction() as session:
        row = await _own(ctx, session, commitment_id)
        if row.status is not CommitmentStatus.PUBLISHED:
            raise _invalid_state(row, "只有待评定的承诺可以撤回。")
        row.status = CommitmentStatus.WITHDRAWN
        record(session, ctx.viewer, ENTITY, row.id, CommitmentStatus.PUBLISHED.value,
               CommitmentStatus.WITHDRAWN.value, reason)  # fmt: skip
    return row


async def assess(
    ctx: HubContext, commitment_id: int, *, outcome: CommitmentStatus, evidence: str
) -> MemberCommitment:
    """Assess a commitment at year end (践诺评定): the community it was made to (its
    committee or a grid secretary of it), once, from 1 December of its year, with evidence."""
    viewer = ctx.viewer
    if not viewer.is_community_side:
        raise PermissionError("only the community assesses commitments")
    if outcome not in ASSESSED:
        raise Refusal(RefusalCode.INVALID_INPUT, "评定结果须为已践诺、部分践诺或未践诺。",
                      "input.outcome")  # fmt: skip
    text = _text(evidence, "请填写践诺情况（评定依据）。", "input.evidence", 2000)
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, MemberCommitment, commitment_id)
        row = await session.get(MemberCommitment, commitment_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.commitmentId")
        if not manages_community(viewer, await community_code_of(session, row.community_id)):
            raise PermissionError("the commitment was made to another community")
        if row.status is not CommitmentStatus.PUBLISHED:
            raise _invalid_state(row, "只有待评定的承诺可以评定。")
        if today_in_china() < date(row.year, ASSESSMENT_MONTH, 1):
            raise Refusal(
                RefusalCode.OUTSIDE_WINDOW,
                f"{row.year}年的承诺须在年底（{row.year}年12月1日起）评定。",
                "input.commitmentId",
            )
        row.status = outcome
        row.evidence = text
        row.assessed_by = viewer.subject
        row.assessed_at = utcnow()
        record(session, viewer, ENTITY, row.id, CommitmentStatus.PUBLISHED.value,
               outcome.value, text)  # fmt: skip
    return row
