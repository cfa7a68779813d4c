"""Read rules of points (积分) and the points mall (积分商城); default deny.

Registered into `policy._RULES` at the bottom of `policy.py` (import this module only
through `policy`). The district and the auditor see everything (handled in `policy`).

- Point rules (积分规则): any signed-in role.
- Ledger entries (积分流水): the member himself; his unit branch; the community (and its
  grid secretaries) he has an active report to, for entries that carry that community.
- Merchants and items: active ones for any signed-in role; inactive ones also for the
  merchant's community.
- Redemptions (兑换): the member himself, his unit branch, and the community of the
  item's merchant.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, literal, or_, select

from datasources.community.points_models import (
    MallItem,
    Merchant,
    PointRule,
    PointsEntry,
    Redemption,
)
from datasources.community.policy import DENY, own_community
from datasources.scope import CrossSideFacts, Role, Viewer

# History of a point rule: the rule's key is a string, so its state events carry entity id
# 0 and name the action in their states (see resolvers.points_admin).
RULE_EVENTS_ID = 0


async def _everyone(_viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    return []


async def _entries(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.MEMBER:
        return [PointsEntry.member_code == viewer.member]
    if viewer.role is Role.UNIT_BRANCH:
        return [PointsEntry.member_code.in_(await facts.members_of_viewer_unit())]
    if viewer.is_community_side:
        return [
            PointsEntry.community_id.in_(own_community(viewer)),
            PointsEntry.member_code.in_(await facts.members_reported_to_viewer()),
        ]
    return DENY


def _own_merchants(viewer: Viewer) -> Select[Any]:
    return select(Merchant.id).where(Merchant.community_id.in_(own_community(viewer)))


async def _merchants(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.is_community_side:
        return [or_(Merchant.active.is_(True), Merchant.community_id.in_(own_community(viewer)))]
    return [Merchant.active.is_(True)]


async def _items(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.is_community_side:
        return [or_(MallItem.active.is_(True), MallItem.merchant_id.in_(_own_merchants(viewer)))]
    return [MallItem.active.is_(True)]


async def _redemptions(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.MEMBER:
        return [Redemption.member_code == viewer.member]
    if viewer.role is Role.UNIT_BRANCH:
        return [Redemption.member_code.in_(await facts.members_of_viewer_unit())]
    if viewer.is_community_side:
        items = select(MallItem.id).where(MallItem.merchant_id.in_(_own_merchants(viewer)))
        return [Redemption.item_id.in_(items)]
    return DENY


async def points_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of the points entities whose history the viewer may read."""
    return {
        "PointRule": select(literal(RULE_EVENTS_ID)),
        "PointsEntry": select(PointsEntry.id).where(*await _entries(viewer, facts)),
        "Merchant": select(Merchant.id).where(*await _merchants(viewer, facts)),
        "MallItem": select(MallItem.id).where(*await _items(viewer, facts)),
        "Redemption": select(Redemption.id).where(*await _redemptions(viewer, facts)),
    }


POINTS_RULES: dict[type[Any], Any] = {
    PointRule: _everyone,
    PointsEntry: _entries,
    Merchant: _merchants,
    MallItem: _items,
    Redemption: _redemptions,
}
