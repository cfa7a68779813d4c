"""Seeded shared spaces (共享空间) and a year of their bookings (July 2025 to June 2026).

Each community lists a 共享小屋 and a 党群服务站 meeting room, most also a 红色驿站 and some
an 活动室, each with the opening hours of its kind. On each day of the year each opening
interval is booked at most once (so no two bookings overlap), about one interval in four at
the demo and district scales (fewer at the small test scales, in proportion to the scale's
`operations`, so every seeded test database stays small):
by a supporter of the community, a resident, or a unit paired with it, for one to three
hours on the half hour, booked one to fourteen days ahead. The community recorded every
slot afterwards (mostly used, with the people who came; some no-shows); some were cancelled
before, by the booker or the community, with a reason. A few spaces were closed in June
2026 for refurbishment. Each space and booking has its trail (state events) as the API
would have written it.

Seeded residents have no identity yet (the issuer of the tokens that will read the rows is
unknown when seeding): a seeded resident's booking carries a synthetic identity key of his
subject, which no real token matches, so it is read by its community only.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import PairingStatus
from datasources.community.spaces.models import BookerKind, BookingStatus, SpaceKind
from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng

if TYPE_CHECKING:
    from datasources.seeding import Scale

YEAR_FROM, YEAR_TO = date(2025, 7, 1), date(2026, 6, 30)
CLOSED_ON = date(2026, 6, 15)
_WEEK, _WORKDAYS = range(1, 8), range(1, 6)
# Kind: (name, location, capacity range, opening intervals [(weekdays, opens, closes)]).
_KINDS: dict[SpaceKind, tuple[str, str, tuple[int, int], list[tuple[range, str, str]]]] = {
    SpaceKind.SHARED_HUT: ("共享小屋", "党群服务中心一楼", (8, 15), [(_WEEK, "09:00", "21:00")]),
    SpaceKind.MEETING_ROOM: ("党群服务站会议室", "党群服务中心二楼", (20, 30),
                             [(_WORKDAYS, "08:30", "12:00"), (_WORKDAYS, "14:00", "17:30")]),
    SpaceKind.RED_STATION: ("红色驿站", "小区入口旁", (6, 10), [(_WEEK, "08:00", "20:00")]),
    SpaceKind.ACTIVITY_ROOM: ("居民活动室", "社区文化中心", (30, 50),
                              [(range(2, 8), "09:00", "12:00"), (range(2, 8), "14:00", "21:00")]),
}  # fmt: skip
_PURPOSES = {
    BookerKind.MEMBER: ("党员学习小组", "主题党日活动", "志愿服务培训", "楼栋议事协商"),
    BookerKind.RESIDENT: ("居民议事会", "兴趣小组活动", "亲子阅读", "老年人健康讲座"),
    BookerKind.UNIT: ("结对共建座谈", "单位党支部主题党日", "共建项目协调会"),
}
BUSY = 0.25  # the share of opening intervals booked, from the demo scale up
_OPERATIONS_AT_BUSY = 20_000  # the demo scale's `operations`: below it, fewer bookings
_BOOKER_CANCELS = ("时间冲突，改期", "人员不足，取消活动", "临时有事")
_COMMUNITY_CANCELS = ("社区临时征用会议室", "停电检修")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _hours(intervals: list[tuple[range, str, str]]) -> list[list[Any]]:
    return [[day, opens, closes] for days, opens, closes in intervals for day in days]


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(), CHINA_TZ).astimezone(UTC) + timedelta(minutes=minutes)


class _Trail:
    """State events of the seeded spaces and bookings, numbered after the earlier ones."""

    def __init__(self, earlier: list[Row]) -> None:
        self.earlier = earlier
        self.next_id = max((e["id"] for e in earlier), default=0) + 1
        self.events: list[Row] = []

    def add(self, entity: str, entity_id: int, before: str | None, after: str,
            actor: tuple[str, str], note: str | None, at: datetime) -> None:  # fmt: skip
        subject, role = actor
        self.events.append({
            "id": self.next_id + len(self.events), "entity_type": entity, "entity_id": entity_id,
            "from_state": before, "to_state": after, "actor_subject": subject,
            "actor_role": role, "actor_organisation": subject, "note": note, "occurred_at": at,
            "changes": None,
        })  # fmt: skip


def _bookers(rows: TableRows) -> dict[int, dict[BookerKind, list[str]]]:
    """Who may book in each community: its supporters, and the units paired with it."""
    found: dict[int, dict[BookerKind, list[str]]] = {
        row["id"]: {BookerKind.MEMBER: [], BookerKind.UNIT: []} for row in rows["communities"]
    }
    for report in sorted(rows["reports"], key=lambda r: r["id"]):
        if report["status"] in ACTIVE_REPORT_STATUSES:
            found[report["community_id"]][BookerKind.MEMBER].append(report["member_code"])
    for pairing in sorted(rows["unit_pairings"], key=lambda r: r["id"]):
        if pairing["status"] is PairingStatus.ACTIVE:
            found[pairing["community_id"]][BookerKind.UNIT].append(pairing["unit_code"])
    return found


def generate_spaces(seed: int, scale: Scale, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "spaces")
    rate = BUSY * min(1.0, scale.operations / _OPERATIONS_AT_BUSY)
    trail = _Trail(list(rows.get("state_events", [])))
    bookers = _bookers(rows)
    spaces: list[Row] = []
    bookings: list[Row] = []
    for community in sorted(rows["communities"], key=lambda r: r["id"]):
        office = (f"community:{community['code']}", "community")
        kinds = [SpaceKind.SHARED_HUT, SpaceKind.MEETING_ROOM]
        kinds += [k for k, p in ((SpaceKind.RED_STATION, 0.6), (SpaceKind.ACTIVITY_ROOM, 0.5))
                  if rng.random() < p]  # fmt: skip
        for kind in kinds:
            name, location, capacity, intervals = _KINDS[kind]
            listed = _at(YEAR_FROM - timedelta(days=rng.randint(10, 60)), 9 * 60)
            closed = rng.random() < 0.07
            space: Row = {
                "id": len(spaces) + 1, "community_id": community["id"], "name": name,
                "kind": kind, "capacity": rng.randint(*capacity), "location": location,
                "description": None, "opening_hours": _hours(intervals),
                "status": "closed" if closed else "open",
                "closed_reason": "装修改造" if closed else None,
                "created_by": office[0], "created_at": listed,
            }  # fmt: skip
            spaces.append(space)
            trail.add("Space", space["id"], None, "open", office, name, listed)
            if closed:
                trail.add("Space", space["id"], "open", "closed", office, "装修改造",
                          _at(CLOSED_ON, 9 * 60))  # fmt: skip
            last = CLOSED_ON if closed else YEAR_TO
            who = bookers[community["id"]]
            for booking in _year_of(rng, space, intervals, who, last, rate):
                booking["id"] = len(bookings) + 1
                bookings.append(booking)
                _booking_trail(rng, trail, booking, office)
    return {"spaces": spaces, "space_bookings": bookings,
            "state_events": [*trail.earlier, *trail.events]}  # fmt: skip


def _year_of(
    rng: random.Random, space: Row, intervals: list[tuple[range, str, str]],
    who: dict[BookerKind, list[str]], last: date, rate: float,
) -> list[Row]:  # fmt: skip
    """The space's bookings of the year: at most one per opening interval and day."""
    out: list[Row] = []
    day = YEAR_FROM
    while day < last:
        for days, opens, closes in intervals:
            if day.isoweekday() not in days or rng.random() >= rate:
                continue
            length = rng.randint(2, 6) * 30
            first, end = _minutes(opens), _minutes(closes) - length
            if end < first:
                continue
            start = first + rng.randrange(0, end - first + 1, 30)
            out.append(_booking(rng, space, who, _at(day, start), length))
        day += timedelta(days=1)
    return out


