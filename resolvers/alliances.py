"""Alliances (党建联盟) and co-building agreements (共建协议) as working features.

- Only member parties act for an alliance: a community, a unit branch or a property
  company that is not a party gets `NOT_A_MEMBER`; roles that are never parties
  (members, residents) are out of scope (FORBIDDEN).
- The rotating chair (轮值主席) is scheduled in the parties' rotation order, continuing
  after the last scheduled term.
- Agreements: the community signs, adds projects owned by a party (or itself), renews and
  ends; a project's owner (or the community) moves it planned -> in progress -> done; the
  community cancels. A unit party claims a project the community owns itself (认领项目,
  双服务), carries it to done like an owner, and the community confirms it (验收). Every change is history; nothing is deleted.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community.models import (
    AgreementParty,
    AgreementProject,
    AgreementStatus,
    Alliance,
    AllianceParty,
    ClaimantKind,
    CoBuildingAgreement,
    Community,
    PartyKind,
    ProjectStatus,
    PropertyCompany,
)
from datasources.community.partner_models import (
    AllianceChairTerm,
    AllianceMeeting,
    AllianceMeetingAttendance,
    AllianceMeetingStatus,
    effective_agreement_status,
)
from datasources.community.policy import party_of
from datasources.scope import Role, Viewer
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_id_of,
    manages_community,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

MEETING = "AllianceMeeting"
AGREEMENT = "CoBuildingAgreement"
PROJECT = "AgreementProject"
AGREEMENT_NAMES = {
    AgreementStatus.DRAFT: "草拟",
    AgreementStatus.ACTIVE: "履行中",
    AgreementStatus.EXPIRED: "已到期",
    AgreementStatus.ENDED: "已终止",
}
PROJECT_NAMES = {
    ProjectStatus.PLANNED: "计划中",
    ProjectStatus.IN_PROGRESS: "推进中",
    ProjectStatus.DONE: "已完成",
    ProjectStatus.CANCELLED: "已取消",
}
OPEN_PROJECT = (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS)


def _as_party(ctx: HubContext) -> tuple[PartyKind, str]:
    party = party_of(ctx.viewer)
    if party is None:
        raise PermissionError("only communities, units and companies act for alliances")
    return party


async def _alliance(session: AsyncSession, code: str) -> Alliance:
    found = await session.scalar(select(Alliance).where(Alliance.code == code))
    if found is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该党建联盟。", "input.allianceCode")
    return found


async def _membership(
    session: AsyncSession, alliance_id: int, kind: PartyKind, code: str, field: str
) -> AllianceParty:
    found = await session.scalar(
        select(AllianceParty).where(
            AllianceParty.alliance_id == alliance_id,
            AllianceParty.party_kind == kind,
            AllianceParty.party_code == code,
            AllianceParty.left_on.is_(None),
        )
    )
    if found is None:
        raise Refusal(RefusalCode.NOT_A_MEMBER, f"{code}不是该联盟的成员单位。", field)
    return found


async def _active_parties(session: AsyncSession, alliance_id: int) -> list[AllianceParty]:
    """The parties that have not left, in rotation order."""
    return list(
        await session.scalars(
            select(AllianceParty)
            .where(AllianceParty.alliance_id == alliance_id, AllianceParty.left_on.is_(None))
            .order_by(AllianceParty.rotation_order, AllianceParty.id)
        )
    )


async def _following(
    session: AsyncSession, active: list[AllianceParty], membership_id: int | None
) -> int:
    """Index in `active` of the party whose turn follows `membership_id` (which may have
    left): the next one in rotation order, wrapping round; the first if none."""
    if membership_id is None:
        return 0
    before = await session.get(AllianceParty, membership_id)
    if before is None:
        return 0
    key = (before.rotation_order, before.id)
    return next((i for i, p in enumerate(active) if (p.rotation_order, p.id) > key), 0)


# --- rotating chair ----------------------------------------------------------------------


async def schedule_chairs(
    ctx: HubContext, *, alliance_code: str, starts_on: date, term_months: int, terms: int
) -> Alliance:
    """Schedule the next `terms` chair turns (排定轮值主席): a member party."""
    kind, code = _as_party(ctx)
    if not 1 <= term_months <= 24 or not 1 <= terms <= 24:
        raise Refusal(RefusalCode.INVALID_INPUT, "任期月数和任期数须在1至24之间。", "input.terms")
    async with ctx.sources.community.transaction() as session:
        alliance = await _alliance(session, alliance_code)
        await write_lock(session, Alliance, alliance.id)
        await session.get(Alliance, alliance.id, with_for_update=True)
        await _membership(session, alliance.id, kind, code, "input.allianceCode")
        parties = await _active_parties(session, alliance.id)
        last = await session.scalar(
            select(AllianceChairTerm)
            .where(AllianceChairTerm.alliance_id == alliance.id)
            .order_by(AllianceChairTerm.starts_on.desc())
            .limit(1)
        )
        if last is not None and starts_on <= last.ends_on:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"已排定至{last.ends_on.isoformat()}，新任期须在此之后开始。",
                "input.startsOn",
            )
        ids = [p.id for p in parties]
        turn = await _following(session, parties, last.membership_id if last else None)
        begin = starts_on
        for _ in range(terms):
            end = _add_months(begin, term_months) - timedelta(days=1)
            term = AllianceChairTerm(
                alliance_id=alliance.id, membership_id=ids[turn], starts_on=begin, ends_on=end
            )
            session.add(term)
            await session.flush()
            record(session, ctx.viewer, "AllianceChairTerm", term.id, None, "scheduled")
            begin, turn = end + timedelta(days=1), (turn + 1) % len(ids)
    return alliance


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return (
        date(day.year + month // 12, month % 12 + 1, 1)
        if day.day == 1
        else date(day.year + month // 12, month % 12 + 1, min(day.day, 28))
    )


# --- member parties --------------------------------------------------------------------------

PARTY = "AllianceParty"


async def _current_term(session: AsyncSession, alliance_id: int) -> AllianceChairTerm | None:
    today = today_in_china()
    found: AllianceChairTerm | None = await session.scalar(
        select(AllianceChairTerm).where(
            AllianceChairTerm.alliance_id == alliance_id,
            AllianceChairTerm.starts_on <= today,
            AllianceChairTerm.ends_on >= today,
        )
    )
    return found


async def _require_party_manager(ctx: HubContext, session: AsyncSession, alliance: Any) -> None:
    """The district, or the party chairing the alliance today (当值轮值主席单位). The model
    records no founding community, so the chair acts for the alliance."""
    viewer = ctx.viewer
    if viewer.role is Role.DISTRICT:
        return
    party = party_of(viewer)
    term = await _current_term(session, alliance.id)
    chair = await session.get(AllianceParty, term.membership_id) if term is not None else None
    if (
        party is None
        or chair is None
        or chair.left_on is not None
        or (chair.party_kind, chair.party_code) != party
    ):
        raise PermissionError("only the district or the current chair manages member parties")


async def _check_party_exists(ctx: HubContext, session: AsyncSession, party: PartyRef) -> None:
    if party.kind is PartyKind.UNIT:
        if await ctx.units.work_unit_by_code.load(party.code) is None:
            raise Refusal(RefusalCode.NOT_FOUND, f"未找到单位：{party.code}。", "input.partyCode")
        return
    if party.kind is PartyKind.ORGANISATION:
        if not (party.name or "").strip():
            raise Refusal(RefusalCode.INVALID_INPUT, "其他组织须填写名称。", "input.partyName")
        return
    model: Any = Community if party.kind is PartyKind.COMMUNITY else PropertyCompany
    if await session.scalar(select(model.id).where(model.code == party.code)) is None:
        raise Refusal(RefusalCode.NOT_FOUND, f"未找到成员单位：{party.code}。", "input.partyCode")


async def add_party(
    ctx: HubContext, *, alliance_code: str, party: PartyRef, rotation_order: int | None,
    reason: str, key: str | None,
) -> AllianceParty:  # fmt: skip
    """Admit a member party (吸收成员单位): the district or the current chair. A party that
    left before rejoins on its own row (history keeps both steps); one that is a member is
    refused (DUPLICATE). Without a rotation order it takes the last turn."""
    if not reason.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写加入事由。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        alliance = await _alliance(session, alliance_code)
        await _require_party_manager(ctx, session, alliance)
        await write_lock(session, Alliance, alliance.id)
        await session.get(Alliance, alliance.id, with_for_update=True)
        earlier = await replayed(ctx, session, AllianceParty, "addAllianceParty", key)
        if earlier is not None:
            return earlier
        await _check_party_exists(ctx, session, party)
        row = await session.scalar(
            select(AllianceParty).where(
                AllianceParty.alliance_id == alliance.id,
                AllianceParty.party_kind == party.kind,
                AllianceParty.party_code == party.code,
            )
        )
        if row is not None and row.left_on is None:
            raise Refusal(
                RefusalCode.DUPLICATE, f"{party.code}已是该联盟的成员单位。", "input.partyCode"
            )
        if rotation_order is None:
            highest = await session.scalar(
                select(func.max(AllianceParty.rotation_order)).where(
                    AllianceParty.alliance_id == alliance.id, AllianceParty.left_on.is_(None)
                )
            )
            rotation_order = (highest or 0) + 1
        elif rotation_order < 1:
            raise Refusal(RefusalCode.INVALID_INPUT, "轮值顺序须为正整数。", "input.rotationOrder")
        today = today_in_china()
        before = None if row is None else "left"
        if row is None:
            row = AllianceParty(
                alliance_id=alliance.id, party_kind=party.kind, party_code=party.code,
                party_name=party.name if party.kind is PartyKind.ORGANISATION else None,
                rotation_order=rotation_order, joined_on=today,
            )  # fmt: skip
            session.add(row)
        else:  # rejoining: the same membership becomes active again
            row.left_on, row.left_reason = None, None
            row.joined_on, row.rotation_order = today, rotation_order
        await session.flush()
        record(session, ctx.viewer, PARTY, row.id, before, "active", reason.strip())
        remember(session, ctx.viewer, "addAllianceParty", key, row.id)
    return row


async def remove_party(
    ctx: HubContext, *, alliance_code: str, kind: PartyKind, code: str, reason: str
) -> AllianceParty:
    """A member party leaves (成员单位退出): the district or the current chair. The row is
    kept with its leaving date and reason. The party chairing today cannot leave before
    handing over (INVALID_STATE); its turns not yet started pass on in rotation order."""
    if not reason.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写退出原因。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        alliance = await _alliance(session, alliance_code)
        await _require_party_manager(ctx, session, alliance)
        await write_lock(session, Alliance, alliance.id)
        await session.get(Alliance, alliance.id, with_for_update=True)
        row = await session.scalar(
            select(AllianceParty).where(
                AllianceParty.alliance_id == alliance.id,
                AllianceParty.party_kind == kind,
                AllianceParty.party_code == code,
            )
        )
        if row is None:
            raise Refusal(
                RefusalCode.NOT_A_MEMBER, f"{code}不是该联盟的成员单位。", "input.partyCode"
            )
        if row.left_on is not None:
            raise Refusal(RefusalCode.INVALID_STATE, f"{code}当前为「已退出」，不能再次退出。",
                          "input.partyCode")  # fmt: skip
        term = await _current_term(session, alliance.id)
        if term is not None and term.membership_id == row.id:
            raise Refusal(
                RefusalCode.INVALID_STATE,
                f"{code}当前为「当值轮值主席」，须在任期届满交接后再退出。",
                "input.partyCode",
            )
        row.left_on, row.left_reason = today_in_china(), reason.strip()
        await session.flush()
        record(session, ctx.viewer, PARTY, row.id, "active", "left", reason.strip())
        await _pass_on_turns(ctx, session, alliance.id, row)
    return row


async def _pass_on_turns(
    ctx: HubContext, session: AsyncSession, alliance_id: int, leaving: AllianceParty
) -> None:
    """Turns not yet started pass on so the rotation skips parties that left."""
    today = today_in_china()
    future = list(
        await session.scalars(
            select(AllianceChairTerm)
            .where(
                AllianceChairTerm.alliance_id == alliance_id, AllianceChairTerm.starts_on > today
            )
            .order_by(AllianceChairTerm.starts_on)
        )
    )
    if not any(term.membership_id == leaving.id for term in future):
        return
    active = await _active_parties(session, alliance_id)
    previous = await session.scalar(
        select(AllianceChairTerm.membership_id)
        .where(AllianceChairTerm.alliance_id == alliance_id, AllianceChairTerm.starts_on <= today)
        .order_by(AllianceChairTerm.starts_on.desc())
        .limit(1)
    )
    turn = await _following(session, active, previous) if active else 0
    for term in future:
        if not active:
            break
        chosen = active[turn]
        if term.membership_id != chosen.id:
            term.membership_id = chosen.id
            record(session, ctx.viewer, "AllianceChairTerm", term.id, "scheduled", "scheduled",
                   f"{leaving.party_code}退出，改由{chosen.party_code}轮值")  # fmt: skip
        turn = (turn + 1) % len(active)


# --- joint meetings ------------------------------------------------------------------------


async def convene(
    ctx: HubContext, *, alliance_code: str, held_on: date, agenda: str, key: str | None
) -> AllianceMeeting:
    """Convene a joint meeting (召集联席会议): a member party of the alliance."""
    kind, code = _as_party(ctx)
    if not agenda.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写会议议题。", "input.agenda")
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, AllianceMeeting, "convokeAllianceMeeting", key)
        if earlier is not None:
            return earlier
        alliance = await _alliance(session, alliance_code)
        # Not removed from the alliance meanwhile (`remove_party` takes the same lock).
        await write_lock(session, Alliance, alliance.id)
        await session.get(Alliance, alliance.id, with_for_update=True)
        member = await _membership(session, alliance.id, kind, code, "input.allianceCode")
        meeting = AllianceMeeting(
            alliance_id=alliance.id, convened_by_id=member.id, held_on=held_on,
            agenda=agenda.strip(), status=AllianceMeetingStatus.SCHEDULED,
        )  # fmt: skip
        session.add(meeting)
        await session.flush()
        record(session, ctx.viewer, MEETING, meeting.id, None, "scheduled")
        remember(session, ctx.viewer, "convokeAllianceMeeting", key, meeting.id)
    return meeting


@dataclass(frozen=True)
class Attendance:
    kind: PartyKind
    code: str
    present: bool
    representative: str | None


async def record_minutes(
    ctx: HubContext, *, meeting_id: int, minutes: str, decisions: str | None,
    attendance: list[Attendance],
) -> AllianceMeeting:  # fmt: skip
    """Record the minutes, decisions and attendance of a held meeting (会议纪要): a member
    party of the alliance."""
    kind, code = _as_party(ctx)
    if not minutes.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写会议纪要。", "input.minutes")
    async with ctx.sources.community.transaction() as session:
        meeting = await session.get(AllianceMeeting, meeting_id, with_for_update=True)
        if meeting is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该联席会议。", "input.meetingId")
        await _membership(session, meeting.alliance_id, kind, code, "input.meetingId")
        if meeting.status is not AllianceMeetingStatus.SCHEDULED:
            raise Refusal(
                RefusalCode.INVALID_STATE, "该会议当前为「已召开」，纪要已记录。", "input.meetingId"
            )
        for index, entry in enumerate(attendance):
            party = await _membership(session, meeting.alliance_id, entry.kind, entry.code,
                                      f"input.attendance.{index}")  # fmt: skip
            if party.id == meeting.convened_by_id and not entry.present:
                # The party that convened the meeting chairs it (召集方主持会议).
                raise Refusal(RefusalCode.INVALID_INPUT, "会议召集方主持会议，不能记为缺席。",
                              f"input.attendance.{index}.present")  # fmt: skip
            session.add(
                AllianceMeetingAttendance(
                    meeting_id=meeting.id, membership_id=party.id, present=entry.present,
                    representative=entry.representative,
                )
            )  # fmt: skip
        meeting.minutes = minutes.strip()
        meeting.decisions = decisions
        meeting.status = AllianceMeetingStatus.HELD
        record(session, ctx.viewer, MEETING, meeting.id, "scheduled", "held")
    return meeting


# --- agreements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyRef:
    kind: PartyKind
    code: str
    name: str | None


async def sign_agreement(
    ctx: HubContext, *, community_code: str, title: str, starts_on: date, ends_on: date,
    alliance_code: str | None, parties: list[PartyRef], key: str | None,
) -> CoBuildingAgreement:  # fmt: skip
    """Sign a co-building agreement (签订共建协议): the community, with one or more parties."""
    viewer = ctx.viewer
    if viewer.role is not Role.COMMUNITY or viewer.community != community_code:
        raise PermissionError("only the community signs its agreements")
    if not title.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写协议名称。", "input.title")
    if ends_on < starts_on:
        raise Refusal(RefusalCode.INVALID_INPUT, "协议结束日期不能早于开始日期。", "input.endsOn")
    if not parties:
        raise Refusal(RefusalCode.INVALID_INPUT, "请至少填写一个共建单位。", "input.parties")
    for index, party in enumerate(parties):
        if party.kind is PartyKind.UNIT:
            if await ctx.units.work_unit_by_code.load(party.code) is None:
                raise Refusal(
                    RefusalCode.NOT_FOUND, f"未找到单位：{party.code}。", f"input.parties.{index}"
                )
        elif party.kind is PartyKind.ORGANISATION and not (party.name or "").strip():
            raise Refusal(
                RefusalCode.INVALID_INPUT, "其他组织须填写名称。", f"input.parties.{index}"
            )
    if len({(p.kind, p.code) for p in parties}) != len(parties):
        raise Refusal(RefusalCode.INVALID_INPUT, "共建单位重复。", "input.parties")
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, CoBuildingAgreement, "signAgreement", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        for index, party in enumerate(parties):
            model: Any = {
                PartyKind.COMMUNITY: Community,
                PartyKind.PROPERTY_COMPANY: PropertyCompany,
            }.get(party.kind)
            if (
                model is not None
                and await session.scalar(select(model.id).where(model.code == party.code)) is None
            ):
                raise Refusal(
                    RefusalCode.NOT_FOUND,
                    f"未找到共建单位：{party.code}。",
                    f"input.parties.{index}",
                )
        alliance_id = None
        if alliance_code is not None:
            alliance_id = (await _alliance(session, alliance_code)).id
        today = today_in_china()
        status = AgreementStatus.DRAFT if starts_on > today else AgreementStatus.ACTIVE
        if ends_on < today:
            raise Refusal(RefusalCode.INVALID_INPUT, "协议期限已过。", "input.endsOn")
        agreement = CoBuildingAgreement(
            # A placeholder unique to this transaction until the id names the agreement (a
            # subject and key could be another caller's too: see docs/access.md, "Identity").
            code=f"new-{secrets.token_hex(12)}", title=title.strip(),
            community_id=community_id, alliance_id=alliance_id, signed_on=today,
            starts_on=starts_on, ends_on=ends_on, status=status,
        )  # fmt: skip
        session.add(agreement)
        await session.flush()
        agreement.code = f"AGX{agreement.id:06d}"
        for party in parties:
            session.add(
                AgreementParty(
                    agreement_id=agreement.id, party_kind=party.kind, party_code=party.code,
                    party_name=party.name if party.kind is PartyKind.ORGANISATION else None,
                )
            )  # fmt: skip
        record(session, viewer, AGREEMENT, agreement.id, None, status.value)
        remember(session, viewer, "signAgreement", key, agreement.id)
    return agreement


async def _managed_agreement(
    ctx: HubContext, session: AsyncSession, agreement_id: int
) -> CoBuildingAgreement:
    agreement = await session.get(CoBuildingAgreement, agreement_id, with_for_update=True)
    if agreement is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该共建协议。", "input.agreementId")
    code = await session.scalar(
        select(Community.code).where(Community.id == agreement.community_id)
    )
    if ctx.viewer.role is not Role.COMMUNITY or not manages_community(ctx.viewer, code):
        raise PermissionError("only the agreement's community manages it")
    return agreement


def status_of(agreement: CoBuildingAgreement) -> AgreementStatus:
    """The agreement's state as of today, China time: past its end it reads EXPIRED."""
    return effective_agreement_status(
        agreement.status, agreement.starts_on, agreement.ends_on, today_in_china()
    )


