"""The writing step of `dualhub import`: the master-data services that upsert a kind's
rows by code (datasources/units/master.py for units, branches and members;
datasources/community/master.py for the community side and the service categories).

Until those modules exist the step is not wired: `applier` returns a step that raises
`NotWired` when called, so the file is still read and checked in full (and its problems
reported) and nothing is ever written by anything else.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable
from typing import Any

from gateway.importing.kinds import KINDS
from gateway.importing.report import Applied, RowProblem
from gateway.importing.run import NotWired, Rows

SERVICE_MODULES = {
    "units": "datasources.units.master",
    "branches": "datasources.units.master",
    "members": "datasources.units.master",
    "streets": "datasources.community.master",
    "communities": "datasources.community.master",
    "grids": "datasources.community.master",
    "compounds": "datasources.community.master",
    "buildings": "datasources.community.master",
    "households": "datasources.community.master",
    "categories": "datasources.community.master",
}
assert set(SERVICE_MODULES) == set(KINDS)


def service_module_found(kind: str) -> bool:
    name = SERVICE_MODULES[kind]
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return False
        raise
    return True


def applier(kind: str, *, retire_missing: bool) -> Callable[[Rows, bool], Applied]:
    """The writing step for `kind`, or one that says it is not wired yet."""
    module = SERVICE_MODULES[kind]
    found = service_module_found(kind)

    def not_wired(rows: Rows, dry_run: bool) -> Applied:
        if not found:
            raise NotWired(
                f"导入尚未接通写入：没有找到 {module}（主数据服务）。文件已检查，"
                f"{len(rows)} 行均有效，没有写入任何数据。"
            )
        raise NotWired(
            f"导入尚未接通写入：{module} 已存在，但 dualhub import 还没有连接到它。"
            f"文件已检查，{len(rows)} 行均有效，没有写入任何数据。"
        )

    return not_wired


def applied_from(outcome: Any) -> Applied:
    """The `Applied` of a master-data service's outcome: both services return counts
    (`created`, `updated`, `unchanged`, and `retired` on the community side) and problems
    with the row's index (`row`), the input `field`, the `value` as given, a Chinese
    `message` and a code (`code`, or `kind`, an enum, on the units side)."""
    problems = []
    for problem in outcome.problems:
        code = getattr(problem, "code", None) or getattr(problem, "kind", None) or "invalid_input"
        if isinstance(code, enum.Enum):
            code = code.value
        problems.append(
            RowProblem(
                problem.row, problem.field, problem.message, str(code).upper(),
                value=getattr(problem, "value", None),
            )
        )  # fmt: skip
    return Applied(
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        retired=getattr(outcome, "retired", 0),
        problems=problems,
    )
