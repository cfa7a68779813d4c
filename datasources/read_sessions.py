"""The sessions a datasource reads with: no transaction around them on PostgreSQL, and no
writes through them anywhere.

A read session on PostgreSQL used to cost three round trips for its one statement: BEGIN,
the statement, ROLLBACK (a member query's five loaders, fifteen). Under PostgreSQL's READ
COMMITTED, which the hub uses, each statement sees its own snapshot whether or not a
transaction surrounds it, so the transaction bought reads nothing: read sessions run in
autocommit and cost the statement alone. SQLite keeps its deferred BEGIN (in process, and
`serialise_writers` owns how its transactions begin).

Autocommit would commit a write at once, outside the transaction and the audit entry of
the change it belongs to; so a read session refuses every write (`ReadOnlySession`), on
both backends alike, and writes go through `Datasource.transaction()` or `writes`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import ORMExecuteState, Session


class WriteInReadSession(RuntimeError):
    """A write was attempted through a read session (a programming error)."""


class ReadOnlySession(Session):
    """A session that reads only: flushing changes or executing DML raises."""


@event.listens_for(ReadOnlySession, "before_flush")
def _no_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise WriteInReadSession("a read session cannot write; use Datasource.transaction()")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _no_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteInReadSession("a read session cannot write; use Datasource.transaction()")


def read_engine(engine: AsyncEngine) -> AsyncEngine:
    """`engine` as read sessions use it: in autocommit on PostgreSQL (no BEGIN, ROLLBACK)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine
