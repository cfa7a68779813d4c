"""docs/access.md is the contract: every cell of its tables is checked here."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from datasources.community.activity_models import Activity, ActivitySignup
from datasources.community.commendation_models import Commendation
from datasources.community.commitment_models import MemberCommitment
from datasources.community.donations.models import Donation
from datasources.community.duty_models import PostDuty
from datasources.community.evaluation_models import MemberEvaluation
from datasources.community.group_models import (
    BuildingGroup,
    BuildingGroupMember,
    HouseholdAssignment,
)
from datasources.community.help.models import HelpHousehold, HelpPairing
from datasources.community.models import (
    Alliance,
    AllianceParty,
    Building,
    Community,
    Compound,
    DemandItem,
    Grid,
    MicroWish,
    Post,
    PostClaim,
    PropertyCompany,
    Report,
    UnitPairing,
)
from datasources.community.notification_models import Notice, Notification
from datasources.community.opinion_models import OpinionRequest
from datasources.community.order_models import ServiceOrder
from datasources.community.partner_models import (
    AllianceMeeting,
    PropertyAwardFund,
    PropertyCompoundAward,
)
from datasources.community.points_models import (
    MallItem,
    Merchant,
    PointRule,
    PointsAccount,
    PointsEntry,
    Redemption,
)
from datasources.community.position_models import Position
from datasources.community.resident_points.models import ResidentVolunteer
from datasources.community.spaces.models import Space, SpaceBooking
from datasources.community.unit_service_models import ActivityUnitSignup
from datasources.scope import Role, Viewer
from datasources.units.models import VolunteerCertificate
from resolvers.personal import BY_KEY, Withholdable, access_for
from resolvers.points import DEFAULT_RULES
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.test_access import Case, matrix, visible_supporters
from tests.world import ACTIVE as ACTIVE_STATUSES
from tests.world import World, load_world

DOC = Path(__file__).resolve().parent.parent / "docs" / "access.md"
# The community committee and the grid roles: the community is a party through them.
COMMUNITY_ROLES = ("community", "grid_worker", "grid_branch_secretary", "compound_branch_secretary")


def table(marker: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"<!-- matrix:{marker} -->")[1].split(f"<!-- /matrix:{marker} -->")[0]
    lines = [line for line in body.strip().splitlines() if not line.startswith("| ---")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


ROWS = table("rows")
COLUMNS = ROWS[0][1:]
CELLS = [
    (row[0], column, cell)
    for row in ROWS[1:]
    for column, cell in zip(COLUMNS, row[1:], strict=True)
]


def _query_of(entity: str) -> str:
    match = re.search(r"\(`([\w.]+)`\)", entity)
    assert match, entity
    return match.group(1)


def _party(case: Case) -> tuple[str, str] | None:
    scope = case.scope
    if case.role in COMMUNITY_ROLES:
        return ("community", scope["community"])
    if case.role == "unit_branch":
        return ("unit", scope["unit"])
    if case.role == "property_company":
        return ("property_company", scope["company"])
    return None


def _provider(case: Case) -> tuple[str, str] | None:
    keys = {"unit_branch": ("unit", "unit"), "property_company": ("property_company", "company"),
            "member": ("member", "member")}  # fmt: skip
    if case.role not in keys:
        return None
    kind, key = keys[case.role]
    return kind, case.scope[key]


def _paired(world: World, case: Case) -> set[str]:
    """Communities the viewer's unit is actively paired with (结对)."""
    unit = case.scope.get("unit")
    return {
        r["community"]
        for r in world.records["UnitPairing"]
        if r["unit"] == unit and r["status"] == "active"
    }


def _home(world: World, case: Case) -> str | None:
    if case.role == "member":
        report = world.active_report.get(case.scope["member"])
        return report[0] if report else None
    return case.scope.get("community")


COUNTED = (
    "serviceCategories",
    "communities",
    "workUnits",
    "compounds",
    "propertyCompanies",
    "districts",
    "streets",
    "partyBranches",
)


def expected(world: World, query: str, case: Case, cell: str) -> int:
    """How many rows `cell` means for this viewer, computed from the ground truth."""
    counts = {"serviceCategories": "service_categories", "communities": "communities",
              "workUnits": "work_units", "compounds": "compounds",
              "propertyCompanies": "property_companies", "districts": "districts",
              "streets": "streets", "partyBranches": "party_branches"}  # fmt: skip
    if cell == "none":
        return 0
    if query in DATA_ROWS:
        return data_expected(world, query, case, cell)
    if query in RECORD_TYPES:
        return len(visible_records(world, RECORD_TYPES[query], case, cell))
    if query in counts:
        assert cell == "all", (query, cell)
        return world.counts[counts[query]]
    if query == "members":
        return len(case.members) if cell != "all" else len(world.member_unit)
    if query == "community.supporters":
        return len(case.supporters) if cell != "all" else len(world.active_report)
    if query == "alliances":
        party = _party(case)
        return sum(1 for parties in world.alliance_parties.values()
                   if cell == "all" or party in parties)  # fmt: skip
    if query == "agreements":
        party = _party(case)
        return sum(
            1 for community, parties, owners in world.agreements.values()
            if cell == "all" or party in parties or party in owners
            or (case.role in COMMUNITY_ROLES and community == case.scope["community"])
        )  # fmt: skip
    if cell == "in his building":  # the demands of a 楼栋长's building
        assert query == "demandItems", query
        covered = world.position_buildings(case.scope.get("position"))
        return sum(1 for r in world.records["DemandRaiser"]
                   if r["community"] == case.scope["community"] and r["building"] in covered)  # fmt: skip
    if cell == "his own in his community":  # the demands a resident raised
        assert query == "demandItems", query
        return sum(1 for r in world.records["DemandRaiser"] if _raised_by_him(case, r))
    table_name = {"resourceItems": "resource_items", "serviceItems": "service_items",
                  "demandItems": "demand_items"}[query]  # fmt: skip
    rules: dict[str, Callable[[str, str | None, str | None, str], bool]] = {
        "all": lambda *_: True,
        "own community": lambda c, *_: c == case.scope["community"],
        "provided by it": lambda _c, k, p, _s: (k, p) == _provider(case),
        "own + published nearby": lambda c, k, p, s: (
            (k, p) == _provider(case) or (s == "published" and c == _home(world, case))
        ),
        "published nearby": lambda c, _k, _p, s: s == "published" and c == _home(world, case),
        # Demands (认领): the claimant's kind and code stand where a provider's would.
        "published nearby + claimed by him": lambda c, k, p, s: (
            (k, p) == _provider(case) or (s == "published" and c == _home(world, case))
        ),
        "published paired + claimed by it": lambda c, k, p, s: (
            (k, p) == _provider(case) or (s == "published" and c in _paired(world, case))
        ),
    }
    rule = rules[cell]
    return sum(1 for t, c, k, p, s in world.items if t == table_name and rule(c, k, p, s))


