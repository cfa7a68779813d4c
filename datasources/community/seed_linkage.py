"""Deterministic compound governance: who built the unit-built compounds, the compounds'
committees (业委会 / 自管委) and linkage meetings of every form, each with the parties the
compound has (`linkage_forms`).

- Unit-built compounds name a unit of the unit side (自建单位).
- Compounds with an owners' committee have a 业委会 record with a five-year term, members
  and a contact; some also an earlier, ended term. Most 三无小区 have a 自管委 (Wenhualu:
  27 of 28); the rest have none and cannot meet until one is recorded.
- Meetings: 四方联动 in served compounds, 四方议事会 in served compounds with their own
  branch, 单位自建 in unit-built compounds covered by a building group (with the 业委会
  when there is one), 三方联动 in 三无小区 with a 自管委 and a group. Action items are owned
  by parties at the table, some done, some open and overdue.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from datasources.common import years_after
from datasources.community.linkage_forms import SEATS
from datasources.community.models import CompoundKind
from datasources.community.partner_models import (
    ActionItemStatus,
    CommitteeKind,
    LinkageForm,
    LinkageParty,
)
from datasources.seed_data import (
    CHINA_TZ,
    PERIOD_END,
    Row,
    TableRows,
    UnitSide,
    derive_rng,
    person_name,
    random_date,
)

P = LinkageParty
MEETINGS_FROM = date(2025, 9, 1)
AGENDAS = {
    LinkageForm.FOUR_PARTY: ("小区公共收益使用公示", "电动车充电桩加装与消防通道整治",
                             "小区停车秩序整治", "业主诉求集中回应"),
    LinkageForm.FOUR_PARTY_COUNCIL: ("商讨小区公共空间改造方案", "征集居民对绿化提升的意见"),
    LinkageForm.UNIT_BUILT: ("老旧管网改造施工协调", "自建单位移交后的维修责任划分"),
    LinkageForm.THREE_PARTY: ("垃圾清运与卫生轮值安排", "楼道照明与车棚修缮筹资"),
}  # fmt: skip
ACTIONS = {
    P.COMMUNITY: "协调职能部门现场办公",
    P.GRID_BRANCH: "组织党员志愿者入户宣传",
    P.COMPOUND_BRANCH: "组织党员亮身份认领事项",
    P.OWNERS_COMMITTEE: "征集业主意见并形成方案",
    P.PROPERTY_COMPANY: "清理消防通道堆放杂物",
    P.SELF_BUILT_UNIT: "落实自建单位维修资金",
    P.SELF_MANAGEMENT_COMMITTEE: "排定卫生轮值表并公示",
    P.PARTY_GROUP: "党小组成员包干到楼栋宣传",
    P.IN_SERVICE_MEMBERS: "在职党员认领服务项目",
    P.RESIDENTS: "收集居民意见反馈社区",
}
ROLES = ("主任", "副主任", "委员", "委员", "委员", "委员", "委员")


def _at(day: date) -> datetime:
    return datetime.combine(day, time(19, 30), tzinfo=CHINA_TZ).astimezone(UTC)


def generate_linkage(seed: int, rows: TableRows, unit_side: UnitSide) -> TableRows:
    """Sets `self_built_unit_code` on the unit-built compounds (in place) and returns the
    committees, meetings, their parties and action items."""
    rng = derive_rng(seed, "linkage")
    compounds = rows["compounds"]
    units = [u.code for u in unit_side.units if u.kind != "two_new"] or [
        u.code for u in unit_side.units
    ]
    for compound in compounds:
        if compound["kind"] is CompoundKind.UNIT_BUILT and units:
            compound["self_built_unit_code"] = rng.choice(units)
    out: TableRows = {
        "compound_committees": _committees(rng, compounds),
        "linkage_meetings": [], "linkage_meeting_parties": [], "linkage_action_items": [],
    }  # fmt: skip
    in_office: dict[tuple[int, CommitteeKind], Row] = {}
    for committee in out["compound_committees"]:
        if committee["term_ends_on"] >= PERIOD_END:
            in_office[committee["compound_id"], committee["kind"]] = committee
    groups = _groups_by_compound(rows)
    for compound in compounds:
        form = _form_of(rng, compound, in_office, groups)
        if form is not None:
            _meeting(rng, out, compound, form, in_office, groups.get(compound["id"], []))
    return out


def _committees(rng: random.Random, compounds: list[Row]) -> list[Row]:
    committees: list[Row] = []

    def add(compound: Row, kind: CommitteeKind, starts: date, years: int) -> None:
        label = "业主委员会" if kind is CommitteeKind.OWNERS else "居民自管委员会"
        size = rng.randint(3, 7) if kind is CommitteeKind.OWNERS else rng.randint(3, 5)
        committees.append({
            "id": len(committees) + 1, "compound_id": compound["id"], "kind": kind,
            "name": f"{compound['name']}{label}"[:60], "term_starts_on": starts,
            "term_ends_on": years_after(starts, years) - timedelta(days=1),
            "members": [{"name": person_name(rng, male=rng.random() < 0.5), "role": role}
                        for role in ROLES[:size]],
            "contact_phone": f"13{rng.randint(0, 999_999_999):09d}",
            "created_at": _at(starts),
        })  # fmt: skip

    for compound in compounds:
        if compound["kind"] is CompoundKind.THREE_NO:
            if rng.random() < 0.9:
                add(compound, CommitteeKind.SELF_MANAGEMENT,
                    random_date(rng, date(2023, 1, 1), date(2025, 6, 30)), 3)  # fmt: skip
        elif compound["has_owners_committee"]:
            starts = random_date(rng, date(2022, 1, 1), date(2025, 6, 30))
            if rng.random() < 0.2:  # an earlier term, ended
                add(compound, CommitteeKind.OWNERS, years_after(starts, -5), 5)
            add(compound, CommitteeKind.OWNERS, starts, 5)
    return committees


def _groups_by_compound(rows: TableRows) -> dict[int, list[int]]:
    compound_of = {b["id"]: b["compound_id"] for b in rows["buildings"]}
    community_of = {c["id"]: c["community_id"] for c in rows["compounds"]}
    group_community = {g["id"]: g["community_id"] for g in rows.get("building_groups", [])}
    found: dict[int, set[int]] = defaultdict(set)
    for link in rows.get("building_group_buildings", []):
        compound = compound_of.get(link["building_id"])
        group = link["group_id"]
        if compound is not None and group_community.get(group) == community_of[compound]:
            found[compound].add(group)
    return {compound: sorted(ids) for compound, ids in found.items()}


def _form_of(
    rng: random.Random, compound: Row, in_office: dict[tuple[int, CommitteeKind], Row],
    groups: dict[int, list[int]],
) -> LinkageForm | None:  # fmt: skip
    kind, cid = compound["kind"], compound["id"]
    draw = rng.random()
    if kind is CompoundKind.COMMERCIAL:
        if compound["property_company_id"] is None or (cid, CommitteeKind.OWNERS) not in in_office:
            return None
        if compound["party_branch_name"] and draw < 0.25:
            return LinkageForm.FOUR_PARTY_COUNCIL
        if compound["grid_id"] is None and not compound["party_branch_name"]:
            return None
        return LinkageForm.FOUR_PARTY if draw < 0.6 else None
    if not groups.get(cid):
        return None
    if kind is CompoundKind.UNIT_BUILT:
        ok = compound.get("self_built_unit_code") is not None
        return LinkageForm.UNIT_BUILT if ok and draw < 0.5 else None
    ok = (cid, CommitteeKind.SELF_MANAGEMENT) in in_office
    return LinkageForm.THREE_PARTY if ok and draw < 0.5 else None


def _meeting(
    rng: random.Random, out: TableRows, compound: Row, form: LinkageForm,
    in_office: dict[tuple[int, CommitteeKind], Row], groups: list[int],
) -> None:  # fmt: skip
    committees = {
        kind: in_office[compound["id"], kind]
        for kind in CommitteeKind
        if (compound["id"], kind) in in_office
    }
    start = max([MEETINGS_FROM, *(c["term_starts_on"] for c in committees.values())])
    held = random_date(rng, start, PERIOD_END)
    meeting_id = len(out["linkage_meetings"]) + 1
    out["linkage_meetings"].append({
        "id": meeting_id, "compound_id": compound["id"], "form": form, "held_on": held,
        "agenda": rng.choice(AGENDAS[form]),
        "decisions": "会议议定事项明确责任方和完成时限，由社区跟踪督办。", "created_at": _at(held),
    })  # fmt: skip
    parties: list[LinkageParty] = []
    for seat in SEATS[form]:
        choices = [p for p in LinkageParty if p in seat.parties]
        if P.GRID_BRANCH in seat.parties:
            choices = [P.GRID_BRANCH] if compound["grid_id"] is not None else [P.COMPOUND_BRANCH]
        party = rng.choice(choices)
        if party is P.OWNERS_COMMITTEE and CommitteeKind.OWNERS not in committees:
            continue  # the unit-built compound's optional seat
        parties.append(party)
    for party in parties:
        row: dict[str, Any] = {
            "id": len(out["linkage_meeting_parties"]) + 1, "meeting_id": meeting_id,
            "party": party, "name": person_name(rng, male=rng.random() < 0.5),
            "community_id": None, "grid_id": None, "committee_id": None,
            "building_group_id": None, "company_id": None, "unit_code": None,
        }  # fmt: skip
        if party is P.COMMUNITY:
            row["community_id"] = compound["community_id"]
        elif party is P.GRID_BRANCH:
            row["grid_id"] = compound["grid_id"]
        elif party is P.OWNERS_COMMITTEE:
            row["committee_id"] = committees[CommitteeKind.OWNERS]["id"]
        elif party is P.SELF_MANAGEMENT_COMMITTEE:
            row["committee_id"] = committees[CommitteeKind.SELF_MANAGEMENT]["id"]
        elif party is P.PROPERTY_COMPANY:
            row["company_id"] = compound["property_company_id"]
        elif party is P.SELF_BUILT_UNIT:
            row["unit_code"] = compound["self_built_unit_code"]
        elif party is P.PARTY_GROUP:
            row["building_group_id"] = groups[0]
        out["linkage_meeting_parties"].append(row)
    for owner in rng.sample(parties, rng.randint(1, min(3, len(parties)))):
        due = held + timedelta(days=rng.randint(10, 60))
        done = due < PERIOD_END and rng.random() < 0.7
        out["linkage_action_items"].append({
            "id": len(out["linkage_action_items"]) + 1, "meeting_id": meeting_id,
            "description": ACTIONS[owner], "owner_party": owner,
            "owner_name": person_name(rng, male=rng.random() < 0.5), "due_on": due,
            "status": ActionItemStatus.DONE if done else ActionItemStatus.OPEN,
            "done_on": due - timedelta(days=rng.randint(0, 9)) if done else None,
            "done_note": "已按期办结。" if done else None,
        })  # fmt: skip
