"""Per-request SQL statement counting.

A request opens a `StatementCounter` in a context variable; every engine reports each
statement it sends to the database into whichever counter is current. Tasks started by the
request (DataLoader batches) inherit the context, so their statements count too.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from datasources.metrics import SQL_ERRORS, SQL_STATEMENTS

_current: ContextVar[Counter[str] | None] = ContextVar("dualhub_sql_counter", default=None)


@contextmanager
def count_statements() -> Iterator[Counter[str]]:
    """Count the statements each datasource runs inside the block, keyed by source name."""
    counter: Counter[str] = Counter()
    token = _current.set(counter)
    try:
        yield counter
    finally:
        _current.reset(token)


# Execution option of a statement that is plumbing, not a query (SQLite's own BEGIN).
UNCOUNTED = "dualhub_uncounted"


def instrument(engine: AsyncEngine, source_name: str) -> None:
    """Make `engine` report its statements to the current counter under `source_name`, and
    time each one (`dualhub_sql_statement_duration_seconds{datasource=source_name}`)."""
    timing = SQL_STATEMENTS.labels(source_name)
    errors = SQL_ERRORS.labels(source_name)

    def before_cursor_execute(*args: Any) -> None:
        context = args[4]
        if context is None:
            return
        if context.execution_options.get(UNCOUNTED):
            return
        context.dualhub_started = time.perf_counter()
        counter = _current.get()
        if counter is not None:
            counter[source_name] += 1

    def after_cursor_execute(*args: Any) -> None:
        started = getattr(args[4], "dualhub_started", None)
        if started is not None:
            timing.observe(time.perf_counter() - started)

    def handle_error(context: Any) -> None:
        started = getattr(context.execution_context, "dualhub_started", None)
        if started is not None:
            errors.inc()
            timing.observe(time.perf_counter() - started)

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", before_cursor_execute)
    event.listen(sync_engine, "after_cursor_execute", after_cursor_execute)
    # First: the other handlers turn the error into a datasource error by raising.
    event.listen(sync_engine, "handle_error", handle_error, insert=True)
