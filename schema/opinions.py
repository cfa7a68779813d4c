"""Opinion requests (征求社区意见): a work unit asks the residence community's opinion of a
member before promoting him; the community committee answers through the hub.

Read rules: the asking unit (its branches too), the community committee it was sent to,
the district and the auditor; never the member himself (a confidential promotion check).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import opinion_models as models
from datasources.community.evaluations_groups import (
    OpinionRequestFilter as OpinionRequestFilterModel,
)
from resolvers import opinions
from schema.actors import shown_subject
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, audit_result, mutate, mutate_node, not_found
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
    from schema.units import Member, WorkUnit

_UNITS = "schema.units"

strawberry.enum(
    models.OpinionRequestStatus,
    description="State of an opinion request (征求意见状态): PENDING 待答复, ANSWERED 已答复.",
)
strawberry.enum(
    models.Opinion,
    description="The community's opinion (社区意见): FAVOURABLE 同意, RESERVED 有保留意见, "
    "UNFAVOURABLE 不同意.",
)
OpinionRequestStatus: TypeAlias = models.OpinionRequestStatus
Opinion: TypeAlias = models.Opinion


class _OpinionOrder(Enum):
    ASKED_AT = "asked_at"


@strawberry.input(description="Filters for opinion requests (征求意见筛选); all must hold.")
class OpinionRequestFilter:
    statuses: list[OpinionRequestStatus] | None = strawberry.field(
        default=None, description="Only these states (状态)."
    )
    member_code: str | None = strawberry.field(
        default=None, description="Only about this member (党员编码)."
    )

    def to_filter(self) -> OpinionRequestFilterModel:
        return OpinionRequestFilterModel(
            statuses=as_tuple(self.statuses), member_code=self.member_code
        )


@strawberry.type(
    description="A work unit's request for the residence community's opinion of a member "
    "(征求社区意见), e.g. before promoting him, and the community's answer."
)
class OpinionRequest(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.evaluations_groups.opinion_request_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The member asked about (党员编码).")
    unit_code: str = strawberry.field(description="The asking work unit (征求单位编码).")
    purpose: str = strawberry.field(description="Why it asks (征求事由), e.g. 拟提拔职务.")
    status: OpinionRequestStatus = strawberry.field(description="Pending or answered (状态).")
    asked_at: datetime = strawberry.field(description="When it was asked (征求时间).")
    opinion: Opinion | None = strawberry.field(
        description="The community's opinion (社区意见); null while pending."
    )
    answer: str | None = strawberry.field(
        description="The community's answer (答复内容): his conduct outside working hours; "
        "null while pending."
    )
    answered_at: datetime | None = strawberry.field(description="When answered (答复时间).")
    community_id: strawberry.Private[int]
    asked_by: strawberry.Private[str]
    answered_by: strawberry.Private[str | None]

    @strawberry.field(
        description="Who asked (征求人): the unit's token subject, shown to that unit, the "
        "district and the auditor; null for everyone else (the unit code says who)."
    )
    def asked_by_subject(self, info: Info) -> str | None:
        return shown_subject(info.context.viewer, self.asked_by, f"unit:{self.unit_code}")

    @strawberry.field(
        description="Who answered (答复人): the community's token subject, shown to that "
        "community, the district and the auditor; null for everyone else."
    )
    async def answered_by_subject(self, info: Info) -> str | None:
        if self.answered_by is None:
            return None
        community = await info.context.community.community_by_id.load(self.community_id)
        owner = f"community:{community.code}" if community is not None else None
        return shown_subject(info.context.viewer, self.answered_by, owner)

    @strawberry.field(description="The community asked (被征求社区): the member's residence.")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="The member, from the work-unit side; null when out of scope.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(description="The asking unit (征求单位), from the work-unit side.")
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        return WorkUnit.from_optional_row(
            await info.context.units.work_unit_by_code.load(self.unit_code)
        )

    @strawberry.field(
        description="Every step (征求记录), oldest first: asked (to pending, with the purpose), "
        "answered (to answered, with the opinion); who and when."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, opinions.ENTITY, self.id)


@strawberry.type(description="Root fields of opinion requests (征求社区意见).")
class OpinionsQuery:
    @strawberry.field(
        description="Opinion requests (征求社区意见), newest first: the asking unit's, the "
        "asked community committee's; the district and the auditor all; empty for others."
    )
    async def opinion_requests(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: OpinionRequestFilter | None = None,
    ) -> Connection[OpinionRequest]:
        return await paginate(
            info, info.context.community.evaluations_groups.opinion_requests, None,
            OpinionRequest.from_row, first=first, after=after, order_by=_OpinionOrder.ASKED_AT,
            direction=OrderDirection.DESC, filter=filter,
        )  # fmt: skip


@strawberry.input(description="Ask the residence community's opinion of a member (征求社区意见).")
class RequestCommunityOpinionInput:
    member_code: str = strawberry.field(description="The unit's member (党员编码).")
    purpose: str = strawberry.field(
        description="Why (征求事由), required: e.g. 拟提拔为副科长, 晋升职级, 评先树优."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Answer an opinion request (答复征求意见).")
class AnswerOpinionRequestInput:
    request_id: relay.GlobalID = strawberry.field(description="The request (征求意见ID).")
    opinion: Opinion = strawberry.field(description="The opinion (社区意见).")
    answer: str = strawberry.field(
        description="The answer (答复内容), required: his conduct outside working hours."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of an opinion-request mutation (征求意见操作结果).")
class OpinionRequestPayload:
    opinion_request: OpinionRequest | None = strawberry.field(
        description="The request; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _payload(row: object) -> OpinionRequestPayload:
    return OpinionRequestPayload(opinion_request=OpinionRequest.from_row(row))


@strawberry.type(description="Mutations of opinion requests (征求社区意见).")
class OpinionsMutation:
    @strawberry.mutation(
        description="Ask the residence community's opinion of a member (征求社区意见), e.g. "
        "before promoting him: the member's unit (branch). It goes to the community of his "
        "active report (NOT_REPORTED without one); one pending request per member and unit "
        "(DUPLICATE)."
    )
    async def request_community_opinion(
        self,
        info: Info,
        input: Annotated[
            RequestCommunityOpinionInput, strawberry.argument(description="The request.")
        ],
    ) -> OpinionRequestPayload:
        key = input.client_mutation_id
        action = opinions.request_opinion(
            info.context, member_code=input.member_code, purpose=input.purpose, key=key
        )
        change = Change(name="requestCommunityOpinion", entity="OpinionRequest", key=key,
                        targets=[input.member_code],
                        forbidden="只有该党员所在单位党组织可以征求社区意见。")  # fmt: skip
        return await mutate(
            info, change, OpinionRequestPayload, action, _payload,
            audited=audit_result("OpinionRequest", memberCode=input.member_code),
        )  # fmt: skip

    @strawberry.mutation(
        description="Answer an opinion request (答复征求意见): the committee of the community "
        "it was sent to, once (INVALID_STATE again), with the opinion and a required answer."
    )
    async def answer_opinion_request(
        self,
        info: Info,
        input: Annotated[AnswerOpinionRequestInput, strawberry.argument(description="The answer.")],
    ) -> OpinionRequestPayload:
        change = Change(name="answerOpinionRequest", entity="OpinionRequest",
                        key=input.client_mutation_id,
                        forbidden="只有被征求意见的社区党委可以答复。")  # fmt: skip
        return await mutate_node(
            info, change, OpinionRequestPayload, input.request_id,
            lambda request_id: opinions.answer_opinion(
                info.context, request_id, opinion=input.opinion, answer=input.answer
            ),
            _payload, unknown=not_found(opinions.NOT_FOUND, "input.requestId"),
        )  # fmt: skip