# The newer rows: the GraphQL type behind each documented query path. Their rows are read
# through `nodes` (every row's global ID, from plain SQL) and, where the path is a list
# under a public parent or at the root, through that list's totalCount too.
RECORD_TYPES = {
    "Community.orders": "ServiceOrder", "Community.posts": "Post", "Post.claims": "PostClaim",
    "Post.duties": "PostDuty",
    "Community.microWishes": "MicroWish", "Community.activities": "Activity",
    "Activity.signups": "ActivitySignup", "Community.evaluations": "MemberEvaluation",
    "Community.buildingGroups": "BuildingGroup", "Building.assignments": "HouseholdAssignment",
    "MemberPoints.entries": "PointsEntry", "MemberPoints.redemptions": "Redemption",
    "merchants": "Merchant", "mallItems": "MallItem",
    "Compound.propertyContracts": "PropertyContract",
    "Compound.linkageMeetings": "LinkageMeeting", "Compound.committees": "CompoundCommittee",
    "BuildingGroup.members": "BuildingGroupMember",
    "LinkageMeeting.actionItems": "LinkageActionItem", "Alliance.meetings": "AllianceMeeting",
    "CoBuildingAgreement.projects": "AgreementProject", "Community.partnerUnits": "UnitPairing",
    "MemberEvaluation.organisationEvaluation": "OrganisationEvaluation",
    "Community.grids": "Grid", "Compound.buildings": "Building",
    "Alliance.memberships": "AllianceMembership", "opinionRequests": "OpinionRequest",
    "PropertyAwardFund.awards": "PropertyCompoundAward",
    "Activity.unitSignups": "UnitActivitySignup",
    "Community.positions": "Position", "Building.householdRecords": "Household",
    "viewer.notifications": "Notification", "viewer.notices": "Notice",
    "commitments": "MemberCommitment", "commendations": "Commendation",
    "Community.spaces": "Space", "Community.spaceBookings": "SpaceBooking",
    "Community.donations": "Donation",
    "helpHouseholds": "HelpHousehold",
    "certificates": "VolunteerCertificate",
    "Community.residentVolunteers": "ResidentVolunteer",
}  # fmt: skip
# Lists that hide some visible rows unless asked (the matrix is about what may be read).
LIST_ARGS = {"merchants": ", filter: {includeInactive: true}",
             "mallItems": ", filter: {includeInactive: true}",
             "workUnits": ", filter: {includeRetired: true}",
             "partyBranches": ", filter: {includeRetired: true}",
             "members": ", filter: {includeLeft: true}"}  # fmt: skip
Rule = Callable[[dict[str, Any]], bool]

# Data rather than records (no `node`, no pages): read whole, each year the data has where
# the query takes one. `all` is every row of every year; for point rules the configured ones
# and the defaults not configured; for the appraisal policy every version (its `history`) of
# the policy in force for the viewer: his district's own, else the one for every district.
# Yearly results are read through `PropertyCompany.yearResults` too.
DATA_ROWS = {"pointRules": "PointRule", "propertyCriteria": "PropertyCriterion",
             "propertyAwardTiers": "PropertyAwardTier", "propertyRanking": "PropertyYearResult",
             "appraisalPolicy": "AppraisalPolicy", "propertyAwardFund": "PropertyAwardFund",
             "ratingPolicy": "RatingPolicy"}  # fmt: skip


def data_expected(world: World, query: str, case: Case, cell: str) -> int:
    assert cell in ("all", "none"), (query, cell)
    if cell == "none":
        return 0
    rows = world.records[DATA_ROWS[query]]
    if query == "pointRules":
        return len({r["action"] for r in rows} | set(DEFAULT_RULES))
    if query in ("appraisalPolicy", "ratingPolicy"):
        total = 0
        for year in {r["year"] for r in rows}:
            of_year = [r for r in rows if r["year"] == year]
            own = [r for r in of_year if r["district"] == case.scope.get("district")]
            total += len(own or [r for r in of_year if r["district"] == ""])
        return total
    return len(rows)


def _years(world: World) -> list[int]:
    return sorted({r["year"] for t in DATA_ROWS.values() if t != "PointRule"
                   for r in world.records[t]})  # fmt: skip


async def data_totals(client: GraphQLClient, world: World) -> dict[str, int]:
    """How many rows of each data row the viewer reads, over every year, in one request."""
    assert world.counts["property_companies"] <= 100  # one page of companies holds them all
    years = _years(world)
    parts = ["pointRules { action }",
             "propertyCompanies(first: 100) { edges { node { yearResults { year } } } }"]  # fmt: skip
    for y in years:
        parts += [f"c{y}: propertyCriteria(year: {y}) {{ code }}",
                  f"t{y}: propertyAwardTiers(year: {y}) {{ name }}",
                  f"r{y}: propertyRanking(year: {y}) {{ rank }}",
                  f"p{y}: appraisalPolicy(year: {y}) {{ history {{ version }} }}",
                  f"f{y}: propertyAwardFund(year: {y}) {{ year }}",
                  f"rp{y}: ratingPolicy(year: {y}) {{ history {{ version }} }}"]  # fmt: skip
    data = await client.query("{ " + " ".join(parts) + " }")
    totals = {"pointRules": len(data["pointRules"])}
    for query, alias in (("propertyCriteria", "c"), ("propertyAwardTiers", "t"),
                         ("propertyRanking", "r")):  # fmt: skip
        totals[query] = sum(len(data[f"{alias}{y}"]) for y in years)
    totals["propertyAwardFund"] = sum(1 for y in years if data[f"f{y}"] is not None)
    totals["appraisalPolicy"] = sum(
        len(data[f"p{y}"]["history"]) if data[f"p{y}"] else 0 for y in years
    )
    totals["ratingPolicy"] = sum(
        len(data[f"rp{y}"]["history"]) if data[f"rp{y}"] else 0 for y in years
    )
    totals["PropertyCompany.yearResults"] = sum(
        len(e["node"]["yearResults"]) for e in data["propertyCompanies"]["edges"]
    )
    return totals


def _rules(world: World, case: Case, type_name: str) -> dict[str, Rule]:
    """What each cell word means for one record, from the plain-SQL facts (not the policy)."""
    scope, member = case.scope, case.scope.get("member")
    subject = f"test-{case.role}"  # the tokens the tests issue (tests.conftest.TokenFactory)
    if "compound" in scope:
        buildings = world.buildings_in_compound(scope["compound"])
    else:
        buildings = world.buildings_in_grid(scope["grid"]) if "grid" in scope else set()
    claims = world.records["PostClaim"]

    def claimed_by(who: set[str]) -> Rule:
        if type_name == "Post":
            posts = {k["post"] for k in claims if k["member"] in who}
            return lambda r: r["id"] in posts
        return lambda r: r["member"] in who

    def by_it(r: dict[str, Any]) -> bool:
        """Claimed (or served) by the viewer's unit itself (单位认领)."""
        unit = scope.get("unit")
        if type_name == "Post":
            return r["id"] in {k["post"] for k in claims if unit and k["unit"] == unit}
        return unit is not None and r["unit"] == unit

    public: Rule = {
        "Post": lambda r: r["status"] == "open",
        "MicroWish": lambda r: r["status"] == "published",
    }.get(type_name, lambda _r: False)
    own: Rule = lambda r: r["community"] == scope.get("community")  # noqa: E731
    current: Rule = lambda r: r["status"] in ("published", "certified")  # noqa: E731
    active: Rule = lambda r: bool(r["active"])  # noqa: E731
    him = {member} if member else set()

    def himself(r: dict[str, Any]) -> bool:
        if type_name == "Position":
            mine = (r["holder_kind"], r["holder_code"]) == ("member", member)
            return mine or r["code"] == scope.get("position")
        if type_name == "ServiceOrder":
            return (r["taker_kind"], r["taker_code"]) == ("member", member) or r["member"] == member
        if type_name == "HouseholdAssignment":
            return (r["assignee_kind"], r["assignee_code"]) == ("member", member)
        return bool(r["member"] in him)

    key = resident_identity_key(case)

    def his_own_here(r: dict[str, Any]) -> bool:
        """A resident's own record, only in his community: an order placed with his identity
        (before identities: his subject and role), an assignment naming his subject."""
        if type_name == "ServiceOrder":
            legacy = r["identity"] is None and (r["subject"], r["role"]) == (subject, "resident")
            raised = {"identity": r["demand_identity"], "subject": r["demand_subject"],
                      "role": r["demand_role"], "community": r["community"]}  # fmt: skip
            return own(r) and (r["identity"] == key or legacy or _raised_by_him(case, raised))
        return own(r) and (r["assignee_kind"], r["assignee_code"]) == ("resident", subject)

    led = world.active_members_of_groups(world.led_groups_of(member)) if member else set()
    groups = world.active_groups_of(member) if member else set()
    served = {
        p["compound"]
        for p in world.records["ContractParty"]
        if p["company"] == scope.get("company")
    }
    return {
        "all": lambda _r: True,
        "none": lambda _r: False,
        "own community": own,
        "of own members": claimed_by(case.members),
        "himself": himself,
        "public": public,
        "public + own community": lambda r: public(r) or own(r),
        "public + of own members": lambda r: public(r) or claimed_by(case.members)(r),
        "of own members + its own": lambda r: claimed_by(case.members)(r) or by_it(r),
        "public + of own members + its own": lambda r: (
            public(r) or claimed_by(case.members)(r) or by_it(r)
        ),
        "public + himself": lambda r: public(r) or claimed_by(him)(r),
        "public + himself + as keeper": lambda r: (
            public(r) or claimed_by(him)(r) or (member is not None and r["keeper"] == member)
        ),
        "himself + as keeper": lambda r: (
            himself(r) or (member is not None and r["keeper"] == member)
        ),
        "not cancelled": current,
        "not cancelled + own community": lambda r: current(r) or own(r),
        "to it or of own members": lambda r: (
            (r["taker_kind"], r["taker_code"]) == ("unit", scope.get("unit"))
            or r["member"] in case.members
        ),
        "his own in his community": his_own_here,
        "community and self of own members": lambda r: (
            r["kind"] in ("community", "self") and r["member"] in case.members
        ),
        "himself + as group leader": lambda r: (
            himself(r) or (r["kind"] == "group" and r["member"] in led)
        ),
        "his group": lambda r: r["id"] in groups,
        "himself + his group's": lambda r: himself(r) or r["group"] in groups,
        "in his grid": lambda r: own(r) and r["building"] in buildings,
        "in his building": lambda r: (
            own(r) and r["building"] in world.position_buildings(scope.get("position"))
        ),
        "credited here": lambda r: own(r) and r["member"] in case.supporters,
        "at own merchants": own,
        "active": active,
        "active + own community": lambda r: active(r) or own(r),
        "its own": lambda r: (
            r["company"] == scope.get("company") if "company" in r else r["unit"] == scope.get("unit")
        ),
        "party to": lambda r: party_to(world, case, r),
        "own unit": lambda r: r["member"] in case.members,
        "own branch": lambda r: r["member"] in case.members,
        "served by it": lambda r: r["compound"] in served,
        "asked by it": lambda r: r["unit"] == scope.get("unit"),
        "addressed to it": lambda r: r["addressee"] == addressee_of(case),
        "in force to it + its own": lambda r: (
            r["publisher_organisation"] == organisation_of(case)
            or (in_force(r) and in_audience(world, case, r))
        ),
        "in force": lambda r: r["status"] == "active",
        "in force + own community": lambda r: r["status"] == "active" or own(r),
        "booked by him": lambda r: r["identity"] == key,
        "donated by him": lambda r: r["identity"] == key,
        "of his grid": lambda r: own(r) and r["grid"] in _household_grids(world, scope),
        "paired with him": lambda r: ("member", member, r["id"]) in _helpers(world),
        "paired with it": lambda r: ("unit", scope.get("unit"), r["id"]) in _helpers(world),
        "himself + his children": lambda r: key in (r["identity"], r["guardian"]),
        "consented in own community": lambda r: (
            own(r) and bool(r["consent"]) and r["status"] != "withdrawn"
        ),
    }  # fmt: skip


