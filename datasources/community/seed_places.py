"""Deterministic places of the community database: district, streets, communities, grids,
property companies, compounds and buildings.

Besides the rows it returns `Places`, the small index (which buildings and grids each
community has, how attractive it is) that the report and list seeders need, so they never
query the rows back.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING

from datasources.community.models import CompoundKind, RedPropertyStatus
from datasources.community.seed_catalog import (
    ESTATE_HEADS,
    ESTATE_SUFFIXES,
    ESTATE_TAILS,
    OLD_BUILDERS,
    OLD_SUFFIXES,
    PROPERTY_FORMS,
    PROPERTY_WORDS,
    STREETS,
)
from datasources.seed_data import (
    CITY_NAME,
    DISTRICT_NAME,
    ROADS,
    Row,
    TableRows,
    chinese_ordinal,
    derive_rng,
    person_name,
    phone_number,
    split_total,
    street_address,
    weighted_pick,
)

if TYPE_CHECKING:
    from datasources.seeding import Scale

_MANAGED, _UNIT_BUILT, _THREE_NOS = "managed", "unit_built", "three_nos"
_COMPOUND_KINDS = (_MANAGED, _UNIT_BUILT, _THREE_NOS)
_KIND_OF = {
    _MANAGED: CompoundKind.COMMERCIAL,
    _UNIT_BUILT: CompoundKind.UNIT_BUILT,
    _THREE_NOS: CompoundKind.THREE_NO,
}
_COMPOUND_KIND_CUM = list(accumulate((0.5, 0.22, 0.28)))
_RED_STATUSES = tuple(RedPropertyStatus)
_RED_STATUS_CUM = list(accumulate((0.4, 0.25, 0.3, 0.05)))


@dataclass(eq=False)  # identity: one object per community, usable as a dict key
class CommunityPlace:
    """One community as the later seeders see it."""

    id: int
    code: str
    name: str
    short_name: str
    street_id: int
    weight: float  # relative pull on supporters; a few communities get many more
    grid_ids: list[int] = field(default_factory=list)  # grids a demand may come from
    building_ids: list[int] = field(default_factory=list)
    building_cum: list[float] = field(default_factory=list)  # cumulative households
    property_company_codes: list[str] = field(default_factory=list)
    households: int = 0


@dataclass(frozen=True)
class Places:
    street_ids: tuple[int, ...]
    communities: tuple[CommunityPlace, ...]
    property_company_codes: tuple[str, ...]


def generate_places(seed: int, scale: Scale) -> tuple[TableRows, Places]:
    rng = derive_rng(seed, "places")
    rows: TableRows = {
        "districts": [{"id": 1, "code": "D01", "name": DISTRICT_NAME, "city": CITY_NAME}]
    }
    rows["streets"] = _streets(scale)
    communities = _plan_communities(rng, scale, rows["streets"])
    rows["grids"] = _grids(derive_rng(seed, "grids"), scale, communities)
    rows["property_companies"] = _property_companies(derive_rng(seed, "property"), scale)
    rows["compounds"], rows["buildings"] = _compounds(
        derive_rng(seed, "compounds"), scale, communities, rows["property_companies"]
    )
    rows["communities"] = [_community_row(rng, place, rows["streets"]) for place in communities]
    places = Places(
        street_ids=tuple(row["id"] for row in rows["streets"]),
        communities=tuple(communities),
        property_company_codes=tuple(row["code"] for row in rows["property_companies"]),
    )
    return rows, places


def _streets(scale: Scale) -> list[Row]:
    if scale.streets > len(STREETS):
        raise ValueError(
            f"the catalogue names {len(STREETS)} streets; the scale asks for {scale.streets}"
        )
    return [
        {"id": index, "code": f"S{index:02d}", "name": name, "kind": kind, "district_id": 1}
        for index, (name, kind, _) in enumerate(STREETS[: scale.streets], start=1)
    ]


def _plan_communities(rng: random.Random, scale: Scale, streets: list[Row]) -> list[CommunityPlace]:
    catalogue = STREETS[: scale.streets]
    per_street = split_total(
        scale.communities, [len(names) for _, _, names in catalogue], minimum=1
    )
    places: list[CommunityPlace] = []
    for street, (_, _, names), count in zip(streets, catalogue, per_street, strict=True):
        for position in range(count):
            short = (
                names[position]
                if position < len(names)
                else f"{street['name'][:2]}{chinese_ordinal(position + 1)}"
            )
            index = len(places) + 1
            weight = rng.lognormvariate(0, 0.5)
            places.append(
                CommunityPlace(index, f"C{index:03d}", f"{short}社区", short, street["id"], weight)
            )
    return places


def _community_row(rng: random.Random, place: CommunityPlace, streets: list[Row]) -> Row:
    street_name = streets[place.street_id - 1]["name"]
    # Shop-front houses and villages outside any compound add to the compounds' households.
    households = place.households + rng.randint(200, 1500)
    return {
        "id": place.id,
        "code": place.code,
        "name": place.name,
        "street_id": place.street_id,
        "address": street_address(rng, f"{CITY_NAME}{DISTRICT_NAME}{street_name}"),
        "households": households,
        "residents": int(households * rng.uniform(2.6, 3.3)),
        "secretary_name": person_name(rng, male=rng.random() < 0.45),
    }


def _grids(rng: random.Random, scale: Scale, communities: list[CommunityPlace]) -> list[Row]:
    """Per community: a few level-3 parents, level-4 children, sometimes level-5 micro-grids."""
    rows: list[Row] = []
    counts = split_total(scale.grids, [place.weight**0.5 for place in communities], minimum=1)
    for place, count in zip(communities, counts, strict=True):
        rows += _community_grids(rng, place, count, first_id=len(rows) + 1)
    return rows


def _community_grids(
    rng: random.Random, place: CommunityPlace, count: int, first_id: int
) -> list[Row]:
    top = max(1, round(count * 0.12)) if count >= 3 else 0
    micro = round(count * 0.1) if count >= 5 and rng.random() < 0.6 else 0
    middle = count - top - micro
    rows: list[Row] = []

    def add(name: str, level: int, parent_id: int | None) -> Row:
        grid_id = first_id + len(rows)
        secretary = (
            person_name(rng, male=rng.random() < 0.5) if level < 5 or rng.random() < 0.5 else None
        )
        row = {
            "id": grid_id, "code": f"G{grid_id:04d}", "name": name, "community_id": place.id,
            "parent_id": parent_id, "level": level, "secretary_name": secretary,
        }  # fmt: skip
        rows.append(row)
        return row

    parents = [add(f"{place.name}第{chinese_ordinal(n)}片区", 3, None) for n in range(1, top + 1)]
    grids = [
        add(f"{place.name}第{n}网格", 4, parents[(n - 1) % top]["id"] if parents else None)
        for n in range(1, middle + 1)
    ]
    place.grid_ids = [row["id"] for row in grids]
    for n in range(1, micro + 1):
        parent = rng.choice(grids)
        place.grid_ids.append(add(f"{parent['name']}{n}号微网格", 5, parent["id"])["id"])
    return rows


def _property_companies(rng: random.Random, scale: Scale) -> list[Row]:
    names = [rng.choice(PROPERTY_FORMS).format(word) for word in PROPERTY_WORDS]
    rows: list[Row] = []
    for index, name in enumerate(
        _sample_with_numbering(rng, names, scale.property_companies), start=1
    ):
        status = weighted_pick(rng, _RED_STATUSES, _RED_STATUS_CUM)
        branch_odds = {RedPropertyStatus.CERTIFIED: 0.9, RedPropertyStatus.CANDIDATE: 0.5}
        has_branch = rng.random() < branch_odds.get(status, 0.15)
        rows.append({
            "id": index, "code": f"PC{index:03d}", "name": name, "red_property_status": status,
            "has_party_branch": has_branch,
            "covered_by_sector_committee": not has_branch and rng.random() < 0.5,
            "contact_name": person_name(rng, male=rng.random() < 0.5),
            "contact_phone": phone_number(rng),
        })  # fmt: skip
    return rows


def _sample_with_numbering(rng: random.Random, names: list[str], count: int) -> list[str]:
    """`count` distinct names; past the catalogue, later copies get a branch-office suffix."""
    picked = rng.sample(names, min(count, len(names)))
    for extra in range(count - len(picked)):
        picked.append(
            f"{names[extra % len(names)][:-4]}第{chinese_ordinal(extra // len(names) + 2)}分公司"
        )
    return picked


class _NameMint:
    """Hands out district-unique compound names; collisions become 二期, 三期 ..."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, rng: random.Random, make: Callable[[random.Random], str]) -> str:
        name = make(rng)
        for _ in range(20):
            if name not in self.used:
                break
            name = make(rng)
        phase = 2
        base = name
        while name in self.used:
            name = f"{base}{chinese_ordinal(phase)}期"
            phase += 1
        self.used.add(name)
        return name


