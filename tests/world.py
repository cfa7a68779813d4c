"""Ground truth for access tests, read straight from the databases with plain SQL.

The access tests compare what the API shows each role with what these facts say it should
see; the facts are computed here independently of the policies under test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.common import CHINA
from tests.databases import DatabasePair

ACTIVE = ("pending", "confirmed")


@dataclass
class World:
    member_unit: dict[str, str] = field(default_factory=dict)
    member_branch: dict[str, str] = field(default_factory=dict)
    branch_unit: dict[str, str] = field(default_factory=dict)
    active_report: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    building_grid: dict[str, str | None] = field(default_factory=dict)
    building_compound: dict[str, str] = field(default_factory=dict)
    grid_parent: dict[str, str | None] = field(default_factory=dict)
    pairings: list[tuple[str, str]] = field(default_factory=list)  # (unit, community)
    alliance_parties: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    # agreement code -> (community, parties and project owners as (kind, code))
    agreements: dict[str, tuple[str, set[tuple[str, str]], set[tuple[str, str]]]] = field(
        default_factory=dict
    )
    # (list table, community, provider kind, provider code, status)
    items: list[tuple[str, str, str | None, str | None, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    grid_level: dict[str, int] = field(default_factory=dict)
    community_street: dict[str, str] = field(default_factory=dict)
    # Rows of the operations records per GraphQL type, as plain dicts (see RECORDS).
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    # -- who is in whose scope -------------------------------------------------------
    def members_of_unit(self, unit: str) -> set[str]:
        return {m for m, u in self.member_unit.items() if u == unit}

    def members_of_branch(self, branch: str) -> set[str]:
        return {m for m, b in self.member_branch.items() if b == branch}

    def reported_to(self, community: str) -> set[str]:
        return {m for m, (c, _b) in self.active_report.items() if c == community}

    def grid_subtree(self, grid: str) -> set[str]:
        found = {grid}
        changed = True
        while changed:
            changed = False
            for child, parent in self.grid_parent.items():
                if parent in found and child not in found:
                    found.add(child)
                    changed = True
        return found

    def reported_in_grid(self, grid: str) -> set[str]:
        grids = self.grid_subtree(grid)
        return {
            m
            for m, (_c, building) in self.active_report.items()
            if building is not None and self.building_grid.get(building) in grids
        }

    def buildings_in_grid(self, grid: str) -> set[str]:
        grids = self.grid_subtree(grid)
        return {b for b, g in self.building_grid.items() if g in grids}

    def buildings_in_compound(self, compound: str) -> set[str]:
        return {b for b, c in self.building_compound.items() if c == compound}

    def reported_in_compound(self, compound: str) -> set[str]:
        buildings = self.buildings_in_compound(compound)
        return {m for m, (_c, b) in self.active_report.items() if b in buildings}

    def active_groups_of(self, member: str) -> set[int]:
        return {
            r["group"] for r in self.records["BuildingGroupMember"]
            if r["member"] == member and r["status"] == "active"
        }  # fmt: skip

    def led_groups_of(self, member: str) -> set[int]:
        return {
            r["group"] for r in self.records["BuildingGroupMember"]
            if r["member"] == member and r["status"] == "active" and r["role"] == "leader"
        }  # fmt: skip

    def active_members_of_groups(self, groups: set[int]) -> set[str]:
        return {
            r["member"] for r in self.records["BuildingGroupMember"]
            if r["group"] in groups and r["status"] == "active"
        }  # fmt: skip

    def position_in_force(self, community: str, kind: str = "building_leader") -> dict[str, Any]:
        """The first position of `kind` in force today in `community` (seeded per community)."""
        today = datetime.now(CHINA).date().isoformat()
        return next(
            r for r in sorted(self.records["Position"], key=lambda r: r["code"])
            if r["community"] == community and r["kind"] == kind and r["revoked_at"] is None
            and str(r["starts_on"]) <= today <= str(r["ends_on"])
        )  # fmt: skip

    def position_buildings(self, code: str | None) -> set[str]:
        """Buildings a position covers: a compound leader's compound, else his building."""
        for r in self.records["Position"]:
            if r["code"] == code:
                if r["kind"] == "compound_leader":
                    return self.buildings_in_compound(r["compound"])
                return {r["building"]}
        return set()

    # -- picking realistic viewers -----------------------------------------------------
    def busiest_community(self) -> str:
        counts: dict[str, int] = defaultdict(int)
        for community, _building in self.active_report.values():
            counts[community] += 1
        return max(sorted(counts), key=lambda c: counts[c])

    def other_community(self, community: str) -> str:
        return sorted({c for c, _ in self.active_report.values()} - {community})[0]

    def unit_with_reporters(self) -> str:
        units = sorted({self.member_unit[m] for m in self.active_report})
        return max(units, key=lambda u: len(self.members_of_unit(u) & set(self.active_report)))

    def grid_with_reporters(self, community: str) -> str:
        candidates = [
            g
            for g in sorted(self.grid_parent)
            if self.reported_in_grid(g) & self.reported_to(community)
        ]
        return max(candidates, key=lambda g: len(self.reported_in_grid(g)))


