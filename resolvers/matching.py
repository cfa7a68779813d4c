"""Suggest supporters for a demand (需求匹配): who fits, and why.

A pure scoring function over facts the loaders fetch in batches, so a page of demands
with their suggestions costs the same few statements as one demand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from datasources.community.models import Availability

INTENTION = 3  # he said he wants to serve in this category
SKILL = 2  # a declared skill is named in the demand
SAME_GRID = 2
NEAR_GRID = 1  # same parent grid
OFF_HOURS = 1  # free on weekends, evenings or on call: when residents need help


@dataclass(frozen=True)
class Candidate:
    report_id: int
    member_code: str
    grid_id: int | None
    parent_grid_id: int | None
    availability: int
    intentions: tuple[str, ...]
    skills: tuple[str, ...]
    payload: Any = None  # what the caller wants back with the suggestion (its row)


@dataclass(frozen=True)
class Demand:
    category_code: str
    category_name: str
    text: str  # title and description
    grid_id: int | None
    parent_grid_id: int | None


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    score: int
    reasons: tuple[str, ...]


def suggest(demand: Demand, candidates: Iterable[Candidate], limit: int) -> list[Suggestion]:
    """The best `limit` candidates with a positive score, best first (ties: member code)."""
    scored = [s for s in (_score(demand, c) for c in candidates) if s.score > 0]
    scored.sort(key=lambda s: (-s.score, s.candidate.member_code))
    return scored[:limit]


def _score(demand: Demand, candidate: Candidate) -> Suggestion:
    points, reasons = 0, []
    if demand.category_code in candidate.intentions:
        points += INTENTION
        reasons.append(f"服务意向包含「{demand.category_name}」")
    named = [skill for skill in candidate.skills if skill and skill in demand.text]
    if named:
        points += SKILL
        reasons.append(f"特长「{'、'.join(named)}」与需求相关")
    if demand.grid_id is not None and candidate.grid_id == demand.grid_id:
        points += SAME_GRID
        reasons.append("居住在同一网格")
    elif demand.parent_grid_id is not None and candidate.parent_grid_id == demand.parent_grid_id:
        points += NEAR_GRID
        reasons.append("居住在相邻网格")
    off_hours = Availability.WEEKENDS | Availability.WEEKDAY_EVENINGS | Availability.ON_CALL
    if candidate.availability & off_hours:
        points += OFF_HOURS
        reasons.append("周末、晚间或应急可服务")
    return Suggestion(candidate, points, tuple(reasons))
