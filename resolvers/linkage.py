"""Linkage meetings (联动会议) with the parties a compound has, and the compound's
committees (业委会 / 自管委) and kind (小区类型).

- A compound's kind decides the forms it meets in and who sits at the table
  (`datasources.community.linkage_forms`). Each attendee refers to the party itself:
  the compound's community, its grid, its committee in office on the day, the company
  serving it that day, the unit that built it, a building group covering it.
- Recording a meeting with a party the form does not have, a party the compound does not
  have (no committee in office, no company serving, another compound's committee ...), or
  an empty seat is a user error; so is an action item owned by a party not at the table.
- Committees are records with a name, members, a contact and a term; terms of a kind do
  not overlap. A 业委会 belongs to compounds with property service or unit-built ones, a
  自管委 to a 三无小区.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community.group_models import (
    BuildingGroup,
    BuildingGroupBuilding,
    GroupStatus,
)
from datasources.community.linkage_forms import (
    FORM_NAMES,
    FORMS_OF_KIND,
    KIND_NAMES,
    PARTY_NAMES,
    empty_seat,
    seat_names,
    stranger,
)
from datasources.community.models import Building, Compound, CompoundKind, PropertyCompany
from datasources.community.partner_models import (
    ActionItemStatus,
    CommitteeKind,
    CompoundCommittee,
    ContractStatus,
    LinkageActionItem,
    LinkageForm,
    LinkageMeeting,
    LinkageMeetingParty,
    LinkageParty,
    PropertyContract,
)
from resolvers.context import HubContext
from resolvers.property import ACTION_ITEM, MEETING, _compound, _require_manager
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    record,
    remember,
    replayed,
    today_in_china,
    write_lock,
)

COMMITTEE = "CompoundCommittee"
COMPOUND = "Compound"
COMMITTEE_NAMES = {CommitteeKind.OWNERS: "业委会", CommitteeKind.SELF_MANAGEMENT: "自管委"}
COMMITTEE_OF_PARTY = {
    LinkageParty.OWNERS_COMMITTEE: CommitteeKind.OWNERS,
    LinkageParty.SELF_MANAGEMENT_COMMITTEE: CommitteeKind.SELF_MANAGEMENT,
}
# The kinds of compound a committee of a kind belongs to.
KINDS_OF_COMMITTEE = {
    CommitteeKind.OWNERS: (CompoundKind.COMMERCIAL, CompoundKind.UNIT_BUILT),
    CommitteeKind.SELF_MANAGEMENT: (CompoundKind.THREE_NO,),
}


@dataclass(frozen=True)
class AttendeeDraft:
    party: LinkageParty
    name: str
    committee_id: int | None = None
    building_group_id: int | None = None
    company_code: str | None = None
    unit_code: str | None = None


@dataclass(frozen=True)
class ActionItemDraft:
    description: str
    owner_party: LinkageParty
    owner_name: str
    due_on: date


# --- what the compound has -------------------------------------------------------------------


def _in_office(on: date) -> Any:
    return (
        or_(CompoundCommittee.term_starts_on.is_(None), CompoundCommittee.term_starts_on <= on),
        or_(CompoundCommittee.term_ends_on.is_(None), CompoundCommittee.term_ends_on >= on),
    )


async def committee_in_office(
    session: AsyncSession, compound_id: int, kind: CommitteeKind, on: date
) -> CompoundCommittee | None:
    """The compound's committee of a kind in office on a day (newest term first)."""
    found: CompoundCommittee | None = await session.scalar(
        select(CompoundCommittee)
        .where(
            CompoundCommittee.compound_id == compound_id,
            CompoundCommittee.kind == kind,
            *_in_office(on),
        )
        .order_by(CompoundCommittee.term_starts_on.desc(), CompoundCommittee.id.desc())
        .limit(1)
    )
    return found


async def company_serving(session: AsyncSession, compound_id: int, on: date) -> int | None:
    """The company whose contract covered the compound on a day (started, not yet ended)."""
    found: int | None = await session.scalar(
        select(PropertyContract.company_id)
        .where(
            PropertyContract.compound_id == compound_id,
            PropertyContract.starts_on <= on,
            or_(
                PropertyContract.status == ContractStatus.ACTIVE,
                PropertyContract.ended_on >= on,
            ),
        )
        .order_by(PropertyContract.starts_on.desc(), PropertyContract.id.desc())
        .limit(1)
    )
    return found


