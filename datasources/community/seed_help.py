"""Seeded register of households in need (特殊群体) and a year of their visits (July 2025 to
June 2026).

Each community registers a few households (two at the small test scales, in proportion to
the scale's `operations` up to 40 at the larger ones): 低保户, 空巢/独居老人, 残疾人, 困境儿童,
each in one of the community's grids, three in ten taking two helpers (二对一). Each is paired
with supporters of the community (a unit paired with it now and then), visited weekly when
the household lives alone or is an empty nest (天天敲门), every two weeks or monthly
otherwise. Helpers make about nine visits in ten that fall due, so some pairings end the
year overdue; a few households left the register in the spring with a reason (their
pairings end with it). Each row has its trail (state events) as the API would have written.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from datasources.community.help.models import (
    HelpCategory,
    HelperKind,
    HouseholdStatus,
    PairingStatus,
)
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import PairingStatus as UnitPairingStatus
from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng

if TYPE_CHECKING:
    from datasources.seeding import Scale

YEAR_FROM, YEAR_TO = date(2025, 7, 1), date(2026, 6, 30)
_OPERATIONS_PER_HOUSEHOLD = 500  # a household per 500 operations of the scale, per community
_MAX_PER_COMMUNITY = 40
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ("秀英", "桂兰", "建国", "玉珍", "凤英", "志强", "淑华", "德明", "小宇", "欣怡")
_EVERY = {HelpCategory.LIVING_ALONE: 7, HelpCategory.EMPTY_NEST: 7, HelpCategory.DISABLED: 14,
          HelpCategory.CHILD_IN_DIFFICULTY: 14, HelpCategory.SUBSISTENCE: 30}  # fmt: skip
_CIRCUMSTANCES = {
    HelpCategory.LIVING_ALONE: "独居，子女在外地",
    HelpCategory.EMPTY_NEST: "老两口同住，子女不在身边",
    HelpCategory.DISABLED: "肢体残疾，行动不便",
    HelpCategory.CHILD_IN_DIFFICULTY: "父母外出务工，随祖辈生活",
    HelpCategory.SUBSISTENCE: "享受低保，家庭收入低",
}
_NOTES = ("上门探望，聊天陪伴", "代购生活用品", "打扫卫生", "陪同就医", "帮办代办证件",
          "检查水电燃气安全", "辅导作业")  # fmt: skip


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), CHINA_TZ).astimezone(UTC)


def _helpers(rows: TableRows) -> dict[int, dict[HelperKind, list[str]]]:
    found: dict[int, dict[HelperKind, list[str]]] = {
        row["id"]: {HelperKind.MEMBER: [], HelperKind.UNIT: []} for row in rows["communities"]
    }
    for report in sorted(rows["reports"], key=lambda r: r["id"]):
        if report["status"] in ACTIVE_REPORT_STATUSES:
            found[report["community_id"]][HelperKind.MEMBER].append(report["member_code"])
    for pairing in sorted(rows["unit_pairings"], key=lambda r: r["id"]):
        if pairing["status"] is UnitPairingStatus.ACTIVE:
            found[pairing["community_id"]][HelperKind.UNIT].append(pairing["unit_code"])
    return found


def generate_help(seed: int, scale: Scale, rows: TableRows) -> TableRows:
    rng = derive_rng(seed, "help_register")
    per_community = max(2, min(_MAX_PER_COMMUNITY, scale.operations // _OPERATIONS_PER_HOUSEHOLD))
    earlier = list(rows.get("state_events", []))
    next_event = max((e["id"] for e in earlier), default=0) + 1
    events: list[Row] = []

    def trail(entity: str, entity_id: int, before: str | None, after: str,
              actor: tuple[str, str], note: str | None, at: datetime) -> None:  # fmt: skip
        events.append({
            "id": next_event + len(events), "entity_type": entity, "entity_id": entity_id,
            "from_state": before, "to_state": after, "actor_subject": actor[0],
            "actor_role": actor[1], "actor_organisation": actor[0], "note": note,
            "occurred_at": at, "changes": None,
        })  # fmt: skip

    grids: dict[int, list[int]] = {}
    for grid in sorted(rows.get("grids", []), key=lambda r: r["id"]):
        grids.setdefault(grid["community_id"], []).append(grid["id"])
    helpers = _helpers(rows)
    households: list[Row] = []
    pairings: list[Row] = []
    visits: list[Row] = []
    for community in sorted(rows["communities"], key=lambda r: r["id"]):
        office = (f"community:{community['code']}", "community")
        who = helpers[community["id"]]
        if not who[HelperKind.MEMBER]:
            continue
        for _ in range(per_community):
            category = rng.choice(list(_EVERY))
            registered = YEAR_FROM - timedelta(days=rng.randint(5, 60))
            left = YEAR_TO - timedelta(days=rng.randint(30, 90)) if rng.random() < 0.05 else None
            household: Row = {
                "id": len(households) + 1, "community_id": community["id"],
                "grid_id": rng.choice(grids[community["id"]]) if grids.get(community["id"]) else None,
                "name": rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                "address": f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室",
                "phone": f"13{rng.randrange(10**9):09d}", "category": category,
                "circumstances": _CIRCUMSTANCES[category],
                "max_helpers": 2 if rng.random() < 0.3 else 1,
                "status": HouseholdStatus.LEFT if left else HouseholdStatus.ACTIVE,
                "left_reason": "迁出本社区" if left else None,
                "left_at": _at(left, 10) if left else None,
                "created_by": office[0], "created_at": _at(registered, 9),
            }  # fmt: skip
            households.append(household)
            trail("HelpHousehold", household["id"], None, "active", office, None,
                  household["created_at"])  # fmt: skip
            chosen: set[tuple[HelperKind, str]] = set()
            for _helper in range(household["max_helpers"]):
                kind = (
                    HelperKind.UNIT
                    if who[HelperKind.UNIT] and rng.random() < 0.2
                    else HelperKind.MEMBER
                )
                code = rng.choice(who[kind])
                if (kind, code) in chosen:
                    continue
                chosen.add((kind, code))
                pairing = _pairing(rng, len(pairings) + 1, household, kind, code, left, office)
                pairings.append(pairing)
                trail("HelpPairing", pairing["id"], None, "active", office,
                      f"{kind.value}:{code}", _at(pairing["starts_on"], 10))  # fmt: skip
                role = "member" if kind is HelperKind.MEMBER else "unit_branch"
                for visit in _visits(rng, pairing, left or YEAR_TO):
                    visit["id"] = len(visits) + 1
                    visit["recorded_by"], visit["recorded_role"] = f"{role}:{code}", role
                    visits.append(visit)
                    trail("HelpVisit", visit["id"], None, "logged", (visit["recorded_by"], role),
                          None, visit["created_at"])  # fmt: skip
                if left:
                    trail("HelpPairing", pairing["id"], "active", "ended", office,
                          pairing["ended_reason"], household["left_at"])  # fmt: skip
            if left:
                trail("HelpHousehold", household["id"], "active", "left", office, "迁出本社区",
                      household["left_at"])  # fmt: skip
    return {"help_households": households, "help_pairings": pairings, "help_visits": visits,
            "state_events": [*earlier, *events]}  # fmt: skip


def _pairing(rng: random.Random, pairing_id: int, household: Row, kind: HelperKind,
             code: str, left: date | None, office: tuple[str, str]) -> Row:  # fmt: skip
    starts = YEAR_FROM + timedelta(days=rng.randint(0, 20))
    every = _EVERY[household["category"]]
    return {
        "id": pairing_id, "household_id": household["id"],
        "community_id": household["community_id"], "helper_kind": kind, "helper_code": code,
        "visit_every_days": every, "starts_on": starts, "ends_on": left,
        "status": PairingStatus.ENDED if left else PairingStatus.ACTIVE,
        "ended_reason": "帮扶对象退出台账：迁出本社区" if left else None,
        "last_visit_on": None, "next_visit_due": starts + timedelta(days=every),
        "created_by": office[0], "created_at": _at(starts, 10),
    }  # fmt: skip


def _visits(rng: random.Random, pairing: Row, until: date) -> list[Row]:
    """A visit in each period of the frequency, about nine in ten; the pairing's last visit
    and next due day follow from them, as `logHelpVisit` keeps them."""
    out: list[Row] = []
    every = pairing["visit_every_days"]
    period = pairing["starts_on"]
    while period + timedelta(days=every) <= until:
        if rng.random() < 0.9:
            day = period + timedelta(days=rng.randint(1, every))
            out.append({
                "pairing_id": pairing["id"], "household_id": pairing["household_id"],
                "community_id": pairing["community_id"], "visited_on": day,
                "note": rng.choice(_NOTES), "demand_id": None, "created_at": _at(day, 19),
            })  # fmt: skip
            pairing["last_visit_on"] = day
            pairing["next_visit_due"] = day + timedelta(days=every)
        period += timedelta(days=every)
    return out
