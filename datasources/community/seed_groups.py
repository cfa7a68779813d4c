"""Seeded building groups (楼栋党小组), household assignments (包干到户) and the community
side's evaluations (三评) of the year 2025.

Groups gather a community's supporters by building, 20 to 30 each as in Yijing, each with
one leader and one vice-leader; some members and a few residents look after a floor or a
household of their group's buildings. Every supporter who served in 2025 writes a
self-evaluation and is evaluated by the community; communities that evaluate on three
levels add the group leader's and the grid branch's views. Grades follow how often the
member served, and a few community evaluations were revised (the earlier one superseded).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta

from datasources.common import AppraisalGrade
from datasources.community.evaluation_models import EvaluationKind, EvaluationStatus
from datasources.community.group_models import (
    AssigneeKind,
    AssignmentStatus,
    GroupRole,
    GroupStatus,
    MembershipStatus,
)
from datasources.community.seed_operations import Earning
from datasources.community.seed_places import CommunityPlace
from datasources.community.seed_serving import DAY, NOW, Pool, Server, later, local_midnight
from datasources.seed_data import Row, TableRows, chinese_ordinal, derive_rng

EVALUATION_YEAR = 2025
_YEAR_END = local_midnight(date(EVALUATION_YEAR + 1, 1, 1))
_GROUPS_FORMED = local_midnight(date(2025, 8, 1))
_THREE_LEVEL_SHARE = 0.4
_COMMENTS = {
    AppraisalGrade.EXCELLENT: ("积极参加社区服务，群众评价高", "主动认领岗位，服务次数多、质量好"),
    AppraisalGrade.QUALIFIED: ("能按要求参加社区服务", "服务态度好，完成社区交办任务"),
    AppraisalGrade.BASICALLY_QUALIFIED: ("参加社区服务次数偏少", "报到后参与不够积极"),
    AppraisalGrade.UNQUALIFIED: ("报到后未参加社区服务",),
}
_SELF_COMMENTS = ("本年度按要求到社区报到并参加志愿服务，今后将更加主动。",
                  "利用业余时间参加社区活动，服务群众的本领有待提高。",
                  "积极参与楼栋党小组活动，认真完成包干任务。")  # fmt: skip


def generate_groups(
    seed: int, places: tuple[CommunityPlace, ...], pools: dict[int, Pool], buildings: list[Row]
) -> tuple[TableRows, dict[str, str]]:
    """Groups, their buildings and members, and assignments; plus member -> leader code."""
    rng = derive_rng(seed, "groups")
    floors = {row["id"]: row["floors"] for row in buildings}
    out: TableRows = {
        "building_groups": [], "building_group_buildings": [], "building_group_members": [],
        "household_assignments": [],
    }  # fmt: skip
    leader_of: dict[str, str] = {}
    for place in places:
        housed = sorted(
            (s for s in pool_servers(pools, place) if s.active and s.building_id is not None),
            key=lambda s: (s.building_id, s.code),
        )
        start = 0
        while start < len(housed):
            size = rng.randint(20, 30)
            chunk = housed[start : start + size]
            if len(housed) - (start + size) < 3:
                chunk = housed[start:]  # too few left for a group: join this one
            start += len(chunk)
            if len(chunk) < 3:
                continue
            _group(rng, out, place, chunk, floors, leader_of)
    return out, leader_of


def pool_servers(pools: dict[int, Pool], place: CommunityPlace) -> list[Server]:
    return pools[place.id].servers


def _group(
    rng: random.Random,
    out: TableRows,
    place: CommunityPlace,
    chunk: list[Server],
    floors: dict[int, int],
    leader_of: dict[str, str],
) -> None:
    group_id = len(out["building_groups"]) + 1
    created = later(rng, _GROUPS_FORMED, 0, 24 * 60)
    number = sum(1 for row in out["building_groups"] if row["community_id"] == place.id) + 1
    out["building_groups"].append({
        "id": group_id, "community_id": place.id,
        "name": f"{place.short_name}第{chinese_ordinal(number)}楼栋党小组",
        "status": GroupStatus.ACTIVE, "created_at": created, "dissolved_at": None,
    })  # fmt: skip
    covered = sorted({s.building_id for s in chunk if s.building_id is not None})
    out["building_group_buildings"] += [
        {"group_id": group_id, "building_id": building_id} for building_id in covered
    ]
    leader, vice = rng.sample(range(len(chunk)), 2)
    for index, server in enumerate(chunk):
        role = GroupRole.MEMBER
        if index == leader:
            role = GroupRole.LEADER
        elif index == vice:
            role = GroupRole.VICE_LEADER
        joined = max(created, server.start)
        out["building_group_members"].append({
            "id": len(out["building_group_members"]) + 1, "group_id": group_id,
            "member_code": server.code, "role": role, "status": MembershipStatus.ACTIVE,
            "joined_at": joined, "left_at": None,
        })  # fmt: skip
        leader_of[server.code] = chunk[leader].code
        if server.building_id is not None and rng.random() < 0.3:
            _assign(rng, out, place, server.building_id, floors, group_id,
                    AssigneeKind.MEMBER, server.code, joined)  # fmt: skip
    for building_id in covered[:2]:
        if rng.random() < 0.5:
            resident = f"resident:{place.code}-{rng.randrange(1, 100_000):05d}"
            _assign(rng, out, place, building_id, floors, group_id,
                    AssigneeKind.RESIDENT, resident, created)  # fmt: skip


def _assign(
    rng: random.Random,
    out: TableRows,
    place: CommunityPlace,
    building_id: int,
    floors: dict[int, int],
    group_id: int,
    kind: AssigneeKind,
    code: str,
    since: datetime,
) -> None:
    floor = rng.randint(1, max(1, floors.get(building_id, 6)))
    household = f"{floor}{rng.randint(1, 4):02d}" if rng.random() < 0.4 else None
    assigned = later(rng, since, 1, 24 * 30)
    ended = later(rng, assigned, 24 * 30, 24 * 200) if rng.random() < 0.05 else None
    if ended is not None and ended > NOW:
        ended = None
    out["household_assignments"].append({
        "id": len(out["household_assignments"]) + 1, "community_id": place.id,
        "building_id": building_id, "floor": floor, "household": household,
        "assignee_kind": kind, "assignee_code": code, "group_id": group_id,
        "status": AssignmentStatus.ACTIVE if ended is None else AssignmentStatus.ENDED,
        "note": "楼栋长" if kind is AssigneeKind.RESIDENT else None,
        "assigned_at": min(assigned, NOW), "ended_at": ended,
    })  # fmt: skip


def service_counts(earnings: list[Earning], before: datetime) -> Counter[tuple[str, int]]:
    """Completed services per (member, community) before `before`."""
    return Counter((e.member_code, e.community_id) for e in earnings if e.at < before)


def generate_evaluations(
    seed: int,
    places: tuple[CommunityPlace, ...],
    pools: dict[int, Pool],
    earnings: list[Earning],
    leader_of: dict[str, str],
    unit_of: dict[str, str],
) -> list[Row]:
    """The 2025 evaluations of every member who served a community in 2025."""
    rng = derive_rng(seed, "evaluations")
    served = service_counts(earnings, _YEAR_END)
    rows: list[Row] = []
    for place in places:
        three_levels = rng.random() < _THREE_LEVEL_SHARE
        grid = f"grid:G{place.grid_ids[0]:04d}" if place.grid_ids else f"community:{place.code}"
        for server in pools[place.id].servers:
            if not server.active or server.start >= _YEAR_END:
                continue
            count = served[(server.code, place.id)]
            grade = _grade(rng, count)
            writer = _Writer(rng, rows, server, place.id)
            if rng.random() < 0.85:
                writer.add(EvaluationKind.SELF, grade if rng.random() < 0.7 else None,
                           rng.choice(_SELF_COMMENTS), f"member:{server.code}", "member",
                           (date(2026, 1, 5), 15))  # fmt: skip
            if three_levels:
                leader = leader_of.get(server.code)
                if leader is not None and leader != server.code:
                    writer.add(EvaluationKind.GROUP, grade, rng.choice(_COMMENTS[grade]),
                               f"member:{leader}", "member", (date(2026, 1, 15), 15))  # fmt: skip
                writer.add(EvaluationKind.GRID_BRANCH, grade, rng.choice(_COMMENTS[grade]),
                           grid, "grid_branch_secretary", (date(2026, 1, 15), 15))  # fmt: skip
            if rng.random() < 0.93:
                writer.by_community(grade, f"community:{place.code}", unit_of[server.code])
    return rows


def _grade(rng: random.Random, count: int) -> AppraisalGrade:
    if count == 0:
        return (
            AppraisalGrade.UNQUALIFIED if rng.random() < 0.3 else AppraisalGrade.BASICALLY_QUALIFIED
        )
    if count >= 8 and rng.random() < 0.5:
        return AppraisalGrade.EXCELLENT
    if count <= 2 and rng.random() < 0.3:
        return AppraisalGrade.BASICALLY_QUALIFIED
    return AppraisalGrade.QUALIFIED


class _Writer:
    def __init__(self, rng: random.Random, rows: list[Row], server: Server, community: int) -> None:
        self.rng, self.rows, self.server, self.community = rng, rows, server, community

    def add(
        self,
        kind: EvaluationKind,
        grade: AppraisalGrade | None,
        comment: str,
        subject: str,
        role: str,
        window: tuple[date, int],
        status: EvaluationStatus = EvaluationStatus.ACTIVE,
        created: datetime | None = None,
    ) -> Row:
        first, days = window
        when = created or later(self.rng, local_midnight(first), 9, 24 * days)
        row: Row = {
            "id": len(self.rows) + 1, "member_code": self.server.code, "year": EVALUATION_YEAR,
            "kind": kind, "community_id": self.community, "grade": grade, "comment": comment,
            "status": status, "evaluator_subject": subject, "evaluator_role": role,
            "created_at": when, "superseded_at": None, "acknowledged_at": None,
            "acknowledged_by": None, "acknowledged_unit_code": None,
        }  # fmt: skip
        self.rows.append(row)
        return row

    def by_community(self, grade: AppraisalGrade, subject: str, unit_code: str) -> None:
        rng = self.rng
        window = (date(2026, 2, 1), 25)
        if rng.random() < 0.03:
            first = self.add(EvaluationKind.COMMUNITY, _GRADES_ABOVE.get(grade, grade),
                             rng.choice(_COMMENTS[grade]), subject, "community", window,
                             EvaluationStatus.SUPERSEDED)  # fmt: skip
            revised = first["created_at"] + timedelta(days=rng.randint(1, 10))
            first["superseded_at"] = revised
            row = self.add(EvaluationKind.COMMUNITY, grade, rng.choice(_COMMENTS[grade]),
                           subject, "community", window, created=revised)  # fmt: skip
        else:
            row = self.add(EvaluationKind.COMMUNITY, grade, rng.choice(_COMMENTS[grade]),
                           subject, "community", window)  # fmt: skip
        if rng.random() < 0.6:
            row["acknowledged_at"] = min(row["created_at"] + DAY * rng.randint(1, 20), NOW)
            row["acknowledged_by"] = f"unit:{unit_code}"
            row["acknowledged_unit_code"] = unit_code


_GRADES_ABOVE = {
    AppraisalGrade.QUALIFIED: AppraisalGrade.EXCELLENT,
    AppraisalGrade.BASICALLY_QUALIFIED: AppraisalGrade.QUALIFIED,
}
