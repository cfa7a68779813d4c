"""Master data mutations of the units side (单位侧主数据): create, change and retire work
units, Party branches and members; transfer members; 转正, 出党/停止党籍, 退休/离开在职.

Input field names are the import's column headers (`code`, `unitCode`, `joinedPartyOn`...).
On an update, a field left out stays as it is; a field sent as null is cleared (where it
may be empty).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry

from datasources.units import master, master_status
from datasources.units.master import Mode
from datasources.units.master_status import Dated
from datasources.units.models import Member as MemberRow
from datasources.units.models import PartyBranch as BranchRow
from datasources.units.models import WorkUnit as UnitRow
from resolvers import master_units as rules
from resolvers.workflow import today_in_china
from schema.base import Info
from schema.bounds import text
from schema.enums import Gender, PoliticalStatus, UnitKind, UnitLevel
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, audit_result, mutate
from schema.units import Member, PartyBranch, WorkUnit

_UNSET: Any = strawberry.UNSET
_KEEP = "Left out: unchanged."


def _row(input: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The input's given fields under their GraphQL names (what the service reads)."""
    row: dict[str, Any] = {}
    for name in names:
        value = getattr(input, name)
        if value is not strawberry.UNSET:
            row[_camel(name)] = value
    return row


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_UNIT_FIELDS = ("code", "name", "kind", "level", "district_name", "address")
_BRANCH_FIELDS = ("code", "name", "unit_code", "secretary_name", "founded_on")
_MEMBER_FIELDS = ("code", "name", "gender", "phone", "unit_code", "branch_code",
                  "political_status", "joined_party_on", "birth_date", "in_service",
                  "job_title", "skills")  # fmt: skip


# --- inputs -----------------------------------------------------------------------------


@strawberry.input(description="A new work unit (新建单位).")
class CreateWorkUnitInput:
    code: str | None = strawberry.field(
        default=None, description="Unit code (单位编码); assigned by the hub when left out."
    )
    name: str = strawberry.field(metadata=text(120), description="Full name (单位名称).")
    kind: UnitKind = strawberry.field(description="Kind of unit (单位类型).")
    level: UnitLevel = strawberry.field(description="Administrative level (层级).")
    district_name: str = strawberry.field(
        metadata=text(40), description="District the unit sits in (所在区)."
    )
    address: str | None = strawberry.field(default=None, description="Office address (办公地址).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Changes to a work unit (修改单位); its code never changes.")
class UpdateWorkUnitInput:
    code: str = strawberry.field(description="The unit's code (单位编码).")
    name: str | None = strawberry.field(metadata=text(120), default=_UNSET, description=_KEEP)
    kind: UnitKind | None = strawberry.field(default=_UNSET, description=_KEEP)
    level: UnitLevel | None = strawberry.field(default=_UNSET, description=_KEEP)
    district_name: str | None = strawberry.field(
        metadata=text(40), default=_UNSET, description=_KEEP
    )
    address: str | None = strawberry.field(default=_UNSET, description=_KEEP)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Retire (撤销) a unit or a branch: it stays, with date and reason.")
class RetireOrganisationInput:
    code: str = strawberry.field(description="The unit's or branch's code (编码).")
    retired_on: date | None = strawberry.field(
        default=None, description="Date of retirement (撤销日期); today in China by default."
    )
    reason: str = strawberry.field(description="Why (撤销原因), e.g. 机构改革合并.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="A new Party branch of a unit (新建党支部).")
class CreatePartyBranchInput:
    code: str | None = strawberry.field(
        default=None, description="Branch code (支部编码); assigned by the hub when left out."
    )
    name: str = strawberry.field(metadata=text(120), description="Name (支部名称).")
    unit_code: str = strawberry.field(description="Its unit (所属单位编码).")
    secretary_name: str | None = strawberry.field(
        metadata=text(40), default=None, description="Branch secretary (支部书记)."
    )
    founded_on: date | None = strawberry.field(default=None, description="Founded (成立日期).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Changes to a branch (修改党支部); its code and unit never change.")
class UpdatePartyBranchInput:
    code: str = strawberry.field(description="The branch's code (支部编码).")
    name: str | None = strawberry.field(metadata=text(120), default=_UNSET, description=_KEEP)
    secretary_name: str | None = strawberry.field(
        metadata=text(40), default=_UNSET, description=_KEEP
    )
    founded_on: date | None = strawberry.field(default=_UNSET, description=_KEEP)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="A new member (新增党员), in a branch of his unit.")
