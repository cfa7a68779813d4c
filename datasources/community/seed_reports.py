"""Deterministic reports (member → community) and unit pairings (unit → community).

Reports are intervals: besides the active ones, the seed holds completed moves (the old
report closed the day the new community confirmed), moves still pending (the old report
still confirmed), moves the new community returned (the old one untouched), reports
returned as misdirected, and reports closed in 2025 of members who never reported again
(not reported in 2026). Their choices come from a random stream of their own
("report-moves"), so the rest of the seed does not shift.

Members cluster: each unit has two "home" communities where many of its staff live, and
some communities pull far more supporters than others, as Hujing's 677 against Tiejun's 80
did. A unit is then paired with the communities where its members actually live.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING

from datasources.community.models import (
    Availability,
    PairingStatus,
    ReportChannel,
    ReportEndReason,
    ReportStatus,
)
from datasources.community.seed_catalog import SKILL_CATEGORY
from datasources.community.seed_places import CommunityPlace, Places
from datasources.seed_data import (
    PERIOD_END,
    SKILLS,
    MemberRef,
    Row,
    TableRows,
    UnitRef,
    UnitSide,
    derive_rng,
    person_name,
    random_date,
    stamp,
    weighted_pick,
)

if TYPE_CHECKING:
    from datasources.seeding import Scale

_AVAILABILITY_ODDS = (
    (Availability.WEEKDAY_EVENINGS, 0.45),
    (Availability.WEEKENDS, 0.7),
    (Availability.HOLIDAYS, 0.35),
    (Availability.WEEKDAY_DAYTIME, 0.08),
    (Availability.ON_CALL, 0.15),
)
_HOME_SHARE = 0.35  # members living in one of their unit's two home communities
_RETURNED_SHARE = 0.01  # reporters whose first report went to the wrong community
_RETURNED_MOVE_SHARE = 0.02  # confirmed reporters whose move the new community returned
_YEAR_END = date(2025, 12, 31)
_CAMPAIGN = (date(2025, 4, 10), date(2025, 7, 31))  # the wave after the April notice
_NOTES = ("可在晚上提供孩子教育辅导服务", "周末可参加小区巡查", "愿意担任楼长", "可提供上门义诊")


@dataclass(frozen=True)
class Supporters:
    """Who reported where, as later seeders need it."""

    by_community: dict[int, list[MemberRef]]  # active reports only
    home_communities: dict[str, tuple[CommunityPlace, ...]]  # unit code -> its two homes


def generate_reports(
    seed: int, scale: Scale, places: Places, unit_side: UnitSide, category_codes: list[str]
) -> tuple[TableRows, Supporters]:
    rng = derive_rng(seed, "reports")
    communities = places.communities
    cum = list(accumulate(place.weight for place in communities))
    homes: dict[str, tuple[CommunityPlace, ...]] = {
        unit.code: (weighted_pick(rng, communities, cum), weighted_pick(rng, communities, cum))
        for unit in unit_side.units
    }
    writer = _ReportWriter(rng, category_codes, derive_rng(seed, "report-moves"))
    by_community: dict[int, list[MemberRef]] = {place.id: [] for place in communities}
    for member in unit_side.members:
        if not member.in_service:
            continue
        place = _residence(rng, homes[member.unit_code], communities, cum)
        if rng.random() < scale.report_rate:
            roll = rng.random()
            has_earlier = roll < scale.moved_rate + _RETURNED_SHARE
            earlier = None
            if has_earlier:
                previous = _elsewhere(rng, communities, cum, place)
                earlier = writer.earlier(member, previous, returned=roll >= scale.moved_rate)
            active = writer.active(member, place, after_earlier=has_earlier)
            if earlier is not None and earlier["end_reason"] is not ReportEndReason.RETURNED:
                writer.moved(earlier, active)
            elif earlier is None:
                writer.maybe_returned_move(member, active, communities)
            by_community[place.id].append(member)
        elif rng.random() < 0.1:
            # Moved away or was sent back, and has not reported again: shows up as non-compliant.
            writer.closed(member, place, random_date(rng, date(2025, 3, 1), date(2025, 9, 30)))
    rows = {"reports": writer.reports, "report_skills": writer.skills}
    return rows, Supporters(by_community, homes)


def _residence(
    rng: random.Random,
    homes: tuple[CommunityPlace, ...],
    communities: tuple[CommunityPlace, ...],
    cum: list[float],
) -> CommunityPlace:
    if rng.random() < _HOME_SHARE:
        return rng.choice(homes)
    return weighted_pick(rng, communities, cum)


def _elsewhere(
    rng: random.Random,
    communities: tuple[CommunityPlace, ...],
    cum: list[float],
    place: CommunityPlace,
) -> CommunityPlace:
    if len(communities) == 1:
        return place
    other = weighted_pick(rng, communities, cum)
    while other.id == place.id:
        other = weighted_pick(rng, communities, cum)
    return other


class _ReportWriter:
    """Accumulates report and report-skill rows with sequential ids."""

    def __init__(self, rng: random.Random, category_codes: list[str], moves: random.Random) -> None:
        self.rng = rng
        self.moves = moves  # the choices of ends and moves (see the module's docstring)
        self.category_codes = category_codes
        # Chancheng's own ten come first and are intended far more often.
        self.category_cum = list(
            accumulate(3.0 if code.startswith("chancheng.") else 1.0 for code in category_codes)
        )
        self.reports: list[Row] = []
        self.skills: list[Row] = []

    def earlier(self, member: MemberRef, previous: CommunityPlace, *, returned: bool) -> Row:
        """A report before the active one: closed when he moved, or sent back as misdirected."""
        day = random_date(self.rng, date(2025, 3, 1), date(2025, 6, 30))
        if returned:
            row = self._add(member, previous, day, ReportStatus.RETURNED, "非本社区居住，已退回")
            self._end(row, day + timedelta(days=self.moves.randint(1, 10)),
                      ReportEndReason.RETURNED)  # fmt: skip
            return row
        return self.closed(member, previous, day)

    def closed(self, member: MemberRef, place: CommunityPlace, day: date) -> Row:
        """A report closed in 2025: he moved away or left service (the end may be revised by
        `moved` when he reported again elsewhere)."""
        row = self._add(member, place, day, ReportStatus.CLOSED, "已迁出本社区")
        ended = min(day + timedelta(days=self.moves.randint(30, 120)), _YEAR_END)
        reason = (
            ReportEndReason.MOVED if self.moves.random() < 0.7 else ReportEndReason.LEFT_SERVICE
        )
        self._end(row, ended, reason)
        return row

    def moved(self, old: Row, new: Row) -> None:
        """`new` moves him from `old`: pending, the old report is still confirmed; confirmed,
        the old one ended the day the new community confirmed."""
        new["moves_from_id"] = old["id"]
        if new["status"] is ReportStatus.PENDING:
            old.update(status=ReportStatus.CONFIRMED, ended_on=None, end_reason=None, note=None)
            return
        confirmed = min(new["reported_on"] + timedelta(days=self.moves.randint(0, 14)), PERIOD_END)
        self._end(old, max(confirmed, old["reported_on"]), ReportEndReason.MOVED)

    def maybe_returned_move(
        self, member: MemberRef, active: Row, communities: tuple[CommunityPlace, ...]
    ) -> None:
        """Now and then a confirmed reporter files a move the new community returns: his
        confirmed report stays as it is."""
        moves = self.moves
        if active["status"] is not ReportStatus.CONFIRMED or len(communities) < 2:
            return
        if moves.random() >= _RETURNED_MOVE_SHARE:
            return
        place = moves.choice([c for c in communities if c.id != active["community_id"]])
        day = min(active["reported_on"] + timedelta(days=moves.randint(30, 200)), PERIOD_END)
        row = self._add(member, place, day, ReportStatus.RETURNED, "新社区核实非本社区居民，已退回",
                        rng=moves)  # fmt: skip
        row["moves_from_id"] = active["id"]
        self._end(row, day + timedelta(days=moves.randint(1, 7)), ReportEndReason.RETURNED)

    @staticmethod
    def _end(row: Row, ended_on: date, reason: ReportEndReason) -> None:
        row.update(ended_on=ended_on, end_reason=reason)

    def active(self, member: MemberRef, place: CommunityPlace, *, after_earlier: bool) -> Row:
        """The member's one pending or confirmed report, dated after any earlier one."""
        rng = self.rng
        if rng.random() < 0.08:
            status, day = ReportStatus.PENDING, random_date(rng, date(2026, 5, 1), PERIOD_END)
        elif after_earlier:
            status, day = ReportStatus.CONFIRMED, random_date(rng, date(2025, 7, 1), PERIOD_END)
        elif rng.random() < 0.55:
            status, day = ReportStatus.CONFIRMED, random_date(rng, *_CAMPAIGN)
        else:
            status, day = ReportStatus.CONFIRMED, random_date(rng, _CAMPAIGN[1], PERIOD_END)
        note = rng.choice(_NOTES) if rng.random() < 0.08 else None
        row = self._add(member, place, day, status, note)
        skills = list(member.skills)
        if len(skills) < 3 and rng.random() < 0.1:
            extra = rng.choice(SKILLS)
            if extra not in skills:
                skills.append(extra)
        self.skills += [{"report_id": row["id"], "skill": skill} for skill in skills]
        return row

    def _add(
        self,
        member: MemberRef,
        place: CommunityPlace,
        day: date,
        status: ReportStatus,
        note: str | None,
        rng: random.Random | None = None,
    ) -> Row:
        rng = rng or self.rng
        report_id = len(self.reports) + 1
        row: Row = {
            "id": report_id,
            "member_code": member.code,
            "community_id": place.id,
            "building_id": weighted_pick(rng, place.building_ids, place.building_cum)
            if place.building_ids and rng.random() < 0.97 else None,
            "reported_on": day,
            "channel": ReportChannel.ONLINE if rng.random() < 0.93 else ReportChannel.OFFLINE,
            "status": status,
            "availability": self._availability(rng),
            "intentions": self._intentions(member, rng),
            "note": note,
            "created_at": stamp(rng, day),
            "ended_on": None,
            "end_reason": None,
            "moves_from_id": None,
        }  # fmt: skip
        self.reports.append(row)
        return row

    def _availability(self, rng: random.Random) -> int:
        bits = Availability(0)
        for flag, odds in _AVAILABILITY_ODDS:
            if rng.random() < odds:
                bits |= flag
        return int(bits or Availability.WEEKENDS)

    def _intentions(self, member: MemberRef, rng: random.Random) -> list[str]:
        wanted = rng.randint(1, 3)
        codes: list[str] = []
        if member.skills and rng.random() < 0.5:
            codes.append(SKILL_CATEGORY.get(rng.choice(member.skills), self.category_codes[0]))
        while len(codes) < wanted:
            code = weighted_pick(rng, self.category_codes, self.category_cum)
            if code not in codes:
                codes.append(code)
        return codes