def _household_grids(world: World, scope: dict[str, str]) -> set[str | None]:
    """The grids whose households in need a grid role reads: his grid and those below; a
    compound secretary's, his compound's grid."""
    if "compound" in scope:
        return {world.building_grid.get(b) for b in world.buildings_in_compound(scope["compound"])}
    return set(world.grid_subtree(scope["grid"])) if "grid" in scope else set()


def _helpers(world: World) -> set[tuple[str, str | None, int]]:
    return {(r["kind"], r["code"], r["household"]) for r in world.records["HelpHelper"]}


def _raised_by_him(case: Case, r: dict[str, Any]) -> bool:
    """A demand the resident raised: with his identity, or before identities with his
    subject and role; in his community only."""
    subject = f"test-{case.role}"
    legacy = r["identity"] is None and (r["subject"], r["role"]) == (subject, case.role)
    mine = r["identity"] == resident_identity_key(case) or legacy
    return bool(mine and r["community"] == case.scope.get("community"))


def addressee_of(case: Case) -> str | None:
    """Whom notifications to this case's viewer are addressed to, as the hub keys them
    (datasources/community/notifications.py), derived here from the token's claims."""
    scope = case.scope
    by_role = {
        "member": f"member:{scope.get('member')}", "unit_branch": f"unit:{scope.get('unit')}",
        "community": f"community:{scope.get('community')}",
        "district": f"district:{scope.get('district')}", "street": f"street:{scope.get('street')}",
        "property_company": f"company:{scope.get('company')}",
    }  # fmt: skip
    if case.role in by_role:
        return by_role[case.role]
    if case.role in ("resident", "position_holder"):
        subject = case.subject or f"test-{case.role}"
        viewer = Viewer(Role(case.role), subject=subject, issuer="dualhub", **scope)
        return f"person:{viewer.identity_key}"
    if case.role in COMMUNITY_ROLES:
        return f"grid:{scope['grid']}" if "grid" in scope else f"compound:{scope['compound']}"
    return None


def organisation_of(case: Case) -> str:
    """`Viewer.organisation` of the case's token: whom it publishes for."""
    subject = case.subject or f"test-{case.role}"
    return Viewer(Role(case.role), subject=subject, issuer="dualhub", **case.scope).organisation


def in_force(r: dict[str, Any]) -> bool:
    expires = r["expires_at"]
    if isinstance(expires, str):
        expires = datetime.fromisoformat(expires)
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return r["status"] == "published" and (expires is None or expires > datetime.now(UTC))


def in_audience(world: World, case: Case, r: dict[str, Any]) -> bool:
    """Whether the case's viewer belongs to the notice's audience (docs/access.md)."""
    scope, code, audience = case.scope, r["audience_code"], r["audience"]
    member = scope.get("member")
    if audience == "district_all":
        return case.role != "anonymous"
    if audience == "street":
        if case.role == "street":
            return scope.get("street") == code
        homes = [world.active_report.get(member, ("", None))[0]] if member else []
        if case.role in ("resident", "position_holder", *COMMUNITY_ROLES):
            homes.append(scope["community"])
        return any(world.community_street.get(home) == code for home in homes)
    if audience == "community_residents":
        return case.role in ("resident", "position_holder", *COMMUNITY_ROLES) and (
            scope.get("community") == code
        )
    if audience == "community_members":
        return member is not None and world.active_report.get(member, ("", None))[0] == code
    if audience == "grid":
        return case.role in COMMUNITY_ROLES and scope.get("grid") == code
    if audience == "community_partners":
        return case.role == "unit_branch" and code in _paired(world, case)
    assert audience == "branch_members", audience
    if case.role == "unit_branch":
        return scope.get("unit") == code
    return member is not None and world.member_unit.get(member) == code


def resident_identity_key(case: Case) -> str:
    """The identity key of the tokens the tests issue for this case (issuer `dualhub`)."""
    viewer = Viewer(Role(case.role), subject=f"test-{case.role}", issuer="dualhub", **case.scope)
    return viewer.identity_key


def party_to(world: World, case: Case, record: dict[str, Any]) -> bool:
    """An alliance meeting or agreement project of an alliance or agreement naming the
    viewer (for agreements: also as a project owner, or as the agreement's community)."""
    party = _party(case)
    if "alliance" in record:
        return party in world.alliance_parties[record["alliance"]]
    community, parties, owners = world.agreements[record["agreement"]]
    own = case.role in COMMUNITY_ROLES and community == case.scope["community"]
    return party in parties or party in owners or own


def visible_records(world: World, type_name: str, case: Case, cell: str) -> list[int]:
    rule = _rules(world, case, type_name)[cell]
    return [r["id"] for r in world.records[type_name] if rule(r)]


def _global_id(type_name: str, row_id: int) -> str:
    return base64.b64encode(f"{type_name}:{row_id}".encode()).decode()


NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"


NODES_PER_REQUEST = 100  # `nodes(ids:)` takes at most 100 ids (schema/bounds.py)


