"""Bulk import, the file side: reading CSV (UTF-8, UTF-8 with BOM, GB18030) and XLSX,
headers by field name or Chinese label, cell types, every problem reported by row, column,
value and message, templates that import as they are, and the report. No database: what
a code names is the master-data services' business (`apply`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from datasources.community.linkage_forms import KIND_NAMES
from datasources.community.models import CompoundKind, StreetKind
from datasources.units.models import Gender, PoliticalStatus, UnitKind, UnitLevel
from gateway.cli import IMPORT_KINDS, main
from gateway.importing import (
    KINDS,
    Applied,
    Problem,
    RowProblem,
    load,
    run_import,
    template,
)
from gateway.importing.cells import CellError
from gateway.importing.kinds import header_key
from gateway.importing.labels import enum_labels
from gateway.importing.services import SERVICE_MODULES
from resolvers.reports import STATUS_NAMES

MEMBER_FIELDS = [
    "code", "name", "gender", "phone", "unitCode", "branchCode", "politicalStatus",
    "joinedPartyOn", "birthDate", "inService", "jobTitle", "skills",
]  # fmt: skip
MEMBER_LABELS = [
    "党员编码", "姓名", "性别", "手机号码", "单位编码", "支部编码", "政治面貌", "入党日期",
    "出生日期", "是否在职", "职务", "特长",
]  # fmt: skip
ZHANG = ["M0001", "张三", "男", "13800138000", "U001", "B001", "正式党员", "2010-07-01",
         "1985/3/2", "是", "科员", "法律咨询、家电维修"]  # fmt: skip
LI = ["M0002", "李四", "FEMALE", "139 0013 9000", "U001", "B001", "probationary",
      "2025年6月11日", "1990.1.31", "否", "", "医疗；心理疏导, 法律咨询"]  # fmt: skip


def write_csv(path: Path, rows: Sequence[Sequence[str]], encoding: str) -> Path:
    text = "\r\n".join(",".join(_quoted(cell) for cell in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _quoted(cell: str) -> str:
    return f'"{cell}"' if any(ch in cell for ch in ',"\n') else cell


def xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def assert_zhang_and_li(rows: list[dict[str, Any]]) -> None:
    assert rows[0] == {
        "code": "M0001", "name": "张三", "gender": Gender.MALE, "phone": "13800138000",
        "unitCode": "U001", "branchCode": "B001", "politicalStatus": PoliticalStatus.FULL,
        "joinedPartyOn": date(2010, 7, 1), "birthDate": date(1985, 3, 2), "inService": True,
        "jobTitle": "科员", "skills": ["法律咨询", "家电维修"],
    }  # fmt: skip
    assert rows[1]["gender"] is Gender.FEMALE
    assert rows[1]["phone"] == "13900139000"
    assert rows[1]["politicalStatus"] is PoliticalStatus.PROBATIONARY
    assert rows[1]["joinedPartyOn"] == date(2025, 6, 11)
    assert rows[1]["birthDate"] == date(1990, 1, 31)
    assert rows[1]["inService"] is False
    assert rows[1]["jobTitle"] is None
    assert rows[1]["skills"] == ["医疗", "心理疏导", "法律咨询"]


# Encodings and formats --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "read_as"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
@pytest.mark.parametrize("headers", [MEMBER_FIELDS, MEMBER_LABELS], ids=["fields", "labels"])
def test_csv_in_each_encoding_with_either_header(
    tmp_path: Path, encoding: str, read_as: str, headers: list[str]
) -> None:
    path = write_csv(tmp_path / "members.csv", [headers, ZHANG, LI], encoding)
    if encoding == "gb18030":  # what Excel in China saves: not UTF-8 at all
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    loaded = load("members", path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert (loaded.report.format, loaded.report.encoding) == ("csv", read_as)
    assert loaded.report.rows == 2
    assert_zhang_and_li(loaded.parsed.rows)
    assert loaded.parsed.lines == [2, 3]


def test_headers_ignore_case_spaces_and_full_width_forms(tmp_path: Path) -> None:
    headers = [" CODE ", "姓　名", "Gender", "ＰＨＯＮＥ", "unit code", "branchcode", "政治面貌",
               "入党日期*", "birthDate", "在职", "jobtitle", "技能"]  # fmt: skip
    path = write_csv(tmp_path / "m.csv", [headers, ZHANG], "utf-8-sig")
    loaded = load("members", path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert loaded.parsed.rows[0]["skills"] == ["法律咨询", "家电维修"]
    assert loaded.parsed.headers["phone"] == "ＰＨＯＮＥ"


def test_xlsx_with_date_numeric_and_boolean_cells(tmp_path: Path) -> None:
    # fmt: off
    rows: list[list[Any]] = [
        ["2025年某某单位党员花名册"],  # a title line above the header row
        MEMBER_LABELS,
        # Excel keeps a typed phone as a number, a numeric code as one too, dates as dates.
        [1001, "王五", "女", 13800138000.0, "U001", 2001, "FULL", datetime(2001, 7, 1),
         date(1975, 12, 9), True, "处长", "书法"],
        [],  # a blank row: skipped, and the rows under it keep their numbers
        ["M0004", "赵六", "男", 13700137000, "U001", "B001", "预备党员", "2025/6/11",
         datetime(1999, 2, 28, 0, 0), 0, None, None],
    ]
    # fmt: on
    path = xlsx(tmp_path / "members.xlsx", rows)
    loaded = load("members", path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert (loaded.report.format, loaded.report.encoding) == ("xlsx", None)
    assert loaded.parsed.header_row == 2
    assert loaded.parsed.lines == [3, 5]
    first, second = loaded.parsed.rows
    assert first["code"] == "1001"
    assert first["branchCode"] == "2001"
    assert first["phone"] == "13800138000"
    assert first["joinedPartyOn"] == date(2001, 7, 1)
    assert first["birthDate"] == date(1975, 12, 9)
    assert first["inService"] is True
    assert first["skills"] == ["书法"]
    assert second["phone"] == "13700137000"
    assert second["joinedPartyOn"] == date(2025, 6, 11)
    assert second["birthDate"] == date(1999, 2, 28)
    assert second["inService"] is False
    assert second["jobTitle"] is None
    assert second["skills"] is None


def test_an_xls_or_a_broken_file_is_one_problem(tmp_path: Path) -> None:
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    for path in (old, broken):
        report = load("members", path, dry_run=True, progress=False).report
        assert [(p.row, p.code) for p in report.problems] == [(0, "BAD_FILE")]
        assert ".xlsx" in report.problems[0].message


def test_undecodable_csv(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(b"code,name\n\x81\x30\x81\xff,x\n")  # neither UTF-8 nor GB18030
    report = load("members", path, dry_run=True, progress=False).report
    assert [p.message for p in report.problems] == [
        "无法识别文件编码：既不是 UTF-8，也不是 GB18030（GBK）"
    ]


# Cells -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["2025-06-11", "2025/6/11", "2025.6.11", "2025年6月11日", "2025 年 6 月 11 日",
     "２０２５－０６－１１", "20250611", "2025/06/11 00:00:00"],
)  # fmt: skip
def test_date_forms(tmp_path: Path, typed: str) -> None:
    path = write_csv(tmp_path / "b.csv", [["code", "name", "unitCode", "foundedOn"],
                                          ["B1", "一支部", "U1", typed]], "utf-8")  # fmt: skip
    loaded = load("branches", path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert loaded.parsed.rows[0]["foundedOn"] == date(2025, 6, 11)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("是", True), ("否", False), ("TRUE", True), ("false", False), ("1", True), ("0", False),
     ("Y", True), ("n", False), ("Ｙ", True)],
)  # fmt: skip
def test_yes_no_forms(tmp_path: Path, typed: str, expected: bool) -> None:
    row = [*ZHANG[:9], typed, *ZHANG[10:]]
    path = write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, row], "utf-8")
    loaded = load("members", path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert loaded.parsed.rows[0]["inService"] is expected


@pytest.mark.parametrize(
    ("enum_cls", "kind", "field"),
    [(UnitKind, "units", "kind"), (UnitLevel, "units", "level"), (Gender, "members", "gender"),
     (PoliticalStatus, "members", "politicalStatus"), (StreetKind, "streets", "kind"),
     (CompoundKind, "compounds", "kind")],
)  # fmt: skip
def test_enum_cells_take_name_value_or_chinese_label(enum_cls: Any, kind: str, field: str) -> None:
    parse = KINDS[kind].by_field[field].parse
    for member, label in enum_labels(enum_cls).items():
        assert parse(label) is member
        assert parse(member.name) is member
        assert parse(f" {member.value.upper()} ") is member


def test_each_header_names_one_column_of_its_kind() -> None:
    for kind in KINDS.values():
        keys = [
            header_key(name)
            for column in kind.columns
            for name in {column.field, column.label, *column.aliases}
        ]
        assert len(keys) == len(set(keys)), kind.name


def test_codes_of_each_side() -> None:
    """The units side's codes have no dots (its service refuses them); the community's may."""
    assert KINDS["streets"].by_field["code"].parse("ST.01") == "ST.01"
    assert KINDS["members"].by_field["code"].parse("Ｍ００１") == "M001"
    with pytest.raises(CellError, match="_ -"):
        KINDS["members"].by_field["branchCode"].parse("B.01")
    with pytest.raises(CellError, match="不能超过 32"):
        KINDS["units"].by_field["code"].parse("U" * 33)
    assert KINDS["buildings"].by_field["code"].parse("B" * 40) == "B" * 40


def test_labels_are_the_exports_labels() -> None:
    """One label table: the enums' descriptions agree with the spreadsheet exports."""
    assert enum_labels(PoliticalStatus) == STATUS_NAMES
    assert enum_labels(CompoundKind) == KIND_NAMES
    assert enum_labels(StreetKind) == {StreetKind.STREET: "街道", StreetKind.TOWN: "镇"}
    assert enum_labels(Gender) == {Gender.MALE: "男", Gender.FEMALE: "女"}


