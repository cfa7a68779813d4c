"""Mutations of unit pairing (单位报到/结对共建): pair, end."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import pairing
from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info
from schema.mutations import UserError, as_user_error, attempt, node_id_of
from schema.reporting import UnitPairing


@strawberry.input(description="Pair a unit's Party organisation with a community (结对).")
class PairUnitInput:
    unit_code: str = strawberry.field(description="The unit (单位编码).")
    community_code: str = strawberry.field(description="The community (社区编码).")
    contact_name: str | None = strawberry.field(default=None, description="Liaison (联络人).")
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Idempotency key: a retry returns the first result."
    )


@strawberry.input(description="End an active pairing, with a reason (结束结对).")
class EndPairingInput:
    pairing_id: relay.GlobalID = strawberry.field(description="The pairing (结对记录ID).")
    reason: str = strawberry.field(description="Why it ends (结束原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.type(description="Result of a pairing mutation.")
class PairingPayload:
    pairing: UnitPairing | None = strawberry.field(description="The pairing; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _refused(refusal: Refusal | UserError, key: str | None) -> PairingPayload:
    return PairingPayload(
        pairing=None, user_errors=[as_user_error(refusal)], client_mutation_id=key
    )


@strawberry.type(description="Mutations of unit pairing (结对共建).")
class PairingMutation:
    @strawberry.mutation(
        description="Pair a unit with a community (单位报到/结对): the community or the unit."
    )
    async def pair_unit(
        self,
        info: Info,
        input: Annotated[PairUnitInput, strawberry.argument(description="The pairing.")],
    ) -> PairingPayload:
        ctx = info.context
        row = await attempt(
            info,
            "pairUnit",
            "UnitPairing",
            [],
            pairing.pair(
                ctx,
                unit_code=input.unit_code,
                community_code=input.community_code,
                contact=input.contact_name,
                key=input.client_mutation_id,
            ),
            forbidden="只有该社区或该单位可以发起结对。",
        )
        if isinstance(row, UserError):
            return _refused(row, input.client_mutation_id)
        ctx.audit.mutation("pairUnit", "UnitPairing", [str(row.id)], unit=input.unit_code,
                           community=input.community_code)  # fmt: skip
        return PairingPayload(
            pairing=UnitPairing.from_row(row), user_errors=[],
            client_mutation_id=input.client_mutation_id,
        )  # fmt: skip

    @strawberry.mutation(description="End a pairing (结束结对): either side, with a reason.")
    async def end_pairing(
        self,
        info: Info,
        input: Annotated[EndPairingInput, strawberry.argument(description="Which and why.")],
    ) -> PairingPayload:
        ctx = info.context
        key = input.client_mutation_id
        if not input.reason.strip():
            return _refused(
                Refusal(RefusalCode.INVALID_INPUT, "结束结对须说明原因。", "input.reason"), key
            )
        pairing_id = node_id_of(input.pairing_id, "UnitPairing")
        if pairing_id is None:
            return _refused(
                Refusal(RefusalCode.NOT_FOUND, "未找到该结对记录。", "input.pairingId"), key
            )
        row = await attempt(
            info,
            "endPairing",
            "UnitPairing",
            [str(pairing_id)],
            pairing.end(ctx, pairing_id, input.reason),
            forbidden="只有结对双方可以结束结对。",
        )
        if isinstance(row, UserError):
            return _refused(row, key)
        ctx.audit.mutation("endPairing", "UnitPairing", [str(row.id)], reason=input.reason)
        return PairingPayload(
            pairing=UnitPairing.from_row(row), user_errors=[], client_mutation_id=key
        )
