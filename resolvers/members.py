"""Joins from a member (unit side) to what the community side knows about him."""

from __future__ import annotations

from datasources.community.models import Community, Report
from resolvers.context import HubContext


async def active_report(ctx: HubContext, member_code: str) -> Report | None:
    """The member's pending or confirmed report; closed and returned ones are history."""
    return await ctx.community.active_report_by_member_code.load(member_code)


async def residence_community(ctx: HubContext, member_code: str) -> Community | None:
    report = await active_report(ctx, member_code)
    if report is None:
        return None
    return await ctx.community.community_by_id.load(report.community_id)
