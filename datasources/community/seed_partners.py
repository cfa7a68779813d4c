"""Deterministic Party-building alliances and co-building agreements (Pingtan's 11 alliances
and 130-odd agreements are the model): parties of mixed kinds with a rotating chair, and
agreements that commit to concrete projects owned by one of their parties.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from datasources.community.models import (
    AgreementStatus,
    MeetingFrequency,
    PartyKind,
    ProjectStatus,
)
from datasources.community.seed_catalog import ALLIANCE_THEMES, ORGANISATIONS, PROJECTS
from datasources.community.seed_places import CommunityPlace, Places
from datasources.seed_data import (
    DISTRICT_NAME,
    PERIOD_END,
    Row,
    TableRows,
    UnitRef,
    UnitSide,
    derive_rng,
    random_date,
)

if TYPE_CHECKING:
    from datasources.seeding import Scale


@dataclass(frozen=True, slots=True)
class _Party:
    kind: PartyKind
    code: str
    name: str
    party_name: str | None  # stored only for organisations outside both systems


def _organisation(index: int) -> _Party:
    name = ORGANISATIONS[index]
    return _Party(PartyKind.ORGANISATION, f"ORG{index + 1:02d}", name, name)


def generate_partners(
    seed: int,
    scale: Scale,
    places: Places,
    unit_side: UnitSide,
    paired: dict[int, list[UnitRef]],
    street_names: dict[int, str],
) -> TableRows:
    rng = derive_rng(seed, "partners")
    rows: TableRows = {"alliances": [], "alliance_parties": []}
    alliance_members: dict[int, list[int]] = {}  # community id -> alliances it belongs to
    for index in range(scale.alliances):
        street_id = _alliance_street(index, scale.alliances, places.street_ids)
        alliance = _alliance_row(rng, index, street_id, street_names)
        rows["alliances"].append(alliance)
        local = [place for place in places.communities if street_id in (None, place.street_id)]
        communities = rng.sample(local, min(len(local), rng.randint(1, 3)))
        parties = _alliance_parties(rng, communities, unit_side, paired)
        offset = len(rows["alliance_parties"])
        rows["alliance_parties"] += _alliance_party_rows(rng, alliance, parties, offset)
        for place in communities:
            alliance_members.setdefault(place.id, []).append(alliance["id"])
    rows.update(_agreements(rng, scale, places, unit_side, paired, alliance_members))
    return rows


def _alliance_street(index: int, total: int, street_ids: tuple[int, ...]) -> int | None:
    """Alliances follow the streets round-robin; with three or more, the last spans the district."""
    if total >= 3 and index == total - 1:
        return None
    return street_ids[index % len(street_ids)]


def _alliance_row(
    rng: random.Random, index: int, street_id: int | None, street_names: dict[int, str]
) -> Row:
    theme = ALLIANCE_THEMES[(index + index // max(1, len(street_names))) % len(ALLIANCE_THEMES)]
    area = street_names[street_id] if street_id else DISTRICT_NAME
    frequency = MeetingFrequency.MONTHLY if rng.random() < 0.55 else MeetingFrequency.QUARTERLY
    every = "每月" if frequency is MeetingFrequency.MONTHLY else "每季度"
    return {
        "id": index + 1,
        "code": f"AL{index + 1:02d}",
        "name": f"{area}{theme}党建联盟",
        "street_id": street_id,
        "founded_on": random_date(rng, date(2024, 1, 1), date(2025, 9, 30)),
        "meeting_frequency": frequency,
        "description": (
            f"联盟单位轮流担任轮值主席，{every}召开联席会议，会商党建共建及社区服务事项。"
        ),
    }


def _alliance_parties(
    rng: random.Random,
    communities: list[CommunityPlace],
    unit_side: UnitSide,
    paired: dict[int, list[UnitRef]],
) -> list[_Party]:
    """4 to 12 parties: the street's communities, units, property companies, organisations."""
    parties = [_Party(PartyKind.COMMUNITY, place.code, place.name, None) for place in communities]
    companies = sorted({code for place in communities for code in place.property_company_codes})
    others = [
        _Party(PartyKind.PROPERTY_COMPANY, code, code, None)
        for code in rng.sample(companies, min(len(companies), rng.randint(0, 2)))
    ]
    others += [
        _organisation(index) for index in rng.sample(range(len(ORGANISATIONS)), rng.randint(0, 2))
    ]
    fixed = len(parties) + len(others)
    unit_count = min(max(rng.randint(2, 6), 4 - fixed), 12 - fixed)
    nearby = list(dict.fromkeys(unit for place in communities for unit in paired[place.id]))
    units = _units_preferring(rng, nearby, unit_side, unit_count)
    return [*parties, *(_Party(PartyKind.UNIT, u.code, u.name, None) for u in units), *others]


def _units_preferring(
    rng: random.Random, preferred: list[UnitRef], unit_side: UnitSide, count: int
) -> list[UnitRef]:
    """`count` distinct units, taken from `preferred` first, then from all units."""
    chosen = rng.sample(preferred, min(count, len(preferred)))
    codes = {unit.code for unit in chosen}
    while len(chosen) < min(count, len(unit_side.units)):
        unit = rng.choice(unit_side.units)
        if unit.code not in codes:
            chosen.append(unit)
            codes.add(unit.code)
    return chosen