async def observed_records(client: GraphQLClient, world: World) -> dict[str, set[int]]:
    """Ids of the rows of each record type the viewer finds through `nodes`."""
    ids = [_global_id(t, r["id"]) for t in RECORD_TYPES.values() for r in world.records[t]]
    nodes: list[dict[str, str] | None] = []
    for start in range(0, len(ids), NODES_PER_REQUEST):
        chunk = ids[start : start + NODES_PER_REQUEST]
        nodes += (await client.query(NODES, {"ids": chunk}))["nodes"]
    found: dict[str, set[int]] = {t: set() for t in RECORD_TYPES.values()}
    for node in nodes:
        if node is not None:
            type_name, row_id = base64.b64decode(node["id"]).decode().split(":")
            found[type_name].add(int(row_id))
    return found


async def listed_totals(client: GraphQLClient) -> dict[str, int]:
    """The totalCount of each documented list at the root or under the public `communities`
    (summed over them), in one request; the other paths are covered by `nodes`."""
    root = [q for q in RECORD_TYPES if "." not in q]
    nested = [q.split(".")[1] for q in RECORD_TYPES if q.startswith("Community.")]
    lists = " ".join(f"{f}(first: 0{LIST_ARGS.get(f, '')}) {{ totalCount }}" for f in root)
    under = " ".join(f"{f}(first: 0) {{ totalCount }}" for f in nested)
    data = await client.query(
        f"{{ {lists} communities(first: 100) {{ edges {{ node {{ {under} }} }} }} }}"
    )
    totals = {f: data[f]["totalCount"] for f in root}
    for f in nested:
        totals[f"Community.{f}"] = sum(
            e["node"][f]["totalCount"] for e in data["communities"]["edges"]
        )
    return totals


async def observed(client: GraphQLClient, query: str) -> int:
    if query == "community.supporters":
        total, _codes = await visible_supporters(client)
        return total
    args = LIST_ARGS.get(query, "")  # retired units and branches, members who left too
    data = await client.query(f"{{ {query}(first: 0{args}) {{ totalCount }} }}")
    count: int = data[query]["totalCount"]
    return count


@pytest.fixture(scope="module", params=BACKENDS)
def matrix_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    """The small data set, plus rows that give every scoped cell's viewer something."""
    with seeded_pair(request.param, tmp_path_factory, SMALL, "matrix") as pair:
        asyncio.run(_cover_every_cell(pair))
        yield pair


async def _cover_every_cell(pair: DatabasePair) -> None:
    world = await load_world(pair)
    cases = matrix(world)
    unit, company = cases["unit"].scope["unit"], cases["company"].scope["company"]
    community = cases["community"].scope["community"]
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            ids = {
                name: (await conn.execute(text(sql), params)).scalar_one()
                for name, sql, params in (
                    ("community", "SELECT id FROM communities WHERE code = :c", {"c": community}),
                    ("category", "SELECT min(id) FROM service_categories", {}),
                    ("alliance", "SELECT min(id) FROM alliances", {}),
                    ("agreement", "SELECT min(id) FROM co_building_agreements", {}),
                )
            }
            await _insert_coverage(conn, ids, unit=unit, company=company, community=community)
            await _nest_grids(conn, world, cases["grid"].scope["grid"], community)
            await _insert_operations(conn, world, cases, ids)
            # An opinion request the unit viewer asked of the community viewer's community.
            await _add(
                conn, OpinionRequest, member_code="M999999", unit_code=unit,
                community_id=ids["community"], purpose="拟提拔", status="pending",
                asked_by="unit", asked_at=datetime.now(UTC),
            )  # fmt: skip
            # Public commitments (公开承诺) in the community viewer's community: the member
            # viewer's (residents may see it), a unit member's without consent, and a
            # withdrawn one with consent (no resident sees it).
            unit_member = sorted(cases["unit"].members)[0]
            for member_code, consent, status in (
                (cases["member"].scope["member"], True, "published"),
                (unit_member, False, "published"),
                (unit_member, True, "withdrawn"),
            ):
                await _add(
                    conn, MemberCommitment, member_code=member_code, unit_code=unit,
                    community_id=ids["community"], category_id=ids["category"], year=2025,
                    content="每月参加一次志愿服务", public_consent=consent, status=status,
                    created_at=datetime.now(UTC),
                )  # fmt: skip
            # Commendations (表彰): one in force and one revoked in the community viewer's
            # community, and a revoked district one without a community.
            for level, community_id, status in (
                ("community", ids["community"], "active"),
                ("community", ids["community"], "revoked"),
                ("district", None, "revoked"),
            ):
                await _add(
                    conn, Commendation, title="annual", level=level, community_id=community_id,
                    honoree_kind="member", honoree_code=cases["member"].scope["member"],
                    year=2025, reason="年度表彰", status=status, awarded_by="x",
                    awarded_at=datetime.now(UTC),
                )  # fmt: skip
            await _insert_awards(conn, world, cases)
            await _insert_bookings(conn, ids["community"], cases)
            await _insert_donations(conn, ids["community"], cases)
            await _insert_households(conn, world, ids["community"], cases_of(world))
            await _insert_volunteers(conn, world, ids["community"], cases)
            # A notification to every viewer of the matrix, and one to nobody of them.
            keys = {addressee_of(case) for case in cases_of(world).values()}
            for key in [*sorted(k for k in keys if k), "member:M999999"]:
                await _add(conn, Notification, addressee=key, kind="order_dispatched",
                           title="覆盖消息", text="覆盖", created_at=datetime.now(UTC))  # fmt: skip
            await _insert_notices(conn, world, cases_of(world))
    finally:
        await engine.dispose()
    await _insert_certificates(pair, cases)


async def _insert_certificates(pair: DatabasePair, cases: dict[str, Case]) -> None:
    """Volunteer-hours certificates (units side) of the member viewer and of a member of the
    unit viewer's unit outside the branch viewer's branch (the seeded ones are few)."""
    members = [cases["member"].scope["member"]]
    members += sorted(cases["unit"].members - cases["branch"].members)[:1]
    engine = create_async_engine(pair.units_url)
    try:
        async with engine.begin() as conn:
            for code in members:
                member_id, branch_id = (
                    await conn.execute(
                        text("SELECT id, branch_id FROM members WHERE code = :c"), {"c": code}
                    )
                ).one()
                await _add(
                    conn, VolunteerCertificate, code=f"MX{code}"[:12].ljust(12, "X"),
                    member_id=member_id, branch_id=branch_id, member_code=code,
                    member_name="覆盖", year=2025, period_from=date(2025, 1, 1),
                    period_to=date(2025, 12, 31), services=1, hours=1, breakdown={},
                    status="issued", issued_at=datetime.now(UTC), issued_by="test",
                    issuer_role="district", issuer_identity="test",
                )  # fmt: skip
    finally:
        await engine.dispose()


async def _insert_notices(conn: AsyncConnection, world: World, cases: dict[str, Case]) -> None:
    """A notice to each audience a matrix viewer belongs to, published by someone else; one
    withdrawn and one expired to the community's residents; one the unit published."""
    community = cases["community"].scope["community"]
    member = cases["member"].scope["member"]
    now = datetime.now(UTC)
    street = world.community_street[community]
    elsewhere = sorted(set(world.community_street.values()) - {street})
    audiences = [("district_all", "D01"), ("street", street), *(("street", s) for s in elsewhere),
                 ("community_residents", community),
                 ("community_members", world.active_report[member][0]),
                 ("grid", cases["grid"].scope["grid"]),
                 ("community_partners", sorted(_paired(world, cases["unit"]))[0]),
                 ("branch_members", world.member_unit[member]),
                 ("community_residents", world.other_community(community))]  # fmt: skip
    rows = [(audience, code, "published", None) for audience, code in audiences]
    rows += [("community_residents", community, "withdrawn", None),
             ("community_residents", community, "published", now - timedelta(days=1))]  # fmt: skip
    for audience, code, status, expires in rows:
        await _add(conn, Notice, title="覆盖通知", body="覆盖", audience=audience,
                   audience_code=code, publisher_organisation="district:D01",
                   publisher_subject="test", publisher_role="district", pinned=False,
                   expires_at=expires, status=status, published_at=now)  # fmt: skip
    await _add(conn, Notice, title="街道通知", body="覆盖", audience="street", audience_code=street,
               publisher_organisation=organisation_of(cases["street"]), publisher_subject="test",
               publisher_role="street", pinned=False, status="withdrawn", published_at=now)  # fmt: skip
    await _add(conn, Notice, title="单位通知", body="覆盖", audience="branch_members",
               audience_code="U-MX-OTHER", publisher_organisation=organisation_of(cases["unit"]),
               publisher_subject="test", publisher_role="unit_branch", pinned=False,
               status="published", published_at=now)  # fmt: skip


