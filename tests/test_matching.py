"""The scoring behind DemandItem.suggestedSupporters, on hand-made facts."""

from __future__ import annotations

from datasources.community.models import Availability
from resolvers.matching import Candidate, Demand, suggest

DEMAND = Demand(
    category_code="junan.elderly", category_name="助老扶幼", text="独居老人需要水电维修",
    grid_id=7, parent_grid_id=3,
)  # fmt: skip


def candidate(code: str, **facts: object) -> Candidate:
    values: dict[str, object] = {"report_id": int(code[1:]), "member_code": code, "grid_id": None,
                                 "parent_grid_id": None, "availability": 0, "intentions": (),
                                 "skills": ()}  # fmt: skip
    values.update(facts)
    return Candidate(**values)  # type: ignore[arg-type]


def test_every_reason_counts_and_is_explained() -> None:
    best = candidate(
        "M1", intentions=("junan.elderly",), skills=("水电维修", "书法"), grid_id=7,
        parent_grid_id=3, availability=Availability.WEEKENDS,
    )  # fmt: skip
    [suggestion] = suggest(DEMAND, [best], limit=5)
    assert suggestion.score == 3 + 2 + 2 + 1
    assert suggestion.reasons == (
        "服务意向包含「助老扶幼」", "特长「水电维修」与需求相关", "居住在同一网格",
        "周末、晚间或应急可服务",
    )  # fmt: skip


def test_ranking_ties_and_limits() -> None:
    near = candidate("M2", grid_id=8, parent_grid_id=3)
    willing = candidate("M3", intentions=("junan.elderly",))
    also_willing = candidate("M4", intentions=("junan.elderly",))
    unrelated = candidate("M5", skills=("书法",), availability=Availability.WEEKDAY_DAYTIME)
    ranked = suggest(DEMAND, [near, unrelated, also_willing, willing], limit=10)
    assert [s.candidate.member_code for s in ranked] == ["M3", "M4", "M2"]
    assert ranked[2].reasons == ("居住在相邻网格",)
    assert [s.candidate.member_code for s in suggest(DEMAND, [near, willing], limit=1)] == ["M3"]
