"""Evaluations (三评): the community's evaluation of a member for a year (with the group
leader's and the grid branch's views where the community evaluates on three levels), the
member's self-evaluation, and the unit branch's organisation evaluation (unit side).

Read rules: the member himself, the district and the auditor; the evaluating community's
roles; a group leader the group evaluations of his group's members; the member's unit
branch the community's evaluation and the self-evaluation (and the organisation
evaluation it records).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry import relay

from datasources.common import CHINA
from datasources.community import evaluation_models as models
from datasources.community.evaluations_groups import EvaluationFilter as EvaluationFilterModel
from resolvers import evaluations
from resolvers.workflow import today_in_china
from schema.actors import shown_subject
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import YEAR
from schema.enums import AppraisalGrade
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import (
    Audited,
    Change,
    UserError,
    audit_result,
    mutate,
    mutate_node,
    not_found,
)
from schema.pagination import Connection, OrderDirection, paginate
from schema.places import Community

if TYPE_CHECKING:
    from schema.units import Member, PartyBranch

_UNITS = "schema.units"

strawberry.enum(
    models.EvaluationKind,
    description="Level of an evaluation (评价类别): SELF 党员自评, GROUP 党小组评价, "
    "GRID_BRANCH 网格党支部评价, COMMUNITY 社区党委评价.",
)
strawberry.enum(
    models.EvaluationStatus,
    description="State of an evaluation (评价状态): ACTIVE 有效, SUPERSEDED 已被修订.",
)
EvaluationKind: TypeAlias = models.EvaluationKind
EvaluationStatus: TypeAlias = models.EvaluationStatus


@strawberry.enum(
    description="Level a community-side evaluation is written on (评价层级): COMMUNITY 社区党委, "
    "GRID_BRANCH 网格党支部, GROUP 楼栋党小组."
)
class EvaluationLevel(Enum):
    COMMUNITY = "community"
    GRID_BRANCH = "grid_branch"
    GROUP = "group"


@strawberry.enum(description="How to sort evaluations (评价排序).")
class EvaluationOrder(Enum):
    CREATED_AT = "created_at"
    MEMBER_CODE = "member_code"


@strawberry.input(description="Filters for a community's evaluations (评价筛选); all must hold.")
class EvaluationFilter:
    year: int | None = strawberry.field(
        metadata=YEAR, default=None, description="Only this year (年度)."
    )
    grades: list[AppraisalGrade] | None = strawberry.field(
        default=None, description="Only these grades (评价等次)."
    )
    kinds: list[EvaluationKind] | None = strawberry.field(
        default=None, description="Only these levels (评价类别)."
    )

    def to_filter(self) -> EvaluationFilterModel:
        return EvaluationFilterModel(
            year=self.year, grades=as_tuple(self.grades), kinds=as_tuple(self.kinds)
        )


@strawberry.type(description="The unit branch's acknowledgement (单位签收) of an evaluation.")
class EvaluationAcknowledgement:
    acknowledged_at: datetime = strawberry.field(description="When (签收时间).")
    acknowledged_by: str | None = strawberry.field(
        description="Who signed (签收人): the unit branch's token subject, shown to that unit, "
        "the district and the auditor; null for everyone else (the unit code says who)."
    )
    unit_code: str | None = strawberry.field(description="For which unit (签收单位编码).")


def _evaluated_on(moment: datetime) -> date:
    """The China date of a stored moment (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).date()


@strawberry.type(
    description="A community-side evaluation of a member for a year (年度评价): his "
    "self-evaluation, or the group's, grid branch's or community committee's. A revision "
    "supersedes the earlier one, which stays as a revision."
)
class MemberEvaluation(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.evaluations_groups.evaluation_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The evaluated member (党员编码).")
    year: int = strawberry.field(description="The evaluated year (评价年度), China time.")
    kind: EvaluationKind = strawberry.field(description="The level (评价类别).")
    grade: AppraisalGrade | None = strawberry.field(
        description="The grade (评价等次); a self-evaluation may leave it out."
    )
    comment: str = strawberry.field(description="The comment (评语).")
    status: EvaluationStatus = strawberry.field(description="Active or superseded (评价状态).")
    evaluator_role: str = strawberry.field(
        description="Role of the evaluator (评价人角色): community, grid_branch_secretary, "
        "compound_branch_secretary, member (grid_secretary: written before the roles split)."
    )
    created_at: datetime = strawberry.field(description="When it was written (评价时间).")
    superseded_at: datetime | None = strawberry.field(
        description="When a revision replaced it (修订时间), null while active."
    )
    community_id: strawberry.Private[int]
    acknowledged_at: strawberry.Private[datetime | None]
    acknowledged_by: strawberry.Private[str | None]
    acknowledged_unit_code: strawberry.Private[str | None]

    @strawberry.field(description="Date of record (评价日期), China Standard Time.")
    def evaluated_on(self) -> date:
        return _evaluated_on(self.created_at)

    @strawberry.field(
        description="The unit branch's acknowledgement (单位签收) of a community evaluation; "
        "null until acknowledged."
    )
    def acknowledgement(self, info: Info) -> EvaluationAcknowledgement | None:
        if self.acknowledged_at is None:
            return None
        unit = f"unit:{self.acknowledged_unit_code}" if self.acknowledged_unit_code else None
        return EvaluationAcknowledgement(
            acknowledged_at=self.acknowledged_at,
            acknowledged_by=shown_subject(info.context.viewer, self.acknowledged_by, unit),
            unit_code=self.acknowledged_unit_code,
        )

    @strawberry.field(description="The community the evaluation belongs to (评价社区).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(
        description="The member, from the work-unit side (党员); null when out of scope."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(
        description="Earlier revisions it replaced (历次修订), newest first: the superseded "
        "evaluations of the same member, year and level."
    )
    async def revisions(self, info: Info) -> list[MemberEvaluation]:
        loader = info.context.community.evaluations_groups.evaluations_of_member_year
        rows = await loader.load((self.member_code, self.year))
        return [
            MemberEvaluation.from_row(row)
            for row in rows
            if row.kind is self.kind
            and row.status is models.EvaluationStatus.SUPERSEDED
            and row.id < self.id
        ]

    @strawberry.field(
        description="Every state change of this evaluation (评价记录), oldest first: written, "
        "superseded, acknowledged."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, evaluations.EVALUATION, self.id)


@strawberry.type(
    description="An override of the appraisal ceiling on appeal (区委组织部特批): the grade "
    "is above the member's ceiling, recorded by the district organisation department."
)
class CeilingOverride:
    reason: str = strawberry.field(description="Why it was granted (特批理由), required.")
    ceiling: AppraisalGrade | None = strawberry.field(
        description="The ceiling the grade exceeds (被突破的等次上限), as it was then."
    )
    overridden_by: str | None = strawberry.field(
        description="Who granted it (特批人): the district's token subject, shown to the "
        "district and the auditor only; null for everyone else."
    )
    overridden_at: datetime = strawberry.field(description="When (特批时间).")


@strawberry.type(
    description="The unit branch's organisation evaluation (组织评价) of a member for a year, "
    "kept on the work-unit side. A revision supersedes the earlier one."
)
class OrganisationEvaluation(HubNode):
    id_loader_of = loaded_by(lambda c: c.units.organisation_evaluation_by_id)

    id: relay.NodeID[int]
    year: int = strawberry.field(description="The evaluated year (评价年度).")
    grade: AppraisalGrade = strawberry.field(description="The grade (评价等次).")
    comment: str = strawberry.field(description="The comment (评语).")
    created_at: datetime = strawberry.field(description="When it was recorded (评价时间).")
    superseded_at: datetime | None = strawberry.field(
        description="When a revision replaced it (修订时间), null while current."
    )
    ceiling_grade: AppraisalGrade | None = strawberry.field(
        description="The member's appraisal ceiling when the grade was recorded (记录时的"
        "评议等次上限); null without a policy covering him, and for grades recorded before "
        "the ceiling was enforced (judge those with `Member.performance.gradeCheck`)."
    )
    member_id: strawberry.Private[int]
    branch_id: strawberry.Private[int]
    override_reason: strawberry.Private[str | None]
    override_by: strawberry.Private[str | None]

    @strawberry.field(
        description="Role of the evaluator (评价人角色): unit_branch, or district for a "
        "grade the district organisation department recorded above the ceiling on appeal."
    )
    def evaluator_role(self) -> str:
        return "unit_branch" if self.override_reason is None else "district"

    @strawberry.field(
        description="The district organisation department's override of the appraisal "
        "ceiling on appeal (区委组织部特批), with its reason; null for a grade the branch "
        "recorded within the ceiling."
    )
    def ceiling_override(self, info: Info) -> CeilingOverride | None:
        if self.override_reason is None:
            return None
        return CeilingOverride(
            reason=self.override_reason,
            ceiling=self.ceiling_grade,
            overridden_by=shown_subject(info.context.viewer, self.override_by, None),
            overridden_at=self.created_at,
        )

    @strawberry.field(description="Date of record (评价日期), China Standard Time.")
    def evaluated_on(self) -> date:
        return _evaluated_on(self.created_at)

    @strawberry.field(description="The evaluating branch (评价党支部).")
    async def branch(self, info: Info) -> Annotated[PartyBranch, strawberry.lazy(_UNITS)] | None:
        from schema.units import PartyBranch

        return PartyBranch.from_optional_row(
            await info.context.units.branch_by_id.load(self.branch_id)
        )

    @strawberry.field(description="The evaluated member (党员); null when out of scope.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(await info.context.units.member_by_id.load(self.member_id))

    @strawberry.field(description="Earlier revisions it replaced (历次修订), newest first.")
    async def revisions(self, info: Info) -> list[OrganisationEvaluation]:
        loader = info.context.units.organisation_evaluations_of_member_year
        rows = await loader.load((self.member_id, self.year))
        return [
            OrganisationEvaluation.from_row(row)
            for row in rows
            if row.superseded_at is not None and row.id < self.id
        ]


@strawberry.type(
    description="A member's evaluations for one year (年度三评): the active self, group, "
    "grid-branch and community evaluations and the organisation evaluation; each null when "
    "not written or not visible to the viewer."
)
class MemberYearEvaluations:
    year: int = strawberry.field(description="The year (年度), China time.")
    self_evaluation: MemberEvaluation | None = strawberry.field(description="党员自评.")
    group_evaluation: MemberEvaluation | None = strawberry.field(description="党小组评价.")
    grid_branch_evaluation: MemberEvaluation | None = strawberry.field(
        description="网格党支部评价."
    )
    community_evaluation: MemberEvaluation | None = strawberry.field(description="社区党委评价.")
    organisation_evaluation: OrganisationEvaluation | None = strawberry.field(
        description="组织评价 (work-unit side)."
    )


async def member_evaluations(
    info: Info, member_code: str, member_id: int, year: int | None
) -> MemberYearEvaluations:
    """One member's year: one batched statement per side for all members of the request."""
    the_year = today_in_china().year if year is None else year
    ctx = info.context
    community_rows, unit_rows = await asyncio.gather(
        ctx.community.evaluations_groups.evaluations_of_member_year.load((member_code, the_year)),
        ctx.units.organisation_evaluations_of_member_year.load((member_id, the_year)),
    )
    active = {
        row.kind: MemberEvaluation.from_row(row)
        for row in community_rows
        if row.status is models.EvaluationStatus.ACTIVE
    }
    current = [row for row in unit_rows if row.superseded_at is None]
    return MemberYearEvaluations(
        year=the_year,
        self_evaluation=active.get(models.EvaluationKind.SELF),
        group_evaluation=active.get(models.EvaluationKind.GROUP),
        grid_branch_evaluation=active.get(models.EvaluationKind.GRID_BRANCH),
        community_evaluation=active.get(models.EvaluationKind.COMMUNITY),
        organisation_evaluation=OrganisationEvaluation.from_row(current[0]) if current else None,
    )


async def community_evaluations(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: EvaluationFilter | None,
) -> Connection[MemberEvaluation]:  # fmt: skip
    return await paginate(
        info, info.context.community.evaluations_groups.evaluations_of_community, community_id,
        MemberEvaluation.from_row, first=first, after=after, order_by=EvaluationOrder.CREATED_AT,
        direction=OrderDirection.DESC, filter=filter or EvaluationFilter(),
    )  # fmt: skip


# --- mutations -------------------------------------------------------------------------

_YEAR = "The evaluated year (评价年度); this year in China when omitted, never a later one."


@strawberry.input(description="Evaluate a member for a year on one level (评价党员).")
class EvaluateMemberInput:
    member_code: str = strawberry.field(description="The member (党员编码).")
    grade: AppraisalGrade = strawberry.field(description="The grade (评价等次).")
    comment: str = strawberry.field(description="The comment (评语), required.")
    level: EvaluationLevel = strawberry.field(
        default=EvaluationLevel.COMMUNITY, description="The level (评价层级); COMMUNITY by default."
    )
    year: int | None = strawberry.field(metadata=YEAR, default=None, description=_YEAR)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Write one's own self-evaluation for a year (党员自评).")
class WriteSelfEvaluationInput:
    comment: str = strawberry.field(description="The self-evaluation (自评内容), required.")
    grade: AppraisalGrade | None = strawberry.field(
        default=None, description="The grade he gives himself (自评等次), optional."
    )
    year: int | None = strawberry.field(metadata=YEAR, default=None, description=_YEAR)
    member_code: str | None = strawberry.field(
        default=None, description="His own member code (党员编码), optional: another's is refused."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Record the organisation evaluation of a member (组织评价).")
class RecordOrganisationEvaluationInput:
    member_code: str = strawberry.field(description="The member (党员编码).")
    grade: AppraisalGrade = strawberry.field(description="The grade (评价等次).")
    comment: str = strawberry.field(description="The comment (评语), required.")
    year: int | None = strawberry.field(metadata=YEAR, default=None, description=_YEAR)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(
    description="Record, on appeal, an organisation evaluation above the member's appraisal "
    "ceiling (区委组织部特批组织评价)."
)
class OverrideAppraisalCeilingInput:
    member_code: str = strawberry.field(description="The member (党员编码).")
    grade: AppraisalGrade = strawberry.field(
        description="The grade (评价等次): above his ceiling, else INVALID_INPUT."
    )
    comment: str = strawberry.field(description="The comment (评语), required.")
    reason: str = strawberry.field(
        description="Why the ceiling is overridden (特批理由): the appeal and its finding, "
        "required; kept on the evaluation and in the audit log."
    )
    year: int | None = strawberry.field(metadata=YEAR, default=None, description=_YEAR)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Acknowledge the community's evaluation of a member (签收评价).")
class AcknowledgeEvaluationInput:
    evaluation_id: relay.GlobalID = strawberry.field(description="The evaluation (评价ID).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of an evaluation mutation (评价操作结果).")
class MemberEvaluationPayload:
    member_evaluation: MemberEvaluation | None = strawberry.field(
        description="The evaluation; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of recording an organisation evaluation (组织评价结果).")
class OrganisationEvaluationPayload:
    organisation_evaluation: OrganisationEvaluation | None = strawberry.field(
        description="The evaluation; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _evaluation(row: object) -> MemberEvaluationPayload:
    return MemberEvaluationPayload(member_evaluation=MemberEvaluation.from_row(row))


@strawberry.type(description="Mutations of evaluations (三评).")
class EvaluationsMutation:
    @strawberry.mutation(
        description="Evaluate a member for a year (评价党员): COMMUNITY by the community "
        "committee (the member reported there that year), GRID_BRANCH by a grid secretary "
        "of the member's grid, GROUP by the leader of the member's building group. A second "
        "evaluation of the same year and level supersedes the first."
    )
    async def evaluate_member(
        self,
        info: Info,
        input: Annotated[EvaluateMemberInput, strawberry.argument(description="The evaluation.")],
    ) -> MemberEvaluationPayload:
        key = input.client_mutation_id
        action = evaluations.evaluate(
            info.context, member_code=input.member_code, year=input.year, grade=input.grade,
            comment=input.comment, level=models.EvaluationKind(input.level.value), key=key,
        )  # fmt: skip
        change = Change(
            name="evaluateMember", entity="MemberEvaluation", key=key,
            targets=[input.member_code],
            forbidden="只有该党员报到社区的党委、所在网格党支部或所在党小组组长可以评价。",
        )  # fmt: skip
        return await mutate(
            info, change, MemberEvaluationPayload, action, _evaluation,
            audited=audit_result("MemberEvaluation", level=input.level.value),
        )  # fmt: skip

    @strawberry.mutation(
        description="Write one's self-evaluation for a year (党员自评): the member himself; "
        "a second one supersedes the first."
    )
    async def write_self_evaluation(
        self,
        info: Info,
        input: Annotated[
            WriteSelfEvaluationInput, strawberry.argument(description="The self-evaluation.")
        ],
    ) -> MemberEvaluationPayload:
        key = input.client_mutation_id
        action = evaluations.write_self(
            info.context, member_code=input.member_code, year=input.year, grade=input.grade,
            comment=input.comment, key=key,
        )  # fmt: skip
        change = Change(name="writeSelfEvaluation", entity="MemberEvaluation", key=key,
                        forbidden="只有党员本人可以填写自评。")  # fmt: skip
        return await mutate(info, change, MemberEvaluationPayload, action, _evaluation)

    @strawberry.mutation(
        description="Acknowledge the community's evaluation of a member (签收社区评价): the "
        "member's unit branch, once (again: INVALID_STATE)."
    )
    async def acknowledge_evaluation(
        self,
        info: Info,
        input: Annotated[
            AcknowledgeEvaluationInput, strawberry.argument(description="The evaluation.")
        ],
    ) -> MemberEvaluationPayload:
        change = Change(name="acknowledgeEvaluation", entity="MemberEvaluation",
                        key=input.client_mutation_id,
                        forbidden="只有该党员所在单位党组织可以签收。")  # fmt: skip
        return await mutate_node(
            info, change, MemberEvaluationPayload, input.evaluation_id,
            lambda evaluation_id: evaluations.acknowledge(info.context, evaluation_id),
            _evaluation, unknown=not_found(evaluations.NOT_FOUND, "input.evaluationId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Record the organisation evaluation of a member for a year (组织评价), on "
        "the work-unit side: the member's unit branch. A second one supersedes the first. "
        "Never above the member's appraisal ceiling (评议等次上限, `Member.performance."
        "appraisalCeiling`): ABOVE_CEILING, naming the ceiling and the unmet rules; the "
        "district overrides it on appeal (`overrideAppraisalCeiling`)."
    )
    async def record_organisation_evaluation(
        self,
        info: Info,
        input: Annotated[
            RecordOrganisationEvaluationInput,
            strawberry.argument(description="The evaluation."),
        ],
    ) -> OrganisationEvaluationPayload:
        key = input.client_mutation_id
        action = evaluations.record_organisation(
            info.context, member_code=input.member_code, year=input.year, grade=input.grade,
            comment=input.comment, key=key,
        )  # fmt: skip
        change = Change(name="recordOrganisationEvaluation", entity="OrganisationEvaluation",
                        key=key, targets=[input.member_code],
                        forbidden="只有该党员所在单位党支部可以记录组织评价。")  # fmt: skip
        return await mutate(
            info, change, OrganisationEvaluationPayload, action,
            lambda row: OrganisationEvaluationPayload(
                organisation_evaluation=OrganisationEvaluation.from_row(row)
            ),
            audited=audit_result("OrganisationEvaluation"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Record, on appeal, an organisation evaluation above the member's "
        "appraisal ceiling (区委组织部特批): the district organisation department only, with "
        "a required reason, kept on the evaluation (`ceilingOverride`) and in the audit log. "
        "It supersedes the current organisation evaluation; a grade within the ceiling is "
        "refused (INVALID_INPUT: the branch records it)."
    )
    async def override_appraisal_ceiling(
        self,
        info: Info,
        input: Annotated[
            OverrideAppraisalCeilingInput, strawberry.argument(description="The override.")
        ],
    ) -> OrganisationEvaluationPayload:
        key = input.client_mutation_id
        action = evaluations.override_organisation(
            info.context, member_code=input.member_code, year=input.year, grade=input.grade,
            comment=input.comment, reason=input.reason, key=key,
        )  # fmt: skip
        change = Change(name="overrideAppraisalCeiling", entity="OrganisationEvaluation",
                        key=key, targets=[input.member_code],
                        forbidden="只有区委组织部可以特批超出评议等次上限的等次。")  # fmt: skip

        def audited(row: Any) -> Audited:
            return Audited("OrganisationEvaluation", [str(row.id)], {
                "memberCode": input.member_code, "year": row.year, "grade": row.grade.value,
                "ceiling": None if row.ceiling_grade is None else row.ceiling_grade.value,
                "reason": row.override_reason,
            })  # fmt: skip

        return await mutate(
            info, change, OrganisationEvaluationPayload, action,
            lambda row: OrganisationEvaluationPayload(
                organisation_evaluation=OrganisationEvaluation.from_row(row)
            ),
            audited=audited,
        )  # fmt: skip
