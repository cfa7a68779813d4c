"""Master data mutations (主数据): create, update and retire one row through the set-based
service (datasources/community/master.py), which the spreadsheet import uses for many.

Who: the district (区委组织部) for streets, communities and service categories; a community
(社区党委) for its own grids, compounds, buildings and households. A row of another
community (a street or community of another district) is refused exactly as a code that does
not exist: NOT_FOUND, a typed user error that reveals nothing about the row. A role that may
not call the mutation at all is refused as FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community import master
from datasources.community.models import Community, District
from datasources.scope import Role
from resolvers.workflow import Refusal, RefusalCode, remember, replayed

if TYPE_CHECKING:
    from resolvers.context import HubContext

_CODES = {code.value: code for code in RefusalCode}


def refusal(problem: master.Problem) -> Refusal:
    """The first problem of a row as the mutation's user error."""
    return Refusal(_CODES[problem.code], problem.message, f"input.{problem.field}")


@dataclass(frozen=True)
class Limits:
    """Where the caller's rows lie: his community (community-level rows) or his district
    (streets and communities), and the values fixed on creation (a new street's district)."""

    community: int | None = None
    district: int | None = None
    fixed: Mapping[str, object] = field(default_factory=dict)


async def _limits(ctx: HubContext, session: AsyncSession, kind: master.Kind) -> Limits:
    """The caller's limits for rows of `kind`; PermissionError for a role that may not
    write them at all."""
    viewer = ctx.viewer
    if kind.community_level:
        if viewer.role is not Role.COMMUNITY or viewer.community is None:
            raise PermissionError("a community keeps its own structure")
        community = await session.scalar(
            select(Community.id).where(Community.code == viewer.community)
        )
        if community is None:
            raise PermissionError("unknown community")
        return Limits(community=int(community))
    if viewer.role is not Role.DISTRICT:
        raise PermissionError("the district keeps streets, communities and categories")
    if kind in (master.STREETS, master.COMMUNITIES):
        district = await session.scalar(select(District.id).where(District.code == viewer.district))
        if district is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到您所在的区。", None)
        fixed = {"district_id": int(district)} if kind is master.STREETS else {}
        return Limits(district=int(district), fixed=fixed)
    return Limits()


async def save(
    ctx: HubContext, kind: master.Kind, row: Mapping[str, object], *, mode: str,
    mutation: str, key: str | None = None,
) -> Any:  # fmt: skip
    """Create (`mode="create"`) or update one row; the row as now stored."""
    async with ctx.sources.community.transaction() as session:
        if mode == "create":
            earlier = await replayed(ctx, session, kind.model, mutation, key)
            if earlier is not None:
                return earlier
        limits = await _limits(ctx, session, kind)
        outcome = await master.apply(session, kind, [row], ctx.viewer, mode=mode,
                                     community=limits.community, district=limits.district,
                                     fixed=limits.fixed)  # fmt: skip
        if outcome.problems:
            raise refusal(outcome.problems[0])
        row_id = outcome.ids[0]
        assert row_id is not None
        if mode == "create":
            remember(session, ctx.viewer, mutation, key, row_id)
        return await session.get(kind.model, row_id, populate_existing=True)


async def retire(ctx: HubContext, kind: master.Kind, code: str, reason: str | None) -> Any:
    """Retire one row by code (撤销); it stays readable with its date."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 2000:
        raise Refusal(RefusalCode.INVALID_INPUT, "撤销原因不能超过 2000 个字符。", "input.reason")
    async with ctx.sources.community.transaction() as session:
        limits = await _limits(ctx, session, kind)
        outcome = await master.retire(session, kind, [code.strip()], ctx.viewer, reason=reason,
                                      community=limits.community,
                                      district=limits.district)  # fmt: skip
        if outcome.problems:
            raise refusal(outcome.problems[0])
        return await session.get(kind.model, outcome.ids[0], populate_existing=True)
