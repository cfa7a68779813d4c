"""Master data of the units side (单位侧主数据): units, Party branches and members, created
and changed in bulk. The mutations call it with one row; the import with a whole file.

Each call works set-based: it parses every row (`master_fields`), loads the existing rows
and the units and branches they name by code in one statement per chunk, decides per row
created / updated / unchanged, and writes with one bulk statement per kind (new rows,
changed rows, history rows). All or nothing: when any row has a problem, nothing is
written and every problem is returned (row, field, value, Chinese message).

Codes are the keys the two sides exchange: a code given is checked (format, unique), a
missing one is assigned (`U…`, `B…`, `M…` after the highest row id); a code never changes,
and since rows are never deleted (a retired unit or branch, a member who left, keep theirs)
the unique index keeps any code from being used twice.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import years_after
from datasources.units import master_fields as fields
from datasources.units.master_history import PERSONAL, Actor, change_set, event_row
from datasources.units.models import (
    Gender,
    MasterEvent,
    Member,
    MemberStatus,
    OrganisationStatus,
    PartyBranch,
    PoliticalStatus,
    UnitKind,
    UnitLevel,
    WorkUnit,
)

EVENTS = cast(Table, MasterEvent.__table__)  # Core: one executemany, no ORM bookkeeping
CHUNK = 500  # codes per IN (...): well inside SQLite's and PostgreSQL's parameter limits


class Mode(enum.Enum):
    CREATE = "create"  # every code must be new (or missing: assigned)
    UPDATE = "update"  # every code must exist
    UPSERT = "upsert"  # new codes created, known ones updated (the import)


class Problem(enum.Enum):
    """Why a row was refused; the names match `RefusalCode`'s."""

    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    DUPLICATE = "duplicate"
    INVALID_STATE = "invalid_state"


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row's index in the list given
    field: str  # the input field name at fault, e.g. "phone"
    value: str | None  # the value as given, as text
    message: str  # Chinese, for the user
    kind: Problem = Problem.INVALID_INPUT


@dataclass(frozen=True)
class RowResult:
    id: int
    code: str
    action: str  # created, updated, transferred, unchanged


@dataclass
class Outcome:
    """What a call did (or, with problems or a dry run, would do)."""

    problems: list[RowProblem] = field(default_factory=list)
    results: list[RowResult | None] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Writer:
    """Who writes, and what he may write: `units` the unit codes he answers for (None:
    the whole district), `branch` his branch if he is bound to one."""

    actor: Actor
    units: frozenset[str] | None = None
    branch: str | None = None
    may_manage_units: bool = False
    today: date = field(default_factory=date.today)


