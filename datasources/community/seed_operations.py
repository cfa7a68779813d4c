"""A deterministic year of community operations: orders, activities and micro-wishes,
then the points they earn and what members redeem (`seed_mall`), building groups,
household assignments and evaluations (`seed_groups`).

Every record follows its workflow, so the data reads as if the hub had recorded it:

- orders: ordered <= dispatched <= accepted <= closed <= rated/confirmed, each step only
  when the earlier one happened before the end of the period ("now"); never rated before
  closed; rated by the resident who placed it or raised its demand (`RESIDENT`), or
  still waiting for his rating; orders placed or raised on a resident's behalf are
  confirmed, some rated, by who placed them (`OFFLINE`, `COMMUNITY_DEMAND`); converted
  demands are placed by the community; dispatched to a member who has reported to the community, or to a unit through
  an active pairing that had started by then, and served by one of that unit's reporters;
  orders still open after their due time are escalated;
- activities: signups in time order never hold more places than the capacity (later ones
  wait, and the first waiting one is promoted when a place is cancelled), check-ins fall
  inside the time window, and a certified activity's attended signups are certified;
- micro-wishes: claimed by one reporter of the community, fulfilled, then confirmed;
- points: one EARN entry per completed order ("order_completed"), certified signup
  (the activity's points per attendance) and confirmed wish ("wish_fulfilled").

State events (`state_events`, an entity's `history`) are not generated for the seeded
history: at district scale they would double the volume for little use. The records'
own timestamps carry the same trail; only changes made through the API have events.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from hashlib import sha256
from typing import TYPE_CHECKING

from datasources.community.activity_models import ActivityStatus, SignupStatus
from datasources.community.models import (
    ListItemStatus,
    MicroWishStatus,
    PairingStatus,
    RequesterKind,
)
from datasources.community.order_models import OrderStatus, RatingBasis, TakerKind
from datasources.community.seed_catalog import DEMANDS, SERVICES
from datasources.community.seed_places import CommunityPlace
from datasources.community.seed_serving import (
    DAY,
    HOUR,
    NOW,
    START,
    YEAR_DAYS,
    Pool,
    Server,
    later,
    local_midnight,
    moment,
)
from datasources.seed_data import (
    Row,
    TableRows,
    derive_rng,
    honorific_name,
    person_name,
    split_total,
    weighted_pick,
)

if TYPE_CHECKING:
    from datasources.seeding import Scale

# Shares of the scale's `operations` size; points entries (about 0.49 of it) and
# redemptions (0.05) follow, so the ledger and service records come to about 1.1 times it.
ORDER_SHARE = 0.115
SIGNUP_SHARE = 0.44
WISH_SHARE = 0.012

# Default point values (resolvers.points.DEFAULT_RULES): the seeder cannot import the
# resolvers, so a test checks these stay equal.
ORDER_POINTS = 10
WISH_POINTS = 5
# The residents' rating period in force (rating_policy_models.DEFAULT_RATING_DAYS, and what
# `rating_policies` leaves in force for the seeded years), in days after the closing.
RATING_DAYS = 7
# Of the orders a resident rates himself, the share he lets the period pass: his community
# then confirms it on his behalf (NOT_RATED_IN_TIME).
LAPSED_SHARE = 0.08

_HOURS = tuple(Decimal(n) / 2 for n in range(1, 13))  # 0.5 .. 6.0
_HOURS_CUM = (4.0, 14.0, 24.0, 32.0, 37.0, 41.0, 43.0, 44.5, 45.5, 46.2, 46.6, 47.0)
_RATINGS = (5, 4, 3, 2, 1)
_RATING_CUM = (0.66, 0.9, 0.97, 0.99, 1.0)
_RATING_COMMENTS = {
    5: ("服务很周到，非常感谢！", "党员同志很耐心，点赞", "及时上门，问题解决了", "非常满意"),
    4: ("服务不错，就是来得有点晚", "整体满意", "解决得挺好"),
    3: ("一般，问题基本解决", "还可以"),
    2: ("等了很久才有人来", "问题没有完全解决"),
    1: ("没有解决问题",),
}
_SUMMARIES = (
    "已上门完成服务，居民表示满意。",
    "与居民沟通后完成处理，并留下联系方式便于回访。",
    "联合网格员共同处理，现场已整改。",
    "已协助办理完毕，相关材料已交居民本人。",
    "已完成，后续由楼栋党小组跟进。",
)
_ACTIVITIES = (
    ("垃圾分类宣传", "chancheng.clean_homes"),
    ("周末环境整治", "chancheng.clean_homes"),
    ("夜间平安巡防", "chancheng.safety_patrol"),
    ("文明交通劝导", "chancheng.civilised_travel"),
    ("邻里节百家宴", "chancheng.neighbourly_harmony"),
    ("广场舞展演", "chancheng.culture_sports"),
    ("党员政策宣讲会", "qianjiang.party_building"),
    ("防诈骗知识讲座", "qianjiang.policy_promotion"),
    ("义诊进小区", "chancheng.epidemic"),
    ("四点半课堂", "junan.education"),
    ("探访独居长者", "junan.elderly_children"),
    ("家电义务维修日", "junan.convenience"),
    ("创文创卫清洁行动", "qianjiang.civilised_city"),
    ("居民议事会", "junan.self_governance"),
)
_VENUES = ("党群服务中心", "社区广场", "社区活动室", "小区架空层", "长者饭堂", "文化室")
_CAPACITIES = (8, 10, 15, 20, 25, 30, 40, 50)
_CAPACITY_CUM = (0.08, 0.23, 0.43, 0.63, 0.75, 0.87, 0.95, 1.0)
_ACTIVITY_POINTS = (5, 8, 10, 15, 20)
_ACTIVITY_POINTS_CUM = (0.35, 0.5, 0.8, 0.93, 1.0)
_START_HOURS = (9, 10, 14, 15, 19, 19, 20)
_WISHES = (
    ("一台助听器", "junan.caring"),
    ("一套儿童绘本", "junan.education"),
    ("一个新书包", "chancheng.poverty_relief"),
    ("一次上门理发", "junan.warm_heart"),
    ("一袋大米和一桶油", "chancheng.poverty_relief"),
    ("一把轮椅", "junan.caring"),
    ("陪同去医院复诊", "junan.elderly_children"),
    ("一台电风扇", "chancheng.poverty_relief"),
)
_WISH_NOTES = ("已送到老人家中", "已陪同完成", "物品已交到心愿人手中，并拍照留存")


@dataclass(frozen=True, slots=True)
class Earning:
    """A points grant, before the ledger orders and numbers it."""

    at: datetime
    member_code: str
    points: int
    action: str
    community_id: int
    source_type: str
    source_id: int
    actor: str


@dataclass(frozen=True)
class Operations:
    rows: TableRows
    earnings: list[Earning]


def generate_operations(
    seed: int,
    scale: Scale,
    places: tuple[CommunityPlace, ...],
    pools: dict[int, Pool],
    rows: TableRows,
    category_ids: dict[str, int],
) -> Operations:
    """Orders, activities (with signups and check-in codes) and micro-wishes."""
    weights = [float(len(pools[place.id].servers)) + 0.01 for place in places]
    earnings: list[Earning] = []
    pairings = _active_pairings(rows["unit_pairings"])
    demands = _fulfilled_demands(rows["demand_items"])
    orders = _Orders(derive_rng(seed, "orders"), category_ids, earnings,
                     derive_rng(seed, "order-voice"))  # fmt: skip
    order_counts = split_total(round(scale.operations * ORDER_SHARE), weights)
    for place, count in zip(places, order_counts, strict=True):
        orders.community(place, pools[place.id], pairings.get(place.id, []),
                         demands.get(place.id, []), count)  # fmt: skip
    activities = _Activities(derive_rng(seed, "activities"), category_ids, earnings)
    signup_counts = split_total(round(scale.operations * SIGNUP_SHARE), weights)
    for place, count in zip(places, signup_counts, strict=True):
        activities.community(place, pools[place.id], count)
    wishes = _Wishes(derive_rng(seed, "wishes"), category_ids, earnings)
    wish_counts = split_total(round(scale.operations * WISH_SHARE), weights)
    for place, count in zip(places, wish_counts, strict=True):
        wishes.community(place, pools[place.id], count)
    out = {
        "service_orders": orders.rows,
        "activities": activities.activities,
        "activity_signups": activities.signups,
        "activity_check_in_codes": activities.codes,
        "micro_wishes": wishes.rows,
        "rating_policies": rating_policies(),
    }
    return Operations(out, earnings)


def rating_policies() -> list[Row]:
    """The residents' rating period (居民评价期限) the district set for the seeded years:
    the default for 2025; for 2026 a trial of 5 days, then back to 7 (its history). The
    period in force is 7 days in both years (`RATING_DAYS`), what the orders follow."""

    def row(id_: int, year: int, version: int, days: int, note: str, at: datetime) -> Row:
        return {"id": id_, "year": year, "district_code": "", "version": version,
                "rating_days": days, "note": note, "updated_by": "district:D01",
                "updated_at": at}  # fmt: skip

    return [
        row(1, 2025, 1, RATING_DAYS, "结单后 7 天内由居民本人评价", START - 30 * DAY),
        row(2, 2026, 1, 5, "试行结单后 5 天评价期限", START + 170 * DAY),
        row(3, 2026, 2, RATING_DAYS, "征求社区意见后恢复为 7 天", START + 195 * DAY),
    ]


def _voice(role: str, demand: Row | None) -> RatingBasis | None:
    """None when the resident rates the order himself: he placed it, or raised the demand it
    was converted from; otherwise why the community rates it on his behalf."""
    if demand is None:
        return None if role == "resident" else RatingBasis.OFFLINE
    if demand["raised_by_role"] == "resident":
        return None
    if demand["requester_kind"] is RequesterKind.COMMUNITY:
        return RatingBasis.COMMUNITY_DEMAND
    return RatingBasis.OFFLINE


def _active_pairings(pairings: list[Row]) -> dict[int, list[tuple[str, datetime]]]:
    """Per community, its active pairings' unit codes and the instant each started."""
    found: dict[int, list[tuple[str, datetime]]] = {}
    for row in pairings:
        if row["status"] is PairingStatus.ACTIVE:
            started = local_midnight(row["started_on"])
            found.setdefault(row["community_id"], []).append((row["unit_code"], started))
    return found


