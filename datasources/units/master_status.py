"""Status changes of the units side's master data (状态变更), set-based like `master`:
retiring units and branches (撤销), and a member's 转正, 出党/停止党籍 and 退休/离开在职.

Nothing is deleted: the row keeps its code and gets a status, a date and a reason, and a
history row. A retired unit or branch stays readable and receives no new members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import years_after
from datasources.units.master import (
    Call,
    Outcome,
    Problem,
    RowProblem,
    RowResult,
    Writer,
    _history,
    _member_in_scope,
    _rows_by,
    _unit_in_scope,
    _update,
)
from datasources.units.master_history import PERSONAL, change_set, event_row
from datasources.units.models import (
    Member,
    MemberStatus,
    OrganisationStatus,
    PartyBranch,
    PoliticalStatus,
    WorkUnit,
)

RETIRED = OrganisationStatus.RETIRED
PROBATION_YEARS = 1  # 预备期一年


@dataclass(frozen=True)
class Dated:
    """When and why (a reason is required for every change but 转正)."""

    on: date
    reason: str | None


def _check_dated(dated: Dated, today: date, earliest: date | None, *, reason: bool) -> list[str]:
    """Problems of the date and reason, as (field, message) pairs joined by '|'."""
    problems: list[str] = []
    if dated.on > today:
        problems.append("on|日期不能晚于今天。")
    elif earliest is not None and dated.on < earliest:
        problems.append(f"on|日期不能早于{earliest.isoformat()}。")
    if reason and not (dated.reason or "").strip():
        problems.append("reason|请填写原因。")
    elif dated.reason is not None and len(dated.reason) > 500:
        problems.append("reason|原因不能超过500个字。")
    return problems


async def _write(
    session: AsyncSession,
    writer: Writer,
    call: Call,
    model: Any,
    entity: str,
    changes: list[tuple[Mapping[str, Any], str, str, dict[str, Any]]],
) -> None:
    """Update the rows and add their history: (current row, action, new state, values)."""
    if call.dry_run or not changes:
        return
    await _update(session, model, [{"id": row["id"], **values} for row, _, _, values in changes])
    events = [
        event_row(
            writer.actor, entity, row["id"], action, str(getattr(row["status"], "value",
            row["status"])), state,
            change_set({name: (row[name], value) for name, value in values.items()},
                       personal=PERSONAL if entity == "Member" else frozenset()),
            note=dated_note(values), mutation=call.mutation, client_key=call.client_key,
        )
        for row, action, state, values in changes
    ]  # fmt: skip
    await _history(session, events)


def dated_note(values: Mapping[str, Any]) -> str | None:
    for name in ("retire_reason", "left_reason", "service_end_reason"):
        if values.get(name):
            return str(values[name])
    return None


def _result(
    codes: Sequence[str],
    found: Mapping[str, Mapping[str, Any]],
    problems: list[RowProblem],
    action: str,
) -> Outcome:
    if problems:
        return Outcome(problems=problems)
    results: list[RowResult | None] = [RowResult(found[c]["id"], c, action) for c in codes]
    return Outcome(results=results, updated=len(codes))


def _missing(codes: Sequence[str], found: Mapping[str, Any], label: str) -> list[RowProblem]:
    return [
        RowProblem(i, "code", code, f"未找到该{label}：{code}。", Problem.NOT_FOUND)
        for i, code in enumerate(codes)
        if code not in found
    ]


def _dated_problems(index: int, messages: list[str]) -> list[RowProblem]:
    out = []
    for message in messages:
        name, text = message.split("|", 1)
        out.append(RowProblem(index, name, None, text))
    return out


async def retire_units(
    session: AsyncSession, writer: Writer, codes: Sequence[str], dated: Dated, call: Call
) -> Outcome:
    """Retire units (撤销单位): the district only, once every branch of each is retired."""
    if not writer.may_manage_units:
        raise PermissionError("only the district organisation department retires units")
    found = await _rows_by(session, WorkUnit, WorkUnit.code, codes)
    problems = _missing(codes, found, "单位")
    open_branches = dict(
        (
            await session.execute(
                select(PartyBranch.unit_id, func.count())
                .where(
                    PartyBranch.unit_id.in_([u["id"] for u in found.values()]),
                    PartyBranch.status != RETIRED,
                )
                .group_by(PartyBranch.unit_id)
            )
        ).all()
    )
    changes = []
    for index, code in enumerate(codes):
        unit = found.get(code)
        if unit is None:
            continue
        problems += _dated_problems(index, _check_dated(dated, writer.today, None, reason=True))
        if unit["status"] == RETIRED:
            problems.append(
                RowProblem(index, "code", code, "该单位已撤销。", Problem.INVALID_STATE)
            )
        elif open_branches.get(unit["id"]):
            count = open_branches[unit["id"]]
            problems.append(RowProblem(index, "code", code,
                f"该单位还有{count}个未撤销的党支部，请先撤销。", Problem.INVALID_STATE))  # fmt: skip
        values = {"status": RETIRED, "retired_on": dated.on, "retire_reason": dated.reason}
        changes.append((unit, "retired", RETIRED.value, values))
    if not problems:
        await _write(session, writer, call, WorkUnit, "WorkUnit", changes)
    return _result(codes, found, problems, "retired")


async def retire_branches(
    session: AsyncSession, writer: Writer, codes: Sequence[str], dated: Dated, call: Call
) -> Outcome:
    """Retire branches (撤销党支部): the district or the branch's unit, once no member in
    the Party is left in it (transfer them first)."""
    if writer.branch is not None:
        raise PermissionError("a branch does not retire branches")
    found = await _rows_by(session, PartyBranch, PartyBranch.code, codes)
    units = await _rows_by(session, WorkUnit, WorkUnit.id, [b["unit_id"] for b in found.values()])
    # A branch of another unit is refused as one that does not exist.
    found = {c: b for c, b in found.items() if _unit_in_scope(writer, units[b["unit_id"]]["code"])}
    members = dict(
        (
            await session.execute(
                select(Member.branch_id, func.count())
                .where(
                    Member.branch_id.in_([b["id"] for b in found.values()]),
                    Member.status == MemberStatus.ACTIVE,
                )
                .group_by(Member.branch_id)
            )
        ).all()
    )
    problems = _missing(codes, found, "支部")
    changes = []
    for index, code in enumerate(codes):
        branch = found.get(code)
        if branch is None:
            continue
        earliest = branch["founded_on"]
        problems += _dated_problems(index, _check_dated(dated, writer.today, earliest, reason=True))
        if branch["status"] == RETIRED:
            problems.append(
                RowProblem(index, "code", code, "该支部已撤销。", Problem.INVALID_STATE)
            )
        elif members.get(branch["id"]):
            problems.append(RowProblem(index, "code", code,
                f"该支部还有{members[branch['id']]}名党员，请先转出。", Problem.INVALID_STATE))  # fmt: skip
        values = {"status": RETIRED, "retired_on": dated.on, "retire_reason": dated.reason}
        changes.append((branch, "retired", RETIRED.value, values))
    if not problems:
        await _write(session, writer, call, PartyBranch, "PartyBranch", changes)
    return _result(codes, found, problems, "retired")


async def _members(
    session: AsyncSession, writer: Writer, codes: Sequence[str]
) -> tuple[dict[Any, Any], list[RowProblem]]:
    """The members by code, each checked to be in the writer's scope."""
    found = await _rows_by(session, Member, Member.code, codes)
    branches = await _rows_by(session, PartyBranch, PartyBranch.id,
                              [m["branch_id"] for m in found.values()])  # fmt: skip
    units = await _rows_by(
        session, WorkUnit, WorkUnit.id, [b["unit_id"] for b in branches.values()]
    )

    def mine(member: Mapping[str, Any]) -> bool:
        branch = branches[member["branch_id"]]
        return _member_in_scope(writer, units[branch["unit_id"]]["code"], branch["code"])

    # A member outside the writer's scope is refused as one that does not exist.
    found = {code: member for code, member in found.items() if mine(member)}
    return found, _missing(codes, found, "党员")


