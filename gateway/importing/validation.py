"""From a sheet's raw rows to the rows of a kind: headers matched to fields, cells parsed,
every problem that needs no database found.

The header row is the first row with at least two filled cells (a title line above it,
such as "某某单位党员花名册", is skipped). A row right under it whose every filled cell names
its own column again (the Chinese labels of a template, or field names under Chinese
headers) is a second header row and is skipped too. Blank rows are skipped; columns with
an empty header are ignored as long as they hold nothing.

A row of the result holds a key for each of the kind's columns the file has, and none for
a column it lacks (so a writer can tell "cleared" from "not given"); an empty cell of a
never-null field with a default (`Column.omit_empty`) counts as not given.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from gateway.importing.cells import CellError, clean, display
from gateway.importing.kinds import Column, Kind, header_key
from gateway.importing.readers import FileProblem, Row, Sheet
from gateway.importing.report import Problem

# Rows searched for the header row.
HEADER_SEARCH = 10


@dataclass
class Parsed:
    kind: Kind
    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # each row's number in the sheet
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as given
    problems: list[Problem] = field(default_factory=list)
    header_row: int = 0

    def problem(self, index: int, field_name: str, value: Any, message: str, code: str) -> Problem:
        """A problem of the writing step in row `index` of `rows`, as the sheet shows it."""
        header = self.headers.get(field_name, field_name)
        return Problem(self.lines[index], header, display(value), message, code)


def _filled(value: Any) -> bool:
    if value is None:
        return False
    return not isinstance(value, str) or bool(value.strip())


def _header_lookup(kind: Kind) -> dict[str, Column]:
    lookup: dict[str, Column] = {}
    for column in kind.columns:
        for name in (column.field, column.label, *column.aliases):
            lookup[header_key(name)] = column
    return lookup


def columns_help(kind: Kind) -> str:
    return "、".join(f"{c.field}（{c.label}）" for c in kind.columns)


def parse_sheet(kind: Kind, sheet: Sheet, *, progress: bool | None = None) -> Parsed:
    """The rows of `sheet` as rows of `kind`, with every problem. `progress`: a progress
    bar on standard error (default: when it is a terminal)."""
    parsed = Parsed(kind)
    if progress is None:
        progress = sys.stderr.isatty()
    rows = sheet.rows
    try:
        header = _find_header(rows)
        if header is None:
            parsed.problems.append(
                Problem(
                    0, "", "", f"找不到表头行。{kind.label}的列：{columns_help(kind)}", "NO_HEADER"
                )
            )
            return parsed
        parsed.header_row, cells = header
        specs, unnamed = _match_headers(kind, parsed, cells)
        _parse_rows(kind, parsed, specs, (unnamed, len(cells)), rows, sheet.total, progress)
    except FileProblem as exc:
        parsed.problems.append(Problem(exc.row, "", "", exc.message, "BAD_FILE"))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(Problem(0, "", "", "没有数据行：表头下方没有任何内容", "NO_ROWS"))
    return parsed


def _find_header(rows: Iterator[Row]) -> Row | None:
    for number, cells in rows:
        if sum(1 for value in cells if _filled(value)) >= 2:
            return number, cells
        if number >= HEADER_SEARCH:
            return None
    return None


# (index in the row, field, parser, required, header as given, parsed values by text,
# whether an empty cell leaves the field out)
Spec = tuple[int, str, Callable[[Any], Any], bool, str, dict[str, Any] | None, bool]
# Distinct texts remembered per column: enough for every date of a century.
MEMO_LIMIT = 50_000
_MISSING = object()


def _match_headers(
    kind: Kind, parsed: Parsed, cells: Sequence[Any]
) -> tuple[list[Spec], list[int]]:
    lookup = _header_lookup(kind)
    specs: list[Spec] = []
    unnamed: list[int] = []
    row = parsed.header_row
    for index, value in enumerate(cells):
        given = clean(value)
        if given is None:
            unnamed.append(index)
            continue
        column = lookup.get(header_key(given))
        if column is None:
            parsed.problems.append(
                Problem(row, given, given,
                        f"未知的列。{kind.label}导入可用的列：{columns_help(kind)}",
                        "UNKNOWN_COLUMN")
            )  # fmt: skip
        elif column.field in parsed.headers:
            first = parsed.headers[column.field]
            parsed.problems.append(
                Problem(row, given, given, f"与“{first}”列重复（都是 {column.field}）",
                        "DUPLICATE_COLUMN")
            )  # fmt: skip
        else:
            parsed.headers[column.field] = given
            memo: dict[str, Any] | None = {} if column.repeats else None
            specs.append(
                (index, column.field, column.parse, column.required, given, memo,
                 column.omit_empty)
            )  # fmt: skip
    for column in kind.required:
        if column.field not in parsed.headers:
            parsed.problems.append(
                Problem(row, f"{column.field}（{column.label}）", "",
                        f"缺少必填列 {column.field}（{column.label}）", "MISSING_COLUMN")
            )  # fmt: skip
    return specs, unnamed


def _is_second_header(kind: Kind, specs: list[Spec], cells: Sequence[Any]) -> bool:
    lookup = _header_lookup(kind)
    fields = {index: name for index, name, *_ in specs}
    seen = False
    for index, value in enumerate(cells):
        text = clean(value)
        if text is None:
            continue
        column = lookup.get(header_key(text))
        if column is None or fields.get(index) != column.field:
            return False
        seen = True
    return seen


def _parse_rows(
    kind: Kind,
    parsed: Parsed,
    specs: list[Spec],
    unnamed: tuple[list[int], int],
    rows: Iterator[Row],
    total: int | None,
    progress: bool,
) -> None:
    from tqdm import tqdm

    problems = parsed.problems
    records, lines = parsed.rows, parsed.lines
    checks = kind.checks
    codes: dict[Any, int] = {}
    together: list[tuple[tuple[str, ...], dict[tuple[Any, ...], int]]] = [
        (fields, {}) for fields in kind.unique if all(f in parsed.headers for f in fields)
    ]
    # Cells under an empty header, or right of the last header: reported once a column.
    blank_headers, width = unnamed
    reported_unnamed: set[int] = set()
    first = True
    bar = tqdm(
        total=total, initial=parsed.header_row, unit="行", desc=f"读取{kind.label}",
        disable=not progress, file=sys.stderr,
    )  # fmt: skip
    step = 0
    try:
        for number, cells in rows:
            step += 1
            if step == 1000:
                bar.update(step)
                step = 0
            for value in cells:  # a blank row is skipped (inline: this runs per row)
                if value is not None and (value.__class__ is not str or value.strip()):
                    break
            else:
                continue
            if first:
                first = False
                if _is_second_header(kind, specs, cells):
                    continue
            size = len(cells)
            record: dict[str, Any] = {}
            for index, name, parse, required, header, memo, omit_empty in specs:
                raw = cells[index] if index < size else None
                value = _MISSING
                if memo is not None and raw.__class__ is str:
                    value = memo.get(raw, _MISSING)
                if value is _MISSING:
                    try:
                        value = parse(raw)
                    except CellError as exc:
                        problems.append(
                            Problem(number, header, display(raw), exc.message, exc.code)
                        )
                        continue
                    if memo is not None and raw.__class__ is str and len(memo) < MEMO_LIMIT:
                        memo[raw] = value
                if value is None:
                    if required:
                        problems.append(Problem(number, header, "", "必填，不能为空", "REQUIRED"))
                    elif omit_empty:
                        continue
                record[name] = value
            stray = blank_headers if size <= width else [*blank_headers, *range(width, size)]
            for index in stray:
                if index < size and index not in reported_unnamed and _filled(cells[index]):
                    reported_unnamed.add(index)
                    letter = get_column_letter(index + 1)
                    problems.append(
                        Problem(number, f"{letter}列", display(cells[index]),
                                "此列没有表头：请填写表头或删除此列", "UNNAMED_COLUMN")
                    )  # fmt: skip
            for check in checks:
                for name, code, message in check(record):
                    header = parsed.headers.get(name, name)
                    problems.append(Problem(number, header, display(record[name]), message, code))
            code_value = record.get("code")
            if code_value is not None:
                seen = codes.setdefault(code_value, number)
                if seen != number:
                    problems.append(
                        Problem(number, parsed.headers["code"], code_value,
                                f"编码与第 {seen} 行重复", "DUPLICATE_CODE")
                    )  # fmt: skip
            for fields, seen_rows in together:
                key = tuple(record.get(f) for f in fields)
                if key[0] is None or key[-1] is None:
                    continue
                earlier = seen_rows.setdefault(key, number)
                if earlier != number:
                    header = parsed.headers[fields[-1]]
                    labels = "、".join(kind.by_field[f].label for f in fields)
                    problems.append(
                        Problem(number, header, display(key[-1]),
                                f"{labels}与第 {earlier} 行重复", "DUPLICATE_ROW")
                    )  # fmt: skip
            records.append(record)
            lines.append(number)
    finally:
        bar.update(step)
        bar.close()
