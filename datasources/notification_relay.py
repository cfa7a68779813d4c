"""The relay of units-side notifications (消息) to the community side's feed.

The units side records events that concern a member (the organisation evaluation his unit
branch records, 组织评价), but the feed lives on the community side and no transaction spans
both. So the event's own units transaction adds a row to `notification_outbox`, committed
or rolled back with the event (a refused evaluation writes none); `relay` copies each row
into the feed with `notify_once` under the unique key `units-outbox:<outbox id>`, which
also announces it on `notifications:<addressee>` after the commit, and then deletes the
delivered rows. Run twice, or by two processes at once, each row becomes one notification:
the second insert of a key is ignored. A crash between the two commits leaves the row, and
the next run copies it again (ignored) and deletes it.

Runs at the end of a request whose mutation wrote a row (`schema.audit`, beside the audit
outbox delivery) and from the hub's background loop (`gateway.app`) for anything left over.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select

from datasources.common import utcnow
from datasources.community.notification_models import NotificationKind
from datasources.community.notifications import notify_once
from datasources.community.source import CommunitySource
from datasources.outbox import NOT_A_CHANGE
from datasources.units.models import NotificationOutbox
from datasources.units.source import UnitsSource


def dedupe_key(outbox_id: int) -> str:
    return f"units-outbox:{outbox_id}"


async def relay(
    units: UnitsSource,
    community: CommunitySource,
    *,
    older_than: timedelta = timedelta(0),
    batch: int = 200,
) -> int:
    """Copy the units' outbox rows older than `older_than` into the feed, then delete them;
    how many notifications were written (rows another run wrote already count nothing)."""
    written = 0
    while True:
        cutoff = utcnow() - older_than
        async with units.session() as session:
            rows = (
                await session.scalars(
                    select(NotificationOutbox)
                    .where(NotificationOutbox.created_at <= cutoff)
                    .order_by(NotificationOutbox.id)
                    .limit(batch)
                )
            ).all()
        if not rows:
            return written
        async with community.transaction() as session:
            for row in rows:
                written += await notify_once(
                    session, row.addressee, NotificationKind(row.kind), row.title, row.text,
                    row.object_type, row.object_id, dedupe_key=dedupe_key(row.id),
                )  # fmt: skip
        async with units.transaction() as session:
            statement = delete(NotificationOutbox).where(
                NotificationOutbox.id.in_([row.id for row in rows])
            )
            await session.execute(statement.execution_options(**{NOT_A_CHANGE: True}))
        if len(rows) < batch:
            return written


async def pending(units: UnitsSource) -> int:
    """How many notifications wait in the units' outbox."""
    async with units.session() as session:
        found = await session.scalar(select(func.count()).select_from(NotificationOutbox))
        return int(found or 0)
