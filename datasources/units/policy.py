"""Who sees which rows of the work-unit database. Default: nothing.

Organisations (units, branches) are not personal data: every signed-in role may read
them, and their change history. A member's change history: whoever may read the member. Members are: a unit sees its own (a branch only its branch), a community its
supporters, a member himself, the district and the auditor everyone. Organisation
evaluations: the member's unit (branch) and the member himself. Volunteer-hours certificates
(志愿服务时长证明): the same (the member, his unit or branch; the district and the auditor all);
anyone checks one by its code through `verifyCertificate`, which shows only what it prints.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from datasources.scope import CrossSideFacts, Role, Viewer
from datasources.units.models import (
    AppraisalPolicy,
    MasterEvent,
    Member,
    OrganisationEvaluation,
    PartyBranch,
    VolunteerCertificate,
    WorkUnit,
)

DENY: list[ColumnElement[bool]] = [false()]
CERTIFICATE = "VolunteerCertificate"  # its history rows' entity type in master_events


async def visible(
    model: type[Any], viewer: Viewer, facts: CrossSideFacts
) -> list[ColumnElement[bool]]:
    if viewer.sees_everything:
        return []
    if viewer.role is Role.ANONYMOUS:
        return DENY
    if model in (WorkUnit, PartyBranch, AppraisalPolicy):  # appraisal rules are public data
        return []
    if model is Member:
        return await _members(viewer, facts)
    if model is OrganisationEvaluation:
        return _organisation_evaluations(viewer)
    if model is MasterEvent:
        return await _master_events(viewer, facts)
    if model is VolunteerCertificate:
        return _certificates(viewer)
    return DENY


async def _master_events(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Change history (主数据变更记录): of units and branches, for everyone who reads them;
    of a member, for those who may read the member (the same rule)."""
    organisations = MasterEvent.entity_type.in_(("WorkUnit", "PartyBranch"))
    members = select(Member.id).where(*await _members(viewer, facts))
    of_members = and_(MasterEvent.entity_type == "Member", MasterEvent.entity_id.in_(members))
    certificates = select(VolunteerCertificate.id).where(*_certificates(viewer))
    of_certificates = and_(
        MasterEvent.entity_type == CERTIFICATE, MasterEvent.entity_id.in_(certificates)
    )
    return [or_(organisations, of_members, of_certificates)]


async def _members(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.UNIT_BRANCH:
        return [unit_members(viewer)]
    if viewer.is_community_side:
        return [Member.code.in_(await facts.members_reported_to_viewer())]
    if viewer.role is Role.MEMBER:
        return [Member.code == viewer.member]
    return DENY


def _organisation_evaluations(viewer: Viewer) -> list[ColumnElement[bool]]:
    """Organisation evaluations (组织评价): the unit branch that answers for the member,
    and the member himself (the district and the auditor read all)."""
    if viewer.role is Role.UNIT_BRANCH:
        return [OrganisationEvaluation.member_id.in_(select(Member.id).where(unit_members(viewer)))]
    if viewer.role is Role.MEMBER:
        own = select(Member.id).where(Member.code == viewer.member)
        return [OrganisationEvaluation.member_id.in_(own)]
    return DENY


def _certificates(viewer: Viewer) -> list[ColumnElement[bool]]:
    """Volunteer-hours certificates (志愿服务时长证明): the member's unit (branch) and the
    member himself, like his organisation evaluations."""
    if viewer.role is Role.UNIT_BRANCH:
        return [VolunteerCertificate.member_id.in_(select(Member.id).where(unit_members(viewer)))]
    if viewer.role is Role.MEMBER:
        return [VolunteerCertificate.member_code == viewer.member]
    return DENY


def unit_members(viewer: Viewer) -> ColumnElement[bool]:
    """Members a unit viewer answers for: the whole unit, or only his branch if he has one."""
    units = select(WorkUnit.id).where(WorkUnit.code == viewer.unit)
    if viewer.branch is None:
        return Member.unit_id.in_(units)
    branches = select(PartyBranch.id).where(
        PartyBranch.code == viewer.branch, PartyBranch.unit_id.in_(units)
    )
    return Member.branch_id.in_(branches)
