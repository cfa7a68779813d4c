"""A property company's standing in a year (年度考评), from all the compounds it serves.

Qianjiang brings every compound into red-property management and rewards the compounds
where it works well (每年拿出150万元专项经费对"红色物业"开展较好的小区实施奖励). A company
serving many compounds is therefore judged on all of them, not on whichever compound
happened to be scored: its parts are the mean over the compounds scored that year, and
its coverage (覆盖率: compounds scored / compounds served) states how much of its work the
result rests on. Below the fund's minimum coverage the year is inconclusive: it ranks the
company, but does not decide its red-property status (the last conclusive year does).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from datasources.community.partner_models import PropertyScorer

DEFAULT_COVERAGE_PERCENT = 50  # when the district set no fund (and so no threshold) for a year
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CompoundTotal:
    """One compound's year under one company: the residents' part (None if nobody rated)
    and its current score per criterion (criterion id -> scorer, score)."""

    company_id: int
    resident: Decimal | None
    criteria: dict[int, tuple[PropertyScorer, Decimal]]

    def part(self, scorer: PropertyScorer) -> Decimal:
        return sum((v for s, v in self.criteria.values() if s is scorer), Decimal(0))

    @property
    def total(self) -> Decimal:
        resident = self.resident if self.resident is not None else Decimal(0)
        return _q(resident) + self.part(PropertyScorer.COMMUNITY) + self.part(PropertyScorer.BRANCH)


@dataclass(frozen=True)
class Standing:
    """A company's year: mean parts over its scored compounds, and its coverage."""

    resident: Decimal
    community: Decimal
    branch: Decimal
    served: int
    scored: int
    conclusive: bool

    @property
    def total(self) -> Decimal:
        return self.resident + self.community + self.branch


def conclusive(served: int, scored: int, min_coverage_percent: int) -> bool:
    """Enough of the compounds served were scored (a company serving none is judged on
    what was scored)."""
    return served == 0 or scored * 100 >= min_coverage_percent * served


def aggregate(
    per_compound: dict[tuple[int, int], CompoundTotal],
    served: dict[int, set[int]],
    min_coverage_percent: int,
) -> dict[int, Standing]:
    """Each company rated or scored anywhere in the year (keys: compound, company): each
    criterion the mean over the compounds scored on it, summed by scorer; the residents'
    part the mean over the compounds rated; the compounds it served (a scored compound
    counts as served), those scored, and whether that coverage decides its standing."""
    by_company: dict[int, list[tuple[int, CompoundTotal]]] = defaultdict(list)
    for (compound_id, company_id), total in per_compound.items():
        by_company[company_id].append((compound_id, total))
    standings = {}
    for company_id, compounds in by_company.items():
        per_criterion: dict[int, list[Decimal]] = defaultdict(list)
        scorer_of: dict[int, PropertyScorer] = {}
        for _, total in compounds:
            for criterion, (scorer, value) in total.criteria.items():
                per_criterion[criterion].append(value)
                scorer_of[criterion] = scorer
        parts = {scorer: Decimal(0) for scorer in PropertyScorer}
        for criterion, values in per_criterion.items():
            parts[scorer_of[criterion]] += sum(values, Decimal(0)) / len(values)
        rated = [t.resident for _, t in compounds if t.resident is not None]
        resident = sum(rated, Decimal(0)) / len(rated) if rated else Decimal(0)
        scored = {cid for cid, t in compounds if t.criteria}
        serving = len(served.get(company_id, set()) | scored)
        standings[company_id] = Standing(
            resident=_q(resident),
            community=_q(parts[PropertyScorer.COMMUNITY]),
            branch=_q(parts[PropertyScorer.BRANCH]),
            served=serving,
            scored=len(scored),
            conclusive=conclusive(serving, len(scored), min_coverage_percent),
        )
    return standings


def _q(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)
