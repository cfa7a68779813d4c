"""What master-data types share (主数据): their retirement and their history."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from schema.base import Info
from schema.history import StateEvent, history


@strawberry.enum(description="Whether a master-data row is in force (状态).")
class MasterStatus(Enum):
    ACTIVE = "active"  # 在用
    RETIRED = "retired"  # 已撤销


@strawberry.type(description="A master-data row that is retired, never deleted (可撤销).")
class Retirable:
    retired_on: date | None = strawberry.field(
        description="Day it was retired (撤销日期, China time); null while in force."
    )

    @strawberry.field(
        description="In force or retired (状态): a retired row stays readable and takes no new "
        "children or changes."
    )
    def status(self) -> MasterStatus:
        retired = self.retired_on is not None or getattr(self, "active", True) is False
        return MasterStatus.RETIRED if retired else MasterStatus.ACTIVE

    @strawberry.field(
        description="Its history (变更记录), oldest first: created, updated (with the changed "
        "fields), retired. Readable by the district and the auditor, and by the community's "
        "roles for its own rows."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, type(self).__name__, getattr(self, "id"))  # noqa: B009
