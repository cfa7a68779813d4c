"""Errors a datasource raises, shared by every datasource package.

DatasourceError                 the base; never shown to clients verbatim
├── DatasourceUnavailable       the database did not answer (health checks, readiness)
└── DatasourceTimeout           a statement ran past the configured time limit
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
