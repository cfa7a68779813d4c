"""Seeded opinion requests (征求社区意见): a few units asked the residence community of a
member with an active report about his conduct before promoting him, in the autumn of
2026; about half were answered, the rest are pending. At least one of each. Each request
has its trail (state events: asked, answered), as the API would have written it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.opinion_models import Opinion, OpinionRequestStatus
from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng

_PURPOSES = (
    "拟提拔为副科长",
    "拟晋升职级",
    "拟推荐为优秀共产党员（评先树优）",
    "拟提拔为科室负责人",
)
_ANSWERS = {
    Opinion.FAVOURABLE: "该同志按时到社区报到，积极参加志愿服务和邻里守望，群众评价好。",
    Opinion.RESERVED: "该同志报到后参加社区活动次数偏少，建议加强8小时以外的表现。",
    Opinion.UNFAVOURABLE: "该同志报到后长期未参加社区服务，群众反映较少见到。",
}
_OPINIONS = (Opinion.FAVOURABLE, Opinion.FAVOURABLE, Opinion.RESERVED, Opinion.UNFAVOURABLE)
_STARTS = datetime.combine(date(2026, 9, 1), time(9), tzinfo=CHINA_TZ).astimezone(UTC)


def generate_opinion_requests(
    seed: int, rows: TableRows, unit_of: dict[str, str], first_event_id: int = 1
) -> TableRows:
    rng = derive_rng(seed, "opinion-requests")
    community_code = {row["id"]: row["code"] for row in rows["communities"]}
    active = sorted(
        (r for r in rows["reports"] if r["status"] in ACTIVE_REPORT_STATUSES
         and r["member_code"] in unit_of),
        key=lambda r: r["id"],
    )  # fmt: skip
    chosen = active[:: max(1, len(active) // 24)][:24] if active else []
    requests: list[Row] = []
    events: list[Row] = []
    for index, report in enumerate(chosen):
        unit = unit_of[report["member_code"]]
        community = community_code[report["community_id"]]
        asked = _STARTS + timedelta(hours=rng.randrange(24 * 60))
        purpose = rng.choice(_PURPOSES)
        answered = index == 0 or (index > 1 and rng.random() < 0.5)
        row: Row = {
            "id": len(requests) + 1, "member_code": report["member_code"], "unit_code": unit,
            "community_id": report["community_id"], "purpose": purpose,
            "status": OpinionRequestStatus.PENDING, "asked_by": f"unit:{unit}",
            "asked_at": asked, "opinion": None, "answer": None, "answered_by": None,
            "answered_at": None,
        }  # fmt: skip
        events.append(_event(first_event_id + len(events), row["id"], None, "pending",
                             f"unit:{unit}", "unit_branch", purpose, asked))  # fmt: skip
        if answered:
            opinion = rng.choice(_OPINIONS)
            at = asked + timedelta(days=rng.randint(1, 10))
            row |= {"status": OpinionRequestStatus.ANSWERED, "opinion": opinion,
                    "answer": _ANSWERS[opinion], "answered_by": f"community:{community}",
                    "answered_at": at}  # fmt: skip
            events.append(_event(first_event_id + len(events), row["id"], "pending", "answered",
                                 f"community:{community}", "community", None, at))  # fmt: skip
        requests.append(row)
    return {"opinion_requests": requests, "state_events": events}


def _event(
    event_id: int, entity_id: int, before: str | None, after: str, actor: str, role: str,
    note: str | None, at: datetime,
) -> Row:  # fmt: skip
    return {
        "id": event_id, "entity_type": "OpinionRequest", "entity_id": entity_id,
        "from_state": before, "to_state": after, "actor_subject": actor, "actor_role": role,
        "actor_organisation": actor, "note": note, "occurred_at": at,
    }  # fmt: skip
