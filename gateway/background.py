"""Stopping the hub's background tasks (the audit outbox delivery, the overdue sweep, the
live bus reader) so that a shutdown always ends.

One `cancel()` is a single request the task may lose: a library on its path can catch the
CancelledError and raise an ordinary error instead (SQLAlchemy's error events see a
cancelled statement as a disconnect), and a loop that logs errors and goes on then sleeps
until its next round, with the lifespan awaiting it forever. So the request is repeated
until the task has ended.
"""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger("dualhub")

# How long a cancelled task gets before it is asked again.
RETRY_SECONDS = 1.0


async def stop(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` and return once it has ended, asking again while it goes on."""
    if task is None:
        return
    asked = 0
    while not task.done():
        task.cancel()
        asked += 1
        await asyncio.wait({task}, timeout=RETRY_SECONDS)
    if asked > 1:
        logger.warning(
            "background task %s ended only after %d cancellations", task.get_name(), asked
        )
    if not task.cancelled() and task.exception() is not None:
        logger.warning("background task %s failed", task.get_name(), exc_info=task.exception())
