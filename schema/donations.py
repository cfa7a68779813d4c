"""Donations (爱心捐赠, 捐款捐物): types, mutations, the root `myDonations`; a community's
donations and its figures of a year are fields of `Community`.

Read rules: a donation for the community roles of its community and the donor himself (the
district and the auditor all). The recipient household is personal data, loaded through the
household rules: the community's own roles see to whom, the donor sees that and when it was
handed over, not to whom (`recipient` is null for him).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community.donations import lists, models
from resolvers import donations
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import between, text
from schema.history import StateEvent, history
from schema.master import Household
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import (
    Change,
    UserError,
    audit_result,
    mutate,
    mutate_node,
    node_id_of,
    not_found,
)
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)

strawberry.enum(
    models.DonorKind, description="Who donates (捐赠方): MEMBER 党员, UNIT 结对单位, RESIDENT 居民."
)
strawberry.enum(models.DonationKind, description="Kind (捐赠类型): GOODS 捐物, MONEY 捐款.")
strawberry.enum(
    models.DonationStatus,
    description="State of a donation (捐赠状态): OFFERED 待确认, ACCEPTED 已接收, DECLINED "
    "已婉拒, HANDED_OVER 已交接, PASSED_ON 已转赠.",
)
DonorKind: TypeAlias = models.DonorKind
DonationKind: TypeAlias = models.DonationKind
DonationStatus: TypeAlias = models.DonationStatus

_ID = "The donation (捐赠ID)."
_GONE = not_found(donations.NOT_FOUND, "input.donationId")


@strawberry.enum(description="How to sort donations (捐赠排序).")
class DonationOrder(Enum):
    OFFERED_AT = "offered_at"


@strawberry.input(description="Filters for donations (捐赠筛选); all given must hold.")
class DonationFilter:
    statuses: list[DonationStatus] | None = strawberry.field(
        default=None, description="Only these states."
    )
    kinds: list[DonationKind] | None = strawberry.field(default=None, description="Goods/money.")
    donor_kinds: list[DonorKind] | None = strawberry.field(
        default=None, description="Only these kinds of donor (捐赠方)."
    )

    def to_filter(self) -> lists.DonationFilter:
        return lists.DonationFilter(
            statuses=as_tuple(self.statuses), kinds=as_tuple(self.kinds),
            donor_kinds=as_tuple(self.donor_kinds),
        )  # fmt: skip


@strawberry.type(
    description="A community's donations offered in a year (捐赠情况): figures, not donors. "
    "Not service: no member's hours, points or appraisal count them."
)
class DonationFigures:
    year: int = strawberry.field(description="The year (年度), China time, of the offer.")
    total: int = strawberry.field(description="Donations offered, in any state (捐赠数).")
    offered: int = strawberry.field(description="Waiting for a decision (待确认).")
    accepted: int = strawberry.field(description="Accepted, not yet handed over (已接收).")
    declined: int = strawberry.field(description="Declined (已婉拒).")
    handed_over: int = strawberry.field(description="Handed over to a household (已交接).")
    passed_on: int = strawberry.field(description="Passed on (已转赠).")
    goods_pieces: int = strawberry.field(description="Pieces of goods accepted (物品件数).")
    money_yuan: int = strawberry.field(description="Yuan of money accepted (捐款金额，元).")


@strawberry.type(
    description="A donation (爱心捐赠) of goods or money to a community by a member, a paired "
    "unit or a resident: accepted or declined by the community, then handed over to a "
    "household in need (交接) or passed on (转赠)."
)
class Donation(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.donations.donation_by_id)

    id: relay.NodeID[int]
    donor_kind: DonorKind = strawberry.field(description="Who donates (捐赠方).")
    donor_code: str | None = strawberry.field(
        description="The member's or unit's code (捐赠方编码); null for a resident."
    )
    kind: DonationKind = strawberry.field(description="Goods or money (类型).")
    description: str = strawberry.field(description="What is given (捐赠内容).")
    quantity: int = strawberry.field(description="Pieces for goods, yuan for money (数量/金额).")
    status: DonationStatus = strawberry.field(description="State (状态).")
    offered_at: datetime = strawberry.field(description="When offered (捐赠时间).")
    decided_at: datetime | None = strawberry.field(description="When accepted or declined.")
    declined_reason: str | None = strawberry.field(description="Why declined (婉拒原因).")
    handed_over_at: datetime | None = strawberry.field(
        description="When handed over (交接时间) or passed on; the donor sees it too."
    )
    handed_over_by: str | None = strawberry.field(description="Who handed it over (经手人).")
    handover_note: str | None = strawberry.field(description="Evidence of the hand-over (凭证).")
    passed_to: str | None = strawberry.field(description="Passed on to (转赠对象).")
    passed_reason: str | None = strawberry.field(description="Why passed on (转赠原因).")
    recipient_household_id: strawberry.Private[int | None]

    @strawberry.field(
        description="The household it was handed over to (受助家庭): personal data, through "
        "the household rules — the community's own roles; null for the donor and others."
    )
    async def recipient(self, info: Info) -> Household | None:
        if self.recipient_household_id is None:
            return None
        row = await info.context.community.household_by_id.load(self.recipient_household_id)
        return None if row is None else Household.from_row(row)

    @strawberry.field(
        description="Every step (捐赠记录), oldest first: offered, accepted or declined (with "
        "the reason), handed over (with the evidence note) or passed on."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, donations.ENTITY, self.id)


@strawberry.input(description="Offer a donation to a community (发起捐赠).")
class OfferDonationInput:
    community_code: str = strawberry.field(metadata=text(32), description="The community.")
    kind: DonationKind = strawberry.field(description="Goods or money (类型).")
    description: str = strawberry.field(metadata=text(500), description="What (捐赠内容).")
    quantity: int = strawberry.field(
        metadata=between(1, donations.MAX_QUANTITY),
        description="Pieces for goods, whole yuan for money (数量/金额).",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Accept or decline an offered donation (接收/婉拒捐赠).")
class DecideDonationInput:
    donation_id: relay.GlobalID = strawberry.field(description=_ID)
    accept: bool = strawberry.field(description="True to accept, false to decline.")
    reason: str | None = strawberry.field(
        default=None, metadata=text(500), description="Why declined (婉拒原因), required then."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Hand an accepted donation over to a household (捐赠交接).")
class HandOverDonationInput:
    donation_id: relay.GlobalID = strawberry.field(description=_ID)
    household_id: relay.GlobalID = strawberry.field(
        description="The recipient household (受助家庭) of the donation's community."
    )
    note: str = strawberry.field(
        metadata=text(500), description="Evidence (交接凭证说明), e.g. who signed for it."
    )
    handed_over_by: str | None = strawberry.field(
        default=None, metadata=text(120), description="Who handed it over (经手人); the caller."
    )
    handed_over_at: datetime | None = strawberry.field(
        default=None, description="When (交接时间); now when omitted, never in the future."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Pass an accepted donation on (转赠) with a reason.")
class PassOnDonationInput:
    donation_id: relay.GlobalID = strawberry.field(description=_ID)
    passed_to: str = strawberry.field(
        metadata=text(200), description="To whom (转赠对象): a community or organisation."
    )
    reason: str = strawberry.field(metadata=text(500), description="Why (转赠原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a donation mutation (捐赠操作结果).")
class DonationPayload:
    donation: Donation | None = strawberry.field(description="The donation; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _ok(row: models.Donation) -> DonationPayload:
    return DonationPayload(donation=Donation.from_row(row))


_COMMUNITY = "只有捐赠所在社区可以处理该捐赠。"


@strawberry.type(description="Mutations of donations (爱心捐赠).")
class DonationsMutation:
    @strawberry.mutation(
        description="Offer a donation (发起捐赠): a member reported to the community "
        "(NOT_REPORTED otherwise), a unit branch for its unit paired with it (NOT_PAIRED), "
        "or a resident of it; goods in pieces or money in whole yuan."
    )
    async def offer_donation(
        self, info: Info,
        input: Annotated[OfferDonationInput, strawberry.argument(description="It.")],
    ) -> DonationPayload:  # fmt: skip
        given = donations.Offer(community_code=input.community_code, kind=input.kind,
                                description=input.description, quantity=input.quantity)  # fmt: skip
        key = input.client_mutation_id
        change = Change(name="offerDonation", entity=donations.ENTITY, key=key,
                        forbidden="只有党员、居民或结对单位可以发起捐赠。",
                        detail={"communityCode": input.community_code})  # fmt: skip
        return await mutate(info, change, DonationPayload, donations.offer(info.context, given, key),
                            _ok)  # fmt: skip

    @strawberry.mutation(
        description="Accept (接收) or decline (婉拒, with a reason) an offered donation: the "
        "donation's community (committee or grid roles), once (INVALID_STATE again)."
    )
    async def decide_donation(
        self, info: Info,
        input: Annotated[DecideDonationInput, strawberry.argument(description="It.")],
    ) -> DonationPayload:  # fmt: skip
        change = Change(name="decideDonation", entity=donations.ENTITY,
                        key=input.client_mutation_id, forbidden=_COMMUNITY,
                        detail={"accept": input.accept})  # fmt: skip
        return await mutate_node(
            info, change, DonationPayload, input.donation_id,
            lambda row_id: donations.decide(info.context, row_id, input.accept, input.reason),
            _ok, unknown=_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Hand an accepted donation over (捐赠交接) to a household of its "
        "community, with who, when and the evidence: its community (committee or grid "
        "roles), exactly once — a second hand-over or passing-on is INVALID_STATE, also when "
        "two race."
    )
    async def hand_over_donation(
        self, info: Info,
        input: Annotated[HandOverDonationInput, strawberry.argument(description="It.")],
    ) -> DonationPayload:  # fmt: skip
        change = Change(name="handOverDonation", entity=donations.ENTITY,
                        key=input.client_mutation_id, forbidden=_COMMUNITY)  # fmt: skip

        def rule(row_id: int) -> Awaitable[models.Donation]:
            household = node_id_of(input.household_id, "Household")
            given = donations.HandOver(
                household_id=household or 0, handed_over_by=input.handed_over_by,
                handed_over_at=input.handed_over_at, note=input.note,
            )  # fmt: skip
            return donations.hand_over(info.context, row_id, given)

        return await mutate_node(
            info, change, DonationPayload, input.donation_id, rule, _ok, unknown=_GONE,
            audited=audit_result(donations.ENTITY),
        )  # fmt: skip

    @strawberry.mutation(
        description="Pass an accepted donation on (转赠) to another community or organisation "
        "with a reason: its community (committee or grid roles), once (INVALID_STATE again)."
    )
    async def pass_on_donation(
        self, info: Info,
        input: Annotated[PassOnDonationInput, strawberry.argument(description="It.")],
    ) -> DonationPayload:  # fmt: skip
        change = Change(name="passOnDonation", entity=donations.ENTITY,
                        key=input.client_mutation_id, forbidden=_COMMUNITY,
                        detail={"passedTo": input.passed_to})  # fmt: skip
        return await mutate_node(
            info, change, DonationPayload, input.donation_id,
            lambda row_id: donations.pass_on(info.context, row_id, input.passed_to,
                                             input.reason),
            _ok, unknown=_GONE,
        )  # fmt: skip


async def community_donations(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: DonationFilter | None, direction: OrderDirection,
) -> Connection[Donation]:  # fmt: skip
    return await paginate(
        info, info.context.community.donations.donations_of_community, community_id,
        Donation.from_row, first=first, after=after, order_by=DonationOrder.OFFERED_AT,
        direction=direction, filter=filter,
    )  # fmt: skip


async def community_donation_figures(info: Info, community_id: int, year: int) -> DonationFigures:
    f = await info.context.community.donations.figures.load((community_id, year))
    return DonationFigures(
        year=year, total=f.total, offered=f.offered, accepted=f.accepted, declined=f.declined,
        handed_over=f.handed_over, passed_on=f.passed_on, goods_pieces=f.goods_pieces,
        money_yuan=f.money_yuan,
    )  # fmt: skip


@strawberry.type(description="Root fields of donations (爱心捐赠).")
class DonationsQuery:
    @strawberry.field(
        description="My donations (我的捐赠): those the viewer offered himself — a member's "
        "and a unit's by code, a resident's by his identity — newest first by default. Where "
        "each went: its state and when it was handed over, not to whom."
    )
    async def my_donations(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: DonationFilter | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Donation]:
        return await paginate(
            info, info.context.community.donations.my_donations, None, Donation.from_row,
            first=first, after=after, order_by=DonationOrder.OFFERED_AT, direction=direction,
            filter=filter,
        )  # fmt: skip
