"""Per-request DataLoaders of the community side."""

from __future__ import annotations

from datasources.base import Datasource
from datasources.community import lists as L
from datasources.community.models import (
    AgreementParty,
    AgreementProject,
    Alliance,
    AllianceParty,
    Building,
    CoBuildingAgreement,
    Community,
    Compound,
    DemandItem,
    District,
    Grid,
    PartyKind,
    PropertyCompany,
    Report,
    ReportSkill,
    ResourceItem,
    ServiceCategory,
    ServiceItem,
    Street,
    UnitPairing,
)
from datasources.loaders import ListLoaders, row_by_key, rows_by_key


class CommunityLoaders:
    """Every loader a request may use on the community database; built fresh per request."""

    def __init__(self, source: Datasource) -> None:
        self._by_id(source)
        self._by_code(source)
        self._lists(source)
        self.active_report_by_member_code = row_by_key(
            source, Report.member_code, Report.status.in_(L.ACTIVE_REPORT_STATUSES)
        )
        self.skills_of_report = rows_by_key(source, ReportSkill.report_id, ReportSkill.skill)
        self.parties_of_alliance = rows_by_key(
            source, AllianceParty.alliance_id, AllianceParty.rotation_order, AllianceParty.id
        )
        self.parties_of_agreement = rows_by_key(
            source, AgreementParty.agreement_id, AgreementParty.id
        )
        self.projects_of_agreement = rows_by_key(
            source, AgreementProject.agreement_id, AgreementProject.due_on, AgreementProject.id
        )

    def _by_id(self, source: Datasource) -> None:
        self.district_by_id = row_by_key(source, District.id)
        self.street_by_id = row_by_key(source, Street.id)
        self.community_by_id = row_by_key(source, Community.id)
        self.grid_by_id = row_by_key(source, Grid.id)
        self.compound_by_id = row_by_key(source, Compound.id)
        self.building_by_id = row_by_key(source, Building.id)
        self.property_company_by_id = row_by_key(source, PropertyCompany.id)
        self.report_by_id = row_by_key(source, Report.id)
        self.pairing_by_id = row_by_key(source, UnitPairing.id)
        self.alliance_by_id = row_by_key(source, Alliance.id)
        self.alliance_party_by_id = row_by_key(source, AllianceParty.id)
        self.agreement_by_id = row_by_key(source, CoBuildingAgreement.id)
        self.project_by_id = row_by_key(source, AgreementProject.id)
        self.category_by_id = row_by_key(source, ServiceCategory.id)
        self.resource_item_by_id = row_by_key(source, ResourceItem.id)
        self.demand_item_by_id = row_by_key(source, DemandItem.id)
        self.service_item_by_id = row_by_key(source, ServiceItem.id)

    def _by_code(self, source: Datasource) -> None:
        self.district_by_code = row_by_key(source, District.code)
        self.street_by_code = row_by_key(source, Street.code)
        self.community_by_code = row_by_key(source, Community.code)
        self.grid_by_code = row_by_key(source, Grid.code)
        self.compound_by_code = row_by_key(source, Compound.code)
        self.building_by_code = row_by_key(source, Building.code)
        self.property_company_by_code = row_by_key(source, PropertyCompany.code)
        self.alliance_by_code = row_by_key(source, Alliance.code)
        self.agreement_by_code = row_by_key(source, CoBuildingAgreement.code)
        self.category_by_code = row_by_key(source, ServiceCategory.code)

    def _lists(self, source: Datasource) -> None:
        self.districts = ListLoaders(source, L.DISTRICTS)
        self.streets = ListLoaders(source, L.STREETS)
        self.streets_of_district = ListLoaders(source, L.STREETS, Street.district_id)
        self.communities = ListLoaders(source, L.COMMUNITIES)
        self.communities_of_street = ListLoaders(source, L.COMMUNITIES, Community.street_id)
        self.grids = ListLoaders(source, L.GRIDS)
        self.grids_of_community = ListLoaders(source, L.GRIDS, Grid.community_id)
        self.children_of_grid = ListLoaders(source, L.GRIDS, Grid.parent_id)
        self.compounds = ListLoaders(source, L.COMPOUNDS)
        self.compounds_of_community = ListLoaders(source, L.COMPOUNDS, Compound.community_id)
        self.compounds_of_grid = ListLoaders(source, L.COMPOUNDS, Compound.grid_id)
        self.compounds_of_company = ListLoaders(source, L.COMPOUNDS, Compound.property_company_id)
        self.buildings_of_compound = ListLoaders(source, L.BUILDINGS, Building.compound_id)
        self.supporters_of_community = ListLoaders(source, L.SUPPORTERS, Report.community_id)
        self.supporters_of_building = ListLoaders(source, L.SUPPORTERS, Report.building_id)
        self.pairings_of_unit = ListLoaders(source, L.PAIRINGS, UnitPairing.unit_code)
        self.pairings_of_community = ListLoaders(source, L.PAIRINGS, UnitPairing.community_id)
        self.property_companies = ListLoaders(source, L.PROPERTY_COMPANIES)
        self.alliances = ListLoaders(source, L.ALLIANCES)
        self.agreements = ListLoaders(source, L.AGREEMENTS)
        self.agreements_of_community = ListLoaders(
            source, L.AGREEMENTS, CoBuildingAgreement.community_id
        )
        self.agreements_of_alliance = ListLoaders(
            source, L.AGREEMENTS, CoBuildingAgreement.alliance_id
        )
        self.categories = ListLoaders(source, L.CATEGORIES)
        self.resource_items_of_community = ListLoaders(
            source, L.RESOURCE_ITEMS, ResourceItem.community_id
        )
        self.demand_items_of_community = ListLoaders(
            source, L.DEMAND_ITEMS, DemandItem.community_id
        )
        self.service_items_of_community = ListLoaders(
            source, L.SERVICE_ITEMS, ServiceItem.community_id
        )
        self.resource_items = ListLoaders(source, L.RESOURCE_ITEMS)
        self.demand_items = ListLoaders(source, L.DEMAND_ITEMS)
        self.service_items = ListLoaders(source, L.SERVICE_ITEMS)
        self.memberships = {
            kind: ListLoaders(source, L.memberships_of(kind), AllianceParty.party_code)
            for kind in PartyKind
        }
        self.agreements_of_party = {
            kind: ListLoaders(source, L.agreement_parties_of(kind), AgreementParty.party_code)
            for kind in PartyKind
        }
