"""Seeded residents' points (居民积分) and young volunteers (小小志愿者): a year of them (July
2025 to June 2026).

Each community has resident volunteers (40 at the demo scale, up to 120 at the district
scale, two at the small test scales, in proportion to the scale's `operations`, so every
seeded test database stays small); about three in ten enrolled a child of six to seventeen
with their consent, and a few withdrew it later. Residents and children take the places
members and units left free in the community's activities of the year: most took part,
half checked in at the venue with its code and half confirmed by the community after the
activity (the activity's points, or 5 when it set none, on the volunteer's own ledger),
some cancelled before; those of activities not
yet held are still registered. Some then redeemed an item of the points mall (a guardian
for his child), from stock left on the shelf. Every account, signup and redemption has its
trail (state events) as the API would have written it.

Seeded residents have no real identity (the issuer of the tokens that will read the rows is
unknown when seeding): an account carries a synthetic identity key of its subject, which no
real token matches, so it is read by its community (and the district and auditor) only.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from datasources.community.activity_models import PLACE_HOLDING, ActivityStatus
from datasources.community.resident_points.models import (
    ResidentEntryKind,
    ResidentSignupStatus,
    VolunteerKind,
    VolunteerStatus,
)
from datasources.community.seed_serving import NOW, START
from datasources.community.seed_spaces import _Trail
from datasources.community.unit_service_models import UNIT_PLACE_HOLDING
from datasources.seed_data import Row, TableRows, derive_rng

if TYPE_CHECKING:
    from datasources.seeding import Scale

PER_COMMUNITY = 40  # resident volunteers of a community at the demo scale
_OPERATIONS_AT_DEMO = 20_000  # the demo scale's `operations`: below it, fewer
_MOST = 3.0  # the district scale has up to three times the demo's per community
CHILD_SHARE, WITHDRAWN_SHARE = 0.3, 0.05
JOIN_SHARE = 0.6  # activities residents join
CHECK_IN_SHARE = 0.5  # confirmations by check-in at the venue; the others by the community
DEFAULT_POINTS = 5  # the district's default rule for attending (resolvers.points)
_CANCELS = ("临时有事", "孩子要上兴趣班", "身体不适")
_WITHDRAWALS = ("孩子学业繁忙", "搬离本社区")
_CONSENTS = ("陪同参加周末志愿活动", "同意参加社区小小志愿者服务", None)


def generate_resident_points(seed: int, scale: Scale, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "resident_points")
    factor = min(_MOST, scale.operations / _OPERATIONS_AT_DEMO)
    per_community = max(2, round(PER_COMMUNITY * factor))
    trail = _Trail(list(rows.get("state_events", [])))
    volunteers: list[Row] = []
    subjects: dict[int, str] = {}  # account id -> who acts for it (the guardian for a child)
    for community in sorted(rows["communities"], key=lambda r: r["id"]):
        for number in range(1, per_community + 1):
            _resident(rng, trail, community["id"], number, volunteers, subjects)
    signups = _signups(rng, trail, rows, volunteers, subjects, max_each=2 + round(4 * factor),
                       seed=seed)  # fmt: skip
    entries = _earned(rows, volunteers, signups)
    redemptions = _redeem(rng, trail, rows, volunteers, subjects, entries)
    entries.sort(key=lambda e: (e["occurred_at"], e["volunteer_id"]))
    for number, entry in enumerate(entries, start=1):
        entry["id"] = number
    for entry, redemption in ((e, e.pop("_redemption", None)) for e in entries):
        if redemption is not None:
            redemption["spend_entry_id"] = entry["id"]
    for redemption in redemptions:
        trail.add("ResidentRedemption", redemption["id"], None, "redeemed",
                  (subjects[redemption["volunteer_id"]], "resident"),
                  f"{redemption['points']} 分", redemption["redeemed_at"])  # fmt: skip
    return {
        "resident_volunteers": volunteers, "resident_activity_signups": signups,
        "resident_points_entries": entries, "resident_redemptions": redemptions,
        "state_events": [*trail.earlier, *trail.events],
    }  # fmt: skip


def _resident(
    rng: random.Random, trail: _Trail, community_id: int, number: int, out: list[Row],
    subjects: dict[int, str],
) -> None:  # fmt: skip
    """A resident's account, opened early in the year, and perhaps his child's."""
    subject = f"resident:{community_id}-{number:05d}"
    opened = START + timedelta(days=rng.randint(0, 90), minutes=rng.randrange(600))
    row: Row = {
        "id": len(out) + 1, "community_id": community_id, "kind": VolunteerKind.RESIDENT,
        "identity": hashlib.sha256(f"seed\0{subject}".encode()).hexdigest(),
        "guardian_id": None, "birth_year": None, "consent_at": None, "consent_note": None,
        "status": VolunteerStatus.ACTIVE, "withdrawn_at": None, "withdrawn_reason": None,
        "created_at": opened,
    }  # fmt: skip
    out.append(row)
    subjects[row["id"]] = subject
    trail.add("ResidentVolunteer", row["id"], None, "active", (subject, "resident"),
              "居民志愿者积分账户开通", opened)  # fmt: skip
    if rng.random() >= CHILD_SHARE:
        return
    enrolled = opened + timedelta(days=rng.randint(0, 60), minutes=rng.randrange(600))
    note = rng.choice(_CONSENTS)
    child: Row = {
        **row, "id": len(out) + 1, "kind": VolunteerKind.YOUNG, "identity": None,
        "guardian_id": row["id"], "birth_year": rng.randint(2010, 2018),
        "consent_at": enrolled, "consent_note": note, "created_at": enrolled,
    }  # fmt: skip
    out.append(child)
    subjects[child["id"]] = subject
    trail.add("ResidentVolunteer", child["id"], None, "active", (subject, "resident"),
              f"监护人同意：{note}" if note else "监护人同意", enrolled)  # fmt: skip
    if rng.random() < WITHDRAWN_SHARE:
        withdrawn = enrolled + timedelta(days=rng.randint(120, 240))
        if withdrawn < NOW:
            reason = rng.choice(_WITHDRAWALS)
            child |= {"status": VolunteerStatus.WITHDRAWN, "withdrawn_at": withdrawn,
                      "withdrawn_reason": reason}  # fmt: skip
            trail.add("ResidentVolunteer", child["id"], "active", "withdrawn",
                      (subject, "resident"), reason, withdrawn)  # fmt: skip


def _free_places(rows: TableRows) -> dict[int, int]:
    """Each activity's places not held by members' or units' signups."""
    taken: dict[int, int] = {}
    for signup in rows["activity_signups"]:
        if signup["status"] in PLACE_HOLDING:
            taken[signup["activity_id"]] = taken.get(signup["activity_id"], 0) + 1
    for signup in rows.get("activity_unit_signups", []):
        if signup["status"] in UNIT_PLACE_HOLDING:
            taken[signup["activity_id"]] = taken.get(signup["activity_id"], 0) + signup["headcount"]
    return {a["id"]: a["capacity"] - taken.get(a["id"], 0) for a in rows["activities"]}


