"""Where a resident lives (住址), as orders and demands record it: a building of the
community and, within it, the unit (单元), floor and room (门牌). Position holders' scope
is read from these (datasources/community/positions.py): a 单元长 sees his unit's rows, a
党员中心户 the floors and rooms assigned to him."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community.models import Building, Compound
from resolvers.workflow import Refusal, RefusalCode


@dataclass(frozen=True)
class Address:
    building_id: int | None = None
    unit_no: int | None = None
    floor: int | None = None
    room: str | None = None


async def address_in(
    session: AsyncSession, community_id: int, building_code: str | None,
    unit: int | None, floor: int | None, room: str | None,
) -> Address:  # fmt: skip
    """The address, checked: a building of the community (NOT_FOUND otherwise), a unit
    within its entrances, a floor within its floors, a room of at most 16 characters; a
    unit, floor or room needs the building (INVALID_INPUT)."""
    room = (room or "").strip() or None
    if building_code is None:
        if (unit, floor, room) != (None, None, None):
            raise Refusal(RefusalCode.INVALID_INPUT, "填写单元、楼层或门牌时请同时填写楼栋。",
                          "input.buildingCode")  # fmt: skip
        return Address()
    building = await session.scalar(
        select(Building)
        .join(Compound, Building.compound_id == Compound.id)
        .where(Building.code == building_code, Compound.community_id == community_id)
    )
    if building is None:
        raise Refusal(RefusalCode.NOT_FOUND, "该社区没有这个楼栋。", "input.buildingCode")
    if unit is not None and not 1 <= unit <= building.entrances:
        raise Refusal(RefusalCode.INVALID_INPUT,
                      f"单元须在 1 至 {building.entrances} 之间。", "input.unitNumber")  # fmt: skip
    if floor is not None and not 1 <= floor <= building.floors:
        raise Refusal(RefusalCode.INVALID_INPUT,
                      f"楼层须在 1 至 {building.floors} 之间。", "input.floor")  # fmt: skip
    if room is not None and len(room) > 16:
        raise Refusal(RefusalCode.INVALID_INPUT, "门牌号不超过 16 个字符。", "input.room")
    return Address(building.id, unit, floor, room)
