"""Lists of shared spaces (共享空间) and their bookings (预约), and the figures read with them:
the slots taken on a day (`takenSlots`) and a community's use of its spaces in a year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import CHINA, year_window
from datasources.community.spaces.models import (
    HOLDING,
    BookerKind,
    BookingStatus,
    Space,
    SpaceBooking,
    SpaceKind,
    SpaceStatus,
)
from datasources.community.spaces.policy import booked_by
from datasources.filtering import one_of
from datasources.loaders import ListLoaders, row_by_key
from datasources.paging import ListSpec
from datasources.scope import Scope


@dataclass(frozen=True)
class SpaceFilter:
    """Spaces of a community: by kind and state."""

    kinds: tuple[SpaceKind, ...] | None = None
    statuses: tuple[SpaceStatus, ...] | None = None


@dataclass(frozen=True)
class BookingFilter:
    """Bookings: by state, booker kind and start (UTC bounds, start inclusive)."""

    statuses: tuple[BookingStatus, ...] | None = None
    booker_kinds: tuple[BookerKind, ...] | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


def _space_clauses(f: SpaceFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.kinds is not None:
        clauses.append(one_of(Space.kind, f.kinds))
    if f.statuses is not None:
        clauses.append(one_of(Space.status, f.statuses))
    return clauses


def _booking_clauses(f: BookingFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        clauses.append(one_of(SpaceBooking.status, f.statuses))
    if f.booker_kinds is not None:
        clauses.append(one_of(SpaceBooking.booker_kind, f.booker_kinds))
    if f.starts_from is not None:
        clauses.append(SpaceBooking.starts_at >= f.starts_from)
    if f.starts_before is not None:
        clauses.append(SpaceBooking.starts_at < f.starts_before)
    return clauses


SPACES: ListSpec[Space, SpaceFilter] = ListSpec(
    Space,
    orders={"name": Space.name, "created_at": Space.created_at},
    filter_clauses=_space_clauses,
)
BOOKINGS: ListSpec[SpaceBooking, BookingFilter] = ListSpec(
    SpaceBooking,
    orders={"starts_at": SpaceBooking.starts_at, "created_at": SpaceBooking.created_at},
    filter_clauses=_booking_clauses,
)


class BookedByViewer(Scope):
    """The viewer's scope, narrowed to the bookings he made himself (`mySpaceBookings`)."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope.rule, scope.viewer, scope.facts)

    async def where(self, model: type[Any]) -> list[ColumnElement[bool]]:
        visible = await super().where(model)
        return [*visible, *booked_by(self.viewer)] if model is SpaceBooking else visible


@dataclass(frozen=True)
class TakenSlot:
    """A slot of a space held by a booking, without who holds it (已被预约的时段)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class SpaceUse:
    """A community's bookings of a year by state, and the use recorded (空间使用情况)."""

    booked: int = 0
    used: int = 0
    no_show: int = 0
    cancelled: int = 0
    attendees: int = 0
    hours: float = 0.0


def taken_slots(source: Datasource) -> DataLoader[tuple[int, date], list[TakenSlot]]:
    """The slots held on a (China) day of each space, for every (space, day) of a request
    in one statement. Times, not people: for whoever may see the space, whoever booked."""

    async def load(keys: list[tuple[int, date]]) -> list[list[TakenSlot]]:
        days = sorted({day for _, day in keys})
        start = datetime.combine(days[0], datetime.min.time(), CHINA)
        end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), CHINA)
        stmt = (
            select(SpaceBooking.space_id, SpaceBooking.starts_at, SpaceBooking.ends_at)
            .where(
                SpaceBooking.space_id.in_({space for space, _ in keys}),
                SpaceBooking.status.in_(HOLDING),
                SpaceBooking.starts_at < end,
                SpaceBooking.ends_at > start,
            )
            .order_by(SpaceBooking.starts_at)
        )
        found: dict[tuple[int, date], list[TakenSlot]] = defaultdict(list)
        async with source.session() as session:
            for space_id, starts, ends in await session.execute(stmt):
                found[(space_id, starts.astimezone(CHINA).date())].append(TakenSlot(starts, ends))
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


def space_use(source: Datasource) -> DataLoader[tuple[int, int], SpaceUse]:
    """Each (community, year)'s bookings by state, with the attendees and hours of those
    used: figures of the community's spaces, not lists of people."""

    async def load(keys: list[tuple[int, int]]) -> list[SpaceUse]:
        found: dict[tuple[int, int], SpaceUse] = {}
        async with source.session() as session:
            for year in sorted({year for _, year in keys}):
                start, end = year_window(year)
                communities = {c for c, y in keys if y == year}
                stmt = (
                    select(
                        SpaceBooking.community_id,
                        type_coerce(SpaceBooking.status, String),
                        func.count(),
                        func.coalesce(func.sum(SpaceBooking.used_attendees), 0),
                        func.coalesce(func.sum(SpaceBooking.minutes), 0),
                    )
                    .where(
                        SpaceBooking.community_id.in_(communities),
                        SpaceBooking.starts_at >= start,
                        SpaceBooking.starts_at < end,
                    )
                    .group_by(SpaceBooking.community_id, SpaceBooking.status)
                )
                for row in await session.execute(stmt):
                    found[(row[0], year)] = _add(found.get((row[0], year), SpaceUse()), row)
        return [found.get(key, SpaceUse()) for key in keys]

    return DataLoader(load_fn=load)


def _add(use: SpaceUse, row: Any) -> SpaceUse:
    _community, status, n, attendees, minutes = row
    state = BookingStatus(status)
    if state is BookingStatus.USED:
        hours = round(int(minutes) / 60, 1)
        return SpaceUse(use.booked + n, use.used + n, use.no_show, use.cancelled,
                        int(attendees), hours)  # fmt: skip
    if state is BookingStatus.NO_SHOW:
        return SpaceUse(use.booked + n, use.used, use.no_show + n, use.cancelled,
                        use.attendees, use.hours)  # fmt: skip
    if state is BookingStatus.CANCELLED:
        return SpaceUse(use.booked + n, use.used, use.no_show, use.cancelled + n,
                        use.attendees, use.hours)  # fmt: skip
    return SpaceUse(use.booked + n, use.used, use.no_show, use.cancelled, use.attendees,
                    use.hours)  # fmt: skip


class SpaceLoaders:
    """The loaders of spaces and bookings, one set per request (hung on `CommunityLoaders`)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.space_by_id = row_by_key(source, scope, Space.id)
        self.booking_by_id = row_by_key(source, scope, SpaceBooking.id)
        self.spaces_of_community = ListLoaders(source, scope, SPACES, Space.community_id)
        self.bookings_of_community = ListLoaders(source, scope, BOOKINGS, SpaceBooking.community_id)
        self.bookings_of_space = ListLoaders(source, scope, BOOKINGS, SpaceBooking.space_id)
        self.my_bookings = ListLoaders(source, BookedByViewer(scope), BOOKINGS)
        self.taken_slots = taken_slots(source)
        self.use_of_community = space_use(source)
