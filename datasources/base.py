"""What every datasource offers the hub, and the engine plumbing they share.

A datasource owns one database: its models, its migrations, its queries and its
DataLoaders. The gateway only talks to it through `Datasource`, so a third backing
system can be added without touching the others.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from datasources.errors import DatasourceBusy, DatasourceUnavailable
from datasources.idle_ping import ping_when_idle
from datasources.outbox import AuditOutboxColumns, outbox_session_class
from datasources.read_sessions import ReadOnlySession, read_engine
from datasources.stats import UNCOUNTED, instrument
from datasources.timeouts import (
    limit_sqlite_statements,
    postgres_connect_args,
    raise_timeouts_as,
)

# How long a write waits for a lock another write holds (SQLite's busy timeout, PostgreSQL's
# lock_timeout) before it gives up with `DatasourceBusy`.
LOCK_WAIT_SECONDS = 5.0


def create_engine_for(
    url: str,
    *,
    echo: bool = False,
    statement_timeout_seconds: float | None = None,
    lock_wait_seconds: float | None = None,
) -> AsyncEngine:
    """An async engine with the per-dialect settings the hub relies on.

    SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy
    timeout; its parent folder is created so the embedded default needs no setup.
    With `statement_timeout_seconds`, a statement running longer is stopped (see
    `datasources.timeouts`). With `lock_wait_seconds` (the hub's datasources), PostgreSQL
    stops waiting for a row lock after that long (`lock_timeout`), as SQLite's busy timeout
    (`LOCK_WAIT_SECONDS`, always set) does for its write lock.
    """
    parsed = make_url(url)
    # JSON columns hold Chinese text (skills, intentions): store it readable, not \u-escaped.
    kwargs: dict[str, Any] = {"echo": echo, "json_serializer": _json_dumps}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if statement_timeout_seconds is not None:
            limit_sqlite_statements(engine, statement_timeout_seconds)
        return engine
    kwargs.update(pool_size=10, max_overflow=20)
    if parsed.get_driver_name() == "asyncpg":
        # asyncpg prepares every statement, and after five runs PostgreSQL may switch a
        # prepared statement to a generic plan, chosen without the parameters' values. For
        # the hub's batches (an IN list of a page's members, a year's bounds) that plan can
        # be a hundred times slower (2.2 s instead of 20 ms for a 500-member page's
        # activities): plan every execution with its values.
        settings = {"plan_cache_mode": "force_custom_plan"}
        if statement_timeout_seconds is not None:
            settings.update(postgres_connect_args(statement_timeout_seconds)["server_settings"])
        if lock_wait_seconds is not None:
            if statement_timeout_seconds is not None:
                # A lock wait ends before the statement's time: SERVICE_BUSY, not a timeout.
                lock_wait_seconds = min(lock_wait_seconds, statement_timeout_seconds * 0.8)
            settings["lock_timeout"] = str(max(1, round(lock_wait_seconds * 1000)))
        kwargs["connect_args"] = {"server_settings": settings}
    engine = create_async_engine(url, **kwargs)
    ping_when_idle(engine)
    return engine


# How long disposing an engine waits for the connections still checked out (the statement
# of a request's field left running after a sibling failed, a shutdown mid-request).
DISPOSE_GRACE_SECONDS = 5.0


async def dispose_engine(engine: AsyncEngine, grace: float = DISPOSE_GRACE_SECONDS) -> None:
    """Close the engine's pool once the connections in use are back (at most `grace`
    seconds): disposing closes only checked-in connections, and one checked in later is
    left to the garbage collector, which for aiosqlite stops its worker thread on whatever
    event loop is current then, possibly a closed one."""
    checked_out = getattr(engine.pool, "checkedout", None)
    if checked_out is not None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # Polled: the pool offers a count, no awaitable for "all returned".
        while checked_out() > 0 and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    await engine.dispose()


# Execution option saying how a SQLite transaction begins: "DEFERRED" (the default, for
# reads) or "IMMEDIATE" (`Datasource.transaction()`, every write). See `serialise_writers`.
SQLITE_BEGIN = "dualhub_sqlite_begin"
# SQLITE_BUSY, SQLITE_LOCKED (the busy timeout ran out), and PostgreSQL's deadlock,
# serialization failure and lock_not_available: a write lost a race it could not wait out.
_SQLITE_BUSY_CODES = frozenset({5, 6})
_POSTGRES_BUSY_STATES = frozenset({"40P01", "40001", "55P03"})


def serialise_writers(engine: AsyncEngine, source: str) -> None:
    """Make every write transaction of `engine` take the write lock before its first read.

    SQLite: pysqlite (under aiosqlite) begins a transaction only at the first INSERT,
    UPDATE or DELETE, so the SELECTs that decide a state change ran outside any
    transaction, and two requests could both read "pending" and both write. This is
    SQLAlchemy's documented recipe: the driver's own BEGIN is switched off
    (`isolation_level = None`) and the "begin" event emits the BEGIN, `BEGIN IMMEDIATE`
    for a connection carrying `SQLITE_BEGIN="IMMEDIATE"` (`Datasource.transaction()`),
    a plain `BEGIN` (deferred; reads in WAL never block nor wait) for everything else. An
    immediate transaction holds the database's only write lock from its first statement;
    a second writer waits in `BEGIN IMMEDIATE` (the busy timeout) until the first
    commits, and then reads what it committed.

    PostgreSQL needs nothing here: its row locks (`SELECT ... FOR UPDATE`) are taken by
    the workflows.

    On both, a write that could not get its lock in time (SQLite's busy timeout, a
    PostgreSQL deadlock or serialization failure) raises `DatasourceBusy`, which the API
    answers with a code of its own instead of an internal error.
    """
    sync_engine = engine.sync_engine
    if engine.dialect.name == "sqlite":

        def no_driver_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        def begin(connection: Any) -> None:
            mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
            connection.exec_driver_sql(f"BEGIN {mode}", execution_options={UNCOUNTED: True})

        event.listen(sync_engine, "connect", no_driver_begin)
        event.listen(sync_engine, "begin", begin)

    def handle_error(context: ExceptionContext) -> None:
        # A cancelled task (a client gone, a shutdown) also ends here, as a "disconnect":
        # SQLAlchemy invalidates the connection it interrupted. Its CancelledError must go
        # on as it is: turned into an error it is caught as one, and a loop being stopped
        # goes on running (a shutdown that never ends).
        if not isinstance(context.original_exception, Exception):
            return
        cause = context.sqlalchemy_exception or context.original_exception
        if _lost_a_lock(context):
            raise DatasourceBusy(source, "a write could not get its lock in time") from cause
        if context.is_disconnect:
            # The server dropped the connection (a restart; see datasources/idle_ping.py):
            # its transaction is gone, SQLAlchemy invalidates the pool, a retry reconnects.
            raise DatasourceBusy(source, "the connection to the database was lost") from cause

    event.listen(sync_engine, "handle_error", handle_error)


def _lost_a_lock(context: ExceptionContext) -> bool:
    error = context.original_exception
    if context.dialect.name == "postgresql":
        return getattr(error, "sqlstate", None) in _POSTGRES_BUSY_STATES
    if context.dialect.name == "sqlite":
        code = getattr(error, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "database is locked" in str(error)
    return False


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={round(LOCK_WAIT_SECONDS * 1000)}")
    cursor.close()


class Datasource:
    """One backing database: engine, sessions, health and disposal.

    Subclasses name themselves, point at their declarative `Base`, and build the
    per-request loaders (`loaders()`); everything else is shared.
    """

    name: str
    base: type[DeclarativeBase]
    # The side's audit outbox model: its sessions then carry a mutation's audit entry in
    # the mutation's own transaction (datasources.outbox). None for the audit log itself.
    outbox: type[AuditOutboxColumns] | None = None

    def __init__(
        self, url: str, *, echo: bool = False, statement_timeout_seconds: float | None = None
    ) -> None:
        self.url = url
        self.engine = create_engine_for(
            url,
            echo=echo,
            statement_timeout_seconds=statement_timeout_seconds,
            lock_wait_seconds=LOCK_WAIT_SECONDS,
        )
        if statement_timeout_seconds is not None:
            raise_timeouts_as(self.engine, self.name, statement_timeout_seconds)
        serialise_writers(self.engine, self.name)
        instrument(self.engine, self.name)
        # One short-lived session per task: sessions are not safe across concurrent tasks.
        # Sessions note what each transaction writes, so a mutation's commit carries its
        # audit entry in the same transaction (datasources.outbox).
        options: dict[str, Any] = {"expire_on_commit": False}
        if self.outbox is not None:
            options["sync_session_class"] = outbox_session_class(self.name, self.outbox)
        # Reads: no transaction on PostgreSQL, no writes anywhere (datasources.read_sessions).
        self.sessions = async_sessionmaker(
            read_engine(self.engine), expire_on_commit=False, sync_session_class=ReadOnlySession
        )
        # Write transactions: on SQLite they begin IMMEDIATE (see `serialise_writers`).
        self.writes = async_sessionmaker(
            self.engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}), **options
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A short-lived session for reads; it refuses writes (`ReadOnlySession`)."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one write transaction: committed on success, rolled back on
        error. On SQLite it holds the database's write lock from its first statement, so
        writers are serialised before they read (`serialise_writers`); on PostgreSQL the
        caller locks the rows it changes (`SELECT ... FOR UPDATE`)."""
        async with self.writes() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write_connection(self) -> AsyncIterator[AsyncConnection]:
        """A Core connection inside one write transaction (IMMEDIATE on SQLite)."""
        engine = self.engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        async with engine.begin() as connection:
            yield connection

    async def check(self) -> None:
        """Raise `DatasourceUnavailable` unless the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            raise DatasourceUnavailable(self.name, type(exc).__name__) from exc

    async def dispose(self) -> None:
        await dispose_engine(self.engine)
