"""Errors a datasource raises, shared by every datasource package.

DatasourceError                 the base; never shown to clients verbatim
├── DatasourceUnavailable       the database did not answer (health checks, readiness)
├── DatasourceTimeout           a statement ran past the configured time limit
└── DatasourceBusy              a write could not get its lock in time (busy, deadlock)
"""


class DatasourceError(Exception):
    """A failure inside a datasource; the gateway logs it and masks it."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class DatasourceUnavailable(DatasourceError):
    """The database behind a datasource cannot be reached."""


class DatasourceTimeout(DatasourceError):
    """A statement ran longer than the datasource's time limit."""


class DatasourceBusy(DatasourceError):
    """A write waited past the busy timeout for the write lock (SQLite), or was chosen as
    the victim of a deadlock or serialization failure (PostgreSQL): retrying may succeed."""