def _estate_name(rng: random.Random) -> str:
    return rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_TAILS) + rng.choice(ESTATE_SUFFIXES)


def _old_name(rng: random.Random, place: CommunityPlace) -> str:
    roll = rng.random()
    if roll < 0.4:
        return rng.choice(OLD_BUILDERS) + rng.choice(OLD_SUFFIXES)
    if roll < 0.7:
        return f"{rng.choice(ROADS)}{rng.randint(1, 180)}号大院"
    return f"{place.short_name}{rng.choice(OLD_BUILDERS)}宿舍"


def _compounds(
    rng: random.Random, scale: Scale, communities: list[CommunityPlace], companies: list[Row]
) -> tuple[list[Row], list[Row]]:
    compounds: list[Row] = []
    buildings: list[Row] = []
    company_cum = list(accumulate(rng.lognormvariate(0, 0.8) for _ in companies))
    mint = _NameMint()
    counts = split_total(scale.compounds, [place.weight for place in communities], minimum=1)
    for place, count in zip(communities, counts, strict=True):
        for _ in range(count):
            kind = weighted_pick(rng, _COMPOUND_KINDS, _COMPOUND_KIND_CUM)
            company = (
                weighted_pick(rng, companies, company_cum)
                if kind == _MANAGED and companies
                else None
            )
            row = _compound_row(rng, len(compounds) + 1, place, kind, company, mint)
            compounds.append(row)
            buildings += _buildings(rng, scale, row, kind, place, first_id=len(buildings) + 1)
            if company and company["code"] not in place.property_company_codes:
                place.property_company_codes.append(company["code"])
    return compounds, buildings


