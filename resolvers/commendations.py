"""Commendations (表彰): the community committee or the district names a member, a unit or
a household — 每月之星 (with its month), 最美下沉党员, 年度表彰, 最美家庭 — with a reason. The
level follows the awarder: a community's are community commendations (社区表彰) of its own
supporters, households and any unit; the district's are district commendations (区级表彰).

A commendation is shown on the member's record (his timeline and `performance.
commendations`) and in his appraisal inputs; it never lifts his appraisal grade above the
ceiling his record sets (评议等次上限, resolvers.appraisal_ceiling): the ceiling is judged
from reporting and services only. Revoked (撤销) by whoever awarded it, with a reason;
nothing is deleted.
"""

from __future__ import annotations

from sqlalchemy import select

from datasources.common import utcnow
from datasources.community.commendation_models import (
    Commendation,
    CommendationLevel,
    CommendationStatus,
    CommendationTitle,
    HonoreeKind,
)
from datasources.scope import Role
from datasources.units.models import Member, WorkUnit
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    is_supporter,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

ENTITY = "Commendation"
NOT_FOUND = "未找到该表彰。"
MAX_REASON = 1000
TITLE_NAMES = {
    CommendationTitle.MONTHLY_STAR: "每月之星",
    CommendationTitle.MODEL_MEMBER: "最美下沉党员",
    CommendationTitle.ANNUAL: "年度表彰",
    CommendationTitle.MODEL_FAMILY: "最美家庭",
}


def _text(value: str, message: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise Refusal(RefusalCode.INVALID_INPUT, message, field)
    if len(text) > MAX_REASON:
        raise Refusal(RefusalCode.INVALID_INPUT, f"内容不能超过{MAX_REASON}字。", field)
    return text


def _level(ctx: HubContext) -> CommendationLevel:
    role = ctx.viewer.role
    if role is Role.DISTRICT:
        return CommendationLevel.DISTRICT
    if role is Role.COMMUNITY and ctx.viewer.community:
        return CommendationLevel.COMMUNITY
    raise PermissionError("only the community committee or the district commends")


def _period(title: CommendationTitle, year: int, month: int | None) -> None:
    if not 2000 <= year <= today_in_china().year:
        raise Refusal(RefusalCode.INVALID_INPUT, "表彰年度须为本年度或以前年度。", "input.year")
    if title is CommendationTitle.MONTHLY_STAR:
        if month is None or not 1 <= month <= 12:
            raise Refusal(RefusalCode.INVALID_INPUT, "每月之星须填写月份（1至12）。", "input.month")
    elif month is not None:
        raise Refusal(RefusalCode.INVALID_INPUT, "只有每月之星填写月份。", "input.month")


async def _honoree_exists(ctx: HubContext, kind: HonoreeKind, code: str) -> None:
    if kind is HonoreeKind.HOUSEHOLD:
        return
    model = Member if kind is HonoreeKind.MEMBER else WorkUnit
    async with ctx.sources.units.session() as units:
        found = await units.scalar(select(model.id).where(model.code == code))
    if found is None:
        what = "党员" if kind is HonoreeKind.MEMBER else "单位"
        raise Refusal(RefusalCode.NOT_FOUND, f"未找到该{what}：{code}。", "input.honoreeCode")


async def award(
    ctx: HubContext,
    *,
    title: CommendationTitle,
    honoree_kind: HonoreeKind,
    honoree_code: str,
    community_code: str | None,
    year: int,
    month: int | None,
    reason: str,
    key: str | None,
) -> Commendation:
    """Commend (表彰): the community committee (社区表彰, its own community) or the district
    (区级表彰, a community optional)."""
    viewer = ctx.viewer
    level = _level(ctx)
    if level is CommendationLevel.COMMUNITY:
        if community_code is not None and community_code != viewer.community:
            raise PermissionError("a community commends in its own name only")
        community_code = viewer.community
    why = _text(reason, "请填写表彰事由。", "input.reason")
    code = _text(honoree_code, "请填写表彰对象。", "input.honoreeCode")
    _period(title, year, month)
    await _honoree_exists(ctx, honoree_kind, code)
    mutation = "awardCommendation"
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Commendation, f"{honoree_kind.value}:{code}")
        earlier = await replayed(ctx, session, Commendation, mutation, key)
        if earlier is not None:
            return earlier
        community_id = None
        if community_code is not None:
            community_id = await community_id_of(session, community_code)
        if (
            level is CommendationLevel.COMMUNITY
            and honoree_kind is HonoreeKind.MEMBER
            and not await is_supporter(session, code, community_id or 0)
        ):
            raise Refusal(RefusalCode.NOT_REPORTED, "该党员未向本社区报到，不能由本社区表彰。",
                          "input.honoreeCode")  # fmt: skip
        same = await session.scalar(
            select(Commendation.id).where(
                Commendation.title == title, Commendation.level == level,
                Commendation.honoree_kind == honoree_kind, Commendation.honoree_code == code,
                Commendation.year == year,
                Commendation.month.is_(None) if month is None else Commendation.month == month,
                Commendation.status == CommendationStatus.ACTIVE,
            )
        )  # fmt: skip
        if same is not None:
            raise Refusal(RefusalCode.DUPLICATE, f"该对象已获{TITLE_NAMES[title]}（同一期）。",
                          "input.honoreeCode")  # fmt: skip
        row = Commendation(
            title=title, level=level, community_id=community_id, honoree_kind=honoree_kind,
            honoree_code=code, year=year, month=month, reason=why,
            status=CommendationStatus.ACTIVE, awarded_by=viewer.subject, awarded_at=utcnow(),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, viewer, ENTITY, row.id, None, CommendationStatus.ACTIVE.value,
               f"{TITLE_NAMES[title]}：{why}")  # fmt: skip
        remember(session, viewer, mutation, key, row.id)
    return row


async def revoke(ctx: HubContext, commendation_id: int, reason: str) -> Commendation:
    """Revoke a commendation (撤销表彰): whoever awarded it (the community committee its
    community's, the district its own), with a reason; the row stays, revoked."""
    viewer = ctx.viewer
    level = _level(ctx)
    why = _text(reason, "请填写撤销原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Commendation, commendation_id)
        row = await session.get(Commendation, commendation_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.commendationId")
        if row.level is not level:
            raise PermissionError("revoked only at the level that awarded it")
        if level is CommendationLevel.COMMUNITY and (
            await community_code_of(session, row.community_id) != viewer.community
        ):
            raise PermissionError("another community's commendation")
        if row.status is not CommendationStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, "该表彰已撤销。", "input.commendationId")
        row.status = CommendationStatus.REVOKED
        row.revoked_reason = why
        row.revoked_by = viewer.subject
        row.revoked_at = utcnow()
        record(session, viewer, ENTITY, row.id, CommendationStatus.ACTIVE.value,
               CommendationStatus.REVOKED.value, why)  # fmt: skip
    return row
