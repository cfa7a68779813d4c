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

D, U, C, G = Role.DISTRICT, Role.UNIT_BRANCH, Role.COMMUNITY, Role.GRID_SECRETARY
M, R, P = Role.MEMBER, Role.RESIDENT, Role.PROPERTY_COMPANY
MUTATION_ROLES: dict[str, frozenset[Role]] = {
    "updatePrivacyPreferences": frozenset({M}),
    "reportToCommunity": frozenset({M}),
    "confirmReport": frozenset({C, G}),
    "returnReport": frozenset({C, G}),
    "endReport": frozenset({C, G, U}),
    "pairUnit": frozenset({C, U}),
    "endPairing": frozenset({C, U}),
    "publishPost": frozenset({C, G}),
    "closePost": frozenset({C, G}),
    "claimPost": frozenset({M}),
    "releasePost": frozenset({M}),
    "setPostKeeper": frozenset({C, G}),
    "recordPostDuty": frozenset({M}),
    "confirmPostDuty": frozenset({C, G, M}),
    "rejectPostDuty": frozenset({C, G, M}),
    "offerResource": frozenset({M, U, C, G}),
    "raiseDemand": frozenset({R, C, G}),
    "reviewListEntry": frozenset({C, G}),
    "convertDemandToService": frozenset({C, G}),
    "withdrawListEntry": frozenset({M, U, C, G}),
    "publishMicroWish": frozenset({C, G}),
    "claimMicroWish": frozenset({M}),
    "fulfilMicroWish": frozenset({M}),
    "confirmMicroWish": frozenset({C, G}),
    "withdrawMicroWish": frozenset({C, G}),
    "evaluateMember": frozenset({C, G, M}),
    "writeSelfEvaluation": frozenset({M}),
    "acknowledgeEvaluation": frozenset({U}),
    "recordOrganisationEvaluation": frozenset({U}),
    "overrideAppraisalCeiling": frozenset({D}),
    "requestCommunityOpinion": frozenset({U}),
    "answerOpinionRequest": frozenset({C}),
    "createBuildingGroup": frozenset({C, G}),
    "addGroupMember": frozenset({C, G}),
    "setGroupRole": frozenset({C, G}),
    "removeGroupMember": frozenset({C, G}),
    "dissolveBuildingGroup": frozenset({C, G}),
    "assignHousehold": frozenset({C, G}),
    "endAssignment": frozenset({C, G}),
    "publishActivity": frozenset({C, G}),
    "cancelActivity": frozenset({C, G}),
    "signUpForActivity": frozenset({M}),
    "cancelSignup": frozenset({M}),
    "issueCheckInCode": frozenset({C, G}),
    "checkIn": frozenset({M}),
    "recordActivityHours": frozenset({C, G}),
    "certifyActivity": frozenset({C, G}),
    "signUpUnitForActivity": frozenset({U}),
    "cancelUnitSignup": frozenset({U}),
    "nameUnitParticipants": frozenset({U}),
    "claimDemand": frozenset({M, U}),
    "releaseDemand": frozenset({M, U}),
    "completeDemand": frozenset({M, U}),
    "placeOrder": frozenset({R, C, G}),
    "convertDemandToOrder": frozenset({C, G}),
    "dispatchOrder": frozenset({C, G}),
    "acceptOrder": frozenset({M, U}),
    "declineOrder": frozenset({M, U}),
    "closeOrder": frozenset({M}),
    "rateOrder": frozenset({R}),
    "confirmOrder": frozenset({C, G}),
    "cancelOrder": frozenset({R, C, G}),
    "escalateOrder": frozenset({C, G, D}),
    "signPropertyContract": frozenset({C, G}),
    "endPropertyContract": frozenset({C, G}),
    "renewPropertyContract": frozenset({C, G}),
    "setPropertyPartyCoverage": frozenset({D}),
    "signPropertyCommitments": frozenset({P}),
    "ratePropertyService": frozenset({R}),
    "scorePropertyService": frozenset({C, G}),
    "revisePropertyScore": frozenset({C, G}),
    "closePropertyYear": frozenset({D}),
    "setPropertyAwardFund": frozenset({D}),
    "awardPropertyCompound": frozenset({D}),
    "holdLinkageMeeting": frozenset({C, G}),
    "completeLinkageActionItem": frozenset({C, G, P}),
    "recordCompoundCommittee": frozenset({C, G}),
    "setCompoundKind": frozenset({C, G}),
    "scheduleAllianceChairs": frozenset({C, G, U, P}),
    "addAllianceParty": frozenset({D, C, G, U, P}),
    "removeAllianceParty": frozenset({D, C, G, U, P}),
    "convokeAllianceMeeting": frozenset({C, G, U, P}),
    "recordAllianceMeeting": frozenset({C, G, U, P}),
    "signAgreement": frozenset({C}),
    "addAgreementProject": frozenset({C}),
    "moveAgreementProject": frozenset({C, U, P}),
    "renewAgreement": frozenset({C}),
    "endAgreement": frozenset({C}),
    "setPointRule": frozenset({D}),
    "reversePointsEntry": frozenset({D, C, G}),
    "expirePoints": frozenset({D}),
    "createMerchant": frozenset({D, C, G}),
    "createMallItem": frozenset({D, C, G}),
    "updateMallItem": frozenset({D, C, G}),
    "restockMallItem": frozenset({D, C, G}),
    "redeemMallItem": frozenset({M}),
    "markRedemptionCollected": frozenset({D, C, G}),
    "refundRedemption": frozenset({D, C, G}),
    "setAppraisalPolicy": frozenset({D}),
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
