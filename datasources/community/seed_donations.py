"""Seeded donations (爱心捐赠) of a year (July 2025 to June 2026).

Each community receives donations from its supporters, the units paired with it and its
residents: about two a month from the demo scale up, one or two in the year at the small
test scales (in proportion to the scale's `operations`, so the test databases stay small).
Goods (衣物, 米面油, 书包文具 ...) in pieces or money in whole yuan. The community accepted
most (a few declined with a reason); of the accepted, most were handed over to a household
of the community within a fortnight with who, when and an evidence note, some passed on to
the street's charity, and the latest still wait. Each has its trail (state events) as the API
would have written it. Seeded residents carry a synthetic identity of their subject (read by
their community only), as in `seed_spaces`.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from datasources.community.donations.models import DonationKind, DonationStatus, DonorKind
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import PairingStatus
from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng

if TYPE_CHECKING:
    from datasources.seeding import Scale

YEAR_FROM, YEAR_TO = date(2025, 7, 1), date(2026, 6, 30)
PER_YEAR = 24  # donations per community from the demo scale up
_OPERATIONS_AT_FULL = 20_000  # the demo scale's `operations`: below it, fewer
_GOODS = (("冬衣", 5, 40), ("米面油", 5, 30), ("书包文具", 5, 20), ("棉被", 2, 10),
          ("爱心图书", 10, 60))  # fmt: skip
_MONEY = (("助学捐款", 100, 2000), ("困难家庭慰问金", 200, 3000))
_DECLINES = ("物品已过保质期", "暂无此类需求", "现金捐赠请通过慈善会渠道")
_PASSED_TO = ("街道慈善会", "区红十字会", "结对帮扶社区")
_ROLES = {DonorKind.MEMBER: "member", DonorKind.UNIT: "unit_branch",
          DonorKind.RESIDENT: "resident"}  # fmt: skip


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(), CHINA_TZ).astimezone(UTC) + timedelta(minutes=minutes)


def _donors(rows: TableRows) -> dict[int, dict[DonorKind, list[str]]]:
    found: dict[int, dict[DonorKind, list[str]]] = {
        row["id"]: {DonorKind.MEMBER: [], DonorKind.UNIT: []} for row in rows["communities"]
    }
    for report in sorted(rows["reports"], key=lambda r: r["id"]):
        if report["status"] in ACTIVE_REPORT_STATUSES:
            found[report["community_id"]][DonorKind.MEMBER].append(report["member_code"])
    for pairing in sorted(rows["unit_pairings"], key=lambda r: r["id"]):
        if pairing["status"] is PairingStatus.ACTIVE:
            found[pairing["community_id"]][DonorKind.UNIT].append(pairing["unit_code"])
    return found


def generate_donations(seed: int, scale: Scale, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "donations")
    per_year = max(1, round(PER_YEAR * min(1.0, scale.operations / _OPERATIONS_AT_FULL)))
    earlier = [{**e, "changes": e.get("changes")} for e in rows.get("state_events", [])]
    next_event = max((e["id"] for e in earlier), default=0) + 1
    events: list[Row] = []
    donations: list[Row] = []
    donors = _donors(rows)
    households: dict[int, list[int]] = {}
    for h in sorted(rows.get("households", []), key=lambda h: h["id"]):
        if h["retired_on"] is None:
            households.setdefault(h["community_id"], []).append(h["id"])

    def event(row: Row, before: str | None, after: str, actor: tuple[str, str],
              note: str | None, at: datetime) -> None:  # fmt: skip
        events.append({
            "id": next_event + len(events), "entity_type": "Donation", "entity_id": row["id"],
            "from_state": before, "to_state": after, "actor_subject": actor[0],
            "actor_role": actor[1], "actor_organisation": actor[0], "note": note,
            "occurred_at": at, "changes": None,
        })  # fmt: skip

    days = (YEAR_TO - YEAR_FROM).days
    for community in sorted(rows["communities"], key=lambda r: r["id"]):
        office = (f"community:{community['code']}", "community")
        for _ in range(per_year):
            money = len(donations) % 4 == 3  # one in four is money
            row = _offer(rng, community["id"], donors[community["id"]], money,
                         _at(YEAR_FROM + timedelta(days=rng.randrange(days)),
                             rng.randint(9 * 60, 20 * 60)))  # fmt: skip
            row["id"] = len(donations) + 1
            donations.append(row)
            donor = (row["donor_subject"], _ROLES[row["donor_kind"]])
            event(row, None, "offered", donor, row["description"], row["offered_at"])
            _outcome(rng, row, households.get(community["id"], []), office, event)
    donations.sort(key=lambda r: r["id"])
    return {"donations": donations, "state_events": [*earlier, *events]}


def _offer(rng: random.Random, community: int, who: dict[DonorKind, list[str]], money: bool,
           at: datetime) -> Row:  # fmt: skip
    kind = rng.choice((DonorKind.MEMBER, DonorKind.MEMBER, DonorKind.UNIT, DonorKind.RESIDENT))
    if not who.get(kind) and kind is not DonorKind.RESIDENT:
        kind = DonorKind.RESIDENT
    code = None if kind is DonorKind.RESIDENT else rng.choice(who[kind])
    subject = (f"resident:{community}-{rng.randrange(1, 100_000):05d}"
               if code is None else f"{kind.value}:{code}")  # fmt: skip
    what, low, high = rng.choice(_MONEY if money else _GOODS)
    quantity = rng.randint(low, high)
    description = what if money else f"{what}{quantity}件"
    return {
        "community_id": community, "donor_kind": kind, "donor_code": code,
        "donor_identity": hashlib.sha256(f"seed\0{subject}".encode()).hexdigest(),
        "donor_subject": subject, "kind": DonationKind.MONEY if money else DonationKind.GOODS,
        "description": description, "quantity": quantity, "status": DonationStatus.OFFERED,
        "offered_at": at, "decided_by": None, "decided_at": None, "declined_reason": None,
        "recipient_household_id": None, "handed_over_by": None, "handed_over_at": None,
        "handover_note": None, "recorded_by": None, "passed_to": None, "passed_reason": None,
    }  # fmt: skip


def _outcome(rng: random.Random, row: Row, households: list[int], office: tuple[str, str],
             event: Any) -> None:  # fmt: skip
    """Declined (8%), or accepted within three days; then handed over (within a fortnight,
    to a household of the community), passed on (10%), or still waiting (the latest)."""
    decided = row["offered_at"] + timedelta(hours=rng.randint(2, 72))
    if decided >= _at(YEAR_TO, 24 * 60):
        return
    row |= {"decided_by": office[0], "decided_at": decided}
    if rng.random() < 0.08:
        reason = rng.choice(_DECLINES)
        row |= {"status": DonationStatus.DECLINED, "declined_reason": reason}
        event(row, "offered", "declined", office, reason, decided)
        return
    row["status"] = DonationStatus.ACCEPTED
    event(row, "offered", "accepted", office, None, decided)
    done = decided + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
    if done >= _at(YEAR_TO, 24 * 60):
        return
    if rng.random() < 0.1 or not households:
        to, why = rng.choice(_PASSED_TO), "本社区暂无对应需求"
        row |= {"status": DonationStatus.PASSED_ON, "passed_to": to, "passed_reason": why,
                "recorded_by": office[0], "handed_over_at": done}  # fmt: skip
        event(row, "accepted", "passed_on", office, f"{to}：{why}", done)
        return
    note = rng.choice(("户主签收，照片存档", "入户送达，签收单存档", "社区集中发放，签字领取"))
    row |= {"status": DonationStatus.HANDED_OVER,
            "recipient_household_id": rng.choice(households),
            "handed_over_by": "社区网格员", "handed_over_at": done, "handover_note": note,
            "recorded_by": office[0]}  # fmt: skip
    event(row, "accepted", "handed_over", office, note, done)