def generate_pairings(
    seed: int, places: Places, unit_side: UnitSide, supporters: Supporters
) -> tuple[TableRows, dict[int, list[UnitRef]]]:
    """Each unit is actively paired with one or two communities, mostly its members' homes."""
    rng = derive_rng(seed, "pairings")
    rows: list[Row] = []
    paired: dict[int, list[UnitRef]] = {place.id: [] for place in places.communities}
    for unit in unit_side.units:
        homes = list(dict.fromkeys(supporters.home_communities[unit.code]))
        targets = homes[: 1 if rng.random() < 0.7 else 2]
        if rng.random() < 0.12:
            past = rng.choice(places.communities)
            if past not in targets:
                rows.append(_pairing_row(rng, len(rows) + 1, unit, past, ended=True))
        for place in targets:
            rows.append(_pairing_row(rng, len(rows) + 1, unit, place, ended=False))
            paired[place.id].append(unit)
    return {"unit_pairings": rows}, paired


def _pairing_row(
    rng: random.Random, pairing_id: int, unit: UnitRef, place: CommunityPlace, *, ended: bool
) -> Row:
    if ended:
        started = random_date(rng, date(2024, 3, 1), date(2024, 12, 31))
        ended_on: date | None = random_date(rng, date(2025, 3, 1), date(2025, 6, 30))
    else:
        started, ended_on = random_date(rng, date(2025, 4, 15), date(2025, 9, 30)), None
    contact = rng.choice(unit.members).name if unit.members else person_name(rng, male=True)
    return {
        "id": pairing_id,
        "unit_code": unit.code,
        "community_id": place.id,
        "started_on": started,
        "ended_on": ended_on,
        "status": PairingStatus.ENDED if ended else PairingStatus.ACTIVE,
        "contact_name": contact,
    }
