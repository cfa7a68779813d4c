"""Supporters who could take on a demand: confirmed reports with where they live.

One statement per batch of communities, scoped like every report read: a grid
secretary's candidates are the supporters of his grid.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.community.models import Building, Compound, Grid, Report, ReportStatus
from datasources.scope import Scope


def candidates_by_community(source: Datasource, scope: Scope) -> DataLoader[int, list[Any]]:
    """Rows of (Report, grid id, parent grid id) per community id."""
    grid = aliased(Grid)

    async def load(community_ids: list[int]) -> list[list[Any]]:
        visible = await scope.where(Report)
        stmt = (
            select(Report, Compound.grid_id, grid.parent_id)
            .outerjoin(Building, Report.building_id == Building.id)
            .outerjoin(Compound, Building.compound_id == Compound.id)
            .outerjoin(grid, Compound.grid_id == grid.id)
            .where(
                Report.community_id.in_(community_ids),
                Report.status == ReportStatus.CONFIRMED,
                *visible,
            )
            .order_by(Report.id)
        )
        grouped: dict[int, list[Any]] = defaultdict(list)
        async with source.session() as session:
            for report, grid_id, parent_id in (await session.execute(stmt)).all():
                grouped[report.community_id].append((report, grid_id, parent_id))
        return [grouped.get(community_id, []) for community_id in community_ids]

    return DataLoader(load_fn=load)