async def load_world(pair: DatabasePair) -> World:
    world = World()
    for url, loader in ((pair.units_url, _load_units), (pair.community_url, _load_community)):
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(loader, world)
        finally:
            await engine.dispose()
    return world


def _load_units(conn: Connection, world: World) -> None:
    for type_name, sql in UNIT_RECORDS.items():
        world.records[type_name] = [dict(row._mapping) for row in conn.execute(text(sql))]
    for table in ("work_units", "party_branches"):
        world.counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
    for member, unit, branch in conn.execute(
        text(
            "SELECT m.code, u.code, b.code FROM members m "
            "JOIN work_units u ON u.id = m.unit_id JOIN party_branches b ON b.id = m.branch_id"
        )
    ):
        world.member_unit[member] = unit
        world.member_branch[member] = branch
        world.branch_unit[branch] = unit


def _load_community(conn: Connection, world: World) -> None:
    rows = conn.execute(
        text(
            "SELECT r.member_code, c.code, b.code FROM reports r "
            "JOIN communities c ON c.id = r.community_id "
            "LEFT JOIN buildings b ON b.id = r.building_id "
            "WHERE r.status IN ('pending', 'confirmed')"
        )
    )
    for member, community, building in rows:
        world.active_report[member] = (community, building)
    for building, compound, grid in conn.execute(
        text(
            "SELECT b.code, cp.code, g.code FROM buildings b "
            "JOIN compounds cp ON cp.id = b.compound_id LEFT JOIN grids g ON g.id = cp.grid_id"
        )
    ):
        world.building_grid[building] = grid
        world.building_compound[building] = compound
    for community, street in conn.execute(
        text("SELECT c.code, s.code FROM communities c JOIN streets s ON s.id = c.street_id")
    ):
        world.community_street[community] = street
    for grid, parent, level in conn.execute(
        text("SELECT g.code, p.code, g.level FROM grids g LEFT JOIN grids p ON p.id = g.parent_id")
    ):
        world.grid_parent[grid] = parent
        world.grid_level[grid] = level
    for type_name, sql in RECORDS.items():
        world.records[type_name] = [dict(row._mapping) for row in conn.execute(text(sql))]
    for unit, community in conn.execute(
        text(
            "SELECT p.unit_code, c.code FROM unit_pairings p "
            "JOIN communities c ON c.id = p.community_id WHERE p.status = 'active'"
        )
    ):
        world.pairings.append((unit, community))
    for alliance, kind, code in conn.execute(
        text(
            "SELECT a.code, p.party_kind, p.party_code FROM alliance_parties p "
            "JOIN alliances a ON a.id = p.alliance_id"
        )
    ):
        world.alliance_parties.setdefault(alliance, set()).add((kind, code))
    for code, community in conn.execute(
        text(
            "SELECT a.code, c.code FROM co_building_agreements a "
            "JOIN communities c ON c.id = a.community_id"
        )
    ):
        world.agreements[code] = (community, set(), set())
    for code, kind, party in conn.execute(
        text(
            "SELECT a.code, p.party_kind, p.party_code FROM agreement_parties p "
            "JOIN co_building_agreements a ON a.id = p.agreement_id"
        )
    ):
        world.agreements[code][1].add((kind, party))
    for code, kind, owner in conn.execute(
        text(
            "SELECT a.code, p.owner_kind, p.owner_code FROM agreement_projects p "
            "JOIN co_building_agreements a ON a.id = p.agreement_id"
        )
    ):
        world.agreements[code][2].add((kind, owner))
    for table in ("resource_items", "service_items"):
        for community, kind, provider, status in conn.execute(
            text(
                f"SELECT c.code, i.provider_kind, i.provider_code, i.status FROM {table} i "  # noqa: S608
                "JOIN communities c ON c.id = i.community_id"
            )
        ):
            world.items.append((table, community, kind, provider, status))
    for community, kind, claimant, status in conn.execute(
        text(
            "SELECT c.code, i.claimant_kind, i.claimant_code, i.status FROM demand_items i "
            "JOIN communities c ON c.id = i.community_id"
        )
    ):
        # A demand's kind and code are its claimant's (认领方), null while unclaimed.
        world.items.append(("demand_items", community, kind, claimant, status))
    for table in (
        "compounds",
        "property_companies",
        "communities",
        "service_categories",
        "districts",
        "streets",
    ):
        world.counts[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608


# The operations records behind the newer rows of the access matrix: one plain statement per
# GraphQL type, naming communities by code. Kept apart from the policies under test.
RECORDS: dict[str, str] = {
    "ServiceOrder": "SELECT o.id, c.code AS community, o.taker_kind, o.taker_code,"
    " o.member_code AS member, o.ordered_by_subject AS subject, o.ordered_by_role AS role,"
    " o.ordered_by_identity AS identity, d.raised_by_identity AS demand_identity,"
    " d.raised_by_subject AS demand_subject, d.raised_by_role AS demand_role,"
    " b.code AS building FROM service_orders o JOIN communities c ON c.id = o.community_id"
    " LEFT JOIN demand_items d ON d.id = o.demand_id LEFT JOIN buildings b ON b.id = o.building_id",
    # Who raised each demand (the resident's column of the demand list).
    "DemandRaiser": "SELECT d.id, c.code AS community, d.raised_by_identity AS identity,"
    " d.raised_by_subject AS subject, d.raised_by_role AS role, b.code AS building"
    " FROM demand_items d JOIN communities c ON c.id = d.community_id"
    " LEFT JOIN buildings b ON b.id = d.building_id",
    "Post": "SELECT p.id, c.code AS community, p.status, p.keeper_code AS keeper FROM posts p"
    " JOIN communities c ON c.id = p.community_id",
    "PostClaim": "SELECT k.id, c.code AS community, k.member_code AS member, k.post_id AS post,"
    " k.unit_code AS unit"
    " FROM post_claims k JOIN posts p ON p.id = k.post_id"
    " JOIN communities c ON c.id = p.community_id",
    "PostDuty": "SELECT d.id, c.code AS community, d.member_code AS member, d.post_id AS post,"
    " p.keeper_code AS keeper, d.unit_code AS unit FROM post_duties d JOIN posts p ON p.id = d.post_id"
    " JOIN communities c ON c.id = p.community_id",
    "MicroWish": "SELECT w.id, c.code AS community, w.status, w.claimed_by AS member,"
    " w.claimed_by_unit AS unit"
    " FROM micro_wishes w JOIN communities c ON c.id = w.community_id",
    "Activity": "SELECT a.id, c.code AS community, a.status FROM activities a"
    " JOIN communities c ON c.id = a.community_id",
    "ActivitySignup": "SELECT s.id, c.code AS community, s.member_code AS member"
    " FROM activity_signups s JOIN activities a ON a.id = s.activity_id"
    " JOIN communities c ON c.id = a.community_id",
    # Active evaluations: the lists show those; a revised one is superseded (seed_groups).
    "MemberEvaluation": "SELECT e.id, c.code AS community, e.kind, e.member_code AS member"
    " FROM member_evaluations e JOIN communities c ON c.id = e.community_id"
    " WHERE e.status = 'active'",
    "Commendation": "SELECT m.id, c.code AS community, m.status FROM commendations m"
    " LEFT JOIN communities c ON c.id = m.community_id",
    "Space": "SELECT s.id, c.code AS community, s.status FROM spaces s"
    " JOIN communities c ON c.id = s.community_id",
    # Households in need (特殊群体): their grid; the helpers actively paired with them.
    "HelpHousehold": "SELECT h.id, c.code AS community, g.code AS grid FROM help_households h"
    " JOIN communities c ON c.id = h.community_id LEFT JOIN grids g ON g.id = h.grid_id",
    "HelpHelper": "SELECT household_id AS household, helper_kind AS kind, helper_code AS code"
    " FROM help_pairings WHERE status = 'active'",
    "SpaceBooking": "SELECT b.id, c.code AS community,"
    " CASE WHEN b.booker_kind = 'member' THEN b.booker_code END AS member,"
    " CASE WHEN b.booker_kind = 'unit' THEN b.booker_code END AS unit,"
    " CASE WHEN b.booker_kind = 'resident' THEN b.booker_identity END AS identity"
    " FROM space_bookings b JOIN communities c ON c.id = b.community_id",
    # Residents' points accounts: a resident's by his identity, a child's by his guardian.
    "ResidentVolunteer": "SELECT v.id, c.code AS community, v.identity, g.identity AS guardian"
    " FROM resident_volunteers v JOIN communities c ON c.id = v.community_id"
    " LEFT JOIN resident_volunteers g ON g.id = v.guardian_id",
    "Donation": "SELECT d.id, c.code AS community,"
    " CASE WHEN d.donor_kind = 'member' THEN d.donor_code END AS member,"
    " CASE WHEN d.donor_kind = 'unit' THEN d.donor_code END AS unit,"
    " CASE WHEN d.donor_kind = 'resident' THEN d.donor_identity END AS identity"
    " FROM donations d JOIN communities c ON c.id = d.community_id",
    "MemberCommitment": "SELECT m.id, c.code AS community, m.member_code AS member,"
    " m.public_consent AS consent, m.status FROM member_commitments m"
    " JOIN communities c ON c.id = m.community_id",
    "OpinionRequest": "SELECT r.id, c.code AS community, r.unit_code AS unit,"
    " r.member_code AS member FROM opinion_requests r"
    " JOIN communities c ON c.id = r.community_id",
    "BuildingGroup": "SELECT g.id, c.code AS community FROM building_groups g"
    " JOIN communities c ON c.id = g.community_id",
    "BuildingGroupMember": 'SELECT m.id, c.code AS community, m.group_id AS "group",'
    " m.member_code AS member, m.role, m.status FROM building_group_members m"
    " JOIN building_groups g ON g.id = m.group_id JOIN communities c ON c.id = g.community_id",
    "HouseholdAssignment": "SELECT h.id, c.code AS community, b.code AS building,"
    ' h.assignee_kind, h.assignee_code, h.group_id AS "group" FROM household_assignments h'
    " JOIN buildings b ON b.id = h.building_id JOIN communities c ON c.id = h.community_id",
    "PointsEntry": "SELECT e.id, c.code AS community, e.member_code AS member"
    " FROM points_entries e LEFT JOIN communities c ON c.id = e.community_id",
    "Redemption": "SELECT r.id, c.code AS community, r.member_code AS member FROM redemptions r"
    " JOIN mall_items i ON i.id = r.item_id JOIN merchants m ON m.id = i.merchant_id"
    " LEFT JOIN communities c ON c.id = m.community_id",
    "Merchant": "SELECT m.id, c.code AS community, m.active FROM merchants m"
    " LEFT JOIN communities c ON c.id = m.community_id",
    "MallItem": "SELECT i.id, c.code AS community, i.active FROM mall_items i"
    " JOIN merchants m ON m.id = i.merchant_id LEFT JOIN communities c ON c.id = m.community_id",
    "PropertyContract": "SELECT k.id, c.code AS community, p.code AS company"
    " FROM property_contracts k JOIN compounds cp ON cp.id = k.compound_id"
    " JOIN communities c ON c.id = cp.community_id"
    " JOIN property_companies p ON p.id = k.company_id",
    "LinkageMeeting": "SELECT l.id, c.code AS community, cp.code AS compound"
    " FROM linkage_meetings l JOIN compounds cp ON cp.id = l.compound_id"
    " JOIN communities c ON c.id = cp.community_id",
    "CompoundCommittee": "SELECT k.id, c.code AS community, cp.code AS compound"
    " FROM compound_committees k JOIN compounds cp ON cp.id = k.compound_id"
    " JOIN communities c ON c.id = cp.community_id",
    "LinkageActionItem": "SELECT i.id, c.code AS community, cp.code AS compound"
    " FROM linkage_action_items i JOIN linkage_meetings l ON l.id = i.meeting_id"
    " JOIN compounds cp ON cp.id = l.compound_id JOIN communities c ON c.id = cp.community_id",
    "AllianceMeeting": "SELECT m.id, a.code AS alliance FROM alliance_meetings m"
    " JOIN alliances a ON a.id = m.alliance_id",
    "AgreementProject": "SELECT p.id, a.code AS agreement FROM agreement_projects p"
    " JOIN co_building_agreements a ON a.id = p.agreement_id",
    "UnitActivitySignup": "SELECT s.id, c.code AS community, s.unit_code AS unit"
    " FROM activity_unit_signups s JOIN activities a ON a.id = s.activity_id"
    " JOIN communities c ON c.id = a.community_id",
    "UnitPairing": "SELECT p.id, c.code AS community, p.unit_code AS unit, p.status"
    " FROM unit_pairings p"
    " JOIN communities c ON c.id = p.community_id",
    "PropertyCompoundAward": "SELECT a.id, c.code AS community, p.code AS company"
    " FROM property_compound_awards a JOIN compounds cp ON cp.id = a.compound_id"
    " JOIN communities c ON c.id = cp.community_id"
    " JOIN property_companies p ON p.id = a.company_id",
    "ContractParty": "SELECT cp.code AS compound, p.code AS company FROM property_contracts k"
    " JOIN compounds cp ON cp.id = k.compound_id"
    " JOIN property_companies p ON p.id = k.company_id",
    # Data every signed-in viewer reads: point rules (the configured ones; defaults come
    # from code), and the property criteria, award tiers and yearly results of each year.
    "Position": "SELECT p.id, c.code AS community, p.code, p.kind, p.holder_kind,"
    " p.holder_code, p.holder_subject, p.unit_no, cp.code AS compound, b.code AS building,"
    " p.revoked_at, p.starts_on,"
    " p.ends_on FROM positions p JOIN communities c ON c.id = p.community_id"
    " JOIN compounds cp ON cp.id = p.compound_id LEFT JOIN buildings b ON b.id = p.building_id",
    "Household": "SELECT h.id, c.code AS community, b.code AS building FROM households h"
    " JOIN communities c ON c.id = h.community_id JOIN buildings b ON b.id = h.building_id",
    "Grid": "SELECT id FROM grids",
    "Notification": "SELECT id, addressee FROM notifications",
    "Notice": "SELECT id, audience, audience_code, publisher_organisation, status, expires_at"
    " FROM notices",
    "Building": "SELECT id FROM buildings",
    "AllianceMembership": "SELECT p.id, a.code AS alliance FROM alliance_parties p"
    " JOIN alliances a ON a.id = p.alliance_id",
    "PointRule": "SELECT action FROM point_rules",
    "PropertyCriterion": "SELECT id, year FROM property_criteria",
    "PropertyAwardTier": "SELECT id, year FROM property_award_tiers",
    "PropertyYearResult": "SELECT id, year FROM property_year_results",
    "PropertyAwardFund": "SELECT id, year FROM property_award_funds",
    "RatingPolicy": "SELECT id, year, district_code AS district, version FROM rating_policies",
}
UNIT_RECORDS: dict[str, str] = {
    "OrganisationEvaluation": "SELECT e.id, m.code AS member FROM organisation_evaluations e"
    " JOIN members m ON m.id = e.member_id",
    "AppraisalPolicy": "SELECT id, year, district_code AS district, version"
    " FROM appraisal_policies",
    "VolunteerCertificate": "SELECT c.id, m.code AS member FROM volunteer_certificates c"
    " JOIN members m ON m.id = c.member_id",
}