def _fulfilled_demands(demands: list[Row]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = {}
    for row in demands:
        if row["status"] is ListItemStatus.FULFILLED:
            found.setdefault(row["community_id"], []).append(row)
    return found


def _community_subject(place: CommunityPlace) -> str:
    return f"community:{place.code}"


class _Orders:
    def __init__(
        self, rng: random.Random, category_ids: dict[str, int], earnings: list[Earning],
        voice_rng: random.Random,
    ) -> None:  # fmt: skip
        self.rng = rng
        self.catalogue = [(title, category_ids[code]) for title, code in DEMANDS] + [
            (title, category_ids[code]) for title, code, _ in SERVICES
        ]
        self.earnings = earnings
        self.rows: list[Row] = []
        self.converted: set[int] = set()
        self.voice_rng = voice_rng  # draws the residents' rating rule adds, on their own

    def community(
        self,
        place: CommunityPlace,
        pool: Pool,
        pairings: list[tuple[str, datetime]],
        demands: list[Row],
        count: int,
    ) -> None:
        if not pool.servers:
            return
        unit_servers = {code: pool.by_unit(code) for code, _ in pairings}
        for _ in range(count):
            row = self._order(place, pool, pairings, unit_servers, demands)
            if row is not None:
                self.rows.append(row)

    def _order(
        self,
        place: CommunityPlace,
        pool: Pool,
        pairings: list[tuple[str, datetime]],
        unit_servers: dict[str, list[Server]],
        demands: list[Row],
    ) -> Row | None:
        rng = self.rng
        ordered_at = moment(rng, 7, 21)
        title, category_id = rng.choice(self.catalogue)
        demand_id, demand = None, None
        if demands and rng.random() < 0.1:
            chosen = rng.choice(demands)
            # A demand is converted once (it is fulfilled then): one order at most.
            if chosen["created_at"] < ordered_at and chosen["id"] not in self.converted:
                self.converted.add(chosen["id"])
                demand_id, category_id, demand = chosen["id"], chosen["category_id"], chosen
                title = chosen["title"]
        roll = rng.random()
        beneficiary = None
        if roll < 0.7:
            subject, role = f"resident:{place.code}-{rng.randrange(1, 100_000):05d}", "resident"
        elif roll < 0.9 and place.grid_ids:
            subject, role = f"grid:G{rng.choice(place.grid_ids):04d}", "grid_worker"
            beneficiary = honorific_name(rng)
        else:
            subject, role = _community_subject(place), "community"
            beneficiary = honorific_name(rng)
        drawn = role  # the draws below follow it, so the other seeded data stay as they were
        if demand is not None:  # converted by the community (需求转订单), for its requester
            subject, role = _community_subject(place), "community"
            by_community = demand["requester_kind"] is RequesterKind.COMMUNITY
            beneficiary = None if by_community else demand["requester_name"][:60]
        due_at = ordered_at + 72 * HOUR
        order_id = len(self.rows) + 1
        row: Row = {
            "id": order_id, "community_id": place.id, "category_id": category_id,
            "demand_id": demand_id,
            "building_id": weighted_pick(rng, place.building_ids, place.building_cum)
            if place.building_ids and rng.random() < 0.9 else None,
            "title": title, "description": f"{place.name}居民点单：{title}",
            "ordered_by_subject": subject, "ordered_by_role": role,
            "beneficiary_name": beneficiary, "status": OrderStatus.ORDERED,
            "taker_kind": None, "taker_code": None, "member_code": None,
            "due_at": due_at, "escalation_level": 0, "escalated_at": None,
            "ordered_at": ordered_at, "dispatched_at": None, "accepted_at": None,
            "closed_at": None, "rated_at": None, "confirmed_at": None, "cancelled_at": None,
            "summary": None, "hours": None, "evidence": [], "rating": None,
            "rating_comment": None, "rated_by_role": None, "rating_basis": None,
        }  # fmt: skip
        if rng.random() < 0.04:
            cancelled = later(rng, ordered_at, 0.5, 30)
            if cancelled <= NOW:
                row["status"], row["cancelled_at"] = OrderStatus.CANCELLED, cancelled
            return row
        dispatched = later(rng, ordered_at, 0.3, 20)
        if dispatched > NOW:
            return self._escalate(row)
        stuck = rng.random() < 0.015
        accepted = later(rng, dispatched, 0.2, 14)
        closed = (
            later(rng, accepted, 1, 50) if rng.random() > 0.08 else later(rng, accepted, 72, 200)
        )
        taker = self._taker(pool, pairings, unit_servers, dispatched, min(closed, NOW))
        if taker is None:
            return None  # nobody could serve then: the order never came about
        kind, taker_code, server = taker
        row |= {"status": OrderStatus.DISPATCHED, "dispatched_at": dispatched,
                "taker_kind": kind, "taker_code": taker_code}  # fmt: skip
        if kind is TakerKind.MEMBER:
            row["member_code"] = server.code
        if accepted > NOW:
            return self._escalate(row)
        row |= {"status": OrderStatus.ACCEPTED, "accepted_at": accepted,
                "member_code": server.code}  # fmt: skip
        if stuck or closed > NOW:
            return self._escalate(row)
        row |= {
            "status": OrderStatus.CLOSED, "closed_at": closed,
            "summary": rng.choice(_SUMMARIES), "hours": weighted_pick(rng, _HOURS, _HOURS_CUM),
            "evidence": [f"evidence/order-{order_id}-{n}.jpg" for n in range(1, rng.randint(2, 4))],
        }  # fmt: skip
        if closed > due_at and rng.random() < 0.6:
            row["escalation_level"] = 1
            row["escalated_at"] = min(later(rng, due_at, 0.5, 24), closed)
        voice = demand["raised_by_subject"] if demand is not None else subject
        self._complete(row, server, drawn, _voice(role, demand), voice, _community_subject(place))
        return row

    def _complete(
        self, row: Row, server: Server, drawn: str, basis: RatingBasis | None, resident: str,
        community: str,
    ) -> None:  # fmt: skip
        """Rated by the resident himself (干得好不好让居民来评议), or, only where he cannot,
        confirmed (sometimes rated) on his behalf by whoever placed it. When and whether it
        completes follow the same draws as before the rule (so the points, and the mall
        built on them, stay as they were); who completed it and why follow the rule. A
        resident's order closed shortly before "now" still waits for his rating."""
        rng, closed = self.rng, row["closed_at"]
        at, rating, comment = None, None, None
        if drawn == "resident" or rng.random() < 0.3:
            rated = later(rng, closed, 0.5, 96)
            if rated <= NOW:
                at, rating = rated, weighted_pick(rng, _RATINGS, _RATING_CUM)
                comment = rng.choice(_RATING_COMMENTS[rating]) if rng.random() < 0.6 else None
        else:
            confirmed = later(rng, closed, 12, 120)
            if confirmed <= NOW:
                at = confirmed
        if at is None:
            return
        placer = row["ordered_by_subject"]
        period_over = closed + RATING_DAYS * DAY
        if (
            basis is None
            and self.voice_rng.random() < LAPSED_SHARE
            and period_over + 3 * DAY <= NOW
        ):
            # He let the rating period pass: his community confirms it once it is over.
            at = later(self.voice_rng, period_over, 2, 72)
            row |= {"status": OrderStatus.CONFIRMED, "confirmed_at": at,
                    "rated_by_role": "community",
                    "rating_basis": RatingBasis.NOT_RATED_IN_TIME}  # fmt: skip
            self._earn(row, server, at, community)
            return
        if basis is None:  # his own voice: he rates it (a rating of his own stream if none drawn)
            if rating is None:
                rating = weighted_pick(self.voice_rng, _RATINGS, _RATING_CUM)
            row |= {"status": OrderStatus.RATED, "rated_at": at, "rating": rating,
                    "rating_comment": comment, "rated_by_role": "resident",
                    "rating_basis": RatingBasis.RESIDENT}  # fmt: skip
            self._earn(row, server, at, resident)
            return
        role = row["ordered_by_role"]
        row |= {"status": OrderStatus.CONFIRMED, "confirmed_at": at, "rated_by_role": role,
                "rating_basis": basis}  # fmt: skip
        if rating is not None:  # rated on his behalf (代评), e.g. after a phone call
            row |= {"rated_at": at, "rating": rating, "rating_comment": comment}
        self._earn(row, server, at, placer)

    def _taker(
        self,
        pool: Pool,
        pairings: list[tuple[str, datetime]],
        unit_servers: dict[str, list[Server]],
        dispatched: datetime,
        closed: datetime,
    ) -> tuple[TakerKind, str, Server] | None:
        rng = self.rng
        if pairings and rng.random() < 0.2:
            unit_code, started = rng.choice(pairings)
            staff = [
                s for s in unit_servers[unit_code] if s.start <= dispatched and closed <= s.end
            ]
            if started <= dispatched and staff:
                return TakerKind.UNIT, unit_code, rng.choice(staff)
        server = pool.pick(rng, dispatched, closed)
        if server is None:
            return None
        return TakerKind.MEMBER, server.code, server

    def _escalate(self, row: Row) -> Row:
        """An order still open at the end of the period: escalated once overdue."""
        due: datetime = row["due_at"]
        if due < NOW and self.rng.random() < 0.8:
            row["escalated_at"] = later(self.rng, due, 0.5, 12)
            row["escalation_level"] = 2 if NOW - due > 7 * DAY else 1
            if row["escalated_at"] > NOW:
                row["escalated_at"], row["escalation_level"] = None, 0
        return row

    def _earn(self, row: Row, server: Server, at: datetime, actor: str) -> None:
        self.earnings.append(
            Earning(
                at,
                server.code,
                ORDER_POINTS,
                "order_completed",
                row["community_id"],
                "ServiceOrder",
                row["id"],
                actor,
            )
        )


class _Activities:
    def __init__(
        self, rng: random.Random, category_ids: dict[str, int], earnings: list[Earning]
    ) -> None:
        self.rng = rng
        self.catalogue = [(title, category_ids[code]) for title, code in _ACTIVITIES]
        self.earnings = earnings
        self.activities: list[Row] = []
        self.signups: list[Row] = []
        self.codes: list[Row] = []

    def community(self, place: CommunityPlace, pool: Pool, signups: int) -> None:
        if not pool.servers or signups <= 0:
            return
        room = max(3, len(pool.servers) // 2)
        made = 0
        while made < signups:
            made += self._activity(place, pool, room)

    def _activity(self, place: CommunityPlace, pool: Pool, room: int) -> int:
        """One activity with its signups; returns how many signups it drew (at least 1)."""
        rng = self.rng
        title, category_id = rng.choice(self.catalogue)
        day = rng.randrange(YEAR_DAYS + 14)  # some start after "now": still open for signups
        starts = START + timedelta(days=day, hours=rng.choice(_START_HOURS))
        ends = starts + timedelta(minutes=rng.choice((90, 120, 120, 150, 180, 240)))
        created = max(START - 7 * DAY, starts - timedelta(days=rng.randint(3, 21)))
        created = min(created, NOW - HOUR)
        capacity = min(weighted_pick(rng, _CAPACITIES, _CAPACITY_CUM), room)
        subject = _community_subject(place)
        activity_id = len(self.activities) + 1
        row: Row = {
            "id": activity_id, "community_id": place.id, "category_id": category_id,
            "title": title, "description": f"{place.name}{title}，欢迎报到党员参加。",
            "place": f"{place.short_name}{rng.choice(_VENUES)}", "starts_at": starts,
            "ends_at": ends, "capacity": capacity,
            "points_per_attendance": weighted_pick(rng, _ACTIVITY_POINTS, _ACTIVITY_POINTS_CUM),
            "status": ActivityStatus.PUBLISHED, "created_at": created, "certified_at": None,
            "cancelled_at": None,
        }  # fmt: skip
        self.activities.append(row)
        cutoff = min(starts, NOW)
        if rng.random() < 0.03:
            cancelled = created + (cutoff - created) * rng.random()
            row["status"], row["cancelled_at"] = ActivityStatus.CANCELLED, cancelled
            cutoff = cancelled
        elif ends + 14 * DAY <= NOW or (ends <= NOW and rng.random() < 0.5):
            certified = min(later(rng, ends, 2, 120), NOW)
            row["status"], row["certified_at"] = ActivityStatus.CERTIFIED, certified
        interested = max(1, round(capacity * rng.uniform(0.45, 1.35)))
        signups = self._signups(row, pool, interested, created, cutoff)
        self._simulate(row, signups, subject)
        if row["status"] is not ActivityStatus.CANCELLED and starts <= NOW:
            self.codes.append({
                "id": len(self.codes) + 1, "activity_id": activity_id,
                "code_digest": sha256(f"{activity_id}:{title}".encode()).hexdigest(),
                "issued_by": subject, "issued_at": starts - timedelta(minutes=15),
                "expires_at": ends,
            })  # fmt: skip
        return max(1, len(signups))

    def _signups(
        self, activity: Row, pool: Pool, wanted: int, opened: datetime, cutoff: datetime
    ) -> list[Row]:
        rng = self.rng
        chosen: dict[str, Row] = {}
        span = max((cutoff - opened).total_seconds(), 60.0)
        for _ in range(wanted * 2):
            if len(chosen) >= wanted:
                break
            at = opened + timedelta(seconds=int(rng.random() * span))
            server = pool.pick(rng, at, activity["ends_at"] if activity["ends_at"] <= NOW else at)
            if server is None or server.code in chosen:
                continue
            chosen[server.code] = {
                "id": 0, "activity_id": activity["id"], "member_code": server.code,
                "status": SignupStatus.REGISTERED, "signed_up_at": at, "promoted_at": None,
                "cancelled_at": None, "checked_in_at": None, "hours": None,
                "certified_at": None,
            }  # fmt: skip
        return sorted(chosen.values(), key=lambda signup: signup["signed_up_at"])

    def _simulate(self, activity: Row, signups: list[Row], subject: str) -> None:
        """Replay signups and cancellations in time order against the capacity."""
        rng = self.rng
        starts: datetime = activity["starts_at"]
        ends: datetime = activity["ends_at"]
        events: list[tuple[datetime, int, int]] = []  # (when, 0 signup / 1 cancel, index)
        for index, signup in enumerate(signups):
            events.append((signup["signed_up_at"], 0, index))
            if rng.random() < 0.08:
                cancel = signup["signed_up_at"] + (starts - signup["signed_up_at"]) * rng.random()
                if cancel <= NOW:
                    events.append((cancel, 1, index))
        events.sort()
        holding = 0
        waiting: deque[int] = deque()
        for when, kind, index in events:
            signup = signups[index]
            if kind == 0:
                if holding < activity["capacity"]:
                    holding += 1
                else:
                    signup["status"] = SignupStatus.WAITLISTED
                    waiting.append(index)
                continue
            if signup["status"] is SignupStatus.WAITLISTED:
                waiting.remove(index)
            else:
                holding -= 1
                if waiting:
                    promoted = signups[waiting.popleft()]
                    promoted["status"], promoted["promoted_at"] = SignupStatus.REGISTERED, when
                    holding += 1
            signup["status"], signup["cancelled_at"] = SignupStatus.CANCELLED, when
        status = activity["status"]
        for signup in signups:
            signup["id"] = len(self.signups) + 1
            self.signups.append(signup)
            if status is ActivityStatus.CANCELLED:
                if signup["status"] is not SignupStatus.CANCELLED:
                    signup["status"] = SignupStatus.CANCELLED
                    signup["cancelled_at"] = activity["cancelled_at"]
                continue
            if signup["status"] is not SignupStatus.REGISTERED or starts > NOW:
                continue
            checked_in = starts + (ends - starts) * (rng.random() * 0.3)
            if rng.random() < 0.9 and checked_in <= NOW:
                stayed = (ends - checked_in).total_seconds() / 3600
                signup["status"], signup["checked_in_at"] = SignupStatus.ATTENDED, checked_in
                signup["hours"] = Decimal(max(1, round(stayed * 2))) / 2
                if status is ActivityStatus.CERTIFIED:
                    certified: datetime = activity["certified_at"]
                    signup["status"], signup["certified_at"] = SignupStatus.CERTIFIED, certified
                    self.earnings.append(
                        Earning(
                            certified,
                            signup["member_code"],
                            activity["points_per_attendance"],
                            "activity_attended",
                            activity["community_id"],
                            "ActivitySignup",
                            signup["id"],
                            subject,
                        )
                    )
            elif status is ActivityStatus.CERTIFIED:
                signup["status"] = SignupStatus.ABSENT


class _Wishes:
    def __init__(
        self, rng: random.Random, category_ids: dict[str, int], earnings: list[Earning]
    ) -> None:
        self.rng = rng
        self.catalogue = [(title, category_ids[code]) for title, code in _WISHES]
        self.earnings = earnings
        self.rows: list[Row] = []

    def community(self, place: CommunityPlace, pool: Pool, count: int) -> None:
        if not pool.servers:
            return
        for _ in range(count):
            self._wish(place, pool)

    def _wish(self, place: CommunityPlace, pool: Pool) -> None:
        rng = self.rng
        title, category_id = rng.choice(self.catalogue)
        created = moment(rng)
        row: Row = {
            "id": len(self.rows) + 1, "community_id": place.id, "category_id": category_id,
            "title": title, "description": f"{place.name}困难群众的微心愿：{title}",
            "beneficiary_name": person_name(rng, male=rng.random() < 0.45),
            "status": MicroWishStatus.PUBLISHED, "claimed_by": None, "claimed_at": None,
            "fulfilled_at": None, "confirmed_at": None, "fulfilment_note": None,
            "created_at": created,
        }  # fmt: skip
        self.rows.append(row)
        claimed = later(rng, created, 2, 240)
        server = pool.pick(rng, claimed) if claimed <= NOW else None
        if server is None:
            if rng.random() < 0.1:
                row["status"] = MicroWishStatus.WITHDRAWN
            return
        row |= {"status": MicroWishStatus.CLAIMED, "claimed_by": server.code, "claimed_at": claimed}
        fulfilled = later(rng, claimed, 24, 24 * 14)
        if fulfilled > NOW:
            return
        row |= {"status": MicroWishStatus.FULFILLED, "fulfilled_at": fulfilled,
                "fulfilment_note": rng.choice(_WISH_NOTES)}  # fmt: skip
        confirmed = later(rng, fulfilled, 1, 120)
        if confirmed > NOW:
            return
        row |= {"status": MicroWishStatus.CONFIRMED, "confirmed_at": confirmed}
        self.earnings.append(
            Earning(
                confirmed,
                server.code,
                WISH_POINTS,
                "wish_fulfilled",
                place.id,
                "MicroWish",
                row["id"],
                _community_subject(place),
            )
        )
