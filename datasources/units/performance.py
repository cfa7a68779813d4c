"""The work-unit side of members' year figures: the appraisal policy (民主评议规则) and the
members a summary covers, each read in one scoped statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.scope import Scope
from datasources.units.models import AppraisalPolicy, Member

PolicyKey = tuple[int, str | None]  # (year, district code or None)


class UnitsPerformance:
    """Per-request loaders of the unit side for performance figures."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.source = source
        self.scope = scope
        self.policy: DataLoader[PolicyKey, AppraisalPolicy | None] = DataLoader(self._policies)

    async def _policies(self, keys: list[PolicyKey]) -> list[AppraisalPolicy | None]:
        """The current version of each year's policy: the district's own when it has one,
        else the one for every district (''), else the district policy of that year (one
        deployment serves one district). One statement for all keys."""
        years = sorted({year for year, _ in keys})
        latest = (
            select(
                AppraisalPolicy.year,
                AppraisalPolicy.district_code,
                func.max(AppraisalPolicy.version).label("version"),
            )
            .where(AppraisalPolicy.year.in_(years), *await self.scope.where(AppraisalPolicy))
            .group_by(AppraisalPolicy.year, AppraisalPolicy.district_code)
            .subquery()
        )
        stmt = select(AppraisalPolicy).join(
            latest,
            (latest.c.year == AppraisalPolicy.year)
            & (latest.c.district_code == AppraisalPolicy.district_code)
            & (latest.c.version == AppraisalPolicy.version),
        )
        async with self.source.session() as session:
            rows = list(await session.scalars(stmt))
        found: list[AppraisalPolicy | None] = []
        for year, district in keys:
            of_year = [row for row in rows if row.year == year]
            chosen = (
                next((r for r in of_year if district and r.district_code == district), None)
                or next((r for r in of_year if r.district_code == ""), None)
                or (sorted(of_year, key=lambda r: r.updated_at)[-1] if of_year else None)
            )
            found.append(chosen)
        return found

    async def versions(self, year: int, district: str | None) -> list[AppraisalPolicy]:
        """Every version of a year's policy (one district's, or every district's), newest first."""
        stmt = (
            select(AppraisalPolicy)
            .where(
                AppraisalPolicy.year == year,
                AppraisalPolicy.district_code == (district or ""),
                *await self.scope.where(AppraisalPolicy),
            )
            .order_by(AppraisalPolicy.version.desc())
        )
        async with self.source.session() as session:
            return list(await session.scalars(stmt))

    async def members(
        self,
        *,
        branch_ids: Sequence[int] = (),
        unit_ids: Sequence[int] = (),
        everyone: bool = False,
        light: bool = False,
        year: int | None = None,
    ) -> list[Any]:
        """Members of branches or units (or everyone), as far as the viewer may see them,
        in name order; `light`: only the columns figures need, unordered. With `year`, the
        members the year's appraisal covers: not those who had left the Party (出党/停止党籍)
        or service (退休/离开在职) before it began (a date known since units migration 0007;
        members who left in the year are still judged on it)."""
        where: list[ColumnElement[bool]] = []
        if not everyone:
            where.append(or_(Member.branch_id.in_(branch_ids), Member.unit_id.in_(unit_ids)))
        if year is not None:
            began = date(year, 1, 1)
            where.append(or_(Member.left_on.is_(None), Member.left_on >= began))
            where.append(or_(Member.service_ended_on.is_(None), Member.service_ended_on >= began))
        visible = await self.scope.where(Member)
        async with self.source.session() as session:
            if light:  # the columns a performance needs, as plain rows: many members
                columns = select(
                    Member.id, Member.code, Member.name, Member.political_status,
                    Member.unit_id, Member.branch_id,
                )  # fmt: skip
                rows = await session.execute(columns.where(*where, *visible))
                return list(rows.all())
            stmt = select(Member).where(*where, *visible).order_by(Member.name, Member.id)
            return list(await session.scalars(stmt))