async def _insert_bookings(
    conn: AsyncConnection, community_id: int, cases: dict[str, Case]
) -> None:
    """A space in the community viewer's community, booked by the member, unit and resident
    viewers (each booker reads his own; the resident by his identity)."""
    now = datetime.now(UTC)
    space = await _add(
        conn, Space, community_id=community_id, name="覆盖共享小屋", kind="shared_hut",
        capacity=10, location="一楼", opening_hours=[[1, "08:00", "21:00"]], status="open",
        created_by="test", created_at=now,
    )  # fmt: skip
    bookers = (("member", cases["member"].scope["member"], "x"),
               ("unit", cases["unit"].scope["unit"], "x"),
               ("resident", None, resident_identity_key(cases["resident"])))  # fmt: skip
    for hours, (kind, code, identity) in enumerate(bookers, start=1):
        start = now + timedelta(days=1, hours=hours)
        await _add(
            conn, SpaceBooking, space_id=space, community_id=community_id, booker_kind=kind,
            booker_code=code, booker_identity=identity, booker_subject="test", starts_at=start,
            ends_at=start + timedelta(hours=1), minutes=60, purpose="覆盖", attendees=2,
            status="booked", created_at=now,
        )  # fmt: skip


async def _insert_households(
    conn: AsyncConnection, world: World, community_id: int, cases: dict[str, Case]
) -> None:
    """Households in need (特殊群体) in the community viewer's community: one in the grid
    viewer's grid paired with the member and the unit viewers, one in the compound viewer's
    compound's grid, one with no grid; one in another community paired with the member
    (an ended pairing: he no longer reads it)."""
    now = datetime.now(UTC)
    compound = cases["grid (compound)"].scope["compound"]
    grids = (cases["grid"].scope["grid"],
             world.building_grid.get(sorted(world.buildings_in_compound(compound))[0]), None)  # fmt: skip
    other = await _id(conn, Community, world.other_community(cases["community"].scope["community"]))
    made = []
    for where, grid in [*((community_id, g) for g in grids), (other, None)]:
        grid_id = None if grid is None else await _id(conn, Grid, grid)
        made.append(await _add(
            conn, HelpHousehold, community_id=where, grid_id=grid_id, name="覆盖对象",
            address="覆盖住址", category="living_alone", max_helpers=2, status="active",
            created_by="test", created_at=now,
        ))  # fmt: skip
    helpers = ((made[0], community_id, "member", cases["member"].scope["member"], "active"),
               (made[0], community_id, "unit", cases["unit"].scope["unit"], "active"),
               (made[3], other, "member", cases["member"].scope["member"], "ended"))  # fmt: skip
    for household, where, kind, code, status in helpers:
        await _add(
            conn, HelpPairing, household_id=household, community_id=where,
            helper_kind=kind, helper_code=code, visit_every_days=7, starts_on=now.date(),
            status=status, next_visit_due=now.date(), created_by="test", created_at=now,
        )  # fmt: skip


async def _insert_volunteers(
    conn: AsyncConnection, world: World, community_id: int, cases: dict[str, Case]
) -> None:
    """Points accounts (居民积分) in the community viewer's community: the resident viewer's
    (by his identity) with a child he is guardian of, another resident's with his child;
    and a resident's of another community (the community viewer reads none of it)."""
    now = datetime.now(UTC)
    other = await _id(conn, Community, world.other_community(cases["community"].scope["community"]))
    for where, identity in ((community_id, resident_identity_key(cases["resident"])),
                            (community_id, "0" * 64), (other, "1" * 64)):  # fmt: skip
        guardian = await _add(conn, ResidentVolunteer, community_id=where, kind="resident",
                              identity=identity, status="active", created_at=now)  # fmt: skip
        if where == community_id:
            await _add(conn, ResidentVolunteer, community_id=where, kind="young",
                       guardian_id=guardian, birth_year=now.year - 10, consent_at=now,
                       status="active", created_at=now)  # fmt: skip


async def _insert_donations(
    conn: AsyncConnection, community_id: int, cases: dict[str, Case]
) -> None:
    """Donations to the community viewer's community by the member, unit and resident
    viewers (each donor reads his own; the resident by his identity)."""
    now = datetime.now(UTC)
    donors = (("member", cases["member"].scope["member"], "x"),
              ("unit", cases["unit"].scope["unit"], "x"),
              ("resident", None, resident_identity_key(cases["resident"])))  # fmt: skip
    for kind, code, identity in donors:
        await _add(
            conn, Donation, community_id=community_id, donor_kind=kind, donor_code=code,
            donor_identity=identity, donor_subject="test", kind="goods", description="覆盖",
            quantity=1, status="offered", offered_at=now,
        )  # fmt: skip


async def _add(conn: AsyncConnection, model: Any, **values: Any) -> int:
    result = await conn.execute(insert(model).values(**values).returning(model.id))
    return int(result.scalar_one())


async def _nest_grids(conn: AsyncConnection, world: World, grid: str, community: str) -> None:
    """Grids below the grid viewer's grid down to level 6 (the deepest the model allows),
    each of the two lowest with a compound, a building and a member reporting there (moved
    from a building outside his grid), so a scope that stops a level short hides them; and
    a grid beside his in his community, with a member of his grid moved there, so a scope
    that reaches past his grid (to the whole community) shows what it must not."""
    parent = grid
    while children := sorted(g for g, p in world.grid_parent.items() if p == parent):
        parent = children[0]
    level, community_id = world.grid_level[parent], await _id(conn, Community, community)
    movers = sorted(world.reported_to(community) - world.reported_in_grid(grid))
    parent_id = await _id(conn, Grid, parent)
    for depth in range(level + 1, 7):
        parent_id = await _add(
            conn, Grid, code=f"GX{depth}", name=f"覆盖{depth}级网格", community_id=community_id,
            parent_id=parent_id, level=depth,
        )  # fmt: skip
        if depth < 5:
            continue
        compound = await _add(
            conn, Compound, code=f"CPX{depth}", name=f"覆盖{depth}级小区", community_id=community_id,
            grid_id=parent_id, has_owners_committee=False, has_owner_unit=False,
            has_security=False, households=10,
        )  # fmt: skip
        building = await _add(conn, Building, code=f"BX{depth}", name="1号楼", compound_id=compound)
        await _move_report(conn, movers[depth - 5], building)
    beside = await _add(conn, Grid, code="GY1", name="相邻网格", community_id=community_id,
                        parent_id=None, level=1)  # fmt: skip
    compound = await _add(
        conn, Compound, code="CPY1", name="相邻小区", community_id=community_id, grid_id=beside,
        has_owners_committee=False, has_owner_unit=False, has_security=False, households=10,
    )  # fmt: skip
    building = await _add(conn, Building, code="BY1", name="1号楼", compound_id=compound)
    await _move_report(
        conn, max(world.reported_in_grid(grid) & world.reported_to(community)), building
    )


async def _move_report(conn: AsyncConnection, member: str, building: int) -> None:
    await conn.execute(
        update(Report).where(
            Report.member_code == member, Report.status.in_(ACTIVE_STATUSES)
        ).values(building_id=building)
    )  # fmt: skip


