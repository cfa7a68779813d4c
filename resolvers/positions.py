"""Positions (职务): the community appoints and revokes its 三长 (小区长, 楼栋长, 单元长)
and 党员中心户. A holder signs in as `position_holder` with his position's code; revoking
the position ends his access at once (datasources/community/positions.py)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community.models import Building, Compound
from datasources.community.position_models import HolderKind, Position, PositionKind
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

if TYPE_CHECKING:
    from resolvers.context import HubContext

POSITION = "Position"
NOT_FOUND = "未找到该职务记录。"
KIND_NAMES = {PositionKind.COMPOUND_LEADER: "小区长", PositionKind.BUILDING_LEADER: "楼栋长",
              PositionKind.UNIT_LEADER: "单元长", PositionKind.MEMBER_HOUSEHOLD: "党员中心户"}  # fmt: skip


def _text(value: str | None, field: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise Refusal(RefusalCode.INVALID_INPUT, f"请填写{what}（不超过 {limit} 个字符）。", field)
    return value


def unit_number(label: str | None, entrances: int) -> int:
    """The unit (单元) a label names ("2单元" or "2"), within the building's units."""
    text = (label or "").strip().removesuffix("单元").strip()
    if not text.isdigit() or not 1 <= int(text) <= entrances:
        raise Refusal(RefusalCode.INVALID_INPUT,
                      f"单元须为该楼的 1 至 {entrances} 单元（如“2单元”）。", "input.unitLabel")  # fmt: skip
    return int(text)


async def _place(
    session: AsyncSession, kind: PositionKind, compound_code: str, building_code: str | None
) -> tuple[Compound, Building | None]:
    compound = await session.scalar(select(Compound).where(Compound.code == compound_code))
    if compound is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该小区。", "input.compoundCode")
    if kind is PositionKind.COMPOUND_LEADER:
        if building_code is not None:
            raise Refusal(RefusalCode.INVALID_INPUT, "小区长不对应楼栋。", "input.buildingCode")
        return compound, None
    building = None
    if building_code is not None:
        building = await session.scalar(
            select(Building).where(
                Building.code == building_code, Building.compound_id == compound.id
            )
        )
    if building is None:
        raise Refusal(RefusalCode.NOT_FOUND, "该小区中未找到这栋楼。", "input.buildingCode")
    return compound, building


async def appoint(
    ctx: HubContext, *, kind: PositionKind, holder_kind: HolderKind, holder_code: str,
    holder_name: str, compound_code: str, building_code: str | None, unit_label: str | None,
    starts_on: date, ends_on: date, key: str | None, holder_subject: str | None = None,
) -> Position:  # fmt: skip
    """Appoint a holder to a position (任命三长/党员中心户): the compound's community. One
    holder in force per 小区长, 楼栋长 or 单元长 place; 党员中心户 are members, several per
    building, each once. The holder signs in with `holder_subject` (default: his code) at
    the issuer of the committee's own token (the identity provider the hub trusts)."""
    viewer = ctx.viewer
    holder_code = _text(holder_code, "input.holderCode", "任职人编码", 120)
    holder_name = _text(holder_name, "input.holderName", "任职人姓名", 40)
    subject = holder_code
    if holder_subject is not None:
        subject = _text(holder_subject, "input.holderSubject", "任职人登录账号", 120)
    unit = (unit_label or "").strip() or None
    if kind is PositionKind.UNIT_LEADER:
        unit = _text(unit, "input.unitLabel", "单元", 16)
    elif unit is not None:
        raise Refusal(RefusalCode.INVALID_INPUT, "只有单元长对应单元。", "input.unitLabel")
    if kind is PositionKind.MEMBER_HOUSEHOLD and holder_kind is not HolderKind.MEMBER:
        raise Refusal(RefusalCode.INVALID_INPUT, "党员中心户须由党员担任。", "input.holderKind")
    if ends_on < starts_on:
        raise Refusal(RefusalCode.INVALID_INPUT, "任期结束日期不能早于开始日期。", "input.endsOn")
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, Position, "appointPosition", key)
        if earlier is not None:
            return earlier
        compound, building = await _place(session, kind, compound_code, building_code)
        building_id = None if building is None else building.id
        if not manages_community(viewer, await community_code_of(session, compound.community_id)):
            raise PermissionError("positions are appointed by the compound's community")
        unit_no = None
        if unit is not None and building is not None:
            unit_no = unit_number(unit, building.entrances)
            unit = f"{unit_no}单元"
        await write_lock(session, Compound, compound.id)  # one appointment per place at a time
        same_place = and_(
            Position.kind == kind, Position.compound_id == compound.id,
            Position.revoked_at.is_(None), Position.starts_on <= ends_on,
            Position.ends_on >= starts_on,
        )  # fmt: skip
        if kind is PositionKind.MEMBER_HOUSEHOLD:
            same_place = and_(same_place, Position.holder_code == holder_code)
        else:
            same_place = and_(same_place, Position.building_id.is_(building_id)
                              if building_id is None else Position.building_id == building_id)  # fmt: skip
            if unit_no is not None:
                same_place = and_(same_place, Position.unit_no == unit_no)
        if await session.scalar(select(Position.id).where(same_place)) is not None:
            raise Refusal(RefusalCode.DUPLICATE,
                          f"该处在此任期内已有{KIND_NAMES[kind]}，请先撤销。", "input.kind")  # fmt: skip
        position = Position(
            code=f"POS-{secrets.token_hex(5).upper()}", community_id=compound.community_id,
            kind=kind, holder_kind=holder_kind, holder_code=holder_code, holder_name=holder_name,
            compound_id=compound.id, building_id=building_id, unit_label=unit, unit_no=unit_no,
            starts_on=starts_on, ends_on=ends_on, holder_subject=subject,
            holder_issuer=viewer.issuer,
        )  # fmt: skip
        session.add(position)
        await session.flush()
        record(session, viewer, POSITION, position.id, None, "appointed")
        remember(session, viewer, "appointPosition", key, position.id)
    return position


async def revoke(ctx: HubContext, position_id: int, reason: str) -> Position:
    """Revoke a position (撤销职务) before its term ends: its community. The holder's token
    is refused from the next request on."""
    viewer = ctx.viewer
    reason = _text(reason, "input.reason", "撤销原因", 2000)
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, Position, position_id)
        position = await session.get(Position, position_id, with_for_update=True)
        if position is None:
            raise Refusal(RefusalCode.NOT_FOUND, NOT_FOUND, "input.positionId")
        if not manages_community(viewer, await community_code_of(session, position.community_id)):
            raise PermissionError("positions are revoked by their community")
        if position.revoked_at is not None:
            raise Refusal(RefusalCode.INVALID_STATE, "该职务已撤销。", "input.positionId")
        position.revoked_at, position.revoked_reason = utcnow(), reason
        record(session, viewer, POSITION, position.id, "appointed", "revoked", note=reason)
    return position
