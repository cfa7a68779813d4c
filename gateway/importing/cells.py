"""Cell parsers: a raw cell (a CSV string, or what openpyxl gives for an XLSX cell: str,
int, float, bool, datetime, None) to the value of a GraphQL input field.

Each parser returns None for an empty cell and raises `CellError` (a machine code and a
Chinese message) for a bad one; whether an empty cell is allowed is the column's business
(`kinds.Column.required`). Parsers are built once per column and called per cell, so the
common case (a clean string) takes few steps.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from gateway.importing.labels import enum_labels

Parser = Callable[[Any], Any]

# Trimmed from both ends of a cell: Unicode whitespace (the ideographic, full-width space
# and the no-break space among it) and what people paste unseen: zero-width space, a BOM.
_BLANK = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\u200b\ufeff"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The formula-neutralising quote `gateway.reports.neutral` puts before an exported cell.
_NEUTRALISED = re.compile(r"'(?=[=+\-@\t\r＝＋－＠])")


class CellError(ValueError):
    """A cell that cannot be read as its column's type."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean(value: Any) -> str | None:
    """A cell as trimmed text, None when empty. Integral floats (how Excel keeps a phone
    number or a numeric code typed into a General cell: 13800138000.0) lose the ".0"."""
    if value is None:
        return None
    if value.__class__ is str:
        return value.strip(_BLANK) or None
    if isinstance(value, str):
        text = value.strip(_BLANK)
    elif isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value).strip()
    return text or None


def display(value: Any) -> str:
    """A cell as a problem report shows it (the value as the user typed it, trimmed); a
    parsed value (an enum member, a list) as the user would have typed it."""
    if isinstance(value, enum.Enum):
        try:
            return enum_labels(type(value))[value]
        except LookupError:
            return value.name
    if isinstance(value, list):
        value = "、".join(str(item) for item in value)
    text = clean(value)
    if text is None:
        return ""
    return text if len(text) <= 100 else text[:99] + "…"


def _folded(text: str) -> str:
    """Full-width letters and digits as ASCII, no inner spaces, case folded: the key under
    which enum and boolean words are looked up."""
    return "".join(_ascii(text).split()).casefold()


