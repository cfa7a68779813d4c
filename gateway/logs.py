"""The hub's log lines: text or JSON (`log_format`), each carrying its request id.

The id of the request being served lives in a context variable (`REQUEST_ID`), set by
`gateway.observation.Observed`; `RequestIdFilter` copies it into every record, so a line
logged by a resolver, a datasource or uvicorn during a request names it ("-" outside one).
With `log_format=json` every line is one JSON object; the request line
(`gateway.observation`) adds the operation, role, duration, status and error codes.
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any

from gateway.settings import Settings

REQUEST_ID: ContextVar[str] = ContextVar("dualhub_request_id", default="-")

# What a request line carries besides the standard fields (`extra=` of the logging call).
REQUEST_FIELDS = (
    "method", "path", "status", "duration_ms", "operation", "role", "error_codes",
    "trace_id",
)  # fmt: skip

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (the current request's, or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, request id, message,
    the request line's fields when present, and the exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
            "message": record.getMessage(),
        }
        for field in REQUEST_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(settings: Settings) -> logging.Formatter:
    return JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure(settings: Settings) -> None:
    """Send the hub's loggers (`dualhub.*`) to stderr in the configured format, each line
    with its request id. Idempotent: a second app in the same process replaces the handler."""
    logger = logging.getLogger("dualhub")
    for handler in list(logger.handlers):
        if getattr(handler, "dualhub", False):
            logger.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.dualhub = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(settings))
    handler.addFilter(RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(_level(settings))
    logger.propagate = True


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's `log_config`: its own lines in the hub's format, with the request id. Its
    access log is off: the hub writes one line per request itself (`gateway.observation`)."""
    fmt = (
        {"()": "gateway.logs.JsonFormatter"}
        if settings.log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "gateway.logs.RequestIdFilter"}},
        "formatters": {"hub": fmt},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "hub",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": _level(settings), "propagate": False},
            "uvicorn.error": {"level": _level(settings)},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def _level(settings: Settings) -> int:
    if settings.log_level == "trace":  # uvicorn's level below debug
        return 5
    level: int = logging.getLevelNamesMapping()[settings.log_level.upper()]
    return level