# Problems ---------------------------------------------------------------------------------


def test_bad_rows_are_each_reported_by_row_column_value_and_message(tmp_path: Path) -> None:
    headers = ["党员编码", "姓名", "性别", "手机号", "unitCode", "branchCode", "政治面貌",
               "入党日期", "出生日期", "inService", "jobTitle", "skills"]  # fmt: skip
    # fmt: off
    rows = [
        headers,
        ZHANG,
        ["M0002", "", "未知", "1380013800", "U001", "B001", "积极分子", "2025-02-30",
         "1990-01-01", "也许", "", ""],
        ["M0001", "王五", "女", "23800138000", "U 1", "B001", "入党积极分子", "2020-01-01",
         "2030-01-01", "是", "", ""],
        ["M0005", "钱七", "男", "+86 138-0013-8000", "U001", "B001", "正式党员", "2010-07-01",
         "2000-01-01", "是", "", ""],
    ]
    # fmt: on
    path = write_csv(tmp_path / "m.csv", rows, "gb18030")
    report = load("members", path, dry_run=False, progress=False).report
    got = [(p.row, p.column, p.value, p.message, p.code) for p in report.problems]
    assert got == [
        (3, "姓名", "", "必填，不能为空", "REQUIRED"),
        (3, "性别", "未知", "应为以下之一：男、女", "BAD_CHOICE"),
        (3, "手机号", "1380013800", "不是有效的手机号码（11 位，以 13-19 开头）", "BAD_PHONE"),
        (3, "政治面貌", "积极分子", "应为以下之一：正式党员、预备党员、发展对象、入党积极分子",
         "BAD_CHOICE"),
        (3, "入党日期", "2025-02-30", "不是有效的日期", "BAD_DATE"),
        (3, "inService", "也许", "应为“是”或“否”", "BAD_BOOLEAN"),
        (4, "手机号", "23800138000", "不是有效的手机号码（11 位，以 13-19 开头）", "BAD_PHONE"),
        (4, "unitCode", "U 1", "编码只能由字母、数字和 _ - 组成，且以字母或数字开头",
         "BAD_CODE"),
        (4, "出生日期", "2030-01-01", "日期不能晚于今天", "DATE_OUT_OF_RANGE"),
        (4, "入党日期", "2020-01-01", "入党积极分子尚未入党，入党日期应为空",
         "NOT_A_MEMBER_YET"),
        (4, "党员编码", "M0001", "编码与第 2 行重复", "DUPLICATE_CODE"),
        (5, "入党日期", "2010-07-01", "入党时未满 18 周岁（出生日期 2000-01-01）", "TOO_YOUNG"),
    ]  # fmt: skip
    assert report.errors == 12
    text = report.render("党员")
    assert "第 3 行「性别」“未知”：应为以下之一：男、女" in text
    assert "文件未导入，没有写入任何数据" in text
    assert "errors 12" in text
    data = report.as_dict()
    assert data["ok"] is False
    assert data["problems"][0] == {
        "row": 3, "column": "姓名", "value": "", "message": "必填，不能为空", "code": "REQUIRED"
    }  # fmt: skip
    json.dumps(data, default=str)  # machine-readable as it is


