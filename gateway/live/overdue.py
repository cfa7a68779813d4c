"""Orders turning overdue (超时) are changes too, though nothing writes them: the clock does.

Every `live_overdue_sweep_seconds` the sweep announces, on each order's community topic,
the open orders whose due time fell in the window that just ended. Windows are aligned on
the wall clock (`[k·I, (k+1)·I)`), so every hub process computes the same ones. Without
Redis each process tells its own subscribers; with Redis one process per window claims it
(`SET NX` on `<prefix>:overdue:<k>`) and publishes for all, so nobody hears it twice.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import UTC, datetime

from sqlalchemy import select

from datasources.community.models import Community
from datasources.community.order_models import OPEN_ORDER_STATUSES, ServiceOrder
from datasources.community.source import CommunitySource
from gateway import background
from gateway.live.bus import LiveBus
from resolvers.orders import orders_topic

logger = logging.getLogger("dualhub.live")


class OverdueSweep:
    def __init__(self, community: CommunitySource, bus: LiveBus, interval: float) -> None:
        self.community = community
        self.bus = bus
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run(), name="live-overdue-sweep")

    async def stop(self) -> None:
        await background.stop(self._task)
        self._task = None

    async def _run(self) -> None:
        window = math.floor(time.time() / self.interval)  # the window now running
        while True:
            await asyncio.sleep(max(0.0, (window + 1) * self.interval - time.time()))
            try:
                await self.sweep(window)
            except Exception:  # a database or Redis outage: the next window tries again
                logger.exception("overdue sweep of window %s failed", window)
            window += 1

    async def sweep(self, window: int) -> int:
        """Announce the orders whose due time fell in `window`; how many."""
        if not await self.bus.claim(f"overdue:{window}", ttl=max(1, math.ceil(self.interval * 4))):
            return 0
        start = datetime.fromtimestamp(window * self.interval, UTC)
        end = datetime.fromtimestamp((window + 1) * self.interval, UTC)
        async with self.community.session() as session:
            rows = (
                await session.execute(
                    select(ServiceOrder.id, Community.code)
                    .join(Community, Community.id == ServiceOrder.community_id)
                    .where(
                        ServiceOrder.status.in_(OPEN_ORDER_STATUSES),
                        ServiceOrder.due_at >= start,
                        ServiceOrder.due_at < end,
                    )
                )
            ).all()
        for order_id, code in rows:
            self.bus.publish(orders_topic(code), {"id": order_id})
        return len(rows)
