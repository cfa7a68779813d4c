"""Who may serve where and when, as the operations seeders need it.

A member serves a community only while he has a report there: from the day after his
confirmed (active) report until the end of the period, or, for a member who moved, from
the day after his earlier (now closed) report until the day he reported to his new
community. Pending, returned and lone closed reports never serve. How much each member
serves is heavy-tailed: a few are very active, many serve now and then, some never.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from datasources.community.models import ReportStatus
from datasources.seed_data import CHINA_TZ, PERIOD_END, Row, UnitSide

# The seeded year of activity: July 2025 to the end of June 2026 (China Standard Time).
YEAR_START = date(2025, 7, 1)
YEAR_DAYS = (PERIOD_END - YEAR_START).days + 1
START = datetime.combine(YEAR_START, datetime.min.time(), tzinfo=CHINA_TZ).astimezone(UTC)
# "Now" for the seeded data: the end of the period; nothing recorded happens later.
NOW = START + timedelta(days=YEAR_DAYS) - timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
_IDLE_SHARE = 0.12  # reported, but never served


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ).astimezone(UTC)


def moment(rng: random.Random, first_hour: int = 8, last_hour: int = 21) -> datetime:
    """A random instant of the year, between `first_hour` and `last_hour` China time."""
    seconds = rng.randrange(first_hour * 3600, (last_hour + 1) * 3600)
    return START + timedelta(days=rng.randrange(YEAR_DAYS), seconds=seconds)


def later(rng: random.Random, at: datetime, low_hours: float, high_hours: float) -> datetime:
    """`at` plus a uniform delay, to the second."""
    return at + timedelta(seconds=int(rng.uniform(low_hours, high_hours) * 3600))


@dataclass(slots=True, eq=False)
class Server:
    """A member's window of service in one community."""

    code: str
    unit_code: str
    community_id: int
    start: datetime
    end: datetime
    building_id: int | None
    active: bool  # the window of his active report (not the community he left)


@dataclass(eq=False)
class Pool:
    """A community's servers, drawn by how active each is."""

    servers: list[Server] = field(default_factory=list)
    cum: list[float] = field(default_factory=list)

    def add(self, server: Server, weight: float) -> None:
        if weight <= 0:
            return
        self.servers.append(server)
        self.cum.append((self.cum[-1] if self.cum else 0.0) + weight)

    def pick(
        self, rng: random.Random, at: datetime, until: datetime | None = None
    ) -> Server | None:
        """A server (by activity) whose window holds `at` (and `until`); None if none found."""
        if not self.servers:
            return None
        last = until or at
        top = self.cum[-1]
        for _ in range(12):
            index = bisect_right(self.cum, rng.random() * top, 0, len(self.servers) - 1)
            server = self.servers[index]
            if server.start <= at and last <= server.end:
                return server
        return None

    def by_unit(self, unit_code: str) -> list[Server]:
        return [server for server in self.servers if server.unit_code == unit_code]


def serving_pools(
    rng: random.Random, reports: list[Row], unit_side: UnitSide, community_ids: list[int]
) -> dict[int, Pool]:
    """Per community, the members who may serve there and when."""
    unit_of = {member.code: member.unit_code for member in unit_side.members}
    by_member: dict[str, list[Row]] = {}
    for report in reports:
        by_member.setdefault(report["member_code"], []).append(report)
    pools = {community_id: Pool() for community_id in community_ids}
    for code, member_reports in by_member.items():
        active = [r for r in member_reports if r["status"] is ReportStatus.CONFIRMED]
        if not active:
            continue
        weight = 0.0 if rng.random() < _IDLE_SHARE else rng.lognormvariate(0.0, 0.9)
        current = active[0]
        start = max(START, local_midnight(current["reported_on"] + DAY))
        if start < NOW:
            server = Server(code, unit_of[code], current["community_id"], start, NOW,
                            current["building_id"], active=True)  # fmt: skip
            pools[current["community_id"]].add(server, weight)
        for earlier in member_reports:
            if earlier["status"] is not ReportStatus.CLOSED:
                continue
            begin = max(START, local_midnight(earlier["reported_on"] + DAY))
            end = local_midnight(current["reported_on"])
            if begin < end:
                server = Server(code, unit_of[code], earlier["community_id"], begin, end,
                                earlier["building_id"], active=False)  # fmt: skip
                pools[earlier["community_id"]].add(server, weight)
    return pools
