"""Shared spaces (共享小屋, 红色驿站, 党群服务站 rooms) and their bookings (预约): types, lists
and the root `mySpaceBookings`; the community's lists are fields of `Community`.

Read rules: spaces for any signed-in role; a booking for the community roles of its
community and the booker himself (the district and the auditor all). Which slots are taken
(`Space.takenSlots`) is shown to whoever sees the space, without who booked them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community.spaces import lists, models
from resolvers import spaces
from schema.base import HubNode, Info, as_tuple, loaded_by
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
    from schema.places import Community

_PLACES = "schema.places"

strawberry.enum(
    models.SpaceKind,
    description="Kind of space (空间类型): SHARED_HUT 共享小屋, RED_STATION 红色驿站, "
    "MEETING_ROOM 党群服务站会议室, ACTIVITY_ROOM 活动室.",
)
strawberry.enum(
    models.SpaceStatus, description="State of a space (空间状态): OPEN 开放, CLOSED 暂停开放."
)
strawberry.enum(
    models.BookerKind, description="Who booked (预约方): MEMBER 党员, RESIDENT 居民, UNIT 单位."
)
strawberry.enum(
    models.BookingStatus,
    description="State of a booking (预约状态): BOOKED 已预约, CANCELLED 已取消, USED 已使用, "
    "NO_SHOW 未到场.",
)
SpaceKind: TypeAlias = models.SpaceKind
SpaceStatus: TypeAlias = models.SpaceStatus
BookerKind: TypeAlias = models.BookerKind
BookingStatus: TypeAlias = models.BookingStatus


@strawberry.enum(description="How to sort spaces (空间排序).")
class SpaceOrder(Enum):
    NAME = "name"
    CREATED_AT = "created_at"


@strawberry.enum(description="How to sort bookings (预约排序).")
class SpaceBookingOrder(Enum):
    STARTS_AT = "starts_at"
    CREATED_AT = "created_at"


@strawberry.input(description="Filters for spaces (空间筛选); all given must hold.")
class SpaceFilter:
    kinds: list[SpaceKind] | None = strawberry.field(default=None, description="Only these kinds.")
    statuses: list[SpaceStatus] | None = strawberry.field(
        default=None, description="Only these states (开放/暂停)."
    )

    def to_filter(self) -> lists.SpaceFilter:
        return lists.SpaceFilter(kinds=as_tuple(self.kinds), statuses=as_tuple(self.statuses))


@strawberry.input(description="Filters for bookings (预约筛选); all given must hold.")
class SpaceBookingFilter:
    statuses: list[BookingStatus] | None = strawberry.field(
        default=None, description="Only these states (预约状态)."
    )
    booker_kinds: list[BookerKind] | None = strawberry.field(
        default=None, description="Only bookings of these kinds of booker (预约方)."
    )
    starts_from: datetime | None = strawberry.field(
        default=None, description="Starting at or after this instant (开始时间不早于)."
    )
    starts_before: datetime | None = strawberry.field(
        default=None, description="Starting before this instant (开始时间早于)."
    )

    def to_filter(self) -> lists.BookingFilter:
        return lists.BookingFilter(
            statuses=as_tuple(self.statuses), booker_kinds=as_tuple(self.booker_kinds),
            starts_from=self.starts_from, starts_before=self.starts_before,
        )  # fmt: skip


@strawberry.type(description="One opening interval of a weekday (开放时段), China time.")
class OpeningHours:
    weekday: int = strawberry.field(description="1 Monday ... 7 Sunday (星期).")
    opens: str = strawberry.field(description='Opens at, "HH:MM" (开始).')
    closes: str = strawberry.field(description='Closes at, "HH:MM" (结束).')


@strawberry.type(description="A slot of a space held by a booking, without who booked it.")
class TakenSlot:
    starts_at: datetime = strawberry.field(description="Start (开始时间).")
    ends_at: datetime = strawberry.field(description="End (结束时间).")


@strawberry.type(
    description="A community's bookings of its spaces in a year (空间使用情况): figures, "
    "not people. A booking counts in the year it starts."
)
class SpaceUse:
    year: int = strawberry.field(description="The year (年度), China time.")
    booked: int = strawberry.field(description="Bookings made, in any state (预约数).")
    used: int = strawberry.field(description="Used: the booker came (已使用).")
    no_show: int = strawberry.field(description="The booker did not come (未到场).")
    cancelled: int = strawberry.field(description="Cancelled (已取消).")
    attendees: int = strawberry.field(description="People who attended the used ones (使用人次).")
    hours: float = strawberry.field(description="Hours of the used ones (使用时长).")


@strawberry.type(
    description="A room or space a community lends (共享空间: 共享小屋, 红色驿站, 党群服务站 "
    "meeting room): booked by its supporters, residents and paired units within its hours."
)
class Space(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.spaces.space_by_id)

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Name (名称).")
    kind: SpaceKind = strawberry.field(description="Kind (类型).")
    capacity: int = strawberry.field(description="How many people it holds (容纳人数).")
    location: str = strawberry.field(description="Where it is in the community (位置).")
    description: str | None = strawberry.field(description="What it offers (简介).")
    status: SpaceStatus = strawberry.field(description="Open or closed (状态).")
    closed_reason: str | None = strawberry.field(description="Why it is closed (暂停原因).")
    created_at: datetime = strawberry.field(description="When listed (创建时间).")
    community_id: strawberry.Private[int]
    opening_hours_rows: strawberry.Private[list[list[object]]]

    @classmethod
    def from_row(cls, row: models.Space) -> Space:
        return cls(
            id=row.id, name=row.name, kind=row.kind, capacity=row.capacity,
            location=row.location, description=row.description, status=row.status,
            closed_reason=row.closed_reason, created_at=row.created_at,
            community_id=row.community_id, opening_hours_rows=row.opening_hours,
        )  # fmt: skip

    @strawberry.field(description="Opening hours (开放时间) by weekday, China time.")
    def opening_hours(self) -> list[OpeningHours]:
        return [OpeningHours(weekday=int(str(w)), opens=str(o), closes=str(c))
                for w, o, c in self.opening_hours_rows]  # fmt: skip

    @strawberry.field(description="The community (社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        from schema.places import Community

        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(
        description="Slots taken on a day (已预约时段), China time: held by a booking not "
        "cancelled, whoever booked it; for choosing a free slot."
    )
    async def taken_slots(
        self, info: Info, day: Annotated[date, strawberry.argument(description="The day (日期).")]
    ) -> list[TakenSlot]:
        found = await info.context.community.spaces.taken_slots.load((self.id, day))
        return [TakenSlot(starts_at=s.starts_at, ends_at=s.ends_at) for s in found]

    @strawberry.field(description="Bookings of the space (预约) the viewer may see.")
    async def bookings(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: SpaceBookingFilter | None = None,
        order_by: SpaceBookingOrder = SpaceBookingOrder.STARTS_AT,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[SpaceBooking]:
        return await paginate(
            info, info.context.community.spaces.bookings_of_space, self.id, SpaceBooking.from_row,
            first=first, after=after, order_by=order_by, direction=direction, filter=filter,
        )  # fmt: skip

    @strawberry.field(description="Every change (空间记录), oldest first, with the fields changed.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, spaces.ENTITY, self.id)


@strawberry.type(
    description="A booked slot of a shared space (空间预约) by a member, a resident or a unit; "
    "cancelled with a reason, its use recorded by the community afterwards."
)
class SpaceBooking(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.spaces.booking_by_id)

    id: relay.NodeID[int]
    booker_kind: BookerKind = strawberry.field(description="Who booked (预约方).")
    booker_code: str | None = strawberry.field(
        description="The member's or unit's code (预约方编码); null for a resident."
    )
    starts_at: datetime = strawberry.field(description="Start (开始时间).")
    ends_at: datetime = strawberry.field(description="End (结束时间).")
    purpose: str = strawberry.field(description="What for (用途).")
    attendees: int = strawberry.field(description="People expected (预计人数).")
    status: BookingStatus = strawberry.field(description="State (状态).")
    created_at: datetime = strawberry.field(description="When booked (预约时间).")
    cancelled_reason: str | None = strawberry.field(description="Why cancelled (取消原因).")
    cancelled_at: datetime | None = strawberry.field(description="When cancelled (取消时间).")
    used_attendees: int | None = strawberry.field(description="People who came (实到人数).")
    use_note: str | None = strawberry.field(description="The community's note on use (备注).")
    recorded_at: datetime | None = strawberry.field(description="When use was recorded.")
    space_id: strawberry.Private[int]

    @strawberry.field(description="The space (空间).")
    async def space(self, info: Info) -> Space | None:
        row = await info.context.community.spaces.space_by_id.load(self.space_id)
        return None if row is None else Space.from_row(row)

    @strawberry.field(
        description="Every step (预约记录), oldest first: booked, cancelled (with the "
        "reason), used or no-show."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, spaces.BOOKING, self.id)


async def community_spaces(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: SpaceFilter | None, order_by: SpaceOrder, direction: OrderDirection,
) -> Connection[Space]:  # fmt: skip
    return await paginate(
        info, info.context.community.spaces.spaces_of_community, community_id, Space.from_row,
        first=first, after=after, order_by=order_by, direction=direction, filter=filter,
    )  # fmt: skip


async def community_bookings(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: SpaceBookingFilter | None, order_by: SpaceBookingOrder, direction: OrderDirection,
) -> Connection[SpaceBooking]:  # fmt: skip
    return await paginate(
        info, info.context.community.spaces.bookings_of_community, community_id,
        SpaceBooking.from_row, first=first, after=after, order_by=order_by,
        direction=direction, filter=filter,
    )  # fmt: skip


async def community_space_use(info: Info, community_id: int, year: int) -> SpaceUse:
    use = await info.context.community.spaces.use_of_community.load((community_id, year))
    return SpaceUse(year=year, booked=use.booked, used=use.used, no_show=use.no_show,
                    cancelled=use.cancelled, attendees=use.attendees, hours=use.hours)  # fmt: skip


@strawberry.type(description="Root fields of shared spaces (共享空间).")
class SpacesQuery:
    @strawberry.field(
        description="My bookings (我的预约): those the viewer made himself — a member's and a "
        "unit's by code, a resident's by his identity — latest start first by default."
    )
    async def my_space_bookings(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: SpaceBookingFilter | None = None,
        order_by: SpaceBookingOrder = SpaceBookingOrder.STARTS_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[SpaceBooking]:
        return await paginate(
            info, info.context.community.spaces.my_bookings, None, SpaceBooking.from_row,
            first=first, after=after, order_by=order_by, direction=direction, filter=filter,
        )  # fmt: skip