async def _insert_awards(conn: AsyncConnection, world: World, cases: dict[str, Case]) -> None:
    """A fund of its own with two awards: to a compound of the viewer community for the
    viewer company, and to a compound elsewhere for another company."""
    community = cases["community"].scope["community"]
    company = await _id(conn, PropertyCompany, cases["company"].scope["company"])
    other = (
        await conn.execute(
            select(func.min(PropertyCompany.id)).where(PropertyCompany.id != company)
        )
    ).scalar_one()
    t = datetime(2024, 12, 1, 2, 0, tzinfo=UTC)
    fund = await _add(conn, PropertyAwardFund, year=2024, total_yuan=1_000_000,
                      min_coverage_percent=50, set_by="matrix", set_at=t)  # fmt: skip
    for code, to in ((community, company), (world.other_community(community), other)):
        compound = (
            await conn.execute(
                select(func.min(Compound.id)).where(
                    Compound.community_id == await _id(conn, Community, code)
                )
            )
        ).scalar_one()
        await _add(conn, PropertyCompoundAward, fund_id=fund, compound_id=compound,
                   company_id=to, tier_name="覆盖奖励", amount_yuan=100_000, compound_total=90,
                   awarded_by="matrix", created_at=t)  # fmt: skip


async def _id(conn: AsyncConnection, model: Any, code: str) -> int:
    return int((await conn.execute(select(model.id).where(model.code == code))).scalar_one())


async def _insert_operations(
    conn: AsyncConnection, world: World, cases: dict[str, Case], ids: dict[str, int]
) -> None:
    """Rows to show and rows to hide for every scoped cell of the operations records: the
    matrix member (M) has one of each kind, a member of the viewer branch (B) some, and a
    member outside the viewer unit who reports elsewhere (O) the same kinds elsewhere."""
    community = cases["community"].scope["community"]
    elsewhere = world.other_community(community)
    here, there = ids["community"], await _id(conn, Community, elsewhere)
    me = cases["member"].scope["member"]
    b = sorted(cases["branch"].members - {me})[0]
    o = sorted(world.reported_to(elsewhere) - cases["unit"].members - {me})[0]
    mate = sorted(world.reported_to(community) - {me, b} - set(_grouped(world)))[0]
    category, t = ids["category"], datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    # A third alliance of another community only: the viewers of this one are not party to it.
    alliance = await _add(conn, Alliance, code="A-MX", name="覆盖联盟", founded_on=t.date(),
                          meeting_frequency="quarterly")  # fmt: skip
    convener = await _add(conn, AllianceParty, alliance_id=alliance, party_kind="community",
                          party_code=elsewhere, joined_on=t.date())  # fmt: skip
    await _add(conn, AllianceMeeting, alliance_id=alliance, convened_by_id=convener,
               held_on=t.date(), agenda="覆盖议程", status="scheduled", created_at=t)  # fmt: skip
    # Posts: open and closed here, closed elsewhere; claims by M, B and O.
    posts = {}
    for key, at, status in (("open", here, "open"), ("closed", here, "closed"),
                            ("x1", there, "closed"), ("x2", there, "closed")):  # fmt: skip
        posts[key] = await _add(
            conn, Post, code=f"P-MX-{key}", community_id=at, category_id=category,
            title="覆盖岗位", capacity=5, status=status, created_at=t,
        )  # fmt: skip
    claims = {}
    for key, who in (("open", me), ("closed", b), ("x1", me), ("x2", o)):
        claims[key] = await _add(conn, PostClaim, post_id=posts[key], member_code=who,
                                 status="active", claimed_at=t)  # fmt: skip
    # M keeps a closed post elsewhere (岗位负责人): he sees it and O's duty on it. Duty of
    # M here, of B here (pending) and of O elsewhere.
    await conn.execute(update(Post).where(Post.id == posts["x2"]).values(keeper_code=me))
    for key, who, status in (("open", me, "confirmed"), ("closed", b, "pending"),
                             ("x2", o, "rejected")):  # fmt: skip
        await _add(conn, PostDuty, post_id=posts[key], claim_id=claims[key], member_code=who,
                   starts_at=t, ends_at=t + timedelta(hours=2), hours=2, status=status,
                   recorded_by=who)  # fmt: skip
    # Micro-wishes: published here; claimed here by B, elsewhere by M and by O.
    for at, status, who in ((here, "published", None), (here, "claimed", b),
                            (there, "claimed", me), (there, "claimed", o)):  # fmt: skip
        await _add(conn, MicroWish, community_id=at, title="覆盖心愿", beneficiary_name="王秀英",
                   status=status, claimed_by=who, claimed_at=t if who else None, created_at=t,
                   claimant_kind="member" if who else None)  # fmt: skip
    # Units' own claims (单位认领) elsewhere: the viewer unit's and another unit's, of a wish
    # and of a closed post, with a session served on each claim.
    viewer_unit = cases["unit"].scope["unit"]
    for index, claimant in enumerate((viewer_unit, "U-MX-OTHER")):
        await _add(conn, MicroWish, community_id=there, title="覆盖单位心愿",
                   beneficiary_name="王秀英", status="confirmed", claimant_kind="unit",
                   claimed_by_unit=claimant, claimed_at=t, fulfilled_at=t, confirmed_at=t,
                   created_at=t)  # fmt: skip
        post = await _add(conn, Post, code=f"P-MX-U{index}", community_id=there,
                          category_id=category, title="覆盖单位岗位", capacity=5,
                          status="closed", created_at=t)  # fmt: skip
        claim = await _add(conn, PostClaim, post_id=post, claimant_kind="unit",
                           unit_code=claimant, status="active", claimed_at=t)  # fmt: skip
        await _add(conn, PostDuty, post_id=post, claim_id=claim, unit_code=claimant,
                   starts_at=t, ends_at=t + timedelta(hours=2), hours=2, status="confirmed",
                   recorded_by=claimant)  # fmt: skip
    # Cancelled activities here and elsewhere; M signed up for the one elsewhere.
    activities = []
    for at in (here, there):
        activity = await _add(
            conn, Activity, community_id=at, category_id=category, title="覆盖活动",
            place="社区广场", starts_at=t, ends_at=t + timedelta(hours=2), capacity=10,
            points_per_attendance=0, status="cancelled", created_at=t, cancelled_at=t,
        )  # fmt: skip
        activities.append(activity)
    await _add(conn, ActivitySignup, activity_id=activity, member_code=me, status="cancelled",
               signed_up_at=t)  # fmt: skip
    # Orders: one dispatched to M elsewhere, one dispatched to the viewer unit (not yet
    # accepted by any member); of the test resident's subject: here one placed with his
    # identity, one from before identities, one by the same subject with another household
    # (another identity); elsewhere one from before identities (another community's resident);
    # here one from before identities by the same subject in another role (not his).
    unit, resident = cases["unit"].scope["unit"], cases["resident"]
    mine = resident_identity_key(resident)
    neighbour = resident_identity_key(Case("resident", {**resident.scope, "household": "9-909"},
                                           set(), set()))  # fmt: skip
    for at, kind, taker, subject, identity, role in (
        (there, "member", me, "resident:9", None, "resident"),
        (there, "unit", unit, "resident:9", None, "resident"),
        (here, None, None, "test-resident", mine, "resident"),
        (here, None, None, "test-resident", None, "resident"),
        (here, None, None, "test-resident", neighbour, "resident"),
        (there, None, None, "test-resident", None, "resident"),
        (here, None, None, "test-resident", None, "community"),
    ):  # fmt: skip
        await _add(
            conn, ServiceOrder, community_id=at, category_id=category, title="覆盖订单",
            ordered_by_subject=subject, ordered_by_role=role, ordered_by_identity=identity,
            status="dispatched" if kind else "ordered", taker_kind=kind, taker_code=taker,
            due_at=t + timedelta(days=3), ordered_at=t, evidence=[],
        )  # fmt: skip
    # Demands of the test resident's subject: here one raised with his identity, one from
    # before identities, one by another identity (another household); elsewhere one from
    # before identities. Each converted into an order placed by the community.
    for at, identity in ((here, mine), (here, None), (here, neighbour), (there, None)):
        demand = await _add(
            conn, DemandItem, community_id=at, category_id=category, title="覆盖需求",
            requester_kind="resident", requester_name="赵阿姨", status="fulfilled",
            created_at=t, raised_by_identity=identity, raised_by_subject="test-resident",
            raised_by_role="resident",
        )  # fmt: skip
        await _add(
            conn, ServiceOrder, community_id=at, category_id=category, demand_id=demand,
            title="覆盖需求订单", ordered_by_subject="community", ordered_by_role="community",
            ordered_by_identity="c" * 64, status="ordered", due_at=t + timedelta(days=3),
            ordered_at=t, evidence=[],
        )  # fmt: skip
    # M leads a building group here with one mate; the mate's group evaluation, M's own
    # self-evaluation, an assignment to M, one for the group, one for the test resident.
    group = await _add(conn, BuildingGroup, community_id=here, name="覆盖楼栋党小组",
                       status="active", created_at=t)  # fmt: skip
    for who, role in ((me, "leader"), (mate, "member")):
        await _add(conn, BuildingGroupMember, group_id=group, member_code=who, role=role,
                   status="active", joined_at=t)  # fmt: skip
    for who, kind in ((mate, "group"), (me, "self")):
        await conn.execute(
            update(MemberEvaluation).where(
                MemberEvaluation.member_code == who, MemberEvaluation.year == 2031,
            ).values(status="superseded")
        )  # fmt: skip
        await _add(
            conn, MemberEvaluation, member_code=who, year=2031, kind=kind, community_id=here,
            comment="覆盖评价", status="active", evaluator_subject="test", evaluator_role="member",
            created_at=t,
        )  # fmt: skip
    building = (await conn.execute(
        select(Building.id).join(Compound).where(Compound.community_id == here).limit(1)
    )).scalar_one()  # fmt: skip
    # ... and one naming the test resident's subject in another community (not his there).
    building_there = (await conn.execute(
        select(Building.id).join(Compound).where(Compound.community_id == there).limit(1)
    )).scalar_one()  # fmt: skip
    for at, at_building, kind, code, group_id in (
        (here, building, "member", me, None), (here, building, "member", mate, group),
        (here, building, "resident", "test-resident", None),
        (there, building_there, "resident", "test-resident", None),
    ):  # fmt: skip
        await _add(conn, HouseholdAssignment, community_id=at, building_id=at_building, floor=1,
                   household="1-101", assignee_kind=kind, assignee_code=code, group_id=group_id,
                   status="active", assigned_at=t)  # fmt: skip
    # Positions: M holds a 党员中心户 in the building leader's building; a resident's order
    # in that building (the leader sees it, and not the orders of other buildings).
    leader = world.position_in_force(community)
    leader_building = await _id(conn, Building, leader["building"])
    compound_id = (await conn.execute(
        select(Building.compound_id).where(Building.id == leader_building)
    )).scalar_one()  # fmt: skip
    await _add(conn, Position, code="POS-MX-M", community_id=here, kind="member_household",
               holder_kind="member", holder_code=me, holder_subject=me, holder_name="覆盖党员",
               compound_id=compound_id,
               building_id=leader_building, starts_on=t.date(), ends_on=date(2099, 12, 31),
               appointed_at=t)  # fmt: skip
    await _add(
        conn, ServiceOrder, community_id=here, category_id=category, title="覆盖楼栋订单",
        building_id=leader_building, ordered_by_subject="resident:8", ordered_by_role="resident",
        status="ordered", due_at=t + timedelta(days=3), ordered_at=t, evidence=[],
    )  # fmt: skip
    await _add(
        conn, DemandItem, community_id=here, category_id=category, title="覆盖楼栋需求",
        building_id=leader_building, unit_no=1, floor=1, room="101", requester_kind="resident",
        requester_name="覆盖居民", status="pending_review", created_at=t,
    )  # fmt: skip
    # A point rule the district configured (the others are the defaults).
    await conn.execute(insert(PointRule).values(action="matrix_cover", name="覆盖规则", points=3,
                                                updated_by="test", updated_at=t))  # fmt: skip
    # Points credited here to M and to O (who reports elsewhere); inactive merchants and
    # items; redemptions by M here and by O elsewhere.
    merchants = {}
    for at, key, active in ((here, "here", True), (here, "closed", False),
                            (there, "there", False)):  # fmt: skip
        merchants[key] = await _add(conn, Merchant, code=f"MX-{key}", name="覆盖商户",
                                    community_id=at, active=active, created_at=t)  # fmt: skip
    for who in (me, o):
        account = select(PointsAccount.member_code).where(PointsAccount.member_code == who)
        if (await conn.execute(account)).first() is None:
            await conn.execute(insert(PointsAccount).values(member_code=who, opened_at=t))
        await _add(conn, PointsEntry, member_code=who, kind="earn", points=50,
                   action="activity_attended", community_id=here, actor_subject="test",
                   occurred_at=t)  # fmt: skip
    for key, who in (("here", me), ("there", o)):
        item = await _add(conn, MallItem, code=f"IX-{key}", merchant_id=merchants[key],
                          name="覆盖商品", price_points=5, stock=10, active=False, created_at=t)  # fmt: skip
        spend = await _add(conn, PointsEntry, member_code=who, kind="spend", points=-5,
                           action="mall_redeem", actor_subject="test", occurred_at=t)  # fmt: skip
        await _add(conn, Redemption, item_id=item, member_code=who, quantity=1, points=5,
                   status="collected", spend_entry_id=spend, redeemed_at=t)  # fmt: skip
    await _insert_unit_service(conn, cases, ids, activities, there=there, me=me)


