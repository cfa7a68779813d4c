"""Per-request SQL statement counting.

A request opens a `StatementCounter` in a context variable; every engine reports each
statement it sends to the database into whichever counter is current. Tasks started by the
request (DataLoader batches) inherit the context, so their statements count too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

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
    """Make `engine` report its statements to the current counter under `source_name`."""

    def before_cursor_execute(*args: Any) -> None:
        context = args[4]
        if context is not None and context.execution_options.get(UNCOUNTED):
            return
        counter = _current.get()
        if counter is not None:
            counter[source_name] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