def _agreement_state(agreement: CoBuildingAgreement, allowed: str) -> Refusal:
    name = AGREEMENT_NAMES[status_of(agreement)]
    return Refusal(
        RefusalCode.INVALID_STATE, f"该协议当前为「{name}」，{allowed}", "input.agreementId"
    )


async def add_project(
    ctx: HubContext, *, agreement_id: int, name: str, owner_kind: PartyKind, owner_code: str,
    budget_yuan: Decimal, due_on: date, key: str | None,
) -> AgreementProject:  # fmt: skip
    """Add a concrete project (实事项目) to an agreement: its community. The owner is one of
    the agreement's parties or the community itself."""
    if not name.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写项目名称。", "input.name")
    if budget_yuan < 0:
        raise Refusal(RefusalCode.INVALID_INPUT, "预算不能为负数。", "input.budgetYuan")
    async with ctx.sources.community.transaction() as session:
        agreement = await _managed_agreement(ctx, session, agreement_id)
        earlier = await replayed(ctx, session, AgreementProject, "addAgreementProject", key)
        if earlier is not None:
            return earlier
        if status_of(agreement) not in (AgreementStatus.DRAFT, AgreementStatus.ACTIVE):
            raise _agreement_state(agreement, "不能再增加项目。")
        if not agreement.starts_on <= due_on <= agreement.ends_on:
            raise Refusal(RefusalCode.INVALID_INPUT, "完成时限须在协议期限内。", "input.dueOn")
        own = owner_kind is PartyKind.COMMUNITY and owner_code == ctx.viewer.community
        party = await session.scalar(
            select(AgreementParty.id).where(
                AgreementParty.agreement_id == agreement.id,
                AgreementParty.party_kind == owner_kind,
                AgreementParty.party_code == owner_code,
            )
        )
        if not own and party is None:
            raise Refusal(
                RefusalCode.NOT_A_MEMBER, f"{owner_code}不是该协议的签约方。", "input.ownerCode"
            )
        project = AgreementProject(
            agreement_id=agreement.id, name=name.strip(), owner_kind=owner_kind,
            owner_code=owner_code, budget_yuan=budget_yuan, due_on=due_on,
            status=ProjectStatus.PLANNED,
        )  # fmt: skip
        session.add(project)
        await session.flush()
        record(session, ctx.viewer, PROJECT, project.id, None, ProjectStatus.PLANNED.value)
        remember(session, ctx.viewer, "addAgreementProject", key, project.id)
    return project


