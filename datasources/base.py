"""What every datasource offers the hub, and the engine plumbing they share.

A datasource owns one database: its models, its migrations, its queries and its
DataLoaders. The gateway only talks to it through `Datasource`, so a third backing
system can be added without touching the others.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from datasources.errors import DatasourceUnavailable
from datasources.outbox import AuditOutboxColumns, outbox_session_class
from datasources.stats import instrument
from datasources.timeouts import (
    limit_sqlite_statements,
    postgres_connect_args,
    raise_timeouts_as,
)


def create_engine_for(
    url: str, *, echo: bool = False, statement_timeout_seconds: float | None = None
) -> AsyncEngine:
    """An async engine with the per-dialect settings the hub relies on.

    SQLite gets WAL (readers never block the writer), enforced foreign keys and a busy
    timeout; its parent folder is created so the embedded default needs no setup.
    With `statement_timeout_seconds`, a statement running longer is stopped (see
    `datasources.timeouts`).
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
    kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.get_driver_name() == "asyncpg":
        # asyncpg prepares every statement, and after five runs PostgreSQL may switch a
        # prepared statement to a generic plan, chosen without the parameters' values. For
        # the hub's batches (an IN list of a page's members, a year's bounds) that plan can
        # be a hundred times slower (2.2 s instead of 20 ms for a 500-member page's
        # activities): plan every execution with its values.
        settings = {"plan_cache_mode": "force_custom_plan"}
        if statement_timeout_seconds is not None:
            settings.update(postgres_connect_args(statement_timeout_seconds)["server_settings"])
        kwargs["connect_args"] = {"server_settings": settings}
    return create_async_engine(url, **kwargs)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
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
            url, echo=echo, statement_timeout_seconds=statement_timeout_seconds
        )
        if statement_timeout_seconds is not None:
            raise_timeouts_as(self.engine, self.name, statement_timeout_seconds)
        instrument(self.engine, self.name)
        # One short-lived session per task: sessions are not safe across concurrent tasks.
        if self.outbox is None:
            self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        else:
            self.sessions = async_sessionmaker(
                self.engine,
                expire_on_commit=False,
                sync_session_class=outbox_session_class(self.name, self.outbox),
            )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def check(self) -> None:
        """Raise `DatasourceUnavailable` unless the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            raise DatasourceUnavailable(self.name, type(exc).__name__) from exc

    async def dispose(self) -> None:
        await self.engine.dispose()
