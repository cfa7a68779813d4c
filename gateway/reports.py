"""The appraisal spreadsheet download (评议台账): route, authentication, parsing and the
file formats. What the rows hold is `resolvers.reports`; `dualhub report` writes the same rows.

`GET /reports/{branch|unit|community}/{code}.{csv|xlsx}?year=` reads with the bearer token's
viewer and scope, in the context GraphQL would build for the same request (`Hub.context`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from datasources.scope import Role
from gateway.refusals import refusal
from resolvers.reports import HEADERS, KINDS, AuditUnavailable, ReportNotFound, audited_rows
from schema.errors import ErrorCode

__all__ = ["HEADERS", "download", "parse_year", "render", "sheet_title"]

FORMATS = ("csv", "xlsx")
# What the audit entry says revealed the members' names.
VIA = "GET /reports"


# What makes a spreadsheet program read a cell as a formula (OWASP "CSV injection"), with
# the full-width forms an input method types for Chinese text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutral(value: Any) -> Any:
    """A text cell as inert text: one starting like a formula gets a leading single quote,
    as OWASP advises. Numbers stay numbers (a negative number is no formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows([neutral(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Sequence[Sequence[Any]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                # openpyxl makes any string starting with "=" a formula, and refuses control
                # characters: every text cell is written as a plain string.
                text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutral(value))
                cell = sheet.cell(row=number, column=column, value=text)
                cell.data_type = "s"
            else:
                sheet.cell(row=number, column=column, value=value)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(rows: Sequence[Sequence[Any]], fmt: str, title: str) -> bytes:
    return to_csv(rows) if fmt == "csv" else to_xlsx(rows, title)


def sheet_title(year: int) -> str:
    """The sheet's name."""
    return f"{year}年度评议台账"


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# ASCII digits only: `str.isdigit()` and `int()` also take "２０２５" and "٢٠٢٥".
_YEAR = re.compile(r"[0-9]{4}")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def _problem(status: int, code: ErrorCode, message: str) -> JSONResponse:
    """A refusal shaped like every other error of the hub (`errors[].extensions.code`)."""
    return refusal(status, code, message)


def parse_year(text: str) -> int | None:
    """The `year` query parameter: four ASCII digits from 2000 to 2100, else None."""
    if _YEAR.fullmatch(text) is None or not 2000 <= int(text) <= 2100:
        return None
    return int(text)


async def download(request: Request) -> Response:
    """`GET /reports/{kind}/{code}.{format}?year=YYYY` with the bearer token of GraphQL."""
    hub = request.app.state.hub
    viewer = request.user.viewer
    if viewer.role is Role.ANONYMOUS:
        return _problem(401, ErrorCode.UNAUTHENTICATED, "请先登录。A bearer token is required.")
    kind = request.path_params["kind"]
    code, _, fmt = request.path_params["file"].rpartition(".")
    if kind not in KINDS or fmt not in FORMATS or not code:
        return _problem(
            404, ErrorCode.NOT_FOUND,
            "没有这个台账。Use /reports/{branch|unit|community}/{code}.{csv|xlsx}?year=YYYY.",
        )  # fmt: skip
    year = parse_year(request.query_params.get("year", ""))
    if year is None:
        return _problem(
            400, ErrorCode.BAD_USER_INPUT,
            "年度须为 2000 至 2100 之间的四位数字。year must be four digits, 2000 to 2100.",
        )  # fmt: skip
    try:
        rows = await audited_rows(hub.context(request), kind, code, year, via=VIA)
    except ReportNotFound:
        return _problem(
            404, ErrorCode.NOT_FOUND, f"找不到该台账。No {kind} {code} the viewer may see."
        )
    except AuditUnavailable:
        return _problem(503, ErrorCode.AUDIT_UNAVAILABLE,
                        "审计日志暂不可用，无法导出。The audit log cannot be written.")  # fmt: skip
    body = render(rows, fmt, sheet_title(year))
    # The header carries Latin-1 only; a code is ASCII anyway, but never trust it to be.
    filename = _UNSAFE_IN_FILENAME.sub("_", f"{kind}-{code}-{year}.{fmt}")
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
