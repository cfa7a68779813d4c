"""Every mutation checks the caller's role, not only the presence of a scope claim.

Walks the schema's Mutation type: each mutation is sent by every role docs/access.md does
not allow it (with scope claims of that role naming real codes), and must be refused with
FORBIDDEN or UNAUTHENTICATED and change nothing. A mutation added without an entry below
fails the test, so its roles are decided when it is written.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from sqlalchemy import func, inspect, select, table
from sqlalchemy.ext.asyncio import create_async_engine

from schema.app import build_schema
from schema.mutation_roles import MUTATION_ROLES
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import workflow_fixtures

D, U, C, M, R, P = ("district", "unit_branch", "community", "member", "resident",
                    "property_company")  # fmt: skip
W, S, X, H = ("grid_worker", "grid_branch_secretary", "compound_branch_secretary",
              "position_holder")  # fmt: skip
T = "street"
# Who may call each mutation (docs/access.md, "Mutations"): everyone else is refused.
ALLOWED: dict[str, set[str]] = {
    "updatePrivacyPreferences": {M}, "reportToCommunity": {M}, "confirmReport": {C, S, X},
    "returnReport": {C, S, X}, "pairUnit": {C, U}, "endPairing": {C, U}, "publishPost": {C, S, X},
    "closePost": {C, S, X}, "claimPost": {M, U}, "releasePost": {M, U},
    "offerResource": {M, U, C, W, S, X}, "raiseDemand": {R, C, W}, "reviewListEntry": {C, W},
    "convertDemandToService": {C, W}, "withdrawListEntry": {M, U, C, W, S, X},
    "publishMicroWish": {C, W, S, X}, "claimMicroWish": {M, U}, "fulfilMicroWish": {M, U},
    "confirmMicroWish": {C, W, S, X}, "withdrawMicroWish": {C, W, S, X},
    "evaluateMember": {C, S, X, M}, "writeSelfEvaluation": {M}, "acknowledgeEvaluation": {U},
    "recordOrganisationEvaluation": {U}, "createBuildingGroup": {C, S, X},
    "addGroupMember": {C, S, X}, "setGroupRole": {C, S, X}, "removeGroupMember": {C, S, X},
    "dissolveBuildingGroup": {C, S, X}, "assignHousehold": {C, W, S, X},
    "endAssignment": {C, W, S, X}, "publishActivity": {C, W, S, X}, "cancelActivity": {C, W, S, X},
    "changeActivity": {C, W, S, X},
    "signUpForActivity": {M}, "cancelSignup": {M}, "issueCheckInCode": {C, W, S, X},
    "checkIn": {M}, "recordActivityHours": {C, W, S, X}, "certifyActivity": {C, W, S, X},
    "placeOrder": {R, C, W}, "convertDemandToOrder": {C, W}, "dispatchOrder": {C, W},
    "acceptOrder": {M, U}, "declineOrder": {M, U}, "closeOrder": {M}, "rateOrder": {R},
    "confirmOrder": {C, W}, "cancelOrder": {R, C, W}, "escalateOrder": {C, W, D},
    "signPropertyContract": {C, S, X}, "endPropertyContract": {C, S, X},
    "setPropertyPartyCoverage": {D}, "signPropertyCommitments": {P}, "ratePropertyService": {R},
    "scorePropertyService": {C, S, X}, "revisePropertyScore": {C, S, X}, "closePropertyYear": {D},
    "holdLinkageMeeting": {C, W, S, X}, "completeLinkageActionItem": {C, W, S, X, P},
    "scheduleAllianceChairs": {C, S, X, U, P}, "addAllianceParty": {D, C, S, X, U, P},
    "removeAllianceParty": {D, C, S, X, U, P}, "convokeAllianceMeeting": {C, S, X, U, P},
    "recordAllianceMeeting": {C, S, X, U, P}, "signAgreement": {C}, "addAgreementProject": {C},
    "moveAgreementProject": {C, U, P}, "claimAgreementProject": {U},
    "releaseAgreementProject": {U}, "confirmAgreementProject": {C}, "renewAgreement": {C}, "endAgreement": {C},
    "setPointRule": {D}, "reversePointsEntry": {D, C, W, S, X}, "expirePoints": {D},
    "announcePointsExpiry": {D},
    "createMerchant": {D, C, W, S, X}, "createMallItem": {D, C, W, S, X},
    "updateMallItem": {D, C, W, S, X}, "restockMallItem": {D, C, W, S, X}, "redeemMallItem": {M},
    "markRedemptionCollected": {D, C, W, S, X}, "refundRedemption": {D, C, W, S, X},
    "setAppraisalPolicy": {D}, "setRatingPolicy": {D}, "appointPosition": {C},
    "revokePosition": {C}, "endReport": {C, S, X, U}, "setPostKeeper": {C, S, X},
    "recordPostDuty": {M, U},
    "confirmPostDuty": {C, S, X, M}, "rejectPostDuty": {C, S, X, M},
    "overrideAppraisalCeiling": {D}, "requestCommunityOpinion": {U}, "answerOpinionRequest": {C},
    "publishCommitment": {M}, "setCommitmentConsent": {M}, "withdrawCommitment": {M},
    "assessCommitment": {C, W, S, X}, "awardCommendation": {C, D}, "revokeCommendation": {C, D},
    "issueVolunteerCertificate": {M, D}, "revokeVolunteerCertificate": {D},
    "createSpace": {C}, "changeSpace": {C}, "closeSpace": {C}, "reopenSpace": {C},
    "bookSpace": {M, R, U}, "cancelSpaceBooking": {M, R, U, C, W, S, X},
    "recordSpaceUse": {C, W, S, X},
    "offerDonation": {M, R, U}, "decideDonation": {C, W, S, X},
    "handOverDonation": {C, W, S, X}, "passOnDonation": {C, W, S, X},
    "registerHelpHousehold": {C}, "leaveHelpRegister": {C}, "pairHelpHousehold": {C},
    "endHelpPairing": {C}, "logHelpVisit": {C, M, U},
    "enrolYoungVolunteer": {R}, "withdrawYoungVolunteerConsent": {R},
    "signUpResidentForActivity": {R}, "cancelResidentSignup": {R},
    "checkInResident": {R}, "confirmResidentParticipation": {C, W, S, X}, "redeemMallItemAsResident": {R},
    "renewPropertyContract": {C, S, X}, "setPropertyAwardFund": {D}, "awardPropertyCompound": {D},
    "recordCompoundCommittee": {C, W, S, X}, "setCompoundKind": {C, W, S, X},
    "signUpUnitForActivity": {U}, "cancelUnitSignup": {U}, "nameUnitParticipants": {U},
    "claimDemand": {M, U}, "releaseDemand": {M, U}, "completeDemand": {M, U},
    "createWorkUnit": {D}, "updateWorkUnit": {D}, "retireWorkUnit": {D},
    "createPartyBranch": {D, U}, "updatePartyBranch": {D, U}, "retirePartyBranch": {D, U},
    "createMember": {D, U}, "updateMember": {D, U}, "transferMember": {D, U},
    "confirmFullMembership": {D, U}, "endPartyMembership": {D, U}, "endMemberService": {D, U},
    **{f"{verb}{name}": {D} for verb in ("create", "update", "retire")
       for name in ("Street", "Community", "ServiceCategory")},
    **{f"{verb}{name}": {C} for verb in ("create", "update", "retire")
       for name in ("Grid", "Compound", "Building", "Household")},
    "setPropertyCriteria": {D}, "setPropertyAwardTiers": {D}, "foundAlliance": {D},
    "markNotificationsRead": {D, T, U, C, W, S, X, M, R, P, H},
    "markNoticesRead": {D, T, U, C, W, S, X, M, R, P, H},
    "publishNotice": {D, T, C, W, S, U}, "withdrawNotice": {D, T, C, W, S, U},
    "importMasterData": {D},
}  # fmt: skip
# Real codes of the seeded data, so a refusal is about the role, not an unknown code.
SCOPES = {
    D: {"district": "D01"}, T: {"street": "S01"}, U: {"unit": "U0001"}, C: {"community": "C001"},
    W: {"community": "C001", "grid": "G0001"}, S: {"community": "C001", "grid": "G0001"},
    X: {"community": "C001", "compound": "CP0001"}, M: {"member": "M000001"},
    H: {"community": "C001", "position": "POS-C001-01"},
    R: {"community": "C001", "household": "1-101"}, P: {"company": "P001"}, "auditor": {},
}  # fmt: skip
# The seeded 小区长 POS-C001-01 signs in as the holder it records.
SUBJECTS = {H: "resident:C001-leader"}
SCALARS = {"String": "X1", "ID": "U2VydmljZU9yZGVyOjE=", "Int": 1, "Float": 1.0,
           "Boolean": True, "Date": "2026-06-01", "DateTime": "2026-06-01T08:00:00+08:00",
           "Decimal": "1"}  # fmt: skip

workflow_db, hub = workflow_fixtures("roles")


def _value(kind: GraphQLInputType) -> Any:
    """A well-formed value of an input type (content does not matter: roles come first)."""
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [_value(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {name: _value(field.type) for name, field in kind.fields.items()
                if isinstance(field.type, GraphQLNonNull)}  # fmt: skip
    assert isinstance(kind, GraphQLScalarType)
    return SCALARS.get(kind.name, "X1")


def _calls() -> list[tuple[str, str, dict[str, Any]]]:
    """(mutation, document, variables) for every mutation of the schema."""
    mutation_type = build_schema()._schema.mutation_type
    assert mutation_type is not None
    calls = []
    for name, field in mutation_type.fields.items():
        params = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
        args = ", ".join(f"{arg}: ${arg}" for arg in field.args)
        document = f"mutation({params}) {{ {name}({args}) {{ __typename }} }}"
        variables = {arg: _value(spec.type) for arg, spec in field.args.items()}
        calls.append((name, document, variables))
    return calls


async def _rows(pair: DatabasePair) -> int:
    """Rows of every table on both sides: a refused mutation leaves them as they were."""
    total = 0
    for url in (pair.units_url, pair.community_url):
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
                for name in names:
                    rows = select(func.count()).select_from(table(name))
                    total += int((await conn.execute(rows)).scalar_one())
        finally:
            await engine.dispose()
    return total


def test_the_hub_enforces_exactly_the_documented_roles() -> None:
    enforced = {name: {role.value for role in roles} for name, roles in MUTATION_ROLES.items()}
    assert enforced == ALLOWED
    documented = Path(__file__).parent.parent / "docs" / "access.md"
    rows = [line for line in documented.read_text(encoding="utf-8").splitlines()
            if line.startswith("| `")]  # fmt: skip
    named = {name for row in rows for name in re.findall(r"`(\w+)`", row.split(" | ")[0])}
    assert set(ALLOWED) <= named, sorted(set(ALLOWED) - named)


async def test_every_mutation_refuses_the_roles_the_docs_do_not_allow(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    calls = _calls()
    assert {name for name, _, _ in calls} == set(ALLOWED), "decide the roles of new mutations"
    before = await _rows(workflow_db)
    viewers = {role: hub.as_viewer(role, SUBJECTS.get(role), **scope)
               for role, scope in SCOPES.items()}  # fmt: skip
    viewers["anonymous"] = hub.anonymous()
    wrong = []
    for name, document, variables in calls:
        for role, viewer in viewers.items():
            if role in ALLOWED[name]:
                continue
            body = await viewer.raw(document, variables)
            codes = {error.get("extensions", {}).get("code") for error in body.get("errors") or []}
            if not codes or not codes <= {"FORBIDDEN", "UNAUTHENTICATED"}:
                wrong.append((name, role, body.get("errors") or body.get("data")))
    assert wrong == [], "\n".join(map(str, wrong))
    assert await _rows(workflow_db) == before
