"""The three evaluations side by side (三评汇总), per year, for commendation (评先树优): the
member's self-evaluation (党员自评), the community's evaluation (社区测评) and the
organisation's evaluation (组织考评), for every member and every branch of the district.

For the district organisation department and the auditor; empty for everyone else.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers import three_evaluations as tally
from schema.base import Info
from schema.bounds import YEAR
from schema.evaluations import MemberEvaluation, OrganisationEvaluation, member_evaluations
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    OrderDirection,
    empty_connection,
    paginate,
)
from schema.units import Member, MemberFilter, PartyBranch

if TYPE_CHECKING:
    from schema.evaluations import MemberYearEvaluations

Year = Annotated[
    int, strawberry.argument(metadata=YEAR, description="The evaluated year (评价年度).")
]


class _ByName(Enum):
    NAME = "name"


@strawberry.type(
    description="A member's three evaluations of a year side by side (三评): each null when "
    "not written."
)
class MemberThreeEvaluations:
    year: int = strawberry.field(description="The year (年度).")
    row: strawberry.Private[Any]

    @strawberry.field(description="The member (党员).")
    def member(self) -> Member:
        return Member.from_row(self.row)

    @strawberry.field(description="His branch (所在支部).")
    async def branch(self, info: Info) -> PartyBranch | None:
        return PartyBranch.from_optional_row(
            await info.context.units.branch_by_id.load(self.row.branch_id)
        )

    async def _year(self, info: Info) -> MemberYearEvaluations:
        return await member_evaluations(info, self.row.code, self.row.id, self.year)

    @strawberry.field(description="The self-evaluation (党员自评).")
    async def self_evaluation(self, info: Info) -> MemberEvaluation | None:
        return (await self._year(info)).self_evaluation

    @strawberry.field(description="The community committee's evaluation (社区测评).")
    async def community_evaluation(self, info: Info) -> MemberEvaluation | None:
        return (await self._year(info)).community_evaluation

    @strawberry.field(description="The unit branch's organisation evaluation (组织考评).")
    async def organisation_evaluation(self, info: Info) -> OrganisationEvaluation | None:
        return (await self._year(info)).organisation_evaluation


@strawberry.type(description="How many members got each grade on one evaluation (等次分布).")
class GradeCounts:
    excellent: int = strawberry.field(description="优秀.")
    qualified: int = strawberry.field(description="合格.")
    basically_qualified: int = strawberry.field(description="基本合格.")
    unqualified: int = strawberry.field(description="不合格.")
    ungraded: int = strawberry.field(
        description="Written without a grade (未填等次): a self-evaluation may leave it out."
    )
    missing: int = strawberry.field(description="Not written (未评价).")


def _counts(counter: Any) -> GradeCounts:
    return GradeCounts(
        excellent=counter["excellent"], qualified=counter["qualified"],
        basically_qualified=counter["basically_qualified"], unqualified=counter["unqualified"],
        ungraded=counter[tally.UNGRADED], missing=counter[tally.MISSING],
    )  # fmt: skip


@strawberry.type(
    description="A branch's three evaluations of a year side by side (支部三评汇总): its "
    "members in service, and per evaluation how many got each grade."
)
class BranchThreeEvaluations:
    year: int = strawberry.field(description="The year (年度).")
    members: int = strawberry.field(description="Members in service (在职党员数).")
    self_evaluations: GradeCounts = strawberry.field(description="党员自评.")
    community_evaluations: GradeCounts = strawberry.field(description="社区测评.")
    organisation_evaluations: GradeCounts = strawberry.field(description="组织考评.")
    row: strawberry.Private[Any]

    @strawberry.field(description="The branch (党支部).")
    def branch(self) -> PartyBranch:
        return PartyBranch.from_row(self.row)


@strawberry.type(description="Root fields of the three evaluations rolled up (三评汇总).")
class ThreeEvaluationsQuery:
    @strawberry.field(
        description="Every member's three evaluations of a year side by side (三评汇总), by "
        "name, for commendation (评先树优): the district organisation department and the "
        "auditor; empty for everyone else. `filter` narrows the members (e.g. a branch)."
    )
    async def member_three_evaluations(
        self,
        info: Info,
        year: Year,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: MemberFilter | None = None,
    ) -> Connection[MemberThreeEvaluations]:
        if not info.context.viewer.sees_everything:
            return empty_connection()
        return await paginate(
            info, info.context.units.members, None,
            lambda row: MemberThreeEvaluations(year=year, row=row), first=first, after=after,
            order_by=_ByName.NAME, direction=OrderDirection.ASC, filter=filter,
        )  # fmt: skip

    @strawberry.field(
        description="Every branch's three evaluations of a year side by side (支部三评汇总), "
        "by name: the district organisation department and the auditor; empty for everyone "
        "else. A page costs the same statements whatever its size."
    )
    async def branch_three_evaluations(
        self,
        info: Info,
        year: Year,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
    ) -> Connection[BranchThreeEvaluations]:
        if not info.context.viewer.sees_everything:
            return empty_connection()
        page = await paginate(
            info, info.context.units.branches, None, lambda row: row, first=first, after=after,
            order_by=_ByName.NAME, direction=OrderDirection.ASC,
        )  # fmt: skip
        rows = [edge.node for edge in page.edges]
        tallies = await tally.branch_tallies(info.context, [row.id for row in rows], year)
        for edge in page.edges:
            row = edge.node
            found = tallies[row.id]
            edge.node = BranchThreeEvaluations(
                year=year, members=found.members, self_evaluations=_counts(found.self_grades),
                community_evaluations=_counts(found.community_grades),
                organisation_evaluations=_counts(found.organisation_grades), row=row,
            )  # fmt: skip
        return page
