"""Import templates (导入模板): the file an operator fills in.

Row 1 holds the field names (`code`, `name`, ...), row 2 the Chinese labels (党员编码, 姓名,
...): the reader takes row 1 as the header and skips row 2 because each of its cells names
its own column again (`validation._is_second_header`), so a filled-in template imports as
it is, and so does one whose first row was deleted. Data go from row 3.

- `.xlsx`: the sheet for the data first (the reader reads the first sheet), then a sheet
  "填写说明" with each column's label, whether it is required and how to fill it. Code and
  phone columns are formatted as text (the column's style), so Excel keeps 13800138000 and 0010 as typed; enum
  and yes/no columns offer their words in a drop-down list.
- `.csv`: the two header rows, UTF-8 with a byte-order mark (how Excel recognises UTF-8).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from gateway.importing.kinds import KINDS, Kind

# The data rows' drop-down lists cover every row Excel has.
LAST_ROW = 1_048_576


class TemplateExists(FileExistsError):
    """The template's path names an existing file: it may be a filled-in roster."""


def template(kind: Kind | str, path: Path | str) -> None:
    """Write the template of `kind` (a Kind or its name, e.g. "members") to `path` (.xlsx
    or .csv, by its suffix); never over an existing file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"{path}: a template is .xlsx or .csv")
    body = template_bytes(kind, suffix[1:])
    try:
        with path.open("xb") as handle:
            handle.write(body)
    except FileExistsError as exc:
        raise TemplateExists(str(path)) from exc


def template_bytes(kind: Kind | str, fmt: str) -> bytes:
    if isinstance(kind, str):
        kind = KINDS[kind]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.field for c in kind.columns])
        writer.writerow([c.label for c in kind.columns])
        return out.getvalue().encode("utf-8-sig")
    return _xlsx(kind)


def _xlsx(kind: Kind) -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{kind.label}导入"
    required_font = Font(bold=True, color="C00000")
    label_fill = PatternFill("solid", fgColor="F2F2F2")
    for number, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(number)
        name = sheet.cell(row=1, column=number, value=column.field)
        name.font = required_font if column.required else Font(bold=True)
        note = ("必填。" if column.required else "选填。") + column.hint
        name.comment = Comment(note, "dualhub")
        label = sheet.cell(row=2, column=number, value=column.label)
        label.fill = label_fill
        sheet.column_dimensions[letter].width = max(12, 2 * len(column.label) + 4)
        cells = f"{letter}3:{letter}{LAST_ROW}"
        if column.as_text:
            # The column's own style: what Excel gives each cell typed into it.
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            rule = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            rule.error = "请从下拉列表中选择：" + "、".join(column.choices)
            rule.showErrorMessage = True
            sheet.add_data_validation(rule)
            rule.add(cells)
    sheet.freeze_panes = "A3"

    notes = book.create_sheet("填写说明")
    notes.append(["列名（表头）", "中文名（也可作表头）", "是否必填", "填写说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        notes.append(
            [column.field, column.label, "必填" if column.required else "选填", column.hint]
        )
    notes.append([])
    notes.append(["第 1 行为列名，第 2 行为中文名，导入时两行都可保留；数据从第 3 行起填写。"])
    notes.append(["编码是双方交换数据的稳定标识：已有编码的行将被更新，新编码将被新增。"])
    for letter, width in (("A", 18), ("B", 22), ("C", 10), ("D", 60)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
