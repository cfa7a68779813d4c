"""The history every workflow entity exposes: its state events, oldest first."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.base import Info


@strawberry.type(description="One state change in a workflow (状态变更记录): who, when, from, to.")
class StateEvent:
    from_state: str | None = strawberry.field(description="State before, null on creation.")
    to_state: str = strawberry.field(description="State after (状态).")
    actor_subject: str = strawberry.field(description="Who changed it (操作人).")
    actor_role: str = strawberry.field(description="In which role (角色).")
    note: str | None = strawberry.field(description="Reason or note given (说明).")
    occurred_at: datetime = strawberry.field(description="When (时间).")


async def history(info: Info, entity_type: str, entity_id: int) -> list[StateEvent]:
    """The entity's state events, batched across all entities of the request."""
    rows = await info.context.community.history_of(entity_type).load(entity_id)
    return [
        StateEvent(
            from_state=row.from_state, to_state=row.to_state, actor_subject=row.actor_subject,
            actor_role=row.actor_role, note=row.note, occurred_at=row.occurred_at,
        )
        for row in rows
    ]  # fmt: skip
