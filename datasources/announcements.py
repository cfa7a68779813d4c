"""Live events (实时事件): what a committed transaction tells the hub's subscribers.

A write calls `announce(session, topic, payload)` inside its transaction. The event waits
on the session and is handed to the process's publisher only after that transaction
commits, so a subscriber never hears of a change that rolled back; a rollback drops it.
The publisher is the live bus (in-process, or Redis pub/sub across processes), installed
by the application at start-up with `set_publisher`; with none installed, announcing is a
no-op. Events only wake subscribers: what they deliver is read from the durable records
(the notification feed, the orders), which stay the source of truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

Publisher = Callable[[str, Mapping[str, Any]], None]

_PENDING = "dualhub.live_events"
_publisher: Publisher | None = None


def set_publisher(publisher: Publisher | None) -> None:
    """Install (or, with None, remove) the callable that receives committed events."""
    global _publisher
    _publisher = publisher


def announce(session: Session, topic: str, payload: Mapping[str, Any]) -> None:
    """Queue an event on `session`, published when its transaction commits.

    `session` may be the sync session behind an `AsyncSession` (`async_session.sync_session`).
    """
    session.info.setdefault(_PENDING, []).append((topic, dict(payload)))


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or _publisher is None:
        return
    for topic, payload in pending:
        _publisher(topic, payload)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)
