"""Read rules of shared spaces (共享空间) and their bookings (预约); default deny elsewhere.

Spaces are places of the community: any signed-in role reads them (open or closed), as it
reads compounds and buildings. A booking names who booked and why, so it is read by the
community roles of its community, by the booker himself (a member, a resident by his
identity, a unit by its code), and by the district and the auditor (`visible` lets them
see everything). Which slots of a space are taken is shown without the bookings
(`Space.takenSlots`, `datasources.community.spaces.lists.taken_slots`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from datasources.community.policy import DENY, own_community
from datasources.community.spaces.models import BookerKind, Space, SpaceBooking
from datasources.scope import CrossSideFacts, Role, Viewer


def booked_by(viewer: Viewer) -> list[ColumnElement[bool]]:
    """The bookings the viewer made himself ("my bookings"): a member's and a unit's by
    code (any of their tokens), a resident's by his identity."""
    if viewer.role is Role.MEMBER and viewer.member:
        return [SpaceBooking.booker_kind == BookerKind.MEMBER,
                SpaceBooking.booker_code == viewer.member]  # fmt: skip
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return [SpaceBooking.booker_kind == BookerKind.UNIT,
                SpaceBooking.booker_code == viewer.unit]  # fmt: skip
    if viewer.role is Role.RESIDENT:
        return [SpaceBooking.booker_kind == BookerKind.RESIDENT,
                SpaceBooking.booker_identity == viewer.identity_key]  # fmt: skip
    return DENY


async def _spaces(_viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Spaces (共享空间): places of the community, for any signed-in role."""
    return []


async def _bookings(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Bookings (预约): the community roles of its community, and the booker himself."""
    mine = booked_by(viewer)
    if viewer.is_community_side:
        own = SpaceBooking.community_id.in_(own_community(viewer))
        return [own] if mine == DENY else [or_(own, and_(*mine))]
    return mine


async def space_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of the spaces and bookings whose history the viewer may read."""
    return {
        "Space": select(Space.id).where(*await _spaces(viewer, facts)),
        "SpaceBooking": select(SpaceBooking.id).where(*await _bookings(viewer, facts)),
    }


SPACE_RULES: dict[type[Any], Any] = {Space: _spaces, SpaceBooking: _bookings}