_NEXT = {
    ProjectStatus.IN_PROGRESS: (ProjectStatus.PLANNED,),
    ProjectStatus.DONE: (ProjectStatus.IN_PROGRESS,),
    ProjectStatus.CANCELLED: (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS),
}


async def move_project(
    ctx: HubContext, project_id: int, to: ProjectStatus, note: str | None
) -> AgreementProject:
    """Start, complete or cancel a project (推进/完成/取消): the owner party or the
    agreement's community starts and completes; only the community cancels."""
    viewer = ctx.viewer
    if to not in _NEXT:
        raise Refusal(RefusalCode.INVALID_INPUT, "项目只能推进、完成或取消。", "input.status")
    async with ctx.sources.community.transaction() as session:
        project = await session.get(AgreementProject, project_id, with_for_update=True)
        if project is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该项目。", "input.projectId")
        agreement = await session.get(CoBuildingAgreement, project.agreement_id)
        assert agreement is not None
        community = await session.scalar(
            select(Community.code).where(Community.id == agreement.community_id)
        )
        is_community = viewer.role is Role.COMMUNITY and viewer.community == community
        is_owner = party_of(viewer) == (project.owner_kind, project.owner_code)
        is_owner = is_owner or is_claimant(viewer, project)
        if not is_community and not (is_owner and to is not ProjectStatus.CANCELLED):
            raise PermissionError("only the owner or the community moves a project")
        # Owed work can still be done after the period ended (overdue projects stay owed).
        if status_of(agreement) not in (AgreementStatus.ACTIVE, AgreementStatus.EXPIRED):
            raise _agreement_state(agreement, "其项目不能变更。")
        if project.status not in _NEXT[to]:
            name = PROJECT_NAMES[project.status]
            raise Refusal(RefusalCode.INVALID_STATE, f"该项目当前为「{name}」，不能改为「{PROJECT_NAMES[to]}」。",
                          "input.projectId")  # fmt: skip
        before = project.status
        project.status = to
        record(session, viewer, PROJECT, project.id, before.value, to.value, note)
    return project


