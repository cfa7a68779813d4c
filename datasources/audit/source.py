"""The audit datasource: the hub's own append-only log, in a database of its own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

from datasources.audit.events import AuditEvent
from datasources.audit.loaders import AuditLoaders
from datasources.audit.models import AuditBase, AuditEventRow
from datasources.base import Datasource
from datasources.scope import Scope


class AuditSource(Datasource):
    name = "audit"
    base = AuditBase

    def loaders(self, scope: Scope) -> AuditLoaders:
        return AuditLoaders(self, scope)

    async def record(self, events: Sequence[AuditEvent]) -> None:
        """Append `events` in one INSERT statement and one transaction; nothing if empty.

        The database fills `audit_event_targets` from each row (trigger), inside the same
        statement, so a batch is written completely or not at all.
        """
        if not events:
            return
        async with self.write_connection() as connection:
            await connection.execute(insert(AuditEventRow), [e.as_row() for e in events])
