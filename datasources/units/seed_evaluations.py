"""Seeded organisation evaluations (组织评价) of the year 2025, and that year's appraisal
policy (民主评议规则), on the unit side.

Each branch evaluates its members in service early in 2026, reading what the community
side recorded: a member who had not reported by the end of 2025, reported after the
policy's deadline or served fewer times than it requires (counted from the points earned:
the seeder's approximation of the hub's figures) is rated at most "basically qualified"
(Chancheng's rule); otherwise the community's grade mostly carries over. A few evaluations
were revised, the earlier row superseded. The rows carry no `ceiling_grade`: they stand for
grades recorded before the ceiling was enforced, and one the hub's exact figures still find
above the ceiling is shown as EXCEEDS_CEILING for the district to review. One member who
had not reported was rated "qualified" on appeal by the district (an override, with its
reason).
Generated after the community side, from its rows (the seeder sees both databases; the
hub's resolvers would join them the same way).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from datasources.common import AppraisalGrade
from datasources.community.evaluation_models import EvaluationKind, EvaluationStatus
from datasources.community.models import ReportStatus
from datasources.community.points_models import PointsKind
from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng

EVALUATION_YEAR = 2025
_YEAR_END = datetime(EVALUATION_YEAR + 1, 1, 1, tzinfo=CHINA_TZ).astimezone(UTC)
_OPENS = datetime.combine(date(2026, 1, 10), time(9), tzinfo=CHINA_TZ).astimezone(UTC)
_COMMENTS = {
    AppraisalGrade.EXCELLENT: "工作表现突出，社区服务积极，评为优秀",
    AppraisalGrade.QUALIFIED: "履行党员义务，按要求参加社区服务",
    AppraisalGrade.BASICALLY_QUALIFIED: "未按要求到社区报到或参加社区服务次数不足",
    AppraisalGrade.UNQUALIFIED: "长期不参加组织生活和社区服务",
}


def generate_unit_evaluations(seed: int, unit_rows: TableRows, community: TableRows) -> TableRows:
    rng = derive_rng(seed, "organisation-evaluations")
    branch_codes = {row["id"]: row["code"] for row in unit_rows["party_branches"]}
    reported = {
        row["member_code"]
        for row in community["reports"]
        if row["status"] in (ReportStatus.CONFIRMED, ReportStatus.CLOSED)
        and row["reported_on"] < date(EVALUATION_YEAR + 1, 1, 1)
    }
    on_time = {
        row["member_code"]
        for row in community["reports"]
        if row["status"] in (ReportStatus.CONFIRMED, ReportStatus.CLOSED)
        and row["reported_on"] <= _DEADLINE
    }
    served: Counter[str] = Counter(
        row["member_code"]
        for row in community["points_entries"]
        if row["kind"] is PointsKind.EARN and row["occurred_at"] < _YEAR_END
    )
    community_grade = {
        row["member_code"]: row["grade"]
        for row in community["member_evaluations"]
        if row["kind"] is EvaluationKind.COMMUNITY and row["status"] is EvaluationStatus.ACTIVE
    }
    rows: list[Row] = []
    for member in unit_rows["members"]:
        if not member["in_service"]:
            continue
        code = member["code"]
        if code not in reported or served[code] == 0:
            grade = (
                AppraisalGrade.UNQUALIFIED
                if rng.random() < 0.1
                else AppraisalGrade.BASICALLY_QUALIFIED
            )
        else:
            grade = community_grade.get(code, AppraisalGrade.QUALIFIED)
            if grade is AppraisalGrade.UNQUALIFIED:
                grade = AppraisalGrade.BASICALLY_QUALIFIED
            elif grade is AppraisalGrade.QUALIFIED and rng.random() < 0.08:
                grade = AppraisalGrade.EXCELLENT
            if (code not in on_time or served[code] < _MIN_SERVICES) and _RANK[grade] < _RANK[
                _CEILING
            ]:  # late, or too few services: the branch keeps within the ceiling
                grade = _CEILING
        subject = f"branch:{branch_codes[member['branch_id']]}"
        created = _OPENS + timedelta(seconds=rng.randrange(60 * 24 * 3600))
        if rng.random() < 0.02:
            revised = created + timedelta(days=rng.randint(1, 14))
            rows.append(_row(len(rows) + 1, member, grade, subject, created, superseded=revised))
            created = revised
        rows.append(_row(len(rows) + 1, member, grade, subject, created, superseded=None))
    _override_one(rows, unit_rows["members"], reported)
    return {"organisation_evaluations": rows, "appraisal_policies": [_policy()]}


def _override_one(rows: list[Row], members: list[Row], reported: set[str]) -> None:
    """One appeal the district granted (区委组织部特批): the first member in service who
    had not reported by the end of the year (ceiling "basically qualified") is rated
    "qualified" by the district, with its reason; his branch's grade is superseded."""
    by_id = {member["id"]: member for member in members}
    for row in rows:
        member = by_id[row["member_id"]]
        if member["code"] in reported or row["superseded_at"] is not None:
            continue
        granted = row["created_at"] + timedelta(days=20)
        row["superseded_at"] = granted
        rows.append({
            **_row(len(rows) + 1, member, AppraisalGrade.QUALIFIED, "district:D01", granted,
                   superseded=None),
            "comment": "经申诉复核，评为合格", "ceiling_grade": _CEILING,
            "override_reason": "因公长期外派（援疆），未能按期到居住地社区报到，"
                               "经单位申诉、区委组织部核实，予以特批",
            "override_by": "district:D01",
        })  # fmt: skip
        return


_DEADLINE = date(EVALUATION_YEAR, 6, 30)
_MIN_SERVICES = 2
_CEILING = AppraisalGrade.BASICALLY_QUALIFIED
_RANK = {grade: index for index, grade in enumerate(AppraisalGrade)}  # EXCELLENT first


def _policy() -> Row:
    """The district's policy for the evaluation year, set before it began (Chancheng's
    rule): reported by 30 June, at least two services and four hours, every record type
    counted; a member who falls short is rated at most "basically qualified"."""
    return {
        "id": 1, "year": EVALUATION_YEAR, "district_code": "", "version": 1,
        "reporting_deadline": _DEADLINE, "min_services": _MIN_SERVICES,
        "min_hours": Decimal("4.0"), "count_orders": True, "count_activities": True,
        "count_posts": True, "count_wishes": True,
        "ceiling_grade": _CEILING, "include_activists": False,
        "include_development_targets": False, "note": "未按期报到或服务不足者，评议不得高于基本合格",
        "updated_by": "district:D01",
        "updated_at": datetime.combine(date(EVALUATION_YEAR - 1, 12, 20), time(10),
                                       tzinfo=CHINA_TZ).astimezone(UTC),
    }  # fmt: skip


def _row(
    row_id: int,
    member: Row,
    grade: AppraisalGrade,
    subject: str,
    created: datetime,
    superseded: datetime | None,
) -> Row:
    return {
        "id": row_id, "member_id": member["id"], "branch_id": member["branch_id"],
        "year": EVALUATION_YEAR, "grade": grade, "comment": _COMMENTS[grade],
        "evaluator_subject": subject, "created_at": created, "superseded_at": superseded,
        "ceiling_grade": None, "override_reason": None, "override_by": None,
    }  # fmt: skip
