"""Micro-wishes (微心愿): a community publishes a wish for a resident in need, one member
claims and fulfils it, the community confirms it.

Published wishes are public; all wishes of a community for its community roles; a claimed
wish for the member who claimed it. The resident's name is personal: members see the
surname only.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from datasources.community import lists
from resolvers import wishes
from schema.attachments import PHOTOS_DESCRIPTION, Attachment, Upload, attachments
from schema.base import HubNode, Info, loaded_by
from schema.enums import DemandClaimantKind, MicroWishStatus
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate, mutate_node, not_found
from schema.pagination import (
    Connection,
    OrderDirection,
    paginate,
)
from schema.personal import Personal
from schema.places import Community

if TYPE_CHECKING:
    from schema.lists import ServiceCategory
    from schema.units import Member, WorkUnit

_LISTS = "schema.lists"
_UNITS = "schema.units"


@strawberry.enum(description="How to sort micro-wishes: by publication time (发布时间).")
class MicroWishOrder(Enum):
    CREATED_AT = "created_at"
    CLAIMED_AT = "claimed_at"


@strawberry.input(description="Filters for micro-wishes (微心愿筛选); all given must hold.")
class MicroWishFilter:
    statuses: list[MicroWishStatus] | None = strawberry.field(
        default=None, description="Only wishes in one of these states (状态); any when omitted."
    )

    def to_filter(self) -> lists.MicroWishFilter:
        return lists.MicroWishFilter(
            statuses=None if self.statuses is None else tuple(self.statuses)
        )


@strawberry.type(
    description="A micro-wish (微心愿) a community publishes for a resident in need: claimed "
    "by exactly one member, fulfilled by him, confirmed by the community. Published wishes "
    "are public."
)
class MicroWish(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.micro_wish_by_id)

    id: relay.NodeID[int]
    title: str = strawberry.field(description="The wish (心愿内容).")
    description: str | None = strawberry.field(description="Details (心愿说明).")
    status: MicroWishStatus = strawberry.field(description="Its state (微心愿状态).")
    claimed_at: datetime | None = strawberry.field(
        description="When a member claimed it (认领时间), null before."
    )
    fulfilled_at: datetime | None = strawberry.field(
        description="When he fulfilled it (实现时间), null before."
    )
    confirmed_at: datetime | None = strawberry.field(
        description="When the community confirmed it (确认时间), null before."
    )
    fulfilment_note: str | None = strawberry.field(
        description="What the member reported on fulfilling it (完成情况)."
    )
    created_at: datetime = strawberry.field(description="When it was published (发布时间).")
    community_id: strawberry.Private[int]
    category_id: strawberry.Private[int | None]
    claimant_kind: DemandClaimantKind | None = strawberry.field(
        description="Who claimed it (认领方): a member or a unit (单位认领); null before a claim."
    )
    claimed_by: strawberry.Private[str | None]
    claimed_by_unit: strawberry.Private[str | None]
    beneficiary_name: strawberry.Private[str]  # personal: read through beneficiaryName

    @strawberry.field(
        name="beneficiaryName",
        description="The resident in need (心愿人): in full for the community, the surname "
        "only (张**) for members.",
        extensions=[
            Personal("MicroWish", "beneficiaryName", hidden="**", subject=("MicroWish", "id"))
        ],
    )
    async def beneficiary_name_as_seen(self) -> str:
        return self.beneficiary_name

    @strawberry.field(description="The community that published it (发布社区).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="Its service category (服务类别), if one was given.")
    async def category(
        self, info: Info
    ) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)] | None:
        from schema.lists import ServiceCategory

        if self.category_id is None:
            return None
        return ServiceCategory.from_optional_row(
            await info.context.community.category_by_id.load(self.category_id)
        )

    @strawberry.field(description="Code of the member who claimed it (认领党员编码), if any.")
    def claimed_by_code(self) -> str | None:
        return self.claimed_by

    @strawberry.field(description="Code of the unit that claimed it (认领单位编码), if a unit did.")
    def claimed_by_unit_code(self) -> str | None:
        return self.claimed_by_unit

    @strawberry.field(
        name="claimedByUnit",
        description="The unit that claimed it, from the work-unit side (认领单位); null when a "
        "member claimed it, before a claim, or out of scope.",
    )
    async def claimed_by_unit_node(
        self, info: Info
    ) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        if self.claimed_by_unit is None:
            return None
        row = await info.context.units.work_unit_by_code.load(self.claimed_by_unit)
        return WorkUnit.from_optional_row(row)

    @strawberry.field(
        name="claimedBy",
        description="The member who claimed it, from the work-unit side (认领党员); null "
        "before a claim or when out of scope.",
    )
    async def claimed_by_member(
        self, info: Info
    ) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        if self.claimed_by is None:
            return None
        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.claimed_by)
        )

    @strawberry.field(description="Every state change of the wish, oldest first (心愿记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, wishes.WISH, self.id)

    @strawberry.field(
        description="Files uploaded when it was reported fulfilled (完成照片), oldest first."
    )
    async def attachments(self, info: Info) -> list[Attachment]:
        return await attachments(info, wishes.WISH, self.id)


async def community_wishes(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: MicroWishFilter | None,
) -> Connection[MicroWish]:  # fmt: skip
    return await paginate(
        info, info.context.community.micro_wishes_of_community, community_id,
        MicroWish.from_row, first=first, after=after, order_by=MicroWishOrder.CREATED_AT,
        direction=OrderDirection.DESC, filter=filter or MicroWishFilter(),
    )  # fmt: skip


async def member_wishes(
    info: Info, member_code: str, *, first: int, after: str | None
) -> Connection[MicroWish]:
    return await paginate(
        info, info.context.community.micro_wishes_of_member, member_code, MicroWish.from_row,
        first=first, after=after, order_by=MicroWishOrder.CLAIMED_AT,
        direction=OrderDirection.DESC, filter=MicroWishFilter(),
    )  # fmt: skip


# --- mutations -------------------------------------------------------------------------


@strawberry.input(description="Publish a micro-wish of the community (发布微心愿).")
class PublishMicroWishInput:
    community_code: str = strawberry.field(description="The publishing community (社区编码).")
    title: str = strawberry.field(description="The wish (心愿内容).")
    beneficiary_name: str = strawberry.field(description="The resident in need (心愿人姓名).")
    description: str | None = strawberry.field(default=None, description="Details (心愿说明).")
    category_code: str | None = strawberry.field(
        default=None, description="Its service category (服务类别编码), optional."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Claim a published micro-wish (认领微心愿).")
class ClaimMicroWishInput:
    wish_id: relay.GlobalID = strawberry.field(description="The wish (微心愿ID).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Report a claimed micro-wish fulfilled (完成微心愿).")
class FulfilMicroWishInput:
    wish_id: relay.GlobalID = strawberry.field(description="The wish (微心愿ID).")
    note: str = strawberry.field(description="How it was fulfilled (完成情况), required.")
    photos: list[Upload] | None = strawberry.field(
        default=None, description=PHOTOS_DESCRIPTION + " (完成照片)"
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Confirm a fulfilled micro-wish (确认微心愿).")
class ConfirmMicroWishInput:
    wish_id: relay.GlobalID = strawberry.field(description="The wish (微心愿ID).")
    note: str | None = strawberry.field(default=None, description="Remark (确认说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Withdraw a micro-wish not yet fulfilled (撤回微心愿).")
class WithdrawMicroWishInput:
    wish_id: relay.GlobalID = strawberry.field(description="The wish (微心愿ID).")
    reason: str | None = strawberry.field(default=None, description="Why (撤回原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a micro-wish mutation (微心愿操作结果).")
class MicroWishPayload:
    micro_wish: MicroWish | None = strawberry.field(description="The wish; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _wish(row: object) -> MicroWishPayload:
    return MicroWishPayload(micro_wish=MicroWish.from_row(row))


_UNKNOWN = not_found(wishes.NOT_FOUND, "input.wishId")


@strawberry.type(description="Mutations of micro-wishes (微心愿).")
class WishesMutation:
    @strawberry.mutation(
        description="Publish a micro-wish (发布微心愿): the community, or a grid secretary "
        "for his community."
    )
    async def publish_micro_wish(
        self,
        info: Info,
        input: Annotated[PublishMicroWishInput, strawberry.argument(description="The wish.")],
    ) -> MicroWishPayload:
        action = wishes.publish(
            info.context,
            community_code=input.community_code,
            category_code=input.category_code,
            title=input.title,
            description=input.description,
            beneficiary_name=input.beneficiary_name,
            key=input.client_mutation_id,
        )
        change = Change(name="publishMicroWish", entity="MicroWish", key=input.client_mutation_id,
                        forbidden="只有本社区可以发布微心愿。",
                        detail={"community": input.community_code})  # fmt: skip
        return await mutate(info, change, MicroWishPayload, action, _wish)

    @strawberry.mutation(
        description="Claim a micro-wish (认领微心愿): a member with an active report to its "
        "community (else NOT_REPORTED), or a unit branch for its unit paired with the "
        "community (单位认领, else NOT_PAIRED). Exactly one claimant, member or unit: refused "
        "when already claimed (ALREADY_CLAIMED) or no longer published (INVALID_STATE)."
    )
    async def claim_micro_wish(
        self,
        info: Info,
        input: Annotated[ClaimMicroWishInput, strawberry.argument(description="The wish.")],
    ) -> MicroWishPayload:
        change = Change(name="claimMicroWish", entity="MicroWish", key=input.client_mutation_id,
                        forbidden="只有党员本人或结对单位党组织可以认领微心愿。")  # fmt: skip
        return await mutate_node(
            info, change, MicroWishPayload, input.wish_id,
            lambda wish_id: wishes.claim(info.context, wish_id, input.client_mutation_id), _wish, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Report a claimed micro-wish fulfilled (完成微心愿): its claimant (the "
        "member, or the unit branch for its unit), with a note."
    )
    async def fulfil_micro_wish(
        self,
        info: Info,
        input: Annotated[FulfilMicroWishInput, strawberry.argument(description="The wish.")],
    ) -> MicroWishPayload:
        change = Change(name="fulfilMicroWish", entity="MicroWish", key=input.client_mutation_id,
                        forbidden="只有认领的党员或单位可以完成微心愿。")  # fmt: skip
        return await mutate_node(
            info, change, MicroWishPayload, input.wish_id,
            lambda wish_id: wishes.fulfil(info.context, wish_id, input.note, input.photos),
            _wish, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(description="Confirm a fulfilled micro-wish (确认微心愿): its community.")
    async def confirm_micro_wish(
        self,
        info: Info,
        input: Annotated[ConfirmMicroWishInput, strawberry.argument(description="The wish.")],
    ) -> MicroWishPayload:
        change = Change(name="confirmMicroWish", entity="MicroWish", key=input.client_mutation_id,
                        forbidden="只有发布微心愿的社区可以确认。", detail={"note": input.note})  # fmt: skip
        return await mutate_node(
            info, change, MicroWishPayload, input.wish_id,
            lambda wish_id: wishes.confirm(info.context, wish_id, input.note), _wish, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Withdraw a micro-wish not yet fulfilled (撤回微心愿): its community. "
        "Nothing is deleted: the wish stays, withdrawn, with its history."
    )
    async def withdraw_micro_wish(
        self,
        info: Info,
        input: Annotated[WithdrawMicroWishInput, strawberry.argument(description="The wish.")],
    ) -> MicroWishPayload:
        change = Change(name="withdrawMicroWish", entity="MicroWish", key=input.client_mutation_id,
                        forbidden="只有发布微心愿的社区可以撤回。", detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, MicroWishPayload, input.wish_id,
            lambda wish_id: wishes.withdraw(info.context, wish_id, input.reason), _wish, unknown=_UNKNOWN,
        )  # fmt: skip