def _in_party(index: int, member: Mapping[str, Any]) -> list[RowProblem]:
    if member["status"] == MemberStatus.LEFT:
        return [RowProblem(index, "code", member["code"], "该党员已出党或停止党籍。",
                           Problem.INVALID_STATE)]  # fmt: skip
    return []


async def confirm_full_membership(
    session: AsyncSession, writer: Writer, codes: Sequence[str], dated: Dated, call: Call
) -> Outcome:
    """转正: a probationary member becomes a full member, a year or more after joining."""
    found, problems = await _members(session, writer, codes)
    changes = []
    for index, code in enumerate(codes):
        member = found.get(code)
        if member is None:
            continue
        problems += _in_party(index, member)
        if member["political_status"] is not PoliticalStatus.PROBATIONARY:
            problems.append(RowProblem(index, "code", code, "只有预备党员可以转正。",
                                       Problem.INVALID_STATE))  # fmt: skip
            continue
        joined = member["joined_party_on"]
        earliest = None if joined is None else years_after(joined, PROBATION_YEARS)
        for message in _check_dated(dated, writer.today, earliest, reason=False):
            name, text = message.split("|", 1)
            if earliest is not None and "早于" in text:
                text = f"预备期一年，{earliest.isoformat()}起方可转正。"
            problems.append(RowProblem(index, name, None, text))
        values = {"political_status": PoliticalStatus.FULL, "full_member_on": dated.on}
        changes.append((member, "confirmed_full", MemberStatus.ACTIVE.value, values))
    if not problems:
        await _write(session, writer, call, Member, "Member", changes)
    return _result(codes, found, problems, "confirmed_full")


