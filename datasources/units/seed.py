"""Deterministic rows for the work-unit database: units, Party branches and members.

Generation is pure (no database access): `generate_units` returns the rows with ids already
assigned, so children reference parents without round-trips, plus the `UnitSide` hand-over
that lets the community seeder use real member and unit codes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from typing import TYPE_CHECKING

from datasources.seed_data import (
    REFERENCE_DATE,
    SKILLS,
    MemberRef,
    Row,
    TableRows,
    UnitRef,
    UnitSide,
    chinese_ordinal,
    derive_rng,
    person_name,
    phone_number,
    random_date,
    split_total,
    stamp,
    street_address,
    weighted_pick,
)
from datasources.units.models import Gender, PoliticalStatus, UnitKind, UnitLevel
from datasources.units.seed_catalog import (
    BRANCH_DEPARTMENTS,
    JOB_TITLES,
    KIND_WEIGHTS,
    SECTOR_SKILLS,
    SECTOR_TITLES,
    UnitTemplate,
    unit_pools,
)

if TYPE_CHECKING:
    from datasources.seeding import Scale

_STATUSES = (
    PoliticalStatus.FULL,
    PoliticalStatus.PROBATIONARY,
    PoliticalStatus.ACTIVIST,
    PoliticalStatus.DEVELOPMENT_TARGET,
)
_STATUS_CUM = list(accumulate((0.88, 0.06, 0.035, 0.025)))
_SKILL_COUNTS = (0, 1, 2, 3)
_SKILL_COUNT_CUM = list(accumulate((0.25, 0.35, 0.28, 0.12)))
# Hospitals and schools are large employers; they send the most members.
_SECTOR_SIZE = {"health": 2.2, "education": 1.4}
_LATEST_FULL_JOINING = date(2024, 12, 31)


@dataclass(frozen=True, slots=True)
class _Unit:
    id: int
    code: str
    template: UnitTemplate
    member_count: int


@dataclass(frozen=True, slots=True)
class _Branch:
    id: int
    unit: _Unit
    member_count: int


def generate_units(seed: int, scale: Scale) -> tuple[TableRows, UnitSide]:
    """All rows of the unit database for `scale`, and what the community side may see."""
    unit_rng = derive_rng(seed, "units")
    units = _plan_units(unit_rng, scale)
    unit_rows = [_unit_row(unit_rng, unit) for unit in units]
    branch_rng = derive_rng(seed, "branches")
    branches, branch_rows = _plan_branches(branch_rng, scale, units)
    member_rows, refs = _members(derive_rng(seed, "members"), branches)
    rows = {"work_units": unit_rows, "party_branches": branch_rows, "members": member_rows}
    return rows, _hand_over(units, refs)


def _pick_templates(rng: random.Random, count: int) -> list[UnitTemplate]:
    """`count` distinct catalogue units, mixed by kind as far as each kind's pool allows."""
    pools = unit_pools()
    available = sum(len(pool) for pool in pools.values())
    if count > available:
        raise ValueError(f"the unit catalogue holds {available} units; the scale asks for {count}")
    chosen: list[UnitTemplate] = []
    leftovers: list[UnitTemplate] = []
    for kind, quota in zip(
        KIND_WEIGHTS, split_total(count, list(KIND_WEIGHTS.values())), strict=True
    ):
        pool = list(pools[kind])
        rng.shuffle(pool)
        chosen += pool[:quota]
        leftovers += pool[quota:]
    rng.shuffle(leftovers)
    chosen += leftovers[: count - len(chosen)]
    rng.shuffle(chosen)
    return chosen


def _plan_units(rng: random.Random, scale: Scale) -> list[_Unit]:
    templates = _pick_templates(rng, scale.units)
    weights = [
        rng.lognormvariate(0, 0.6) * _SECTOR_SIZE.get(template.sector, 1.0)
        for template in templates
    ]
    counts = split_total(scale.members, weights, minimum=3)
    return [
        _Unit(index, f"U{index:04d}", template, count)
        for index, (template, count) in enumerate(zip(templates, counts, strict=True), start=1)
    ]


def _unit_row(rng: random.Random, unit: _Unit) -> Row:
    template = unit.template
    # A few city-level units sit in the neighbouring district; their members still live here.
    district = "南海区" if template.level is UnitLevel.CITY and rng.random() < 0.2 else "禅城区"
    return {
        "id": unit.id,
        "code": unit.code,
        "name": template.name,
        "kind": template.kind,
        "level": template.level,
        "district_name": district,
        "address": street_address(rng, f"佛山市{district}"),
        "created_at": stamp(rng, random_date(rng, date(2024, 9, 1), date(2024, 12, 31))),
    }


