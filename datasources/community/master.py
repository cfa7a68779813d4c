"""Master data of the community side (主数据): streets, communities, grids, compounds,
buildings, households (户) and service categories, written set-based.

One entry point, `apply`, takes a LIST of plain rows (dicts keyed by the GraphQL input field
names: `code`, `name`, `streetCode` ...) and creates or updates them in the caller's
transaction; `retire` retires rows by code. Both validate every row first and return every
problem (row, field, value, Chinese message); the caller writes nothing when there is one
(the mutations raise, the import reports). Work is set-based: existing rows and parents are
loaded by code per chunk, new rows are inserted and changed rows updated in bulk, and their
history (`state_events` with the changed fields in `changes`) is inserted in bulk. Identical
rows are unchanged and leave no history.

Codes are the keys two organisations exchange: the caller gives one (validated, unique) or
the hub assigns one; a code never changes, and since no row is ever deleted (a retired row
stays with its `retired_on`) a code is never reused. A retired row takes no new children and
no changes.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import CHINA, utcnow
from datasources.community.household_models import Household
from datasources.community.models import Building as BuildingRow
from datasources.community.models import (
    CategorySource,
    Community,
    Compound,
    CompoundKind,
    Grid,
    ServiceCategory,
    StateEvent,
    Street,
    StreetKind,
)
from datasources.scope import Viewer

CHUNK = 500  # codes per IN (...) list: well below SQLite's and asyncpg's parameter limits
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")

# Problem codes: the workflow's refusal codes (resolvers/workflow.RefusalCode values). A row
# outside the caller's community (or district) is refused exactly as a code that does not
# exist (NOT_FOUND, the same message), so a refusal reveals nothing about it.
INVALID_INPUT, NOT_FOUND, DUPLICATE, INVALID_STATE = (
    "invalid_input", "not_found", "duplicate", "invalid_state",
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """Why one row cannot be written: its index in the list, the input field, the value."""

    row: int
    field: str
    value: object
    message: str
    code: str = INVALID_INPUT


@dataclass
class Outcome:
    """What `apply` or `retire` did (or, with problems, would not do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    problems: list[Problem] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)  # the row id of each input row
    codes: list[str | None] = field(default_factory=list)  # its code (hub-assigned too)


# The Chinese label of each input field (messages; the import's Chinese headers).
LABELS = {
    "code": "编码", "name": "名称", "kind": "类型", "address": "地址", "level": "层级",
    "streetCode": "街道编码", "communityCode": "社区编码", "gridCode": "网格编码",
    "parentCode": "上级网格编码", "compoundCode": "小区编码", "buildingCode": "楼栋编码",
    "floors": "层数", "households": "户数", "unitNo": "单元", "roomNo": "房号",
    "headName": "户主姓名", "phone": "联系电话", "size": "户人数", "year": "年度",
    "orderDueHours": "办结时限（小时）", "partyBranchName": "小区党支部名称",
}  # fmt: skip


class Bad(Exception):
    """A cell's value is not acceptable; the message is Chinese."""


# --- Cell parsers -------------------------------------------------------------------------


def text(limit: int, *, optional: bool = False) -> Callable[[object], object]:
    def parse(value: object) -> object:
        cleaned = "" if value is None else str(value).strip()
        if not cleaned:
            if optional:
                return None
            raise Bad("不能为空。")
        if len(cleaned) > limit:
            raise Bad(f"不能超过 {limit} 个字符。")
        return cleaned

    return parse


def whole(low: int, high: int) -> Callable[[object], object]:
    def parse(value: object) -> object:
        if isinstance(value, bool):
            raise Bad("须为整数。")
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise Bad("须为整数。") from None
        if not low <= number <= high:
            raise Bad(f"须在 {low} 到 {high} 之间。")
        return number

    return parse


# The Chinese labels an enum cell may carry instead of the value (as a spreadsheet has it).
CHOICE_LABELS: dict[enum.Enum, tuple[str, ...]] = {
    StreetKind.STREET: ("街道",), StreetKind.TOWN: ("镇",),
    CompoundKind.COMMERCIAL: ("商品房小区", "有物业小区", "商品房"),
    CompoundKind.UNIT_BUILT: ("单位自建小区", "单位自建"),
    CompoundKind.THREE_NO: ("三无小区", "三无"),
}  # fmt: skip