async def groups_covering(session: AsyncSession, compound: Any) -> list[int]:
    """Active building groups (党小组) of the compound's community covering its buildings."""
    rows = await session.scalars(
        select(BuildingGroup.id)
        .join(BuildingGroupBuilding, BuildingGroupBuilding.group_id == BuildingGroup.id)
        .join(Building, Building.id == BuildingGroupBuilding.building_id)
        .where(
            Building.compound_id == compound.id,
            BuildingGroup.community_id == compound.community_id,
            BuildingGroup.status == GroupStatus.ACTIVE,
        )
        .distinct()
        .order_by(BuildingGroup.id)
    )
    return list(rows)


def _missing(party: LinkageParty, why: str, index: int) -> Refusal:
    return Refusal(
        RefusalCode.INVALID_INPUT,
        f"该小区没有{PARTY_NAMES[party]}：{why}。",
        f"input.attendees.{index}",
    )


async def _resolve(
    session: AsyncSession, compound: Any, held_on: date, index: int, draft: AttendeeDraft
) -> LinkageMeetingParty:
    """The attendee's row, referring to the party the compound has; refused if it has none
    or the reference given is not the compound's."""
    party = draft.party
    row = LinkageMeetingParty(party=party, name=draft.name.strip())
    wrong = Refusal(
        RefusalCode.INVALID_INPUT,
        f"所填{PARTY_NAMES[party]}不是本小区的{PARTY_NAMES[party]}。",
        f"input.attendees.{index}",
    )
    if party is LinkageParty.COMMUNITY:
        row.community_id = compound.community_id
    elif party is LinkageParty.GRID_BRANCH:
        if compound.grid_id is None:
            raise _missing(party, "小区未划入网格", index)
        row.grid_id = compound.grid_id
    elif party is LinkageParty.COMPOUND_BRANCH:
        if not compound.party_branch_name:
            raise _missing(party, "尚未成立小区党支部", index)
    elif party in COMMITTEE_OF_PARTY:
        committee = await committee_in_office(
            session, compound.id, COMMITTEE_OF_PARTY[party], held_on
        )
        if committee is None:
            raise _missing(party, "会议当日没有在任的委员会记录，请先登记", index)
        if draft.committee_id is not None and draft.committee_id != committee.id:
            raise wrong
        row.committee_id = committee.id
    elif party is LinkageParty.PROPERTY_COMPANY:
        company_id = await company_serving(session, compound.id, held_on)
        if company_id is None:
            raise _missing(party, "会议当日无物业服务", index)
        if draft.company_code is not None:
            code = await session.scalar(
                select(PropertyCompany.code).where(PropertyCompany.id == company_id)
            )
            if code != draft.company_code:
                raise wrong
        row.company_id = company_id
    elif party is LinkageParty.SELF_BUILT_UNIT:
        if not compound.self_built_unit_code:
            raise _missing(party, "未登记自建单位", index)
        if draft.unit_code is not None and draft.unit_code != compound.self_built_unit_code:
            raise wrong
        row.unit_code = compound.self_built_unit_code
    elif party is LinkageParty.PARTY_GROUP:
        groups = await groups_covering(session, compound)
        if not groups:
            raise _missing(party, "没有覆盖本小区楼栋的党小组", index)
        if draft.building_group_id is not None and draft.building_group_id not in groups:
            raise wrong
        row.building_group_id = draft.building_group_id or groups[0]
    return row


async def _available(
    session: AsyncSession, compound: Any, held_on: date
) -> frozenset[LinkageParty]:
    """The parties that decide `if_present` seats: the committees in office that day."""
    found = set()
    for party, kind in COMMITTEE_OF_PARTY.items():
        if await committee_in_office(session, compound.id, kind, held_on) is not None:
            found.add(party)
    return frozenset(found)


# --- meetings ----------------------------------------------------------------------------------


