"""The master-data services that upsert a kind's rows by code (datasources/units/master.py
for units, branches and members; datasources/community/master.py for the community side and
the service categories), and how their outcomes become an import's `Applied`. The writing
step itself is `gateway.importing.writing`.
"""

from __future__ import annotations

import enum
from typing import Any

from gateway.importing.kinds import KINDS
from gateway.importing.report import Applied, RowProblem

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
