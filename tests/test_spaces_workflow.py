"""Shared spaces (共享空间) end to end, on both backends: the committee lists a space with
opening hours; members, residents and paired units book slots inside them; overlapping
slots are refused (also when two bookers race for one); the booker or the community
cancels with a reason; the community records the use, which the community's figures count;
closing a space cancels its upcoming bookings. Every step is in the history."""

from __future__ import annotations

import asyncio
import base64
import itertools
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.common import CHINA
from datasources.community.spaces.models import SpaceBooking
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.test_lists_workflow import _paired_units
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("spaces")

ERRORS = "clientMutationId userErrors { code message field }"
SPACE = """id name kind capacity location status closedReason
  openingHours { weekday opens closes } history { fromState toState note changes { field before after } }"""
BOOKING = """id bookerKind bookerCode startsAt endsAt purpose attendees status
  cancelledReason usedAttendees history { fromState toState actorRole note }"""
CREATE = f"""mutation($input: CreateSpaceInput!) {{
  createSpace(input: $input) {{ {ERRORS} space {{ {SPACE} }} }} }}"""
CHANGE = f"""mutation($input: ChangeSpaceInput!) {{
  changeSpace(input: $input) {{ {ERRORS} space {{ {SPACE} }} }} }}"""
CLOSE = f"""mutation($input: CloseSpaceInput!) {{
  closeSpace(input: $input) {{ {ERRORS} space {{ {SPACE} }} }} }}"""
REOPEN = f"""mutation($input: ReopenSpaceInput!) {{
  reopenSpace(input: $input) {{ {ERRORS} space {{ status }} }} }}"""
BOOK = f"""mutation($input: BookSpaceInput!) {{
  bookSpace(input: $input) {{ {ERRORS} booking {{ {BOOKING} }} }} }}"""
CANCEL = f"""mutation($input: CancelSpaceBookingInput!) {{
  cancelSpaceBooking(input: $input) {{ {ERRORS} booking {{ {BOOKING} }} }} }}"""
USE = f"""mutation($input: RecordSpaceUseInput!) {{
  recordSpaceUse(input: $input) {{ {ERRORS} booking {{ {BOOKING} }} }} }}"""
BOOKINGS = """query($c: String!, $from: DateTime!) { community(code: $c) {
  spaceBookings(first: 100, filter: {startsFrom: $from}) {
  totalCount edges { node { id } } } } }"""
MINE = """query($from: DateTime!) { mySpaceBookings(first: 100, filter: {startsFrom: $from}) {
  totalCount edges { node { id status } } } }"""
TAKEN = """query($id: ID!, $d: Date!) { node(id: $id) { ... on Space {
  takenSlots(day: $d) { startsAt endsAt } bookings(first: 100) { totalCount } } } }"""
USE_FIGURE = """query($c: String!, $y: Int!) { community(code: $c) { spaceUse(year: $y) {
  booked used noShow cancelled attendees hours } } }"""
EVERY_DAY = [{"weekday": d, "opens": "08:00", "closes": "21:00"} for d in range(1, 8)]
_SERIAL = itertools.count(1)


def _day(days: int) -> datetime:
    """Midnight (China time) `days` from today."""
    today = datetime.now(CHINA).date()
    return datetime.combine(today + timedelta(days=days), time(), CHINA)


def _slot(days: int, hour: float, hours: float) -> dict[str, str]:
    start = _day(days) + timedelta(hours=hour)
    return {"startsAt": start.isoformat(), "endsAt": (start + timedelta(hours=hours)).isoformat()}


async def _space(committee: GraphQLClient, **more: Any) -> dict[str, Any]:
    given = {"name": f"共享小屋{next(_SERIAL)}号", "kind": "SHARED_HUT", "capacity": 12,
             "location": "党群服务中心一楼", "openingHours": EVERY_DAY, **more}  # fmt: skip
    payload = (await committee.query(CREATE, {"input": given}))["createSpace"]
    assert payload["userErrors"] == [], payload
    space: dict[str, Any] = payload["space"]
    return space


