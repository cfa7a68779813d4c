"""What a list's arguments and placement reveal of personal fields, and who may use them.

A filter on a member's building tells whoever uses it where that member lives, as surely as
reading `Report.building`; an ordering does the same through its cursors (they carry the
sort key), and a list of people under a building says who lives there. So every filter
field, ordering value and other argument of a list field, and every list of people, is
declared here as revealing no personal field (None) or the personal fields it reveals,
named as in `resolvers/personal.py`'s table. That table then decides per role, exactly as
for the field itself: where the viewer reads the field in full, the argument or list works
and its rows are audited as reads of the field; otherwise a filter or ordering is refused
and a list is empty. tests/test_personal_reveals.py walks the schema and fails on any
argument or list of people that is not declared here.
"""

from __future__ import annotations

from datasources.scope import Viewer
from resolvers.personal import BY_KEY, Access, PersonalField

BUILDING = "Report.building"  # his home: the building, its compound and grid
REPORT_SKILLS = "Report.skills"
NAME = "Member.name"

# Input type -> its fields -> what using the field reveals. Every field of every input
# type a list field takes as `filter`.
FILTERS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "SupporterFilter": {
        "skill": (REPORT_SKILLS,),
        "buildingCode": (BUILDING,),
        "compoundCode": (BUILDING,),
        "gridCode": (BUILDING,),
        "availableAny": None, "statuses": None, "memberCodes": None,
    },
    "MemberFilter": {
        "nameContains": (NAME,),
        "codes": None, "politicalStatuses": None, "gender": None, "unitCode": None,
        "branchCode": None, "inService": None, "includeLeft": None,
    },
    "ActivitySignupFilter": {"statuses": None},
    "GridFilter": {"nameContains": None, "levels": None, "topLevelOnly": None,
                   "includeRetired": None},
    "CompoundFilter": {
        "nameContains": None, "gridCode": None, "propertyCompanyCode": None,
        "hasPropertyCompany": None, "hasPartyBranch": None, "threeNo": None,
        "includeRetired": None,
    },
    "AgreementFilter": {
        "titleContains": None, "statuses": None, "communityCode": None, "allianceCode": None,
    },
    # The requester's name is not searchable: titles only.
    "ListItemFilter": {
        "titleContains": None, "statuses": None, "categoryCode": None, "communityCode": None,
    },
    "PostFilter": {"status": None, "categoryCode": None},
    "MicroWishFilter": {"statuses": None},
    "EvaluationFilter": {"year": None, "grades": None, "kinds": None},
    "BuildingGroupFilter": {"statuses": None},
    "ActivityFilter": {
        "statuses": None, "startsFrom": None, "startsBefore": None, "thisWeek": None,
    },
    # Commitments and commendations filter by codes, years and states only.
    "CommitmentFilter": {"memberCode": None, "communityCode": None, "year": None, "statuses": None},
    "CommendationFilter": {
        "honoreeKind": None, "honoreeCode": None, "communityCode": None, "year": None,
        "levels": None, "statuses": None,
    },
    # Volunteer-hours certificates filter by codes, years and states only.
    "CertificateFilter": {"memberCode": None, "year": None, "branchCode": None, "statuses": None},
    # Shared spaces and their bookings filter by kinds, states and times only.
    "SpaceFilter": {"kinds": None, "statuses": None},
    # Households in need (特殊群体): by state only; pairings by state, helper kind, overdue.
    "HelpHouseholdFilter": {"statuses": None},
    "HelpPairingFilter": {"statuses": None, "helperKinds": None, "overdue": None},
    "SpaceBookingFilter": {
        "statuses": None, "bookerKinds": None, "startsFrom": None, "startsBefore": None,
    },
    # Residents' points (居民积分): kinds, states and years only; no name is kept.
    "ResidentVolunteerFilter": {"kinds": None, "statuses": None},
    "ResidentPointsEntryFilter": {"kinds": None, "year": None},
    "ResidentSignupFilter": {"statuses": None},
    # Donations filter by states and kinds only.
    "DonationFilter": {"statuses": None, "kinds": None, "donorKinds": None},
    "ServiceOrderFilter": {"statuses": None, "overdue": None, "categoryCode": None},
    "RedemptionFilter": {"statuses": None},
    "TimelineFilter": {"kinds": None, "since": None, "until": None, "services": None},
    "PointsEntryFilter": {"kinds": None, "year": None},
    # Read only by the district and the auditor; it names who was read, never a value.
    "AuditEventFilter": {
        "subject": None, "role": None, "kind": None, "targetType": None, "targetId": None,
        "operationName": None, "since": None, "until": None,
    },
    "WorkUnitFilter": {"nameContains": None, "kinds": None, "levels": None, "districtName": None,
                       "includeRetired": None},
    "PartyBranchFilter": {"nameContains": None, "unitCode": None, "includeRetired": None},
    "StreetFilter": {"nameContains": None, "districtCode": None, "includeRetired": None},
    "CommunityFilter": {"nameContains": None, "codes": None, "streetCode": None,
                        "includeRetired": None},
    "PropertyCompanyFilter": {"nameContains": None, "redPropertyStatuses": None},
    "AllianceFilter": {"nameContains": None, "streetCode": None},
    "CategoryFilter": {"sources": None, "active": None},
    "MerchantFilter": {"communityCode": None, "includeInactive": None},
    "MallItemFilter": {
        "merchantId": None, "communityCode": None, "maxPrice": None, "inStock": None,
        "includeInactive": None,
    },
    "OpinionRequestFilter": {"memberCode": None, "statuses": None},
    "PositionFilter": {"kinds": None, "inForceOnly": None},
}  # fmt: skip