def choice(enum_cls: type[enum.Enum]) -> Callable[[object], object]:
    def parse(value: object) -> object:
        if isinstance(value, enum_cls):
            return value
        raw = str(value or "").strip()
        for member in enum_cls:
            if raw.lower() == member.value or raw.upper() == member.name:
                return member
            if raw in CHOICE_LABELS.get(member, ()):
                return member
        allowed = "、".join(m.name for m in enum_cls)
        raise Bad(f"取值须为 {allowed} 之一。")

    return parse


def mobile(value: object) -> object:
    raw = "" if value is None else str(value).strip()
    if not raw:
        return None
    if not MOBILE.match(raw):
        raise Bad("须为 11 位手机号码。")
    return raw


# --- What each kind of master data is ----------------------------------------------------


@dataclass(frozen=True)
class Column:
    """An input field written to a column: parsed, with its default on creation."""

    name: str  # the input field (camelCase), as a spreadsheet header names it too
    column: str  # the model attribute
    parse: Callable[[object], object]
    required: bool = False  # on creation; on update an absent field keeps its value
    default: object = None


@dataclass(frozen=True)
class Parent:
    """An input field naming another row by its code (`communityCode` -> `community_id`)."""

    name: str
    model: Any
    column: str
    label: str  # 社区, 网格 ... for messages
    required: bool = True


@dataclass(frozen=True)
class Ref:
    """A parent row as the checks see it."""

    id: int
    code: str
    retired: bool
    community: int | None
    level: int | None = None
    district: int | None = None


