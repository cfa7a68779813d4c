"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datasources.community.loaders import CommunityLoaders
from datasources.units.loaders import UnitsLoaders


@dataclass
class HubContext:
    """Loaders of both sides, built for one request and dropped after it.

    `request` and `response` are what strawberry's ASGI view passes; they are `None`
    when the schema is executed directly (CLI, tests of the schema alone).
    """

    units: UnitsLoaders
    community: CommunityLoaders
    max_page_size: int = 100
    request_id: str | None = None
    debug_sql: bool = False
    request: Any = None
    response: Any = None