# --- projects claimed by a unit (认领项目, 双服务) --------------------------------------


def is_claimant(viewer: Viewer, project: AgreementProject) -> bool:
    return (
        viewer.role is Role.UNIT_BRANCH
        and viewer.unit is not None
        and project.claimant_kind is ClaimantKind.UNIT
        and project.claimant_code == viewer.unit
    )


def _unit(ctx: HubContext) -> str:
    if ctx.viewer.role is not Role.UNIT_BRANCH or not ctx.viewer.unit:
        raise PermissionError("only a unit's Party organisation claims projects for its unit")
    return ctx.viewer.unit


async def _locked_project(
    session: AsyncSession, project_id: int
) -> tuple[AgreementProject, CoBuildingAgreement]:
    await write_lock(session, AgreementProject, project_id)
    project = await session.get(AgreementProject, project_id, with_for_update=True)
    if project is None:
        raise Refusal(RefusalCode.NOT_FOUND, "未找到该项目。", "input.projectId")
    agreement = await session.get(CoBuildingAgreement, project.agreement_id)
    assert agreement is not None  # a foreign key
    return project, agreement


async def claim_project(ctx: HubContext, project_id: int, key: str | None) -> AgreementProject:
    """Claim a project (认领项目): a unit's Party organisation for its unit, a party to the
    project's agreement (签约方), of a project the community owns itself, planned and not
    claimed, while the agreement is in force. One claimant."""
    viewer = ctx.viewer
    unit = _unit(ctx)
    async with ctx.sources.community.transaction() as session:
        project, agreement = await _locked_project(session, project_id)
        earlier = await replayed(ctx, session, AgreementProject, "claimAgreementProject", key)
        if earlier is not None:
            return earlier
        party = await session.scalar(
            select(AgreementParty.id).where(
                AgreementParty.agreement_id == agreement.id,
                AgreementParty.party_kind == PartyKind.UNIT,
                AgreementParty.party_code == unit,
            )
        )
        if party is None:
            raise Refusal(RefusalCode.NOT_A_MEMBER, "本单位不是该共建协议的签约方，不能认领其项目。",
                          "input.projectId")  # fmt: skip
        if project.claimant_code is not None:
            who = "本单位" if is_claimant(viewer, project) else ""
            raise Refusal(RefusalCode.ALREADY_CLAIMED, f"该项目已被{who}认领。", "input.projectId")
        if project.owner_kind is not PartyKind.COMMUNITY:
            raise Refusal(RefusalCode.INVALID_STATE, "该项目已有签约方负责，不能认领。",
                          "input.projectId")  # fmt: skip
        if status_of(agreement) is not AgreementStatus.ACTIVE:
            raise _agreement_state(agreement, "其项目不能认领。")
        if project.status is not ProjectStatus.PLANNED:
            name = PROJECT_NAMES[project.status]
            raise Refusal(RefusalCode.INVALID_STATE, f"该项目当前为「{name}」，只有计划中的项目可以认领。",
                          "input.projectId")  # fmt: skip
        project.claimant_kind, project.claimant_code = ClaimantKind.UNIT, unit
        project.claimed_at = utcnow()
        state = project.status.value
        record(session, viewer, PROJECT, project.id, state, state, f"单位认领：{unit}")
        remember(session, viewer, "claimAgreementProject", key, project.id)
    return project


