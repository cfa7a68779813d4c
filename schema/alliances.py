"""Alliances (党建联盟) and co-building agreements (共建协议) as working features: the
rotating chair schedule, joint meetings with minutes and attendance, agreements signed,
renewed and ended, projects tracked to done, and each party's contribution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

import strawberry
from strawberry import relay

from datasources.community import partner_models as pm
from datasources.community.models import PartyKind as PartyKindModel
from datasources.community.models import ProjectStatus as ProjectStatusModel
from resolvers import alliances as rules
from resolvers.workflow import today_in_china
from schema.base import HubNode, Info, loaded_by
from schema.bounds import between
from schema.enums import PartyKind, ProjectStatus
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import (
    Change,
    UserError,
    mutate,
    mutate_node,
    node_id_of,
    not_found,
    refused,
)

if TYPE_CHECKING:
    from datasources.community.partner_loaders import PartnerLoaders
    from schema.partners import (
        AgreementProject,
        Alliance,
        AllianceMembership,
        CoBuildingAgreement,
        Party,
    )

_PARTNERS = "schema.partners"
T = TypeVar("T")

strawberry.enum(
    pm.AllianceMeetingStatus,
    description="State of a joint meeting (联席会议状态): SCHEDULED 已召集, HELD 已召开.",
)
AllianceMeetingStatus: TypeAlias = pm.AllianceMeetingStatus


def _partners(info: Info) -> PartnerLoaders:
    return info.context.community.partners


async def _membership(info: Info, membership_id: int) -> Any:
    from schema.partners import AllianceMembership

    row = await info.context.community.alliance_party_by_id.load(membership_id)
    return AllianceMembership.from_optional_row(row)


@strawberry.type(description="One turn of the rotating chair (轮值主席任期).")
class AllianceChairTerm:
    starts_on: date = strawberry.field(description="Start of the turn (开始日期).")
    ends_on: date = strawberry.field(description="End of the turn (结束日期).")
    membership_id: strawberry.Private[int]

    @strawberry.field(description="Whether the turn includes today, China time (当值).")
    def current(self) -> bool:
        return self.starts_on <= today_in_china() <= self.ends_on

    @strawberry.field(description="The chairing party's membership (轮值主席单位).")
    async def chair(
        self, info: Info
    ) -> Annotated[AllianceMembership, strawberry.lazy(_PARTNERS)] | None:
        found: AllianceMembership | None = await _membership(info, self.membership_id)
        return found


@strawberry.type(description="A party's attendance at a joint meeting (出席情况).")
class AllianceAttendance:
    present: bool = strawberry.field(description="Attended (出席).")
    representative: str | None = strawberry.field(description="Who represented it (出席人).")
    membership_id: strawberry.Private[int]

    @strawberry.field(description="The member party (成员单位).")
    async def membership(
        self, info: Info
    ) -> Annotated[AllianceMembership, strawberry.lazy(_PARTNERS)] | None:
        found: AllianceMembership | None = await _membership(info, self.membership_id)
        return found


@strawberry.type(
    description="A joint meeting of an alliance (联席会议): convened by a member party, with "
    "agenda, then minutes, decisions and attendance."
)
class AllianceMeeting(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.alliance_meeting_by_id)

    id: relay.NodeID[int]
    held_on: date = strawberry.field(description="Date (会议日期).")
    agenda: str = strawberry.field(description="Agenda (议题).")
    minutes: str | None = strawberry.field(description="Minutes (会议纪要), after it was held.")
    decisions: str | None = strawberry.field(description="Decisions (会议决定).")
    status: AllianceMeetingStatus = strawberry.field(description="Its state (会议状态).")
    alliance_id: strawberry.Private[int]
    convened_by_id: strawberry.Private[int]

    @strawberry.field(description="The alliance (党建联盟).")
    async def alliance(self, info: Info) -> Annotated[Alliance, strawberry.lazy(_PARTNERS)] | None:
        from schema.partners import Alliance

        row = await info.context.community.alliance_by_id.load(self.alliance_id)
        return Alliance.from_optional_row(row)

    @strawberry.field(description="The party that convened it (召集单位).")
    async def convened_by(
        self, info: Info
    ) -> Annotated[AllianceMembership, strawberry.lazy(_PARTNERS)] | None:
        found: AllianceMembership | None = await _membership(info, self.convened_by_id)
        return found

    @strawberry.field(description="Attendance of the member parties (出席情况).")
    async def attendance(self, info: Info) -> list[AllianceAttendance]:
        rows = await _partners(info).attendance_of_meeting.load(self.id)
        return [
            AllianceAttendance(
                present=r.present, representative=r.representative, membership_id=r.membership_id
            )
            for r in rows
        ]

    @strawberry.field(description="Every state change, oldest first (会议记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.MEETING, self.id)


@strawberry.type(
    description="A party's record through co-building agreements (共建贡献): projects done, "
    "still owed and overdue, with their budgets."
)
class PartyContribution:
    party_kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    party_code: str = strawberry.field(description="Code of the party (成员编码).")
    projects_done: int = strawberry.field(description="Projects completed (已完成项目).")
    projects_open: int = strawberry.field(description="Projects still owed (未完成项目).")
    projects_overdue: int = strawberry.field(description="Owed and past due (逾期项目).")
    budget_done_yuan: Decimal = strawberry.field(description="Budget of completed ones (元).")
    budget_owed_yuan: Decimal = strawberry.field(description="Budget still owed (元).")

    @strawberry.field(description="The party itself (成员单位), null if unknown.")
    async def party(self, info: Info) -> Annotated[Party, strawberry.lazy(_PARTNERS)] | None:
        from schema.partners import resolve_party

        found: Any = await resolve_party(info, self.party_kind, self.party_code, None)
        return found  # type: ignore[no-any-return]


def is_overdue(row: Any) -> bool:
    return row.status in rules.OPEN_PROJECT and row.due_on < today_in_china()


@dataclass
class _Tally:
    done: int = 0
    open: int = 0
    overdue: int = 0
    budget_done: Decimal = Decimal("0.00")
    budget_owed: Decimal = Decimal("0.00")


def contributions_from(rows: list[Any]) -> list[PartyContribution]:
    """Per owner, in order of first appearance: what it did and still owes."""
    tallies: dict[tuple[PartyKindModel, str], _Tally] = {}
    for row in rows:
        tally = tallies.setdefault((row.owner_kind, row.owner_code), _Tally())
        if row.status is ProjectStatusModel.DONE:
            tally.done += 1
            tally.budget_done += row.budget_yuan
        elif row.status in rules.OPEN_PROJECT:
            tally.open += 1
            tally.budget_owed += row.budget_yuan
            tally.overdue += is_overdue(row)
    return [
        PartyContribution(
            party_kind=kind,
            party_code=code,
            projects_done=t.done,
            projects_open=t.open,
            projects_overdue=t.overdue,
            budget_done_yuan=t.budget_done,
            budget_owed_yuan=t.budget_owed,
        )
        for (kind, code), t in tallies.items()
    ]


# --- fields other types delegate to ----------------------------------------------------------


async def chair_schedule(info: Info, alliance_id: int) -> list[AllianceChairTerm]:
    rows = await _partners(info).chair_terms_of_alliance.load(alliance_id)
    return [
        AllianceChairTerm(starts_on=r.starts_on, ends_on=r.ends_on, membership_id=r.membership_id)
        for r in rows
    ]


async def meetings_of_alliance(info: Info, alliance_id: int) -> list[AllianceMeeting]:
    rows = await _partners(info).meetings_of_alliance.load(alliance_id)
    return [AllianceMeeting.from_row(r) for r in rows]


async def owed_projects(
    info: Info, kind: PartyKindModel, code: str
) -> list[Annotated[AgreementProject, strawberry.lazy(_PARTNERS)]]:
    from schema.partners import AgreementProject

    rows = await _partners(info).projects_of_owner[kind].load(code)
    return [AgreementProject.from_row(r) for r in rows if r.status in rules.OPEN_PROJECT]


async def contribution_of(info: Info, kind: PartyKindModel, code: str) -> PartyContribution:
    rows = await _partners(info).projects_of_owner[kind].load(code)
    found = contributions_from(rows)
    if found:
        return found[0]
    return PartyContribution(
        party_kind=kind, party_code=code, projects_done=0, projects_open=0, projects_overdue=0,
        budget_done_yuan=Decimal("0.00"), budget_owed_yuan=Decimal("0.00"),
    )  # fmt: skip


async def community_contributions(info: Info, community_id: int) -> list[PartyContribution]:
    return contributions_from(await _partners(info).projects_of_community.load(community_id))


async def community_overdue_projects(
    info: Info, community_id: int
) -> list[Annotated[AgreementProject, strawberry.lazy(_PARTNERS)]]:
    from schema.partners import AgreementProject

    rows = await _partners(info).projects_of_community.load(community_id)
    return [AgreementProject.from_row(r) for r in rows if is_overdue(r)]


# --- mutations -------------------------------------------------------------------------------


@strawberry.input(description="Schedule the rotating chair (排定轮值主席).")
class ScheduleAllianceChairsInput:
    alliance_code: str = strawberry.field(description="The alliance (联盟编码).")
    starts_on: date = strawberry.field(description="Start of the first new turn (开始日期).")
    term_months: int = strawberry.field(
        metadata=between(1, 24), description="Months per turn (任期月数), 1 to 24."
    )
    terms: int = strawberry.field(
        metadata=between(1, 24), description="How many turns to schedule (任期数), 1 to 24."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Convene a joint meeting of an alliance (召集联席会议).")
class ConvokeAllianceMeetingInput:
    alliance_code: str = strawberry.field(description="The alliance (联盟编码).")
    held_on: date = strawberry.field(description="Date (会议日期).")
    agenda: str = strawberry.field(description="Agenda (议题).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="A party's attendance (出席情况).")
class AttendanceInput:
    party_kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    party_code: str = strawberry.field(description="Code of the party (成员编码).")
    present: bool = strawberry.field(description="Attended (出席).")
    representative: str | None = strawberry.field(default=None, description="Who came (出席人).")


@strawberry.input(description="Record the minutes of a joint meeting (记录会议纪要).")
class RecordAllianceMeetingInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting (会议ID).")
    minutes: str = strawberry.field(description="Minutes (会议纪要).")
    decisions: str | None = strawberry.field(default=None, description="Decisions (会议决定).")
    attendance: list[AttendanceInput] = strawberry.field(
        default_factory=list, description="Attendance of member parties (出席情况)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="A party to an agreement (共建单位).")
class AgreementPartyInput:
    kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    code: str = strawberry.field(description="Code (编码): unit, community, company or own code.")
    name: str | None = strawberry.field(
        default=None, description="Name, required for other organisations (名称)."
    )


@strawberry.input(description="Sign a co-building agreement (签订共建协议).")
class SignAgreementInput:
    community_code: str = strawberry.field(description="The signing community (社区编码).")
    title: str = strawberry.field(description="Title (协议名称).")
    starts_on: date = strawberry.field(description="Start of the period (开始日期).")
    ends_on: date = strawberry.field(description="End of the period (结束日期).")
    parties: list[AgreementPartyInput] = strawberry.field(description="The parties (共建单位).")
    alliance_code: str | None = strawberry.field(
        default=None, description="Alliance it is signed under (联盟编码), optional."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Add a concrete project to an agreement (新增实事项目).")
class AddAgreementProjectInput:
    agreement_id: relay.GlobalID = strawberry.field(description="The agreement (协议ID).")
    name: str = strawberry.field(description="What will be done (项目名称).")
    owner_kind: PartyKind = strawberry.field(description="Kind of the responsible party.")
    owner_code: str = strawberry.field(description="Code of the responsible party (责任方编码).")
    budget_yuan: Decimal = strawberry.field(
        metadata=between(0, 1_000_000_000), description="Budget in yuan (预算)."
    )
    due_on: date = strawberry.field(description="Due date, within the period (完成时限).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Start, complete or cancel a project (推进/完成/取消项目).")
class MoveAgreementProjectInput:
    project_id: relay.GlobalID = strawberry.field(description="The project (项目ID).")
    status: ProjectStatus = strawberry.field(
        description="New state: IN_PROGRESS, DONE or CANCELLED (新状态)."
    )
    note: str | None = strawberry.field(default=None, description="Remark (说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Claim a project of an agreement for the unit (认领项目).")
class ClaimAgreementProjectInput:
    project_id: relay.GlobalID = strawberry.field(description="The project (项目ID).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Give up the unit's claim of a project (放弃认领项目).")
class ReleaseAgreementProjectInput:
    project_id: relay.GlobalID = strawberry.field(description="The project (项目ID).")
    reason: str | None = strawberry.field(default=None, description="Why (原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Confirm a claimed project done (验收认领项目).")
class ConfirmAgreementProjectInput:
    project_id: relay.GlobalID = strawberry.field(description="The project (项目ID).")
    note: str | None = strawberry.field(default=None, description="Remark (验收意见).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Renew an agreement to a later end date (续签协议).")
class RenewAgreementInput:
    agreement_id: relay.GlobalID = strawberry.field(description="The agreement (协议ID).")
    ends_on: date = strawberry.field(description="New end date (新结束日期).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="End an agreement (终止协议).")
class EndAgreementInput:
    agreement_id: relay.GlobalID = strawberry.field(description="The agreement (协议ID).")
    reason: str | None = strawberry.field(default=None, description="Why (终止原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Admit a member party to an alliance (吸收成员单位).")
class AddAlliancePartyInput:
    alliance_code: str = strawberry.field(description="The alliance (联盟编码).")
    party_kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    party_code: str = strawberry.field(description="Code of the party (成员编码).")
    party_name: str | None = strawberry.field(
        default=None, description="Name, required for other organisations (名称)."
    )
    rotation_order: int | None = strawberry.field(
        metadata=between(1, 10_000),
        default=None,
        description="Its chair turn (轮值顺序); the last turn if omitted.",
    )
    reason: str = strawberry.field(description="Why it joins (加入事由).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="A member party leaves an alliance (成员单位退出).")
class RemoveAlliancePartyInput:
    alliance_code: str = strawberry.field(description="The alliance (联盟编码).")
    party_kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    party_code: str = strawberry.field(description="Code of the party (成员编码).")
    reason: str = strawberry.field(description="Why it leaves (退出原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


_ERRORS = "Why it was refused (业务错误); empty on success. Nothing changed then."


@strawberry.type(description="Result of an alliance mutation (联盟操作结果).")
class AlliancePayload:
    alliance: Annotated[Alliance, strawberry.lazy(_PARTNERS)] | None = strawberry.field(
        description="The alliance; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a member-party mutation (成员单位操作结果).")
class AllianceMembershipPayload:
    membership: Annotated[AllianceMembership, strawberry.lazy(_PARTNERS)] | None = strawberry.field(
        description="The membership; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a joint-meeting mutation (联席会议操作结果).")
class AllianceMeetingPayload:
    meeting: AllianceMeeting | None = strawberry.field(description="The meeting; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of an agreement mutation (共建协议操作结果).")
class AgreementPayload:
    agreement: Annotated[CoBuildingAgreement, strawberry.lazy(_PARTNERS)] | None = strawberry.field(
        description="The agreement; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a project mutation (实事项目操作结果).")
class AgreementProjectPayload:
    project: Annotated[AgreementProject, strawberry.lazy(_PARTNERS)] | None = strawberry.field(
        description="The project; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _agreement(row: object) -> AgreementPayload:
    from schema.partners import CoBuildingAgreement

    return AgreementPayload(agreement=CoBuildingAgreement.from_row(row))


def _project(row: object) -> AgreementProjectPayload:
    from schema.partners import AgreementProject

    return AgreementProjectPayload(project=AgreementProject.from_row(row))


def _meeting(row: object) -> AllianceMeetingPayload:
    return AllianceMeetingPayload(meeting=AllianceMeeting.from_row(row))


_NOT_PARTY = "只有联盟成员单位可以办理联盟事务。"
_NOT_CHAIR = "只有区委组织部或当值轮值主席单位可以调整联盟成员。"


def _membership_made(row: object) -> AllianceMembershipPayload:
    from schema.partners import AllianceMembership

    return AllianceMembershipPayload(membership=AllianceMembership.from_row(row))


_COMMUNITY_ONLY = "只有签约社区可以办理该协议。"


@strawberry.type(description="Mutations of alliances and agreements (党建联盟/共建协议).")
class AlliancesMutation:
    @strawberry.mutation(
        description="Schedule the next rotating-chair turns (排定轮值主席) in the parties' "
        "rotation order: a member party (NOT_A_MEMBER otherwise)."
    )
    async def schedule_alliance_chairs(
        self, info: Info,
        input: Annotated[ScheduleAllianceChairsInput, strawberry.argument(description="The schedule.")],
    ) -> AlliancePayload:  # fmt: skip
        from schema.partners import Alliance

        key = input.client_mutation_id
        action = rules.schedule_chairs(
            info.context, alliance_code=input.alliance_code, starts_on=input.starts_on,
            term_months=input.term_months, terms=input.terms,
        )  # fmt: skip
        change = Change(
            name="scheduleAllianceChairs",
            entity="Alliance",
            key=key,
            targets=[input.alliance_code],
            forbidden=_NOT_PARTY,
        )
        return await mutate(
            info,
            change,
            AlliancePayload,
            action,
            lambda row: AlliancePayload(alliance=Alliance.from_row(row)),
        )

    @strawberry.mutation(
        description="Admit a member party (吸收成员单位): the district or the party chairing "
        "today; a current member is refused (DUPLICATE); a party that left rejoins."
    )
    async def add_alliance_party(
        self, info: Info,
        input: Annotated[AddAlliancePartyInput, strawberry.argument(description="The party.")],
    ) -> AllianceMembershipPayload:  # fmt: skip
        key = input.client_mutation_id
        party = rules.PartyRef(kind=input.party_kind, code=input.party_code, name=input.party_name)
        action = rules.add_party(
            info.context, alliance_code=input.alliance_code, party=party,
            rotation_order=input.rotation_order, reason=input.reason, key=key,
        )  # fmt: skip
        change = Change(
            name="addAllianceParty",
            entity="AllianceParty",
            key=key,
            targets=[input.alliance_code, input.party_code],
            forbidden=_NOT_CHAIR,
        )
        return await mutate(info, change, AllianceMembershipPayload, action, _membership_made)

    @strawberry.mutation(
        description="A member party leaves (成员单位退出): the district or the party chairing "
        "today; the row is kept; today's chair must hand over first (INVALID_STATE); its "
        "later turns pass on in rotation order."
    )
    async def remove_alliance_party(
        self, info: Info,
        input: Annotated[RemoveAlliancePartyInput, strawberry.argument(description="The party.")],
    ) -> AllianceMembershipPayload:  # fmt: skip
        key = input.client_mutation_id
        action = rules.remove_party(
            info.context, alliance_code=input.alliance_code, kind=input.party_kind,
            code=input.party_code, reason=input.reason,
        )  # fmt: skip
        change = Change(
            name="removeAllianceParty",
            entity="AllianceParty",
            key=key,
            targets=[input.alliance_code, input.party_code],
            forbidden=_NOT_CHAIR,
        )
        return await mutate(info, change, AllianceMembershipPayload, action, _membership_made)

    @strawberry.mutation(
        description="Convene a joint meeting (召集联席会议): a member party of the alliance; "
        "a party that does not belong to it is refused (NOT_A_MEMBER)."
    )
    async def convoke_alliance_meeting(
        self, info: Info,
        input: Annotated[ConvokeAllianceMeetingInput, strawberry.argument(description="The meeting.")],
    ) -> AllianceMeetingPayload:  # fmt: skip
        key = input.client_mutation_id
        action = rules.convene(info.context, alliance_code=input.alliance_code,
                               held_on=input.held_on, agenda=input.agenda, key=key)  # fmt: skip
        change = Change(
            name="convokeAllianceMeeting", entity="AllianceMeeting", key=key, forbidden=_NOT_PARTY
        )
        return await mutate(info, change, AllianceMeetingPayload, action, _meeting)

    @strawberry.mutation(
        description="Record minutes, decisions and attendance of a convened meeting (会议纪要): "
        "a member party; attendance only of member parties (NOT_A_MEMBER); once."
    )
    async def record_alliance_meeting(
        self, info: Info,
        input: Annotated[RecordAllianceMeetingInput, strawberry.argument(description="The minutes.")],
    ) -> AllianceMeetingPayload:  # fmt: skip
        key = input.client_mutation_id
        meeting_id = node_id_of(input.meeting_id, "AllianceMeeting")
        if meeting_id is None:
            return refused(
                AllianceMeetingPayload, not_found("未找到该联席会议。", "input.meetingId"), key
            )
        attendance = [
            rules.Attendance(
                kind=a.party_kind,
                code=a.party_code,
                present=a.present,
                representative=a.representative,
            )
            for a in input.attendance
        ]
        action = rules.record_minutes(info.context, meeting_id=meeting_id, minutes=input.minutes,
                                      decisions=input.decisions, attendance=attendance)  # fmt: skip
        change = Change(
            name="recordAllianceMeeting",
            entity="AllianceMeeting",
            key=key,
            targets=[str(meeting_id)],
            forbidden=_NOT_PARTY,
        )
        return await mutate(info, change, AllianceMeetingPayload, action, _meeting)

    @strawberry.mutation(
        description="Sign a co-building agreement (签订共建协议): the community, with one or "
        "more parties, for a period; active at once, or a draft until it starts."
    )
    async def sign_agreement(
        self, info: Info,
        input: Annotated[SignAgreementInput, strawberry.argument(description="The agreement.")],
    ) -> AgreementPayload:  # fmt: skip
        key = input.client_mutation_id
        parties = [rules.PartyRef(kind=p.kind, code=p.code, name=p.name) for p in input.parties]
        action = rules.sign_agreement(
            info.context, community_code=input.community_code, title=input.title,
            starts_on=input.starts_on, ends_on=input.ends_on, alliance_code=input.alliance_code,
            parties=parties, key=key,
        )  # fmt: skip
        change = Change(
            name="signAgreement", entity="CoBuildingAgreement", key=key, forbidden=_COMMUNITY_ONLY
        )
        return await mutate(info, change, AgreementPayload, action, _agreement)

    @strawberry.mutation(
        description="Add a concrete project (新增实事项目): the agreement's community; the owner "
        "is a party to the agreement or the community (NOT_A_MEMBER otherwise)."
    )
    async def add_agreement_project(
        self, info: Info,
        input: Annotated[AddAgreementProjectInput, strawberry.argument(description="The project.")],
    ) -> AgreementProjectPayload:  # fmt: skip
        key = input.client_mutation_id
        agreement_id = node_id_of(input.agreement_id, "CoBuildingAgreement")
        if agreement_id is None:
            return refused(
                AgreementProjectPayload, not_found("未找到该共建协议。", "input.agreementId"), key
            )
        action = rules.add_project(
            info.context, agreement_id=agreement_id, name=input.name, owner_kind=input.owner_kind,
            owner_code=input.owner_code, budget_yuan=input.budget_yuan, due_on=input.due_on,
            key=key,
        )  # fmt: skip
        change = Change(
            name="addAgreementProject",
            entity="AgreementProject",
            key=key,
            forbidden=_COMMUNITY_ONLY,
        )
        return await mutate(info, change, AgreementProjectPayload, action, _project)

    @strawberry.mutation(
        description="Start, complete or cancel a project (推进/完成/取消实事项目): the owner "
        "party, the unit that claimed it, or the community starts and completes; only the "
        "community cancels."
    )
    async def move_agreement_project(
        self, info: Info,
        input: Annotated[MoveAgreementProjectInput, strawberry.argument(description="The step.")],
    ) -> AgreementProjectPayload:  # fmt: skip
        key = input.client_mutation_id
        project_id = node_id_of(input.project_id, "AgreementProject")
        if project_id is None:
            return refused(
                AgreementProjectPayload, not_found("未找到该项目。", "input.projectId"), key
            )
        action = rules.move_project(info.context, project_id, input.status, input.note)
        change = Change(
            name="moveAgreementProject",
            entity="AgreementProject",
            key=key,
            targets=[str(project_id)],
            forbidden="只有项目责任方或签约社区可以变更项目。",
        )
        return await mutate(info, change, AgreementProjectPayload, action, _project)

    @strawberry.mutation(
        description="Claim a project (认领项目, 双服务): a unit branch for its unit, a party to "
        "the project's agreement (else NOT_A_MEMBER), of a planned project the community owns "
        "itself (else INVALID_STATE) while the agreement is in force. One claimant: "
        "ALREADY_CLAIMED afterwards. The claimant then starts and completes it "
        "(moveAgreementProject) and the community confirms it (confirmAgreementProject)."
    )
    async def claim_agreement_project(
        self, info: Info,
        input: Annotated[ClaimAgreementProjectInput, strawberry.argument(description="The claim.")],
    ) -> AgreementProjectPayload:  # fmt: skip
        key = input.client_mutation_id
        change = Change(name="claimAgreementProject", entity="AgreementProject", key=key,
                        forbidden="只有签约单位的党组织可以认领项目。")  # fmt: skip
        return await mutate_node(
            info, change, AgreementProjectPayload, input.project_id,
            lambda row_id: rules.claim_project(info.context, row_id, key), _project,
            unknown=not_found("未找到该项目。", "input.projectId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Give up a claim of a project (放弃认领项目) before it is done: the claiming "
        "unit's branch; the project is the community's own again and open to claims."
    )
    async def release_agreement_project(
        self, info: Info,
        input: Annotated[ReleaseAgreementProjectInput, strawberry.argument(description="The claim.")],
    ) -> AgreementProjectPayload:  # fmt: skip
        change = Change(name="releaseAgreementProject", entity="AgreementProject",
                        key=input.client_mutation_id, forbidden="只有认领项目的单位可以放弃认领。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, AgreementProjectPayload, input.project_id,
            lambda row_id: rules.release_project(info.context, row_id, input.reason), _project,
            unknown=not_found("未找到该项目。", "input.projectId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Confirm a claimed project done (验收认领项目): the agreement's community; "
        "the project counts in the unit's contribution from then on."
    )
    async def confirm_agreement_project(
        self, info: Info,
        input: Annotated[ConfirmAgreementProjectInput, strawberry.argument(description="The project.")],
    ) -> AgreementProjectPayload:  # fmt: skip
        change = Change(name="confirmAgreementProject", entity="AgreementProject",
                        key=input.client_mutation_id, forbidden=_COMMUNITY_ONLY,
                        detail={"note": input.note})  # fmt: skip
        return await mutate_node(
            info, change, AgreementProjectPayload, input.project_id,
            lambda row_id: rules.confirm_project(info.context, row_id, input.note), _project,
            unknown=not_found("未找到该项目。", "input.projectId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Renew an agreement to a later end date (续签协议): its community; only "
        "active or expired agreements."
    )
    async def renew_agreement(
        self, info: Info,
        input: Annotated[RenewAgreementInput, strawberry.argument(description="The renewal.")],
    ) -> AgreementPayload:  # fmt: skip
        change = Change(name="renewAgreement", entity="CoBuildingAgreement",
                        key=input.client_mutation_id, forbidden=_COMMUNITY_ONLY)  # fmt: skip
        return await mutate_node(
            info, change, AgreementPayload, input.agreement_id,
            lambda row_id: rules.renew(info.context, row_id, input.ends_on), _agreement,
            unknown=not_found("未找到该共建协议。", "input.agreementId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="End an agreement (终止协议): its community; nothing is deleted."
    )
    async def end_agreement(
        self, info: Info,
        input: Annotated[EndAgreementInput, strawberry.argument(description="The agreement.")],
    ) -> AgreementPayload:  # fmt: skip
        change = Change(name="endAgreement", entity="CoBuildingAgreement",
                        key=input.client_mutation_id, forbidden=_COMMUNITY_ONLY)  # fmt: skip
        return await mutate_node(
            info, change, AgreementPayload, input.agreement_id,
            lambda row_id: rules.end(info.context, row_id, input.reason), _agreement,
            unknown=not_found("未找到该共建协议。", "input.agreementId"),
        )  # fmt: skip