async def hold_linkage_meeting(
    ctx: HubContext, *, compound_code: str, form: LinkageForm | None, held_on: date,
    agenda: str, attendees: list[AttendeeDraft], decisions: str | None,
    items: list[ActionItemDraft], key: str | None,
) -> LinkageMeeting:  # fmt: skip
    """Record a linkage meeting (联动会议) of a compound in a form of its kind: the
    community or its grid secretary, with agenda, attendees by party, decisions and items."""
    viewer = ctx.viewer
    if not agenda.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写会议议题。", "input.agenda")
    if not attendees:
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写参会人员。", "input.attendees")
    for index, attendee in enumerate(attendees):
        if not attendee.name.strip():
            raise Refusal(
                RefusalCode.INVALID_INPUT, "请填写参会人员姓名。", f"input.attendees.{index}.name"
            )
    for index, item in enumerate(items):
        if not item.description.strip() or not item.owner_name.strip():
            raise Refusal(
                RefusalCode.INVALID_INPUT, "请填写事项内容和责任人。", f"input.actionItems.{index}"
            )
    async with ctx.sources.community.transaction() as session:
        compound = await _compound(session, compound_code)
        await _require_manager(ctx, session, compound)
        earlier = await replayed(ctx, session, LinkageMeeting, "holdLinkageMeeting", key)
        if earlier is not None:
            return earlier
        # Committees and contracts are not changed meanwhile: they take the same lock.
        await write_lock(session, Compound, compound.id)
        forms = FORMS_OF_KIND[compound.kind]
        chosen = form or forms[0]
        if chosen not in forms:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"该小区为{KIND_NAMES[compound.kind]}，不能召开{FORM_NAMES[chosen]}；"
                f"可召开：{'、'.join(FORM_NAMES[f] for f in forms)}。",
                "input.form",
            )
        parties = [a.party for a in attendees]
        odd = stranger(chosen, parties)
        if odd is not None:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"{FORM_NAMES[chosen]}不包括{PARTY_NAMES[parties[odd]]}。",
                f"input.attendees.{odd}.party",
            )
        rows = [
            await _resolve(session, compound, held_on, index, attendee)
            for index, attendee in enumerate(attendees)
        ]
        seat = empty_seat(chosen, parties, await _available(session, compound, held_on))
        if seat is not None:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"{FORM_NAMES[chosen]}须有{seat_names(seat)}参加。",
                "input.attendees",
            )
        for index, item in enumerate(items):
            if item.owner_party not in parties:
                raise Refusal(
                    RefusalCode.INVALID_INPUT,
                    f"责任方{PARTY_NAMES[item.owner_party]}未参加本次会议。",
                    f"input.actionItems.{index}.ownerParty",
                )
        meeting = LinkageMeeting(
            compound_id=compound.id, form=chosen, held_on=held_on, agenda=agenda.strip(),
            decisions=decisions,
        )  # fmt: skip
        session.add(meeting)
        await session.flush()
        for row in rows:
            row.meeting_id = meeting.id
            session.add(row)
        record(session, viewer, MEETING, meeting.id, None, "held", FORM_NAMES[chosen])
        for item in items:
            action = LinkageActionItem(
                meeting_id=meeting.id, description=item.description.strip(),
                owner_party=item.owner_party, owner_name=item.owner_name.strip(),
                due_on=item.due_on, status=ActionItemStatus.OPEN,
            )  # fmt: skip
            session.add(action)
            await session.flush()
            record(session, viewer, ACTION_ITEM, action.id, None, ActionItemStatus.OPEN.value)
        remember(session, viewer, "holdLinkageMeeting", key, meeting.id)
    return meeting


# --- committees and kind -------------------------------------------------------------------


@dataclass(frozen=True)
class CommitteeDraft:
    compound_code: str
    kind: CommitteeKind
    name: str
    term_starts_on: date
    term_ends_on: date
    members: list[tuple[str, str]]  # (name, role)
    contact_phone: str | None


