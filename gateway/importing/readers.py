"""Reading an import file into rows of raw cells, each with its row number as the user sees
it in a spreadsheet program (the first row is 1).

- CSV: UTF-8 with or without a byte-order mark, or GB18030 (what Excel in China saves as
  "CSV"): a BOM decides; else the file is decoded as strict UTF-8, and if that fails as
  GB18030 (a superset of GBK and GB2312). UTF-16 with a BOM (Excel's "Unicode text") is read
  too. The delimiter is the comma, unless the first line holds more tabs or semicolons.
  A row number is the record's number, as a spreadsheet program shows it, even when a quoted
  cell spans lines.
- XLSX: the first worksheet, with openpyxl in read-only mode and cached formula values;
  cells come as openpyxl gives them (str, int, float, bool, datetime, None).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Row = tuple[int, Sequence[Any]]

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")


class FileProblem(ValueError):
    """The file as a whole cannot be read (format, encoding, a broken CSV record)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass
class Sheet:
    format: str  # "csv" or "xlsx"
    encoding: str | None  # of a CSV file
    rows: Iterator[Row]
    # How many rows the file says it has (XLSX) or holds (CSV), for a progress bar.
    total: int | None


def file_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再导入")
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and head.startswith(b"PK")):
        return "xlsx"
    return "csv"


def read_sheet(path: Path, data: bytes | None = None) -> Sheet:
    """The rows of `path` (or of `data`, the file's bytes, already read)."""
    if data is None:
        data = path.read_bytes()
    if file_format(path, data[:8]) == "xlsx":
        return _xlsx(data)
    text, encoding = decode(data)
    lines = text.count("\n") + (not text.endswith("\n"))
    return Sheet("csv", encoding, _csv_rows(text), lines)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise FileProblem(
                    f"文件以 {encoding} 标记开头，但内容不是有效的 {encoding}"
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileProblem("无法识别文件编码：既不是 UTF-8，也不是 GB18030（GBK）") from exc


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def _csv_rows(text: str) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            yield number, row
    except csv.Error as exc:
        raise FileProblem(f"CSV 格式错误：{exc}", number + 1) from exc


def _xlsx(data: bytes) -> Sheet:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise FileProblem("不是有效的 .xlsx 文件，请用 Excel 另存为 .xlsx 或 CSV 后再导入") from exc
    if not book.worksheets:
        book.close()
        raise FileProblem("工作簿中没有工作表")
    sheet: Any = book.worksheets[0]
    # The dimension a file declares may be wrong (some programs write none, or A1): the
    # rows are read to the end whatever it says; it only sizes the progress bar.
    total = sheet.max_row if sheet.max_row and sheet.max_row > 1 else None
    sheet.reset_dimensions()

    def rows() -> Iterator[Row]:
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            book.close()

    return Sheet("xlsx", None, rows(), total)
