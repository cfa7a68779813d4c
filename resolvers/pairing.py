"""Unit pairing (单位报到/结对共建): a unit's Party organisation and a community pair up,
and either side can end it. One active pairing per unit and community."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from datasources.community.models import PairingStatus, UnitPairing
from datasources.scope import Role
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_id_of,
    record,
    remember,
    replayed,
    today_in_china,
)

PAIRING = "UnitPairing"


async def pair(
    ctx: HubContext, *, unit_code: str, community_code: str, contact: str | None, key: str | None
) -> UnitPairing:
    """Pair a unit with a community: the community or the unit itself may start it."""
    viewer = ctx.viewer
    if not (
        (viewer.role is Role.COMMUNITY and viewer.community == community_code)
        or (viewer.role is Role.UNIT_BRANCH and viewer.unit == unit_code)
    ):
        raise PermissionError("only the community or the unit may start a pairing")
    if await ctx.units.work_unit_by_code.load(unit_code) is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该单位。", "input.unitCode")
    try:
        async with ctx.sources.community.transaction() as session:
            earlier = await replayed(ctx, session, UnitPairing, "pairUnit", key)
            if earlier is not None:
                return earlier
            community_id = await community_id_of(session, community_code)
            pairing = UnitPairing(
                unit_code=unit_code, community_id=community_id, started_on=today_in_china(),
                status=PairingStatus.ACTIVE, contact_name=contact,
            )  # fmt: skip
            session.add(pairing)
            await session.flush()
            record(session, viewer, PAIRING, pairing.id, None, PairingStatus.ACTIVE.value)
            remember(session, viewer, "pairUnit", key, pairing.id)
    except IntegrityError as exc:
        raise Refusal(RefusalCode.DUPLICATE, "该单位已与该社区结对。", "input.unitCode") from exc
    return pairing


async def end(ctx: HubContext, pairing_id: int, reason: str) -> UnitPairing:
    """End an active pairing: either side may, with a reason."""
    if ctx.viewer.role not in (Role.COMMUNITY, Role.UNIT_BRANCH):
        raise PermissionError("only the two sides may end a pairing")
    in_scope = await ctx.community.pairing_by_id.load(pairing_id) is not None
    async with ctx.sources.community.transaction() as session:
        pairing = await session.get(UnitPairing, pairing_id, with_for_update=True)
        if pairing is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该结对记录。", "input.pairingId")
        if not in_scope:
            raise PermissionError("the pairing belongs to other parties")
        if pairing.status is not PairingStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, "该结对已经结束，不能再次结束。")
        pairing.status = PairingStatus.ENDED
        pairing.ended_on = today_in_china()
        record(session, ctx.viewer, PAIRING, pairing.id, PairingStatus.ACTIVE.value,
               PairingStatus.ENDED.value, reason)  # fmt: skip
    return pairing
