"""The audit outbox (审计发件箱): a change's audit entry, committed in the change's own
transaction, on the changed side, then delivered to the audit log.

The audit log is a third database; no transaction spans it and a source system. So a
mutation never writes its audit entry there directly: every session of the units and the
community datasources is an `OutboxSession`, which tracks what a transaction flushes and,
when the transaction commits inside a mutation (`audited(scope)` is active), adds one
outbox row to that same transaction. The change and its entry commit together or
not at all. Delivery (`deliver`) copies rows into the audit log, whose unique `event_id`
makes a second copy a no-op, and then deletes them: at the end of the request, and from the
background loop of `gateway/app.py` for anything left over (the audit log was down, the
process stopped).

Nothing here knows GraphQL: the scope (`OutboxScope`, implemented by
`resolvers.audit.AuditTrail`) turns the tracked changes into an `AuditEvent`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import JSON, String, bindparam, delete, event, func, inspect, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, SessionTransaction, mapped_column

from datasources.audit.events import AuditEvent
from datasources.common import timestamp, utcnow

if TYPE_CHECKING:
    from datasources.audit.source import AuditSource
    from datasources.base import Datasource

logger = logging.getLogger("dualhub.audit")

# Execution option of a statement that takes a lock and changes nothing (`write_lock`).
NOT_A_CHANGE = "dualhub_not_a_change"
_CHANGES = "dualhub_audit_changes"  # session.info: what the open transaction wrote
_PENDING = "dualhub_audit_pending"  # session.info: the entry added by before_commit


class AuditOutboxColumns:
    """The columns of a side's outbox table (`units_audit_outbox`, `community_audit_outbox`:
    names apart, so the sides may share a scratch database)."""

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(timestamp(), index=True)
    # The AuditEvent as JSON (`AuditEvent.as_payload`).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class OutboxScope(Protocol):
    """What an audited mutation tells the outbox: the entry of a transaction's changes, and
    which entries committed."""

    def entry(self, side: str, changes: dict[str, list[str]]) -> AuditEvent: ...

    def committed(self, side: str, event: AuditEvent) -> None: ...


_scope: ContextVar[OutboxScope | None] = ContextVar("dualhub_outbox_scope", default=None)


@contextmanager
def audited(scope: OutboxScope) -> Iterator[None]:
    """Within this block, every committed write transaction of a side carries its entry."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def outbox_session_class(side: str, model: type[Any]) -> type[Session]:
    """A `Session` class for `side` whose commits inside `audited()` carry an outbox row."""

    class OutboxSession(Session):
        pass

    def changes_of(session: Session) -> dict[str, list[str]]:
        found: dict[str, list[str]] = session.info.setdefault(_CHANGES, {})
        return found

    @event.listens_for(OutboxSession, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        if _scope.get() is None:
            return
        changed = [*session.new, *session.deleted]
        changed += [o for o in session.dirty if session.is_modified(o, include_collections=False)]
        for obj in changed:
            if isinstance(obj, model):
                continue
            identity = inspect(obj).identity
            ids = changes_of(session).setdefault(type(obj).__name__, [])
            key = "-".join(str(part) for part in identity or ())
            if key not in ids:  # flushed twice in one transaction: named once
                ids.append(key)

    @event.listens_for(OutboxSession, "do_orm_execute")
    def _executed(state: ORMExecuteState) -> None:
        if _scope.get() is None or not (state.is_insert or state.is_update or state.is_delete):
            return
        if state.execution_options.get(NOT_A_CHANGE):
            return
        table = getattr(state.statement, "table", None)
        changes_of(state.session).setdefault(str(getattr(table, "name", "?")), [])

    @event.listens_for(OutboxSession, "before_commit")
    def _entry(session: Session) -> None:
        scope = _scope.get()
        if scope is None:
            return
        # Commit flushes only after this hook: flush first, so the last changes are tracked.
        session.flush()
        changes = session.info.pop(_CHANGES, None)
        if not changes:
            return
        entry = scope.entry(side, changes)
        session.add(
            model(event_id=entry.event_id, created_at=entry.occurred_at, payload=entry.as_payload())
        )
        session.info[_PENDING] = (scope, entry)

    @event.listens_for(OutboxSession, "after_commit")
    def _committed(session: Session) -> None:
        pending = session.info.pop(_PENDING, None)
        if pending is not None:
            scope, entry = pending
            scope.committed(side, entry)

    @event.listens_for(OutboxSession, "after_soft_rollback")
    def _rolled_back(session: Session, previous: SessionTransaction) -> None:
        # The whole transaction, not a savepoint: the outer changes still commit after a
        # savepoint's rollback (whose rows the entry then names too: more, never fewer).
        if previous.parent is None:
            session.info.pop(_CHANGES, None)
            session.info.pop(_PENDING, None)

    OutboxSession.__name__ = OutboxSession.__qualname__ = f"{side.title()}OutboxSession"
    return OutboxSession


def _model(source: Datasource) -> Any:
    model = source.outbox
    assert model is not None, f"{source.name} has no audit outbox"
    return model


async def settle(source: Datasource, event_ids: Sequence[str]) -> None:
    """Delete delivered rows (their events are in the audit log)."""
    if not event_ids:
        return
    model = _model(source)
    async with source.transaction() as session:
        statement = delete(model).where(model.event_id.in_(list(event_ids)))
        await session.execute(statement.execution_options(**{NOT_A_CHANGE: True}))


async def keep(source: Datasource, events: Sequence[AuditEvent]) -> None:
    """Rewrite undelivered rows with fuller versions of their events (same ids), so the
    background delivery sends those."""
    if not events:
        return
    model = _model(source)
    statement = (
        update(model.__table__)
        .where(model.__table__.c.event_id == bindparam("id"))
        .values(payload=bindparam("new_payload"))
        .execution_options(**{NOT_A_CHANGE: True})
    )
    async with source.transaction() as session:
        await session.execute(
            statement, [{"id": e.event_id, "new_payload": e.as_payload()} for e in events]
        )


async def deliver(
    source: Datasource,
    audit: AuditSource,
    *,
    older_than: timedelta = timedelta(0),
    batch: int = 500,
) -> int:
    """Copy `source`'s outbox rows older than `older_than` into the audit log, then delete
    them; the number delivered. Run twice, or by two processes at once, it records each
    event once: the audit log ignores an event id it holds already."""
    model = _model(source)
    delivered = 0
    while True:
        cutoff = utcnow() - older_than
        async with source.session() as session:
            rows = (
                await session.scalars(
                    select(model)
                    .where(model.created_at <= cutoff)
                    .order_by(model.created_at, model.event_id)
                    .limit(batch)
                )
            ).all()
        if not rows:
            return delivered
        events = [AuditEvent.from_payload(row.payload) for row in rows]
        await audit.record(events)
        await settle(source, [row.event_id for row in rows])
        delivered += len(rows)
        if len(rows) < batch:
            return delivered


async def pending(source: Datasource) -> int:
    """How many entries wait in `source`'s outbox."""
    model = _model(source)
    async with source.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
