"""One import of a file: read, check, hand the rows to the writing step, report.

The writing step is injected: `apply(rows, dry_run)` takes the checked rows (plain dicts
keyed by the GraphQL input field names, see `validation`) and returns an `Applied` (or an
awaitable of one): the counts, or the problems it found (an unknown branch code ...), in
which case it wrote nothing. It is called only when the file itself has no problem: all or
nothing per file. On a dry run it checks and counts the same way and writes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.importing.kinds import KINDS, Kind
from gateway.importing.readers import FileProblem, read_sheet
from gateway.importing.report import Applied, ImportReport, Problem
from gateway.importing.validation import Parsed, parse_sheet

Rows = Sequence[dict[str, Any]]
Apply = Callable[[Rows, bool], Applied | Awaitable[Applied]]

# Kinds whose import may retire what a full roster no longer lists.
RETIRING_KINDS = frozenset({"members"})


@dataclass
class Loaded:
    """A file read and checked, not yet applied."""

    report: ImportReport
    parsed: Parsed


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown import kind {name!r}; one of: {', '.join(KINDS)}") from None


def load(
    kind: str, path: Path | str, *, dry_run: bool, data: bytes | None = None,
    progress: bool | None = None,
) -> Loaded:  # fmt: skip
    """Read and check `path` (or `data`, its bytes, e.g. an upload named `path`); no
    database is involved."""
    spec = kind_of(kind)
    path = Path(path)
    if data is None:
        data = path.read_bytes()
    report = ImportReport(
        kind=kind, file=path.name, digest=hashlib.sha256(data).hexdigest(),
        format="", encoding=None, dry_run=dry_run,
    )  # fmt: skip
    try:
        sheet = read_sheet(path, data)
    except FileProblem as exc:
        report.problems.append(Problem(exc.row, "", "", exc.message, "BAD_FILE"))
        return Loaded(report, Parsed(spec))
    report.format, report.encoding = sheet.format, sheet.encoding
    parsed = parse_sheet(spec, sheet, progress=progress)
    report.rows = len(parsed.rows)
    report.problems.extend(parsed.problems)
    return Loaded(report, parsed)


def finish(loaded: Loaded, applied: Applied) -> ImportReport:
    """The report once the writing step has run on the loaded rows."""
    report, parsed = loaded.report, loaded.parsed
    for problem in applied.problems:
        value = problem.value
        if value is None and problem.field:
            value = parsed.rows[problem.index].get(problem.field)
        report.problems.append(
            parsed.problem(problem.index, problem.field, value, problem.message, problem.code)
        )
    if not applied.problems:
        report.created, report.updated = applied.created, applied.updated
        report.unchanged, report.retired = applied.unchanged, applied.retired
        report.applied = True
    return report


async def run_import_async(
    kind: str, path: Path | str, dry_run: bool, retire_missing: bool, apply: Apply,
    *, data: bytes | None = None, progress: bool | None = None,
) -> ImportReport:  # fmt: skip
    """`run_import` for a caller already in an event loop (an upload through the API)."""
    _check_retire(kind, retire_missing)
    loaded = await asyncio.to_thread(load, kind, path, dry_run=dry_run, data=data,
                                     progress=progress)  # fmt: skip
    if loaded.report.problems:
        return loaded.report
    result = apply(loaded.parsed.rows, dry_run)
    applied = await result if inspect.isawaitable(result) else result
    return finish(loaded, applied)


def run_import(
    kind: str, path: Path | str, dry_run: bool, retire_missing: bool, apply: Apply,
    *, progress: bool | None = None,
) -> ImportReport:  # fmt: skip
    """Import the file at `path` as `kind`: nothing is written unless every row is valid,
    for the file (checked here) and for the database (checked by `apply`). With
    `retire_missing` (members only) `apply` retires what the file does not list: the caller
    binds that into the `apply` it passes."""
    _check_retire(kind, retire_missing)
    loaded = load(kind, path, dry_run=dry_run, progress=progress)
    if loaded.report.problems:
        return loaded.report
    result = apply(loaded.parsed.rows, dry_run)
    applied = asyncio.run(_awaited(result)) if inspect.isawaitable(result) else result
    return finish(loaded, applied)


async def _awaited(result: Awaitable[Applied]) -> Applied:
    return await result


def _check_retire(kind: str, retire_missing: bool) -> None:
    kind_of(kind)
    if retire_missing and kind not in RETIRING_KINDS:
        raise ValueError("--retire-missing applies to a full member roster (members) only")