def test_header_problems_unknown_missing_duplicate_and_unnamed_columns(tmp_path: Path) -> None:
    rows = [
        ["code", "姓名", "name", "性别", "备注", "unitCode", "", "politicalStatus", "年龄"],
        ["M1", "张三", "张三", "男", "x", "U1", "", "正式党员", "40", "多出来的"],
        ["M2", "李四", "李四", "女", "", "U1", "遗漏", "正式党员", "", ""],
    ]
    report = load("members", xlsx(tmp_path / "m.xlsx", rows), dry_run=True, progress=False).report
    got = [(p.row, p.column, p.code) for p in report.problems]
    assert got == [
        (1, "name", "DUPLICATE_COLUMN"),
        (1, "备注", "UNKNOWN_COLUMN"),
        (1, "年龄", "UNKNOWN_COLUMN"),
        (1, "branchCode（支部编码）", "MISSING_COLUMN"),
        (2, "J列", "UNNAMED_COLUMN"),
        (3, "G列", "UNNAMED_COLUMN"),
    ]
    unknown = report.problems[1]
    assert unknown.message.startswith("未知的列。党员导入可用的列：code（党员编码）、name（姓名）")
    assert report.problems[0].message == "与“姓名”列重复（都是 name）"


def test_duplicates_within_a_compound_and_a_building(tmp_path: Path) -> None:
    buildings = [["code", "name", "compoundCode"], ["BD1", "1栋", "C1"], ["BD2", "2栋", "C1"],
                 ["BD3", "1栋", "C2"], ["BD4", "1栋", "C1"]]  # fmt: skip
    report = load("buildings", write_csv(tmp_path / "b.csv", buildings, "utf-8"),
                  dry_run=True, progress=False).report  # fmt: skip
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (5, "name", "小区编码、楼栋名称与第 2 行重复")
    ]
    grids = [["code", "name", "communityCode", "level", "parentCode"],
             ["G1", "一网格", "C1", "3", "G1"], ["G2", "二网格", "C1", "7", ""]]  # fmt: skip
    report = load("grids", write_csv(tmp_path / "g.csv", grids, "utf-8"),
                  dry_run=True, progress=False).report  # fmt: skip
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (2, "parentCode", "上级网格不能是本网格"),
        (3, "level", "应在 1 至 6 之间"),
    ]