def _alliance_party_rows(
    rng: random.Random, alliance: Row, parties: list[_Party], offset: int
) -> list[Row]:
    order = list(range(1, len(parties) + 1))
    rng.shuffle(order)
    latest = min(PERIOD_END, alliance["founded_on"] + timedelta(days=180))
    return [
        {
            "id": offset + position, "alliance_id": alliance["id"], "party_kind": party.kind,
            "party_code": party.code, "party_name": party.party_name, "rotation_order": rotation,
            "joined_on": random_date(rng, alliance["founded_on"], latest),
        }
        for position, (party, rotation) in enumerate(zip(parties, order, strict=True), start=1)
    ]  # fmt: skip


def _agreements(
    rng: random.Random,
    scale: Scale,
    places: Places,
    unit_side: UnitSide,
    paired: dict[int, list[UnitRef]],
    alliance_members: dict[int, list[int]],
) -> TableRows:
    rows: TableRows = {
        "co_building_agreements": [],
        "agreement_parties": [],
        "agreement_projects": [],
    }
    for index in range(1, scale.agreements + 1):
        place = rng.choice(places.communities)
        parties = _agreement_parties(rng, place, unit_side, paired)
        agreement = _agreement_row(rng, index, place, parties, alliance_members.get(place.id, []))
        rows["co_building_agreements"].append(agreement)
        for party in parties:
            rows["agreement_parties"].append({
                "id": len(rows["agreement_parties"]) + 1, "agreement_id": index,
                "party_kind": party.kind, "party_code": party.code, "party_name": party.party_name,
            })  # fmt: skip
        owners = [*parties, _Party(PartyKind.COMMUNITY, place.code, place.name, None)]
        for name in rng.sample(PROJECTS, rng.randint(1, 4)):
            project_id = len(rows["agreement_projects"]) + 1
            owner = rng.choice(owners)
            rows["agreement_projects"].append(_project_row(rng, project_id, agreement, name, owner))
    return rows


def _agreement_parties(
    rng: random.Random, place: CommunityPlace, unit_side: UnitSide, paired: dict[int, list[UnitRef]]
) -> list[_Party]:
    units = _units_preferring(rng, paired[place.id], unit_side, rng.randint(1, 2))
    parties = [_Party(PartyKind.UNIT, unit.code, unit.name, None) for unit in units]
    if place.property_company_codes and rng.random() < 0.25:
        code = rng.choice(place.property_company_codes)
        parties.append(_Party(PartyKind.PROPERTY_COMPANY, code, code, None))
    if rng.random() < 0.1:
        parties.append(_organisation(rng.randrange(len(ORGANISATIONS))))
    return parties[:3]


def _agreement_row(
    rng: random.Random,
    index: int,
    place: CommunityPlace,
    parties: list[_Party],
    alliances: list[int],
) -> Row:
    roll = rng.random()
    if roll < 0.05:  # drafted now, to start after the generated period
        starts = PERIOD_END + timedelta(days=rng.randint(15, 90))
        signed = random_date(rng, date(2026, 5, 1), PERIOD_END)
    else:
        signed = random_date(rng, date(2024, 3, 1), date(2026, 4, 30))
        starts = signed + timedelta(days=rng.randint(0, 30))
    ends = starts + timedelta(days=365 * rng.randint(1, 3) - 1)
    if roll < 0.05:
        status = AgreementStatus.DRAFT
    elif roll < 0.09:
        status = AgreementStatus.ENDED
    else:
        status = AgreementStatus.EXPIRED if ends < PERIOD_END else AgreementStatus.ACTIVE
    partner = parties[0].name if len(parties) == 1 else f"{starts.year}年度"
    return {
        "id": index,
        "code": f"AG{index:04d}",
        "title": f"{place.name}与{partner}党建共建协议"
        if len(parties) == 1
        else f"{place.name}{partner}党建共建协议",
        "community_id": place.id,
        "alliance_id": rng.choice(alliances) if alliances and rng.random() < 0.6 else None,
        "signed_on": signed,
        "starts_on": starts,
        "ends_on": ends,
        "status": status,
    }


def _project_row(
    rng: random.Random, project_id: int, agreement: Row, name: str, owner: _Party
) -> Row:
    due = random_date(rng, agreement["starts_on"] + timedelta(days=30), agreement["ends_on"])
    return {
        "id": project_id,
        "agreement_id": agreement["id"],
        "name": name,
        "owner_kind": owner.kind,
        "owner_code": owner.code,
        "budget_yuan": Decimal(0)
        if rng.random() < 0.2
        else Decimal(rng.randrange(2_000, 300_000, 500)),
        "due_on": due,
        "status": _project_status(rng, agreement["status"], due),
    }


def _project_status(
    rng: random.Random, agreement_status: AgreementStatus, due: date
) -> ProjectStatus:
    if agreement_status is AgreementStatus.DRAFT:
        return ProjectStatus.PLANNED
    roll = rng.random()
    if due < PERIOD_END:
        return (
            ProjectStatus.DONE
            if roll < 0.8
            else ProjectStatus.CANCELLED
            if roll < 0.88
            else ProjectStatus.IN_PROGRESS
        )
    return (
        ProjectStatus.IN_PROGRESS
        if roll < 0.6
        else ProjectStatus.PLANNED
        if roll < 0.95
        else ProjectStatus.CANCELLED
    )