@dataclass
class _Row:
    index: int
    given: Mapping[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    problems: list[RowProblem] = field(default_factory=list)

    def problem(self, name: str, message: str, kind: Problem = Problem.INVALID_INPUT) -> None:
        value = self.given.get(name)
        shown = None if value is None else str(fields.plain_text(value))
        self.problems.append(RowProblem(self.index, name, shown, message, kind))

    def parse(self, name: str, attribute: str, parser: Callable[[Any], Any]) -> None:
        if not fields.given(self.given, name):
            return
        try:
            self.values[attribute] = parser(self.given[name])
        except fields.FieldProblem as exc:
            self.problem(name, exc.message)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _rows_by(
    session: AsyncSession, model: Any, column: Any, keys: Iterable[Any]
) -> dict[Any, Any]:
    """Existing rows (as mappings of all columns) by `column`, one statement per chunk."""
    wanted = sorted({key for key in keys if key is not None})
    found: dict[Any, Any] = {}
    for chunk in _chunks(wanted):
        result = await session.execute(select(model.__table__).where(column.in_(chunk)))
        for row in result.mappings():
            found[row[column.key]] = row
    return found


def _prepare(rows: Sequence[Mapping[str, Any]], mode: Mode, label: str) -> list[_Row]:
    """Parse the codes; a code given twice is a problem on each later row."""
    prepared: list[_Row] = []
    seen: dict[str, int] = {}
    for index, given in enumerate(rows):
        row = _Row(index, given)
        try:
            row.code = fields.code(given.get("code"), label=label)
        except fields.FieldProblem as exc:
            row.problem("code", exc.message)
        if row.code is None and mode is Mode.UPDATE and not row.problems:
            row.problem("code", f"请填写{label}。")
        if row.code is not None:
            if row.code in seen:
                row.problem("code", f"{label}与第{seen[row.code] + 1}行重复。", Problem.DUPLICATE)
            else:
                seen[row.code] = index
        prepared.append(row)
    return prepared


def _match(row: _Row, existing: Mapping[str, Any], mode: Mode, label: str) -> Any:
    """The existing row of the code, after the mode's rule; None for a new one."""
    current = existing.get(row.code) if row.code is not None else None
    if mode is Mode.CREATE and current is not None:
        row.problem("code", f"{label}已被使用（编码不可重复使用）。", Problem.DUPLICATE)
    if mode is Mode.UPDATE and current is None and row.code is not None:
        row.problem("code", f"未找到该{label}：{row.code}。", Problem.NOT_FOUND)
    return current


def _changed(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (current[name], value)
        for name, value in wanted.items()
        if _stored(current[name]) != _stored(value)
    }


def _stored(value: Any) -> Any:
    """A value as compared: enums by value (a row read without the ORM holds strings)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


async def _assign_codes(
    session: AsyncSession, model: Any, prefix: str, width: int, rows: list[_Row]
) -> None:
    """Codes for new rows without one: prefix + number after the highest row id, skipping
    any code taken (by a row, or by another row of this call)."""
    missing = [row for row in rows if row.code is None]
    if not missing:
        return
    start = int(await session.scalar(select(func.coalesce(func.max(model.id), 0)))) + 1
    taken = {row.code for row in rows if row.code is not None}
    number = start
    while missing:
        candidates = [f"{prefix}{n:0{width}d}" for n in range(number, number + len(missing) * 2)]
        number += len(candidates)
        in_use = set((await _rows_by(session, model, model.code, candidates)).keys()) | taken
        for candidate in candidates:
            if candidate in in_use or not missing:
                continue
            missing.pop(0).code = candidate
            taken.add(candidate)


def _outcome(rows: list[_Row], results: list[RowResult | None]) -> Outcome:
    outcome = Outcome(results=results)
    for row in rows:
        outcome.problems.extend(row.problems)
    for result in results:
        if result is None:
            continue
        if result.action == "created":
            outcome.created += 1
        elif result.action == "unchanged":
            outcome.unchanged += 1
        else:
            outcome.updated += 1
    return outcome


async def _insert(
    session: AsyncSession, model: Any, values: list[dict[str, Any]]
) -> dict[str, int]:
    """Insert new rows in bulk (one executemany per chunk); their ids by code."""
    table = model.__table__
    for chunk in _chunks(values):
        await session.execute(insert(table), list(chunk))
    ids: dict[str, int] = {}
    for chunk in _chunks([value["code"] for value in values]):
        found = await session.execute(select(model.code, model.id).where(model.code.in_(chunk)))
        ids.update(dict(found.all()))
    return ids


async def _update(session: AsyncSession, model: Any, values: list[dict[str, Any]]) -> None:
    """Update changed rows in bulk by id, one executemany per set of columns changed."""
    table = model.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for value in values:
        columns = tuple(sorted(name for name in value if name != "id"))
        groups.setdefault(columns, []).append(
            {"row_id": value["id"], **{f"new_{name}": value[name] for name in columns}}
        )
    for columns, group in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in columns})
        )
        for chunk in _chunks(group):
            await session.execute(statement, list(chunk))


async def _history(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    for chunk in _chunks(events):
        await session.execute(insert(EVENTS), list(chunk))


@dataclass(frozen=True)
class Call:
    """One call's settings: the mode, and the key of a single-row mutation."""

    mode: Mode
    dry_run: bool = False
    mutation: str | None = None
    client_key: str | None = None
    note: str | None = None  # the reason given, kept with the history rows


# --- units ------------------------------------------------------------------------------


def _unit_values(row: _Row) -> None:
    row.parse("name", "name", lambda v: fields.text(v, label="单位名称", length=120, required=True))
    row.parse("kind", "kind", lambda v: fields.choice(v, UnitKind, label="单位类型"))
    row.parse("level", "level", lambda v: fields.choice(v, UnitLevel, label="单位层级"))
    row.parse(
        "districtName",
        "district_name",
        lambda v: fields.text(v, label="所在区", length=40, required=True),
    )
    row.parse("address", "address", lambda v: fields.text(v, label="办公地址", length=200))


_UNIT_REQUIRED = {"name": "单位名称", "kind": "单位类型", "level": "单位层级",
                  "district_name": "所在区"}  # fmt: skip


async def save_units(
    session: AsyncSession, writer: Writer, rows: Sequence[Mapping[str, Any]], call: Call
) -> Outcome:
    """Create or update work units (单位): the district organisation department only."""
    if not writer.may_manage_units:
        raise PermissionError("only the district organisation department manages units")
    prepared = _prepare(rows, call.mode, "单位编码")
    existing = await _rows_by(session, WorkUnit, WorkUnit.code, (r.code for r in prepared))
    plans: list[tuple[_Row, Any, dict[str, tuple[Any, Any]]]] = []
    for row in prepared:
        _unit_values(row)
        current = _match(row, existing, call.mode, "单位编码")
        if current is None:
            _required(row, _UNIT_REQUIRED)
            plans.append((row, None, {}))
            continue
        changed = _changed(current, row.values)
        if changed and _stored(current["status"]) == OrganisationStatus.RETIRED.value:
            row.problem("code", "该单位已撤销，不能修改。", Problem.INVALID_STATE)
        plans.append((row, current, changed))
    return await _apply(session, writer, call, prepared, plans, _UNIT_KIND)


def _required(row: _Row, required: Mapping[str, str]) -> None:
    for attribute, label in required.items():
        if row.values.get(attribute) is None and not any(
            p.field == _field_of(attribute) for p in row.problems
        ):
            row.problem(_field_of(attribute), f"请填写{label}。")


def _field_of(attribute: str) -> str:
    from datasources.units.master_history import FIELD_NAMES

    return FIELD_NAMES.get(attribute, attribute)


# --- branches ---------------------------------------------------------------------------


def _branch_values(row: _Row, today: date) -> None:
    row.parse("name", "name", lambda v: fields.text(v, label="支部名称", length=120, required=True))
    row.parse(
        "secretaryName", "secretary_name", lambda v: fields.text(v, label="支部书记", length=40)
    )
    row.parse(
        "foundedOn",
        "founded_on",
        lambda v: fields.day(
            v, label="成立日期", earliest=fields.EARLIEST_PARTY_DATE, latest=today
        ),
    )
    row.parse("unitCode", "unit_code", lambda v: fields.code(v, label="单位编码"))


async def save_branches(
    session: AsyncSession, writer: Writer, rows: Sequence[Mapping[str, Any]], call: Call
) -> Outcome:
    """Create or update Party branches (党支部) of units: the district, or the unit's own
    Party organisation for its branches."""
    if writer.branch is not None:
        raise PermissionError("a branch does not manage branches")
    prepared = _prepare(rows, call.mode, "支部编码")
    existing = await _rows_by(session, PartyBranch, PartyBranch.code, (r.code for r in prepared))
    for row in prepared:
        _branch_values(row, writer.today)
    unit_ids = {b["unit_id"] for b in existing.values()}
    units_by_id = await _rows_by(session, WorkUnit, WorkUnit.id, unit_ids)
    units = await _rows_by(
        session, WorkUnit, WorkUnit.code, (r.values.get("unit_code") for r in prepared)
    )
    plans: list[tuple[_Row, Any, dict[str, tuple[Any, Any]]]] = []
    for row in prepared:
        current = _match(row, existing, call.mode, "支部编码")
        unit_code = row.values.pop("unit_code", None)
        if current is not None:
            owner = units_by_id[current["unit_id"]]
            if not _unit_in_scope(writer, owner["code"]):
                _out_of_scope(row, call.mode, "支部编码")
                plans.append((row, None, {}))
                continue
            if unit_code is not None and unit_code != owner["code"]:
                row.problem("unitCode", "支部不能改属其他单位（可撤销后在新单位新建）。")
            changed = _changed(current, row.values)
            if changed and _stored(current["status"]) == OrganisationStatus.RETIRED.value:
                row.problem("code", "该支部已撤销，不能修改。", Problem.INVALID_STATE)
            plans.append((row, current, changed))
            continue
        _required(row, {"name": "支部名称"})
        unit = units.get(unit_code) if unit_code else None
        if unit_code is None:
            if not any(p.field == "unitCode" for p in row.problems):
                row.problem("unitCode", "请填写单位编码。")
        elif unit is None or not _unit_in_scope(writer, unit_code):
            row.problem("unitCode", f"未找到该单位：{unit_code}。", Problem.NOT_FOUND)
        else:
            if _stored(unit["status"]) == OrganisationStatus.RETIRED.value:
                row.problem("unitCode", "该单位已撤销，不能新建支部。", Problem.INVALID_STATE)
            row.values["unit_id"] = unit["id"]
        plans.append((row, None, {}))
    return await _apply(session, writer, call, prepared, plans, _BRANCH_KIND)


def _unit_in_scope(writer: Writer, unit_code: str) -> bool:
    """Whether the writer answers for the unit. A row outside his scope is refused exactly
    as a code that does not exist (NOT_FOUND), so a refusal reveals nothing about it."""
    return writer.units is None or unit_code in writer.units


def _out_of_scope(row: _Row, mode: Mode, label: str) -> None:
    """The existing row of the code is outside the writer's scope: on creation its code is
    taken (as `_match` said), otherwise it is as unknown as a code that does not exist."""
    if mode is not Mode.CREATE:
        row.problem("code", f"未找到该{label}：{row.code}。", Problem.NOT_FOUND)


# --- members ----------------------------------------------------------------------------


def _member_values(row: _Row, today: date) -> None:
    row.parse("name", "name", lambda v: fields.text(v, label="姓名", length=40, required=True))
    row.parse("gender", "gender", lambda v: fields.choice(v, Gender, label="性别"))
    row.parse("phone", "phone", fields.mobile)
    row.parse(
        "politicalStatus",
        "political_status",
        lambda v: fields.choice(v, PoliticalStatus, label="政治面貌"),
    )
    row.parse(
        "joinedPartyOn",
        "joined_party_on",
        lambda v: fields.day(
            v, label="入党日期", earliest=fields.EARLIEST_PARTY_DATE, latest=today
        ),
    )
    row.parse(
        "birthDate",
        "birth_date",
        lambda v: fields.day(v, label="出生日期", earliest=fields.EARLIEST_BIRTH, latest=today),
    )
    row.parse("inService", "in_service", lambda v: fields.yes_no(v, label="是否在职"))
    row.parse("jobTitle", "job_title", lambda v: fields.text(v, label="职务", length=60))
    row.parse("skills", "skills", fields.skill_list)
    row.parse("unitCode", "unit_code", lambda v: fields.code(v, label="单位编码"))
    row.parse("branchCode", "branch_code", lambda v: fields.code(v, label="支部编码"))
    for attribute in ("gender", "political_status", "in_service"):
        if attribute in row.values and row.values[attribute] is None:
            row.problem(_field_of(attribute), "该项不能为空。")
            del row.values[attribute]
    if "skills" in row.values and row.values["skills"] is None:
        row.values["skills"] = []


_MEMBER_REQUIRED = {"name": "姓名", "gender": "性别", "political_status": "政治面貌"}


async def save_members(
    session: AsyncSession, writer: Writer, rows: Sequence[Mapping[str, Any]], call: Call
) -> Outcome:
    """Create or update members (党员): the district, or the unit's own Party organisation
    for its members (a branch-bound viewer: his branch's). A changed branch or unit is a
    transfer (转接): his code, history and records on both sides stay his."""
    prepared = _prepare(rows, call.mode, "党员编码")
    existing = await _rows_by(session, Member, Member.code, (r.code for r in prepared))
    for row in prepared:
        _member_values(row, writer.today)
    branches_by_code = await _rows_by(
        session, PartyBranch, PartyBranch.code, (r.values.get("branch_code") for r in prepared)
    )
    branch_ids = {m["branch_id"] for m in existing.values()}
    branches_by_id = await _rows_by(session, PartyBranch, PartyBranch.id, branch_ids)
    branches_by_id.update({b["id"]: b for b in branches_by_code.values()})
    unit_ids = {b["unit_id"] for b in branches_by_id.values()}
    units_by_id = await _rows_by(session, WorkUnit, WorkUnit.id, unit_ids)
    units_by_code = {u["code"]: u for u in units_by_id.values()}
    missing_units = {r.values.get("unit_code") for r in prepared} - set(units_by_code)
    units_by_code.update(await _rows_by(session, WorkUnit, WorkUnit.code, missing_units))

    plans: list[tuple[_Row, Any, dict[str, tuple[Any, Any]]]] = []
    for row in prepared:
        current = _match(row, existing, call.mode, "党员编码")
        unit_code = row.values.pop("unit_code", None)
        branch_code = row.values.pop("branch_code", None)
        if current is None:
            _required(row, _MEMBER_REQUIRED)
        if current is not None:
            home = branches_by_id[current["branch_id"]]
            if not _member_in_scope(writer, units_by_id[home["unit_id"]]["code"], home["code"]):
                _out_of_scope(row, call.mode, "党员编码")
                plans.append((row, None, {}))
                continue
        place = _place(row, writer, current, unit_code, branch_code, branches_by_code,
                       branches_by_id, units_by_code, units_by_id)  # fmt: skip
        if place is not None:
            row.values["branch_id"], row.values["unit_id"] = place
        if current is None:
            row.values.setdefault("in_service", True)
            row.values.setdefault("skills", [])
            _member_rules(row, {}, writer.today)
            plans.append((row, None, {}))
            continue
        changed = _changed(current, row.values)
        _member_rules(row, current, writer.today, changed)
        plans.append((row, current, _changed(current, row.values)))
    return await _apply(session, writer, call, prepared, plans, _MEMBER_KIND)


def _place(
    row: _Row,
    writer: Writer,
    current: Mapping[str, Any] | None,
    unit_code: str | None,
    branch_code: str | None,
    branches_by_code: Mapping[str, Any],
    branches_by_id: Mapping[int, Any],
    units_by_code: Mapping[str, Any],
    units_by_id: Mapping[int, Any],
) -> tuple[int, int] | None:
    """The (branch id, unit id) the row puts him in; None when unchanged or refused."""
    if branch_code is None:
        if current is None:
            if not any(p.field == "branchCode" for p in row.problems):
                row.problem("branchCode", "请填写支部编码。")
        elif unit_code is not None and unit_code != units_by_id[current["unit_id"]]["code"]:
            row.problem("branchCode", "转到其他单位时须填写新支部的编码。")
        return None
    branch = branches_by_code.get(branch_code)
    unit = units_by_id[branch["unit_id"]] if branch is not None else None
    moving = branch is not None and (current is None or current["branch_id"] != branch["id"])
    if (
        branch is None
        or unit is None
        or (moving and not _member_in_scope(writer, unit["code"], branch["code"]))
    ):
        row.problem("branchCode", f"未找到该支部：{branch_code}。", Problem.NOT_FOUND)
        return None
    if unit_code is not None and unit_code != unit["code"]:
        if unit_code not in units_by_code or not _unit_in_scope(writer, unit_code):
            row.problem("unitCode", f"未找到该单位：{unit_code}。", Problem.NOT_FOUND)
        else:
            row.problem("branchCode", f"支部{branch_code}不属于单位{unit_code}。")
        return None
    if moving:
        if _stored(branch["status"]) == OrganisationStatus.RETIRED.value:
            row.problem("branchCode", "该支部已撤销，不能接收党员。", Problem.INVALID_STATE)
        elif _stored(unit["status"]) == OrganisationStatus.RETIRED.value:
            row.problem("unitCode", "该单位已撤销，不能接收党员。", Problem.INVALID_STATE)
        if current is not None and _stored(current["status"]) == MemberStatus.LEFT.value:
            row.problem("branchCode", "该党员已出党或停止党籍，不能转接。", Problem.INVALID_STATE)
    return branch["id"], unit["id"]


def _member_in_scope(writer: Writer, unit_code: str, branch_code: str) -> bool:
    """Whether the writer answers for members of the branch (a branch-bound writer: his own
    branch only)."""
    if not _unit_in_scope(writer, unit_code):
        return False
    return writer.branch is None or branch_code == writer.branch


def _member_rules(
    row: _Row,
    current: Mapping[str, Any],
    today: date,
    changed: Mapping[str, tuple[Any, Any]] | None = None,
) -> None:
    """Rules across fields, on the values he will have: joining date and status agree,
    he joined at 18 or later; and what a change of status or service brings with it."""
    merged = {**current, **row.values}
    status = fields.choice(merged.get("political_status"), PoliticalStatus, label="政治面貌")
    joined, birth = merged.get("joined_party_on"), merged.get("birth_date")
    touched = current == {} or any(
        name in row.values for name in ("political_status", "joined_party_on", "birth_date")
    )
    if touched and status in (PoliticalStatus.FULL, PoliticalStatus.PROBATIONARY):
        if joined is None:
            row.problem("joinedPartyOn", "正式党员和预备党员须填写入党日期。")
    elif touched and status is not None and joined is not None:
        row.problem("joinedPartyOn", "入党积极分子和发展对象尚未入党，不能填写入党日期。")
    adult = None if birth is None else years_after(birth, fields.MINIMUM_JOINING_AGE)
    if touched and joined is not None and adult is not None and joined < adult:
        row.problem("joinedPartyOn", "入党日期须在年满十八岁之后。")
    if not changed:
        return
    if "political_status" in changed:
        old = fields.choice(changed["political_status"][0], PoliticalStatus, label="政治面貌")
        if old is PoliticalStatus.FULL:
            row.problem("politicalStatus", "正式党员的政治面貌不能改回。", Problem.INVALID_STATE)
        elif old is PoliticalStatus.PROBATIONARY and status is PoliticalStatus.FULL:
            ends = None if joined is None else years_after(joined, 1)  # 预备期一年
            if ends is not None and ends > today:
                row.problem("politicalStatus", f"预备期一年，{ends.isoformat()}起方可转正。",
                            Problem.INVALID_STATE)  # fmt: skip
            row.values.setdefault("full_member_on", today)  # 转正
    if "in_service" in changed:
        if changed["in_service"][1]:
            row.values.update(service_ended_on=None, service_end_reason=None)
        else:
            row.values.setdefault("service_ended_on", today)
    if _stored(current.get("status")) == MemberStatus.LEFT.value and (
        "political_status" in changed or "in_service" in changed
    ):
        row.problem("code", "该党员已出党或停止党籍，不能修改其身份。", Problem.INVALID_STATE)


# --- writing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    model: Any
    entity: str
    prefix: str
    width: int
    state: Callable[[Mapping[str, Any]], str]
    personal: frozenset[str] = frozenset()  # recorded as changed, without values


def _organisation_state(row: Mapping[str, Any]) -> str:
    return str(_stored(row.get("status") or OrganisationStatus.ACTIVE))


def _member_state(row: Mapping[str, Any]) -> str:
    return str(_stored(row.get("status") or MemberStatus.ACTIVE))


_UNIT_KIND = _Kind(WorkUnit, "WorkUnit", "U", 4, _organisation_state)
_BRANCH_KIND = _Kind(PartyBranch, "PartyBranch", "B", 5, _organisation_state)
_MEMBER_KIND = _Kind(Member, "Member", "M", 6, _member_state, PERSONAL)


async def _apply(
    session: AsyncSession,
    writer: Writer,
    call: Call,
    prepared: list[_Row],
    plans: list[tuple[_Row, Any, dict[str, tuple[Any, Any]]]],
    kind: _Kind,
) -> Outcome:
    if any(row.problems for row in prepared):
        return _outcome(prepared, [])
    await _assign_codes(session, kind.model, kind.prefix, kind.width, prepared)
    new = [(row, current) for row, current, _ in plans if current is None]
    ids: dict[str, int] = {}
    if new and not call.dry_run:
        values = [{**row.values, "code": row.code} for row, _ in new]
        ids = await _insert(session, kind.model, values)
    codes = await _codes_for(session, plans)
    results: list[RowResult | None] = []
    changes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row, current, changed in plans:
        assert row.code is not None
        if current is None:
            row_id = ids.get(row.code, 0)
            results.append(RowResult(row_id, row.code, "created"))
            initial = {name: (None, value) for name, value in row.values.items()}
            events.append(_event(writer, call, kind, row_id, "created", None, row.values,
                                 change_set(initial, _shown(initial, codes), kind.personal)))  # fmt: skip
            continue
        if not changed:
            results.append(RowResult(current["id"], row.code, "unchanged"))
            continue
        action = "transferred" if "branch_id" in changed else "updated"
        results.append(RowResult(current["id"], row.code, action))
        changes.append({"id": current["id"], **{name: new for name, (_, new) in changed.items()}})
        state = kind.state(current)
        events.append(_event(writer, call, kind, current["id"], action, state, current,
                             change_set(changed, _shown(changed, codes), kind.personal)))  # fmt: skip
    if not call.dry_run:
        if changes:
            await _update(session, kind.model, changes)
        if events:
            await _history(session, events)
    return _outcome(prepared, results)


def _event(
    writer: Writer,
    call: Call,
    kind: _Kind,
    entity_id: int,
    action: str,
    from_state: str | None,
    row: Mapping[str, Any],
    changes: dict[str, Any],
) -> dict[str, Any]:
    return event_row(
        writer.actor, kind.entity, entity_id, action, from_state, kind.state(row), changes,
        note=call.note, mutation=call.mutation, client_key=call.client_key,
    )  # fmt: skip


async def _codes_for(
    session: AsyncSession, plans: list[tuple[_Row, Any, dict[str, tuple[Any, Any]]]]
) -> dict[str, dict[int, str]]:
    """The codes of the units and branches the changes name by id, for the history."""
    unit_ids: set[int] = set()
    branch_ids: set[int] = set()
    for row, _current, changed in plans:
        pairs = changed or {name: (None, value) for name, value in row.values.items()}
        for name, pair in pairs.items():
            target = unit_ids if name == "unit_id" else branch_ids if name == "branch_id" else None
            if target is not None:
                target.update(value for value in pair if value is not None)
    units = await _rows_by(session, WorkUnit, WorkUnit.id, unit_ids)
    branches = await _rows_by(session, PartyBranch, PartyBranch.id, branch_ids)
    return {
        "unit_id": {key: row["code"] for key, row in units.items()},
        "branch_id": {key: row["code"] for key, row in branches.items()},
    }


def _shown(
    changed: Mapping[str, tuple[Any, Any]], codes: Mapping[str, Mapping[int, str]]
) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, (old, new) in changed.items():
        if name in codes:
            by_id = codes[name]
            shown[name] = {"from": by_id.get(old) if old else None, "to": by_id.get(new)}
    return shown
