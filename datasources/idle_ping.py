"""Ping a pooled connection before use only when it sat idle, not on every checkout.

`pool_pre_ping` sends a round trip on every checkout: about 160 microseconds on the
benchmark machine, and a member query checks out five sessions. A connection handed back
a moment ago is as alive as the statement it just ran; one that sat in the pool long
enough for the server to restart or a firewall to drop it is not. So a connection idle
for `IDLE_PING_SECONDS` or more is pinged on checkout (SQLAlchemy's pessimistic recipe:
a failed ping raises `DisconnectionError`, and the pool discards the connection and
checks out a fresh one), and a busy pool sends no pings.

What a busy pool gives up: a connection the server dropped within the last seconds fails
the statement it is used for, as a connection in use during a restart always does; that
failure invalidates every pooled connection of the engine (SQLAlchemy's disconnect
handling), so the next checkouts connect afresh.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

# A pooled connection unused this long is pinged before it is handed out again.
IDLE_PING_SECONDS = 10.0
_RETURNED_AT = "dualhub_returned_at"


def ping_when_idle(engine: AsyncEngine) -> None:
    """Make `engine`'s pool ping a connection on checkout when it was idle
    `IDLE_PING_SECONDS` or more."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def returned(dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def handed_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        # A connection never returned is the one just opened for this checkout.
        if returned_at is None or time.monotonic() - returned_at < IDLE_PING_SECONDS:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy's own pre-ping decides
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("pooled connection lost while idle")
