"""The audit datasource: the hub's own append-only log, in a database of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from datasources.audit.events import AuditEvent, AuditKind
from datasources.audit.group_commit import GroupCommit
from datasources.audit.loaders import AuditLoaders
from datasources.audit.models import AuditBase, AuditEventRow
from datasources.base import Datasource
from datasources.errors import DatasourceError, DatasourceUnavailable
from datasources.metrics import AUDIT_WRITES
from datasources.scope import Scope

# How long the readiness probe waits for SQLite's write lock (the app's own writes wait 5 s).
PROBE_BUSY_TIMEOUT_MS = 1000


class AuditSource(Datasource):
    name = "audit"
    base = AuditBase

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self._group = GroupCommit[AuditEvent](self._insert_now)

    def loaders(self, scope: Scope) -> AuditLoaders:
        return AuditLoaders(self, scope)

    def _insert(self) -> Any:
        """An INSERT that skips events whose id the log holds already (idempotent delivery)."""
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(AuditEventRow).on_conflict_do_nothing(index_elements=["event_id"])

    async def record(self, events: Sequence[AuditEvent]) -> None:
        """Append `events` in one transaction, returning once it is committed; nothing if
        empty. Concurrent callers share a transaction (`GroupCommit`), each still all or
        nothing.

        An event whose `event_id` is in the log already is skipped, so delivering an outbox
        entry again is harmless. The database fills `audit_event_targets` from each row
        (trigger), inside the same statement, so a batch is written completely or not at all.
        """
        if not events:
            return
        try:
            await self._group.write(events)
        except BaseException:
            AUDIT_WRITES.labels("failed").inc(len(events))
            raise
        AUDIT_WRITES.labels("written").inc(len(events))

    async def _insert_now(self, events: Sequence[AuditEvent]) -> None:
        rows = [e.as_row() for e in events]
        if self.dialect == "postgresql":
            # One INSERT, or asyncpg's executemany (its rows end in a single Sync, so they
            # share PostgreSQL's implicit transaction), commits all or nothing by itself:
            # in autocommit it costs one round trip instead of BEGIN, INSERT and COMMIT.
            async with self.engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(self._insert(), rows)
            return
        async with self.write_connection() as connection:
            await connection.execute(self._insert(), rows)

    async def dispose(self) -> None:
        await self._group.flush()
        await super().dispose()

    async def check(self) -> None:
        """Raise `DatasourceUnavailable` unless the log can be written now: an INSERT in a
        transaction that is rolled back (no row stays). A SQLite file another connection
        holds the write lock of, a read-only or unreachable server, all fail it."""
        probe = AuditEvent(subject="readyz", role="probe", kind=AuditKind.DENIED,
                           target_type="Probe")  # fmt: skip
        try:
            async with self.engine.connect() as conn:
                await self._busy_timeout(conn, PROBE_BUSY_TIMEOUT_MS)
                try:
                    await conn.execute(self._insert(), [probe.as_row()])
                finally:
                    await conn.rollback()
                    await self._busy_timeout(conn, 5000)
        except (SQLAlchemyError, OSError, DatasourceError) as exc:  # a timeout: locked
            raise DatasourceUnavailable(self.name, type(exc).__name__) from exc

    async def _busy_timeout(self, conn: Any, milliseconds: int) -> None:
        if self.dialect == "sqlite":
            await conn.execute(text(f"PRAGMA busy_timeout={milliseconds}"))
            await conn.commit()
