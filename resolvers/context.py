"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datasources.audit.loaders import AuditLoaders
from datasources.audit.source import AuditSource
from datasources.community.loaders import CommunityLoaders
from datasources.community.source import CommunitySource
from datasources.scope import Viewer
from datasources.units.loaders import UnitsLoaders
from datasources.units.source import UnitsSource
from resolvers.audit import AuditTrail

if TYPE_CHECKING:
    from datasources.files.storage import FileStore
    from schema.limits import RequestLimits


@dataclass(frozen=True)
class Sources:
    """The datasources themselves, for writes (mutations run their own transactions)."""

    units: UnitsSource
    community: CommunitySource
    audit: AuditSource


@dataclass
class HubContext:
    """The viewer and the loaders of both sides, scoped to him, built for one request.

    `request` and `response` are what strawberry's ASGI view passes; they are `None`
    when the schema is executed directly (CLI, tests of the schema alone).
    """

    viewer: Viewer
    audit: AuditTrail
    sources: Sources
    units: UnitsLoaders
    community: CommunityLoaders
    audit_log: AuditLoaders
    max_page_size: int = 100
    request_id: str | None = None
    debug_sql: bool = False
    fast_leaves: bool = True  # the leaf fast path (schema.executor)
    request: Any = None
    response: Any = None
    limits: RequestLimits | None = None  # what the request may ask (schema.limits)
    # Estimated cost of the request's operations so far: a batch shares one budget.
    cost_spent: int = 0
    # Subscriptions' side of a WebSocket or SSE request (gateway.live.channel.LiveChannel,
    # typed by `schema.live.LiveChannel`); None outside HTTP.
    live: Any = None
    # Evidence uploads (resolvers.attachments): the file store, the decoded-image limit.
    files: FileStore | None = None
    max_image_pixels: int = 40_000_000
    # A mutation committed rows of the units' notification outbox: the request relays them
    # to the feed when it ends (datasources.notification_relay, run by schema.audit).
    notifications_queued: bool = False
    # Per request: notices' read and audience counts, batched (resolvers.notifications).
    notice_counts: Any = None
    # Per request: the pages whose prefetches wait together (schema.prefetch.PrefetchRound).
    prefetch_round: Any = None
