"""Start-up and configuration errors as one line each: what is wrong, which setting, what to do.

`dualhub` commands run inside `HubGroup`, which turns the errors below into a
`StartupError`: click prints it as `Error: <line>` on stderr and exits with status 2, instead
of a traceback of 60 to 150 lines. Anything else is a bug and keeps its traceback.

* a setting that does not validate (pydantic's `ValidationError`): the variable's name and
  why, for each wrong one (values are not repeated: one may be a secret);
* a database that cannot be reached or opened (`reaching`): the setting, the URL without its
  password, the driver's reason;
* a data folder or key file that cannot be written or read (`explain_file`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

ENV_PREFIX = "DUALHUB_"


class StartupError(click.ClickException):
    """One line on stderr, exit status 2."""

    exit_code = 2


def setting_name(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def explain_settings(error: ValidationError) -> str:
    """`invalid setting DUALHUB_MAX_PAGE_SIZE: ...; invalid setting ...`."""
    parts = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"invalid setting {setting_name(field)}: {message}")
    return "; ".join(parts) + " (set it in the environment or in .env)"


def _root(exc: BaseException) -> BaseException:
    """The innermost cause: the driver's or the operating system's own error."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or exc.__context__
        if isinstance(exc, DBAPIError) and exc.orig is not None:
            inner = exc.orig
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def _reason(exc: BaseException) -> str:
    root = _root(exc)
    if isinstance(root, OSError) and root.strerror:
        text = root.strerror
        if root.filename:
            text += f": {root.filename}"
    else:
        text = str(root) or type(root).__name__
    return " ".join(text.split())[:300]


@contextmanager
def reaching(field: str, url: str) -> Iterator[None]:
    """Database errors inside the block become one line naming the setting `field`."""
    try:
        yield
    except (OSError, SQLAlchemyError, TimeoutError, socket.gaierror) as exc:
        if isinstance(exc, SQLAlchemyError) and not _is_connection_error(exc):
            raise
        raise StartupError(database_message(field, url, exc)) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("asyncpg"):  # bad password, no such database
            raise StartupError(database_message(field, url, exc)) from exc
        raise


def _is_connection_error(exc: SQLAlchemyError) -> bool:
    root = _root(exc)
    return isinstance(root, OSError | TimeoutError) or type(root).__module__.startswith(
        ("asyncpg", "sqlite3")
    )


def database_message(field: str, url: str, exc: BaseException) -> str:
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        return (
            f"cannot open the SQLite database of {setting_name(field)} ({shown}): "
            f"{_reason(exc)}; make its folder writable or point the setting elsewhere"
        )
    return (
        f"cannot reach the database of {setting_name(field)} ({shown}): {_reason(exc)}; "
        "check that PostgreSQL is running and the URL's host, port, user, password and "
        "database are right"
    )


def explain_file(what: str, field: str, value: Any, exc: OSError, advice: str) -> StartupError:
    return StartupError(f"cannot {what} ({setting_name(field)}={value}): {_reason(exc)}; {advice}")


class HubGroup(click.Group):
    """The `dualhub` group: a setting that does not validate is one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationError as exc:
            raise StartupError(explain_settings(exc)) from exc
