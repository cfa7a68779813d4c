"""Run the datasources' Alembic migrations programmatically, without an alembic.ini.

Each side ("units", "community", and the hub's own "audit" log) has its own history under
`migrations/<side>/` and its own version table (`alembic_version_<side>`), so they never
mix even if several are pointed at one database. The `Config` is built in code: `script_location` comes from this file's
folder and `sqlalchemy.url` from the caller.

The side's `env.py` drives the async engine with `asyncio.run`, so the synchronous
functions here (`upgrade`, `downgrade`, `current`, `check`, `revision`) must be called
where no event loop is running (a CLI, a script). Async callers (the app, async tests) use
the `*_async` variants, which run the same work in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url

from datasources.base import create_engine_for

if TYPE_CHECKING:
    from alembic.script import Script
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection

Side = Literal["units", "community", "audit"]
SIDES: tuple[Side, ...] = get_args(Side)

_ROOT = Path(__file__).resolve().parent

IncludeName = Callable[[str | None, str, dict[str, str | None]], bool]

# Alembic installs `alembic.context` and `alembic.op` as process-wide proxies while a
# command runs, so two commands in parallel threads (e.g. both sides migrated with
# `asyncio.gather(upgrade_async(...), upgrade_async(...))`) would clobber each other.
_COMMAND_LOCK = threading.Lock()


def _validated(side: str) -> Side:
    """`side` as a `Side`; a ValueError for anything else (callers may pass plain str)."""
    for known in SIDES:
        if side == known:
            return known
    raise ValueError(f"unknown migration side {side!r}; expected one of {SIDES}")


def script_location(side: Side) -> Path:
    """The folder holding the side's env.py, script template and versions."""
    return _ROOT / _validated(side)


def version_table(side: Side) -> str:
    """The side's own version table, so co-located sides cannot read each other's."""
    return f"alembic_version_{_validated(side)}"


def target_metadata(side: Side) -> MetaData:
    """The models' metadata a side's migrations must produce (imported on demand)."""
    validated = _validated(side)
    if validated == "units":
        from datasources.units.models import UnitsBase

        return UnitsBase.metadata
    if validated == "audit":
        from datasources.audit.models import AuditBase

        return AuditBase.metadata
    from datasources.community.models import CommunityBase

    return CommunityBase.metadata


def _include_name(side: Side) -> IncludeName:
    """Hide the other sides' tables and version tables from autogenerate and `check`.

    The sides are separate databases in production; this only matters when several are
    pointed at one database (a developer's scratch PostgreSQL), where autogenerate would
    otherwise propose to drop the other side's tables.
    """
    others = [other for other in SIDES if other != _validated(side)]
    foreign = frozenset(
        name for other in others for name in (*target_metadata(other).tables, version_table(other))
    )

    def include_name(name: str | None, type_: str, _parent_names: dict[str, str | None]) -> bool:
        return not (type_ == "table" and name in foreign)

    return include_name


def context_options(side: Side) -> dict[str, Any]:
    """The `EnvironmentContext.configure` options shared by env.py and `check`."""
    return {
        "target_metadata": target_metadata(side),
        "version_table": version_table(side),
        "include_name": _include_name(side),
        # SQLite cannot ALTER most things: batch mode rebuilds the table instead.
        "render_as_batch": True,
        "compare_type": True,
    }


def make_config(side: Side, url: str) -> Config:
    """An Alembic `Config` for one side and one database, built without any ini file."""
    config = Config()
    config.set_main_option("script_location", str(script_location(side)))
    # ConfigParser interpolates '%': escape it (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _require_no_running_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"migrations.runner.{name}() runs its own event loop and cannot be called from "
        f"a running one; await migrations.runner.{name}_async() instead"
    )


def upgrade(side: Side, url: str, revision: str = "head") -> None:
    """Migrate the side's database up to `revision` (default: the latest)."""
    _require_no_running_loop("upgrade")
    config = make_config(side, url)
    with _COMMAND_LOCK:
        command.upgrade(config, revision)


async def upgrade_async(side: Side, url: str, revision: str = "head") -> None:
    """`upgrade` for async callers: env.py gets its own loop in a worker thread."""
    await asyncio.to_thread(upgrade, side, url, revision)


def downgrade(side: Side, url: str, revision: str) -> None:
    """Migrate the side's database down to `revision` ("base" removes every table)."""
    _require_no_running_loop("downgrade")
    config = make_config(side, url)
    with _COMMAND_LOCK:
        command.downgrade(config, revision)


async def downgrade_async(side: Side, url: str, revision: str) -> None:
    """`downgrade` for async callers."""
    await asyncio.to_thread(downgrade, side, url, revision)


def _missing_sqlite_file(url: str) -> bool:
    """Whether `url` names an SQLite file that does not exist (so nothing is migrated)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return False
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):
        return False
    return not Path(parsed.database).exists()


async def current_async(side: Side, url: str) -> str | None:
    """The revision the side's database is at; None when it was never migrated."""
    _validated(side)
    if _missing_sqlite_file(url):
        return None  # Don't create an empty database file just to look at it.
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision, side)
    finally:
        await engine.dispose()


def _current_revision(connection: Connection, side: Side) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": version_table(side)})
    return context.get_current_revision()


def current(side: Side, url: str) -> str | None:
    """The revision the side's database is at; None when it was never migrated."""
    _require_no_running_loop("current")
    return asyncio.run(current_async(side, url))


async def check_async(side: Side, url: str) -> list[Any]:
    """The differences between the side's database and its models; empty when in sync.

    Each item is one of Alembic's autogenerate diffs (`compare_metadata`), for example
    `("add_table", Table(...))`. Like autogenerate, it compares neither CHECK constraints
    nor the WHERE clause of partial indexes.
    """
    _validated(side)
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_compare, side)
    finally:
        await engine.dispose()


def _compare(connection: Connection, side: Side) -> list[Any]:
    options = context_options(side)
    metadata = options.pop("target_metadata")
    context = MigrationContext.configure(connection, opts=options)
    diffs: list[Any] = compare_metadata(context, metadata)
    return diffs


def check(side: Side, url: str) -> list[Any]:
    """The differences between the side's database and its models; empty when in sync."""
    _require_no_running_loop("check")
    return asyncio.run(check_async(side, url))


def revision(
    side: Side,
    url: str,
    message: str,
    *,
    autogenerate: bool = True,
    rev_id: str | None = None,
) -> Script | None:
    """Write a new revision file for the side (a developer tool, not used at run time).

    With `autogenerate`, `url` must point at a database migrated to the current head; the
    new file holds the operations that bring it to the models. Review it before use.
    """
    _require_no_running_loop("revision")
    config = make_config(side, url)
    with _COMMAND_LOCK:
        script = command.revision(config, message=message, autogenerate=autogenerate, rev_id=rev_id)
    if isinstance(script, list):  # only with multiple heads, which the histories don't have
        raise RuntimeError(f"{side}: revision produced {len(script)} scripts")
    return script