def _compound_row(
    rng: random.Random,
    compound_id: int,
    place: CommunityPlace,
    kind: str,
    company: Row | None,
    mint: _NameMint,
) -> Row:
    managed = kind == _MANAGED
    name = (
        mint.take(rng, _estate_name) if managed else mint.take(rng, lambda r: _old_name(r, place))
    )
    branch_odds = {_MANAGED: 0.45, _UNIT_BUILT: 0.25, _THREE_NOS: 0.15}[kind]
    households = rng.randint(120, 1000) if managed else rng.randint(12, 240)
    place.households += households
    return {
        "id": compound_id,
        "code": f"CP{compound_id:04d}",
        "name": name,
        "community_id": place.id,
        "grid_id": rng.choice(place.grid_ids) if place.grid_ids and rng.random() < 0.95 else None,
        "property_company_id": company["id"] if company else None,
        # A 三无小区 has no owners' committee (the draw is kept: other columns stay as seeded).
        "has_owners_committee": rng.random()
        < {_MANAGED: 0.6, _UNIT_BUILT: 0.3, _THREE_NOS: 0.0}[kind],
        "has_owner_unit": kind == _UNIT_BUILT,
        "has_security": managed or (kind == _UNIT_BUILT and rng.random() < 0.5),
        "party_branch_name": f"{name}党支部" if rng.random() < branch_odds else None,
        "households": households,
        "built_year": rng.randint(1998, 2022) if managed else rng.randint(1970, 1998),
        "kind": _KIND_OF[kind],
        "self_built_unit_code": None,  # set by `seed_linkage` from the unit side's codes
    }


def _buildings(
    rng: random.Random, scale: Scale, compound: Row, kind: str, place: CommunityPlace, first_id: int
) -> list[Row]:
    count = min(rng.randint(*scale.buildings_per_compound), compound["households"])
    high_rise = kind == _MANAGED
    rows: list[Row] = []
    for number, households in enumerate(
        split_total(
            compound["households"], [rng.uniform(0.7, 1.3) for _ in range(count)], minimum=1
        ),
        start=1,
    ):
        building_id = first_id + number - 1
        rows.append({
            "id": building_id, "code": f"{compound['code']}-{number}", "name": f"{number}栋",
            "compound_id": compound["id"], "households": households,
            "floors": rng.choice((11, 18, 26, 32, 33)) if high_rise else rng.randint(5, 8),
        })  # fmt: skip
        place.building_ids.append(building_id)
        previous = place.building_cum[-1] if place.building_cum else 0.0
        place.building_cum.append(previous + households)
    return rows
