"""Read rules of the register of households in need (特殊群体), pairings and visits.

Sensitive personal data: default deny, and unlike most records not read by the district or
the auditor either (the models are in `ADDRESSEE_ONLY` of `datasources.community.policy`,
so these rules apply to every role). The committee reads its community's register; a grid
or compound secretary and the grid worker the households of their grid and the grids below;
a member the households he is paired with (actively), his own pairings and their visits; a
unit branch likewise for its unit. Which fields a helper sees of a household is narrowed in
the schema (`schema.help_register`: name and address, not phone, category or circumstances).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select

from datasources.community.help.models import (
    HelperKind,
    HelpHousehold,
    HelpPairing,
    HelpVisit,
    PairingStatus,
)
from datasources.community.models import Compound
from datasources.community.policy import DENY, grid_subtree, own_community
from datasources.scope import GRID_ROLES, CrossSideFacts, Role, Viewer


def helper_of(viewer: Viewer) -> list[ColumnElement[bool]]:
    """The pairings whose helper is the viewer: a member's by his code, a unit's by its code."""
    if viewer.role is Role.MEMBER and viewer.member:
        return [HelpPairing.helper_kind == HelperKind.MEMBER,
                HelpPairing.helper_code == viewer.member]  # fmt: skip
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return [HelpPairing.helper_kind == HelperKind.UNIT,
                HelpPairing.helper_code == viewer.unit]  # fmt: skip
    return DENY


def _grid_households(viewer: Viewer) -> Select[Any]:
    """A grid role's households: of his grid and the grids below; a compound secretary's,
    of his compound's grid."""
    if viewer.compound is not None:
        grids = select(Compound.grid_id).where(
            Compound.community_id.in_(own_community(viewer)), Compound.code == viewer.compound
        )
    else:
        grids = grid_subtree(viewer)
    return select(HelpHousehold.id).where(
        HelpHousehold.community_id.in_(own_community(viewer)), HelpHousehold.grid_id.in_(grids)
    )


async def _households(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """The register (特殊群体台账): community roles (grid roles their grid), and a helper the
    households he is actively paired with."""
    if viewer.role is Role.COMMUNITY:
        return [HelpHousehold.community_id.in_(own_community(viewer))]
    if viewer.role in GRID_ROLES:
        return [HelpHousehold.id.in_(_grid_households(viewer))]
    mine = helper_of(viewer)
    if mine is DENY:
        return DENY
    paired = select(HelpPairing.household_id).where(
        *mine, HelpPairing.status == PairingStatus.ACTIVE
    )
    return [HelpHousehold.id.in_(paired)]


async def _pairings(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Pairings (结对): community roles (grid roles their grid), and the helper his own."""
    if viewer.role is Role.COMMUNITY:
        return [HelpPairing.community_id.in_(own_community(viewer))]
    if viewer.role in GRID_ROLES:
        return [HelpPairing.household_id.in_(_grid_households(viewer))]
    mine = helper_of(viewer)
    return DENY if mine is DENY else [and_(*mine)]


async def _visits(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Visits (走访记录): as their pairing."""
    if viewer.role is Role.COMMUNITY:
        return [HelpVisit.community_id.in_(own_community(viewer))]
    if viewer.role in GRID_ROLES:
        return [HelpVisit.household_id.in_(_grid_households(viewer))]
    mine = helper_of(viewer)
    if mine is DENY:
        return DENY
    return [HelpVisit.pairing_id.in_(select(HelpPairing.id).where(*mine))]


async def help_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of the households, pairings and visits whose history the viewer may read."""
    return {
        "HelpHousehold": select(HelpHousehold.id).where(*await _households(viewer, facts)),
        "HelpPairing": select(HelpPairing.id).where(*await _pairings(viewer, facts)),
        "HelpVisit": select(HelpVisit.id).where(*await _visits(viewer, facts)),
    }


HELP_RULES: dict[type[Any], Any] = {
    HelpHousehold: _households,
    HelpPairing: _pairings,
    HelpVisit: _visits,
}
HELP_MODELS: frozenset[type[Any]] = frozenset(HELP_RULES)
