"""Group commit: the audit entries of concurrent requests written in one transaction.

Every request that read personal data or changed something ends with an audit insert, and
each insert is its own transaction: on PostgreSQL one WAL flush per request, on SQLite one
turn of the file's single write lock. Under load those commits queue behind each other.
`GroupCommit` lets the requests that arrive while a write is under way wait for the next
one, and writes all their entries together: one statement, one commit, for everyone who
was waiting. A lone request is written at once (no timer, no added latency).

Each caller still returns only after its own entries are committed, so the rule stays:
no response with personal data leaves before its audit row is in the log. If a shared
write fails, each caller's entries are written again on their own, so one request's bad
entry cannot fail its neighbours' and each caller gets its own outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

E = TypeVar("E")
Write = Callable[[Sequence[E]], Awaitable[None]]


class GroupCommit(Generic[E]):
    """Coalesce concurrent `write` calls of one event loop into shared writes."""

    def __init__(self, write: Write[E]) -> None:
        self._write = write
        self._waiting: list[tuple[Sequence[E], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def write(self, entries: Sequence[E]) -> None:
        """Return once `entries` are committed; raise what their write raised."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests, a restarted server)
            self._loop, self._waiting, self._writer = loop, [], None
        done: asyncio.Future[None] = loop.create_future()
        done.add_done_callback(_retrieved)
        self._waiting.append((entries, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        # Shielded: a caller that gives up (a client gone) does not cancel the shared write.
        await asyncio.shield(done)

    async def flush(self) -> None:
        """Wait until every entry handed over so far is written (before disposing)."""
        writer = self._writer
        if writer is not None and self._loop is asyncio.get_running_loop():
            await asyncio.wait([writer])

    async def _drain(self) -> None:
        # Everyone who arrived while the previous write ran goes into the next one.
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self._write([entry for entries, _ in group for entry in entries])
            except Exception as shared_failure:
                if len(group) == 1:
                    _settle(group[0][1], shared_failure)
                    continue
                for entries, done in group:
                    try:
                        await self._write(entries)
                    except Exception as own_failure:
                        _settle(done, own_failure)
                    else:
                        _settle(done, None)
            except BaseException:  # cancelled: nobody may wait forever
                for _, done in (*group, *self._waiting):
                    done.cancel()
                self._waiting = []
                raise
            else:
                for _, done in group:
                    _settle(done, None)


def _retrieved(done: asyncio.Future[None]) -> None:
    """Mark the outcome seen: a caller that went away leaves no "never retrieved" warning."""
    if not done.cancelled():
        done.exception()


def _settle(done: asyncio.Future[None], failure: BaseException | None) -> None:
    if done.done():
        return
    if failure is None:
        done.set_result(None)
    else:
        done.set_exception(failure)