async def leave_party(
    session: AsyncSession, writer: Writer, codes: Sequence[str], dated: Dated, call: Call
) -> Outcome:
    """出党/停止党籍: he leaves the Party on a date, for a reason; he keeps his code and
    every record, and can no longer be transferred."""
    found, problems = await _members(session, writer, codes)
    changes = []
    for index, code in enumerate(codes):
        member = found.get(code)
        if member is None:
            continue
        problems += _in_party(index, member)
        problems += _dated_problems(
            index, _check_dated(dated, writer.today, member["joined_party_on"], reason=True)
        )
        values = {"status": MemberStatus.LEFT, "left_on": dated.on, "left_reason": dated.reason}
        changes.append((member, "left_party", MemberStatus.LEFT.value, values))
    if not problems:
        await _write(session, writer, call, Member, "Member", changes)
    return _result(codes, found, problems, "left_party")


async def end_service(
    session: AsyncSession, writer: Writer, codes: Sequence[str], dated: Dated, call: Call
) -> Outcome:
    """退休/离开在职: he is no longer in service (`inService` false) from a date, for a
    reason; also the import's `--retire-missing`."""
    found, problems = await _members(session, writer, codes)
    changes = []
    for index, code in enumerate(codes):
        member = found.get(code)
        if member is None:
            continue
        if not member["in_service"]:
            problems.append(RowProblem(index, "code", code, "该党员已不在职。",
                                       Problem.INVALID_STATE))  # fmt: skip
        problems += _dated_problems(index, _check_dated(dated, writer.today, None, reason=True))
        values = {"in_service": False, "service_ended_on": dated.on,
                  "service_end_reason": dated.reason}  # fmt: skip
        state = str(member["status"].value)
        changes.append((member, "left_service", state, values))
    if not problems:
        await _write(session, writer, call, Member, "Member", changes)
    return _result(codes, found, problems, "left_service")