def test_a_phone_excel_turned_into_a_float_is_explained(tmp_path: Path) -> None:
    row = [*ZHANG[:3], "1.38001E+10", *ZHANG[4:]]
    path = write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, row], "gb18030")
    report = load("members", path, dry_run=True, progress=False).report
    assert [(p.value, p.message) for p in report.problems] == [
        ("1.38001E+10", "手机号码被 Excel 存成了科学计数法：请把该列设为文本，重新填写号码")
    ]


def test_a_file_without_rows_is_an_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, MEMBER_LABELS], "utf-8")
    report = load("members", path, dry_run=True, progress=False).report
    assert [p.code for p in report.problems] == ["NO_ROWS"]


# Templates --------------------------------------------------------------------------------

# One valid row of each kind, as an operator types it (Chinese labels for enums).
SAMPLES: dict[str, dict[str, Any]] = {
    "units": {"code": "U001", "name": "区财政局", "kind": "机关", "level": "区直",
              "districtName": "禅城区", "address": "岭南大道 1 号"},
    "branches": {"code": "B001", "name": "第一党支部", "unitCode": "U001",
                 "secretaryName": "王书记", "foundedOn": "2001/7/1"},
    "members": dict(zip(MEMBER_FIELDS, ZHANG, strict=True)),
    "streets": {"code": "S01", "name": "石湾镇街道", "kind": "街道"},
    "communities": {"code": "C01", "name": "湖景社区", "streetCode": "S01", "address": "湖景路"},
    "grids": {"code": "G01", "name": "第一网格", "communityCode": "C01", "level": "3",
              "parentCode": ""},
    "compounds": {"code": "CP01", "name": "湖景花园", "communityCode": "C01", "gridCode": "G01",
                  "kind": "三无小区", "address": "湖景路 8 号", "partyBranchName": "湖景花园党支部"},
    "buildings": {"code": "BD01", "name": "1栋", "compoundCode": "CP01", "floors": "18",
                  "households": "72"},
    "households": {"code": "H0101", "buildingCode": "BD01", "unitNo": "1单元", "roomNo": "101",
                   "headName": "陈大", "phone": "13800138000", "size": "3"},
    "categories": {"code": "CAT01", "name": "法律咨询", "year": "2026", "orderDueHours": "72"},
}  # fmt: skip