async def _book(client: GraphQLClient, space: str, slot: dict[str, str], **more: Any) -> Any:
    given = {"spaceId": space, "purpose": "党员学习小组", "attendees": 6, **slot, **more}
    return (await client.query(BOOK, {"input": given}))["bookSpace"]


def _code(payload: dict[str, Any]) -> tuple[str, str | None]:
    error = payload["userErrors"][0]
    assert error["message"]
    return error["code"], error["field"]


async def _ids(client: GraphQLClient, community: str = "C001") -> set[str]:
    upcoming = datetime.now(CHINA).isoformat()  # the seeded year's bookings are past
    data = await client.query(BOOKINGS, {"c": community, "from": upcoming})
    return {e["node"]["id"] for e in data["community"]["spaceBookings"]["edges"]}


async def _to_past(pair: DatabasePair, booking: str) -> None:
    """Let the slot pass: move it to yesterday, past the API (time cannot be waited for)."""
    row = int(base64.b64decode(booking).decode().split(":")[1])
    start = _day(-1) + timedelta(hours=9)
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(update(SpaceBooking).where(SpaceBooking.id == row)
                               .values(starts_at=start, ends_at=start + timedelta(hours=1)))  # fmt: skip
    finally:
        await engine.dispose()


async def test_spaces_are_listed_booked_cancelled_and_used(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C001")
    space = await _space(committee, clientMutationId="hut-1")
    assert (space["status"], len(space["openingHours"])) == ("OPEN", 7)
    assert space["history"][0]["toState"] == "open"
    again = (await committee.query(CREATE, {"input": {
        "name": space["name"], "kind": "SHARED_HUT", "capacity": 12, "location": "x",
        "openingHours": EVERY_DAY, "clientMutationId": "hut-1"}}))["createSpace"]  # fmt: skip
    assert again["space"]["id"] == space["id"]
    for bad, expected in (
        ({"name": space["name"]}, ("DUPLICATE", "input.name")),
        ({"openingHours": [{"weekday": 1, "opens": "09:00", "closes": "08:00"}]},
         ("INVALID_INPUT", "input.openingHours")),
        ({"openingHours": [{"weekday": 1, "opens": "09:15", "closes": "12:00"}]},
         ("INVALID_INPUT", "input.openingHours")),
        ({"openingHours": [{"weekday": 1, "opens": "08:00", "closes": "12:00"},
                           {"weekday": 1, "opens": "11:00", "closes": "14:00"}]},
         ("INVALID_INPUT", "input.openingHours")),
    ):  # fmt: skip
        given = {"name": "红色驿站", "kind": "RED_STATION", "capacity": 10, "location": "x",
                 "openingHours": EVERY_DAY, **bad}  # fmt: skip
        assert _code((await committee.query(CREATE, {"input": given}))["createSpace"]) == expected

    member, other = await supporters(hub, "C001", 2)
    [stranger] = await supporters(hub, "C002", 1)
    me = hub.as_viewer("member", member=member)
    resident = hub.as_viewer("resident", community="C001")
    booked = await _book(me, space["id"], _slot(1, 9, 2), clientMutationId="b-1")
    assert booked["userErrors"] == []
    row = booked["booking"]
    assert (row["bookerKind"], row["bookerCode"], row["status"]) == ("MEMBER", member, "BOOKED")
    assert row["history"] == [{"fromState": None, "toState": "booked", "actorRole": "member",
                               "note": "党员学习小组"}]  # fmt: skip
    assert (await _book(me, space["id"], _slot(1, 9, 2), clientMutationId="b-1"))[
        "booking"]["id"] == row["id"]  # fmt: skip

    # Overlaps are refused; the adjacent slot is free. The refusals of the rules follow.
    assert _code(await _book(resident, space["id"], _slot(1, 10, 2))) == (
        "SLOT_TAKEN", "input.startsAt")  # fmt: skip
    adjacent = await _book(resident, space["id"], _slot(1, 11, 1), attendees=2)
    assert adjacent["userErrors"] == []
    assert adjacent["booking"]["bookerCode"] is None
    for given, expected in (
        ({**_slot(1, 7, 2)}, ("OUTSIDE_WINDOW", "input.startsAt")),  # before opening
        ({**_slot(1, 20, 2)}, ("OUTSIDE_WINDOW", "input.startsAt")),  # past closing
        ({**_slot(1, 13, 5)}, ("INVALID_INPUT", "input.endsAt")),  # over four hours
        ({**_slot(31, 9, 1)}, ("OUTSIDE_WINDOW", "input.startsAt")),  # too far ahead
        ({**_slot(-1, 9, 1)}, ("OUTSIDE_WINDOW", "input.startsAt")),  # in the past
        ({**_slot(1, 13.25, 1)}, ("INVALID_INPUT", "input.startsAt")),  # not on the half hour
        ({**_slot(1, 13, 1), "attendees": 13}, ("INVALID_INPUT", "input.attendees")),
        ({**_slot(1, 13, 1), "purpose": " "}, ("INVALID_INPUT", "input.purpose")),
    ):
        assert _code(await _book(me, space["id"], given)) == expected, given
    outsider = hub.as_viewer("member", member=stranger)
    assert _code(await _book(outsider, space["id"], _slot(2, 9, 1))) == (
        "NOT_REPORTED", "input.spaceId")  # fmt: skip
    for denied in (hub.as_viewer("resident", community="C002"), committee):
        body = await denied.raw(BOOK, {"input": {"spaceId": space["id"], "purpose": "x",
                                                 "attendees": 1, **_slot(2, 9, 1)}})  # fmt: skip
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    units = await _paired_units(hub, "C001")
    unit = hub.as_viewer("unit_branch", unit=units[0])
    assert (await _book(unit, space["id"], _slot(2, 14, 2), attendees=10))["userErrors"] == []

    # Read rules: the community all, each booker his own, taken slots for anyone signed in.
    assert {row["id"], adjacent["booking"]["id"]} <= await _ids(committee)
    assert row["id"] in await _ids(me)
    assert adjacent["booking"]["id"] not in await _ids(me)
    assert await _ids(resident) == {adjacent["booking"]["id"]}
    assert await _ids(hub.as_viewer("member", member=other)) == set()
    assert await _ids(hub.as_viewer("community", community="C002")) == set()
    mine = (await me.query(MINE, {"from": _day(0).isoformat()}))["mySpaceBookings"]
    assert [e["node"]["id"] for e in mine["edges"]] == [row["id"]]
    day = _day(1).date().isoformat()
    taken = (await outsider.query(TAKEN, {"id": space["id"], "d": day}))["node"]
    assert len(taken["takenSlots"]) == 2
    assert taken["bookings"]["totalCount"] == 0
    anonymous = await hub.anonymous().raw(TAKEN, {"id": space["id"], "d": day})
    assert anonymous.get("data", {}).get("node") is None

    # Cancelled by the booker (not by another member), with a reason, once; the slot frees.
    cancel = {"bookingId": row["id"], "reason": "学习改期"}
    body = await hub.as_viewer("member", member=other).raw(CANCEL, {"input": cancel})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    blank = (await me.query(CANCEL, {"input": {**cancel, "reason": " "}}))["cancelSpaceBooking"]
    assert _code(blank) == ("INVALID_INPUT", "input.reason")
    done = (await me.query(CANCEL, {"input": cancel}))["cancelSpaceBooking"]
    assert (done["booking"]["status"], done["booking"]["cancelledReason"]) == ("CANCELLED",
                                                                             "学习改期")  # fmt: skip
    assert _code((await me.query(CANCEL, {"input": cancel}))["cancelSpaceBooking"])[0] == (
        "INVALID_STATE")  # fmt: skip
    retaken = await _book(me, space["id"], _slot(1, 9, 1))
    assert retaken["userErrors"] == []

    # The community records the use once the slot has passed: came (with the people) or not.
    use = {"bookingId": retaken["booking"]["id"], "came": True, "attendees": 5}
    early = (await committee.query(USE, {"input": use}))["recordSpaceUse"]
    assert _code(early) == ("OUTSIDE_WINDOW", "input.bookingId")
    year = _day(-1).year
    before = (await hub.query(USE_FIGURE, {"c": "C001", "y": year}))["community"]["spaceUse"]
    await _to_past(workflow_db, retaken["booking"]["id"])
    await _to_past(workflow_db, adjacent["booking"]["id"])
    body = await me.raw(USE, {"input": use})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    used = (await committee.query(USE, {"input": use}))["recordSpaceUse"]["booking"]
    assert (used["status"], used["usedAttendees"]) == ("USED", 5)
    assert [e["toState"] for e in used["history"]] == ["booked", "used"]
    too_many = {"bookingId": adjacent["booking"]["id"], "came": True, "attendees": 13}
    assert _code((await committee.query(USE, {"input": too_many}))["recordSpaceUse"]) == (
        "INVALID_INPUT", "input.attendees")  # fmt: skip
    no_show = {"bookingId": adjacent["booking"]["id"], "came": False}
    assert (await committee.query(USE, {"input": no_show}))["recordSpaceUse"]["booking"][
        "status"] == "NO_SHOW"  # fmt: skip
    assert _code((await committee.query(USE, {"input": use}))["recordSpaceUse"])[0] == (
        "INVALID_STATE")  # fmt: skip
    after = (await hub.query(USE_FIGURE, {"c": "C001", "y": year}))["community"]["spaceUse"]
    assert (after["used"], after["noShow"], after["attendees"], after["hours"]) == (
        before["used"] + 1, before["noShow"] + 1, before["attendees"] + 5, before["hours"] + 1,
    )  # fmt: skip

    # Changed (the fields in the history); closed with a reason, which cancels the
    # upcoming bookings and refuses new ones; reopened.
    changed = (await committee.query(CHANGE, {"input": {"spaceId": space["id"],
                                                        "capacity": 20}}))["changeSpace"]  # fmt: skip
    assert changed["space"]["history"][-1]["changes"] == [
        {"field": "capacity", "before": "12", "after": "20"}]  # fmt: skip
    closed = (await committee.query(CLOSE, {"input": {"spaceId": space["id"],
                                                      "reason": "设备检修"}}))["closeSpace"]  # fmt: skip
    assert (closed["space"]["status"], closed["space"]["closedReason"]) == ("CLOSED", "设备检修")
    statuses = (await unit.query(MINE, {"from": _day(0).isoformat()}))["mySpaceBookings"]["edges"]
    assert [e["node"]["status"] for e in statuses] == ["CANCELLED"]
    assert _code(await _book(me, space["id"], _slot(3, 9, 1)))[0] == "INVALID_STATE"
    other_community = hub.as_viewer("community", community="C002")
    body = await other_community.raw(REOPEN, {"input": {"spaceId": space["id"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    reopened = (await committee.query(REOPEN, {"input": {"spaceId": space["id"]}}))["reopenSpace"]
    assert reopened["space"]["status"] == "OPEN"
    assert await count(workflow_db, "SELECT count(*) FROM space_bookings WHERE space_id IN "
                       "(SELECT id FROM spaces WHERE name = :n)", n=space["name"]) == 4  # fmt: skip


async def test_two_bookers_race_for_one_slot(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    """Overlapping slots booked at once: exactly one wins, the other gets SLOT_TAKEN."""
    space = await _space(hub.as_viewer("community", community="C001"))
    first, second = (hub.as_viewer("member", member=m) for m in await supporters(hub, "C001", 2))
    for day in (1, 2, 3):
        results = await asyncio.gather(
            _book(first, space["id"], _slot(day, 9, 2)),
            _book(second, space["id"], _slot(day, 10, 2)),
        )
        won = [r for r in results if r["booking"] is not None]
        lost = [r for r in results if r["booking"] is None]
        assert len(won) == 1, results
        assert len(lost) == 1, results
        assert lost[0]["userErrors"][0]["code"] == "SLOT_TAKEN"
    assert await count(workflow_db, "SELECT count(*) FROM space_bookings b JOIN spaces s "
                       "ON s.id = b.space_id WHERE s.name = :n", n=space["name"]) == 3  # fmt: skip
