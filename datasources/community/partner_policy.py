"""Read rules of partner operations (红色物业, 党建联盟, 共建协议); default deny.

Registered into `policy._RULES` at the bottom of `policy.py` (import this module only
through `policy`).

- Contracts: the compound's community (and its grid secretaries), the company, residents
  of the community. Commitments and scores: the community and the company.
- Ratings: the community, the company rated, the household that rated.
- Criteria, award tiers, yearly results (the ranking) and award funds: any signed-in role.
- Awards to compounds: the district (it awards), the compound's community, the company
  scored there (its own).
- Linkage meetings, their parties and action items, and the compound's committees (业委会
  / 自管委): the compound's community, and the companies that serve or served the compound.
- Chair terms, joint meetings and attendance: the alliance's parties.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select

from datasources.community.models import (
    AgreementProject,
    AllianceParty,
    CoBuildingAgreement,
    Compound,
    PropertyCompany,
)
from datasources.community.partner_models import (
    AllianceChairTerm,
    AllianceMeeting,
    AllianceMeetingAttendance,
    CompoundCommittee,
    LinkageActionItem,
    LinkageMeeting,
    LinkageMeetingParty,
    PropertyAwardFund,
    PropertyAwardTier,
    PropertyCommitment,
    PropertyCompoundAward,
    PropertyContract,
    PropertyCriterion,
    PropertyRating,
    PropertyScore,
    PropertyYearResult,
)
from datasources.community.policy import (
    DENY,
    agreement_ids,
    alliance_ids,
    own_community,
    within_ids,
)
from datasources.scope import CrossSideFacts, Role, Viewer


def _own_compounds(viewer: Viewer) -> Select[Any]:
    return select(Compound.id).where(Compound.community_id.in_(own_community(viewer)))


def _own_company(viewer: Viewer) -> Select[Any]:
    return select(PropertyCompany.id).where(PropertyCompany.code == viewer.company)


async def _everyone(_viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    return []


async def _contracts(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.is_community_side or viewer.role is Role.RESIDENT:
        return [PropertyContract.compound_id.in_(_own_compounds(viewer))]
    if viewer.role is Role.PROPERTY_COMPANY:
        return [PropertyContract.company_id.in_(_own_company(viewer))]
    return DENY


def _community_or_company(model: Any) -> Any:
    async def rule(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
        if viewer.is_community_side:
            if hasattr(model, "community_id"):
                return [model.community_id.in_(own_community(viewer))]
            return [model.compound_id.in_(_own_compounds(viewer))]
        if viewer.role is Role.PROPERTY_COMPANY:
            return [model.company_id.in_(_own_company(viewer))]
        return DENY

    return rule


async def _ratings(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.RESIDENT and viewer.household is not None:
        return [
            PropertyRating.household == viewer.household,
            PropertyRating.compound_id.in_(_own_compounds(viewer)),
        ]
    rule = _community_or_company(PropertyRating)
    found: list[ColumnElement[bool]] = await rule(viewer, facts)
    return found


async def _compound_awards(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.DISTRICT:
        return []
    if viewer.is_community_side:
        return [PropertyCompoundAward.compound_id.in_(_own_compounds(viewer))]
    if viewer.role is Role.PROPERTY_COMPANY:
        return [PropertyCompoundAward.company_id.in_(_own_company(viewer))]
    return DENY


async def _linkage_meetings(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.is_community_side:
        return [LinkageMeeting.compound_id.in_(_own_compounds(viewer))]
    if viewer.role is Role.PROPERTY_COMPANY:
        served = select(PropertyContract.compound_id).where(
            PropertyContract.company_id.in_(_own_company(viewer))
        )
        return [LinkageMeeting.compound_id.in_(served)]
    return DENY


async def _meeting_parties(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    meetings = select(LinkageMeeting.id).where(*await _linkage_meetings(viewer, facts))
    return [LinkageMeetingParty.meeting_id.in_(meetings)]


async def _committees(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """A compound's committees: who sees its linkage meetings (its community's side, the
    companies that served it)."""
    if viewer.is_community_side:
        return [CompoundCommittee.compound_id.in_(_own_compounds(viewer))]
    if viewer.role is Role.PROPERTY_COMPANY:
        served = select(PropertyContract.compound_id).where(
            PropertyContract.company_id.in_(_own_company(viewer))
        )
        return [CompoundCommittee.compound_id.in_(served)]
    return DENY


async def _action_items(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    meetings = select(LinkageMeeting.id).where(*await _linkage_meetings(viewer, facts))
    return [LinkageActionItem.meeting_id.in_(meetings)]


async def _attendance(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    ids = alliance_ids(viewer)
    if ids is None:
        return DENY
    meetings = select(AllianceMeeting.id).where(AllianceMeeting.alliance_id.in_(ids))
    return [AllianceMeetingAttendance.meeting_id.in_(meetings)]


PARTNER_RULES: dict[type[Any], Any] = {
    PropertyContract: _contracts,
    PropertyCommitment: _community_or_company(PropertyCommitment),
    PropertyScore: _community_or_company(PropertyScore),
    PropertyRating: _ratings,
    PropertyCriterion: _everyone,
    PropertyAwardTier: _everyone,
    PropertyYearResult: _everyone,
    PropertyAwardFund: _everyone,
    PropertyCompoundAward: _compound_awards,
    LinkageMeeting: _linkage_meetings,
    LinkageActionItem: _action_items,
    LinkageMeetingParty: _meeting_parties,
    CompoundCommittee: _committees,
    AllianceChairTerm: within_ids(alliance_ids, AllianceChairTerm.alliance_id),
    AllianceMeeting: within_ids(alliance_ids, AllianceMeeting.alliance_id),
    AllianceMeetingAttendance: _attendance,
}


async def partner_events(viewer: Viewer, facts: CrossSideFacts) -> dict[str, Select[Any]]:
    """Ids of partner entities whose history the viewer may read (what he may read)."""
    agreements = agreement_ids(viewer)
    alliances = alliance_ids(viewer)
    none = select(CoBuildingAgreement.id).where(*DENY)
    return {
        "PropertyContract": select(PropertyContract.id).where(*await _contracts(viewer, facts)),
        "PropertyCompany": select(PropertyCompany.id),
        "PropertyAwardFund": select(PropertyAwardFund.id),
        "PropertyCompoundAward": select(PropertyCompoundAward.id).where(
            *await _compound_awards(viewer, facts)
        ),
        "PropertyScore": select(PropertyScore.id).where(
            *await _community_or_company(PropertyScore)(viewer, facts)
        ),
        "LinkageMeeting": select(LinkageMeeting.id).where(*await _linkage_meetings(viewer, facts)),
        "LinkageActionItem": select(LinkageActionItem.id).where(
            *await _action_items(viewer, facts)
        ),
        "CompoundCommittee": select(CompoundCommittee.id).where(*await _committees(viewer, facts)),
        "CoBuildingAgreement": none if agreements is None else agreements,
        "AgreementProject": none
        if agreements is None
        else select(AgreementProject.id).where(AgreementProject.agreement_id.in_(agreements)),
        "AllianceMeeting": none
        if alliances is None
        else select(AllianceMeeting.id).where(AllianceMeeting.alliance_id.in_(alliances)),
        "AllianceChairTerm": none
        if alliances is None
        else select(AllianceChairTerm.id).where(AllianceChairTerm.alliance_id.in_(alliances)),
        "AllianceParty": none
        if alliances is None
        else select(AllianceParty.id).where(AllianceParty.alliance_id.in_(alliances)),
    }