Check = Callable[[AsyncSession, "Batch"], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    """One kind of master data and how rows of it are written."""

    name: str  # "grids": the import's KIND
    model: Any
    entity: str  # the GraphQL type, also `state_events.entity_type`
    label: str  # 网格
    prefix: str  # of hub-assigned codes
    code_length: int
    columns: tuple[Column, ...]
    parents: tuple[Parent, ...] = ()
    # Whose row it is: the community a community-level row belongs to (None: the district's).
    community_level: bool = True
    fixed: Mapping[str, object] = field(default_factory=dict)  # set on creation
    checks: tuple[Check, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return ("code", *(c.name for c in self.columns), *(p.name for p in self.parents))


@dataclass
class Batch:
    """Rows being written, as the kind's checks see them."""

    kind: Kind
    values: list[dict[str, object] | None]  # column values per row (None: already refused)
    existing: list[Mapping[str, Any] | None]
    refs: list[dict[str, Ref | None]]  # resolved parents per row, by input field
    codes: list[str | None]
    problems: list[Problem]

    def refuse(self, index: int, name: str, value: object, message: str, code: str) -> None:
        self.problems.append(Problem(index, name, value, message, code))
        self.values[index] = None

    def merged(self, index: int, column: str) -> object:
        """The value the row will have: the new one if given, else the stored one."""
        values = self.values[index] or {}
        if column in values:
            return values[column]
        existing = self.existing[index]
        return None if existing is None else existing[column]


# --- Loading ------------------------------------------------------------------------------


def _community_of(model: Any) -> tuple[Any, Any]:
    """The community id of a row of `model` as a column, and the join it needs."""
    if model is Community:
        return Community.id, None
    if model is BuildingRow:
        return Compound.community_id, (Compound, BuildingRow.compound_id == Compound.id)
    column = getattr(model, "community_id", None)
    return column, None


def _rows_by_code(model: Any, codes: Sequence[str]) -> Select[Any]:
    community, join = _community_of(model)
    columns: list[Any] = list(model.__table__.c)
    if community is not None:
        columns.append(community.label("_community"))
    if model is Street:
        columns.append(Street.district_id.label("_district"))
    elif model is Community:
        columns.append(Street.district_id.label("_district"))
        join = (Street, Community.street_id == Street.id)
    stmt = select(*columns)
    if join is not None:
        stmt = stmt.join(*join)
    return stmt.where(model.code.in_(codes))


async def _load(
    session: AsyncSession, model: Any, codes: Iterable[str]
) -> dict[str, Mapping[str, Any]]:
    wanted = sorted(set(codes))
    found: dict[str, Mapping[str, Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        result = await session.execute(_rows_by_code(model, wanted[start : start + CHUNK]))
        for row in result.mappings():
            found[row["code"]] = row
    return found


async def _refs(session: AsyncSession, model: Any, codes: Iterable[str]) -> dict[str, Ref]:
    rows = await _load(session, model, codes)
    return {
        code: Ref(
            id=row["id"], code=code, retired=row["retired_on"] is not None,
            community=row.get("_community"), level=row.get("level"),
            district=row.get("_district"),
        )
        for code, row in rows.items()
    }  # fmt: skip


async def _codes_of(session: AsyncSession, model: Any, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row_id, code in await session.execute(
            select(model.id, model.code).where(model.id.in_(chunk))
        ):
            found[row_id] = code
    return found


def _outside(row: Mapping[str, Any] | Ref, community: int | None, district: int | None) -> bool:
    """Whether a row lies outside the caller's community (or district)."""
    if isinstance(row, Ref):
        own_community, own_district = row.community, row.district
    else:
        own_community, own_district = row.get("_community"), row.get("_district")
    if community is not None and own_community != community:
        return True
    return district is not None and own_district is not None and own_district != district


def china_today() -> date:
    return datetime.now(CHINA).date()


def _shown(value: object) -> object:
    """A value as history's JSON keeps it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- Writing ------------------------------------------------------------------------------


async def apply(
    session: AsyncSession,
    kind: Kind,
    rows: Sequence[Mapping[str, object]],
    actor: Viewer,
    *,
    mode: str = "upsert",
    community: int | None = None,
    district: int | None = None,
    fixed: Mapping[str, object] | None = None,
) -> Outcome:
    """Create or update `rows` of `kind` (mode `create`, `update` or `upsert`), limited to
    the rows of `community` (an id) when given. With problems nothing is written."""
    outcome = Outcome(ids=[None] * len(rows), codes=[None] * len(rows))
    problems = outcome.problems
    codes: list[str | None] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        code = _code_of(kind, row, index, mode, problems)
        if code is not None:
            if code in seen:
                problems.append(Problem(index, "code", code,
                                        f"编码 {code} 与第 {seen[code] + 1} 行重复。", DUPLICATE))  # fmt: skip
                code = None
            else:
                seen[code] = index
        codes.append(code)
    existing_by_code = await _load(session, kind.model, seen)
    existing: list[Mapping[str, Any] | None] = []
    for index, code in enumerate(codes):
        found = existing_by_code.get(code) if code is not None else None
        existing.append(found)
        if code is None:
            continue
        if found is not None and mode == "create":
            problems.append(Problem(index, "code", code,
                                    f"编码 {code} 已被使用（编码不可重复使用）。", DUPLICATE))  # fmt: skip
        elif (found is None and mode == "update") or (
            found is not None and _outside(found, community, district)
        ):
            problems.append(Problem(index, "code", code, f"未找到编码为 {code} 的{kind.label}。",
                                    NOT_FOUND))  # fmt: skip
        elif found is not None and found["retired_on"] is not None:
            problems.append(Problem(index, "code", code, f"该{kind.label}已撤销，不能修改。",
                                    INVALID_STATE))  # fmt: skip
    refused = {p.row for p in problems}
    values: list[dict[str, object] | None] = []
    for index, row in enumerate(rows):
        values.append(None if index in refused else _values(kind, row, index, existing[index],
                                                          problems))  # fmt: skip
    refs = await _parents(session, kind, rows, values, existing, community, district, problems)
    batch = Batch(kind, values, existing, refs, codes, problems)
    for check in kind.checks:
        await check(session, batch)
    if problems:
        problems.sort(key=lambda p: (p.row, kind.fields.index(p.field)
                                     if p.field in kind.fields else 99))  # fmt: skip
        return outcome
    await _write(session, kind, batch, actor, {**kind.fixed, **(fixed or {})}, outcome)
    return outcome


def _code_of(
    kind: Kind, row: Mapping[str, object], index: int, mode: str, problems: list[Problem]
) -> str | None:
    raw = row.get("code")
    code = "" if raw is None else str(raw).strip()
    if not code:
        if mode == "create" or (mode == "upsert" and "code" not in row):
            return None  # the hub assigns one
        problems.append(Problem(index, "code", raw, "请填写编码。"))
        return None
    if len(code) > kind.code_length or not CODE.match(code):
        problems.append(Problem(index, "code", raw, f"编码须为不超过 {kind.code_length} 位的"
                                "字母、数字、点、横线或下划线，且以字母或数字开头。"))  # fmt: skip
        return None
    return code


def _values(
    kind: Kind, row: Mapping[str, object], index: int, existing: Mapping[str, Any] | None,
    problems: list[Problem],
) -> dict[str, object] | None:  # fmt: skip
    values: dict[str, object] = {}
    ok = True
    for column in kind.columns:
        if column.name not in row:
            if existing is None:
                if column.required:
                    label = LABELS.get(column.name, column.name)
                    problems.append(Problem(index, column.name, None, f"{label}不能为空。"))
                    ok = False
                else:
                    values[column.column] = column.default
            continue
        try:
            parsed = column.parse(row[column.name])
        except Bad as bad:
            label = LABELS.get(column.name, column.name)
            problems.append(Problem(index, column.name, row[column.name], f"{label}{bad}"))
            ok = False
            continue
        if parsed is None and column.required:
            label = LABELS.get(column.name, column.name)
            problems.append(Problem(index, column.name, row[column.name], f"{label}不能为空。"))
            ok = False
            continue
        values[column.column] = column.default if parsed is None else parsed
    return values if ok else None


async def _parents(
    session: AsyncSession, kind: Kind, rows: Sequence[Mapping[str, object]],
    values: list[dict[str, object] | None], existing: list[Mapping[str, Any] | None],
    community: int | None, district: int | None, problems: list[Problem],
) -> list[dict[str, Ref | None]]:  # fmt: skip
    refs: list[dict[str, Ref | None]] = [{} for _ in rows]
    for parent in kind.parents:
        wanted = {str(r[parent.name]).strip() for r, v in zip(rows, values, strict=True)
                  if v is not None and r.get(parent.name) not in (None, "")}  # fmt: skip
        found = await _refs(session, parent.model, wanted)
        for index, row in enumerate(rows):
            if values[index] is None:
                continue
            raw = row.get(parent.name)
            if raw is None or str(raw).strip() == "":
                if parent.required and (existing[index] is None or parent.name in row):
                    problems.append(Problem(index, parent.name, raw, f"请填写{parent.label}编码。"))
                    values[index] = None
                elif parent.name in row:  # an optional parent cleared
                    values[index][parent.column] = None  # type: ignore[index]
                    refs[index][parent.name] = None
                continue
            ref = found.get(str(raw).strip())
            if ref is None or _outside(ref, community, district):
                problems.append(Problem(index, parent.name, raw, f"未找到该{parent.label}：{raw}。",
                                        NOT_FOUND))  # fmt: skip
            elif ref.retired:
                problems.append(Problem(index, parent.name, raw,
                                        f"该{parent.label}已撤销，不能新增或调入下级。",
                                        INVALID_STATE))  # fmt: skip
            else:
                values[index][parent.column] = ref.id  # type: ignore[index]
                refs[index][parent.name] = ref
                continue
            values[index] = None
    return refs


async def _write(
    session: AsyncSession, kind: Kind, batch: Batch, actor: Viewer,
    fixed: Mapping[str, object], outcome: Outcome,
) -> None:  # fmt: skip
    model, table = kind.model, kind.model.__table__
    inserts: list[dict[str, object]] = []
    insert_rows: list[int] = []
    updates: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    parent_ids: dict[str, set[int]] = defaultdict(set)
    changed: list[tuple[int, dict[str, object], Mapping[str, Any]]] = []
    for index, values in enumerate(batch.values):
        assert values is not None
        existing = batch.existing[index]
        if existing is None:
            code = batch.codes[index] or f"{kind.prefix}{secrets.token_hex(5).upper()}"
            outcome.codes[index] = code
            inserts.append({**fixed, **values, "code": code})
            insert_rows.append(index)
            continue
        outcome.ids[index], outcome.codes[index] = existing["id"], existing["code"]
        diff = {col: new for col, new in values.items() if existing[col] != new}
        if not diff:
            outcome.unchanged += 1
            continue
        updates.append({"id": existing["id"], **diff})
        changed.append((index, diff, existing))
        for parent in kind.parents:
            if parent.column in diff and existing[parent.column] is not None:
                parent_ids[parent.name].add(existing[parent.column])
    if inserts:
        result = await session.execute(
            insert(model).returning(table.c.id, table.c.code, sort_by_parameter_order=True),
            inserts,
        )
        for position, (row_id, _code) in enumerate(result.all()):
            index = insert_rows[position]
            outcome.ids[index] = row_id
            changes = {_field(kind, col): [None, _shown(_code_or(kind, batch, index, col, v))]
                       for col, v in values_of(inserts[position], fixed)
                       if v is not None and col != "code"}  # fmt: skip
            events.append(_event(kind, row_id, None, "created", changes, actor))
        outcome.created = len(inserts)
    if updates:
        await session.execute(update(model), updates)
        old_codes = {p.name: await _codes_of(session, p.model, parent_ids[p.name])
                     for p in kind.parents if parent_ids[p.name]}  # fmt: skip
        for index, diff, existing in changed:
            changes = {}
            for col, new in diff.items():
                name = _field(kind, col)
                moved = _parent_of(kind, col)
                if moved is not None:
                    before = old_codes.get(moved.name, {}).get(existing[col])
                    ref = batch.refs[index].get(moved.name)
                    changes[name] = [before, None if ref is None else ref.code]
                else:
                    changes[name] = [_shown(existing[col]), _shown(new)]
            events.append(_event(kind, existing["id"], "active", "updated", changes, actor))
        outcome.updated = len(updates)
    if events:
        await session.execute(insert(StateEvent), events)


def values_of(
    inserted: Mapping[str, object], fixed: Mapping[str, object]
) -> Iterable[tuple[str, object]]:
    """The given values of a new row (not the kind's fixed ones)."""
    return ((col, v) for col, v in inserted.items() if col not in fixed)


def _field(kind: Kind, column: str) -> str:
    for item in kind.columns:
        if item.column == column:
            return item.name
    parent = _parent_of(kind, column)
    return parent.name if parent is not None else column


def _parent_of(kind: Kind, column: str) -> Parent | None:
    return next((p for p in kind.parents if p.column == column), None)


def _code_or(kind: Kind, batch: Batch, index: int, column: str, value: object) -> object:
    parent = _parent_of(kind, column)
    if parent is None:
        return value
    ref = batch.refs[index].get(parent.name)
    return value if ref is None else ref.code


def _event(
    kind: Kind, row_id: int, before: str | None, after: str, changes: dict[str, Any],
    actor: Viewer, note: str | None = None,
) -> dict[str, object]:  # fmt: skip
    return {
        "entity_type": kind.entity, "entity_id": row_id, "from_state": before,
        "to_state": after, "actor_subject": actor.subject, "actor_role": actor.role.value,
        "actor_organisation": actor.organisation, "note": note, "changes": changes,
        "occurred_at": utcnow(),
    }  # fmt: skip


async def retire(
    session: AsyncSession, kind: Kind, codes: Sequence[str], actor: Viewer, *,
    reason: str | None = None, community: int | None = None, district: int | None = None,
    on: date | None = None,
) -> Outcome:  # fmt: skip
    """Retire rows by code (撤销): they stay, readable, with `retired_on`; no new children
    and no changes after. With problems nothing is written."""
    outcome = Outcome(ids=[None] * len(codes), codes=list(codes))
    day = on or china_today()
    found = await _load(session, kind.model, [c for c in codes if c])
    updates, events = [], []
    for index, code in enumerate(codes):
        row = found.get(code)
        if row is None or _outside(row, community, district):
            outcome.problems.append(Problem(index, "code", code,
                                            f"未找到编码为 {code} 的{kind.label}。", NOT_FOUND))  # fmt: skip
            continue
        if row["retired_on"] is not None:
            outcome.problems.append(Problem(index, "code", code, f"该{kind.label}已撤销。",
                                            INVALID_STATE))  # fmt: skip
            continue
        outcome.ids[index] = row["id"]
        retired: dict[str, object] = {"id": row["id"], "retired_on": day}
        if kind.model is ServiceCategory:
            retired["active"] = False
        updates.append(retired)
        events.append(_event(kind, row["id"], "active", "retired",
                             {"retiredOn": [None, day.isoformat()]}, actor, reason))  # fmt: skip
    if outcome.problems or not updates:
        return outcome
    await session.execute(update(kind.model), updates)
    await session.execute(insert(StateEvent), events)
    outcome.retired = len(updates)
    return outcome


# --- Checks beyond one cell ---------------------------------------------------------------


async def _grid_parent(session: AsyncSession, batch: Batch) -> None:
    """A parent grid is of the same community and one level or more up."""
    for index, values in enumerate(batch.values):
        if values is None:
            continue
        parent = batch.refs[index].get("parentCode")
        if parent is None:
            continue
        if parent.community != batch.merged(index, "community_id"):
            batch.refuse(
                index, "parentCode", parent.code, "上级网格须属于同一社区。", INVALID_INPUT
            )
            continue
        level = batch.merged(index, "level")
        if parent.level is not None and isinstance(level, int) and parent.level >= level:
            batch.refuse(index, "parentCode", parent.code,
                         f"上级网格的层级（{parent.level}）须高于本网格（{level}）。", INVALID_INPUT)  # fmt: skip


async def _compound_grid(session: AsyncSession, batch: Batch) -> None:
    """A compound's grid is of the compound's community."""
    for index, values in enumerate(batch.values):
        grid = batch.refs[index].get("gridCode")
        if values is None or grid is None:
            continue
        if grid.community != batch.merged(index, "community_id"):
            batch.refuse(index, "gridCode", grid.code, "网格须属于小区所在社区。", INVALID_INPUT)


async def _building_names(session: AsyncSession, batch: Batch) -> None:
    """A building's name is unique in its compound (e.g. one 3栋)."""
    wanted: dict[tuple[object, object], int] = {}
    compounds = set()
    for index, values in enumerate(batch.values):
        if values is None or ("name" not in values and "compound_id" not in values):
            continue
        key = (batch.merged(index, "compound_id"), batch.merged(index, "name"))
        if key in wanted:
            batch.refuse(index, "name", key[1], f"与第 {wanted[key] + 1} 行同一小区内楼栋重名。",
                         DUPLICATE)  # fmt: skip
            continue
        wanted[key] = index
        compounds.add(key[0])
    taken: dict[tuple[object, object], int] = {}
    ids = sorted(c for c in compounds if isinstance(c, int))
    for start in range(0, len(ids), CHUNK):
        stmt = select(BuildingRow.compound_id, BuildingRow.name, BuildingRow.id).where(
            BuildingRow.compound_id.in_(ids[start : start + CHUNK])
        )
        for compound_id, name, row_id in await session.execute(stmt):
            taken[(compound_id, name)] = row_id
    for key, index in wanted.items():
        existing = batch.existing[index]
        holder = taken.get(key)
        if holder is not None and (existing is None or existing["id"] != holder):
            batch.refuse(index, "name", key[1], "该小区已有同名楼栋。", DUPLICATE)


async def _household_place(session: AsyncSession, batch: Batch) -> None:
    """A household's community is its building's; one household per dwelling in force."""
    wanted: dict[tuple[object, object, object], int] = {}
    buildings = set()
    for index, values in enumerate(batch.values):
        if values is None:
            continue
        building = batch.refs[index].get("buildingCode")
        if building is not None:
            values["community_id"] = building.community
        key = (batch.merged(index, "building_id"), batch.merged(index, "unit_no"),
               batch.merged(index, "room_no"))  # fmt: skip
        if key in wanted:
            batch.refuse(index, "roomNo", key[2], f"与第 {wanted[key] + 1} 行是同一房屋。",
                         DUPLICATE)  # fmt: skip
            continue
        wanted[key] = index
        buildings.add(key[0])
    taken: dict[tuple[object, object, object], int] = {}
    ids = sorted(b for b in buildings if isinstance(b, int))
    for start in range(0, len(ids), CHUNK):
        stmt = select(Household.building_id, Household.unit_no, Household.room_no,
                      Household.id).where(Household.building_id.in_(ids[start : start + CHUNK]),
                                          Household.retired_on.is_(None))  # fmt: skip
        for building_id, unit_no, room_no, row_id in await session.execute(stmt):
            taken[(building_id, unit_no, room_no)] = row_id
    for key, index in wanted.items():
        existing = batch.existing[index]
        holder = taken.get(key)
        if holder is not None and (existing is None or existing["id"] != holder):
            batch.refuse(index, "roomNo", key[2], "该房屋已登记一户，请先注销原户。", DUPLICATE)


# --- The kinds ----------------------------------------------------------------------------

STREETS = Kind(
    "streets", Street, "Street", "街道", "ST", 32,
    columns=(Column("name", "name", text(60), required=True),
             Column("kind", "kind", choice(StreetKind), default=StreetKind.STREET)),
    community_level=False,
)  # fmt: skip
COMMUNITIES = Kind(
    "communities", Community, "Community", "社区", "CM", 32,
    columns=(Column("name", "name", text(60), required=True),
             Column("address", "address", text(200, optional=True))),
    parents=(Parent("streetCode", Street, "street_id", "街道"),),
    community_level=False,
)  # fmt: skip
GRIDS = Kind(
    "grids", Grid, "Grid", "网格", "GR", 32,
    columns=(Column("name", "name", text(60), required=True),
             Column("level", "level", whole(1, 6), required=True)),
    parents=(Parent("communityCode", Community, "community_id", "社区"),
             Parent("parentCode", Grid, "parent_id", "上级网格", required=False)),
    checks=(_grid_parent,),
)  # fmt: skip
COMPOUNDS = Kind(
    "compounds", Compound, "Compound", "小区", "CP", 32,
    columns=(Column("name", "name", text(60), required=True),
             Column("kind", "kind", choice(CompoundKind), default=CompoundKind.COMMERCIAL),
             Column("address", "address", text(200, optional=True)),
             Column("partyBranchName", "party_branch_name", text(120, optional=True))),
    parents=(Parent("communityCode", Community, "community_id", "社区"),
             Parent("gridCode", Grid, "grid_id", "网格", required=False)),
    checks=(_compound_grid,),
)  # fmt: skip
BUILDINGS = Kind(
    "buildings", BuildingRow, "Building", "楼栋", "BD", 40,
    columns=(Column("name", "name", text(40), required=True),
             Column("floors", "floors", whole(1, 200), default=6),
             Column("households", "households", whole(0, 10000), default=0)),
    parents=(Parent("compoundCode", Compound, "compound_id", "小区"),),
    checks=(_building_names,),
)  # fmt: skip
HOUSEHOLDS = Kind(
    "households", Household, "Household", "住户", "HH", 40,
    columns=(Column("unitNo", "unit_no", text(16, optional=True)),
             Column("roomNo", "room_no", text(16), required=True),
             Column("headName", "head_name", text(40), required=True),
             Column("phone", "phone", mobile),
             Column("size", "size", whole(1, 30), default=1)),
    parents=(Parent("buildingCode", BuildingRow, "building_id", "楼栋"),),
    checks=(_household_place,),
)  # fmt: skip
CATEGORIES = Kind(
    "categories", ServiceCategory, "ServiceCategory", "服务类别", "SC", 40,
    columns=(Column("name", "name", text(60), required=True),
             Column("year", "year", whole(2000, 2100), required=True),
             Column("orderDueHours", "order_due_hours", whole(1, 720), default=72)),
    community_level=False,
    fixed={"source": CategorySource.LOCAL, "active": True},
)  # fmt: skip
KINDS = {k.name: k for k in (STREETS, COMMUNITIES, GRIDS, COMPOUNDS, BUILDINGS, HOUSEHOLDS,
                             CATEGORIES)}  # fmt: skip
