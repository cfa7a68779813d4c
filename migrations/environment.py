"""The body of both sides' env.py: Alembic's asyncio recipe on the hub's own engines.

Alembic executes `migrations/<side>/env.py` inside a command (upgrade, revision, ...);
that file only names its side and calls `run_environment`. Online runs open the engine
with `datasources.base.create_engine_for` (the same SQLite pragmas as the app) and run
the migrations through `connection.run_sync` inside `asyncio.run`, so the command must be
called where no event loop is running (see `migrations.runner`).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from datasources.base import create_engine_for
from migrations.runner import Side, context_options


def run_environment(side: Side) -> None:
    """Run the current Alembic command for `side`, offline (SQL script) or online."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(f"{side}: no sqlalchemy.url; build the Config with migrations.runner")
    if context.is_offline_mode():
        _run_offline(side, url)
    else:
        asyncio.run(_run_online(side, url))


def _run_offline(side: Side, url: str) -> None:
    """Emit the migrations as SQL text instead of running them (`--sql`)."""
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(side),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(side: Side, url: str) -> None:
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on_connection, side)
    finally:
        await engine.dispose()


def _run_on_connection(connection: Connection, side: Side) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copy, drop and rename; with enforced foreign keys
        # dropping a referenced table fails, or cascades deletes. SQLite ignores this pragma
        # inside a transaction, so it is set before Alembic begins one, and checked.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        still_on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        connection.commit()  # Leaves no transaction open for Alembic to treat as external.
        if still_on:
            raise RuntimeError(f"{side}: could not turn SQLite foreign keys off for migrating")

    context.configure(connection=connection, **context_options(side))
    with context.begin_transaction():
        context.run_migrations()

    if sqlite:
        # The rebuilt tables were never checked while foreign keys were off: do it now.
        violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        if violations:
            raise RuntimeError(
                f"{side}: after migrating, the database has {len(violations)} foreign key "
                f"violation(s), e.g. {tuple(violations[0])!r} (table, rowid, parent, fk index)"
            )