class CreateMemberInput:
    code: str | None = strawberry.field(
        default=None, description="Member code (党员编码); assigned by the hub when left out."
    )
    name: str = strawberry.field(metadata=text(40), description="Name (姓名).")
    gender: Gender = strawberry.field(description="Gender (性别).")
    phone: str | None = strawberry.field(
        metadata=text(20), default=None, description="Mainland mobile number (手机号码)."
    )
    unit_code: str | None = strawberry.field(
        default=None, description="His unit (单位编码); must be the branch's unit if given."
    )
    branch_code: str = strawberry.field(description="His branch (支部编码).")
    political_status: PoliticalStatus = strawberry.field(description="Political status (政治面貌).")
    joined_party_on: date | None = strawberry.field(
        default=None,
        description="Joined the Party (入党日期): required for full and probationary members.",
    )
    birth_date: date | None = strawberry.field(default=None, description="Born (出生日期).")
    in_service: bool = strawberry.field(default=True, description="In service (在职).")
    job_title: str | None = strawberry.field(
        metadata=text(60), default=None, description="Post in the unit (职务)."
    )
    skills: list[str] | None = strawberry.field(
        metadata=text(20, items=20), default=None, description="Skills (特长)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(
    description="Changes to a member (修改党员信息); his code never changes. His branch and "
    "unit change through `transferMember`; 转正, 出党 and leaving service have their own "
    "mutations (a status sent here does the same, dated today)."
)
class UpdateMemberInput:
    code: str = strawberry.field(description="His code (党员编码).")
    name: str | None = strawberry.field(metadata=text(40), default=_UNSET, description=_KEEP)
    gender: Gender | None = strawberry.field(default=_UNSET, description=_KEEP)
    phone: str | None = strawberry.field(metadata=text(20), default=_UNSET, description=_KEEP)
    political_status: PoliticalStatus | None = strawberry.field(default=_UNSET, description=_KEEP)
    joined_party_on: date | None = strawberry.field(default=_UNSET, description=_KEEP)
    birth_date: date | None = strawberry.field(default=_UNSET, description=_KEEP)
    in_service: bool | None = strawberry.field(default=_UNSET, description=_KEEP)
    job_title: str | None = strawberry.field(metadata=text(60), default=_UNSET, description=_KEEP)
    skills: list[str] | None = strawberry.field(
        metadata=text(20, items=20), default=_UNSET, description=_KEEP
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(
    description="Transfer a member (党员转接) to another branch, of his unit or another one; "
    "he keeps his code, history, reports, evaluations and performance."
)
class TransferMemberInput:
    code: str = strawberry.field(description="His code (党员编码).")
    branch_code: str = strawberry.field(description="The receiving branch (转入支部编码).")
    unit_code: str | None = strawberry.field(
        default=None, description="The receiving unit (转入单位编码); must be the branch's."
    )
    reason: str | None = strawberry.field(default=None, description="Why (转接原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="转正: a probationary member becomes a full member.")
class ConfirmFullMembershipInput:
    code: str = strawberry.field(description="His code (党员编码).")
    confirmed_on: date | None = strawberry.field(
        default=None, description="Date (转正日期); today in China by default."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="A dated change of a member's standing, with its reason.")
class MemberStandingInput:
    code: str = strawberry.field(description="His code (党员编码).")
    on: date | None = strawberry.field(
        default=None, description="Date (日期); today in China by default."
    )
    reason: str = strawberry.field(description="Why (原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


# --- payloads ---------------------------------------------------------------------------

_ERRORS = "Why it was refused (业务错误); empty on success. Nothing changed then."


@strawberry.type(description="Result of a work unit mutation (单位变更结果).")
class WorkUnitPayload:
    work_unit: WorkUnit | None = strawberry.field(description="The unit; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a Party branch mutation (党支部变更结果).")
class PartyBranchPayload:
    party_branch: PartyBranch | None = strawberry.field(
        description="The branch; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a member mutation (党员变更结果).")
class MemberPayload:
    member: Member | None = strawberry.field(description="The member; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


def _unit_ok(row: Any) -> WorkUnitPayload:
    return WorkUnitPayload(work_unit=WorkUnit.from_row(row))


def _branch_ok(row: Any) -> PartyBranchPayload:
    return PartyBranchPayload(party_branch=PartyBranch.from_row(row))


def _member_ok(row: Any) -> MemberPayload:
    return MemberPayload(member=Member.from_row(row))


_DISTRICT_ONLY = "只有区委组织部可以管理单位。"
_UNIT_OR_DISTRICT = "只有区委组织部或本单位党组织可以管理本单位的党支部和党员。"


def _dated(on: date | None, reason: str | None) -> Dated:
    return Dated(on=on or today_in_china(), reason=reason)


@strawberry.type(description="Master data of the units side (单位侧主数据).")
class MasterUnitsMutation:
    @strawberry.mutation(
        description="Create a work unit (新建单位): the district organisation department."
    )
    async def create_work_unit(
        self,
        info: Info,
        input: Annotated[CreateWorkUnitInput, strawberry.argument(description="The unit.")],
    ) -> WorkUnitPayload:
        row = _row(input, _UNIT_FIELDS)
        action = rules.run(info.context, UnitRow, "createWorkUnit", input.client_mutation_id,
                           rules.one_row(master.save_units, row, Mode.CREATE))  # fmt: skip
        change = Change(name="createWorkUnit", entity="WorkUnit", key=input.client_mutation_id,
                        forbidden=_DISTRICT_ONLY)  # fmt: skip
        return await mutate(info, change, WorkUnitPayload, action, _unit_ok,
                            audited=audit_result("WorkUnit"))  # fmt: skip

    @strawberry.mutation(
        description="Change a work unit (修改单位): the district organisation department."
    )
    async def update_work_unit(
        self,
        info: Info,
        input: Annotated[UpdateWorkUnitInput, strawberry.argument(description="The changes.")],
    ) -> WorkUnitPayload:
        row = _row(input, _UNIT_FIELDS)
        action = rules.run(info.context, UnitRow, "updateWorkUnit", input.client_mutation_id,
                           rules.one_row(master.save_units, row, Mode.UPDATE))  # fmt: skip
        change = Change(name="updateWorkUnit", entity="WorkUnit", key=input.client_mutation_id,
                        forbidden=_DISTRICT_ONLY, detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, WorkUnitPayload, action, _unit_ok,
                            audited=audit_result("WorkUnit"))  # fmt: skip

    @strawberry.mutation(
        description="Retire a work unit (撤销单位): the district, once all its branches are "
        "retired. It stays readable with its status and date; its code is never reused."
    )
    async def retire_work_unit(
        self,
        info: Info,
        input: Annotated[RetireOrganisationInput, strawberry.argument(description="The unit.")],
    ) -> WorkUnitPayload:
        service = rules.one_code(master_status.retire_units, input.code,
                                 _dated(input.retired_on, input.reason))  # fmt: skip
        action = rules.run(info.context, UnitRow, "retireWorkUnit", input.client_mutation_id,
                           service)  # fmt: skip
        change = Change(name="retireWorkUnit", entity="WorkUnit", key=input.client_mutation_id,
                        forbidden=_DISTRICT_ONLY, detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, WorkUnitPayload, action, _unit_ok,
                            audited=audit_result("WorkUnit"))  # fmt: skip

    @strawberry.mutation(
        description="Create a Party branch (新建党支部): the district, or the unit's own "
        "Party organisation."
    )
    async def create_party_branch(
        self,
        info: Info,
        input: Annotated[CreatePartyBranchInput, strawberry.argument(description="The branch.")],
    ) -> PartyBranchPayload:
        row = _row(input, _BRANCH_FIELDS)
        action = rules.run(info.context, BranchRow, "createPartyBranch", input.client_mutation_id,
                           rules.one_row(master.save_branches, row, Mode.CREATE))  # fmt: skip
        change = Change(name="createPartyBranch", entity="PartyBranch",
                        key=input.client_mutation_id, forbidden=_UNIT_OR_DISTRICT)  # fmt: skip
        return await mutate(info, change, PartyBranchPayload, action, _branch_ok,
                            audited=audit_result("PartyBranch"))  # fmt: skip

    @strawberry.mutation(
        description="Change a Party branch (修改党支部): the district, or its unit."
    )
    async def update_party_branch(
        self,
        info: Info,
        input: Annotated[UpdatePartyBranchInput, strawberry.argument(description="The changes.")],
    ) -> PartyBranchPayload:
        row = _row(input, _BRANCH_FIELDS[:1] + _BRANCH_FIELDS[3:] + ("name",))
        action = rules.run(info.context, BranchRow, "updatePartyBranch", input.client_mutation_id,
                           rules.one_row(master.save_branches, row, Mode.UPDATE))  # fmt: skip
        change = Change(name="updatePartyBranch", entity="PartyBranch",
                        key=input.client_mutation_id, forbidden=_UNIT_OR_DISTRICT,
                        detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, PartyBranchPayload, action, _branch_ok,
                            audited=audit_result("PartyBranch"))  # fmt: skip

    @strawberry.mutation(
        description="Retire a Party branch (撤销党支部): the district, or its unit, once no "
        "member in the Party is left in it. It stays readable; it receives no new members."
    )
    async def retire_party_branch(
        self,
        info: Info,
        input: Annotated[RetireOrganisationInput, strawberry.argument(description="The branch.")],
    ) -> PartyBranchPayload:
        service = rules.one_code(master_status.retire_branches, input.code,
                                 _dated(input.retired_on, input.reason))  # fmt: skip
        action = rules.run(info.context, BranchRow, "retirePartyBranch",
                           input.client_mutation_id, service)  # fmt: skip
        change = Change(name="retirePartyBranch", entity="PartyBranch",
                        key=input.client_mutation_id, forbidden=_UNIT_OR_DISTRICT,
                        detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, PartyBranchPayload, action, _branch_ok,
                            audited=audit_result("PartyBranch"))  # fmt: skip

    @strawberry.mutation(
        description="Add a member (新增党员): the district, or his unit's own Party "
        "organisation (one bound to a branch: in that branch)."
    )
    async def create_member(
        self,
        info: Info,
        input: Annotated[CreateMemberInput, strawberry.argument(description="The member.")],
    ) -> MemberPayload:
        row = _row(input, _MEMBER_FIELDS)
        action = rules.run(info.context, MemberRow, "createMember", input.client_mutation_id,
                           rules.one_row(master.save_members, row, Mode.CREATE))  # fmt: skip
        change = Change(name="createMember", entity="Member", key=input.client_mutation_id,
                        forbidden=_UNIT_OR_DISTRICT)  # fmt: skip
        return await mutate(info, change, MemberPayload, action, _member_ok,
                            audited=audit_result("Member"))  # fmt: skip

    @strawberry.mutation(
        description="Change a member's record (修改党员信息): the district, or his unit."
    )
    async def update_member(
        self,
        info: Info,
        input: Annotated[UpdateMemberInput, strawberry.argument(description="The changes.")],
    ) -> MemberPayload:
        names = tuple(n for n in _MEMBER_FIELDS if n not in ("unit_code", "branch_code"))
        row = _row(input, names)
        action = rules.run(info.context, MemberRow, "updateMember", input.client_mutation_id,
                           rules.one_row(master.save_members, row, Mode.UPDATE))  # fmt: skip
        change = Change(name="updateMember", entity="Member", key=input.client_mutation_id,
                        forbidden=_UNIT_OR_DISTRICT, detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, MemberPayload, action, _member_ok,
                            audited=audit_result("Member"))  # fmt: skip

    @strawberry.mutation(
        description="Transfer a member (党员转接) to another branch: within his unit by the "
        "unit or the district, to another unit by the district. He keeps his code, history, "
        "reports (community side), evaluations and performance."
    )
    async def transfer_member(
        self,
        info: Info,
        input: Annotated[TransferMemberInput, strawberry.argument(description="The transfer.")],
    ) -> MemberPayload:
        row = _row(input, ("code", "branch_code", "unit_code"))
        action = rules.run(info.context, MemberRow, "transferMember", input.client_mutation_id,
                           rules.transfer(row, input.reason))  # fmt: skip
        change = Change(name="transferMember", entity="Member", key=input.client_mutation_id,
                        forbidden=_UNIT_OR_DISTRICT,
                        detail={"code": input.code, "branch": input.branch_code})  # fmt: skip
        return await mutate(info, change, MemberPayload, action, _member_ok,
                            audited=audit_result("Member"))  # fmt: skip

    @strawberry.mutation(
        description="转正: a probationary member becomes a full member, a year or more after "
        "joining; the district or his unit."
    )
    async def confirm_full_membership(
        self,
        info: Info,
        input: Annotated[
            ConfirmFullMembershipInput, strawberry.argument(description="Who and when.")
        ],
    ) -> MemberPayload:
        service = rules.one_code(master_status.confirm_full_membership, input.code,
                                 _dated(input.confirmed_on, None))  # fmt: skip
        action = rules.run(info.context, MemberRow, "confirmFullMembership",
                           input.client_mutation_id, service)  # fmt: skip
        change = Change(name="confirmFullMembership", entity="Member",
                        key=input.client_mutation_id, forbidden=_UNIT_OR_DISTRICT,
                        detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, MemberPayload, action, _member_ok,
                            audited=audit_result("Member"))  # fmt: skip

    @strawberry.mutation(
        description="出党/停止党籍: the member leaves the Party on a date, for a reason; the "
        "district or his unit. He stays on record with his code and history."
    )
    async def end_party_membership(
        self,
        info: Info,
        input: Annotated[MemberStandingInput, strawberry.argument(description="Who, when, why.")],
    ) -> MemberPayload:
        service = rules.one_code(master_status.leave_party, input.code,
                                 _dated(input.on, input.reason))  # fmt: skip
        action = rules.run(info.context, MemberRow, "endPartyMembership",
                           input.client_mutation_id, service)  # fmt: skip
        change = Change(name="endPartyMembership", entity="Member",
                        key=input.client_mutation_id, forbidden=_UNIT_OR_DISTRICT,
                        detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, MemberPayload, action, _member_ok,
                            audited=audit_result("Member"))  # fmt: skip

    @strawberry.mutation(
        description="退休/离开在职: the member is no longer in service (`inService` false) from "
        "a date, for a reason; the district or his unit."
    )
    async def end_member_service(
        self,
        info: Info,
        input: Annotated[MemberStandingInput, strawberry.argument(description="Who, when, why.")],
    ) -> MemberPayload:
        service = rules.one_code(master_status.end_service, input.code,
                                 _dated(input.on, input.reason))  # fmt: skip
        action = rules.run(info.context, MemberRow, "endMemberService",
                           input.client_mutation_id, service)  # fmt: skip
        change = Change(name="endMemberService", entity="Member",
                        key=input.client_mutation_id, forbidden=_UNIT_OR_DISTRICT,
                        detail={"code": input.code})  # fmt: skip
        return await mutate(info, change, MemberPayload, action, _member_ok,
                            audited=audit_result("Member"))  # fmt: skip
