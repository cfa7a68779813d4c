"""Deterministic "three lists" (三单): resources members and units offer, demands residents
raise, services the community publishes. Providers are real: a member who reported to that
community, a unit paired with it, or a property company managing one of its compounds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING

from datasources.community.models import ListItemStatus, ProviderKind, RequesterKind
from datasources.community.seed_catalog import (
    DEMANDS,
    RESOURCE_TAILS,
    SERVICES,
    SKILL_CATEGORY,
    UNIT_RESOURCES,
)
from datasources.community.seed_places import CommunityPlace, Places
from datasources.seed_data import (
    PERIOD_END,
    MemberRef,
    Row,
    TableRows,
    UnitRef,
    derive_rng,
    honorific_name,
    person_name,
    random_date,
    stamp,
    weighted_pick,
)

if TYPE_CHECKING:
    from datasources.seeding import Scale

_S = ListItemStatus
_STATUSES = (_S.PUBLISHED, _S.PENDING_REVIEW, _S.FULFILLED, _S.REJECTED, _S.WITHDRAWN)
_RESOURCE_CUM = list(accumulate((0.6, 0.12, 0.13, 0.05, 0.1)))
_DEMAND_CUM = list(accumulate((0.28, 0.12, 0.45, 0.05, 0.1)))  # Xiaogan: 112 of 150 taken
_SERVICE_CUM = list(accumulate((0.65, 0.08, 0.2, 0.02, 0.05)))
_REQUESTERS = (RequesterKind.RESIDENT, RequesterKind.GRID_WORKER, RequesterKind.COMMUNITY)
_REQUESTER_CUM = list(accumulate((0.7, 0.2, 0.1)))
_LISTS_OPEN = date(2025, 3, 1)

Provider = tuple[ProviderKind, str]


def generate_lists(
    seed: int,
    scale: Scale,
    places: Places,
    supporters: dict[int, list[MemberRef]],
    paired: dict[int, list[UnitRef]],
    category_ids: dict[str, int],
) -> TableRows:
    rng = derive_rng(seed, "lists")
    rows: TableRows = {"resource_items": [], "demand_items": [], "service_items": []}
    for place in places.communities:
        skilled = [member for member in supporters[place.id] if member.skills]
        units = paired[place.id]
        for _ in range(scale.list_items_per_community):
            _append(rows["resource_items"], _resource(rng, place, skilled, units, category_ids))
            _append(rows["demand_items"], _demand(rng, place, category_ids))
            _append(rows["service_items"], _service(rng, place, skilled, units, category_ids))
    _raisers(derive_rng(seed, "demand-raisers"), places, rows["demand_items"])
    return rows


# The demo resident's subject (`dualhub serve --demo` issues his token): a share of the
# residents' demands are his, so the demo shows a resident following his demands and rating
# the orders made from them. Seeded rows carry no identity (the issuer of the tokens that
# will read them is unknown when seeding): they are his by the legacy rule, his subject and
# role in his community (`policy.raised_by`).
DEMO_RESIDENT = "demo-resident"


def _raisers(rng: random.Random, places: Places, demands: list[Row]) -> None:
    """Who raised each demand (its own random stream, so the lists stay as they were)."""
    codes = {place.id: place for place in places.communities}
    for row in demands:
        place = codes[row["community_id"]]
        kind = row["requester_kind"]
        if kind is RequesterKind.RESIDENT:
            mine = rng.random() < 0.5
            subject = (
                DEMO_RESIDENT if mine else f"resident:{place.code}-{rng.randrange(1, 100_000):05d}"
            )
            role = "resident"
        elif kind is RequesterKind.GRID_WORKER and place.grid_ids:
            subject, role = f"grid:G{rng.choice(place.grid_ids):04d}", "grid_worker"
        else:
            subject, role = f"community:{place.code}", "community"
        row |= {"raised_by_identity": None, "raised_by_subject": subject, "raised_by_role": role}


def _append(rows: list[Row], row: Row) -> None:
    row["id"] = len(rows) + 1
    rows.append(row)


def _base(rng: random.Random, place: CommunityPlace, category_id: int, cum: Sequence[float]) -> Row:
    return {
        "id": 0,  # set by _append
        "community_id": place.id,
        "category_id": category_id,
        "status": weighted_pick(rng, _STATUSES, cum),
        "created_at": stamp(rng, random_date(rng, _LISTS_OPEN, PERIOD_END)),
    }


def _resource(
    rng: random.Random,
    place: CommunityPlace,
    skilled: list[MemberRef],
    units: list[UnitRef],
    category_ids: dict[str, int],
) -> Row:
    roll = rng.random()
    if skilled and (roll < 0.65 or not units):
        member = rng.choice(skilled)
        skill = rng.choice(member.skills)
        title, code = f"{skill}{rng.choice(RESOURCE_TAILS)}", SKILL_CATEGORY[skill]
        provider: Provider = (ProviderKind.MEMBER, member.code)
        description: str | None = f"在职党员利用业余时间为{place.name}居民提供{skill}服务"
    else:
        title, code = rng.choice(UNIT_RESOURCES)
        provider = _organisation_provider(rng, place, units, prefer_company=roll > 0.9)
        description = None
    row = _base(rng, place, category_ids[code], _RESOURCE_CUM)
    row |= {
        "title": title,
        "description": description,
        "provider_kind": provider[0],
        "provider_code": provider[1],
    }
    return row


def _organisation_provider(
    rng: random.Random, place: CommunityPlace, units: list[UnitRef], *, prefer_company: bool
) -> Provider:
    """A paired unit, or a property company of the community, or the community itself."""
    if prefer_company and place.property_company_codes:
        return ProviderKind.PROPERTY_COMPANY, rng.choice(place.property_company_codes)
    if units:
        return ProviderKind.UNIT, rng.choice(units).code
    return ProviderKind.COMMUNITY, place.code


def _demand(rng: random.Random, place: CommunityPlace, category_ids: dict[str, int]) -> Row:
    title, code = rng.choice(DEMANDS)
    requester = weighted_pick(rng, _REQUESTERS, _REQUESTER_CUM)
    if requester is RequesterKind.RESIDENT:
        name = honorific_name(rng)
    elif requester is RequesterKind.GRID_WORKER:
        name = person_name(rng, male=rng.random() < 0.4)
    else:
        name = f"{place.name}居委会"
    row = _base(rng, place, category_ids[code], _DEMAND_CUM)
    row |= {
        "grid_id": rng.choice(place.grid_ids) if place.grid_ids and rng.random() < 0.8 else None,
        "title": title,
        "description": f"{place.name}居民反映：{title}" if rng.random() < 0.5 else None,
        "requester_kind": requester,
        "requester_name": name,
    }
    return row


def _service(
    rng: random.Random,
    place: CommunityPlace,
    skilled: list[MemberRef],
    units: list[UnitRef],
    category_ids: dict[str, int],
) -> Row:
    title, code, target = rng.choice(SERVICES)
    roll = rng.random()
    if skilled and roll < 0.5:
        provider: Provider = (ProviderKind.MEMBER, rng.choice(skilled).code)
    elif roll < 0.85:
        provider = _organisation_provider(rng, place, units, prefer_company=roll > 0.8)
    else:
        provider = (ProviderKind.COMMUNITY, place.code)
    row = _base(rng, place, category_ids[code], _SERVICE_CUM)
    row |= {
        "title": title,
        "description": None,
        "provider_kind": provider[0],
        "provider_code": provider[1],
        "target": target,
    }
    return row
