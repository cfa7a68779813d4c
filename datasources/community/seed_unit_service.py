"""Demo rows of 双服务, units serving as organisations: paired units sign up for their
communities' activities with a headcount (活动接龙) and claim published demands (认领);
members claim some too. Deterministic (its own PRNG), built on the rows already generated.

What the rows exercise: headcounts that take the last free places of an activity (the
capacity is never exceeded: members' places plus headcounts), cancelled unit signups,
certified ones (the activity was certified), signups whose members were named, demands
claimed by a unit or by a member (one claimant), completed or still open.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from datasources.community.activity_models import PLACE_HOLDING, ActivityStatus, SignupStatus
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import ClaimantKind, ListItemStatus, PairingStatus
from datasources.community.seed_serving import NOW
from datasources.community.unit_service_models import UnitSignupStatus
from datasources.seed_data import Row, TableRows, UnitSide, derive_rng

# Members' signups that held a place (an absent member held one until certification).
HELD = (*PLACE_HOLDING, SignupStatus.ABSENT)
UNIT_SIGNUP_SHARE = 0.35  # of the activities of a community with paired units
CLAIM_SHARE = 0.8  # of the published demands
COMPLETED = 0.5  # of the claims
NOTES = ("已组织人员上门处理完毕。", "已协调单位资源解决。", "已完成并向居民反馈。")


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max((end - start).total_seconds(), 60.0)
    return start + timedelta(seconds=int(rng.random() * span))


def generate_unit_service(seed: int, rows: TableRows, unit_side: UnitSide) -> TableRows:
    rng = derive_rng(seed, "unit_service")
    paired: dict[int, list[str]] = defaultdict(list)
    for pairing in rows["unit_pairings"]:
        if pairing["status"] is PairingStatus.ACTIVE:
            paired[pairing["community_id"]].append(pairing["unit_code"])
    members_of: dict[str, list[str]] = defaultdict(list)
    for member in unit_side.members:
        members_of[member.unit_code].append(member.code)
    return {
        "activity_unit_signups": _signups(rng, rows, paired, members_of),
        "demand_items": _claims(rng, rows, paired),
    }


def _signups(
    rng: random.Random, rows: TableRows, paired: dict[int, list[str]],
    members_of: dict[str, list[str]],
) -> list[Row]:  # fmt: skip
    held: dict[int, int] = defaultdict(int)
    for signup in rows["activity_signups"]:
        if signup["status"] in HELD:
            held[signup["activity_id"]] += 1
    out: list[Row] = []
    for activity in rows["activities"]:
        units = paired.get(activity["community_id"], [])
        if not units or activity["status"] is ActivityStatus.CANCELLED:
            continue
        open_now = activity["status"] is ActivityStatus.PUBLISHED
        if not open_now and rng.random() >= UNIT_SIGNUP_SHARE:
            continue
        free = activity["capacity"] - held[activity["id"]]
        for unit in rng.sample(units, min(len(units), rng.randint(1, 2))):
            if free <= 0:
                break
            # Now and then a unit takes every place left (the activity is then full).
            headcount = free if rng.random() < 0.2 else min(free, rng.randint(2, 8))
            opened, cutoff = activity["created_at"], min(activity["starts_at"], NOW)
            row: Row = {
                "id": len(out) + 1, "activity_id": activity["id"], "unit_code": unit,
                "headcount": headcount, "participants": [],
                "status": UnitSignupStatus.REGISTERED,
                "signed_up_at": _between(rng, opened, cutoff), "cancelled_at": None,
                "certified_at": None,
            }  # fmt: skip
            if rng.random() < 0.1 and row["signed_up_at"] < cutoff:
                row["status"] = UnitSignupStatus.CANCELLED
                row["cancelled_at"] = _between(rng, row["signed_up_at"], cutoff)
            else:
                free -= headcount
                if activity["status"] is ActivityStatus.CERTIFIED:
                    row["status"] = UnitSignupStatus.CERTIFIED
                    row["certified_at"] = activity["certified_at"]
                if rng.random() < 0.5 and members_of[unit]:
                    named = min(headcount, len(members_of[unit]))
                    row["participants"] = rng.sample(members_of[unit], rng.randint(1, named))
            out.append(row)
        held[activity["id"]] = activity["capacity"] - free
    return out


def _claims(rng: random.Random, rows: TableRows, paired: dict[int, list[str]]) -> list[Row]:
    reporters: dict[int, list[str]] = defaultdict(list)
    for report in rows["reports"]:
        if report["status"] in ACTIVE_REPORT_STATUSES:
            reporters[report["community_id"]].append(report["member_code"])
    demands, claims = rows["demand_items"], 0
    for demand in demands:
        demand.update(claimant_kind=None, claimant_code=None, claimed_at=None,
                      completed_at=None, completion_note=None)  # fmt: skip
        if demand["status"] is not ListItemStatus.PUBLISHED or rng.random() >= CLAIM_SHARE:
            continue
        units, members = paired.get(demand["community_id"]), reporters[demand["community_id"]]
        claims += 1  # members take every other claim, so both kinds occur at any scale
        if units and (claims % 2 == 1 or not members):
            kind, code = ClaimantKind.UNIT, rng.choice(units)
        elif members:
            kind, code = ClaimantKind.MEMBER, rng.choice(members)
        else:
            continue
        claimed = _between(rng, demand["created_at"], NOW)
        demand.update(claimant_kind=kind, claimant_code=code, claimed_at=claimed)
        if claims % 4 < 2 or rng.random() < COMPLETED:
            demand.update(status=ListItemStatus.FULFILLED, completed_at=_between(rng, claimed, NOW),
                          completion_note=rng.choice(NOTES))  # fmt: skip
    return demands
