"""Post duty (岗位值守): sessions served on a claimed post, confirmed before they count.

Seen by the post's community, the member himself, the post's keeper and the member's unit.
Only confirmed sessions count as services, with their hours (`MemberPerformance.posts`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from datasources.community.duty_lists import PostDutyFilter as _Filter
from resolvers import post_duties
from schema.base import HubNode, Info, loaded_by
from schema.bounds import text
from schema.enums import PostDutyStatus
from schema.history import StateEvent, history
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate, mutate_node, node_id_of, not_found
from schema.pagination import Connection, paginate

if TYPE_CHECKING:
    from schema.posts import Post
    from schema.units import Member

_POSTS = "schema.posts"
_UNITS = "schema.units"


@strawberry.enum(description="How to sort duty sessions: by start time (开始时间).")
class PostDutyOrder(Enum):
    STARTS_AT = "starts_at"


class DutyStatusFilter:
    def __init__(self, status: PostDutyStatus | None) -> None:
        self.status = status

    def to_filter(self) -> _Filter:
        return _Filter(statuses=None if self.status is None else (self.status,))


DutyStatusArgument = Annotated[
    PostDutyStatus | None,
    strawberry.argument(description="Only sessions in this state (值守状态); all when omitted."),
]


@strawberry.type(
    description="A duty session (值守记录) a member served on a post he claimed: when, how "
    "long, what he did. Counts as one service with its hours once the post's community or "
    "keeper confirmed it (已确认)."
)
class PostDuty(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.post_duty_by_id)

    id: relay.NodeID[int]
    member_code: str | None = strawberry.field(
        description="Code of the serving member (党员编码); null on a unit's session."
    )
    unit_code: str | None = strawberry.field(
        description="Code of the unit whose claim the session served (单位值守, 双服务); null on "
        "a member's session."
    )
    starts_at: datetime = strawberry.field(description="Start of the session (开始时间).")
    ends_at: datetime = strawberry.field(description="End of the session (结束时间).")
    hours: Decimal = strawberry.field(description="Hours served (值守时长，小时), at most 24.")
    note: str | None = strawberry.field(description="What he did (值守情况).")
    status: PostDutyStatus = strawberry.field(description="Pending, confirmed or rejected.")
    recorded_by: str = strawberry.field(
        description="Who recorded it (登记人): the member or the post's keeper (member codes), "
        "or the unit (its code) on a unit's session."
    )
    recorded_at: datetime = strawberry.field(description="When it was recorded (登记时间).")
    decided_at: datetime | None = strawberry.field(
        description="When it was confirmed or rejected (处理时间); null while pending."
    )
    decided_by_role: str | None = strawberry.field(
        description="Who decided (处理方): community, a branch secretary role or keeper; null "
        "while pending."
    )
    decision_note: str | None = strawberry.field(description="Why rejected (处理说明).")
    post_id: strawberry.Private[int]
    claim_id: strawberry.Private[int]

    @strawberry.field(description="The post served (岗位); null when out of scope.")
    async def post(self, info: Info) -> Annotated[Post, strawberry.lazy(_POSTS)] | None:
        from schema.posts import Post

        return Post.from_optional_row(await info.context.community.post_by_id.load(self.post_id))

    @strawberry.field(
        description="The member, from the work-unit side (值守党员); null when out of scope."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        if self.member_code is None:
            return None
        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(description="Every state change of the session, oldest first.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, post_duties.DUTY, self.id)


async def post_duties_of(
    info: Info, post_id: int, *, first: int, after: str | None, status: PostDutyStatus | None
) -> Connection[PostDuty]:
    return await paginate(
        info, info.context.community.duties_of_post, post_id, PostDuty.from_row,
        first=first, after=after, order_by=PostDutyOrder.STARTS_AT,
        filter=DutyStatusFilter(status),
    )  # fmt: skip


async def member_duties(
    info: Info, member_code: str, *, first: int, after: str | None, status: PostDutyStatus | None
) -> Connection[PostDuty]:
    return await paginate(
        info, info.context.community.duties_of_member, member_code, PostDuty.from_row,
        first=first, after=after, order_by=PostDutyOrder.STARTS_AT,
        filter=DutyStatusFilter(status),
    )  # fmt: skip


# --- mutations -------------------------------------------------------------------------


@strawberry.input(
    description="Record a duty session on a claimed post (登记值守): the member himself, or "
    "the post's keeper for one of its claimants."
)
class RecordPostDutyInput:
    post_id: relay.GlobalID = strawberry.field(description="The post (岗位ID).")
    starts_at: datetime = strawberry.field(
        description="Start (开始时间); without a zone it is China Standard Time."
    )
    ends_at: datetime = strawberry.field(
        description="End (结束时间): after the start, at most 24 hours later, not in the future."
    )
    note: str | None = strawberry.field(
        default=None, metadata=text(2000), description="What was done (值守情况)."
    )
    member_code: str | None = strawberry.field(
        default=None,
        description="The claimant served (值守党员编码), when the keeper records for him; "
        "the viewer himself when omitted.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Confirm a pending duty session (确认值守).")
class ConfirmPostDutyInput:
    duty_id: relay.GlobalID = strawberry.field(description="The session (值守记录ID).")
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.input(description="Reject a pending duty session (值守不通过), with the reason.")
class RejectPostDutyInput:
    duty_id: relay.GlobalID = strawberry.field(description="The session (值守记录ID).")
    reason: str = strawberry.field(metadata=text(2000), description="Why (不通过理由).")
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.type(description="Result of a duty mutation (record, confirm, reject).")
class PostDutyPayload:
    duty: PostDuty | None = strawberry.field(description="The session; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _duty(row: object) -> PostDutyPayload:
    return PostDutyPayload(duty=PostDuty.from_row(row))


_NO_DUTY = not_found(post_duties.NOT_FOUND, "input.dutyId")


@strawberry.type(description="Mutations of post duty (岗位值守).")
class PostDutyMutation:
    @strawberry.mutation(
        description="Record a duty session (登记值守), pending until confirmed: the member on a "
        "post he claimed, or the post's keeper for a claimant; or a unit branch, a session its "
        "unit served on the unit's own claim (单位值守, without memberCode). Refused outside the "
        "claim or the post's period (OUTSIDE_WINDOW), when it overlaps a pending or confirmed "
        "session of the same member (or unit) on the post (DUPLICATE), or when it ends before it starts, lasts "
        "over 24 hours or ends in the future (INVALID_INPUT)."
    )
    async def record_post_duty(
        self,
        info: Info,
        input: Annotated[RecordPostDutyInput, strawberry.argument(description="The session.")],
    ) -> PostDutyPayload:
        key = input.client_mutation_id
        post_id = node_id_of(input.post_id, "Post")
        action = (
            not_found("未找到该岗位。", "input.postId")
            if post_id is None
            else post_duties.record_duty(
                info.context,
                post_id,
                member_code=input.member_code,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                note=input.note,
                key=key,
            )
        )
        change = Change(
            name="recordPostDuty",
            entity="PostDuty",
            key=key,
            forbidden="只有党员本人、岗位负责人或认领岗位的单位可以登记值守。",
            detail={"post": str(post_id), "member": input.member_code or ""},
        )
        return await mutate(info, change, PostDutyPayload, action, _duty)

    @strawberry.mutation(
        description="Confirm a pending duty session (确认值守): the post's community (or its "
        "grid secretary) or the post's keeper, never for his own session or one he recorded. "
        "Only confirmed sessions count as services."
    )
    async def confirm_post_duty(
        self,
        info: Info,
        input: Annotated[ConfirmPostDutyInput, strawberry.argument(description="The session.")],
    ) -> PostDutyPayload:
        change = Change(
            name="confirmPostDuty",
            entity="PostDuty",
            key=input.client_mutation_id,
            forbidden="只有岗位所在社区或岗位负责人可以确认他人的值守记录。",
        )
        return await mutate_node(
            info, change, PostDutyPayload, input.duty_id,
            lambda duty_id: post_duties.decide_duty(info.context, duty_id, confirm=True,
                                                    reason=None),
            _duty, unknown=_NO_DUTY,
        )  # fmt: skip

    @strawberry.mutation(
        description="Reject a pending duty session (值守不通过), with the reason: who may "
        "confirm it. A rejected session counts nothing and frees its time."
    )
    async def reject_post_duty(
        self,
        info: Info,
        input: Annotated[RejectPostDutyInput, strawberry.argument(description="The session.")],
    ) -> PostDutyPayload:
        change = Change(
            name="rejectPostDuty",
            entity="PostDuty",
            key=input.client_mutation_id,
            forbidden="只有岗位所在社区或岗位负责人可以处理他人的值守记录。",
            detail={"reason": input.reason},
        )
        return await mutate_node(
            info, change, PostDutyPayload, input.duty_id,
            lambda duty_id: post_duties.decide_duty(info.context, duty_id, confirm=False,
                                                    reason=input.reason),
            _duty, unknown=_NO_DUTY,
        )  # fmt: skip
