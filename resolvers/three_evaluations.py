"""The three evaluations rolled up (三评汇总) for commendation (评先树优): Junan's "双管三评"
has the member's self-evaluation (自评), the community's evaluation (社区测评) and the
organisation's evaluation (组织考评) fed back to the county organisation department.

Per branch, how many members got each grade on each of the three, for a page of branches
at once: one statement for the branches' members and one for their organisation
evaluations (unit side), one for their community-side evaluations (the same loader as
`Member.evaluations`), whatever the page size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from datasources.common import AppraisalGrade
from datasources.community.evaluation_models import EvaluationKind, EvaluationStatus
from datasources.units.models import Member, OrganisationEvaluation
from resolvers.context import HubContext


@dataclass
class BranchTally:
    """One branch's year: members, and per evaluation the count of each grade."""

    members: int = 0
    self_grades: Counter[str] = field(default_factory=Counter)
    community_grades: Counter[str] = field(default_factory=Counter)
    organisation_grades: Counter[str] = field(default_factory=Counter)


async def branch_tallies(
    ctx: HubContext, branch_ids: Sequence[int], year: int
) -> dict[int, BranchTally]:
    """Tallies of the branches' members in service, by grade value, UNGRADED (written
    without a grade: a self-evaluation may leave it out) and MISSING (not written)."""
    tallies = {branch_id: BranchTally() for branch_id in branch_ids}
    if not branch_ids:
        return tallies
    visible = await ctx.units.scope.where(Member)
    async with ctx.sources.units.session() as session:
        members = (
            await session.execute(
                select(Member.id, Member.code, Member.branch_id).where(
                    Member.branch_id.in_(branch_ids), Member.in_service, *visible
                )
            )
        ).all()
        ids = [m.id for m in members]
        current: dict[int, AppraisalGrade] = {}
        if ids:
            org_visible = await ctx.units.scope.where(OrganisationEvaluation)
            rows = await session.execute(
                select(OrganisationEvaluation.member_id, OrganisationEvaluation.grade).where(
                    OrganisationEvaluation.member_id.in_(ids),
                    OrganisationEvaluation.year == year,
                    OrganisationEvaluation.superseded_at.is_(None),
                    *org_visible,
                )
            )
            for member_id, grade in rows:
                current[member_id] = grade
    loader = ctx.community.evaluations_groups.evaluations_of_member_year
    community_rows = await loader.load_many([(m.code, year) for m in members])
    for member, rows_of_member in zip(members, community_rows, strict=True):
        tally = tallies[member.branch_id]
        tally.members += 1
        active = _active(rows_of_member)
        tally.self_grades[active.get(EvaluationKind.SELF, MISSING)] += 1
        tally.community_grades[active.get(EvaluationKind.COMMUNITY, MISSING)] += 1
        organisation = current.get(member.id)
        tally.organisation_grades[MISSING if organisation is None else organisation.value] += 1
    return tallies


MISSING, UNGRADED = "missing", "ungraded"


def _active(rows: Sequence[Any]) -> dict[EvaluationKind, str]:
    """The grade of each active evaluation of a member's year (UNGRADED without one)."""
    return {
        row.kind: UNGRADED if row.grade is None else row.grade.value
        for row in rows
        if row.status is EvaluationStatus.ACTIVE
    }
