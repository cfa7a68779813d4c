"""Seeded organisation evaluations (组织评价) of the year 2025, and that year's appraisal
policy (民主评议规则), on the unit side.

Each branch evaluates its members in service early in 2026. The grade it records is
within the member's appraisal ceiling (评议等次上限) exactly as the hub computes it
(Chancheng's rule: a member who did not report by the deadline or served fewer times or
hours than required is rated at most "basically qualified"): the seeder passes the
compliance `datasources.seed_ceilings` judged with the hub's own code
(`resolvers.appraisal_ceiling.judged`) from the seeded community rows, and each row
records the ceiling it was checked against (`ceiling_grade`), as `recordOrganisationEvaluation`
does. A member within every rule mostly keeps the community's grade; a capped one gets the
ceiling (a few "unqualified"). A few evaluations were revised, the earlier row superseded.

Deliberately above the ceiling, and only with the district's override (区委组织部特批,
`overrideAppraisalCeiling`): the `OVERRIDES` below, one member who never reported (posted
away on duty) and one who reported but served too little (in hospital), each rated
"qualified" on appeal with its reason. No other row exceeds its ceiling (gradeCheck never
reads EXCEEDS_CEILING on the fresh demo; tests/test_seed_ceilings.py checks it).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from datasources.common import AppraisalGrade
from datasources.community.evaluation_models import EvaluationKind, EvaluationStatus
from datasources.seed_data import CHINA_TZ, Row, TableRows, derive_rng

EVALUATION_YEAR = 2025
_OPENS = datetime.combine(date(2026, 1, 10), time(9), tzinfo=CHINA_TZ).astimezone(UTC)
_COMMENTS = {
    AppraisalGrade.EXCELLENT: "工作表现突出，社区服务积极，评为优秀",
    AppraisalGrade.QUALIFIED: "履行党员义务，按要求参加社区服务",
    AppraisalGrade.BASICALLY_QUALIFIED: "未按要求到社区报到或参加社区服务次数不足",
    AppraisalGrade.UNQUALIFIED: "长期不参加组织生活和社区服务",
}
# The appeals the district granted (区委组织部特批), by the rule the member did not meet:
# "reported" (never reported that year) and a services rule (reported, served too little).
OVERRIDES = {
    "reported": "因公长期外派（援疆），未能按期到居住地社区报到，经单位申诉、区委组织部核实，予以特批",
    "services": "全年因病住院治疗，社区服务次数不足，经单位申诉、区委组织部核实，予以特批",
}  # fmt: skip


def generate_unit_evaluations(
    seed: int, unit_rows: TableRows, community: TableRows, compliance: dict[str, Any]
) -> TableRows:
    """The year's organisation evaluations; `compliance` is each member's compliance with
    `evaluation_policy()` as the hub judges it (`datasources.seed_ceilings`)."""
    rng = derive_rng(seed, "organisation-evaluations")
    branch_codes = {row["id"]: row["code"] for row in unit_rows["party_branches"]}
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
        judged = compliance.get(code)
        ceiling: AppraisalGrade | None = None if judged is None else judged.ceiling
        grade: AppraisalGrade
        if ceiling is not None and ceiling is not AppraisalGrade.EXCELLENT:  # capped
            grade = AppraisalGrade.UNQUALIFIED if rng.random() < 0.1 else ceiling
        else:
            grade = community_grade.get(code, AppraisalGrade.QUALIFIED)
            if grade is AppraisalGrade.UNQUALIFIED:
                grade = AppraisalGrade.BASICALLY_QUALIFIED
            elif grade is AppraisalGrade.QUALIFIED and rng.random() < 0.08:
                grade = AppraisalGrade.EXCELLENT
        if ceiling is not None and _RANK[grade] < _RANK[ceiling]:
            grade = ceiling  # never above the ceiling without the district's override
        subject = f"branch:{branch_codes[member['branch_id']]}"
        created = _OPENS + timedelta(seconds=rng.randrange(60 * 24 * 3600))
        if rng.random() < 0.02:
            revised = created + timedelta(days=rng.randint(1, 14))
            rows.append(_row(len(rows) + 1, member, grade, subject, created, revised, ceiling))
            created = revised
        rows.append(_row(len(rows) + 1, member, grade, subject, created, None, ceiling))
    _override(rows, unit_rows["members"], compliance)
    return {"organisation_evaluations": rows, "appraisal_policies": [evaluation_policy()]}


def _unmet_kind(judged: Any) -> str | None:
    """Which `OVERRIDES` case a capped member is: never reported, or reported and served
    too little (services or hours); None when within every rule (or late only)."""
    unmet = {result.rule.value for result in judged.unmet}
    if "reported" in unmet:
        return "reported"
    if unmet & {"min_services", "min_hours"}:
        return "services"
    return None


def _override(rows: list[Row], members: list[Row], compliance: dict[str, Any]) -> None:
    """The district's overrides (区委组织部特批): for each `OVERRIDES` case, the first
    member of that case with a current branch grade below "qualified" is rated
    "qualified" by the district, with its reason; the branch's grade is superseded."""
    by_id = {member["id"]: member for member in members}
    pending = dict(OVERRIDES)
    for row in list(rows):
        member = by_id[row["member_id"]]
        judged = compliance.get(member["code"])
        if row["superseded_at"] is not None or judged is None or judged.ceiling is None:
            continue
        case = _unmet_kind(judged)
        if case not in pending or _RANK[judged.ceiling] <= _RANK[AppraisalGrade.QUALIFIED]:
            continue
        granted = row["created_at"] + timedelta(days=20)
        row["superseded_at"] = granted
        rows.append({
            **_row(len(rows) + 1, member, AppraisalGrade.QUALIFIED, "district:D01", granted,
                   None, judged.ceiling),
            "comment": "经申诉复核，评为合格", "override_reason": pending.pop(case),
            "override_by": "district:D01",
        })  # fmt: skip
        if not pending:
            return


_DEADLINE = date(EVALUATION_YEAR, 6, 30)
_MIN_SERVICES = 2
_CEILING = AppraisalGrade.BASICALLY_QUALIFIED
_RANK = {grade: index for index, grade in enumerate(AppraisalGrade)}  # EXCELLENT first


def evaluation_policy() -> Row:
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
    ceiling: AppraisalGrade | None,
) -> Row:
    return {
        "id": row_id, "member_id": member["id"], "branch_id": member["branch_id"],
        "year": EVALUATION_YEAR, "grade": grade, "comment": _COMMENTS[grade],
        "evaluator_subject": subject, "created_at": created, "superseded_at": superseded,
        "ceiling_grade": ceiling, "override_reason": None, "override_by": None,
    }  # fmt: skip