def _ascii(text: str) -> str:
    """Full-width letters, digits and signs as ASCII (NFKC), for digits, dates, codes."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def text(max_length: int) -> Parser:
    def parse(value: Any) -> str | None:
        # clean(value), inline for the common case: this runs for every cell.
        result = value.strip(_BLANK) if value.__class__ is str else clean(value)
        if not result:
            return None
        if result[0] == "'":
            result = _NEUTRALISED.sub("", result, count=1)
        if len(result) > max_length:
            raise CellError("TOO_LONG", f"不能超过 {max_length} 个字")
        if _CONTROL.search(result) is not None:
            raise CellError("BAD_TEXT", "含有换行符或控制字符")
        return result

    return parse


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]*")
_CODE_NO_DOT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")


def code(max_length: int, *, dots: bool = True) -> Parser:
    """A stable code (编码): ASCII letters, digits, _ and - (and . where the side allows
    it), starting with a letter or digit; full-width characters are read as ASCII."""
    pattern = _CODE if dots else _CODE_NO_DOT
    allowed = "字母、数字和 . _ -" if dots else "字母、数字和 _ -"

    def parse(value: Any) -> str | None:
        # clean(value), inline for the common case: this runs for every cell.
        result = value.strip(_BLANK) if value.__class__ is str else clean(value)
        if not result:
            return None
        result = _ascii(result)
        if pattern.fullmatch(result) is None:
            raise CellError("BAD_CODE", f"编码只能由{allowed} 组成，且以字母或数字开头")
        if len(result) > max_length:
            raise CellError("TOO_LONG", f"编码不能超过 {max_length} 个字符")
        return result

    return parse


def integer(low: int, high: int) -> Parser:
    def parse(value: Any) -> int | None:
        if isinstance(value, bool):
            raise CellError("BAD_NUMBER", "应为整数")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise CellError("BAD_NUMBER", "应为整数")
            number = int(value)
        else:
            result = clean(value)
            if result is None:
                return None
            digits = _ascii(result).replace(",", "")
            if digits.endswith(".0"):
                digits = digits[:-2]
            if re.fullmatch(r"[+-]?[0-9]{1,9}", digits) is None:
                raise CellError("BAD_NUMBER", "应为整数")
            number = int(digits)
        if not low <= number <= high:
            raise CellError("OUT_OF_RANGE", f"应在 {low} 至 {high} 之间")
        return number

    return parse


_TRUE = frozenset({"是", "true", "1", "y", "yes", "t"})
_FALSE = frozenset({"否", "false", "0", "n", "no", "f"})


def boolean() -> Parser:
    """是/否, true/false, 1/0, Y/N (any case, full-width too), and XLSX boolean cells."""

    def parse(value: Any) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        # clean(value), inline for the common case: this runs for every cell.
        result = value.strip(_BLANK) if value.__class__ is str else clean(value)
        if not result:
            return None
        key = _folded(result)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise CellError("BAD_BOOLEAN", "应为“是”或“否”")

    return parse


# 2025-06-11, 2025/6/11, 2025.6.11, 2025年6月11日, 20250611, each optionally followed by a
# time of day (what a CSV saved from an Excel date-time cell carries).
_DATE = re.compile(
    r"([0-9]{4})\s*(?:[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?|([0-9]{2})([0-9]{2}))"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)


def day(earliest: date, latest: Callable[[], date]) -> Parser:
    """A calendar date, from an XLSX date cell or text; `latest()` is the last day allowed
    (today, China time, for a birth or joining date)."""
    today = [latest()]

    def parse(value: Any) -> date | None:
        if isinstance(value, datetime):
            result = value.date()
        elif isinstance(value, date):
            result = value
        else:
            text_value = value.strip(_BLANK) if value.__class__ is str else clean(value)
            if not text_value:
                return None
            result = _text_date(text_value)
        if result < earliest:
            raise CellError("DATE_OUT_OF_RANGE", f"日期不能早于 {earliest.isoformat()}")
        if result > today[0]:  # the day may have changed since it was read
            today[0] = latest()
            if result > today[0]:
                raise CellError("DATE_OUT_OF_RANGE", "日期不能晚于今天")
        return result

    return parse


def _text_date(text_value: str) -> date:
    match = _DATE.fullmatch(_ascii(text_value))
    if match is None:
        raise CellError("BAD_DATE", "日期格式不正确，应为 2025-06-11、2025/6/11 或 2025年6月11日")
    month = match.group(2) or match.group(4)
    dom = match.group(3) or match.group(5)
    try:
        return date(int(match.group(1)), int(month), int(dom))
    except ValueError:
        raise CellError("BAD_DATE", "不是有效的日期") from None


def choice(enum_cls: type[enum.Enum]) -> Parser:
    """An enum member by its GraphQL name (FULL), its stored value (full) or its Chinese
    label (正式党员), in any case, full-width letters too."""
    labels = enum_labels(enum_cls)
    lookup: dict[str, enum.Enum] = {}
    for member, label in labels.items():
        for key in (member.name, str(member.value), label):
            lookup[key] = lookup[_folded(key)] = member
    allowed = "、".join(labels.values())

    def parse(value: Any) -> enum.Enum | None:
        # clean(value), inline for the common case: this runs for every cell.
        result = value.strip(_BLANK) if value.__class__ is str else clean(value)
        if not result:
            return None
        member = lookup.get(result) or lookup.get(_folded(result))
        if member is None:
            raise CellError("BAD_CHOICE", f"应为以下之一：{allowed}")
        return member

    return parse


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_NOISE = re.compile(r"[\s\-()]")
# How a CSV saved from Excel spells a long number in a General cell: 1.38001E+10.
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")


def phone() -> Parser:
    """A mainland mobile number (1[3-9] and nine digits), with or without +86 and spaces or
    hyphens between the digit groups."""

    def parse(value: Any) -> str | None:
        # clean(value), inline for the common case: this runs for every cell.
        result = value.strip(_BLANK) if value.__class__ is str else clean(value)
        if not result:
            return None
        digits = (
            result
            if result.isascii() and result.isdigit()
            else _PHONE_NOISE.sub("", _ascii(result))
        )
        if digits.startswith("+86"):
            digits = digits[3:]
        elif digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if _MOBILE.fullmatch(digits) is None:
            if _SCIENTIFIC.fullmatch(digits):
                raise CellError(
                    "BAD_PHONE", "手机号码被 Excel 存成了科学计数法：请把该列设为文本，重新填写号码"
                )
            raise CellError("BAD_PHONE", "不是有效的手机号码（11 位，以 13-19 开头）")
        return digits

    return parse


_SEPARATORS = re.compile(r"[、，,;；]")


def words(max_length: int, max_items: int) -> Parser:
    """A list of short words separated by 、，, ; or ；, trimmed, duplicates dropped."""

    def parse(value: Any) -> list[str] | None:
        # clean(value), inline for the common case: this runs for every cell.
        result = value.strip(_BLANK) if value.__class__ is str else clean(value)
        if not result:
            return None
        items = _unique(item.strip() for item in _SEPARATORS.split(result))
        if len(items) > max_items:
            raise CellError("TOO_MANY", f"最多 {max_items} 项")
        for item in items:
            if len(item) > max_length:
                raise CellError("TOO_LONG", f"每项不能超过 {max_length} 个字：{item}")
        return items

    return parse


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
