"""Residents' and young volunteers' points (居民积分, 小小志愿者): types, lists and the root
`myResidentPoints`; a community's accounts are `Community.residentVolunteers`, an
activity's resident signups `Activity.residentSignups`.

Read rules: an account, its entries, signups and redemptions for the resident himself (and,
as guardian, his children's), the community roles of its community, the district and the
auditor; nobody else. No name is kept: a resident is his identity (never shown), a child
his guardian and birth year. These points are no part of a member's record.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community.resident_points import lists, models
from resolvers import resident_points
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import YEAR
from schema.history import StateEvent, history
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)

if TYPE_CHECKING:
    from schema.activities import Activity
    from schema.mall import MallItem
    from schema.places import Community

_PLACES = "schema.places"

strawberry.enum(
    models.VolunteerKind,
    description="Kind of volunteer account (志愿者类型): RESIDENT 居民志愿者 (signs in himself), "
    "YOUNG 小小志愿者/青少年志愿者 (a minor, under his guardian).",
)
strawberry.enum(
    models.VolunteerStatus,
    description="State of an account (账户状态): ACTIVE 有效, WITHDRAWN 监护人已撤回同意.",
)
strawberry.enum(
    models.ResidentEntryKind,
    description="Kind of resident ledger entry (居民积分流水类型): EARN 获得, SPEND 兑换消费.",
)
strawberry.enum(
    models.ResidentSignupStatus,
    description="State of a resident's signup (居民报名状态): REGISTERED 已报名, CANCELLED "
    "已取消, CONFIRMED 已签到或已确认参加 (points earned).",
)
VolunteerKind: TypeAlias = models.VolunteerKind
VolunteerStatus: TypeAlias = models.VolunteerStatus
ResidentEntryKind: TypeAlias = models.ResidentEntryKind
ResidentSignupStatus: TypeAlias = models.ResidentSignupStatus


@strawberry.enum(description="How to sort volunteer accounts (志愿者排序).")
class ResidentVolunteerOrder(Enum):
    CREATED_AT = "created_at"


@strawberry.enum(description="How to sort resident ledger entries (流水排序).")
class ResidentPointsEntryOrder(Enum):
    OCCURRED_AT = "occurred_at"


@strawberry.enum(description="How to sort resident signups (报名排序).")
class ResidentSignupOrder(Enum):
    SIGNED_UP_AT = "signed_up_at"


@strawberry.enum(description="How to sort resident redemptions (兑换排序).")
class ResidentRedemptionOrder(Enum):
    REDEEMED_AT = "redeemed_at"


@strawberry.input(description="Filters for volunteer accounts (志愿者筛选); all given must hold.")
class ResidentVolunteerFilter:
    kinds: list[VolunteerKind] | None = strawberry.field(
        default=None, description="Only these kinds (居民 / 小小志愿者)."
    )
    statuses: list[VolunteerStatus] | None = strawberry.field(
        default=None, description="Only these states."
    )

    def to_filter(self) -> lists.VolunteerFilter:
        return lists.VolunteerFilter(kinds=as_tuple(self.kinds), statuses=as_tuple(self.statuses))


@strawberry.input(description="Filters for resident ledger entries (流水筛选).")
class ResidentPointsEntryFilter:
    kinds: list[ResidentEntryKind] | None = strawberry.field(
        default=None, description="Only these kinds (获得 / 兑换消费)."
    )
    year: int | None = strawberry.field(
        default=None, metadata=YEAR, description="Only this year (年度), China time."
    )

    def to_filter(self) -> lists.ResidentEntryFilter:
        return lists.ResidentEntryFilter(kinds=as_tuple(self.kinds), year=self.year)


@strawberry.input(description="Filters for resident signups (报名筛选).")
class ResidentSignupFilter:
    statuses: list[ResidentSignupStatus] | None = strawberry.field(
        default=None, description="Only these states."
    )

    def to_filter(self) -> lists.ResidentSignupFilter:
        return lists.ResidentSignupFilter(statuses=as_tuple(self.statuses))


@strawberry.type(description="A volunteer account's points figures (积分统计).")
class ResidentPointsTotals:
    year: int | None = strawberry.field(description="The year (年度); null for all time.")
    balance: int = strawberry.field(description="Earned less spent (余额; of the year if given).")
    earned: int = strawberry.field(description="Points earned (获得积分).")
    spent: int = strawberry.field(description="Points spent in the mall (兑换积分).")


@strawberry.type(
    description="A resident's or young volunteer's points account (居民积分账户 / 小小志愿者), "
    "with its own ledger, apart from members' points: it never counts in a member's "
    "performance or appraisal."
)
class ResidentVolunteer(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.resident_points.volunteer_by_id)

    id: relay.NodeID[int]
    kind: VolunteerKind = strawberry.field(description="Resident or young volunteer (类型).")
    status: VolunteerStatus = strawberry.field(description="State (状态).")
    birth_year: int | None = strawberry.field(
        description="A young volunteer's birth year (出生年份); null for a resident."
    )
    consent_at: datetime | None = strawberry.field(
        description="When the guardian consented (监护人同意时间); a young volunteer's only."
    )
    consent_note: str | None = strawberry.field(
        description="What the guardian agreed to (同意说明), as he wrote it."
    )
    withdrawn_at: datetime | None = strawberry.field(description="When consent was withdrawn.")
    withdrawn_reason: str | None = strawberry.field(description="Why it was withdrawn (原因).")
    created_at: datetime = strawberry.field(description="When the account opened (开通时间).")
    community_id: strawberry.Private[int]
    guardian_id: strawberry.Private[int | None]

    @strawberry.field(description="The community (社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        from schema.places import Community

        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="A young volunteer's guardian's account (监护人); else null.")
    async def guardian(self, info: Info) -> ResidentVolunteer | None:
        if self.guardian_id is None:
            return None
        row = await info.context.community.resident_points.volunteer_by_id.load(self.guardian_id)
        return ResidentVolunteer.from_optional_row(row)

    @strawberry.field(
        description="Young volunteers this resident is guardian of (监护的小小志愿者)."
    )
    async def children(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[ResidentVolunteer]:
        return await paginate(
            info, info.context.community.resident_points.children_of, self.id,
            ResidentVolunteer.from_row, first=first, after=after,
            order_by=ResidentVolunteerOrder.CREATED_AT, direction=OrderDirection.ASC,
        )  # fmt: skip

    @strawberry.field(
        description="Figures of the ledger (积分统计): balance, earned and spent, all time or "
        "of one year (China time)."
    )
    async def totals(
        self,
        info: Info,
        year: Annotated[
            int | None,
            strawberry.argument(metadata=YEAR, description="The year; all time if null."),
        ] = None,
    ) -> ResidentPointsTotals:
        found = await info.context.community.resident_points.totals.load((self.id, year))
        return ResidentPointsTotals(year=year, balance=found.balance, earned=found.earned,
                                    spent=found.spent)  # fmt: skip

    @strawberry.field(description="The ledger (积分流水), latest first by default.")
    async def entries(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ResidentPointsEntryFilter | None = None,
        order_by: ResidentPointsEntryOrder = ResidentPointsEntryOrder.OCCURRED_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[ResidentPointsEntry]:
        return await paginate(
            info, info.context.community.resident_points.entries_of, self.id,
            ResidentPointsEntry.from_row, first=first, after=after, order_by=order_by,
            direction=direction, filter=filter,
        )  # fmt: skip

    @strawberry.field(description="Activities signed up for (活动报名), latest first.")
    async def signups(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ResidentSignupFilter | None = None,
        order_by: ResidentSignupOrder = ResidentSignupOrder.SIGNED_UP_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[ResidentActivitySignup]:
        return await paginate(
            info, info.context.community.resident_points.signups_of, self.id,
            ResidentActivitySignup.from_row, first=first, after=after, order_by=order_by,
            direction=direction, filter=filter,
        )  # fmt: skip

    @strawberry.field(description="Redemptions in the points mall (积分兑换), latest first.")
    async def redemptions(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: ResidentRedemptionOrder = ResidentRedemptionOrder.REDEEMED_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[ResidentRedemption]:
        return await paginate(
            info, info.context.community.resident_points.redemptions_of, self.id,
            ResidentRedemption.from_row, first=first, after=after, order_by=order_by,
            direction=direction,
        )  # fmt: skip

    @strawberry.field(
        description="Every step (账户记录), oldest first: opened (with the guardian's consent "
        "for a child), consent withdrawn."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, resident_points.VOLUNTEER, self.id)


@strawberry.type(description="One entry of a resident's ledger (居民积分流水); points signed.")
class ResidentPointsEntry(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.resident_points.entry_by_id)

    id: relay.NodeID[int]
    kind: ResidentEntryKind = strawberry.field(description="Earned or spent (类型).")
    points: int = strawberry.field(description="Points, positive earned, negative spent (积分).")
    source_type: str = strawberry.field(
        description="What it is for: ResidentActivitySignup or ResidentRedemption (来源)."
    )
    source_id: int | None = strawberry.field(description="The source's row id (来源编号).")
    note: str | None = strawberry.field(description="What for, e.g. the activity (说明).")
    actor_role: str = strawberry.field(description="The role that made the entry (操作角色).")
    occurred_at: datetime = strawberry.field(description="When (时间).")
    volunteer_id: strawberry.Private[int]

    @strawberry.field(description="The account (积分账户).")
    async def volunteer(self, info: Info) -> ResidentVolunteer | None:
        row = await info.context.community.resident_points.volunteer_by_id.load(self.volunteer_id)
        return ResidentVolunteer.from_optional_row(row)


@strawberry.type(
    description="A resident's or young volunteer's signup for an activity (居民报名): holds one "
    "of the activity's places; confirmed by the community, it earns points."
)
class ResidentActivitySignup(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.resident_points.signup_by_id)

    id: relay.NodeID[int]
    status: ResidentSignupStatus = strawberry.field(description="State (状态).")
    signed_up_at: datetime = strawberry.field(description="When (报名时间).")
    cancelled_at: datetime | None = strawberry.field(description="When cancelled (取消时间).")
    cancelled_reason: str | None = strawberry.field(description="Why cancelled (取消原因).")
    checked_in_at: datetime | None = strawberry.field(
        description="When he checked in at the venue (签到时间); null when the community "
        "confirmed him instead."
    )
    confirmed_at: datetime | None = strawberry.field(
        description="When confirmed, by check-in or by the community (确认时间)."
    )
    points: int | None = strawberry.field(description="Points earned on confirmation (积分).")
    activity_id: strawberry.Private[int]
    volunteer_id: strawberry.Private[int]

    @strawberry.field(description="The activity (活动); null when the viewer may not see it.")
    async def activity(
        self, info: Info
    ) -> Annotated[Activity, strawberry.lazy("schema.activities")] | None:
        from schema.activities import Activity

        return Activity.from_optional_row(
            await info.context.community.activity_by_id.load(self.activity_id)
        )

    @strawberry.field(description="Who takes part (志愿者账户).")
    async def volunteer(self, info: Info) -> ResidentVolunteer | None:
        row = await info.context.community.resident_points.volunteer_by_id.load(self.volunteer_id)
        return ResidentVolunteer.from_optional_row(row)

    @strawberry.field(description="Every step (报名记录), oldest first.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, resident_points.SIGNUP, self.id)


@strawberry.type(description="A redemption with resident points (居民积分兑换) in the points mall.")
class ResidentRedemption(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.resident_points.redemption_by_id)

    id: relay.NodeID[int]
    quantity: int = strawberry.field(description="Pieces (数量).")
    points: int = strawberry.field(description="Points spent (消耗积分).")
    redeemed_at: datetime = strawberry.field(description="When (兑换时间).")
    item_id: strawberry.Private[int]
    volunteer_id: strawberry.Private[int]

    @strawberry.field(description="The item (商品); null when the viewer may not see it.")
    async def item(self, info: Info) -> Annotated[MallItem, strawberry.lazy("schema.mall")] | None:
        from schema.mall import MallItem

        return MallItem.from_optional_row(
            await info.context.community.mall_item_by_id.load(self.item_id)
        )

    @strawberry.field(description="Whose ledger paid (积分账户).")
    async def volunteer(self, info: Info) -> ResidentVolunteer | None:
        row = await info.context.community.resident_points.volunteer_by_id.load(self.volunteer_id)
        return ResidentVolunteer.from_optional_row(row)

    @strawberry.field(description="Every step (兑换记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, resident_points.REDEMPTION, self.id)


async def community_volunteers(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: ResidentVolunteerFilter | None,
) -> Connection[ResidentVolunteer]:  # fmt: skip
    return await paginate(
        info, info.context.community.resident_points.volunteers_of_community, community_id,
        ResidentVolunteer.from_row, first=first, after=after,
        order_by=ResidentVolunteerOrder.CREATED_AT, direction=OrderDirection.ASC, filter=filter,
    )  # fmt: skip


async def activity_resident_signups(
    info: Info, activity_id: int, *, first: int, after: str | None,
    filter: ResidentSignupFilter | None,
) -> Connection[ResidentActivitySignup]:  # fmt: skip
    return await paginate(
        info, info.context.community.resident_points.signups_of_activity, activity_id,
        ResidentActivitySignup.from_row, first=first, after=after,
        order_by=ResidentSignupOrder.SIGNED_UP_AT, direction=OrderDirection.ASC, filter=filter,
    )  # fmt: skip


@strawberry.type(description="Root fields of residents' points (居民积分).")
class ResidentPointsQuery:
    @strawberry.field(
        description="My points accounts (我的积分): a resident's own, once he first signed up, "
        "and those of the young volunteers he is guardian of; empty for other roles."
    )
    async def my_resident_points(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[ResidentVolunteer]:
        return await paginate(
            info, info.context.community.resident_points.my_volunteers, None,
            ResidentVolunteer.from_row, first=first, after=after,
            order_by=ResidentVolunteerOrder.CREATED_AT, direction=OrderDirection.ASC,
        )  # fmt: skip
