"""Read rules of donations (爱心捐赠); default deny elsewhere.

A donation is read by the community roles of its community, by the donor himself (a
member and a unit by code, a resident by his identity), and by the district and the
auditor (`visible` lets them see everything). The recipient household is personal data:
the `Donation.recipient` field loads it through the household rules (the community's own
roles only), so the donor sees that and when his gift was handed over, not to whom.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from datasources.community.donations.models import Donation, DonorKind
from datasources.community.policy import DENY, own_community
from datasources.scope import CrossSideFacts, Role, Viewer


def donated_by(viewer: Viewer) -> list[ColumnElement[bool]]:
    """The donations the viewer offered himself ("my donations")."""
    if viewer.role is Role.MEMBER and viewer.member:
        return [Donation.donor_kind == DonorKind.MEMBER, Donation.donor_code == viewer.member]
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return [Donation.donor_kind == DonorKind.UNIT, Donation.donor_code == viewer.unit]
    if viewer.role is Role.RESIDENT:
        return [Donation.donor_kind == DonorKind.RESIDENT,
                Donation.donor_identity == viewer.identity_key]  # fmt: skip
    return DENY


async def _donations(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Donations (爱心捐赠): the community roles of its community, and the donor himself."""
    mine = donated_by(viewer)
    if viewer.is_community_side:
        own = Donation.community_id.in_(own_community(viewer))
        return [own] if mine == DENY else [or_(own, and_(*mine))]
    return mine


async def donation_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of the donations whose history the viewer may read."""
    return {"Donation": select(Donation.id).where(*await _donations(viewer, facts))}


DONATION_RULES: dict[type[Any], Any] = {Donation: _donations}
