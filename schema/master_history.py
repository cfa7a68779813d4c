"""The change history of the units side's master data (主数据变更记录) as GraphQL types."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry

from schema.actors import (
    ACTOR_LABEL_DESCRIPTION,
    ACTOR_SUBJECT_DESCRIPTION,
    actor_label,
    shown_subject,
)
from schema.base import Info
from schema.history import FieldChange


@strawberry.type(
    description="One change of a unit, branch or member (主数据变更): created, updated, "
    "transferred (转接), retired (撤销), confirmed full (转正), left the Party (出党/停止党籍), "
    "left service (退休/离开在职); who, when, and the fields changed."
)
class MasterDataEvent:
    action: str = strawberry.field(
        description="What happened: created, updated, transferred, retired, confirmed_full, "
        "left_party, left_service."
    )
    from_state: str | None = strawberry.field(description="Status before, null on creation.")
    to_state: str = strawberry.field(description="Status after (状态).")
    changes: list[FieldChange] = strawberry.field(description="The fields changed (变更字段).")
    actor_subject: str | None = strawberry.field(description=ACTOR_SUBJECT_DESCRIPTION)
    actor_role: str = strawberry.field(description="In which role (角色).")
    actor_label: str = strawberry.field(description=ACTOR_LABEL_DESCRIPTION)
    note: str | None = strawberry.field(description="Reason given (原因).")
    occurred_at: datetime = strawberry.field(description="When (时间).")


def _json(value: Any) -> str | None:
    """Text as it is (like the community side's history), other values as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _changes(stored: dict[str, Any]) -> list[FieldChange]:
    out = []
    for name, change in stored.items():
        if change.get("changed"):
            out.append(FieldChange(field=name, before=None, after=None, personal=True))
        else:
            out.append(FieldChange(field=name, before=_json(change.get("from")),
                                   after=_json(change.get("to")), personal=False))  # fmt: skip
    return out


async def master_history(info: Info, entity_type: str, entity_id: int) -> list[MasterDataEvent]:
    """The entity's history rows the viewer may read, batched across the request."""
    rows = await info.context.units.master_history.load((entity_type, entity_id))
    viewer = info.context.viewer
    return [
        MasterDataEvent(
            action=row.action, from_state=row.from_state, to_state=row.to_state,
            changes=_changes(row.changes or {}),
            actor_subject=shown_subject(viewer, row.actor_subject, row.actor_organisation),
            actor_role=row.actor_role,
            actor_label=actor_label(row.actor_role, row.actor_organisation),
            note=row.note, occurred_at=row.occurred_at,
        )
        for row in rows
    ]  # fmt: skip
