"""Commendations (表彰): the community committee or the district names members, units or
households (每月之星, 最美下沉党员, 年度表彰, 最美家庭) with a reason; revocable with a reason.

Read rules: public honours, so those in force for any signed-in role; a revoked one also for
the community roles of its community; the district and the auditor everything.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import commendation_models as models
from datasources.community.commitment_lists import CommendationFilter as CommendationFilterModel
from resolvers import commendations
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

strawberry.enum(
    models.CommendationTitle,
    description="The honour (表彰名目): MONTHLY_STAR 每月之星, MODEL_MEMBER 最美下沉党员, "
    "ANNUAL 年度表彰, MODEL_FAMILY 最美家庭.",
)
strawberry.enum(
    models.CommendationLevel,
    description="Who awarded it (表彰级别): COMMUNITY 社区表彰, DISTRICT 区级表彰.",
)
strawberry.enum(
    models.HonoreeKind,
    description="Who is commended (表彰对象): MEMBER 党员, UNIT 单位, HOUSEHOLD 家庭.",
)
strawberry.enum(
    models.CommendationStatus,
    description="State of a commendation (表彰状态): ACTIVE 有效, REVOKED 已撤销.",
)
CommendationTitle: TypeAlias = models.CommendationTitle
CommendationLevel: TypeAlias = models.CommendationLevel
HonoreeKind: TypeAlias = models.HonoreeKind
CommendationStatus: TypeAlias = models.CommendationStatus


class _CommendationOrder(Enum):
    AWARDED_AT = "awarded_at"


@strawberry.input(description="Filters for commendations (表彰筛选); all given must hold.")
class CommendationFilter:
    honoree_kind: HonoreeKind | None = strawberry.field(
        default=None, description="Only of this kind (表彰对象类型)."
    )
    honoree_code: str | None = strawberry.field(
        default=None, description="Only of this member, unit or household (对象编码)."
    )
    community_code: str | None = strawberry.field(
        default=None, description="Only of this community (社区编码)."
    )
    year: int | None = strawberry.field(
        default=None, metadata=between(2000, 2100), description="Only this year's (年度)."
    )
    levels: list[CommendationLevel] | None = strawberry.field(
        default=None, description="Only these levels (级别)."
    )
    statuses: list[CommendationStatus] | None = strawberry.field(
        default=None, description="Only these states (状态)."
    )

    def to_filter(self) -> CommendationFilterModel:
        return CommendationFilterModel(
            honoree_kind=self.honoree_kind, honoree_code=self.honoree_code,
            community_code=self.community_code, year=self.year,
            levels=as_tuple(self.levels), statuses=as_tuple(self.statuses),
        )  # fmt: skip


@strawberry.type(
    description="A commendation (表彰) of a member, unit or household by the community or "
    "the district, with its reason; revocable with a reason."
)
class Commendation(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.commendation_by_id)

    id: relay.NodeID[int]
    title: CommendationTitle = strawberry.field(description="The honour (表彰名目).")
    level: CommendationLevel = strawberry.field(description="Who awarded it (级别).")
    honoree_kind: HonoreeKind = strawberry.field(description="Who is commended (对象类型).")
    honoree_code: str = strawberry.field(
        description="The member's or unit's code, or the household's label (对象)."
    )
    year: int = strawberry.field(description="The year (年度).")
    month: int | None = strawberry.field(description="The month of a 每月之星 (月份).")
    reason: str = strawberry.field(description="Why (表彰事由).")
    status: CommendationStatus = strawberry.field(description="In force or revoked (状态).")
    awarded_at: datetime = strawberry.field(description="When awarded (表彰时间).")
    revoked_reason: str | None = strawberry.field(description="Why revoked (撤销原因).")
    revoked_at: datetime | None = strawberry.field(description="When revoked (撤销时间).")
    community_id: strawberry.Private[int | None]
    awarded_by: strawberry.Private[str]
    revoked_by: strawberry.Private[str | None]

    async def _owner(self, info: Info) -> str | None:
        if self.level is models.CommendationLevel.DISTRICT or self.community_id is None:
            return None
        community = await info.context.community.community_by_id.load(self.community_id)
        return f"community:{community.code}" if community is not None else None

    @strawberry.field(
        description="Who awarded it (表彰人): the token subject, shown to the awarding "
        "community, the district and the auditor; null for everyone else."
    )
    async def awarded_by_subject(self, info: Info) -> str | None:
        return shown_subject(info.context.viewer, self.awarded_by, await self._owner(info))

    @strawberry.field(description="The community (社区): the awarding one, or the one it concerns.")
    async def community(self, info: Info) -> Community | None:
        if self.community_id is None:
            return None
        return Community.from_optional_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(
        description="Every step (表彰记录), oldest first: awarded, revoked (with the reason)."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, commendations.ENTITY, self.id)


@strawberry.type(description="Root fields of commendations (表彰).")
class CommendationsQuery:
    @strawberry.field(
        description="Commendations (表彰), newest first: those in force for any signed-in "
        "role, revoked ones also for their community's roles; the district and the auditor all."
    )
    async def commendations(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: CommendationFilter | None = None,
    ) -> Connection[Commendation]:
        return await paginate(
            info, info.context.community.commendations, None, Commendation.from_row,
            first=first, after=after, order_by=_CommendationOrder.AWARDED_AT,
            direction=OrderDirection.DESC, filter=filter,
        )  # fmt: skip


@strawberry.input(description="Commend a member, unit or household (表彰).")
class AwardCommendationInput:
    title: CommendationTitle = strawberry.field(description="The honour (表彰名目).")
    honoree_kind: HonoreeKind = strawberry.field(description="Who (对象类型).")
    honoree_code: str = strawberry.field(
        description="The member's or unit's code, or the household's label (对象)."
    )
    year: int = strawberry.field(
        metadata=between(2000, 2100), description="The year (年度): this year or earlier."
    )
    month: int | None = strawberry.field(
        default=None,
        metadata=between(1, 12),
        description="The month (月份), for a 每月之星 only (required then).",
    )
    reason: str = strawberry.field(description="Why (表彰事由), required.")
    community_code: str | None = strawberry.field(
        default=None,
        description="The community (社区编码): a community's own (may be omitted); for the "
        "district the community it concerns, optional.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Revoke a commendation (撤销表彰).")
class RevokeCommendationInput:
    commendation_id: relay.GlobalID = strawberry.field(description="The commendation (表彰ID).")
    reason: str = strawberry.field(description="Why (撤销原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a commendation mutation (表彰操作结果).")
class CommendationPayload:
    commendation: Commendation | None = strawberry.field(
        description="The commendation; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _payload(row: object) -> CommendationPayload:
    return CommendationPayload(commendation=Commendation.from_row(row))


@strawberry.type(description="Mutations of commendations (表彰).")
class CommendationsMutation:
    @strawberry.mutation(
        description="Commend (表彰): the community committee (社区表彰: its own supporters "
        "(NOT_REPORTED otherwise), households and units) or the district (区级表彰). A "
        "每月之星 needs its month; the same honour for the same period twice is DUPLICATE; "
        "an unknown member or unit NOT_FOUND."
    )
    async def award_commendation(
        self,
        info: Info,
        input: Annotated[AwardCommendationInput, strawberry.argument(description="It.")],
    ) -> CommendationPayload:
        key = input.client_mutation_id
        action = commendations.award(
            info.context, title=input.title, honoree_kind=input.honoree_kind,
            honoree_code=input.honoree_code, community_code=input.community_code,
            year=input.year, month=input.month, reason=input.reason, key=key,
        )  # fmt: skip
        change = Change(name="awardCommendation", entity=commendations.ENTITY, key=key,
                        forbidden="只有社区党委或区委组织部可以表彰。",
                        detail={"title": input.title.value, "honoree": input.honoree_code,
                                "year": input.year})  # fmt: skip
        return await mutate(info, change, CommendationPayload, action, _payload)

    @strawberry.mutation(
        description="Revoke a commendation (撤销表彰): whoever awarded it (the community "
        "committee its own, the district its own), with a required reason; once "
        "(INVALID_STATE again). Nothing is deleted."
    )
    async def revoke_commendation(
        self,
        info: Info,
        input: Annotated[RevokeCommendationInput, strawberry.argument(description="It.")],
    ) -> CommendationPayload:
        change = Change(name="revokeCommendation", entity=commendations.ENTITY,
                        key=input.client_mutation_id, forbidden="只有表彰单位可以撤销表彰。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, CommendationPayload, input.commendation_id,
            lambda row_id: commendations.revoke(info.context, row_id, input.reason),
            _payload, unknown=not_found(commendations.NOT_FOUND, "input.commendationId"),
        )  # fmt: skip
