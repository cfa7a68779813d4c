"""Read rules of master data (主数据); default deny.

Registered into `policy._RULES` at the bottom of `policy.py` (import this module only
through `policy`).

- Households (户, 人屋关联): personal data (the head's name and phone). The community's own
  roles read the households of their community; a grid worker or branch secretary those
  of the buildings in his grid (or compound). The district and the auditor read all, as
  they read everything. Nobody else: not members, residents, units, companies.
- History of master data (`state_events` of Community, Grid, Compound, Building and
  Household): the community's roles for their own community's rows (households as above);
  streets and service categories, the district's own: the district and the auditor only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, false, select

from datasources.community.household_models import Household
from datasources.community.models import Building, Community, Compound, Grid
from datasources.scope import GRID_ROLES, CrossSideFacts, Viewer

DENY: list[ColumnElement[bool]] = [false()]


def _own_community(viewer: Viewer) -> Select[Any]:
    return select(Community.id).where(Community.code == viewer.community)


async def _households(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if not viewer.is_community_side:
        return DENY
    if viewer.role in GRID_ROLES:
        from datasources.community.policy import grid_buildings

        return [Household.building_id.in_(grid_buildings(viewer))]
    return [Household.community_id.in_(_own_community(viewer))]


MASTER_RULES = {Household: _households}


async def master_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of master-data rows whose history the viewer may read."""
    if not viewer.is_community_side:
        none = select(Community.id).where(false())
        return {"Community": none, "Grid": none, "Compound": none, "Building": none,
                "Household": none}  # fmt: skip
    own = _own_community(viewer)
    compounds = select(Compound.id).where(Compound.community_id.in_(own))
    return {
        "Community": own,
        "Grid": select(Grid.id).where(Grid.community_id.in_(own)),
        "Compound": compounds,
        "Building": select(Building.id).where(Building.compound_id.in_(compounds)),
        "Household": select(Household.id).where(*await _households(viewer, facts)),
    }
