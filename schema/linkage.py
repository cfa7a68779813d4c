"""A compound's kind (小区类型) and committees (业委会 / 自管委) as records, which decide who
sits at its linkage meetings (联动会议, see `schema.property.LinkageMeeting`)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from datasources.scope import Role
from resolvers import linkage as rules
from resolvers.workflow import today_in_china
from schema.base import HubNode, Info, loaded_by
from schema.bounds import CODE_LENGTH, text
from schema.enums import CommitteeKind, CompoundKind
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Audited, Change, UserError, mutate

if TYPE_CHECKING:
    from schema.places import Compound

_PLACES = "schema.places"


@strawberry.type(description="A member of a compound committee (委员会成员).")
class CommitteeMember:
    name: str = strawberry.field(description="Name (姓名).")
    role: str = strawberry.field(description="Role, e.g. 主任、副主任、委员 (职务).")


@strawberry.type(
    description="A compound's committee for a term (业委会 / 自管委): name, members, contact. "
    "Committees carried over from the old yes/no flag have no term (任期未登记)."
)
class CompoundCommittee(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.committee_by_id)

    id: relay.NodeID[int]
    kind: CommitteeKind = strawberry.field(description="业委会 or 自管委 (委员会类型).")
    name: str = strawberry.field(description="Name (名称).")
    term_starts_on: date | None = strawberry.field(
        description="Term begins (任期开始); null if not recorded."
    )
    term_ends_on: date | None = strawberry.field(
        description="Term ends (任期结束); null if not recorded."
    )
    compound_id: strawberry.Private[int]
    member_rows: strawberry.Private[list[dict[str, str]]]
    phone: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Any) -> CompoundCommittee:
        return cls(
            id=row.id, kind=row.kind, name=row.name, term_starts_on=row.term_starts_on,
            term_ends_on=row.term_ends_on, compound_id=row.compound_id,
            member_rows=list(row.members or []), phone=row.contact_phone,
        )  # fmt: skip

    @strawberry.field(description="Members with their roles (成员).")
    def members(self) -> list[CommitteeMember]:
        return [CommitteeMember(name=m["name"], role=m["role"]) for m in self.member_rows]

    @strawberry.field(
        description="Contact phone (联系电话): the compound's community and the district only; "
        "null to others."
    )
    def contact_phone(self, info: Info) -> str | None:
        viewer = info.context.viewer
        return self.phone if viewer.is_community_side or viewer.role is Role.DISTRICT else None

    @strawberry.field(description="In office today, China time (在任).")
    def in_office(self) -> bool:
        today = today_in_china()
        return (self.term_starts_on is None or self.term_starts_on <= today) and (
            self.term_ends_on is None or self.term_ends_on >= today
        )

    @strawberry.field(description="The compound (小区).")
    async def compound(self, info: Info) -> Annotated[Compound, strawberry.lazy(_PLACES)] | None:
        from schema.places import Compound

        row = await info.context.community.compound_by_id.load(self.compound_id)
        return Compound.from_optional_row(row)

    @strawberry.field(description="Recorded, oldest first (登记记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.COMMITTEE, self.id)


async def committees_of_compound(info: Info, compound_id: int) -> list[CompoundCommittee]:
    rows = await info.context.community.partners.committees_of_compound.load(compound_id)
    return [CompoundCommittee.from_row(row) for row in rows]


async def committee_by_id(info: Info, committee_id: int | None) -> CompoundCommittee | None:
    if committee_id is None:
        return None
    row = await info.context.community.partners.committee_by_id.load(committee_id)
    return None if row is None else CompoundCommittee.from_row(row)


# --- mutations ---------------------------------------------------------------------------------


@strawberry.input(description="A member of a committee (委员会成员).")
class CommitteeMemberInput:
    name: str = strawberry.field(description="Name (姓名).")
    role: str = strawberry.field(metadata=text(20), description="Role (职务), e.g. 主任.")


@strawberry.input(description="Record a compound's committee for a term (登记业委会/自管委).")
class RecordCompoundCommitteeInput:
    compound_code: str = strawberry.field(
        metadata=text(CODE_LENGTH), description="The compound (小区编码)."
    )
    kind: CommitteeKind = strawberry.field(description="业委会 or 自管委 (委员会类型).")
    name: str = strawberry.field(description="Name (名称).")
    term_starts_on: date = strawberry.field(description="Term begins (任期开始).")
    term_ends_on: date = strawberry.field(description="Term ends (任期结束).")
    members: list[CommitteeMemberInput] = strawberry.field(
        description="Members with roles, at least one (成员)."
    )
    contact_phone: str | None = strawberry.field(
        default=None, metadata=text(20), description="Contact phone (联系电话)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Set what a compound is (设置小区类型).")
class SetCompoundKindInput:
    compound_code: str = strawberry.field(
        metadata=text(CODE_LENGTH), description="The compound (小区编码)."
    )
    kind: CompoundKind = strawberry.field(description="Its kind (小区类型).")
    unit_code: str | None = strawberry.field(
        default=None,
        metadata=text(CODE_LENGTH),
        description="The unit that built it (自建单位编码); unit-built compounds only.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of recording a committee (登记委员会结果).")
class CompoundCommitteePayload:
    committee: CompoundCommittee | None = strawberry.field(
        description="The committee; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of setting a compound's kind (设置小区类型结果).")
class CompoundKindPayload:
    compound: Annotated[Compound, strawberry.lazy(_PLACES)] | None = strawberry.field(
        description="The compound; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Mutations of compound governance (小区治理).")
class LinkageMutation:
    @strawberry.mutation(
        description="Record a compound's committee for a term (登记业委会/自管委): the "
        "compound's community or its grid secretary. A 业委会 belongs to compounds with "
        "property service or unit-built ones, a 自管委 to a 三无小区; terms of a kind do not "
        "overlap (DUPLICATE)."
    )
    async def record_compound_committee(
        self, info: Info,
        input: Annotated[RecordCompoundCommitteeInput, strawberry.argument(description="The committee.")],
    ) -> CompoundCommitteePayload:  # fmt: skip
        key = input.client_mutation_id
        draft = rules.CommitteeDraft(
            compound_code=input.compound_code, kind=input.kind, name=input.name,
            term_starts_on=input.term_starts_on, term_ends_on=input.term_ends_on,
            members=[(m.name, m.role) for m in input.members], contact_phone=input.contact_phone,
        )  # fmt: skip
        change = Change(
            name="recordCompoundCommittee",
            entity=rules.COMMITTEE,
            key=key,
            forbidden="只有小区所在社区可以登记业委会或自管委。",
        )
        return await mutate(
            info,
            change,
            CompoundCommitteePayload,
            rules.record_committee(info.context, draft, key),
            lambda row: CompoundCommitteePayload(committee=CompoundCommittee.from_row(row)),
        )

    @strawberry.mutation(
        description="Set what a compound is (设置小区类型): the compound's community or its grid "
        "secretary. A unit-built compound names its unit; a compound with an active contract "
        "or an owners' committee in office is not a 三无小区 (INVALID_STATE)."
    )
    async def set_compound_kind(
        self, info: Info,
        input: Annotated[SetCompoundKindInput, strawberry.argument(description="The kind.")],
    ) -> CompoundKindPayload:  # fmt: skip
        from schema.places import Compound

        change = Change(
            name="setCompoundKind",
            entity=rules.COMPOUND,
            key=input.client_mutation_id,
            targets=[input.compound_code],
            forbidden="只有小区所在社区可以设置小区类型。",
        )
        return await mutate(
            info,
            change,
            CompoundKindPayload,
            rules.set_compound_kind(info.context, input.compound_code, input.kind, input.unit_code),
            lambda row: CompoundKindPayload(compound=Compound.from_row(row)),
            audited=lambda row: Audited(rules.COMPOUND, [str(row.id)], {"kind": row.kind.value}),
        )
