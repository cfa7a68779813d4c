"""What each import kind's file holds: its columns, named as the fields of the matching
GraphQL input (camelCase) with a Chinese label each, and the checks across a row's cells.

A column's header may be the field name or its Chinese label (or one of a few labels the
rosters in use write, `aliases`), in any case, with spaces and full-width forms ignored.
Lengths follow the database columns (datasources/*/models.py); codes are the stable keys.
Only what needs no database is checked here: whether a code names an existing unit,
branch or community is the master-data services' business.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from datasources.common import CHINA
from datasources.community.models import CompoundKind, StreetKind
from datasources.units.models import Gender, PoliticalStatus, UnitKind, UnitLevel
from gateway.importing import cells
from gateway.importing.labels import enum_labels

# A problem found across a row's cells: the field to blame, a machine code, a message.
RowCheck = Callable[[Mapping[str, Any]], list[tuple[str, str, str]]]

# The CPC was founded on 1 July 1921: no branch or membership is older.
PARTY_FOUNDED = date(1921, 7, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
# Party Constitution, article 1: a member has reached the age of eighteen (年满十八岁).
JOINING_AGE = 18


def china_today() -> date:
    return datetime.now(CHINA).date()


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    parse: cells.Parser
    required: bool = False
    aliases: tuple[str, ...] = ()
    # How the template explains the cell (格式说明) and, for an enum or a yes/no cell, the
    # words it offers in a drop-down list.
    hint: str = ""
    choices: tuple[str, ...] = ()
    # Codes and phone numbers: the template formats the column as text, so Excel keeps
    # 13800138000 and 0010 as typed.
    as_text: bool = False
    # Few distinct values repeated over many rows (enums, yes/no, dates, a parent's code):
    # each distinct text is parsed once per file.
    repeats: bool = False
    # A field that is never null and has a default (a street's kind, a building's floors,
    # a member's inService ...): an empty cell leaves the key out of the row, so the writer
    # takes the default on creation and keeps the stored value on update. An empty cell of
    # any other optional column is None: the value is cleared.
    omit_empty: bool = False


@dataclass(frozen=True)
class Kind:
    name: str  # as on the command line: members
    label: str  # 党员
    columns: tuple[Column, ...]
    checks: tuple[RowCheck, ...] = ()
    # Besides `code`, fields whose values together must not repeat within a file (what the
    # database keeps unique too, e.g. a building's name within its compound).
    unique: tuple[tuple[str, ...], ...] = ()
    by_field: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_field", {c.field: c for c in self.columns})

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


def header_key(text: str) -> str:
    """A header as it is matched: full-width forms as ASCII, no whitespace anywhere, case
    folded, a trailing required-mark asterisk dropped."""
    key = "".join(unicodedata.normalize("NFKC", text).split()).strip("\ufeff\u200b")
    return key.rstrip("*").casefold()


# Column builders ---------------------------------------------------------------------------


def code_column(
    field: str, label: str, *, required: bool = True, length: int = 32, dots: bool = True,
    aliases: tuple[str, ...] = (),
) -> Column:  # fmt: skip
    """A code; `dots`: whether "." is allowed (the community side's codes; the units side's
    are letters, digits, "_" and "-")."""
    allowed = "字母、数字和 . _ -" if dots else "字母、数字和 _ -"
    return Column(
        field, label, cells.code(length, dots=dots), required=required, aliases=aliases,
        as_text=True, hint=f"{allowed}，不超过 {length} 个字符", repeats=field != "code",
    )  # fmt: skip


def unit_code(field: str, label: str, *, required: bool = True) -> Column:
    """A code of the units side (单位、支部、党员)."""
    return code_column(field, label, required=required, dots=False)


def text_column(
    field: str, label: str, length: int, *, required: bool = False, aliases: tuple[str, ...] = ()
) -> Column:
    hint = f"不超过 {length} 个字"
    return Column(field, label, cells.text(length), required, aliases, hint=hint)


def enum_column(
    field: str, label: str, enum_cls: Any, *, required: bool = True,
    aliases: tuple[str, ...] = (), default: Any = None,
) -> Column:  # fmt: skip
    labels = enum_labels(enum_cls)
    hint = "填写：" + "、".join(labels.values())
    if default is not None:
        hint += f"；不填为{labels[default]}"
    return Column(
        field, label, cells.choice(enum_cls), required, aliases, hint=hint,
        choices=tuple(labels.values()), repeats=True, omit_empty=default is not None,
    )  # fmt: skip


def date_column(field: str, label: str, earliest: date, *, required: bool = False) -> Column:
    return Column(
        field, label, cells.day(earliest, china_today), required,
        hint="日期，如 2025-06-11、2025/6/11 或 2025年6月11日", repeats=True,
    )  # fmt: skip


def int_column(
    field: str, label: str, low: int, high: int, *, required: bool = False,
    aliases: tuple[str, ...] = (), default: int | None = None,
) -> Column:  # fmt: skip
    hint = f"整数，{low} 至 {high}" + (f"；不填为 {default}" if default is not None else "")
    return Column(
        field, label, cells.integer(low, high), required, aliases, hint=hint, repeats=True,
        omit_empty=default is not None,
    )  # fmt: skip


def phone_column(field: str, label: str, aliases: tuple[str, ...] = ()) -> Column:
    return Column(field, label, cells.phone(), aliases=aliases, as_text=True, hint="11 位手机号码")


# Checks across cells ----------------------------------------------------------------------


def _joined_after_birth(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    born, joined = row.get("birthDate"), row.get("joinedPartyOn")
    if born is None or joined is None:
        return []
    age = joined.year - born.year - ((joined.month, joined.day) < (born.month, born.day))
    if age < JOINING_AGE:
        return [("joinedPartyOn", "TOO_YOUNG", f"入党时未满 {JOINING_AGE} 周岁（出生日期 {born}）")]
    return []


def _not_yet_joined(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    status = row.get("politicalStatus")
    if row.get("joinedPartyOn") is not None and status in (
        PoliticalStatus.ACTIVIST,
        PoliticalStatus.DEVELOPMENT_TARGET,
    ):
        label = enum_labels(PoliticalStatus)[status]
        return [("joinedPartyOn", "NOT_A_MEMBER_YET", f"{label}尚未入党，入党日期应为空")]
    return []


def _not_own_parent(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    if row.get("parentCode") is not None and row.get("parentCode") == row.get("code"):
        return [("parentCode", "OWN_PARENT", "上级网格不能是本网格")]
    return []


# The kinds ---------------------------------------------------------------------------------

_BOOLEAN_HINT = "是 或 否（也可填 true/false、1/0、Y/N）；不填：新党员为“是”，已有的不变"

UNITS = Kind(
    "units",
    "单位",
    (
        unit_code("code", "单位编码"),
        text_column("name", "单位名称", 120, required=True),
        enum_column("kind", "单位类型", UnitKind),
        enum_column("level", "单位层级", UnitLevel),
        text_column("districtName", "所在区", 40, required=True, aliases=("所在区县",)),
        text_column("address", "地址", 200, aliases=("单位地址", "办公地址")),
    ),
)

BRANCHES = Kind(
    "branches",
    "支部",
    (
        unit_code("code", "支部编码"),
        text_column("name", "支部名称", 120, required=True),
        unit_code("unitCode", "单位编码"),
        text_column("secretaryName", "支部书记", 40, aliases=("书记姓名",)),
        date_column("foundedOn", "成立日期", PARTY_FOUNDED),
    ),
)

MEMBERS = Kind(
    "members",
    "党员",
    (
        unit_code("code", "党员编码"),
        text_column("name", "姓名", 40, required=True),
        enum_column("gender", "性别", Gender),
        phone_column("phone", "手机号码", aliases=("手机号", "联系电话")),
        # Optional: a branch names its unit; when given, the two must agree.
        unit_code("unitCode", "单位编码", required=False),
        unit_code("branchCode", "支部编码"),
        enum_column("politicalStatus", "政治面貌", PoliticalStatus),
        date_column("joinedPartyOn", "入党日期", PARTY_FOUNDED),
        date_column("birthDate", "出生日期", EARLIEST_BIRTH),
        Column(
            "inService",
            "是否在职",
            cells.boolean(),
            aliases=("在职",),
            hint=_BOOLEAN_HINT,
            choices=("是", "否"),
            repeats=True,
            omit_empty=True,
        ),
        text_column("jobTitle", "职务", 60),
        Column(
            "skills",
            "特长",
            cells.words(40, 20),
            aliases=("技能", "专长"),
            hint="多项用 、，, ; 分隔，每项不超过 40 个字",
        ),
    ),
    checks=(_joined_after_birth, _not_yet_joined),
)

STREETS = Kind(
    "streets",
    "街道",
    (
        code_column("code", "街道编码", aliases=("编码",)),
        text_column("name", "街道名称", 60, required=True, aliases=("名称",)),
        # Optional: a street (街道) unless the row says town (镇).
        enum_column(
            "kind",
            "街镇类型",
            StreetKind,
            required=False,
            aliases=("类型",),
            default=StreetKind.STREET,
        ),
    ),
)

COMMUNITIES = Kind(
    "communities",
    "社区",
    (
        code_column("code", "社区编码", aliases=("编码",)),
        text_column("name", "社区名称", 60, required=True, aliases=("名称",)),
        code_column("streetCode", "街道编码"),
        text_column("address", "地址", 200),
    ),
)

GRIDS = Kind(
    "grids",
    "网格",
    (
        code_column("code", "网格编码", aliases=("编码",)),
        text_column("name", "网格名称", 60, required=True, aliases=("名称",)),
        code_column("communityCode", "社区编码"),
        int_column("level", "网格层级", 1, 6, required=True, aliases=("层级",)),
        code_column("parentCode", "上级网格编码", required=False),
    ),
    checks=(_not_own_parent,),
)

COMPOUNDS = Kind(
    "compounds",
    "小区",
    (
        code_column("code", "小区编码", aliases=("编码",)),
        text_column("name", "小区名称", 60, required=True, aliases=("名称",)),
        code_column("communityCode", "社区编码"),
        code_column("gridCode", "网格编码", required=False),
        # Optional: a compound with property service (有物业小区) unless the row says.
        enum_column(
            "kind",
            "小区类型",
            CompoundKind,
            required=False,
            aliases=("类型",),
            default=CompoundKind.COMMERCIAL,
        ),
        text_column("address", "地址", 200, aliases=("小区地址",)),
        text_column("partyBranchName", "小区党支部名称", 120, aliases=("小区党支部",)),
    ),
)

BUILDINGS = Kind(
    "buildings",
    "楼栋",
    (
        code_column("code", "楼栋编码", length=40, aliases=("编码",)),
        text_column("name", "楼栋名称", 40, required=True, aliases=("楼栋", "名称")),
        code_column("compoundCode", "小区编码"),
        int_column("floors", "楼层数", 1, 200, aliases=("层数",), default=6),
        # `households` (户数), as the GraphQL input names it; `dwellingUnits` is accepted too.
        int_column("households", "户数", 0, 10_000, aliases=("dwellingUnits",), default=0),
    ),
    unique=(("compoundCode", "name"),),
)

HOUSEHOLDS = Kind(
    "households",
    "住户",
    (
        code_column("code", "户编码", length=40, aliases=("编码",)),
        code_column("buildingCode", "楼栋编码", length=40),
        text_column("unitNo", "单元号", 16, aliases=("单元",)),
        text_column("roomNo", "房号", 16, required=True, aliases=("门牌号",)),
        text_column("headName", "户主姓名", 40, required=True, aliases=("户主",)),
        phone_column("phone", "联系电话", aliases=("手机号码", "手机号")),
        int_column("size", "户人数", 1, 30, aliases=("家庭人数",), default=1),
    ),
    unique=(("buildingCode", "unitNo", "roomNo"),),
)

CATEGORIES = Kind(
    "categories",
    "服务分类",
    (
        code_column("code", "分类编码", length=40, aliases=("编码",)),
        text_column("name", "分类名称", 60, required=True, aliases=("名称",)),
        int_column("year", "年度", 2000, 2100, required=True),
        int_column(
            "orderDueHours",
            "办结时限（小时）",
            1,
            720,
            aliases=("点单时限（小时）",),
            default=72,
        ),
    ),
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        UNITS, BRANCHES, MEMBERS, STREETS, COMMUNITIES, GRIDS, COMPOUNDS, BUILDINGS,
        HOUSEHOLDS, CATEGORIES,
    )
}  # fmt: skip