async def record_committee(
    ctx: HubContext, draft: CommitteeDraft, key: str | None
) -> CompoundCommittee:
    """Record a compound's committee for a term (登记业委会/自管委): the community or its
    grid secretary. Its kind must fit the compound's; terms of a kind do not overlap."""
    label = COMMITTEE_NAMES[draft.kind]
    if not draft.name.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, f"请填写{label}名称。", "input.name")
    if draft.term_ends_on < draft.term_starts_on:
        raise Refusal(
            RefusalCode.INVALID_INPUT, "任期结束日期不能早于开始日期。", "input.termEndsOn"
        )
    if not draft.members or any(not n.strip() or not r.strip() for n, r in draft.members):
        raise Refusal(
            RefusalCode.INVALID_INPUT, f"请填写{label}成员的姓名和职务。", "input.members"
        )
    async with ctx.sources.community.transaction() as session:
        compound = await _compound(session, draft.compound_code)
        await _require_manager(ctx, session, compound)
        earlier = await replayed(ctx, session, CompoundCommittee, "recordCompoundCommittee", key)
        if earlier is not None:
            return earlier
        await write_lock(session, Compound, compound.id)
        if compound.kind not in KINDS_OF_COMMITTEE[draft.kind]:
            raise Refusal(
                RefusalCode.INVALID_INPUT,
                f"该小区为{KIND_NAMES[compound.kind]}，不设{label}。",
                "input.kind",
            )
        overlap = await session.scalar(
            select(CompoundCommittee.id).where(
                CompoundCommittee.compound_id == compound.id,
                CompoundCommittee.kind == draft.kind,
                or_(
                    CompoundCommittee.term_starts_on.is_(None),
                    CompoundCommittee.term_starts_on <= draft.term_ends_on,
                ),
                or_(
                    CompoundCommittee.term_ends_on.is_(None),
                    CompoundCommittee.term_ends_on >= draft.term_starts_on,
                ),
            )
        )
        if overlap is not None:
            raise Refusal(
                RefusalCode.DUPLICATE,
                f"该小区{label}任期与已登记的任期重叠。",
                "input.termStartsOn",
            )
        committee = CompoundCommittee(
            compound_id=compound.id, kind=draft.kind, name=draft.name.strip(),
            term_starts_on=draft.term_starts_on, term_ends_on=draft.term_ends_on,
            members=[{"name": n.strip(), "role": r.strip()} for n, r in draft.members],
            contact_phone=(draft.contact_phone or "").strip() or None,
        )  # fmt: skip
        session.add(committee)
        if draft.kind is CommitteeKind.OWNERS:
            compound.has_owners_committee = True
        await session.flush()
        record(session, ctx.viewer, COMMITTEE, committee.id, None, "recorded")
        remember(session, ctx.viewer, "recordCompoundCommittee", key, committee.id)
    return committee


async def set_compound_kind(
    ctx: HubContext, compound_code: str, kind: CompoundKind, unit_code: str | None
) -> Compound:
    """Set what a compound is (小区类型): the community. A unit-built compound names the
    unit that built it; a 三无小区 has no property service and no owners' committee."""
    unit = (unit_code or "").strip() or None
    if kind is CompoundKind.UNIT_BUILT and unit is None:
        raise Refusal(RefusalCode.INVALID_INPUT, "单位自建小区须填写自建单位。", "input.unitCode")
    if kind is not CompoundKind.UNIT_BUILT and unit is not None:
        raise Refusal(RefusalCode.INVALID_INPUT, "只有单位自建小区登记自建单位。", "input.unitCode")
    async with ctx.sources.community.transaction() as session:
        compound: Compound = await _compound(session, compound_code)
        await _require_manager(ctx, session, compound)
        await write_lock(session, Compound, compound.id)
        await session.get(Compound, compound.id, with_for_update=True)
        if kind is CompoundKind.THREE_NO:
            if compound.property_company_id is not None:
                raise Refusal(RefusalCode.INVALID_STATE,
                              "该小区有履约中的物业服务合同，不是三无小区。", "input.kind")  # fmt: skip
            today = today_in_china()
            if await committee_in_office(session, compound.id, CommitteeKind.OWNERS, today):
                raise Refusal(RefusalCode.INVALID_STATE, "该小区有在任的业委会，不是三无小区。",
                              "input.kind")  # fmt: skip
        before = compound.kind
        compound.kind = kind
        compound.self_built_unit_code = unit
        record(session, ctx.viewer, COMPOUND, compound.id, before.value, kind.value, unit)
    return compound
