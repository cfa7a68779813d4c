"""The appraisal ceiling binds (评议等次上限): Chancheng's rule that a member who did not
register, report by the deadline or serve as often as required "不能评为'合格'以上等次".

A grade above the member's ceiling is refused (ABOVE_CEILING), naming the ceiling and the
unmet rules behind it; only the district organisation department may record one, on
appeal, with its reason (区委组织部特批). A grade recorded before the rule was enforced (or
one the ceiling fell below later: a policy change, a reversed record) is never rewritten:
reads compare it with the ceiling as computed now and mark it EXCEEDS_CEILING.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from datasources.common import AppraisalGrade
from datasources.community.performance import ComplianceFigures
from datasources.units.models import AppraisalPolicy
from resolvers import performance as perf
from resolvers.context import HubContext

# Higher grades first: a grade is above the ceiling when its rank is lower.
RANK = {grade: index for index, grade in enumerate(perf.GRADE_ORDER)}


class GradeCheck(Enum):
    """A recorded grade against the member's ceiling (等次核查)."""

    WITHIN_CEILING = "within_ceiling"  # 未超出上限（或无上限）
    OVERRIDDEN = "overridden"  # 超出上限，区委组织部特批
    EXCEEDS_CEILING = "exceeds_ceiling"  # 超出上限，待区委组织部复核


CHECK_NAMES = {
    GradeCheck.WITHIN_CEILING: "",
    GradeCheck.OVERRIDDEN: "区委组织部特批",
    GradeCheck.EXCEEDS_CEILING: "超出上限，待区委组织部复核",
}


def above(grade: AppraisalGrade, ceiling: AppraisalGrade | None) -> bool:
    """Whether `grade` is higher than `ceiling` (never, without a ceiling)."""
    return ceiling is not None and RANK[grade] < RANK[ceiling]


def check(
    grade: AppraisalGrade, ceiling: AppraisalGrade | None, override_reason: str | None
) -> GradeCheck:
    if not above(grade, ceiling):
        return GradeCheck.WITHIN_CEILING
    return GradeCheck.EXCEEDS_CEILING if override_reason is None else GradeCheck.OVERRIDDEN


def reasons(compliance: perf.Compliance) -> str:
    """The unmet rules behind a ceiling, in Chinese: not reported, late, too few services
    or hours, with the figures."""
    return "；".join(f"未满足“{r.name}”（{r.detail}）" for r in compliance.unmet)


def refusal_message(
    grade: AppraisalGrade, year: int, compliance: perf.Compliance, ceiling: AppraisalGrade
) -> str:
    names = perf.GRADE_NAMES
    return (
        f"该党员{year}年度评议等次上限为“{names[ceiling]}”（第{compliance.policy.version}版"
        f"评议规则：{reasons(compliance)}），不能评为“{names[grade]}”。"
        "如有异议，请向区委组织部申诉。"
    )


def judged(
    member: Any, year: int, figures: ComplianceFigures, policy: AppraisalPolicy | None
) -> perf.Compliance | None:
    """The member's compliance with `policy` judged from `figures`, exactly as the reads and
    `ceiling_of` judge it (`perf.judge`): for callers holding the figures already, such as
    the demo seeder, which must record grades within the ceiling the hub will compute."""
    return perf.judge(perf.Performance(
        member_id=member.id, member_code=member.code, name=member.name,
        political_status=member.political_status, unit_id=member.unit_id,
        branch_id=member.branch_id, year=year, figures=figures, policy=policy,
    ))  # fmt: skip


async def ceiling_of(
    ctx: HubContext, member: object, year: int
) -> tuple[perf.Compliance | None, AppraisalGrade | None]:
    """The member's compliance with the year's policy and his ceiling (None: no policy, or
    the policy does not cover him), computed from both sides as the performance reads do."""
    performance = await perf.member_performance(ctx, member, year)
    compliance = performance.compliance
    return compliance, None if compliance is None else compliance.ceiling