def _booking(rng: random.Random, space: Row, who: dict[BookerKind, list[str]],
             starts: datetime, minutes: int) -> Row:  # fmt: skip
    kind = rng.choice((BookerKind.MEMBER, BookerKind.MEMBER, BookerKind.RESIDENT, BookerKind.UNIT))
    if not who.get(kind) and kind is not BookerKind.RESIDENT:
        kind = BookerKind.RESIDENT
    code = None if kind is BookerKind.RESIDENT else rng.choice(who[kind])
    subject = (f"resident:{space['community_id']}-{rng.randrange(1, 100_000):05d}"
               if code is None else f"{kind.value}:{code}")  # fmt: skip
    identity = hashlib.sha256(f"seed\0{subject}".encode()).hexdigest()
    attendees = rng.randint(1, space["capacity"])
    return {
        "space_id": space["id"], "community_id": space["community_id"], "booker_kind": kind,
        "booker_code": code, "booker_identity": identity, "booker_subject": subject,
        "starts_at": starts, "ends_at": starts + timedelta(minutes=minutes), "minutes": minutes,
        "purpose": rng.choice(_PURPOSES[kind]), "attendees": attendees,
        "status": BookingStatus.BOOKED,
        "created_at": starts - timedelta(days=rng.randint(1, 14), minutes=rng.randrange(600)),
        "cancelled_reason": None, "cancelled_by": None, "cancelled_at": None,
        "used_attendees": None, "use_note": None, "recorded_by": None, "recorded_at": None,
    }  # fmt: skip


def _booking_trail(rng: random.Random, trail: _Trail, row: Row, office: tuple[str, str]) -> None:
    """Its outcome and events: booked; then cancelled (8%: by the booker mostly), no-show
    (7%) or used (recorded the next morning, with the people who came)."""
    role = {BookerKind.MEMBER: "member", BookerKind.UNIT: "unit_branch",
            BookerKind.RESIDENT: "resident"}[row["booker_kind"]]  # fmt: skip
    booker = (row["booker_subject"], role)
    trail.add("SpaceBooking", row["id"], None, "booked", booker, row["purpose"], row["created_at"])
    outcome = rng.random()
    if outcome < 0.08:
        by_booker = outcome < 0.06
        actor, reason = (booker, rng.choice(_BOOKER_CANCELS)) if by_booker else (
            office, rng.choice(_COMMUNITY_CANCELS))  # fmt: skip
        at = row["starts_at"] - timedelta(hours=rng.randint(2, 20))
        row |= {"status": BookingStatus.CANCELLED, "cancelled_reason": reason,
                "cancelled_by": actor[0], "cancelled_at": at}  # fmt: skip
        trail.add("SpaceBooking", row["id"], "booked", "cancelled", actor, reason, at)
        return
    at = row["ends_at"] + timedelta(hours=rng.randint(1, 16))
    came = outcome >= 0.15
    status = BookingStatus.USED if came else BookingStatus.NO_SHOW
    people = max(1, row["attendees"] - rng.randint(0, 2)) if came else 0
    row |= {"status": status, "used_attendees": people, "recorded_by": office[0],
            "recorded_at": at}  # fmt: skip
    trail.add("SpaceBooking", row["id"], "booked", status.value, office, None, at)
