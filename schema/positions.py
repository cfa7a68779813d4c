"""Positions (职务): the 三长 (小区长, 楼栋长, 单元长) and 党员中心户 a community appoints.

Read rules: the community's roles read the positions of their community; a holder his own
position (while in force); a member the positions he holds; the district and the auditor
all. The holder's name and code are personal: only those readers see the record at all.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import position_models as models
from datasources.community.positions import PositionFilter as PositionFilterValue
from datasources.community.positions import china_today
from resolvers import positions
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate, mutate_node, not_found
from schema.pagination import Connection, OrderDirection, paginate

if TYPE_CHECKING:
    from schema.places import Building, Compound

_PLACES = "schema.places"

strawberry.enum(
    models.PositionKind,
    description="A position (职务): COMPOUND_LEADER 小区长, BUILDING_LEADER 楼栋长, "
    "UNIT_LEADER 单元长, MEMBER_HOUSEHOLD 党员中心户.",
)
strawberry.enum(
    models.HolderKind,
    description="Who holds a position (任职人类型): MEMBER 党员 (member code), RESIDENT 居民 "
    "(his sign-in subject).",
)
PositionKind: TypeAlias = models.PositionKind
HolderKind: TypeAlias = models.HolderKind


@strawberry.enum(description="How to sort positions (职务排序).")
class PositionOrder(Enum):
    CODE = "code"
    STARTS_ON = "starts_on"


@strawberry.input(description="Filters for positions (职务筛选).")
class PositionFilter:
    kinds: list[PositionKind] | None = strawberry.field(
        default=None, description="Only these positions (职务)."
    )
    in_force_only: bool = strawberry.field(
        default=False, description="Only positions in force today (在任), not revoked or ended."
    )

    def to_filter(self) -> PositionFilterValue:
        return PositionFilterValue(kinds=as_tuple(self.kinds), in_force_only=self.in_force_only)


@strawberry.type(
    description="A position held for a term (职务任期): a 小区长 for a compound, a 楼栋长 for a "
    "building, a 单元长 for a unit of a building, a 党员中心户 in a building. Its holder signs "
    "in with role position_holder and the scope claim `position` = this code."
)
class Position(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.positions.position_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Position code (职务编码), the `position` claim.")
    kind: PositionKind = strawberry.field(description="The position (职务).")
    holder_kind: HolderKind = strawberry.field(description="Who holds it (任职人类型).")
    holder_code: str = strawberry.field(
        description="The holder (任职人): a member code, or a resident's sign-in subject."
    )
    holder_name: str = strawberry.field(description="The holder's name (任职人姓名).")
    unit_label: str | None = strawberry.field(description="The unit (单元), for a 单元长.")
    unit_no: int | None = strawberry.field(
        name="unitNumber",
        description="The unit's number in its building (单元号, 1..Building.entrances), for a "
        "单元长; null if the label recorded before units were numbered could not be read.",
    )
    starts_on: date = strawberry.field(description="First day of the term (任期开始).")
    ends_on: date = strawberry.field(description="Last day of the term (任期结束).")
    appointed_at: datetime = strawberry.field(description="When appointed (任命时间).")
    revoked_at: datetime | None = strawberry.field(description="When revoked (撤销时间).")
    revoked_reason: str | None = strawberry.field(description="Why revoked (撤销原因).")
    compound_id: strawberry.Private[int]
    building_id: strawberry.Private[int | None]

    @strawberry.field(description="In force today (在任): within its term and not revoked.")
    def in_force(self) -> bool:
        return self.revoked_at is None and self.starts_on <= china_today() <= self.ends_on

    @strawberry.field(description="The compound (所在小区).")
    async def compound(self, info: Info) -> Annotated[Compound, strawberry.lazy(_PLACES)]:
        from schema.places import Compound

        return Compound.from_row(await info.context.community.compound_by_id.load(self.compound_id))

    @strawberry.field(description="The building (所在楼栋); null for a 小区长.")
    async def building(self, info: Info) -> Annotated[Building, strawberry.lazy(_PLACES)] | None:
        from schema.places import Building

        if self.building_id is None:
            return None
        return Building.from_optional_row(
            await info.context.community.building_by_id.load(self.building_id)
        )


async def community_positions(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: PositionFilter | None,
) -> Connection[Position]:  # fmt: skip
    return await paginate(
        info, info.context.community.positions.positions_of_community, community_id,
        Position.from_row, first=first, after=after, order_by=PositionOrder.CODE,
        direction=OrderDirection.ASC, filter=filter or PositionFilter(),
    )  # fmt: skip


@strawberry.input(description="Appoint a holder to a position (任命三长/党员中心户).")
class AppointPositionInput:
    kind: PositionKind = strawberry.field(description="The position (职务).")
    holder_kind: HolderKind = strawberry.field(description="Who holds it (任职人类型).")
    holder_code: str = strawberry.field(
        description="A member code (党员编码), or a resident's sign-in subject (居民账号)."
    )
    holder_name: str = strawberry.field(description="The holder's name (任职人姓名).")
    holder_subject: str | None = strawberry.field(
        default=None,
        description="The holder's sign-in subject (任职人登录账号): his position_holder token "
        "must carry it as `sub` (and the issuer of the appointing committee's token as "
        "`iss`); default the holder code.",
    )
    compound_code: str = strawberry.field(description="The compound (小区编码).")
    building_code: str | None = strawberry.field(
        default=None, description="The building (楼栋编码); none for a 小区长."
    )
    unit_label: str | None = strawberry.field(
        default=None,
        description="The unit (单元), e.g. 2单元 or 2, within the building's entrances; only "
        "for a 单元长.",
    )
    starts_on: date = strawberry.field(description="First day of the term (任期开始).")
    ends_on: date = strawberry.field(description="Last day of the term (任期结束).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Revoke a position (撤销职务).")
class RevokePositionInput:
    position_id: relay.GlobalID = strawberry.field(description="The position (职务ID).")
    reason: str = strawberry.field(description="Why (撤销原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a position mutation (职务操作结果).")
class PositionPayload:
    position: Position | None = strawberry.field(description="The position; null if refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _payload(row: object) -> PositionPayload:
    return PositionPayload(position=Position.from_row(row))


_MANAGERS = "只有小区所属社区可以任免三长和党员中心户。"


@strawberry.type(description="Mutations of positions (三长、党员中心户).")
class PositionsMutation:
    @strawberry.mutation(
        description="Appoint a 小区长, 楼栋长, 单元长 or 党员中心户 for a term (任命): the "
        "compound's community committee. One holder in force per place and term (DUPLICATE); "
        "a 党员中心户 is a member."
    )
    async def appoint_position(
        self,
        info: Info,
        input: Annotated[AppointPositionInput, strawberry.argument(description="The position.")],
    ) -> PositionPayload:
        key = input.client_mutation_id
        action = positions.appoint(
            info.context, kind=input.kind, holder_kind=input.holder_kind,
            holder_code=input.holder_code, holder_name=input.holder_name,
            compound_code=input.compound_code, building_code=input.building_code,
            unit_label=input.unit_label, starts_on=input.starts_on, ends_on=input.ends_on,
            key=key, holder_subject=input.holder_subject,
        )  # fmt: skip
        change = Change(name="appointPosition", entity="Position", key=key, forbidden=_MANAGERS,
                        detail={"kind": input.kind.value})  # fmt: skip
        return await mutate(info, change, PositionPayload, action, _payload)

    @strawberry.mutation(
        description="Revoke a position (撤销职务): its community committee. The holder's "
        "position_holder token is refused (UNAUTHENTICATED) from the next request on."
    )
    async def revoke_position(
        self,
        info: Info,
        input: Annotated[RevokePositionInput, strawberry.argument(description="The position.")],
    ) -> PositionPayload:
        change = Change(name="revokePosition", entity="Position", key=input.client_mutation_id,
                        forbidden=_MANAGERS)  # fmt: skip
        return await mutate_node(
            info, change, PositionPayload, input.position_id,
            lambda row_id: positions.revoke(info.context, row_id, input.reason), _payload,
            unknown=not_found(positions.NOT_FOUND, "input.positionId"),
        )  # fmt: skip