def _active_on(volunteer: Row, moment: datetime) -> bool:
    withdrawn = volunteer["withdrawn_at"]
    return bool(volunteer["created_at"] < moment and (withdrawn is None or withdrawn > moment))


def _signups(
    rng: random.Random, trail: _Trail, rows: TableRows, volunteers: list[Row],
    subjects: dict[int, str], *, max_each: int, seed: int,
) -> list[Row]:  # fmt: skip
    """Residents and children in the free places of their community's activities."""
    free = _free_places(rows)
    venue = derive_rng(seed, "resident_check_ins")  # its own stream: the rest stays as it was
    of_community: dict[int, list[Row]] = {}
    for volunteer in volunteers:
        of_community.setdefault(volunteer["community_id"], []).append(volunteer)
    out: list[Row] = []
    for activity in sorted(rows["activities"], key=lambda a: a["id"]):
        if activity["status"] is ActivityStatus.CANCELLED or rng.random() >= JOIN_SHARE:
            continue
        starts = activity["starts_at"]
        office = (f"community:{activity['community_id']}", "community")
        ready = [v for v in of_community.get(activity["community_id"], []) if _active_on(v, starts)]
        places = min(free[activity["id"]], max_each, len(ready))
        if places <= 0:
            continue
        for volunteer in rng.sample(ready, rng.randint(1, places)):
            signed = max(volunteer["created_at"], starts - timedelta(days=rng.randint(1, 10)))
            signed += timedelta(minutes=rng.randrange(1, 120))
            row: Row = {
                "id": len(out) + 1, "activity_id": activity["id"],
                "volunteer_id": volunteer["id"], "status": ResidentSignupStatus.REGISTERED,
                "signed_up_at": signed, "cancelled_at": None, "cancelled_reason": None,
                "checked_in_at": None, "check_in_failures": 0, "check_in_failed_at": None,
                "confirmed_at": None, "confirmed_by": None, "points": None,
            }  # fmt: skip
            out.append(row)
            young = volunteer["kind"] is VolunteerKind.YOUNG
            actor = (subjects[volunteer["id"]], "resident")
            trail.add("ResidentActivitySignup", row["id"], None, "registered", actor,
                      "监护人为小小志愿者报名" if young else None, signed)  # fmt: skip
            if activity["ends_at"] > NOW:
                continue  # not held yet: still registered
            if rng.random() < 0.1:
                at = signed + (starts - signed) / 2
                reason = rng.choice(_CANCELS)
                row |= {"status": ResidentSignupStatus.CANCELLED, "cancelled_at": at,
                        "cancelled_reason": reason}  # fmt: skip
                trail.add("ResidentActivitySignup", row["id"], "registered", "cancelled",
                          actor, reason, at)  # fmt: skip
                continue
            points = activity["points_per_attendance"] or DEFAULT_POINTS
            if venue.random() < CHECK_IN_SHARE:  # 签到 at the venue with the code shown there
                at = starts + timedelta(minutes=venue.randrange(0, 15))
                row |= {"status": ResidentSignupStatus.CONFIRMED, "checked_in_at": at,
                        "confirmed_at": at, "confirmed_by": actor[0], "points": points}  # fmt: skip
                trail.add("ResidentActivitySignup", row["id"], "registered", "confirmed", actor,
                          "现场签到", at)  # fmt: skip
                continue
            at = activity["ends_at"] + timedelta(minutes=rng.randrange(10, 600))
            row |= {"status": ResidentSignupStatus.CONFIRMED, "confirmed_at": at,
                    "confirmed_by": office[0], "points": points}  # fmt: skip
            trail.add("ResidentActivitySignup", row["id"], "registered", "confirmed", office,
                      None, at)  # fmt: skip
    return out


