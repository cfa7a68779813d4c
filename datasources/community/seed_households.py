"""Deterministic households (户, 人屋关联) for the demo data.

In each compound where members report, the building with the most reports gets a few
households by unit and room, with the head's name and mobile (so every community, grid and
compound viewer has households of his own and others' to not see); in the first such
building of each community one household has moved out (retired, 迁出) and a new household
lives in its dwelling, as the rules allow.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from datasources.seed_data import Row, TableRows, derive_rng, person_name, phone_number

HOUSEHOLDS_PER_BUILDING = 3
REGISTERED_AT = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)
MOVED_OUT_ON = date(2026, 3, 1)


def generate_households(seed: int, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "households")
    community_of = {c["id"]: c["community_id"] for c in rows["compounds"]}
    community_code = {c["id"]: c["code"] for c in rows["communities"]}
    reports = Counter(r["building_id"] for r in rows["reports"] if r["building_id"] is not None)
    busiest: dict[int, Row] = {}  # by compound
    for building in sorted(rows["buildings"], key=lambda b: b["id"]):
        known = busiest.get(building["compound_id"])
        if reports[building["id"]] and (
            known is None or reports[building["id"]] > reports[known["id"]]
        ):
            busiest[building["compound_id"]] = building
    picked: dict[int, list[Row]] = {}
    for compound, building in sorted(busiest.items()):
        picked.setdefault(community_of[compound], []).append(building)
    households: list[Row] = []

    def add(community: int, building: int, unit: str, room: str, retired: bool) -> None:
        number = sum(1 for h in households if h["community_id"] == community) + 1
        households.append({
            "id": len(households) + 1, "code": f"HH-{community_code[community]}-{number:03d}",
            "community_id": community, "building_id": building, "unit_no": unit,
            "room_no": room, "head_name": person_name(rng, male=rng.random() < 0.5),
            "phone": phone_number(rng), "size": rng.randint(1, 5),
            "created_at": REGISTERED_AT, "retired_on": MOVED_OUT_ON if retired else None,
        })  # fmt: skip

    for community, buildings in sorted(picked.items()):
        for index, building in enumerate(buildings):
            for n in range(HOUSEHOLDS_PER_BUILDING):
                unit, room = f"{n % 2 + 1}单元", f"{n // 2 + 1}0{n + 1}"
                moved = index == 0 and n == 0
                add(community, building["id"], unit, room, retired=moved)
                if moved:  # the dwelling has a new household since
                    add(community, building["id"], unit, room, retired=False)
    # Earlier events (workflow ones) carry no `changes`: one key set for the bulk insert.
    earlier = [{**e, "changes": e.get("changes")} for e in rows.get("state_events", [])]
    return {"households": households, "state_events": [*earlier, *_history(rows, households)]}


def _history(rows: TableRows, households: list[Row]) -> list[Row]:
    """Each household's history as the master-data service writes it: created by its
    community with the given fields, and retired (迁出) for those that moved out."""
    first = max((e["id"] for e in rows.get("state_events", [])), default=0) + 1
    community_code = {c["id"]: c["code"] for c in rows["communities"]}
    building_code = {b["id"]: b["code"] for b in rows["buildings"]}
    events: list[Row] = []

    def event(household: Row, before: str | None, after: str, changes: Row,
              at: datetime, note: str | None = None) -> None:  # fmt: skip
        actor = f"community:{community_code[household['community_id']]}"
        events.append({
            "id": first + len(events), "entity_type": "Household",
            "entity_id": household["id"], "from_state": before, "to_state": after,
            "actor_subject": actor, "actor_role": "community", "actor_organisation": actor,
            "note": note, "occurred_at": at, "changes": changes,
        })  # fmt: skip

    for household in households:
        given = {"buildingCode": building_code[household["building_id"]],
                 "unitNo": household["unit_no"], "roomNo": household["room_no"],
                 "headName": household["head_name"], "phone": household["phone"],
                 "size": household["size"]}  # fmt: skip
        event(household, None, "created", {k: [None, v] for k, v in given.items()},
              household["created_at"])  # fmt: skip
        if household["retired_on"] is not None:
            moved = datetime.combine(household["retired_on"], datetime.min.time(), tzinfo=UTC)
            event(household, "active", "retired",
                  {"retiredOn": [None, household["retired_on"].isoformat()]}, moved, "迁出")  # fmt: skip
    return events
