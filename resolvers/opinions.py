"""Opinion requests (征求社区意见, Qianjiang): before promoting a member, his work unit asks
the Party organisation of the community he lives in; the community committee answers
(opinion and text) through the hub. Each step is a state event: who asked, who answered.

The unit asks about its own member with an active report (NOT_REPORTED otherwise), one
pending request per member and unit at a time (DUPLICATE); the community the request went
to answers once (INVALID_STATE again).
"""

from __future__ import annotations

from sqlalchemy import select

from datasources.common import utcnow
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import Report
from datasources.community.opinion_models import Opinion, OpinionRequest, OpinionRequestStatus
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.evaluations import unit_member
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    record,
    remember,
    replayed,
    write_lock,
)

ENTITY = "OpinionRequest"
NOT_FOUND = "未找到该征求意见记录。"
OPINION_NAMES = {
    Opinion.FAVOURABLE: "同意",
    Opinion.RESERVED: "有保留意见",
    Opinion.UNFAVOURABLE: "不同意",
}


def _text(value: str, message: str, field: str) -> str:
    if not value.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    return value.strip()


async def request_opinion(
    ctx: HubContext, *, member_code: str, purpose: str, key: str | None
) -> OpinionRequest:
    """File a request about one of the unit's members with the community of his active
    report (征求居住地社区党组织意见)."""
    viewer = ctx.viewer
    if viewer.role is not Role.UNIT_BRANCH or viewer.unit is None:
        raise PermissionError("only the member's unit asks the community's opinion")
    why = _text(purpose, "请填写征求意见事由（如拟提拔职务）。", "input.purpose")
    async with ctx.sources.units.session() as units:
        await unit_member(ctx, units, member_code)
    mutation = "requestCommunityOpinion"
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, OpinionRequest, member_code)
        earlier = await replayed(ctx, session, OpinionRequest, mutation, key)
        if earlier is not None:
            return earlier
        community_id = await session.scalar(
            select(Report.community_id)
            .where(Report.member_code == member_code, Report.status.in_(ACTIVE_REPORT_STATUSES))
            .order_by(Report.id.desc())
            .limit(1)
        )
        if community_id is None:
            raise Refusal(
                RefusalCode.NOT_REPORTED,
                "该党员未到居住地社区报到，无法征求社区意见。",
                "input.memberCode",
            )
        pending = await session.scalar(
            select(OpinionRequest.id).where(
                OpinionRequest.member_code == member_code,
                OpinionRequest.unit_code == viewer.unit,
                OpinionRequest.status == OpinionRequestStatus.PENDING,
            )
        )
        if pending is not None:
            raise Refusal(
                RefusalCode.DUPLICATE,
                "本单位已就该党员征求社区意见，社区尚未答复。",
                "input.memberCode",
            )
        row = OpinionRequest(
            member_code=member_code, unit_code=viewer.unit, community_id=community_id,
            purpose=why, status=OpinionRequestStatus.PENDING, asked_by=viewer.subject,
            asked_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, viewer, ENTITY, row.id, None, OpinionRequestStatus.PENDING.value, why)
        remember(session, viewer, mutation, key, row.id)
    return row


async def answer_opinion(
    ctx: HubContext, request_id: int, *, opinion: Opinion, answer: str
) -> OpinionRequest:
    """Answer a request (社区党组织答复): the committee of the community it was sent to, once."""
    viewer = ctx.viewer
    if viewer.role is not Role.COMMUNITY:
        raise PermissionError("only the community committee answers")
    text = _text(answer, "请填写答复意见（该党员8小时以外的表现）。", "input.answer")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, OpinionRequest, request_id)
        row = await session.get(OpinionRequest, request_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.requestId")
        if await community_code_of(session, row.community_id) != viewer.community:
            raise PermissionError("the request was sent to another community")
        if row.status is not OpinionRequestStatus.PENDING:
            raise Refusal(
                RefusalCode.INVALID_STATE, "该征求意见已答复，不能重复答复。", "input.requestId"
            )
        row.status = OpinionRequestStatus.ANSWERED
        row.opinion = opinion
        row.answer = text
        row.answered_by = viewer.subject
        row.answered_at = utcnow()
        record(session, viewer, ENTITY, row.id, OpinionRequestStatus.PENDING.value,
               OpinionRequestStatus.ANSWERED.value, OPINION_NAMES[opinion])  # fmt: skip
    return row
