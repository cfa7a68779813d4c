"""Mutations of shared spaces (共享空间) and their bookings (预约): the committee lists,
changes, closes and reopens its spaces; members, residents and paired units book slots;
the booker or the community cancels with a reason; the community records the use."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from datasources.community.spaces import models
from resolvers import space_bookings, spaces
from resolvers.space_hours import BOOK_AHEAD_DAYS, MAX_MINUTES
from schema.base import Info
from schema.bounds import between, text
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, audit_result, mutate, mutate_node, not_found
from schema.spaces import Space, SpaceBooking, SpaceKind

_SPACE_ID = "The space (空间ID)."
_BOOKING_ID = "The booking (预约ID)."
_SPACE_GONE = not_found(spaces.NOT_FOUND, "input.spaceId")
_BOOKING_GONE = not_found(space_bookings.BOOKING_NOT_FOUND, "input.bookingId")


@strawberry.input(description="One opening interval of a weekday (开放时段), China time.")
class OpeningHoursInput:
    weekday: int = strawberry.field(metadata=between(1, 7), description="1 Monday ... 7 Sunday.")
    opens: str = strawberry.field(metadata=text(5), description='"HH:MM", on the half hour.')
    closes: str = strawberry.field(metadata=text(5), description='"HH:MM", on the half hour.')


def _hours(given: list[OpeningHoursInput] | None) -> list[tuple[int, str, str]] | None:
    return None if given is None else [(h.weekday, h.opens, h.closes) for h in given]


@strawberry.input(description="List a new space of the community (新增共享空间).")
class CreateSpaceInput:
    name: str = strawberry.field(description="Name (名称), unique in the community.")
    kind: SpaceKind = strawberry.field(description="Kind (类型).")
    capacity: int = strawberry.field(metadata=between(1, 500), description="People it holds.")
    location: str = strawberry.field(
        metadata=text(200), description="Where in the community (位置), e.g. 党群服务中心二楼."
    )
    opening_hours: list[OpeningHoursInput] = strawberry.field(
        metadata=text(5, items=21), description="Opening hours (开放时间), at most 21 intervals."
    )
    description: str | None = strawberry.field(default=None, description="What it offers.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Change a space (修改空间); omitted fields stay as they are.")
class ChangeSpaceInput:
    space_id: relay.GlobalID = strawberry.field(description=_SPACE_ID)
    name: str | None = strawberry.field(default=None, description="Name (名称).")
    kind: SpaceKind | None = strawberry.field(default=None, description="Kind (类型).")
    capacity: int | None = strawberry.field(
        default=None, metadata=between(1, 500), description="People it holds (容纳人数)."
    )
    location: str | None = strawberry.field(
        default=None, metadata=text(200), description="Where (位置)."
    )
    opening_hours: list[OpeningHoursInput] | None = strawberry.field(
        default=None, metadata=text(5, items=21), description="New opening hours (开放时间)."
    )
    description: str | None = strawberry.field(default=None, description="What it offers.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Close a space (暂停开放) with a reason.")
class CloseSpaceInput:
    space_id: relay.GlobalID = strawberry.field(description=_SPACE_ID)
    reason: str = strawberry.field(description="Why (原因), required; given to the bookers.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Reopen a closed space (恢复开放).")
class ReopenSpaceInput:
    space_id: relay.GlobalID = strawberry.field(description=_SPACE_ID)
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Book a slot of a space (预约空间).")
class BookSpaceInput:
    space_id: relay.GlobalID = strawberry.field(description=_SPACE_ID)
    starts_at: datetime = strawberry.field(description="Start, on the half hour (开始时间).")
    ends_at: datetime = strawberry.field(
        description=f"End, on the half hour, at most {MAX_MINUTES // 60} hours after the start."
    )
    purpose: str = strawberry.field(metadata=text(500), description="What for (用途), required.")
    attendees: int = strawberry.field(
        metadata=between(1, 500), description="People expected (人数), up to the capacity."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Cancel a booking (取消预约) with a reason.")
class CancelSpaceBookingInput:
    booking_id: relay.GlobalID = strawberry.field(description=_BOOKING_ID)
    reason: str = strawberry.field(description="Why (取消原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Record the use of a booked slot (登记使用情况).")
class RecordSpaceUseInput:
    booking_id: relay.GlobalID = strawberry.field(description=_BOOKING_ID)
    came: bool = strawberry.field(description="Whether the booker came (是否到场).")
    attendees: int | None = strawberry.field(
        default=None, metadata=between(0, 500),
        description="People who came (实到人数), 1 up to the capacity when they came; omitted "
        "when not.",
    )  # fmt: skip
    note: str | None = strawberry.field(default=None, description="A note (备注).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a space mutation (空间操作结果).")
class SpacePayload:
    space: Space | None = strawberry.field(description="The space; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a booking mutation (预约操作结果).")
class SpaceBookingPayload:
    booking: SpaceBooking | None = strawberry.field(description="The booking; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _space(row: models.Space) -> SpacePayload:
    return SpacePayload(space=Space.from_row(row))


def _booking(row: models.SpaceBooking) -> SpaceBookingPayload:
    return SpaceBookingPayload(booking=SpaceBooking.from_row(row))


_COMMITTEE = "只有本社区党委可以管理共享空间。"


@strawberry.type(description="Mutations of shared spaces (共享空间) and bookings (预约).")
class SpacesMutation:
    @strawberry.mutation(
        description="List a space (新增共享空间): the community committee, for its community; "
        "open at once. A name used in the community already: DUPLICATE."
    )
    async def create_space(
        self, info: Info, input: Annotated[CreateSpaceInput, strawberry.argument(description="It.")]
    ) -> SpacePayload:
        fields = spaces.SpaceFields(
            name=input.name, kind=input.kind, capacity=input.capacity, location=input.location,
            description=input.description, opening_hours=_hours(input.opening_hours),
        )  # fmt: skip
        key = input.client_mutation_id
        change = Change(name="createSpace", entity=spaces.ENTITY, key=key, forbidden=_COMMITTEE,
                        detail={"spaceName": input.name})  # fmt: skip
        return await mutate(info, change, SpacePayload, spaces.create(info.context, fields, key),
                            _space)  # fmt: skip

    @strawberry.mutation(
        description="Change a space (修改空间): name, kind, capacity, location, description or "
        "opening hours; the committee of its community. Bookings made stay. The fields "
        "changed are in its history."
    )
    async def change_space(
        self, info: Info, input: Annotated[ChangeSpaceInput, strawberry.argument(description="It.")]
    ) -> SpacePayload:
        fields = spaces.SpaceFields(
            name=input.name, kind=input.kind, capacity=input.capacity, location=input.location,
            description=input.description, opening_hours=_hours(input.opening_hours),
        )  # fmt: skip
        change = Change(name="changeSpace", entity=spaces.ENTITY, key=input.client_mutation_id,
                        forbidden=_COMMITTEE)  # fmt: skip
        return await mutate_node(
            info, change, SpacePayload, input.space_id,
            lambda row_id: spaces.change(info.context, row_id, fields), _space,
            unknown=_SPACE_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Close a space (暂停开放) with a reason: it takes no bookings, and its "
        "bookings not yet started are cancelled with that reason. Nothing is deleted."
    )
    async def close_space(
        self, info: Info, input: Annotated[CloseSpaceInput, strawberry.argument(description="It.")]
    ) -> SpacePayload:
        change = Change(name="closeSpace", entity=spaces.ENTITY, key=input.client_mutation_id,
                        forbidden=_COMMITTEE, detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, SpacePayload, input.space_id,
            lambda row_id: spaces.close(info.context, row_id, input.reason), _space,
            unknown=_SPACE_GONE,
        )  # fmt: skip

    @strawberry.mutation(description="Reopen a closed space (恢复开放).")
    async def reopen_space(
        self, info: Info, input: Annotated[ReopenSpaceInput, strawberry.argument(description="It.")]
    ) -> SpacePayload:
        change = Change(name="reopenSpace", entity=spaces.ENTITY, key=input.client_mutation_id,
                        forbidden=_COMMITTEE)  # fmt: skip
        return await mutate_node(
            info, change, SpacePayload, input.space_id,
            lambda row_id: spaces.reopen(info.context, row_id), _space, unknown=_SPACE_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Book a slot (预约空间): a member reported to the space's community "
        "(NOT_REPORTED otherwise), a resident of it, or a unit branch for its unit paired with "
        f"it (NOT_PAIRED). On the half hour, at most {MAX_MINUTES // 60} hours, in the future "
        f"and at most {BOOK_AHEAD_DAYS} days ahead, inside the opening hours (OUTSIDE_WINDOW); "
        "people up to the capacity; a slot overlapping a booking not cancelled: SLOT_TAKEN; "
        f"at most {space_bookings.MAX_UPCOMING} bookings not yet started per booker and "
        "community (FULL); a closed space: INVALID_STATE."
    )
    async def book_space(
        self, info: Info, input: Annotated[BookSpaceInput, strawberry.argument(description="It.")]
    ) -> SpaceBookingPayload:
        key = input.client_mutation_id
        change = Change(name="bookSpace", entity=spaces.BOOKING, key=key,
                        forbidden="只有党员、居民或结对单位可以预约共享空间。")  # fmt: skip

        def book(space_id: int) -> Awaitable[models.SpaceBooking]:
            ask = space_bookings.SlotRequest(
                space_id=space_id, starts_at=input.starts_at, ends_at=input.ends_at,
                purpose=input.purpose, attendees=input.attendees,
            )  # fmt: skip
            return space_bookings.book(info.context, ask, key)

        return await mutate_node(
            info, change, SpaceBookingPayload, input.space_id, book, _booking,
            unknown=_SPACE_GONE, node_type=spaces.ENTITY,
            audited=audit_result(spaces.BOOKING),
        )  # fmt: skip

    @strawberry.mutation(
        description="Cancel a booking (取消预约) with a reason: the booker before its start, "
        "the community (committee or grid roles) until its end (OUTSIDE_WINDOW after); "
        "once (INVALID_STATE again)."
    )
    async def cancel_space_booking(
        self,
        info: Info,
        input: Annotated[CancelSpaceBookingInput, strawberry.argument(description="It.")],
    ) -> SpaceBookingPayload:
        change = Change(name="cancelSpaceBooking", entity=spaces.BOOKING,
                        key=input.client_mutation_id,
                        forbidden="只有预约人或本社区可以取消预约。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, SpaceBookingPayload, input.booking_id,
            lambda row_id: space_bookings.cancel(info.context, row_id, input.reason),
            _booking, unknown=_BOOKING_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Record the use of a slot (登记使用情况) after it ended: came, with the "
        "people who did (1 up to the capacity), or did not come (未到场). The space's "
        "community (committee or grid roles), once."
    )
    async def record_space_use(
        self,
        info: Info,
        input: Annotated[RecordSpaceUseInput, strawberry.argument(description="It.")],
    ) -> SpaceBookingPayload:
        change = Change(name="recordSpaceUse", entity=spaces.BOOKING,
                        key=input.client_mutation_id,
                        forbidden="只有本社区可以登记空间使用情况。",
                        detail={"came": input.came})  # fmt: skip
        return await mutate_node(
            info, change, SpaceBookingPayload, input.booking_id,
            lambda row_id: space_bookings.record_use(
                info.context, row_id, input.came, input.attendees, input.note
            ),
            _booking, unknown=_BOOKING_GONE,
        )  # fmt: skip