async def release_project(ctx: HubContext, project_id: int, reason: str | None) -> AgreementProject:
    """Give up a claim before the project is done (放弃认领): the claiming unit; the project
    keeps its state and is the community's own again, open to claims."""
    async with ctx.sources.community.transaction() as session:
        project, _agreement = await _locked_project(session, project_id)
        if not is_claimant(ctx.viewer, project):
            raise PermissionError("the project is not claimed by the viewer's unit")
        if project.status not in OPEN_PROJECT:
            name = PROJECT_NAMES[project.status]
            raise Refusal(RefusalCode.INVALID_STATE, f"该项目当前为「{name}」，不能放弃认领。",
                          "input.projectId")  # fmt: skip
        project.claimant_kind = project.claimant_code = project.claimed_at = None
        state = project.status.value
        note = f"放弃认领：{reason}" if reason else "放弃认领"
        record(session, ctx.viewer, PROJECT, project.id, state, state, note)
    return project


async def confirm_project(ctx: HubContext, project_id: int, note: str | None) -> AgreementProject:
    """Confirm a claimed project done (验收): the agreement's community; only confirmed
    projects count in the unit's contribution."""
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        project, agreement = await _locked_project(session, project_id)
        community = await session.scalar(
            select(Community.code).where(Community.id == agreement.community_id)
        )
        if not (viewer.role is Role.COMMUNITY and viewer.community == community):
            raise PermissionError("only the agreement's community confirms its projects")
        if project.claimant_code is None:
            raise Refusal(RefusalCode.INVALID_STATE, "该项目未被单位认领，无需确认。",
                          "input.projectId")  # fmt: skip
        if project.confirmed_at is not None:
            raise Refusal(RefusalCode.INVALID_STATE, "该项目已确认，不能重复确认。",
                          "input.projectId")  # fmt: skip
        if project.status is not ProjectStatus.DONE:
            name = PROJECT_NAMES[project.status]
            raise Refusal(RefusalCode.INVALID_STATE, f"该项目当前为「{name}」，只有已完成的项目可以确认。",
                          "input.projectId")  # fmt: skip
        project.confirmed_at = utcnow()
        record(session, viewer, PROJECT, project.id, "done", "done", note or "社区确认完成")
    return project