def _plan_branches(
    rng: random.Random, scale: Scale, units: list[_Unit]
) -> tuple[list[_Branch], list[Row]]:
    branches: list[_Branch] = []
    rows: list[Row] = []
    for unit in units:
        wanted = rng.randint(*scale.branches_per_unit)
        # A branch needs at least three members, so small units get a single one.
        count = max(1, min(wanted, unit.member_count // 3))
        sizes = split_total(unit.member_count, [rng.uniform(0.6, 1.4) for _ in range(count)])
        for name, size in zip(_branch_names(unit.template, count), sizes, strict=True):
            branch = _Branch(len(branches) + 1, unit, size)
            branches.append(branch)
            rows.append(_branch_row(rng, branch, name))
    return branches, rows


def _branch_names(template: UnitTemplate, count: int) -> list[str]:
    """机关第一党支部 for agencies, 内科党支部 for a hospital, 第二党支部 otherwise."""
    name = template.name
    if template.kind is UnitKind.AGENCY:
        if count == 1:
            return [f"{name}机关党支部"]
        return [f"{name}机关第{chinese_ordinal(n)}党支部" for n in range(1, count + 1)]
    departments = BRANCH_DEPARTMENTS.get(template.sector, ())
    if count <= len(departments):
        return [f"{name}{department}党支部" for department in departments[:count]]
    if count == 1:
        return [f"{name}党支部"]
    return [f"{name}第{chinese_ordinal(n)}党支部" for n in range(1, count + 1)]


def _branch_row(rng: random.Random, branch: _Branch, name: str) -> Row:
    founded = random_date(rng, date(1995, 1, 1), date(2022, 12, 31))
    return {
        "id": branch.id,
        "code": f"B{branch.id:05d}",
        "name": name,
        "unit_id": branch.unit.id,
        "secretary_name": person_name(rng, male=rng.random() < 0.6),
        "founded_on": founded,
        "created_at": stamp(rng, random_date(rng, date(2024, 9, 1), date(2024, 12, 31))),
    }


def _members(rng: random.Random, branches: list[_Branch]) -> tuple[list[Row], list[MemberRef]]:
    rows: list[Row] = []
    refs: list[MemberRef] = []
    phones: set[str] = set()
    for branch in branches:
        for _ in range(branch.member_count):
            row = _member_row(rng, len(rows) + 1, branch, _unique_phone(rng, phones))
            rows.append(row)
            refs.append(
                MemberRef(
                    code=row["code"],
                    name=row["name"],
                    unit_code=branch.unit.code,
                    skills=tuple(row["skills"]),
                    in_service=row["in_service"],
                )
            )
    return rows, refs


def _unique_phone(rng: random.Random, taken: set[str]) -> str:
    phone = phone_number(rng)
    while phone in taken:
        phone = phone_number(rng)
    taken.add(phone)
    return phone


def _member_row(rng: random.Random, member_id: int, branch: _Branch, phone: str) -> Row:
    template = branch.unit.template
    female_share = 0.6 if template.sector in ("health", "education") else 0.42
    male = rng.random() >= female_share
    status = weighted_pick(rng, _STATUSES, _STATUS_CUM)
    birth_date = _birth_date(rng)
    return {
        "id": member_id,
        "code": f"M{member_id:06d}",
        "name": person_name(rng, male=male),
        "gender": Gender.MALE if male else Gender.FEMALE,
        "political_status": status,
        "unit_id": branch.unit.id,
        "branch_id": branch.id,
        "phone": phone,
        "birth_date": birth_date,
        "joined_party_on": _joined_party_on(rng, status, birth_date),
        "job_title": rng.choice(SECTOR_TITLES.get(template.sector) or JOB_TITLES[template.kind]),
        "in_service": rng.random() < 0.995,
        "skills": list(_skills(rng, template.sector)),
        "created_at": stamp(rng, random_date(rng, date(2024, 10, 1), date(2025, 3, 31))),
    }


def _birth_date(rng: random.Random) -> date:
    """In-service members are 23 to 59 years old on the reference date, most near 38."""
    age = round(rng.triangular(23, 59, 38))
    year = REFERENCE_DATE.year - age
    return random_date(rng, date(year - 1, 1, 2), date(year, 1, 1))


def _joined_party_on(rng: random.Random, status: PoliticalStatus, birth: date) -> date | None:
    if status is PoliticalStatus.PROBATIONARY:
        # Still within the one-year probation at the end of the generated period.
        return random_date(rng, date(2025, 7, 1), date(2026, 5, 31))
    if status is not PoliticalStatus.FULL:
        return None  # activists and development targets have not joined yet
    age_now = REFERENCE_DATE.year - birth.year
    joined_at_age = rng.randint(19, max(19, min(age_now - 2, 45)))
    joined = random_date(
        rng, date(birth.year + joined_at_age, 1, 1), date(birth.year + joined_at_age, 12, 31)
    )
    return min(joined, _LATEST_FULL_JOINING)


def _skills(rng: random.Random, sector: str) -> tuple[str, ...]:
    wanted = weighted_pick(rng, _SKILL_COUNTS, _SKILL_COUNT_CUM)
    skills: list[str] = []
    while len(skills) < wanted:
        pool = SECTOR_SKILLS.get(sector, SKILLS) if rng.random() < 0.45 else SKILLS
        skill = rng.choice(pool)
        if skill not in skills:
            skills.append(skill)
    return tuple(skills)


def _hand_over(units: list[_Unit], members: list[MemberRef]) -> UnitSide:
    by_unit: dict[str, list[MemberRef]] = {unit.code: [] for unit in units}
    for member in members:
        by_unit[member.unit_code].append(member)
    unit_refs = tuple(
        UnitRef(unit.code, unit.template.name, unit.template.kind.value, tuple(by_unit[unit.code]))
        for unit in units
    )
    return UnitSide(units=unit_refs, members=tuple(members))
