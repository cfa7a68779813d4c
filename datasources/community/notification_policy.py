"""Read rules of notifications (消息) and notices (通知公告); default deny.

Registered into `policy._RULES` at the bottom of `policy.py` (import this module only
through `policy`). Unlike most records, the district and the auditor get no blanket read
here beyond what `policy.visible` grants them; they read notices as everyone does.

- Notification: only its addressee (`notifications.addressees_of`).
- Notice: its publisher (the same organisation: `Viewer.organisation`), also once
  withdrawn or expired; otherwise a published, unexpired notice is read by its audience:
  DISTRICT_ALL every signed-in viewer; STREET the street's own committee and, in each
  community of the street, its residents, position holders, own roles and reported members
  (as the community audiences below, together); COMMUNITY_RESIDENTS the community's residents and
  position holders, and the community's own roles; COMMUNITY_MEMBERS members with an
  active report to it; GRID the grid's workers and branch secretaries; COMMUNITY_PARTNERS
  the Party organisations of units actively paired with it; BRANCH_MEMBERS the unit's
  Party organisation and the unit's members.
- Notice read marks: the reader's own; the publisher's counts are computed, not listed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from datasources.common import utcnow
from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import Community, PairingStatus, Report, Street, UnitPairing
from datasources.community.notification_models import (
    Notice,
    NoticeAudience,
    NoticeRead,
    NoticeStatus,
    Notification,
)
from datasources.community.notifications import notification_rule
from datasources.scope import GRID_ROLES, CrossSideFacts, Role, Viewer


def _audience_is(audience: NoticeAudience, code: Any) -> ColumnElement[bool]:
    return and_(Notice.audience == audience, Notice.audience_code.in_(code)
                if not isinstance(code, str) else Notice.audience_code == code)  # fmt: skip


async def audience_clauses(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """The audiences the viewer belongs to, as alternatives (empty: none)."""
    if viewer.role is Role.ANONYMOUS:
        return []
    found: list[ColumnElement[bool]] = [Notice.audience == NoticeAudience.DISTRICT_ALL]
    role = viewer.role
    residents = (Role.RESIDENT, Role.POSITION_HOLDER, Role.COMMUNITY, *GRID_ROLES)
    if role is Role.STREET and viewer.street:
        found.append(_audience_is(NoticeAudience.STREET, viewer.street))
    if role in residents and viewer.community:
        found.append(_audience_is(NoticeAudience.COMMUNITY_RESIDENTS, viewer.community))
        found.append(_audience_is(NoticeAudience.STREET, _streets_of([viewer.community])))
    if role in GRID_ROLES and viewer.grid:
        found.append(_audience_is(NoticeAudience.GRID, viewer.grid))
    if role is Role.MEMBER and viewer.member:
        reported = (
            select(Community.code)
            .join(Report, Report.community_id == Community.id)
            .where(Report.member_code == viewer.member,
                   Report.status.in_(ACTIVE_REPORT_STATUSES))
        )  # fmt: skip
        found.append(_audience_is(NoticeAudience.COMMUNITY_MEMBERS, reported))
        found.append(_audience_is(NoticeAudience.STREET, _streets_of(reported)))
        unit = await facts.unit_of_viewer_member()
        if unit:
            found.append(_audience_is(NoticeAudience.BRANCH_MEMBERS, unit))
    if role is Role.UNIT_BRANCH and viewer.unit:
        paired = (
            select(Community.code)
            .join(UnitPairing, UnitPairing.community_id == Community.id)
            .where(UnitPairing.unit_code == viewer.unit,
                   UnitPairing.status == PairingStatus.ACTIVE)
        )  # fmt: skip
        found.append(_audience_is(NoticeAudience.COMMUNITY_PARTNERS, paired))
        found.append(_audience_is(NoticeAudience.BRANCH_MEMBERS, viewer.unit))
    return found


def _streets_of(communities: Any) -> Any:
    """The codes of the streets of `communities` (codes, or a select of codes)."""
    return (
        select(Street.code)
        .join(Community, Community.street_id == Street.id)
        .where(Community.code.in_(communities))
    )


def in_force() -> ColumnElement[bool]:
    """Published and not expired."""
    return and_(
        Notice.status == NoticeStatus.PUBLISHED,
        or_(Notice.expires_at.is_(None), Notice.expires_at > utcnow()),
    )


async def addressed(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Notices in force addressed to the viewer (his feed), not his own publications."""
    audiences = await audience_clauses(viewer, facts)
    if not audiences:
        return [false()]
    return [in_force(), or_(*audiences)]


async def _notices(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    own = Notice.publisher_organisation == viewer.organisation
    audiences = await audience_clauses(viewer, facts)
    if not audiences:
        return [own] if viewer.role is not Role.ANONYMOUS else [false()]
    return [or_(own, and_(in_force(), or_(*audiences)))]


async def _reads(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.ANONYMOUS:
        return [false()]
    return [NoticeRead.reader == viewer.identity_key]


# Read only by their addressee or reader, whatever the role (district and auditor too).
ADDRESSEE_ONLY_MODELS = (Notification, NoticeRead)

NOTIFICATION_RULES: dict[type[Any], Any] = {
    Notification: notification_rule,
    Notice: _notices,
    NoticeRead: _reads,
}