async def renew(ctx: HubContext, agreement_id: int, ends_on: date) -> CoBuildingAgreement:
    """Renew an agreement to a later end date (续签): its community."""
    async with ctx.sources.community.transaction() as session:
        agreement = await _managed_agreement(ctx, session, agreement_id)
        before = status_of(agreement)
        if before not in (AgreementStatus.ACTIVE, AgreementStatus.EXPIRED):
            raise _agreement_state(agreement, "只有履行中或已到期的协议可以续签。")
        if ends_on <= agreement.ends_on or ends_on < today_in_china():
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                "续签后的结束日期须晚于原结束日期和今天。",
                "input.endsOn",
            )
        agreement.ends_on = ends_on
        agreement.status = AgreementStatus.ACTIVE
        record(session, ctx.viewer, AGREEMENT, agreement.id, before.value, "active",
               f"续签至{ends_on.isoformat()}")  # fmt: skip
    return agreement


async def end(ctx: HubContext, agreement_id: int, reason: str | None) -> CoBuildingAgreement:
    """End an agreement (终止协议): its community. Open projects stay as they are."""
    async with ctx.sources.community.transaction() as session:
        agreement = await _managed_agreement(ctx, session, agreement_id)
        before = status_of(agreement)
        if before is AgreementStatus.ENDED:
            raise _agreement_state(agreement, "不能再次终止。")
        agreement.status = AgreementStatus.ENDED
        record(session, ctx.viewer, AGREEMENT, agreement.id, before.value, "ended", reason)
    return agreement


async def contributions(
    session: AsyncSession, kind: PartyKind, code: str
) -> tuple[int, int, int, Decimal, Decimal]:
    """A party's record through agreements: projects done, open, overdue; budget done, owed."""
    today = today_in_china()
    row = (
        await session.execute(
            select(
                func.count().filter(AgreementProject.status == ProjectStatus.DONE),
                func.count().filter(AgreementProject.status.in_(OPEN_PROJECT)),
                func.count().filter(
                    AgreementProject.status.in_(OPEN_PROJECT), AgreementProject.due_on < today
                ),
                func.coalesce(
                    func.sum(AgreementProject.budget_yuan).filter(
                        AgreementProject.status == ProjectStatus.DONE
                    ),
                    0,
                ),
                func.coalesce(
                    func.sum(AgreementProject.budget_yuan).filter(
                        AgreementProject.status.in_(OPEN_PROJECT)
                    ),
                    0,
                ),
            ).where(AgreementProject.owner_kind == kind, AgreementProject.owner_code == code)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), Decimal(str(row[3])), Decimal(str(row[4]))
