"""Read rules of residents' points (居民积分) and young volunteers (小小志愿者); default deny.

A volunteer account, its ledger entries, activity signups and redemptions are read by:
- the resident himself (his account by his identity) and, as guardian, his children's;
- the community roles of the account's community (committee, grid secretaries, grid
  workers), who confirm participation and answer for the ledger;
- the district and the auditor (`visible` lets them see everything).
Nobody else: not members, not units (a resident's points are no part of any member's
record), not property companies, not anonymous callers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from datasources.community.policy import DENY, own_community
from datasources.community.resident_points.models import (
    ResidentActivitySignup,
    ResidentPointsEntry,
    ResidentRedemption,
    ResidentVolunteer,
)
from datasources.scope import CrossSideFacts, Role, Viewer


def own_accounts(viewer: Viewer) -> Select[Any]:
    """Ids of the resident's own account and of the children he is guardian of."""
    mine = select(ResidentVolunteer.id).where(ResidentVolunteer.identity == viewer.identity_key)
    return select(ResidentVolunteer.id).where(
        or_(
            ResidentVolunteer.identity == viewer.identity_key,
            ResidentVolunteer.guardian_id.in_(mine),
        )
    )


def visible_accounts(viewer: Viewer) -> Select[Any] | None:
    """Ids of the accounts the viewer reads (None: none at all). The district and the
    auditor are let through by `policy.visible` before any rule here runs."""
    if viewer.role is Role.RESIDENT:
        return own_accounts(viewer)
    if viewer.is_community_side:
        return select(ResidentVolunteer.id).where(
            ResidentVolunteer.community_id.in_(own_community(viewer))
        )
    return None


async def _volunteers(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    accounts = visible_accounts(viewer)
    return DENY if accounts is None else [ResidentVolunteer.id.in_(accounts)]


def _of_accounts(column: Any) -> Any:
    async def rule(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
        accounts = visible_accounts(viewer)
        return DENY if accounts is None else [column.in_(accounts)]

    return rule


_entries = _of_accounts(ResidentPointsEntry.volunteer_id)
_signups = _of_accounts(ResidentActivitySignup.volunteer_id)
_redemptions = _of_accounts(ResidentRedemption.volunteer_id)


async def resident_points_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of the accounts and signups whose history the viewer may read."""
    return {
        "ResidentVolunteer": select(ResidentVolunteer.id).where(*await _volunteers(viewer, facts)),
        "ResidentActivitySignup": select(ResidentActivitySignup.id).where(
            *await _signups(viewer, facts)
        ),
        "ResidentRedemption": select(ResidentRedemption.id).where(
            *await _redemptions(viewer, facts)
        ),
    }


RESIDENT_POINTS_RULES: dict[type[Any], Any] = {
    ResidentVolunteer: _volunteers,
    ResidentPointsEntry: _entries,
    ResidentActivitySignup: _signups,
    ResidentRedemption: _redemptions,
}
