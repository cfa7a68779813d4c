"""Seeded public commitments (亮承诺、践诺): about one in five members with an active report
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
