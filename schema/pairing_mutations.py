"""Mutations of unit pairing (单位报到/结对共建): pair, end."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from resolvers import pairing
from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info
from schema.mutations import Change, UserError, mutate, mutate_node, not_found, refused
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


def _pairing(row: object) -> PairingPayload:
    return PairingPayload(pairing=UnitPairing.from_row(row))


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
        action = pairing.pair(
            info.context,
            unit_code=input.unit_code,
            community_code=input.community_code,
            contact=input.contact_name,
            key=input.client_mutation_id,
        )
        change = Change(
            name="pairUnit",
            entity="UnitPairing",
            key=input.client_mutation_id,
            forbidden="只有该社区或该单位可以发起结对。",
            detail={"unit": input.unit_code, "community": input.community_code},
        )
        return await mutate(info, change, PairingPayload, action, _pairing)

    @strawberry.mutation(description="End a pairing (结束结对): either side, with a reason.")
    async def end_pairing(
        self,
        info: Info,
        input: Annotated[EndPairingInput, strawberry.argument(description="Which and why.")],
    ) -> PairingPayload:
        key = input.client_mutation_id
        if not input.reason.strip():
            blank = Refusal(RefusalCode.INVALID_INPUT, "结束结对须说明原因。", "input.reason")
            return refused(PairingPayload, blank, key)
        change = Change(
            name="endPairing",
            entity="UnitPairing",
            key=key,
            forbidden="只有结对双方可以结束结对。",
            detail={"reason": input.reason},
        )
        return await mutate_node(
            info, change, PairingPayload, input.pairing_id,
            lambda pairing_id: pairing.end(info.context, pairing_id, input.reason),
            _pairing, unknown=not_found("未找到该结对记录。", "input.pairingId"),
        )  # fmt: skip
