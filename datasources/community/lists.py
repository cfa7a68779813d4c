"""The community side's lists: what can be filtered and sorted, as hashable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import InstrumentedAttribute

from datasources.community.models import (
    AgreementParty,
    AgreementStatus,
    Alliance,
    AllianceParty,
    Building,
    CategorySource,
    CoBuildingAgreement,
    Community,
    Compound,
    DemandItem,
    District,
    Grid,
    ListItemStatus,
    MicroWish,
    MicroWishStatus,
    PairingStatus,
    PartyKind,
    Post,
    PostClaim,
    PostClaimStatus,
    PostStatus,
    PrivacyPreference,
    PropertyCompany,
    RedPropertyStatus,
    Report,
    ReportSkill,
    ReportStatus,
    ResourceItem,
    ServiceCategory,
    ServiceItem,
    Street,
    UnitPairing,
)
from datasources.community.partner_models import agreement_status_in
from datasources.filtering import contains, one_of
from datasources.paging import ListSpec

ACTIVE_REPORT_STATUSES = (ReportStatus.PENDING, ReportStatus.CONFIRMED)


def skills_withheld() -> Select[Any]:
    """Members who chose not to share their skills with the community."""
    return select(PrivacyPreference.member_code).where(
        PrivacyPreference.share_skills_with_community.is_(False)
    )


def _ids_by_code(model: Any, code: str) -> Select[tuple[int]]:
    return select(model.id).where(model.code == code)


@dataclass(frozen=True)
class NameFilter:
    """For small lists that are only searched by name (districts)."""

    name_contains: str | None = None


@dataclass(frozen=True)
class StreetFilter:
    name_contains: str | None = None
    district_code: str | None = None
    include_retired: bool = False  # retired (撤销) rows are left out unless asked for


@dataclass(frozen=True)
class CommunityFilter:
    name_contains: str | None = None
    codes: tuple[str, ...] | None = None
    street_code: str | None = None
    include_retired: bool = False  # retired (撤销) rows are left out unless asked for


@dataclass(frozen=True)
class GridFilter:
    name_contains: str | None = None
    community_code: str | None = None
    levels: tuple[int, ...] | None = None
    top_level_only: bool = False
    include_retired: bool = False  # retired (撤销) rows are left out unless asked for


@dataclass(frozen=True)
class CompoundFilter:
    name_contains: str | None = None
    community_code: str | None = None
    grid_code: str | None = None
    property_company_code: str | None = None
    has_property_company: bool | None = None
    has_party_branch: bool | None = None
    three_no: bool | None = None
    include_retired: bool = False  # retired (撤销) rows are left out unless asked for


@dataclass(frozen=True)
class BuildingFilter:
    name_contains: str | None = None
    compound_code: str | None = None
    include_retired: bool = False  # retired (撤销) rows are left out unless asked for


@dataclass(frozen=True)
class SupporterFilter:
    """Reported members (报到党员) a community can call on."""

    skill: str | None = None
    building_code: str | None = None
    compound_code: str | None = None
    grid_code: str | None = None
    availability_mask: int | None = None  # any of these Availability bits
    statuses: tuple[ReportStatus, ...] = ACTIVE_REPORT_STATUSES
    member_codes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PairingFilter:
    statuses: tuple[PairingStatus, ...] | None = (PairingStatus.ACTIVE,)


@dataclass(frozen=True)
class PropertyCompanyFilter:
    name_contains: str | None = None
    red_property_statuses: tuple[RedPropertyStatus, ...] | None = None


@dataclass(frozen=True)
class AllianceFilter:
    name_contains: str | None = None
    street_code: str | None = None


@dataclass(frozen=True)
class AgreementFilter:
    title_contains: str | None = None
    statuses: tuple[AgreementStatus, ...] | None = None
    community_code: str | None = None
    alliance_code: str | None = None
    today: date | None = None  # China date the effective state is read at (None: stored)


@dataclass(frozen=True)
class CategoryFilter:
    sources: tuple[CategorySource, ...] | None = None
    active: bool | None = True


@dataclass(frozen=True)
class PostFilter:
    """Posts (岗位) of a community: by state and service category."""

    statuses: tuple[PostStatus, ...] | None = None
    category_code: str | None = None


@dataclass(frozen=True)
class MicroWishFilter:
    """Micro-wishes (微心愿): by state."""

    statuses: tuple[MicroWishStatus, ...] | None = None


@dataclass(frozen=True)
class PostClaimFilter:
    """Claims (认领) of a post or a member: active ones unless other states are asked for."""

    statuses: tuple[PostClaimStatus, ...] | None = (PostClaimStatus.ACTIVE,)


@dataclass(frozen=True)
class ListItemFilter:
    """Shared by the three lists (三单): resources, demands and services."""

    title_contains: str | None = None
    statuses: tuple[ListItemStatus, ...] | None = None
    category_code: str | None = None
    community_code: str | None = None


def _street_clauses(f: StreetFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Street.name, f.name_contains))
    if f.district_code is not None:
        clauses.append(Street.district_id.in_(_ids_by_code(District, f.district_code)))
    if not f.include_retired:
        clauses.append(Street.retired_on.is_(None))
    return clauses


def _community_clauses(f: CommunityFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Community.name, f.name_contains))
    if f.codes is not None:
        clauses.append(one_of(Community.code, f.codes))
    if f.street_code is not None:
        clauses.append(Community.street_id.in_(_ids_by_code(Street, f.street_code)))
    if not f.include_retired:
        clauses.append(Community.retired_on.is_(None))
    return clauses


def _grid_clauses(f: GridFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Grid.name, f.name_contains))
    if f.community_code is not None:
        clauses.append(Grid.community_id.in_(_ids_by_code(Community, f.community_code)))
    if f.levels is not None:
        clauses.append(one_of(Grid.level, f.levels))
    if f.top_level_only:
        clauses.append(Grid.parent_id.is_(None))
    if not f.include_retired:
        clauses.append(Grid.retired_on.is_(None))
    return clauses


def _compound_clauses(f: CompoundFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Compound.name, f.name_contains))
    if f.community_code is not None:
        clauses.append(Compound.community_id.in_(_ids_by_code(Community, f.community_code)))
    if f.grid_code is not None:
        clauses.append(Compound.grid_id.in_(_ids_by_code(Grid, f.grid_code)))
    if f.property_company_code is not None:
        company_ids = _ids_by_code(PropertyCompany, f.property_company_code)
        clauses.append(Compound.property_company_id.in_(company_ids))
    if f.has_property_company is not None:
        has = Compound.property_company_id.is_not(None)
        clauses.append(has if f.has_property_company else ~has)
    if f.has_party_branch is not None:
        has = Compound.party_branch_name.is_not(None)
        clauses.append(has if f.has_party_branch else ~has)
    if f.three_no is not None:
        clauses.append(THREE_NO if f.three_no else ~THREE_NO)
    if not f.include_retired:
        clauses.append(Compound.retired_on.is_(None))
    return clauses


# "三无小区": no owner unit, no property service, no security.
THREE_NO = and_(
    Compound.property_company_id.is_(None),
    Compound.has_owner_unit.is_(False),
    Compound.has_security.is_(False),
)


def _building_clauses(f: BuildingFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Building.name, f.name_contains))
    if f.compound_code is not None:
        clauses.append(Building.compound_id.in_(_ids_by_code(Compound, f.compound_code)))
    if not f.include_retired:
        clauses.append(Building.retired_on.is_(None))
    return clauses


def _supporter_clauses(f: SupporterFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [one_of(Report.status, f.statuses)]
    if f.skill is not None:
        with_skill = select(ReportSkill.report_id).where(ReportSkill.skill == f.skill)
        clauses.append(Report.id.in_(with_skill))
        # A member who withholds his skills must not be found by them either.
        clauses.append(Report.member_code.not_in(skills_withheld()))
    if f.building_code is not None:
        clauses.append(Report.building_id.in_(_ids_by_code(Building, f.building_code)))
    if f.compound_code is not None:
        in_compound = select(Building.id).join(Compound, Building.compound_id == Compound.id)
        clauses.append(Report.building_id.in_(in_compound.where(Compound.code == f.compound_code)))
    if f.grid_code is not None:
        in_grid = (
            select(Building.id)
            .join(Compound, Building.compound_id == Compound.id)
            .join(Grid, Compound.grid_id == Grid.id)
            .where(Grid.code == f.grid_code)
        )
        clauses.append(Report.building_id.in_(in_grid))
    if f.availability_mask:
        clauses.append(Report.availability.op("&")(f.availability_mask) != 0)
    if f.member_codes is not None:
        clauses.append(one_of(Report.member_code, f.member_codes))
    return clauses


def _pairing_clauses(f: PairingFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(UnitPairing.status, f.statuses)]


def _company_clauses(f: PropertyCompanyFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(PropertyCompany.name, f.name_contains))
    if f.red_property_statuses is not None:
        clauses.append(one_of(PropertyCompany.red_property_status, f.red_property_statuses))
    return clauses


def _alliance_clauses(f: AllianceFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.name_contains:
        clauses.append(contains(Alliance.name, f.name_contains))
    if f.street_code is not None:
        clauses.append(Alliance.street_id.in_(_ids_by_code(Street, f.street_code)))
    return clauses


def _agreement_clauses(f: AgreementFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.title_contains:
        clauses.append(contains(CoBuildingAgreement.title, f.title_contains))
    if f.statuses is not None and f.today is not None:
        clauses.append(agreement_status_in(f.statuses, f.today))
    elif f.statuses is not None:
        clauses.append(one_of(CoBuildingAgreement.status, f.statuses))
    if f.community_code is not None:
        communities = _ids_by_code(Community, f.community_code)
        clauses.append(CoBuildingAgreement.community_id.in_(communities))
    if f.alliance_code is not None:
        alliances = _ids_by_code(Alliance, f.alliance_code)
        clauses.append(CoBuildingAgreement.alliance_id.in_(alliances))
    return clauses


def _category_clauses(f: CategoryFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.sources is not None:
        clauses.append(one_of(ServiceCategory.source, f.sources))
    if f.active is not None:
        clauses.append(ServiceCategory.active.is_(f.active))
    return clauses


def _post_clauses(f: PostFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        clauses.append(one_of(Post.status, f.statuses))
    if f.category_code is not None:
        clauses.append(Post.category_id.in_(_ids_by_code(ServiceCategory, f.category_code)))
    return clauses


def _post_claim_clauses(f: PostClaimFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(PostClaim.status, f.statuses)]


def _micro_wish_clauses(f: MicroWishFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(MicroWish.status, f.statuses)]


def _list_item_spec(model: Any) -> ListSpec[Any, ListItemFilter]:
    def clauses(f: ListItemFilter) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if f.title_contains:
            found.append(contains(model.title, f.title_contains))
        if f.statuses is not None:
            found.append(one_of(model.status, f.statuses))
        if f.category_code is not None:
            found.append(model.category_id.in_(_ids_by_code(ServiceCategory, f.category_code)))
        if f.community_code is not None:
            found.append(model.community_id.in_(_ids_by_code(Community, f.community_code)))
        return found

    return ListSpec(
        model, orders={"created_at": model.created_at, "title": model.title}, filter_clauses=clauses
    )


def _by_name(
    column: InstrumentedAttribute[Any], code: InstrumentedAttribute[Any]
) -> dict[str, Any]:
    return {"name": column, "code": code}


DISTRICTS: ListSpec[District, NameFilter] = ListSpec(
    District,
    orders=_by_name(District.name, District.code),
    filter_clauses=lambda f: [contains(District.name, f.name_contains)] if f.name_contains else [],
)
# Places in force by default; `includeRetired` shows retired (撤销) ones too, as the units
# side's lists do. A lookup by code finds a retired row either way.
STREETS = ListSpec(
    Street, orders=_by_name(Street.name, Street.code), filter_clauses=_street_clauses,
    default_filter=StreetFilter(),
)  # fmt: skip
COMMUNITIES = ListSpec(
    Community, orders=_by_name(Community.name, Community.code),
    filter_clauses=_community_clauses, default_filter=CommunityFilter(),
)  # fmt: skip
GRIDS = ListSpec(
    Grid, orders=_by_name(Grid.name, Grid.code), filter_clauses=_grid_clauses,
    default_filter=GridFilter(),
)  # fmt: skip
COMPOUNDS = ListSpec(
    Compound, orders=_by_name(Compound.name, Compound.code), filter_clauses=_compound_clauses,
    default_filter=CompoundFilter(),
)  # fmt: skip
BUILDINGS = ListSpec(
    Building, orders=_by_name(Building.name, Building.code), filter_clauses=_building_clauses,
    default_filter=BuildingFilter(),
)  # fmt: skip
SUPPORTERS = ListSpec(
    Report,
    orders={"reported_on": Report.reported_on, "member_code": Report.member_code},
    filter_clauses=_supporter_clauses,
)
PAIRINGS = ListSpec(
    UnitPairing,
    orders={"started_on": UnitPairing.started_on, "unit_code": UnitPairing.unit_code},
    filter_clauses=_pairing_clauses,
)
PROPERTY_COMPANIES = ListSpec(
    PropertyCompany,
    orders=_by_name(PropertyCompany.name, PropertyCompany.code),
    filter_clauses=_company_clauses,
)
ALLIANCES = ListSpec(
    Alliance, orders=_by_name(Alliance.name, Alliance.code), filter_clauses=_alliance_clauses
)
AGREEMENTS = ListSpec(
    CoBuildingAgreement,
    orders={"signed_on": CoBuildingAgreement.signed_on, "code": CoBuildingAgreement.code},
    filter_clauses=_agreement_clauses,
)
CATEGORIES = ListSpec(
    ServiceCategory,
    orders={"sort_order": ServiceCategory.sort_order, "code": ServiceCategory.code},
    filter_clauses=_category_clauses,
)
POSTS = ListSpec(
    Post, orders={"created_at": Post.created_at, "code": Post.code}, filter_clauses=_post_clauses
)
POST_CLAIMS = ListSpec(
    PostClaim, orders={"claimed_at": PostClaim.claimed_at}, filter_clauses=_post_claim_clauses
)
MICRO_WISHES = ListSpec(
    MicroWish,
    orders={"created_at": MicroWish.created_at, "claimed_at": MicroWish.claimed_at},
    filter_clauses=_micro_wish_clauses,
)
RESOURCE_ITEMS = _list_item_spec(ResourceItem)
DEMAND_ITEMS = _list_item_spec(DemandItem)
SERVICE_ITEMS = _list_item_spec(ServiceItem)


def memberships_of(kind: PartyKind) -> ListSpec[AllianceParty, None]:
    """Alliance memberships of one kind of party, listed under the party's code."""
    return ListSpec(
        AllianceParty,
        orders={"joined_on": AllianceParty.joined_on},
        base_where=(AllianceParty.party_kind == kind, AllianceParty.left_on.is_(None)),
    )


def agreement_parties_of(kind: PartyKind) -> ListSpec[AgreementParty, None]:
    """Agreements one kind of party signed, listed under the party's code."""
    return ListSpec(
        AgreementParty,
        orders={"agreement_id": AgreementParty.agreement_id},
        base_where=(AgreementParty.party_kind == kind,),
    )