async def _insert_unit_service(
    conn: AsyncConnection, cases: dict[str, Case], ids: dict[str, int], activities: list[int],
    *, there: int, me: str,
) -> None:  # fmt: skip
    """双服务: the viewer unit paired here, signed up here, claimed a demand here and one
    elsewhere; another unit signed up elsewhere; M claimed a demand elsewhere."""
    unit, here, category = cases["unit"].scope["unit"], ids["community"], ids["category"]
    t = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    paired = (await conn.execute(
        text("SELECT count(*) FROM unit_pairings WHERE unit_code = :u AND community_id = :c"
             " AND status = 'active'"), {"u": unit, "c": here},
    )).scalar_one()  # fmt: skip
    if not paired:
        await _add(conn, UnitPairing, unit_code=unit, community_id=here, started_on=t.date(),
                   status="active")  # fmt: skip
    for activity, who in ((activities[0], unit), (activities[1], "U-MX-OTHER")):
        await _add(conn, ActivityUnitSignup, activity_id=activity, unit_code=who, headcount=3,
                   participants=[], status="cancelled", signed_up_at=t, cancelled_at=t)  # fmt: skip
    for at, status, kind, who in ((here, "published", "unit", unit),
                                  (there, "fulfilled", "unit", unit),
                                  (there, "fulfilled", "member", me),
                                  (there, "published", "unit", "U-MX-OTHER")):  # fmt: skip
        await _add(conn, DemandItem, community_id=at, category_id=category, title="覆盖认领",
                   requester_kind="resident", requester_name="张阿姨", status=status,
                   claimant_kind=kind, claimant_code=who, claimed_at=t, created_at=t)  # fmt: skip


def _grouped(world: World) -> list[str]:
    return [r["member"] for r in world.records["BuildingGroupMember"] if r["status"] == "active"]


