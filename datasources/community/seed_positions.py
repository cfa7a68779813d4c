"""Deterministic positions (三长, 党员中心户) for the demo data.

In each community with reporting members: a 小区长 for the compound of the busiest
reporting building, and in that building a 楼栋长 (a member reporting there), a 单元长 (a
resident) and a 党员中心户 (another member reporting there), all in force; plus the cases
the rules refuse: a 楼栋长 revoked mid-term and a 小区长 whose term ended.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.position_models import HolderKind, PositionKind
from datasources.seed_data import Row, TableRows, derive_rng, person_name

TERM = (date(2026, 1, 1), date(2028, 12, 31))
ENDED_TERM = (date(2023, 1, 1), date(2025, 12, 31))
REVOKED_AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def generate_positions(seed: int, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "positions")
    compound_of = {b["id"]: b["compound_id"] for b in rows["buildings"]}
    community_code = {c["id"]: c["code"] for c in rows["communities"]}
    reporters: dict[tuple[int, int], list[str]] = {}
    for report in rows["reports"]:
        if report["status"] in ACTIVE_REPORT_STATUSES and report["building_id"] is not None:
            key = (report["community_id"], report["building_id"])
            reporters.setdefault(key, []).append(report["member_code"])
    busiest: dict[int, tuple[int, int]] = {}
    counts = Counter({key: len(codes) for key, codes in reporters.items()})
    for (community, building), count in sorted(counts.items()):
        if count >= 2 and count > busiest.get(community, (0, 0))[1]:
            busiest[community] = (building, count)
    positions: list[Row] = []

    def add(community: int, kind: PositionKind, holder: tuple[HolderKind, str], compound: int,
            building: int | None, term: tuple[date, date] = TERM, unit: str | None = None,
            revoked: bool = False) -> None:  # fmt: skip
        number = sum(1 for p in positions if p["community_id"] == community) + 1
        positions.append({
            "id": len(positions) + 1, "code": f"POS-{community_code[community]}-{number:02d}",
            "community_id": community, "kind": kind, "holder_kind": holder[0],
            "holder_code": holder[1], "holder_name": person_name(rng, male=rng.random() < 0.5),
            "compound_id": compound, "building_id": building, "unit_label": unit,
            "starts_on": term[0], "ends_on": term[1],
            "appointed_at": datetime(term[0].year, 1, 5, 2, 0, tzinfo=UTC),
            "revoked_at": REVOKED_AT if revoked else None,
            "revoked_reason": "迁出本小区" if revoked else None,
        })  # fmt: skip

    for community, (building, _count) in sorted(busiest.items()):
        compound = compound_of[building]
        members = sorted(reporters[(community, building)])
        code = community_code[community]
        add(community, PositionKind.COMPOUND_LEADER,
            (HolderKind.RESIDENT, f"resident:{code}-leader"), compound, None)  # fmt: skip
        add(community, PositionKind.BUILDING_LEADER, (HolderKind.MEMBER, members[0]), compound,
            building)  # fmt: skip
        add(community, PositionKind.UNIT_LEADER, (HolderKind.RESIDENT, f"resident:{code}-unit1"),
            compound, building, unit="1单元")  # fmt: skip
        add(community, PositionKind.MEMBER_HOUSEHOLD, (HolderKind.MEMBER, members[1]), compound,
            building)  # fmt: skip
        add(community, PositionKind.BUILDING_LEADER, (HolderKind.MEMBER, members[-1]), compound,
            building, term=(date(2025, 1, 1), date(2027, 12, 31)), revoked=True)  # fmt: skip
        add(community, PositionKind.COMPOUND_LEADER,
            (HolderKind.RESIDENT, f"resident:{code}-former"), compound, None, term=ENDED_TERM)  # fmt: skip
    return {"positions": positions}