def _earned(rows: TableRows, volunteers: list[Row], signups: list[Row]) -> list[Row]:
    """The earn entry of each confirmed signup."""
    titles = {a["id"]: a["title"] for a in rows["activities"]}
    community = {v["id"]: v["community_id"] for v in volunteers}
    return [
        {"volunteer_id": s["volunteer_id"], "community_id": community[s["volunteer_id"]],
         "kind": ResidentEntryKind.EARN, "points": s["points"],
         "source_type": "ResidentActivitySignup", "source_id": s["id"],
         "note": f"参加活动「{titles[s['activity_id']]}」", "actor_subject": s["confirmed_by"],
         "actor_role": "community" if s["checked_in_at"] is None else "resident",
         "occurred_at": s["confirmed_at"]}
        for s in signups if s["status"] is ResidentSignupStatus.CONFIRMED
    ]  # fmt: skip


def _redeem(
    rng: random.Random, trail: _Trail, rows: TableRows, volunteers: list[Row],
    subjects: dict[int, str], entries: list[Row],
) -> list[Row]:  # fmt: skip
    """About four in ten accounts with points redeemed one item they could afford, from the
    stock left on the shelf, some days after their last earning."""
    merchants = {m["id"]: m for m in rows["merchants"] if m["active"]}
    earned: dict[int, tuple[int, datetime]] = {}
    for entry in entries:
        total, last = earned.get(entry["volunteer_id"], (0, entry["occurred_at"]))
        earned[entry["volunteer_id"]] = (total + entry["points"], max(last, entry["occurred_at"]))
    by_id = {v["id"]: v for v in volunteers}
    out: list[Row] = []
    for account, (balance, last) in sorted(earned.items()):
        volunteer = by_id[account]
        at = last + timedelta(days=rng.randint(1, 20), minutes=rng.randrange(600))
        if rng.random() >= 0.4 or at >= NOW or not _active_on(volunteer, at):
            continue
        shelf = [
            i for i in rows["mall_items"]
            if i["active"] and i["stock"] > 0 and i["price_points"] <= balance
            and i["merchant_id"] in merchants
            and merchants[i["merchant_id"]]["community_id"] in (None, volunteer["community_id"])
        ]  # fmt: skip
        if not shelf:
            continue
        item = rng.choice(shelf)
        item["stock"] -= 1
        row: Row = {"id": len(out) + 1, "item_id": item["id"], "volunteer_id": account,
                    "quantity": 1, "points": item["price_points"], "redeemed_at": at}  # fmt: skip
        out.append(row)
        entries.append({
            "volunteer_id": account, "community_id": volunteer["community_id"],
            "kind": ResidentEntryKind.SPEND, "points": -item["price_points"],
            "source_type": "ResidentRedemption", "source_id": row["id"],
            "note": f"兑换「{item['name']}」× 1", "actor_subject": subjects[account],
            "actor_role": "resident", "occurred_at": at, "_redemption": row,
        })  # fmt: skip
    return out
