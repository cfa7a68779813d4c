"""The history every workflow entity exposes: its state events, oldest first."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.actors import (
    ACTOR_LABEL_DESCRIPTION,
    ACTOR_SUBJECT_DESCRIPTION,
    actor_label,
    shown_subject,
)
from schema.base import Info


@strawberry.type(
    description="One changed field of a master-data row (字段变更): its input name, before and "
    "after; a personal field (name, phone, skills, birth date of a member) is marked changed "
    "without its values."
)
class FieldChange:
    field: str = strawberry.field(description="The input field (字段), e.g. `name`, `gridCode`.")
    before: str | None = strawberry.field(
        description="Value before (原值); null on creation, or for a personal field."
    )
    after: str | None = strawberry.field(
        description="Value after (新值); null when cleared, or for a personal field."
    )
    personal: bool = strawberry.field(
        default=False, description="A personal field (个人信息): changed, values not recorded."
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@strawberry.type(description="One state change in a workflow (状态变更记录): who, when, from, to.")
class StateEvent:
    from_state: str | None = strawberry.field(description="State before, null on creation.")
    to_state: str = strawberry.field(description="State after (状态).")
    actor_subject: str | None = strawberry.field(description=ACTOR_SUBJECT_DESCRIPTION)
    actor_role: str = strawberry.field(description="In which role (角色).")
    actor_label: str = strawberry.field(description=ACTOR_LABEL_DESCRIPTION)
    note: str | None = strawberry.field(description="Reason or note given (说明).")
    occurred_at: datetime = strawberry.field(description="When (时间).")
    changes: list[FieldChange] = strawberry.field(
        default_factory=list,
        description="Master data (主数据): the fields created, updated or retired, with their "
        "values before and after; empty on workflow events.",
    )


async def history(info: Info, entity_type: str, entity_id: int) -> list[StateEvent]:
    """The entity's state events, batched across all entities of the request."""
    rows = await info.context.community.history_of(entity_type).load(entity_id)
    viewer = info.context.viewer
    return [
        StateEvent(
            from_state=row.from_state, to_state=row.to_state,
            actor_subject=shown_subject(viewer, row.actor_subject, row.actor_organisation),
            actor_role=row.actor_role,
            actor_label=actor_label(row.actor_role, row.actor_organisation),
            note=row.note, occurred_at=row.occurred_at,
            changes=[FieldChange(field=name, before=_text(pair[0]), after=_text(pair[1]))
                     for name, pair in sorted((row.changes or {}).items())],
        )
        for row in rows
    ]  # fmt: skip
