"""A time limit on each SQL statement, and `DatasourceTimeout` when one runs past it.

PostgreSQL enforces it itself: `statement_timeout` is set for every connection of the
pool (asyncpg's `server_settings`) and a statement past it is cancelled (SQLSTATE 57014).
SQLite has no such setting: sqlite3's progress handler, called every
`SQLITE_PROGRESS_STEPS` virtual machine instructions, interrupts the statement once the
clock started by `before_cursor_execute` has run out.

Either way the driver's error is replaced by `DatasourceTimeout`, which the GraphQL layer
answers with its own code instead of masking it as an internal error.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

from datasources.errors import DatasourceTimeout

# Instructions between two looks at the clock: a few microseconds of work each time.
SQLITE_PROGRESS_STEPS = 1_000
_CLOCK = "dualhub_statement_clock"
_QUERY_CANCELED = "57014"


def postgres_connect_args(seconds: float) -> dict[str, Any]:
    """asyncpg's arguments setting `statement_timeout` (whole milliseconds, at least 1)."""
    milliseconds = max(1, round(seconds * 1000))
    return {"server_settings": {"statement_timeout": str(milliseconds)}}


class _StatementClock:
    """When the running statement must stop; read by the progress handler's thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None
        self.expired = False

    def start(self) -> None:
        self.expired = False
        self.deadline = time.monotonic() + self.seconds

    def stop(self) -> None:
        self.deadline = None

    def interrupt(self) -> None:
        """Stop the running statement at the handler's next look (its task was cancelled:
        nobody waits for the result, and the connection is closed once it stops)."""
        self.deadline = 0.0

    def __call__(self) -> int:
        """The progress handler: non-zero interrupts the statement."""
        deadline = self.deadline
        if deadline is not None and time.monotonic() > deadline:
            self.expired = True
            return 1
        return 0


def limit_sqlite_statements(engine: AsyncEngine, seconds: float) -> None:
    """Interrupt any statement of `engine` (aiosqlite) running longer than `seconds`."""

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        clock = _StatementClock(seconds)
        record.info[_CLOCK] = clock
        # aiosqlite runs sqlite3 in a thread of its own: install the handler there.
        dbapi_connection.run_async(
            lambda driver: driver.set_progress_handler(clock, SQLITE_PROGRESS_STEPS)
        )

    def before_cursor_execute(conn: Any, *_args: Any) -> None:
        clock = conn.info.get(_CLOCK)
        if clock is not None:
            clock.start()

    def after_cursor_execute(conn: Any, *_args: Any) -> None:
        clock = conn.info.get(_CLOCK)
        if clock is not None:
            clock.stop()

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "connect", on_connect)
    event.listen(sync_engine, "before_cursor_execute", before_cursor_execute)
    event.listen(sync_engine, "after_cursor_execute", after_cursor_execute)


def raise_timeouts_as(engine: AsyncEngine, source: str, seconds: float) -> None:
    """Turn the driver's "statement timed out" into `DatasourceTimeout(source, ...)`."""

    def handle_error(context: ExceptionContext) -> None:
        if not isinstance(context.original_exception, Exception):
            _interrupt(context)  # cancelled: sqlite3 would run the statement to its end
            return
        if _timed_out(context):
            raise DatasourceTimeout(source, f"a statement ran longer than {seconds:g} s") from (
                context.sqlalchemy_exception or context.original_exception
            )

    event.listen(engine.sync_engine, "handle_error", handle_error)


def _interrupt(context: ExceptionContext) -> None:
    connection = context.connection
    clock = connection.info.get(_CLOCK) if connection is not None else None
    if clock is not None:
        clock.interrupt()


def _timed_out(context: ExceptionContext) -> bool:
    error = context.original_exception
    if context.dialect.name == "postgresql":
        return getattr(error, "sqlstate", None) == _QUERY_CANCELED
    if context.dialect.name == "sqlite":
        connection = context.connection
        clock = connection.info.get(_CLOCK) if connection is not None else None
        if clock is not None:
            expired = bool(clock.expired)
            clock.stop()
            return expired
    return False
