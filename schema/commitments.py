"""Public commitments (亮身份、亮承诺、践诺): a reported member publishes his commitments for
a year, each in a service category; the community he reports to assesses each one at year
end with evidence (kept, partly kept, not kept).

Read rules: the community the commitment was made to (committee and grid secretaries), the
member himself, his unit branch, the district and the auditor; a resident only those the
member agreed to show residents (`publicConsent`) and not withdrawn.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import commitment_models as models
from datasources.community.commitment_lists import CommitmentFilter as CommitmentFilterModel
from resolvers import commitments
from schema.actors import shown_subject
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import between
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate, mutate_node, not_found
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    OrderDirection,
    paginate,
)
from schema.places import Community

if TYPE_CHECKING:
    from schema.lists import ServiceCategory
    from schema.units import Member

_LISTS = "schema.lists"
_UNITS = "schema.units"

strawberry.enum(
    models.CommitmentStatus,
    description="State of a public commitment (承诺状态): PUBLISHED 已承诺（待评定）, KEPT 已践诺, "
    "PARTLY_KEPT 部分践诺, NOT_KEPT 未践诺, WITHDRAWN 已撤回.",
)
CommitmentStatus: TypeAlias = models.CommitmentStatus


@strawberry.enum(
    description="The community's year-end assessment of a commitment (践诺评定): KEPT 已践诺, "
    "PARTLY_KEPT 部分践诺, NOT_KEPT 未践诺."
)
class CommitmentOutcome(Enum):
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    NOT_KEPT = "not_kept"


class _CommitmentOrder(Enum):
    CREATED_AT = "created_at"


@strawberry.input(description="Filters for public commitments (承诺筛选); all given must hold.")
class CommitmentFilter:
    member_code: str | None = strawberry.field(default=None, description="Only his (党员编码).")
    community_code: str | None = strawberry.field(
        default=None, description="Only those made to this community (社区编码)."
    )
    year: int | None = strawberry.field(
        default=None, metadata=between(2000, 2100), description="Only this year's (年度)."
    )
    statuses: list[CommitmentStatus] | None = strawberry.field(
        default=None, description="Only these states (状态); any when omitted."
    )

    def to_filter(self) -> CommitmentFilterModel:
        return CommitmentFilterModel(
            member_code=self.member_code, community_code=self.community_code, year=self.year,
            statuses=as_tuple(self.statuses),
        )  # fmt: skip


@strawberry.type(
    description="A member's public commitment for a year (公开承诺, 亮承诺) and the community's "
    "year-end assessment of it (践诺评定)."
)
class MemberCommitment(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.commitment_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The member (党员编码).")
    unit_code: str | None = strawberry.field(
        description="His work unit when he published it (单位编码)."
    )
    year: int = strawberry.field(description="The year it is for (承诺年度).")
    content: str = strawberry.field(description="What he commits to do (承诺内容).")
    public_consent: bool = strawberry.field(
        description="Whether he agreed that residents see it (同意向居民公开)."
    )
    status: CommitmentStatus = strawberry.field(description="Its state (承诺状态).")
    evidence: str | None = strawberry.field(
        description="How it was kept, the ground of the assessment (践诺情况); null before."
    )
    assessed_at: datetime | None = strawberry.field(
        description="When the community assessed it (评定时间); null before."
    )
    created_at: datetime = strawberry.field(description="When he published it (承诺时间).")
    community_id: strawberry.Private[int]
    category_id: strawberry.Private[int]
    assessed_by: strawberry.Private[str | None]

    @strawberry.field(
        description="Who assessed it (评定人): the community's token subject, shown to that "
        "community, the district and the auditor; null for everyone else."
    )
    async def assessed_by_subject(self, info: Info) -> str | None:
        if self.assessed_by is None:
            return None
        community = await info.context.community.community_by_id.load(self.community_id)
        owner = f"community:{community.code}" if community is not None else None
        return shown_subject(info.context.viewer, self.assessed_by, owner)

    @strawberry.field(description="The community it was made to (承诺社区): his residence.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="Its service category (服务类别).")
    async def category(
        self, info: Info
    ) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)] | None:
        from schema.lists import ServiceCategory

        return ServiceCategory.from_optional_row(
            await info.context.community.category_by_id.load(self.category_id)
        )

    @strawberry.field(description="The member, from the work-unit side; null when out of scope.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(
        description="Every step (承诺记录), oldest first: published, consent changed, "
        "withdrawn or assessed (with the evidence); who and when."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, commitments.ENTITY, self.id)


async def commitments_page(
    info: Info, *, first: int, after: str | None, filter: CommitmentFilter | None
) -> Connection[MemberCommitment]:
    return await paginate(
        info, info.context.community.commitments, None, MemberCommitment.from_row,
        first=first, after=after, order_by=_CommitmentOrder.CREATED_AT,
        direction=OrderDirection.DESC, filter=filter,
    )  # fmt: skip


@strawberry.type(description="Root fields of public commitments (公开承诺).")
class CommitmentsQuery:
    @strawberry.field(
        description="Public commitments (公开承诺), newest first: a community those made to "
        "it, a member his own, a unit branch its members', a resident those the member "
        "agreed to show residents; the district and the auditor all."
    )
    async def commitments(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CommitmentFilter | None = None,
    ) -> Connection[MemberCommitment]:
        return await commitments_page(info, first=first, after=after, filter=filter)


@strawberry.input(description="Publish a commitment for a year (亮承诺).")
class PublishCommitmentInput:
    year: int = strawberry.field(
        metadata=between(2000, 2100), description="The year (承诺年度): this year or the next."
    )
    category_code: str = strawberry.field(description="Its service category (服务类别编码).")
    content: str = strawberry.field(description="What he commits to do (承诺内容), required.")
    public_consent: bool = strawberry.field(
        default=False, description="Residents may see it (同意向居民公开); false by default."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Change whether residents see a commitment (公开范围).")
class SetCommitmentConsentInput:
    commitment_id: relay.GlobalID = strawberry.field(description="The commitment (承诺ID).")
    public_consent: bool = strawberry.field(description="Residents may see it (同意向居民公开).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Withdraw a commitment not yet assessed (撤回承诺).")
class WithdrawCommitmentInput:
    commitment_id: relay.GlobalID = strawberry.field(description="The commitment (承诺ID).")
    reason: str | None = strawberry.field(default=None, description="Why (撤回原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Assess a commitment at year end (践诺评定).")
class AssessCommitmentInput:
    commitment_id: relay.GlobalID = strawberry.field(description="The commitment (承诺ID).")
    outcome: CommitmentOutcome = strawberry.field(description="The assessment (评定结果).")
    evidence: str = strawberry.field(
        description="How it was kept (践诺情况), required: the ground of the assessment."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a commitment mutation (承诺操作结果).")
class CommitmentPayload:
    commitment: MemberCommitment | None = strawberry.field(
        description="The commitment; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _payload(row: object) -> CommitmentPayload:
    return CommitmentPayload(commitment=MemberCommitment.from_row(row))


_UNKNOWN = not_found(commitments.NOT_FOUND, "input.commitmentId")


@strawberry.type(description="Mutations of public commitments (公开承诺).")
class CommitmentsMutation:
    @strawberry.mutation(
        description="Publish a commitment (亮承诺): the member himself, with an active report "
        "(NOT_REPORTED otherwise); it goes to the community of that report; this year or the "
        "next (INVALID_INPUT); the same commitment twice is DUPLICATE; at most 10 a year (FULL)."
    )
    async def publish_commitment(
        self,
        info: Info,
        input: Annotated[PublishCommitmentInput, strawberry.argument(description="It.")],
    ) -> CommitmentPayload:
        key = input.client_mutation_id
        action = commitments.publish(
            info.context, year=input.year, category_code=input.category_code,
            content=input.content, public_consent=input.public_consent, key=key,
        )  # fmt: skip
        change = Change(name="publishCommitment", entity=commitments.ENTITY, key=key,
                        forbidden="只有党员本人可以公开承诺。",
                        detail={"year": input.year, "category": input.category_code})  # fmt: skip
        return await mutate(info, change, CommitmentPayload, action, _payload)

    @strawberry.mutation(
        description="Agree or no longer agree that residents see a commitment (公开范围): the "
        "member himself; not once withdrawn (INVALID_STATE)."
    )
    async def set_commitment_consent(
        self,
        info: Info,
        input: Annotated[SetCommitmentConsentInput, strawberry.argument(description="It.")],
    ) -> CommitmentPayload:
        change = Change(name="setCommitmentConsent", entity=commitments.ENTITY,
                        key=input.client_mutation_id, forbidden="只有党员本人可以更改承诺的公开范围。",
                        detail={"publicConsent": input.public_consent})  # fmt: skip
        return await mutate_node(
            info, change, CommitmentPayload, input.commitment_id,
            lambda row_id: commitments.set_consent(info.context, row_id, input.public_consent),
            _payload, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Withdraw a commitment not yet assessed (撤回承诺): the member himself. "
        "Nothing is deleted: it stays, withdrawn, with its history."
    )
    async def withdraw_commitment(
        self,
        info: Info,
        input: Annotated[WithdrawCommitmentInput, strawberry.argument(description="It.")],
    ) -> CommitmentPayload:
        change = Change(name="withdrawCommitment", entity=commitments.ENTITY,
                        key=input.client_mutation_id, forbidden="只有党员本人可以撤回承诺。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, CommitmentPayload, input.commitment_id,
            lambda row_id: commitments.withdraw(info.context, row_id, input.reason),
            _payload, unknown=_UNKNOWN,
        )  # fmt: skip

    @strawberry.mutation(
        description="Assess a commitment at year end (践诺评定): the community it was made to "
        "(committee or grid secretary), once (INVALID_STATE again), from 1 December of its "
        "year (OUTSIDE_WINDOW before), with required evidence. Kept commitments count in "
        "the member's performance (`commitments.kept`)."
    )
    async def assess_commitment(
        self,
        info: Info,
        input: Annotated[AssessCommitmentInput, strawberry.argument(description="It.")],
    ) -> CommitmentPayload:
        change = Change(name="assessCommitment", entity=commitments.ENTITY,
                        key=input.client_mutation_id, forbidden="只有承诺所在社区可以评定践诺情况。",
                        detail={"outcome": input.outcome.value})  # fmt: skip
        outcome = models.CommitmentStatus(input.outcome.value)
        return await mutate_node(
            info, change, CommitmentPayload, input.commitment_id,
            lambda row_id: commitments.assess(
                info.context, row_id, outcome=outcome, evidence=input.evidence
            ),
            _payload, unknown=_UNKNOWN,
        )  # fmt: skip
