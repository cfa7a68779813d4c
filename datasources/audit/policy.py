"""Who may read the audit log: the district organisation department and the auditor.

Everyone else, signed in or not, sees no row (and a total of 0). Nobody may change it:
that is not a rule here but the database's triggers (see `datasources.audit`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from datasources.scope import CrossSideFacts, Viewer

DENY: list[ColumnElement[bool]] = [false()]


async def visible(
    model: type[Any], viewer: Viewer, facts: CrossSideFacts
) -> list[ColumnElement[bool]]:
    # `sees_everything` is exactly the district and the auditor (datasources.scope).
    return [] if viewer.sees_everything else DENY