# Ordering enum -> its values -> what sorting by it reveals (the cursor carries the key).
ORDERINGS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "MemberOrder": {"NAME": (NAME,), "CODE": None},
    "SupporterOrder": {"REPORTED_ON": None, "MEMBER_CODE": None},
    "PlaceOrder": {"NAME": None, "CODE": None},
    "ListItemOrder": {"CREATED_AT": None, "TITLE": None},
    "ServiceOrderOrder": {"ORDERED_AT": None, "DUE_AT": None},
    "MallItemOrder": {"PRICE": None, "CREATED_AT": None, "NAME": None},
    "WorkUnitOrder": {"NAME": None, "CODE": None},
    "PartyBranchOrder": {"NAME": None, "CODE": None},
    "AgreementOrder": {"SIGNED_ON": None, "CODE": None},
    "CategoryOrder": {"SORT_ORDER": None, "CODE": None},
    "MerchantOrder": {"NAME": None, "CREATED_AT": None},
    "SpaceOrder": {"NAME": None, "CREATED_AT": None},
    "HelpHouseholdOrder": {"CREATED_AT": None},
    "HelpPairingOrder": {"NEXT_VISIT_DUE": None, "CREATED_AT": None},
    "SpaceBookingOrder": {"STARTS_AT": None, "CREATED_AT": None},
    "ResidentPointsEntryOrder": {"OCCURRED_AT": None},
    "ResidentSignupOrder": {"SIGNED_UP_AT": None},
    "ResidentRedemptionOrder": {"REDEEMED_AT": None},
}

# Other arguments of list fields, as `Type.field(argument)`.
ARGUMENTS: dict[str, tuple[str, ...] | None] = {
    "Building.assignments(includeEnded)": None,
    "BuildingGroup.members(includeLeft)": None,
    "Community.partnerUnits(includeEnded)": None,
    "WorkUnit.pairedCommunities(includeEnded)": None,
    "Member.postClaims(includeReleased)": None,
    "Post.claims(includeReleased)": None,
    "Query.propertyRanking(year)": None,
    "Query.propertyCriteria(year)": None,
    "Query.propertyAwardTiers(year)": None,
    "Query.nodes(ids)": None,
    "Compound.propertyContracts(statuses)": None,
    "PropertyCompany.contracts(statuses)": None,
    "Member.postDuties(status)": None,
    "Post.duties(status)": None,
    "Query.memberThreeEvaluations(year)": None,
    "Query.branchThreeEvaluations(year)": None,
    "Query._entities(representations)": None,
    "ViewerInfo.notifications(unreadOnly)": None,
    # The slots taken on a day: times only, never who booked them.
    "Space.takenSlots(day)": None,
}

# Lists of people (rows that name a member or a resident), as `Type.field`: what being
# listed under that parent reveals. A list under a member, a community, an activity or a
# post says nothing the table keeps personal; one under a building says who lives there.
NESTED: dict[str, tuple[str, ...] | None] = {
    # Households in need: rows of the register, their personal fields resolved one by one.
    "Query.helpHouseholds": None,
    "Building.supporters": (BUILDING,),
    # Reasons name his skills and whether he lives in the demand's grid.
    "DemandItem.suggestedSupporters": (REPORT_SKILLS, BUILDING),
    # Assignees serve the building; they need not live in it. Groups span buildings of
    # the community; their members need not live in them.
    "Building.assignments": None,
    "BuildingGroup.members": None,
    "Activity.signups": None,
    "Community.supporters": None,
    "Community.demandItems": None,
    "Community.microWishes": None,
    "Community.evaluations": None,
    "Community.orders": None,
    "MallItem.redemptions": None,
    "Member.postClaims": None,
    "Member.postDuties": None,
    "Post.duties": None,
    # Read by the district and the auditor only; the members' names as on any member list.
    "Query.memberThreeEvaluations": None,
    # A unit asks about its own member; the community of his report answers.
    "Query.opinionRequests": None,
    # Public commitments (亮承诺): residents see only those the member consented to show.
    "Query.commitments": None,
    # Certificates (志愿服务时长证明): read by the member, his unit (branch), the district
    # and the auditor, who all read his name in full.
    "Query.certificates": None,
    "Member.microWishes": None,
    "Member.assignments": None,
    "Member.activitySignups": None,
    "Member.orders": None,
    "MemberEvaluation.revisions": None,
    "OrganisationEvaluation.revisions": None,
    "PerformanceSummary.nonCompliant": None,
    "SupporterSummary.topSupporters": None,
    "MemberPoints.entries": None,
    "MemberPoints.redemptions": None,
    "PartyBranch.members": None,
    "Post.claims": None,
    "Query.members": None,
    "Query.demandItems": None,
    "Query.myOrders": None,
    "WorkUnit.members": None,
    "WorkUnit.orders": None,
}


def fields_of(keys: tuple[str, ...]) -> list[PersonalField]:
    """The table's rows named `Type.field`."""
    return [BY_KEY[(key.partition(".")[0], key.partition(".")[2])] for key in keys]


def may_reveal(viewer: Viewer, field: PersonalField) -> bool:
    """Whether `viewer` may use what reveals `field`: only where he reads it in full.

    A masked field must not be searchable or sortable, or the mask could be undone. A
    member reads no one's report or record but his own, so his column decides for him. A
    member's withholding is per row: the lists honour it in their statements (withheld
    skills match no skill search).
    """
    return field.access.get(viewer.role, Access.HIDDEN) is Access.FULL


def refused(viewer: Viewer, keys: tuple[str, ...] | None) -> PersonalField | None:
    """The first declared field the viewer may not have revealed, if any."""
    return next((f for f in fields_of(keys or ()) if not may_reveal(viewer, f)), None)


def field_name(field: PersonalField) -> str:
    return f"{field.type_name}.{field.field}"
