"""`dualhub import` writing for real, on both backends: a district built from nothing through
files (CSV in UTF-8 and GB18030, XLSX made here), read back through GraphQL; re-imports
that change nothing; a file with bad rows that writes nothing; a full roster retiring the
members it leaves out; one audit entry per import."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.cli import main
from gateway.importing import ImportReport, finish, load
from gateway.importing.writing import Source, set_district, write
from gateway.settings import Settings
from tests.conftest import client_for
from tests.databases import DatabasePair
from tests.test_import_files import write_csv, xlsx

STREETS = [["code", "name", "kind"], ["S01", "祖庙街道", "街道"], ["S02", "石湾镇街道", "镇"]]
COMMUNITIES = [["社区编码", "社区名称", "街道编码", "地址"],
               ["C01", "普君社区", "S01", ""], ["C02", "石湾社区", "S02", "石湾路1号"]]  # fmt: skip
# A grid tree in one sheet, children listed before their parent.
GRIDS = [["code", "name", "communityCode", "level", "parentCode"],
         ["G0101", "普君第一网格", "C01", "2", "G01"], ["G01", "普君总网格", "C01", "1", ""]]  # fmt: skip
UNITS = [["code", "name", "kind", "level", "districtName", "address"],
         ["U01", "区卫生健康局", "机关", "区直", "禅城区", ""]]  # fmt: skip
BRANCHES = [["code", "name", "unitCode", "secretaryName", "foundedOn"],
            ["B01", "机关党支部", "U01", "王强", "2001/7/1"]]  # fmt: skip
MEMBER_HEADER = ["code", "name", "gender", "phone", "unitCode", "branchCode", "politicalStatus",
                 "joinedPartyOn", "birthDate", "inService", "jobTitle", "skills"]  # fmt: skip
ZHANG = ["M01", "张三", "男", "13800138000", "U01", "B01", "正式党员", "2010-07-01", "1985/3/2",
         "是", "科员", "医疗、急救"]  # fmt: skip
LI = ["M02", "李四", "女", "13900139000", "U01", "B01", "正式党员", "2012-07-01", "1988/3/2",
      "是", "", ""]  # fmt: skip


def settings_of(pair: DatabasePair) -> Settings:
    assert pair.audit_url is not None
    return Settings(units_database_url=pair.units_url,
                    community_database_url=pair.community_url, audit_database_url=pair.audit_url)  # fmt: skip


async def imported(
    pair: DatabasePair, kind: str, path: Path, *, dry_run: bool = False,
    retire_missing: bool = False,
) -> ImportReport:  # fmt: skip
    """What `dualhub import KIND PATH` does, in this event loop."""
    loaded = load(kind, path, dry_run=dry_run, progress=False)
    if loaded.report.problems:
        return loaded.report
    applied = await write(settings_of(pair), Source(kind, path.name, loaded.report.digest),
                          loaded.parsed.rows, dry_run=dry_run, retire_missing=retire_missing)  # fmt: skip
    return finish(loaded, applied)


def counts(report: ImportReport) -> tuple[int, int, int, int, int]:
    return (report.created, report.updated, report.unchanged, report.retired,
            len(report.problems))  # fmt: skip


async def scalar(url: str, sql: str) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar()
    finally:
        await engine.dispose()


async def imports_recorded(pair: DatabasePair) -> list[dict[str, Any]]:
    assert pair.audit_url is not None
    engine = create_async_engine(pair.audit_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text(
                "SELECT detail FROM audit_events WHERE target_type = 'Import' ORDER BY id"
            ))  # fmt: skip
            return [row[0] if isinstance(row[0], dict) else json.loads(row[0]) for row in rows]
    finally:
        await engine.dispose()


def csv_file(tmp_path: Path, name: str, rows: Sequence[Sequence[str]], encoding: str = "utf-8"):
    return write_csv(tmp_path / name, rows, encoding)


async def test_a_district_from_nothing_through_files(
    empty_db: DatabasePair, tmp_path: Path
) -> None:
    assert await set_district(settings_of(empty_db), "D01", "禅城区", "佛山市") == "created"
    steps = [
        ("streets", csv_file(tmp_path, "streets.csv", STREETS, "gb18030"), 2),
        ("communities", xlsx(tmp_path / "communities.xlsx", COMMUNITIES), 2),
        ("grids", csv_file(tmp_path, "grids.csv", GRIDS, "utf-8-sig"), 2),
        ("units", csv_file(tmp_path, "units.csv", UNITS), 1),
        ("branches", xlsx(tmp_path / "branches.xlsx", BRANCHES), 1),
        ("members", csv_file(tmp_path, "members.csv", [MEMBER_HEADER, ZHANG, LI], "gb18030"), 2),
    ]
    for kind, path, created in steps:
        report = await imported(empty_db, kind, path)
        assert counts(report) == (created, 0, 0, 0, 0), (kind, report.problems)
    # The same files again change nothing, and say so.
    for kind, path, created in steps:
        report = await imported(empty_db, kind, path)
        assert counts(report) == (0, 0, created, 0, 0), kind
    recorded = await imports_recorded(empty_db)
    assert len(recorded) == 2 * len(steps)  # one entry per import, changed or not
    assert recorded[5]["kind"] == "members"
    assert (recorded[5]["created"], recorded[11]["unchanged"]) == (2, 2)
    assert recorded[5]["digest"] == recorded[11]["digest"]

    async for client in client_for(empty_db):
        data = await client.query(
            """{ member(code: "M01") { name branch { code unit { code } } }
                 community(code: "C01") { name grids { edges { node { code } } } } }"""
        )
        assert data["member"]["branch"] == {"code": "B01", "unit": {"code": "U01"}}
        assert data["member"]["name"] == "张三"
        assert {g["node"]["code"] for g in data["community"]["grids"]["edges"]} == {"G01", "G0101"}


async def test_bad_rows_write_nothing_and_each_is_reported(
    empty_db: DatabasePair, tmp_path: Path
) -> None:
    for kind, rows in (("units", UNITS), ("branches", BRANCHES)):
        report = await imported(empty_db, kind, csv_file(tmp_path, f"{kind}.csv", rows))
        assert report.ok, report.problems
    unknown_branch = [*ZHANG[:5], "B09", *ZHANG[6:]]
    bad_date = [*LI[:7], "2012-13-01", *LI[8:]]
    fine = ["M03", "王五", "男", "13700137000", "U01", "B01", "正式党员", "2015-07-01",
            "1990/1/1", "是", "", ""]  # fmt: skip
    path = csv_file(tmp_path, "m.csv", [MEMBER_HEADER, unknown_branch, bad_date, fine])
    report = await imported(empty_db, "members", path)
    # The file's own problems first: the bad date; nothing reaches the database.
    assert [(p.row, p.column) for p in report.problems] == [(3, "joinedPartyOn")]
    path = csv_file(tmp_path, "m2.csv", [MEMBER_HEADER, unknown_branch, fine])
    report = await imported(empty_db, "members", path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(2, "branchCode", "B09")]
    assert "未找到" in report.problems[0].message
    assert not report.ok
    assert await scalar(empty_db.units_url, "SELECT count(*) FROM members") == 0


async def test_a_full_roster_retires_who_it_leaves_out(
    empty_db: DatabasePair, tmp_path: Path
) -> None:
    for kind, rows in (("units", UNITS), ("branches", BRANCHES),
                       ("members", [MEMBER_HEADER, ZHANG, LI])):  # fmt: skip
        assert (await imported(empty_db, kind, csv_file(tmp_path, f"{kind}.csv", rows))).ok
    moved = [*ZHANG[:3], "13800138001", *ZHANG[4:]]
    roster = csv_file(tmp_path, "roster.csv", [MEMBER_HEADER, moved])
    preview = await imported(empty_db, "members", roster, dry_run=True, retire_missing=True)
    assert counts(preview) == (0, 1, 0, 1, 0)
    assert await scalar(empty_db.units_url, "SELECT count(*) FROM members WHERE in_service") == 2
    report = await imported(empty_db, "members", roster, retire_missing=True)
    assert counts(report) == (0, 1, 0, 1, 0)
    assert await scalar(
        empty_db.units_url, "SELECT code FROM members WHERE NOT in_service"
    ) == "M02"  # fmt: skip
    again = await imported(empty_db, "members", roster, retire_missing=True)
    assert counts(again) == (0, 0, 1, 0, 0)
    async for client in client_for(empty_db):
        data = await client.query('{ member(code: "M02") { inService history { action } } }')
        assert data["member"]["inService"] is False
        assert [e["action"] for e in data["member"]["history"]][-1] == "left_service"


@pytest.mark.parametrize("backend_only", ["cli"])
def test_the_command_imports_and_exits_by_outcome(
    backend_only: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command itself, on scratch SQLite files: exit 0 when applied, 1 with problems."""
    for side in ("units", "community", "audit"):
        monkeypatch.setenv(f"DUALHUB_{side.upper()}_DATABASE_URL",
                           f"sqlite+aiosqlite:///{tmp_path / side}.db")  # fmt: skip
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    result = runner.invoke(main, ["import", "streets", str(csv_file(tmp_path, "s.csv", STREETS))])
    assert result.exit_code == 1  # no district yet
    assert "有且仅有一个区" in result.output
    assert runner.invoke(main, ["district", "D01", "禅城区", "--city", "佛山市"]).exit_code == 0
    result = runner.invoke(main, ["import", "streets", str(tmp_path / "s.csv"), "--dry-run"])
    assert result.exit_code == 0
    assert "created 2" in result.output
    result = runner.invoke(main, ["import", "streets", str(tmp_path / "s.csv")])
    assert result.exit_code == 0
    assert "created 2" in result.output
    result = runner.invoke(main, ["import", "streets", str(tmp_path / "s.csv")])
    assert result.exit_code == 0
    assert "unchanged 2" in result.output
    assert "没有任何变化" in result.output
    bad = csv_file(tmp_path, "c.csv", [COMMUNITIES[0], ["C01", "普君社区", "S09", ""]])
    result = runner.invoke(main, ["import", "communities", str(bad)])
    assert result.exit_code == 1
    assert "S09" in result.output


def test_the_import_benchmark_runs_on_a_small_roster(tmp_path: Path) -> None:
    """`python -m bench.import_members` end to end on 300 rows, SQLite (timings not
    checked): created, then unchanged, and its baseline measured."""
    import asyncio

    from bench.import_members import run_backend

    figures = asyncio.run(run_backend("sqlite", 300, tmp_path))
    assert set(figures) == {"import", "re-import", "executemany"}