async def _insert_coverage(
    conn: AsyncConnection, ids: dict[str, int], *, unit: str, company: str, community: str
) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    await conn.execute(
        text("INSERT INTO alliance_parties (alliance_id, party_kind, party_code, rotation_order,"
             " joined_on) VALUES (:a, 'community', :c, 99, :d)"),
        {"a": ids["alliance"], "c": community, "d": now.date()},
    )  # fmt: skip
    await conn.execute(
        text("INSERT INTO agreement_parties (agreement_id, party_kind, party_code)"
             " VALUES (:a, 'property_company', :p)"),
        {"a": ids["agreement"], "p": company},
    )  # fmt: skip
    offers = [("resource_items", "property_company", company),
              ("service_items", "unit", unit), ("service_items", "property_company", company)]  # fmt: skip
    for table_name, kind, code in offers:
        extra = ", target" if table_name == "service_items" else ""
        await conn.execute(
            text(f"INSERT INTO {table_name} (community_id, category_id, title, provider_kind,"  # noqa: S608
                 f" provider_code, status, created_at{extra}) VALUES (:c, :k, '覆盖用例', :pk,"
                 f" :pc, 'published', :t{', :target' if extra else ''})"),
            {"c": ids["community"], "k": ids["category"], "pk": kind, "pc": code, "t": now,
             "target": "居民"},
        )  # fmt: skip
    await conn.execute(
        text("INSERT INTO demand_items (community_id, category_id, title, requester_kind,"
             " requester_name, status, created_at) VALUES (:c, :k, '覆盖用例', 'resident',"
             " '张阿姨', 'published', :t)"),
        {"c": ids["community"], "k": ids["category"], "t": now},
    )  # fmt: skip


@pytest.fixture
async def hub(matrix_db: DatabasePair) -> AsyncIterator[tuple[GraphQLClient, World]]:
    world = await load_world(matrix_db)
    async for client in client_for(matrix_db):
        yield client, world


def cases_of(world: World) -> dict[str, Case]:
    """The viewer of each column; `grid (compound)` is a grid secretary scoped by a `compound`
    claim instead of a grid, held to the grid column's cells."""
    cases = matrix(world)
    grid = cases["grid"]
    compound = compound_viewer_scope(world, grid.scope["community"])
    in_compound = world.reported_in_compound(compound) & world.reported_to(grid.scope["community"])
    cases["grid (compound)"] = Case(
        "compound_branch_secretary", {"community": grid.scope["community"], "compound": compound},
        in_compound, in_compound,
    )  # fmt: skip
    cases["anonymous"] = Case("anonymous", {}, set(), set())
    return cases


def compound_viewer_scope(world: World, community: str) -> str:
    """The compound with the most reporters of `community` (the fixture adds one at level 5)."""
    reported = world.reported_to(community)
    compounds = sorted({c for b, c in world.building_compound.items()
                        if any(world.active_report[m][1] == b for m in reported)})  # fmt: skip
    return max(compounds, key=lambda c: len(world.reported_in_compound(c) & reported))


VIEWERS = [*COLUMNS, "grid (compound)"]


def cells_of(viewer: str) -> Iterator[tuple[str, str]]:
    column = "grid" if viewer == "grid (compound)" else viewer
    return ((entity, cell) for entity, col, cell in CELLS if col == column)


@pytest.mark.parametrize("column", VIEWERS)
async def test_every_row_cell_of_the_documented_matrix(
    hub: tuple[GraphQLClient, World], column: str
) -> None:
    client, world = hub
    case = cases_of(world)[column]
    viewer = (
        client.anonymous()
        if column == "anonymous"
        else client.as_viewer(case.role, case.subject, **case.scope)
    )
    mismatches = []
    found, totals = await observed_records(viewer, world), await listed_totals(viewer)
    data = await data_totals(viewer, world)
    for entity, cell in cells_of(column):
        query = _query_of(entity)
        if query in DATA_ROWS:
            want = data_expected(world, query, case, cell)
            paths = [query] + (
                ["PropertyCompany.yearResults"] if query == "propertyRanking" else []
            )
            mismatches += [f"{entity} via {path}: documented '{cell}' means {want}, the API"
                           f" shows {data[path]}" for path in paths if data[path] != want]  # fmt: skip
            continue
        if query in RECORD_TYPES:
            want_ids = set(visible_records(world, RECORD_TYPES[query], case, cell))
            got_ids = found[RECORD_TYPES[query]]
            if want_ids != got_ids:
                mismatches.append(
                    f"{entity} via nodes: documented '{cell}' means {len(want_ids)} rows;"
                    f" not shown {sorted(want_ids - got_ids)}, shown {sorted(got_ids - want_ids)}"
                )
            if query in totals and totals[query] != len(want_ids):
                mismatches.append(
                    f"{entity}: '{cell}' means {len(want_ids)}, the list counts {totals[query]}"
                )
            continue
        want, got = expected(world, query, case, cell), await observed(viewer, query)
        if want != got:
            mismatches.append(f"{entity}: documented '{cell}' means {want}, the API shows {got}")
    assert not mismatches, "\n".join(mismatches)


def _total(world: World, query: str, case: Case) -> int:
    if query in RECORD_TYPES:
        return len(world.records[RECORD_TYPES[query]])
    return expected(world, query, case, "all")


def test_every_scoped_cell_is_exercised_by_data(matrix_db: DatabasePair) -> None:
    """A cell like 'party to' proves little if the data gives that viewer nothing, or
    everything: each scoped cell's viewer has rows to see and rows not to see."""
    world = asyncio.run(load_world(matrix_db))
    cases = cases_of(world)
    trivial = []
    for viewer, case in cases.items():
        for entity, cell in cells_of(viewer):
            if _query_of(entity) in DATA_ROWS and cell == "all":
                if not data_expected(world, _query_of(entity), case, cell):
                    trivial.append(f"{entity} / {viewer} (all): no rows at all")
                continue
            if cell in ("all", "none") or _query_of(entity) in COUNTED:
                continue
            query = _query_of(entity)
            shown, total = expected(world, query, case, cell), _total(world, query, case)
            if not 0 < shown < total:
                trivial.append(f"{entity} / {viewer} ({cell}): {shown} of {total}")
    assert not trivial, "\n".join(trivial)


def test_grid_scope_reaches_the_lowest_level(matrix_db: DatabasePair) -> None:
    """The grid viewer's grid has grids nested to level 5 with reporting members in buildings
    of the lowest level, and the compound viewer's compound hides others of his community."""
    world = asyncio.run(load_world(matrix_db))
    cases = cases_of(world)
    grid = cases["grid"].scope["grid"]
    deepest = max(world.grid_level[g] for g in world.grid_subtree(grid))
    at_deepest = {g for g in world.grid_subtree(grid) if world.grid_level[g] == deepest}
    assert deepest >= 5
    assert deepest - world.grid_level[grid] >= 2
    assert any(world.building_grid.get(b) in at_deepest for _c, b in
               (world.active_report[m] for m in cases["grid"].members))  # fmt: skip
    community = cases["grid"].scope["community"]
    beside = {m for m in world.reported_to(community) - world.reported_in_grid(grid)
              if world.building_grid.get(world.active_report[m][1]) is not None}  # fmt: skip
    assert beside, "no member of his community reports in a grid outside his"
    compound = cases["grid (compound)"]
    assert 0 < len(compound.members) < len(cases["grid"].members | compound.members)


FIELD_ROWS = table("fields")
ROLE_OF_COLUMN = {"district": Role.DISTRICT, "auditor": Role.AUDITOR, "unit": Role.UNIT_BRANCH,
                  "community": Role.COMMUNITY, "grid": Role.GRID_BRANCH_SECRETARY,
                  "member": Role.MEMBER}  # fmt: skip


@pytest.mark.parametrize("row", FIELD_ROWS[1:], ids=lambda row: row[0])
def test_personal_field_table_matches_the_code(row: list[str]) -> None:
    type_name, field = row[0].split("`")[1].split(".")
    spec = BY_KEY[(type_name, field)]
    everything = frozenset(Withholdable)
    for column, cell in zip(FIELD_ROWS[0][1:], row[1:], strict=True):
        viewer = Viewer(ROLE_OF_COLUMN[column])
        own = column == "member" and type_name in ("Member", "Report")  # his own data
        shared = access_for(viewer, spec, frozenset(), own=own).value
        withheld = access_for(viewer, spec, everything, own=own).value
        documented = cell.split(" ")[0]
        assert shared == documented, (row[0], column)
        assert (withheld != shared) == ("(withholdable)" in cell), (row[0], column)
