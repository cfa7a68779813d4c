"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datasources.community.loaders import CommunityLoaders
from datasources.community.source import CommunitySource
from datasources.scope import Viewer
from datasources.units.loaders import UnitsLoaders
from datasources.units.source import UnitsSource
from resolvers.audit import AuditTrail


@dataclass(frozen=True)
class Sources:
    """The datasources themselves, for writes (mutations run their own transactions)."""

    units: UnitsSource
    community: CommunitySource


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
    max_page_size: int = 100
    request_id: str | None = None
    debug_sql: bool = False
    request: Any = None
    response: Any = None
