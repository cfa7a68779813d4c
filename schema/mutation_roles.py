"""Which roles may call each mutation: the "Mutations" table of docs/access.md, checked
before any resolver runs, so no rule can be reached by a token of another role that
happens to carry a claim. A mutation missing here is refused to everyone (deny by default).
Resolvers still check the scope (which community, which member ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry import Schema

from datasources.scope import Role
from schema.errors import ErrorCode, coded_error

D, U, C = Role.DISTRICT, Role.UNIT_BRANCH, Role.COMMUNITY
T = Role.STREET  # 街道党工委: notices only
# 网格员 (community staff of a grid: orders on a resident's behalf, handles grid affairs);
# 网格党支部书记 and 小区党支部书记 (Party work: reports, posts, evaluations, groups).
W, S, X = Role.GRID_WORKER, Role.GRID_BRANCH_SECRETARY, Role.COMPOUND_BRANCH_SECRETARY
M, R, P = Role.MEMBER, Role.RESIDENT, Role.PROPERTY_COMPANY
MUTATION_ROLES: dict[str, frozenset[Role]] = {
    # Master data (主数据): the district its streets, communities and service categories; a
    # community its own grids, compounds, buildings and households.
    **{
        f"{verb}{name}": frozenset({D})
        for verb in ("create", "update", "retire")
        for name in ("Street", "Community", "ServiceCategory")
    },
    **{
        f"{verb}{name}": frozenset({C})
        for verb in ("create", "update", "retire")
        for name in ("Grid", "Compound", "Building", "Household")
    },
    # Bulk import (批量导入): as `dualhub import`, the district organisation department.
    "importMasterData": frozenset({D}),
    "setPropertyCriteria": frozenset({D}),
    "setPropertyAwardTiers": frozenset({D}),
    "foundAlliance": frozenset({D}),
    "updatePrivacyPreferences": frozenset({M}),
    "reportToCommunity": frozenset({M}),
    "confirmReport": frozenset({C, S, X}),
    "returnReport": frozenset({C, S, X}),
    "endReport": frozenset({C, S, X, U}),
    "pairUnit": frozenset({C, U}),
    "endPairing": frozenset({C, U}),
    "publishPost": frozenset({C, S, X}),
    "closePost": frozenset({C, S, X}),
    "claimPost": frozenset({M, U}),
    "releasePost": frozenset({M, U}),
    "setPostKeeper": frozenset({C, S, X}),
    "recordPostDuty": frozenset({M, U}),
    "confirmPostDuty": frozenset({C, S, X, M}),
    "rejectPostDuty": frozenset({C, S, X, M}),
    "offerResource": frozenset({M, U, C, W, S, X}),
    "raiseDemand": frozenset({R, C, W}),
    "reviewListEntry": frozenset({C, W}),
    "convertDemandToService": frozenset({C, W}),
    "withdrawListEntry": frozenset({M, U, C, W, S, X}),
    "publishMicroWish": frozenset({C, W, S, X}),
    "claimMicroWish": frozenset({M, U}),
    "fulfilMicroWish": frozenset({M, U}),
    "confirmMicroWish": frozenset({C, W, S, X}),
    "withdrawMicroWish": frozenset({C, W, S, X}),
    "evaluateMember": frozenset({C, S, X, M}),
    "writeSelfEvaluation": frozenset({M}),
    "acknowledgeEvaluation": frozenset({U}),
    "recordOrganisationEvaluation": frozenset({U}),
    "overrideAppraisalCeiling": frozenset({D}),
    "requestCommunityOpinion": frozenset({U}),
    # Public commitments (亮承诺、践诺): the member publishes, the community assesses.
    "publishCommitment": frozenset({M}),
    "setCommitmentConsent": frozenset({M}),
    "withdrawCommitment": frozenset({M}),
    "assessCommitment": frozenset({C, W, S, X}),
    # Commendations (表彰): the community committee or the district, each its own.
    "awardCommendation": frozenset({C, D}),
    "revokeCommendation": frozenset({C, D}),
    # Volunteer-hours certificates (志愿服务时长证明): the member his own, the district any
    # member's; only the district revokes one issued in error.
    "issueVolunteerCertificate": frozenset({M, D}),
    "revokeVolunteerCertificate": frozenset({D}),
    # Shared spaces (共享空间): the committee manages its spaces; a member, a resident or a
    # unit branch books; the booker or the community (committee, grid roles) cancels; the
    # community records the use.
    "createSpace": frozenset({C}),
    "changeSpace": frozenset({C}),
    "closeSpace": frozenset({C}),
    "reopenSpace": frozenset({C}),
    "bookSpace": frozenset({M, R, U}),
    # The register of households in need (特殊群体): the committee; visits by the helper too.
    "registerHelpHousehold": frozenset({C}),
    "leaveHelpRegister": frozenset({C}),
    "pairHelpHousehold": frozenset({C}),
    "endHelpPairing": frozenset({C}),
    "logHelpVisit": frozenset({C, M, U}),
    "cancelSpaceBooking": frozenset({M, R, U, C, W, S, X}),
    "recordSpaceUse": frozenset({C, W, S, X}),
    # Donations (爱心捐赠): a member, a resident or a unit branch offers; the donation's
    # community (committee, grid roles) accepts or declines, hands over or passes on.
    "offerDonation": frozenset({M, R, U}),
    "decideDonation": frozenset({C, W, S, X}),
    "handOverDonation": frozenset({C, W, S, X}),
    "passOnDonation": frozenset({C, W, S, X}),
    # Residents' points (居民积分) and young volunteers (小小志愿者): a resident for himself
    # and the children he is guardian of; the community confirms participation.
    "enrolYoungVolunteer": frozenset({R}),
    "withdrawYoungVolunteerConsent": frozenset({R}),
    "signUpResidentForActivity": frozenset({R}),
    "cancelResidentSignup": frozenset({R}),
    "checkInResident": frozenset({R}),
    "confirmResidentParticipation": frozenset({C, W, S, X}),
    "redeemMallItemAsResident": frozenset({R}),
    "answerOpinionRequest": frozenset({C}),
    "createBuildingGroup": frozenset({C, S, X}),
    "addGroupMember": frozenset({C, S, X}),
    "setGroupRole": frozenset({C, S, X}),
    "removeGroupMember": frozenset({C, S, X}),
    "dissolveBuildingGroup": frozenset({C, S, X}),
    "assignHousehold": frozenset({C, W, S, X}),
    "endAssignment": frozenset({C, W, S, X}),
    "publishActivity": frozenset({C, W, S, X}),
    "cancelActivity": frozenset({C, W, S, X}),
    "changeActivity": frozenset({C, W, S, X}),
    "signUpForActivity": frozenset({M}),
    "cancelSignup": frozenset({M}),
    "issueCheckInCode": frozenset({C, W, S, X}),
    "checkIn": frozenset({M}),
    "recordActivityHours": frozenset({C, W, S, X}),
    "certifyActivity": frozenset({C, W, S, X}),
    "signUpUnitForActivity": frozenset({U}),
    "cancelUnitSignup": frozenset({U}),
    "nameUnitParticipants": frozenset({U}),
    "claimDemand": frozenset({M, U}),
    "releaseDemand": frozenset({M, U}),
    "completeDemand": frozenset({M, U}),
    "placeOrder": frozenset({R, C, W}),
    "convertDemandToOrder": frozenset({C, W}),
    "dispatchOrder": frozenset({C, W}),
    "acceptOrder": frozenset({M, U}),
    "declineOrder": frozenset({M, U}),
    "closeOrder": frozenset({M}),
    "rateOrder": frozenset({R}),
    "confirmOrder": frozenset({C, W}),
    "cancelOrder": frozenset({R, C, W}),
    "escalateOrder": frozenset({C, W, D}),
    "signPropertyContract": frozenset({C, S, X}),
    "endPropertyContract": frozenset({C, S, X}),
    "renewPropertyContract": frozenset({C, S, X}),
    "setPropertyPartyCoverage": frozenset({D}),
    "signPropertyCommitments": frozenset({P}),
    "ratePropertyService": frozenset({R}),
    "scorePropertyService": frozenset({C, S, X}),
    "revisePropertyScore": frozenset({C, S, X}),
    "closePropertyYear": frozenset({D}),
    "setPropertyAwardFund": frozenset({D}),
    "awardPropertyCompound": frozenset({D}),
    "holdLinkageMeeting": frozenset({C, W, S, X}),
    "completeLinkageActionItem": frozenset({C, W, S, X, P}),
    "recordCompoundCommittee": frozenset({C, W, S, X}),
    "setCompoundKind": frozenset({C, W, S, X}),
    "scheduleAllianceChairs": frozenset({C, S, X, U, P}),
    "addAllianceParty": frozenset({D, C, S, X, U, P}),
    "removeAllianceParty": frozenset({D, C, S, X, U, P}),
    "convokeAllianceMeeting": frozenset({C, S, X, U, P}),
    "recordAllianceMeeting": frozenset({C, S, X, U, P}),
    "signAgreement": frozenset({C}),
    "addAgreementProject": frozenset({C}),
    "moveAgreementProject": frozenset({C, U, P}),
    "claimAgreementProject": frozenset({U}),
    "releaseAgreementProject": frozenset({U}),
    "confirmAgreementProject": frozenset({C}),
    "renewAgreement": frozenset({C}),
    "endAgreement": frozenset({C}),
    "setPointRule": frozenset({D}),
    "reversePointsEntry": frozenset({D, C, W, S, X}),
    "expirePoints": frozenset({D}),
    "announcePointsExpiry": frozenset({D}),
    "createMerchant": frozenset({D, C, W, S, X}),
    "createMallItem": frozenset({D, C, W, S, X}),
    "updateMallItem": frozenset({D, C, W, S, X}),
    "restockMallItem": frozenset({D, C, W, S, X}),
    "redeemMallItem": frozenset({M}),
    "markRedemptionCollected": frozenset({D, C, W, S, X}),
    "refundRedemption": frozenset({D, C, W, S, X}),
    "setAppraisalPolicy": frozenset({D}),
    "setRatingPolicy": frozenset({D}),
    "appointPosition": frozenset({C}),
    # Master data of the units side: the district; a unit's own Party organisation for its
    # branches and members (the rule checks which unit and branch).
    "createWorkUnit": frozenset({D}),
    "updateWorkUnit": frozenset({D}),
    "retireWorkUnit": frozenset({D}),
    "createPartyBranch": frozenset({D, U}),
    "updatePartyBranch": frozenset({D, U}),
    "retirePartyBranch": frozenset({D, U}),
    "createMember": frozenset({D, U}),
    "updateMember": frozenset({D, U}),
    "transferMember": frozenset({D, U}),
    "confirmFullMembership": frozenset({D, U}),
    "endPartyMembership": frozenset({D, U}),
    "endMemberService": frozenset({D, U}),
    "revokePosition": frozenset({C}),
    # Notifications and notices (消息, 通知公告): the addressees mark their own read; the
    # rule checks which notifications are the caller's and which audiences he may address.
    "markNotificationsRead": frozenset({D, U, C, W, S, X, M, R, P, Role.POSITION_HOLDER, T}),
    "markNoticesRead": frozenset({D, U, C, W, S, X, M, R, P, Role.POSITION_HOLDER, T}),
    "publishNotice": frozenset({D, C, W, S, U, T}),
    "withdrawNotice": frozenset({D, C, W, S, U, T}),
}


def guard_mutations(schema: Schema) -> None:
    """Wrap each root Mutation field's resolver with the role check (only those: a schema
    extension's `resolve` hook would run for every field of every query)."""
    mutation_type = schema._schema.mutation_type
    if mutation_type is None:
        return
    for name, field in mutation_type.fields.items():
        if field.resolve is not None:
            field.resolve = _guarded(name, field.resolve)


def _guarded(name: str, resolve: Callable[..., Any]) -> Callable[..., Any]:
    allowed = MUTATION_ROLES.get(name, frozenset())

    def guarded(root: Any, info: Any, **kwargs: Any) -> Any:
        context = info.context
        if context.viewer.role not in allowed:
            context.audit.denied(name, "Mutation", [])
            raise coded_error(ErrorCode.FORBIDDEN, "您的角色不能执行此操作。")
        return resolve(root, info, **kwargs)

    return guarded
