"""Delivery of the sides' audit outboxes to the audit log, in the background.

A request delivers the entries its own mutations committed as soon as it has answered.
What is left over (the audit log was down or locked, the process stopped in between) is
delivered by this loop: once at startup and then every `interval` seconds, only rows older
than `grace` seconds, so it does not race a request still delivering its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from datasources import outbox
from datasources.audit.source import AuditSource
from datasources.base import Datasource
from gateway import background

logger = logging.getLogger("dualhub.audit")


async def deliver_all(
    sides: Sequence[Datasource], audit: AuditSource, *, older_than: timedelta = timedelta(0)
) -> int:
    """Deliver every side's waiting entries once; the number delivered. A side (or the log)
    that fails is logged and tried again next time; the others still go."""
    delivered = 0
    for side in sides:
        try:
            delivered += await outbox.deliver(side, audit, older_than=older_than)
        except Exception:
            logger.warning("audit outbox of %s not delivered yet", side.name, exc_info=True)
    return delivered


class OutboxDelivery:
    """The background loop of one hub process (started and stopped by its lifespan)."""

    def __init__(
        self, sides: Sequence[Datasource], audit: AuditSource, interval: float, grace: float,
        rounds: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:  # fmt: skip
        self.sides, self.audit = tuple(sides), audit
        # Other periodic chores run on the same loop (the notification sweep), each guarded.
        self.rounds = tuple(rounds)
        self.interval, self.grace = interval, timedelta(seconds=grace)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-outbox-delivery")

    async def stop(self) -> None:
        await background.stop(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await deliver_all(self.sides, self.audit, older_than=self.grace)
            for chore in self.rounds:
                try:
                    await chore()
                except Exception:
                    logger.warning("background round %r failed", chore, exc_info=True)
            await asyncio.sleep(self.interval)
