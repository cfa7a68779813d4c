"""Demo rows of the service projects a unit claims itself (认领项目, 双服务): micro-wishes,
posts and co-building agreement projects claimed by a unit's Party organisation.
Deterministic (its own PRNG), built on the rows already generated; claims of members stay.

What the rows exercise, at any scale where the places exist: a wish claimed by a paired
unit and confirmed fulfilled by the community (the first one always), others fulfilled or
only claimed; a post claimed by a paired unit within its capacity, with confirmed, pending
and rejected duty sessions of the unit (no member's), and a released unit claim; a project
the community owns itself claimed by a unit party of its agreement and confirmed done (the
first one always), others still in progress.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from datasources.community.duty_models import PostDutyStatus
from datasources.community.models import (
    AgreementStatus,
    ClaimantKind,
    MicroWishStatus,
    PairingStatus,
    PartyKind,
    PostClaimStatus,
    PostStatus,
    ProjectStatus,
)
from datasources.community.seed_posts import moment_on
from datasources.community.seed_serving import DAY, NOW, later, local_midnight
from datasources.seed_data import Row, TableRows, derive_rng

WISH_SHARE = 0.5  # of the unclaimed published wishes of a community with paired units
POST_SHARE = 0.6  # of the open posts with a free place there
PROJECT_SHARE = 0.7  # of the community's own projects in agreements with a unit party
_NOTES = ("单位党员分批上门，已完成。", "单位出资采购并送达。", "单位志愿服务队已落实。")


def generate_unit_claims(seed: int, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "unit_claims")
    paired: dict[int, list[str]] = defaultdict(list)
    for pairing in rows["unit_pairings"]:
        if pairing["status"] is PairingStatus.ACTIVE:
            paired[pairing["community_id"]].append(pairing["unit_code"])
    return {
        "micro_wishes": _wishes(rng, rows["micro_wishes"], paired),
        **_posts(rng, rows, paired),
        "agreement_projects": _projects(rng, rows),
    }


def _wishes(rng: random.Random, wishes: list[Row], paired: dict[int, list[str]]) -> list[Row]:
    claims = 0
    for wish in wishes:
        member = wish["claimed_by"] is not None
        wish.update(claimant_kind=ClaimantKind.MEMBER if member else None, claimed_by_unit=None)
        units = paired.get(wish["community_id"])
        if member or not units or wish["status"] is not MicroWishStatus.PUBLISHED:
            continue
        if claims and rng.random() >= WISH_SHARE:
            continue
        claimed = later(rng, wish["created_at"], 2, 240)
        if claimed > NOW:
            continue
        claims += 1
        wish.update(status=MicroWishStatus.CLAIMED, claimant_kind=ClaimantKind.UNIT,
                    claimed_by_unit=rng.choice(units), claimed_at=claimed)  # fmt: skip
        fulfilled = later(rng, claimed, 24, 24 * 14)
        if fulfilled > NOW or (claims > 1 and rng.random() < 0.3):
            continue
        wish.update(status=MicroWishStatus.FULFILLED, fulfilled_at=fulfilled,
                    fulfilment_note=rng.choice(_NOTES))  # fmt: skip
        confirmed = later(rng, fulfilled, 1, 120)
        if confirmed > NOW or (claims > 1 and rng.random() < 0.25):
            continue
        wish.update(status=MicroWishStatus.CONFIRMED, confirmed_at=confirmed)
    return wishes


def _posts(rng: random.Random, rows: TableRows, paired: dict[int, list[str]]) -> TableRows:
    claims, duties = rows["post_claims"], rows["post_duties"]
    for earlier in claims:
        earlier.update(claimant_kind=ClaimantKind.MEMBER, unit_code=None)
    for duty in duties:
        duty.update(unit_code=None)
    active: dict[int, int] = defaultdict(int)
    for earlier in claims:
        if earlier["status"] is PostClaimStatus.ACTIVE:
            active[earlier["post_id"]] += 1
    made = 0
    for post in rows["posts"]:
        units = paired.get(post["community_id"])
        if not units or post["status"] is not PostStatus.OPEN:
            continue
        if active[post["id"]] >= post["capacity"] or (made and rng.random() >= POST_SHARE):
            continue
        made += 1
        unit = rng.choice(units)
        claimed = later(rng, post["created_at"], 2, 24 * 30)
        released = None
        if made % 5 == 0:  # now and then a unit gives its place up again (退出岗位)
            released = later(rng, claimed, 24 * 20, 24 * 60)
            released = released if released < NOW else None
        claim: Row = {
            "id": len(claims) + 1, "post_id": post["id"], "claimant_kind": ClaimantKind.UNIT,
            "member_code": None, "unit_code": unit,
            "status": PostClaimStatus.RELEASED if released else PostClaimStatus.ACTIVE,
            "claimed_at": claimed, "released_at": released,
        }  # fmt: skip
        claims.append(claim)
        if not released:
            active[post["id"]] += 1
        _unit_duties(rng, duties, post, claim, released or NOW, first=made == 1)
    return {"post_claims": claims, "post_duties": duties}


def _unit_duties(
    rng: random.Random, duties: list[Row], post: Row, claim: Row, until: datetime, first: bool
) -> None:
    """Sessions the unit served on its claim, on distinct days: none overlap."""
    day = claim["claimed_at"] + DAY
    for index in range(rng.randint(3 if first else 0, 5)):
        day += DAY * rng.randint(1, 15)
        starts = moment_on(rng, day)
        ends = starts + timedelta(minutes=30 * rng.randint(2, 8))
        recorded = later(rng, ends, 0.1, 12)
        if ends > until or recorded > NOW:
            return
        row: Row = {
            "id": len(duties) + 1, "post_id": post["id"], "claim_id": claim["id"],
            "member_code": None, "unit_code": claim["unit_code"], "starts_at": starts,
            "ends_at": ends, "hours": Decimal((ends - starts).seconds) / Decimal(3600),
            "note": "单位组织党员轮流值守", "status": PostDutyStatus.PENDING,
            "recorded_by": claim["unit_code"], "recorded_at": recorded,
            "decided_at": None, "decided_by_role": None, "decision_note": None,
        }  # fmt: skip
        duties.append(row)
        decided = later(rng, recorded, 1, 60)
        # The first claim's first session is confirmed, its second rejected, its third left
        # pending, so every decision occurs; later ones by chance.
        outcome = index if first else rng.choice((0, 0, 0, 1, 2))
        if decided > NOW or outcome == 2:
            continue
        rejected = outcome == 1
        row.update(
            status=PostDutyStatus.REJECTED if rejected else PostDutyStatus.CONFIRMED,
            decided_at=decided, decided_by_role="community",
            decision_note="当日未到岗" if rejected else None,
        )  # fmt: skip


def _projects(rng: random.Random, rows: TableRows) -> list[Row]:
    projects = rows["agreement_projects"]
    agreements = {a["id"]: a for a in rows["co_building_agreements"]}
    units: dict[int, list[str]] = defaultdict(list)
    for party in rows["agreement_parties"]:
        if party["party_kind"] is PartyKind.UNIT:
            units[party["agreement_id"]].append(party["party_code"])
    claims = 0
    for project in projects:
        project.update(claimant_kind=None, claimant_code=None, claimed_at=None, confirmed_at=None)
        agreement = agreements[project["agreement_id"]]
        parties = units.get(agreement["id"])
        in_force = agreement["status"] in (AgreementStatus.ACTIVE, AgreementStatus.EXPIRED)
        if project["owner_kind"] is not PartyKind.COMMUNITY or not parties or not in_force:
            continue
        if project["status"] not in (ProjectStatus.IN_PROGRESS, ProjectStatus.DONE):
            continue
        if claims and rng.random() >= PROJECT_SHARE:
            continue
        claimed = later(rng, local_midnight(agreement["starts_on"]), 2, 24 * 30)
        if claimed > NOW - timedelta(days=2):
            continue
        claims += 1
        project.update(claimant_kind=ClaimantKind.UNIT, claimant_code=rng.choice(parties),
                       claimed_at=claimed)  # fmt: skip
        if claims == 1:
            project["status"] = ProjectStatus.DONE
        if project["status"] is ProjectStatus.DONE and (claims == 1 or rng.random() < 0.7):
            project["confirmed_at"] = min(later(rng, claimed, 24 * 20, 24 * 200), NOW - DAY)
    return projects