def test_every_kind_has_a_sample_and_a_service() -> None:
    assert set(SAMPLES) == set(KINDS) == set(IMPORT_KINDS) == set(SERVICE_MODULES)
    for name, kind in KINDS.items():
        assert [c.field for c in kind.columns] == list(SAMPLES[name])


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_filled_in_template_imports_as_it_is(tmp_path: Path, kind: str, suffix: str) -> None:
    path = tmp_path / f"{kind}{suffix}"
    template(kind, path)
    sample = SAMPLES[kind]
    if suffix == ".xlsx":
        book = load_workbook(path)
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[1]] == list(sample)
        assert [c.value for c in sheet[2]] == [c.label for c in KINDS[kind].columns]
        assert book.sheetnames[1] == "填写说明"
        for number, value in enumerate(sample.values(), start=1):
            sheet.cell(row=3, column=number, value=value)
        book.save(path)
    else:
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(",".join(sample.values()) + "\r\n")
    loaded = load(kind, path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert loaded.parsed.lines == [3]
    assert set(loaded.parsed.rows[0]) == set(sample)


def test_template_keeps_codes_and_phones_as_text_and_offers_enum_words(tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    template(KINDS["members"], path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet.column_dimensions["A"].number_format == "@"  # code
    assert sheet.column_dimensions["D"].number_format == "@"  # phone
    assert sheet.column_dimensions["B"].number_format == "General"  # name
    offered = {rule.formula1 for rule in sheet.data_validations.dataValidation}
    assert '"男,女"' in offered
    assert '"正式党员,预备党员,发展对象,入党积极分子"' in offered
    assert sheet["A1"].comment is not None
    assert sheet["A1"].comment.text.startswith("必填。")


def test_template_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"a roster")
    runner = CliRunner()
    result = runner.invoke(main, ["import", "--template", "members", str(path)])
    assert result.exit_code == 1
    assert "exists" in result.output
    assert path.read_bytes() == b"a roster"


# Running an import ------------------------------------------------------------------------


def test_run_import_hands_valid_rows_to_apply_and_reports_its_counts(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [MEMBER_LABELS, ZHANG, LI], "utf-8-sig")
    calls: list[tuple[int, bool]] = []

    def apply(rows: Sequence[dict[str, Any]], dry_run: bool) -> Applied:
        calls.append((len(rows), dry_run))
        return Applied(created=1, updated=1, unchanged=0)

    report = run_import("members", path, True, False, apply)
    assert calls == [(2, True)]
    assert report.ok
    assert (report.created, report.updated, report.unchanged, report.errors) == (1, 1, 0, 0)
    assert "created 1, updated 1, unchanged 0, errors 0" in report.render()
    assert len(report.digest) == 64


async def test_apply_problems_point_at_the_sheet(tmp_path: Path) -> None:
    """An async writing step's problems name the sheet's row and the header as given."""
    from gateway.importing import run_import_async

    rows = [["title"], MEMBER_LABELS, [], ZHANG, LI]
    path = write_csv(tmp_path / "m.csv", rows, "gb18030")

    async def apply(rows: Sequence[dict[str, Any]], dry_run: bool) -> Applied:
        return Applied(
            problems=[
                RowProblem(1, "branchCode", "没有这个支部", "UNKNOWN_BRANCH"),
                RowProblem(0, "politicalStatus", "不能由正式党员改为预备党员", "INVALID_STATE"),
                RowProblem(1, "skills", "技能过多", "INVALID_INPUT"),
                RowProblem(0, "phone", "号码已被他人使用", "DUPLICATE", value="13800138000"),
            ]
        )

    report = await run_import_async("members", path, False, False, apply)
    assert report.problems == [
        Problem(5, "支部编码", "B001", "没有这个支部", "UNKNOWN_BRANCH"),
        Problem(4, "政治面貌", "正式党员", "不能由正式党员改为预备党员", "INVALID_STATE"),
        Problem(5, "特长", "医疗、心理疏导、法律咨询", "技能过多", "INVALID_INPUT"),
        Problem(4, "手机号码", "13800138000", "号码已被他人使用", "DUPLICATE"),
    ]
    assert not report.ok
    assert report.created == 0


def test_unchanged_reimport_says_so(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, ZHANG], "utf-8")
    report = run_import("members", path, False, False, lambda rows, dry: Applied(unchanged=1))
    assert report.ok
    assert "与现有数据一致，没有任何变化。" in report.render()


def test_apply_is_not_called_for_a_file_with_problems(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, ZHANG, ZHANG], "utf-8")

    def apply(rows: Sequence[dict[str, Any]], dry_run: bool) -> Applied:
        raise AssertionError("a file with problems reached the writing step")

    report = run_import("members", path, False, False, apply)
    assert [p.code for p in report.problems] == ["DUPLICATE_CODE"]
    assert not report.ok


