"""Seeded public commitments (亮承诺、践诺) and commendations (表彰, below): about one in five members with an active report
published one to three commitments for 2025 in the summer of 2025, which their community
assessed in December 2025 (mostly kept, some partly kept or not kept, a few withdrawn
before), and commitments for 2026 published in the first quarter of 2026, still pending.
About half agreed that residents see them. Each has its trail (state events: published,
withdrawn or assessed), as the API would have written it. Pure Python over the rows already
generated: linear in the reports, a few milliseconds at the larger scale.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from datasources.community.commitment_models import CommitmentStatus
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.seed_data import CHINA_TZ, Row, TableRows, UnitSide, derive_rng

_PROMISES = (
    "每月参加一次小区志愿服务",
    "结对帮扶一户困难家庭，每季度上门走访",
    "参与楼栋环境整治，做好垃圾分类宣传",
    "利用专业特长为居民提供一次义诊或法律咨询",
    "参加小区夜间治安巡逻，每月不少于两次",
    "为社区儿童之家讲授一堂课",
)
_EVIDENCE = {
    CommitmentStatus.KEPT: "全年按承诺参加服务，社区核实属实。",
    CommitmentStatus.PARTLY_KEPT: "部分完成承诺事项，参加次数少于承诺。",
    CommitmentStatus.NOT_KEPT: "全年未参加承诺的服务事项。",
}
_OUTCOMES = (
    (CommitmentStatus.KEPT, 0.6),
    (CommitmentStatus.PARTLY_KEPT, 0.2),
    (CommitmentStatus.NOT_KEPT, 0.15),
    (CommitmentStatus.WITHDRAWN, 0.05),
)
_SUMMER_2025 = datetime(2025, 7, 1, 9, tzinfo=CHINA_TZ).astimezone(UTC)
_DECEMBER_2025 = datetime(2025, 12, 10, 9, tzinfo=CHINA_TZ).astimezone(UTC)
_JANUARY_2026 = datetime(2026, 1, 5, 9, tzinfo=CHINA_TZ).astimezone(UTC)


def _outcome(value: float) -> CommitmentStatus:
    for status, share in _OUTCOMES:
        if value < share:
            return status
        value -= share
    return CommitmentStatus.KEPT


def generate_commitments(seed: int, rows: TableRows, unit_side: UnitSide) -> TableRows:
    rng = derive_rng(seed, "commitments")
    unit_of = {member.code: member.unit_code for member in unit_side.members}
    community_code = {row["id"]: row["code"] for row in rows["communities"]}
    categories = [r["id"] for r in rows["service_categories"] if r["code"].startswith("chancheng")]
    earlier: list[Row] = list(rows.get("state_events", []))
    next_event = max((e["id"] for e in earlier), default=0) + 1
    commitments: list[Row] = []
    events: list[Row] = []

    def event(entity_id: int, before: str | None, after: str, actor: str, role: str,
              note: str | None, at: datetime) -> None:  # fmt: skip
        events.append({
            "id": next_event + len(events), "entity_type": "MemberCommitment",
            "entity_id": entity_id, "from_state": before, "to_state": after,
            "actor_subject": actor, "actor_role": role, "actor_organisation": actor,
            "note": note, "occurred_at": at, "changes": None,
        })  # fmt: skip

    active = sorted(
        (r for r in rows["reports"]
         if r["status"] in ACTIVE_REPORT_STATUSES and r["member_code"] in unit_of),
        key=lambda r: r["id"],
    )  # fmt: skip
    for report in active:
        if rng.random() >= 0.2:
            continue
        member, community_id = report["member_code"], report["community_id"]
        community = f"community:{community_code[community_id]}"
        for year, start in ((2025, _SUMMER_2025), (2026, _JANUARY_2026)):
            for content in rng.sample(_PROMISES, rng.randint(1, 3)):
                row_id = len(commitments) + 1
                published = start + timedelta(hours=rng.randrange(24 * 60))
                status = _outcome(rng.random()) if year == 2025 else CommitmentStatus.PUBLISHED
                row: Row = {
                    "id": row_id, "member_code": member, "unit_code": unit_of[member],
                    "community_id": community_id, "category_id": rng.choice(categories),
                    "year": year, "content": content, "public_consent": rng.random() < 0.5,
                    "status": status, "evidence": None, "assessed_by": None,
                    "assessed_at": None, "created_at": published,
                }  # fmt: skip
                event(row_id, None, "published", f"member:{member}", "member", content, published)
                if status is CommitmentStatus.WITHDRAWN:
                    at = published + timedelta(days=rng.randint(10, 60))
                    event(row_id, "published", "withdrawn", f"member:{member}", "member", None, at)
                elif status is not CommitmentStatus.PUBLISHED:
                    at = _DECEMBER_2025 + timedelta(hours=rng.randrange(24 * 15))
                    row |= {"evidence": _EVIDENCE[status], "assessed_by": community,
                            "assessed_at": at}  # fmt: skip
                    event(row_id, "published", status.value, community, "community",
                          _EVIDENCE[status], at)  # fmt: skip
                commitments.append(row)
    return {"member_commitments": commitments, "state_events": [*earlier, *events]}


_STAR_REASONS = ("带头参加小区志愿服务", "积极参与邻里守望和治安巡逻", "热心帮扶独居老人")


def generate_commendations(seed: int, rows: TableRows) -> TableRows:
    """Commendations (表彰) of the seeded year: each community's 每月之星 from July 2025 to
    June 2026 (a supporter a month), its 2025 年度表彰 and 最美家庭 (December 2025), and the
    district's 最美下沉党员 of 2025 for a few members; one in twenty revoked with a reason.
    Each has its trail (awarded, revoked) as the API would have written it."""
    rng = derive_rng(seed, "commendations")
    earlier: list[Row] = list(rows.get("state_events", []))
    next_event = max((e["id"] for e in earlier), default=0) + 1
    by_community: dict[int, list[str]] = {}
    for report in sorted(rows["reports"], key=lambda r: r["id"]):
        if report["status"] in ACTIVE_REPORT_STATUSES:
            by_community.setdefault(report["community_id"], []).append(report["member_code"])
    community_code = {row["id"]: row["code"] for row in rows["communities"]}
    out: list[Row] = []
    events: list[Row] = []

    def add(title: str, level: str, community_id: int | None, kind: str, code: str, year: int,
            month: int | None, reason: str, at: datetime) -> None:  # fmt: skip
        actor = (
            "district" if level == "district" else f"community:{community_code[community_id or 0]}"
        )
        row: Row = {
            "id": len(out) + 1, "title": title, "level": level, "community_id": community_id,
            "honoree_kind": kind, "honoree_code": code, "year": year, "month": month,
            "reason": reason, "status": "active", "awarded_by": actor, "awarded_at": at,
            "revoked_reason": None, "revoked_by": None, "revoked_at": None,
        }  # fmt: skip
        events.append(_commendation_event(next_event + len(events), row["id"], None, "active",
                                          actor, level, reason, at))  # fmt: skip
        if rng.random() < 0.05:
            revoked = at + timedelta(days=rng.randint(5, 30))
            row |= {"status": "revoked", "revoked_reason": "经核实事迹有误，予以撤销。",
                    "revoked_by": actor, "revoked_at": revoked}  # fmt: skip
            events.append(_commendation_event(next_event + len(events), row["id"], "active",
                                              "revoked", actor, level, row["revoked_reason"],
                                              revoked))  # fmt: skip
        out.append(row)

    months = [(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 7)]
    for community_id, members in sorted(by_community.items()):
        for year, month in months:
            at = datetime(year, month, 28, 10, tzinfo=CHINA_TZ).astimezone(UTC)
            add("monthly_star", "community", community_id, "member", rng.choice(members), year,
                month, rng.choice(_STAR_REASONS), at)  # fmt: skip
        december = datetime(2025, 12, 30, 10, tzinfo=CHINA_TZ).astimezone(UTC)
        for member in rng.sample(members, min(3, len(members))):
            add("annual", "community", community_id, "member", member, 2025, None,
                "年度下沉服务表现突出", december)  # fmt: skip
        add("model_family", "community", community_id, "household",
            f"{rng.randint(1, 20)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}",
            2025, None, "最美家庭：家风建设带动邻里", december)  # fmt: skip
        if rng.random() < 0.3:
            add("model_member", "district", community_id, "member", rng.choice(members), 2025,
                None, "区级最美下沉党员", december)  # fmt: skip
    return {"commendations": out, "state_events": [*earlier, *events]}


def _commendation_event(
    event_id: int, entity_id: int, before: str | None, after: str, actor: str, level: str,
    note: str | None, at: datetime,
) -> Row:  # fmt: skip
    return {
        "id": event_id, "entity_type": "Commendation", "entity_id": entity_id,
        "from_state": before, "to_state": after, "actor_subject": actor,
        "actor_role": "district" if level == "district" else "community",
        "actor_organisation": actor, "note": note, "occurred_at": at, "changes": None,
    }  # fmt: skip
