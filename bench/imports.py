"""Benchmark of reading and checking an import file: 100,000 member rows.

    python -m bench.imports [--rows N] [--runs N] [--keep DIR]

Writes a member roster of N rows (default 100,000) as a GB18030 CSV (what Excel in China
saves) and as an XLSX (openpyxl, with date cells and numeric phone cells, as Excel keeps
them), then times, each as the median of --runs:

- csv.reader: decoding the CSV and one plain `csv.reader` pass over it (the baseline);
- csv import: `gateway.importing.load("members", ...)`: the same file read, every cell
  parsed and every check that needs no database run;
- openpyxl: one plain read-only `iter_rows(values_only=True)` pass over the XLSX;
- xlsx import: `load` on the XLSX;

and prints each, wall-clock and CPU time of the process, with its ratio to the csv.reader
baseline of the same run (and the XLSX import's ratio to its openpyxl pass). Both imports must find no problem in the generated
rows and return N rows, else the benchmark fails before it prints a figure.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from gateway.importing import load

HEADERS = [
    "党员编码", "姓名", "性别", "手机号码", "单位编码", "支部编码", "政治面貌", "入党日期",
    "出生日期", "是否在职", "职务", "特长",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
STATUSES = ["正式党员", "正式党员", "正式党员", "预备党员", "发展对象", "入党积极分子"]
TITLES = ["科员", "副科长", "科长", "工程师", "教师", "医生", "", ""]
SKILLS = ["法律咨询", "家电维修", "医疗", "心理疏导", "书法", "理发", "电脑维修", "教育辅导"]


def member_rows(count: int, seed: int = 7) -> Iterator[list[Any]]:
    """Valid member rows: dates as `date`, phones as int (an XLSX writes them as cells of
    those types; the CSV writer spells them as Excel would save them)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible data, not secrets)
    for number in range(1, count + 1):
        status = rng.choice(STATUSES)
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35))
        joined = born + timedelta(days=365 * 19 + rng.randrange(365 * 10))
        if joined > date(2025, 12, 31):
            joined = date(2025, 6, 11)
        unit = number // 500 + 1
        yield [
            f"M{number:07d}",
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            rng.choice(("男", "女")),
            13_000_000_000 + rng.randrange(900_000_000) + 100_000_000 * rng.randrange(7),
            f"U{unit:05d}",
            f"B{unit:05d}{number % 5}",
            status,
            None if status in ("发展对象", "入党积极分子") else joined,
            born,
            rng.random() < 0.9,
            rng.choice(TITLES),
            "、".join(rng.sample(SKILLS, rng.randrange(3))),
        ]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return f"{value.year}/{value.month}/{value.day}"  # as Excel saves a date cell
    return str(value)


def write_csv(path: Path, count: int) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in member_rows(count):
        writer.writerow([_csv_cell(value) for value in row])
    path.write_bytes(out.getvalue().encode("gb18030"))


def write_xlsx(path: Path, count: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员")
    sheet.append(HEADERS)
    for row in member_rows(count):
        sheet.append([float(v) if isinstance(v, int) and v > 10**9 else v for v in row])
    book.save(path)


def plain_csv(path: Path) -> int:
    rows = 0
    for _row in csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")):
        rows += 1
    return rows - 1


def plain_openpyxl(path: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        book.close()


def imported(path: Path) -> int:
    loaded = load("members", path, dry_run=True, progress=False)
    if loaded.report.problems:
        raise AssertionError(f"{path.name}: {loaded.report.problems[:3]}")
    return loaded.report.rows


def timed(fn: Callable[[Path], int], path: Path, runs: int, expected: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of `runs` calls. The CPU time of the process is
    what a shared machine's load changes least (the others wait for a core too)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        rows = fn(path)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
        if rows != expected:
            raise AssertionError(f"{fn.__name__}: {rows} rows, expected {expected}")
    return statistics.median(wall), statistics.median(cpu)


def run(count: int, runs: int, folder: Path) -> dict[str, tuple[float, float]]:
    csv_path, xlsx_path = folder / "members.csv", folder / "members.xlsx"
    write_csv(csv_path, count)
    write_xlsx(xlsx_path, count)
    figures = {
        "csv.reader": timed(plain_csv, csv_path, runs, count),
        "csv import": timed(imported, csv_path, runs, count),
        "openpyxl": timed(plain_openpyxl, xlsx_path, runs, count),
        "xlsx import": timed(imported, xlsx_path, runs, count),
    }
    base_wall, base_cpu = (max(seconds, 1e-9) for seconds in figures["csv.reader"])
    print(f"{count} member rows, median of {runs} runs "
          f"(CSV {csv_path.stat().st_size / 1e6:.1f} MB GB18030, "
          f"XLSX {xlsx_path.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
    for name, (wall, cpu) in figures.items():
        line = (
            f"  {name:<12} wall {wall:8.3f} s  cpu {cpu:8.3f} s  "
            f"ratio {wall / base_wall:6.2f}x (cpu {cpu / base_cpu:6.2f}x) csv.reader"
        )
        if name == "xlsx import":
            line += f"  | {cpu / figures['openpyxl'][1]:.2f}x the plain openpyxl pass (cpu)"
        print(line)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Write the files here and keep them.")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.rows, args.runs, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="dh-import-bench-") as folder:
        run(args.rows, args.runs, Path(folder))


if __name__ == "__main__":
    main()
