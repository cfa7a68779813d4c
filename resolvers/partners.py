"""Resolve the parties of alliances and agreements, which may sit on either side.

A party is stored as (kind, code). Units live on the work-unit side, communities and
property companies on the community side; organisations outside both systems carry
their own name. Loading goes through the loaders, so a page of parties costs one batch
per kind, not one query per party.
"""

from __future__ import annotations

from typing import Any

from datasources.community.models import PartyKind
from resolvers.context import HubContext


async def party_row(ctx: HubContext, kind: PartyKind, code: str) -> Any | None:
    """The row behind a party reference, or None for organisations and unknown codes."""
    if kind is PartyKind.UNIT:
        return await ctx.units.work_unit_by_code.load(code)
    if kind is PartyKind.COMMUNITY:
        return await ctx.community.community_by_code.load(code)
    if kind is PartyKind.PROPERTY_COMPANY:
        return await ctx.community.property_company_by_code.load(code)
    return None