def test_retire_missing_is_for_members_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [["code", "name", "kind"], ["S1", "石湾", "镇"]], "utf-8")
    with pytest.raises(ValueError, match="members"):
        run_import("streets", path, False, True, lambda rows, dry: Applied())
    result = CliRunner().invoke(main, ["import", "streets", str(path), "--retire-missing"])
    assert result.exit_code == 2


def test_cli_reports_problems_with_exit_status_1_and_json(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, ZHANG, ZHANG], "utf-8")
    result = CliRunner().invoke(main, ["import", "members", str(path), "--dry-run", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 1
    assert data["problems"][0]["code"] == "DUPLICATE_CODE"
    assert "第 3 行「code」“M0001”：编码与第 2 行重复" in result.stderr


def test_the_import_benchmark_runs_on_a_small_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bench.imports` end to end on 300 rows (its timings are not checked here):
    the generated roster imports without a problem from both files."""
    from bench.imports import run

    figures = run(300, 1, tmp_path)
    assert set(figures) == {"csv.reader", "csv import", "openpyxl", "xlsx import"}
    out = capsys.readouterr().out
    assert "300 member rows" in out
    assert out.count("ratio") == 4


def test_a_repeated_value_is_judged_the_same_on_every_row(tmp_path: Path) -> None:
    """Columns of few distinct values parse each text once: a bad one is still reported on
    every row it is on, a good one parsed alike everywhere."""
    rows = [MEMBER_FIELDS]
    for number in range(1, 5):
        gender = "未知" if number % 2 else "女"
        rows.append([f"M{number}", "张三", gender, "", "", "B1", "正式党员", "2010-07-01",
                     "1985/3/2", "是", "", ""])  # fmt: skip
    loaded = load("members", write_csv(tmp_path / "m.csv", rows, "utf-8"), dry_run=True,
                  progress=False)  # fmt: skip
    assert [(p.row, p.value) for p in loaded.report.problems] == [(2, "未知"), (4, "未知")]
    assert [row.get("gender") for row in loaded.parsed.rows] == [None, Gender.FEMALE] * 2
    assert {row["joinedPartyOn"] for row in loaded.parsed.rows} == {date(2010, 7, 1)}


def test_a_service_outcome_becomes_the_report(tmp_path: Path) -> None:
    """The master-data services' outcomes (units side: `kind` an enum; community side:
    `code` a string, and `retired`) map onto the report as they are."""
    import enum as enum_module
    from dataclasses import dataclass, field

    from gateway.importing.services import applied_from

    class Why(enum_module.Enum):
        NOT_FOUND = "not_found"

    @dataclass
    class UnitsProblem:
        row: int
        field: str
        value: str | None
        message: str
        kind: Why = Why.NOT_FOUND

    @dataclass
    class CommunityProblem:
        row: int
        field: str
        value: object
        message: str
        code: str = "duplicate"

    @dataclass
    class Outcome:
        created: int = 0
        updated: int = 0
        unchanged: int = 0
        problems: list[Any] = field(default_factory=list)

    @dataclass
    class CommunityOutcome(Outcome):
        retired: int = 0

    path = write_csv(tmp_path / "m.csv", [MEMBER_LABELS, ZHANG, LI], "utf-8")
    report = run_import("members", path, False, False,
                        lambda rows, dry: applied_from(Outcome(created=2, unchanged=0)))  # fmt: skip
    assert (report.ok, report.created, report.retired) == (True, 2, 0)
    failing = Outcome(problems=[UnitsProblem(1, "branchCode", "B001", "没有这个支部"),
                                CommunityProblem(0, "phone", "13800138000", "重复")])  # fmt: skip
    report = run_import("members", path, False, False, lambda rows, dry: applied_from(failing))
    assert [(p.row, p.column, p.value, p.code) for p in report.problems] == [
        (3, "支部编码", "B001", "NOT_FOUND"),
        (2, "手机号码", "13800138000", "DUPLICATE"),
    ]
    retired = applied_from(CommunityOutcome(updated=1, retired=3))
    assert (retired.updated, retired.retired, retired.problems) == (1, 3, [])


def test_an_empty_cell_of_a_field_with_a_default_is_not_given(tmp_path: Path) -> None:
    """A street's kind, a building's floors, a member's inService: never null, with a
    default, so an empty cell leaves the key out (default on creation, kept on update);
    an empty address is None (cleared)."""
    streets = [["code", "name", "kind"], ["S1", "张槎街道", ""], ["S2", "南庄镇", "镇"]]
    rows = load("streets", write_csv(tmp_path / "s.csv", streets, "utf-8"), dry_run=True,
                progress=False).parsed.rows  # fmt: skip
    assert rows == [{"code": "S1", "name": "张槎街道"},
                    {"code": "S2", "name": "南庄镇", "kind": StreetKind.TOWN}]  # fmt: skip
    buildings = [["code", "name", "compoundCode", "floors", "households"],
                 ["BD1", "1栋", "CP1", "", "0"]]  # fmt: skip
    rows = load("buildings", write_csv(tmp_path / "b.csv", buildings, "utf-8"), dry_run=True,
                progress=False).parsed.rows  # fmt: skip
    assert rows == [{"code": "BD1", "name": "1栋", "compoundCode": "CP1", "households": 0}]
    communities = [["code", "name", "streetCode", "address"], ["C1", "湖景社区", "S1", " "]]
    rows = load("communities", write_csv(tmp_path / "c.csv", communities, "utf-8"),
                dry_run=True, progress=False).parsed.rows  # fmt: skip
    assert rows == [{"code": "C1", "name": "湖景社区", "streetCode": "S1", "address": None}]
    member = [*ZHANG[:9], "", *ZHANG[10:]]
    rows = load("members", write_csv(tmp_path / "m.csv", [MEMBER_FIELDS, member], "utf-8"),
                dry_run=True, progress=False).parsed.rows  # fmt: skip
    assert "inService" not in rows[0]


def test_excel_unicode_text_utf16_with_tabs(tmp_path: Path) -> None:
    """Excel's "Unicode text" (UTF-16 with a BOM, tab-separated) reads like a CSV."""
    text = "\r\n".join("\t".join(row) for row in [MEMBER_LABELS, ZHANG, LI]) + "\r\n"
    path = tmp_path / "members.txt"
    path.write_bytes(text.encode("utf-16"))
    loaded = load("members", path, dry_run=True, progress=False)
    assert loaded.report.problems == []
    assert loaded.report.encoding == "utf-16"
    assert_zhang_and_li(loaded.parsed.rows)
