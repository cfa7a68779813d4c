"""Where residents live, for the demo data (住址): each building's units (单元, entrances),
and the unit, floor and room of orders and demands; the 党员中心户's households.

Run after everything else, with its own random stream, so the other seeded rows stay as
they were. Position holders read exactly their scope from these (docs/access.md,
"Positions"): a 单元长 his unit's rows of his building, a 党员中心户 those of the floors and
rooms assigned to him (包干到户), so the demo has rows inside and outside each scope.
"""

from __future__ import annotations

import random

from datasources.community.group_models import AssigneeKind, AssignmentStatus
from datasources.community.position_models import PositionKind
from datasources.seed_data import Row, TableRows, derive_rng


def _room(rng: random.Random, building: Row) -> tuple[int, int, str]:
    unit = rng.randint(1, building["entrances"])
    floor = rng.randint(1, building["floors"])
    return unit, floor, f"{floor}{rng.randint(1, 4):02d}"


def _place(row: Row, building: Row | None, at: tuple[int, int, str] | None) -> None:
    row["building_id"] = None if building is None else building["id"]
    row["unit_no"], row["floor"], row["room"] = at if at is not None else (None, None, None)


def place_residents(seed: int, rows: TableRows) -> None:
    """Fill in the address columns of buildings, orders, demands and positions (in place),
    and give each 党员中心户 a floor of his building (an active household assignment)."""
    rng = derive_rng(seed, "addresses")
    positions = rows["positions"]
    led_units = {p["building_id"] for p in positions if p["kind"] is PositionKind.UNIT_LEADER}
    buildings = {b["id"]: b for b in rows["buildings"]}
    for building in rows["buildings"]:
        entrances = rng.choice((1, 1, 2, 2, 3, 4)) if building["households"] >= 24 else 1
        building["entrances"] = max(entrances, 2 if building["id"] in led_units else 1)
    for position in positions:
        position["holder_subject"] = position["holder_code"]
        position["holder_issuer"] = None  # the deployment's one issuer
        position["unit_no"] = 1 if position["kind"] is PositionKind.UNIT_LEADER else None
    orders_of_demand: dict[int, Row] = {}
    for order in rows["service_orders"]:
        at = buildings.get(order["building_id"])
        _place(order, at, None if at is None else _room(rng, at))
        if order["demand_id"] is not None:
            orders_of_demand[order["demand_id"]] = order
    compounds_of = {c["id"]: c["community_id"] for c in rows["compounds"]}
    in_community: dict[int, list[Row]] = {}
    for row in rows["buildings"]:
        in_community.setdefault(compounds_of[row["compound_id"]], []).append(row)
    for demand in rows["demand_items"]:
        converted = orders_of_demand.get(demand["id"])
        if converted is not None:
            for column in ("building_id", "unit_no", "floor", "room"):
                demand[column] = converted[column]
            continue
        choices = in_community.get(demand["community_id"], [])
        home = rng.choice(choices) if choices and rng.random() < 0.8 else None
        _place(demand, home, None if home is None else _room(rng, home))
    _member_households(rows, buildings)


def _demand_on(rows: TableRows, community: int, building: Row, floor: int) -> None:
    """A demand of that floor: if none is there, the community's first demand that was not
    converted to an order (its address is the seeder's own draw) moves there."""
    demands = [d for d in rows["demand_items"] if d["community_id"] == community]
    if any(d["building_id"] == building["id"] and d["floor"] == floor for d in demands):
        return
    converted = {o["demand_id"] for o in rows["service_orders"] if o["demand_id"] is not None}
    for demand in demands:
        if demand["id"] not in converted:
            _place(demand, building, (1, floor, f"{floor}01"))
            return


def _member_households(rows: TableRows, buildings: dict[int, Row]) -> None:
    """Each 党员中心户 looks after the floor of the first order of his building (or floor 1),
    so his scope holds that order (and a demand there) and not the building's others."""
    assignments = rows["household_assignments"]
    for position in rows["positions"]:
        if position["kind"] is not PositionKind.MEMBER_HOUSEHOLD:
            continue
        building = buildings[position["building_id"]]
        floors = sorted(
            o["floor"] for o in rows["service_orders"] if o["building_id"] == building["id"]
        )
        floor = floors[0] if floors else 1
        _demand_on(rows, position["community_id"], building, floor)
        assignments.append({
            "id": len(assignments) + 1, "community_id": position["community_id"],
            "building_id": building["id"], "floor": floor,
            "household": None, "assignee_kind": AssigneeKind.MEMBER,
            "assignee_code": position["holder_code"], "group_id": None,
            "status": AssignmentStatus.ACTIVE, "note": "党员中心户联系楼层",
            "assigned_at": position["appointed_at"], "ended_at": None,
        })  # fmt: skip
