"""Seeded master data changes (主数据变更) of the units side, with their history rows: a
branch set up and retired (撤销) once its members had moved, a member transferred between
two branches of his unit (转接), a probationary member confirmed full (转正), a member who
left service (退休) and one, out of service and never reported, who left the Party
(停止党籍). Everything else has no history: it predates the hub's master data mutations.

Generated after the community side, from both sides' rows, like the evaluations.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from datasources.seed_data import Row, TableRows, derive_rng, stamp
from datasources.units.models import MemberStatus, OrganisationStatus, PoliticalStatus

_ACTOR = {"actor_subject": "seed-district", "actor_role": "district",
          "actor_organisation": "district:D01",
          "actor_identity": hashlib.sha256(b"seed-district").hexdigest(),
          "mutation": None, "client_key": None}  # fmt: skip
RETIRED_ON = date(2025, 12, 31)
PROBATION = timedelta(days=366)


def _event(entity: str, entity_id: int, action: str, before: str | None, after: str,
           changes: dict[str, Any], note: str | None, moment: Any) -> Row:  # fmt: skip
    return {"entity_type": entity, "entity_id": entity_id, "action": action,
            "from_state": before, "to_state": after, "changes": changes, "note": note,
            "occurred_at": moment, **_ACTOR}  # fmt: skip


def generate_master_history(seed: int, unit_rows: TableRows, community: TableRows) -> TableRows:
    rng = derive_rng(seed, "master-history")
    units, branches, members = (unit_rows["work_units"], unit_rows["party_branches"],
                                unit_rows["members"])  # fmt: skip
    _defaults(units, branches, members)
    events: list[Row] = []
    # A branch set up in the last unit and retired at the end of 2025, empty by then.
    unit = units[-1]
    branch_id = max(b["id"] for b in branches) + 1
    founded = date(2023, 3, 1)
    branches.append({
        "id": branch_id, "code": f"B{branch_id:05d}", "name": f"{unit['name']}临时党支部",
        "unit_id": unit["id"], "secretary_name": None, "founded_on": founded,
        "created_at": stamp(rng, date(2024, 12, 1)),
        "status": OrganisationStatus.RETIRED, "retired_on": RETIRED_ON,
        "retire_reason": "机构调整，党员已转入其他支部",
    })  # fmt: skip
    events.append(_event("PartyBranch", branch_id, "created", None, "active",
                         {"name": {"from": None, "to": branches[-1]["name"]},
                          "unitCode": {"from": None, "to": unit["code"]},
                          "foundedOn": {"from": None, "to": founded.isoformat()}},
                         None, stamp(rng, date(2024, 12, 1))))  # fmt: skip
    events.append(_event("PartyBranch", branch_id, "retired", "active", "retired",
                         {"status": {"from": "active", "to": "retired"},
                          "retiredOn": {"from": None, "to": RETIRED_ON.isoformat()}},
                         "机构调整，党员已转入其他支部", stamp(rng, RETIRED_ON)))  # fmt: skip
    _transfer(rng, branches, members, events)
    _confirm(rng, members, events)
    _leave(rng, members, community, events)
    return {"master_events": events}


def _defaults(units: list[Row], branches: list[Row], members: list[Row]) -> None:
    """Every row carries every column (a bulk insert takes its columns from the first row)."""
    for row in (*units, *branches):
        row.update(status=OrganisationStatus.ACTIVE, retired_on=None, retire_reason=None)
    for row in members:
        row.update(status=MemberStatus.ACTIVE, left_on=None, left_reason=None,
                   full_member_on=None, service_ended_on=None, service_end_reason=None)  # fmt: skip


def _transfer(rng: Any, branches: list[Row], members: list[Row], events: list[Row]) -> None:
    """The first member of a unit with two branches moves to its other branch."""
    by_unit: dict[int, list[Row]] = {}
    for branch in branches:
        if branch.get("status") is not OrganisationStatus.RETIRED:
            by_unit.setdefault(branch["unit_id"], []).append(branch)
    for member in members:
        own = by_unit.get(member["unit_id"], [])
        if len(own) < 2:
            continue
        old = next(b for b in own if b["id"] == member["branch_id"])
        new = next(b for b in own if b["id"] != member["branch_id"])
        member["branch_id"] = new["id"]
        events.append(_event("Member", member["id"], "transferred", "active", "active",
                             {"branchCode": {"from": old["code"], "to": new["code"]}},
                             "支部调整", stamp(rng, date(2025, 9, 1))))  # fmt: skip
        return


def _confirm(rng: Any, members: list[Row], events: list[Row]) -> None:
    """转正: the first probationary member whose year of probation ended by 2026-10-31."""
    for member in members:
        joined = member["joined_party_on"]
        if member["political_status"] is not PoliticalStatus.PROBATIONARY or joined is None:
            continue
        confirmed = joined + PROBATION
        if confirmed > date(2026, 10, 31):
            continue
        member["political_status"] = PoliticalStatus.FULL
        member["full_member_on"] = confirmed
        events.append(_event("Member", member["id"], "confirmed_full", "active", "active",
                             {"politicalStatus": {"from": "probationary", "to": "full"},
                              "fullMemberOn": {"from": None, "to": confirmed.isoformat()}},
                             None, stamp(rng, confirmed)))  # fmt: skip
        return


def _leave(rng: Any, members: list[Row], community: TableRows, events: list[Row]) -> None:
    """The first member out of service: his retirement recorded (退休); the last member
    who never reported (and was not just transferred) left the Party (停止党籍)."""
    reported = {row["member_code"] for row in community.get("reports", [])}
    retired = [m for m in members if not m["in_service"]]
    if retired:
        member = retired[0]
        member["service_ended_on"] = date(2025, 10, 1)
        member["service_end_reason"] = "退休"
        events.append(_event("Member", member["id"], "left_service", "active", "active",
                             {"inService": {"from": True, "to": False},
                              "serviceEndedOn": {"from": None, "to": "2025-10-01"}},
                             "退休", stamp(rng, date(2025, 10, 1))))  # fmt: skip
    touched = {e["entity_id"] for e in events if e["entity_type"] == "Member"}
    for member in reversed(members):
        if member["code"] in reported or member["id"] in touched:
            continue
        member["status"] = MemberStatus.LEFT
        member["left_on"] = date(2025, 11, 20)
        member["left_reason"] = "停止党籍：连续六个月不参加组织生活"
        events.append(_event("Member", member["id"], "left_party", "active", "left",
                             {"status": {"from": "active", "to": "left"},
                              "leftOn": {"from": None, "to": "2025-11-20"}},
                             member["left_reason"], stamp(rng, date(2025, 11, 20))))  # fmt: skip
        return
