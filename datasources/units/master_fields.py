"""The fields of the units side's master data rows (主数据字段) and how a plain value becomes
a stored one: codes, enums (value, name or Chinese label), dates, phones, yes/no.

A row is a mapping from the GraphQL input field names (`code`, `unitCode`, `joinedPartyOn`,
...) to values: typed ones from the API, or the text of a spreadsheet cell. Each parser
returns the stored value or raises `FieldProblem` with a Chinese message.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from datasources.units.models import Gender, PoliticalStatus, UnitKind, UnitLevel

E = TypeVar("E", bound=enum.Enum)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
# The Party was founded on 1921-07-01: no branch or membership can be older.
EARLIEST_PARTY_DATE = date(1921, 7, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
MINIMUM_JOINING_AGE = 18  # 党章: 年满十八岁

LABELS: dict[type[enum.Enum], dict[enum.Enum, str]] = {
    UnitKind: {
        UnitKind.AGENCY: "机关",
        UnitKind.PUBLIC_INSTITUTION: "事业单位",
        UnitKind.STATE_ENTERPRISE: "国有企业",
        UnitKind.TWO_NEW: "两新组织",
    },
    UnitLevel: {UnitLevel.CITY: "市直", UnitLevel.DISTRICT: "区直", UnitLevel.TOWN: "镇街"},
    Gender: {Gender.MALE: "男", Gender.FEMALE: "女"},
    PoliticalStatus: {
        PoliticalStatus.FULL: "正式党员",
        PoliticalStatus.PROBATIONARY: "预备党员",
        PoliticalStatus.DEVELOPMENT_TARGET: "发展对象",
        PoliticalStatus.ACTIVIST: "入党积极分子",
    },
}
_TRUE = {"true", "1", "yes", "y", "是", "在职", "t"}
_FALSE = {"false", "0", "no", "n", "否", "不在职", "离职", "退休", "f"}


class FieldProblem(Exception):
    """A value that cannot be stored: the Chinese message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text(value: Any, *, label: str, length: int, required: bool = False) -> str | None:
    """Trimmed text; None for an empty value (an error when required)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldProblem(f"请填写{label}。")
        return None
    found = (value if isinstance(value, str) else str(value)).strip()
    if len(found) > length:
        raise FieldProblem(f"{label}不能超过{length}个字。")
    return found


def code(value: Any, *, label: str) -> str | None:
    """A code (编码): letters, digits, '-' and '_', at most 32, starting with a letter or digit."""
    found = text(value, label=label, length=32)
    if found is not None and not CODE_PATTERN.match(found):
        raise FieldProblem(f"{label}只能由字母、数字、“-”和“_”组成，且以字母或数字开头。")
    return found


def choice(value: Any, enum_cls: type[E], *, label: str) -> E | None:
    """An enum member from itself, its value, its name or its Chinese label."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, enum.Enum):  # the schema's enum of the same values
        value = value.value
    wanted = str(value).strip()
    for member in enum_cls:
        names = (member.value, member.name, LABELS.get(enum_cls, {}).get(member))
        if wanted in names or wanted.lower() in names:
            return member
    known = "、".join(label for label in LABELS.get(enum_cls, {}).values())
    raise FieldProblem(f"未知的{label}：{wanted}（可填：{known}）。")


def day(value: Any, *, label: str, earliest: date, latest: date) -> date | None:
    """A date from a date, '2025-06-11' or '2025/6/11', within [earliest, latest]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        found = _parse_day(str(value).strip(), label)
    if found < earliest:
        raise FieldProblem(f"{label}不能早于{earliest.isoformat()}。")
    if found > latest:
        raise FieldProblem(f"{label}不能晚于{latest.isoformat()}。")
    return found


def _parse_day(value: str, label: str) -> date:
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value)
    if match is None:
        raise FieldProblem(f"{label}格式不正确：{value}（应为 2025-06-11）。")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise FieldProblem(f"{label}不是有效日期：{value}。") from None


def mobile(value: Any) -> str | None:
    """A mainland mobile number (11 digits starting 13–19), spaces, '-' and +86 removed."""
    found = text(value, label="手机号码", length=20)
    if found is None:
        return None
    digits = re.sub(r"[\s-]", "", found)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not MOBILE_PATTERN.match(digits):
        raise FieldProblem(f"手机号码不是有效的大陆手机号：{found}。")
    return digits


def yes_no(value: Any, *, label: str) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    wanted = str(value).strip().lower()
    if wanted in _TRUE:
        return True
    if wanted in _FALSE:
        return False
    raise FieldProblem(f"{label}应填“是”或“否”：{value}。")


def skill_list(value: Any) -> list[str] | None:
    """Skills (特长): a list, or text separated by 、，,;； or spaces; at most 20 of 20 chars."""
    if value is None:
        return None
    if isinstance(value, str):
        items = [part.strip() for part in re.split(r"[、，,;；\s]+", value)]
    else:
        items = [str(part).strip() for part in value]
    skills: list[str] = []
    for item in items:
        if item and item not in skills:
            if len(item) > 20:
                raise FieldProblem(f"特长“{item[:20]}…”不能超过20个字。")
            skills.append(item)
    if len(skills) > 20:
        raise FieldProblem("特长最多填写20项。")
    return skills


def given(row: Mapping[str, Any], name: str) -> bool:
    """Whether the row carries the field at all (an update leaves the others as they are)."""
    return name in row


def plain_text(value: Any) -> str:
    """A given value as the problem report shows it."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    return str(value)
