"""Opening hours (开放时间) of a shared space, and whether a slot fits them.

Hours are given per weekday (1 Monday ... 7 Sunday) as "HH:MM" China time on the half hour,
one or more intervals a day that never overlap. A slot is booked on the half hour, lasts at
most `MAX_MINUTES`, starts in the future and at most `BOOK_AHEAD_DAYS` ahead, and lies
inside one interval of its weekday.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from datasources.common import CHINA, as_utc, utcnow
from resolvers.workflow import Refusal, RefusalCode

SLOT_MINUTES = 30  # slots begin and end on the half hour (整点或半点)
MAX_MINUTES = 4 * 60  # one booking lasts at most four hours
BOOK_AHEAD_DAYS = 30  # a slot is booked at most 30 days ahead
MAX_INTERVALS = 21  # three intervals a day at most
WEEKDAYS = "一二三四五六日"
FIELD = "input.openingHours"


@dataclass(frozen=True)
class Interval:
    """One opening interval of a weekday, in minutes after midnight (China time)."""

    weekday: int  # 1 Monday ... 7 Sunday
    opens: int
    closes: int

    def stored(self) -> list[Any]:
        return [self.weekday, _hhmm(self.opens), _hhmm(self.closes)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    try:
        hours, minutes = (int(part) for part in text.strip().split(":"))
    except ValueError:
        raise Refusal(RefusalCode.INVALID_INPUT, f"时间格式应为“时:分”，如09:30：{text}。",
                      FIELD) from None  # fmt: skip
    total = hours * 60 + minutes
    if not (0 <= hours <= 24 and 0 <= minutes < 60 and total <= 24 * 60):
        raise Refusal(RefusalCode.INVALID_INPUT, f"时间超出范围：{text}。", FIELD)
    if total % SLOT_MINUTES:
        raise Refusal(RefusalCode.INVALID_INPUT, f"开放时间须为整点或半点：{text}。", FIELD)
    return total


def parse_hours(given: Iterable[tuple[int, str, str]]) -> list[Interval]:
    """Validated intervals, ordered by weekday and time; INVALID_INPUT otherwise."""
    intervals = []
    for weekday, opens, closes in given:
        if not 1 <= weekday <= 7:
            raise Refusal(RefusalCode.INVALID_INPUT, "星期应为1（周一）至7（周日）。", FIELD)
        interval = Interval(weekday, _minutes(opens), _minutes(closes))
        if interval.opens >= interval.closes:
            raise Refusal(RefusalCode.INVALID_INPUT, "开放时间的结束须晚于开始。", FIELD)
        intervals.append(interval)
    if not intervals:
        raise Refusal(RefusalCode.INVALID_INPUT, "请至少填写一个开放时段。", FIELD)
    if len(intervals) > MAX_INTERVALS:
        raise Refusal(RefusalCode.INVALID_INPUT, f"开放时段不能超过{MAX_INTERVALS}个。", FIELD)
    intervals.sort(key=lambda i: (i.weekday, i.opens))
    for before, after in pairwise(intervals):
        if before.weekday == after.weekday and after.opens < before.closes:
            raise Refusal(RefusalCode.INVALID_INPUT,
                          f"周{WEEKDAYS[after.weekday - 1]}的开放时段重叠。", FIELD)  # fmt: skip
    return intervals


def stored_hours(intervals: Sequence[Interval]) -> list[list[Any]]:
    return [interval.stored() for interval in intervals]


def intervals_of(stored: Sequence[Sequence[Any]]) -> list[Interval]:
    return [Interval(int(w), _minutes(str(o)), _minutes(str(c))) for w, o, c in stored]


@dataclass(frozen=True)
class Slot:
    """A slot asked for: UTC instants and its length."""

    starts_at: datetime
    ends_at: datetime
    minutes: int


def check_slot(starts_at: datetime, ends_at: datetime, hours: Sequence[Sequence[Any]]) -> Slot:
    """The slot if it may be booked now in a space open at `hours`; a refusal otherwise."""
    start, end = as_utc(starts_at), as_utc(ends_at)
    minutes = int((end - start).total_seconds() // 60)
    if end <= start:
        raise Refusal(RefusalCode.INVALID_INPUT, "结束时间须晚于开始时间。", "input.endsAt")
    local_start, local_end = start.astimezone(CHINA), end.astimezone(CHINA)
    for moment, field in ((local_start, "input.startsAt"), (local_end, "input.endsAt")):
        if moment.second or moment.microsecond or moment.minute % SLOT_MINUTES:
            raise Refusal(RefusalCode.INVALID_INPUT, "预约时段须从整点或半点开始和结束。", field)
    if minutes > MAX_MINUTES:
        raise Refusal(RefusalCode.INVALID_INPUT,
                      f"单次预约不能超过{MAX_MINUTES // 60}小时。", "input.endsAt")  # fmt: skip
    now = utcnow()
    if start <= now:
        raise Refusal(RefusalCode.OUTSIDE_WINDOW, "只能预约将来的时段。", "input.startsAt")
    if local_start.date() > (now.astimezone(CHINA) + timedelta(days=BOOK_AHEAD_DAYS)).date():
        raise Refusal(RefusalCode.OUTSIDE_WINDOW,
                      f"最多可提前{BOOK_AHEAD_DAYS}天预约。", "input.startsAt")  # fmt: skip
    if not _within_hours(local_start, local_end, intervals_of(hours)):
        raise Refusal(RefusalCode.OUTSIDE_WINDOW, "该时段不在空间的开放时间内。", "input.startsAt")
    return Slot(start, end, minutes)


def _within_hours(start: datetime, end: datetime, intervals: Sequence[Interval]) -> bool:
    if end.date() != start.date() and not (
        end.hour == end.minute == 0 and end.date() == start.date() + timedelta(days=1)
    ):
        return False  # fmt: skip
    first = start.hour * 60 + start.minute
    last = first + int((end - start).total_seconds() // 60)
    weekday = start.isoweekday()
    return any(i.weekday == weekday and i.opens <= first and last <= i.closes for i in intervals)
