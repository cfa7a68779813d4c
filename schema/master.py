"""Master data mutations (主数据): create, update and retire streets, communities, grids,
compounds, buildings, households (户) and service categories; and the Household type.

Input field names are the spreadsheet headers of the import (datasources/community/master.py
reads rows keyed by them). An update names the row by its code, which never changes; an
omitted field keeps its value, an explicit null clears an optional one. Retiring never
deletes: the row stays readable with `status` RETIRED and `retiredOn`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry import relay

from datasources.community import master
from resolvers import master as rules
from schema.base import HubNode, Info, loaded_by
from schema.bounds import between
from schema.enums import CompoundKind, StreetKind
from schema.lists import ServiceCategory
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, Payload, UserError, mutate
from schema.places import Building, Community, Compound, Grid, Street
from schema.retirable import Retirable

_UNSET: Any = strawberry.UNSET


@strawberry.type(
    description="A household (户): who lives in which dwelling (单元/房号) of a building, the "
    "人屋关联. Personal data: read by the community's own roles (a grid's, for its buildings), "
    "the district and the auditor only."
)
class Household(HubNode, Retirable):
    id_loader_of = loaded_by(lambda c: c.community.household_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable household code (户编码).")
    unit_no: str | None = strawberry.field(description="Unit (单元), e.g. 2单元.")
    room_no: str = strawberry.field(description="Room (房号), e.g. 502.")
    head_name: str = strawberry.field(description="Head of the household (户主姓名).")
    phone: str | None = strawberry.field(description="Contact mobile (联系电话).")
    size: int = strawberry.field(description="People in the household (户人数).")
    created_at: datetime = strawberry.field(description="When registered (登记时间).")
    building_id: strawberry.Private[int]

    @strawberry.field(description="The building (所在楼栋).")
    async def building(self, info: Info) -> Building | None:
        return Building.from_optional_row(
            await info.context.community.building_by_id.load(self.building_id)
        )


def _row(source: object, names: tuple[str, ...]) -> dict[str, object]:
    """The input as a plain row keyed by input field names; unset fields left out."""
    row: dict[str, object] = {}
    for name in names:
        attribute = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
        value = getattr(source, attribute, _UNSET)
        if value is not _UNSET:
            row[name] = value
    return row


def _field(
    description: str, default: Any = _UNSET, *, bounds: tuple[int, int] | None = None
) -> Any:
    metadata = between(*bounds) if bounds is not None else None
    return strawberry.field(default=default, description=description, metadata=metadata)


# --- Inputs ------------------------------------------------------------------------------

_CODE_NEW = "Code (编码): given (imported from another system) or, if omitted, assigned by the hub; never changes, never reused."
_CODE = "Code of the row (编码); it never changes."
_REASON = "Why (撤销原因), kept in its history."


@strawberry.input(description="A new street or town (新建街道/镇).")
class CreateStreetInput:
    code: str | None = _field(_CODE_NEW, None)
    name: str = strawberry.field(description="Name (名称).")
    kind: StreetKind = _field("Street (街道) or town (镇).", StreetKind.STREET)
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a street (修改街道); omitted fields keep their value.")
class UpdateStreetInput:
    code: str = strawberry.field(description=_CODE)
    name: str | None = _field("Name (名称).")
    kind: StreetKind | None = _field("Street (街道) or town (镇).")
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="A new community (新建社区).")
class CreateCommunityInput:
    code: str | None = _field(_CODE_NEW, None)
    name: str = strawberry.field(description="Name (社区名称).")
    street_code: str = strawberry.field(description="Its street or town (街道编码).")
    address: str | None = _field("Office address (地址).", None)
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a community (修改社区); omitted fields keep their value.")
class UpdateCommunityInput:
    code: str = strawberry.field(description=_CODE)
    name: str | None = _field("Name (社区名称).")
    street_code: str | None = _field("Its street or town (街道编码).")
    address: str | None = _field("Office address (地址); null clears it.")
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="A new grid (新建网格) of the caller's community.")
class CreateGridInput:
    code: str | None = _field(_CODE_NEW, None)
    name: str = strawberry.field(description="Name (网格名称).")
    community_code: str = strawberry.field(description="Its community (社区编码).")
    level: int = strawberry.field(
        metadata=between(1, 6), description="Grid level (网格层级), 1 to 6."
    )
    parent_code: str | None = _field(
        "The grid one level or more up (上级网格编码), same community; none at the top.", None
    )
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a grid (修改网格); omitted fields keep their value.")
class UpdateGridInput:
    code: str = strawberry.field(description=_CODE)
    name: str | None = _field("Name (网格名称).")
    level: int | None = _field("Grid level (网格层级), 1 to 6.", bounds=(1, 6))
    parent_code: str | None = _field("The grid up (上级网格编码); null makes it a top grid.")
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="A new compound (新建小区) of the caller's community.")
class CreateCompoundInput:
    code: str | None = _field(_CODE_NEW, None)
    name: str = strawberry.field(description="Name (小区名称).")
    community_code: str = strawberry.field(description="Its community (社区编码).")
    grid_code: str | None = _field("The grid it lies in (网格编码), same community.", None)
    kind: CompoundKind = _field(
        "Commercial (有物业), unit-built (单位自建) or three-no (三无).", CompoundKind.COMMERCIAL
    )
    address: str | None = _field("Address (小区地址).", None)
    party_branch_name: str | None = _field(
        "Its compound Party branch (小区党支部名称), if it has one.", None
    )
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a compound (修改小区); omitted fields keep their value.")
class UpdateCompoundInput:
    code: str = strawberry.field(description=_CODE)
    name: str | None = _field("Name (小区名称).")
    grid_code: str | None = _field("The grid (网格编码); null: none.")
    kind: CompoundKind | None = _field("Commercial, unit-built or three-no (小区类型).")
    address: str | None = _field("Address (小区地址); null clears it.")
    party_branch_name: str | None = _field(
        "Its compound Party branch (小区党支部名称); null: it has none (any more)."
    )
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="A new building (新建楼栋) of a compound of the caller's community.")
class CreateBuildingInput:
    code: str | None = _field(_CODE_NEW, None)
    name: str = strawberry.field(description="Name (楼栋), unique in its compound, e.g. 3栋.")
    compound_code: str = strawberry.field(description="Its compound (小区编码).")
    floors: int = _field("Floors (层数), 1 to 200.", 6, bounds=(1, 200))
    households: int = _field("Dwellings (户数), 0 to 10000.", 0, bounds=(0, 10000))
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a building (修改楼栋); omitted fields keep their value.")
class UpdateBuildingInput:
    code: str = strawberry.field(description=_CODE)
    name: str | None = _field("Name (楼栋).")
    floors: int | None = _field("Floors (层数), 1 to 200.", bounds=(1, 200))
    households: int | None = _field("Dwellings (户数), 0 to 10000.", bounds=(0, 10000))
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="Register a household (登记住户, 人屋关联) in a dwelling.")
class CreateHouseholdInput:
    code: str | None = _field(_CODE_NEW, None)
    building_code: str = strawberry.field(description="Its building (楼栋编码).")
    unit_no: str | None = _field("Unit (单元), e.g. 2单元.", None)
    room_no: str = strawberry.field(description="Room (房号); one household per dwelling.")
    head_name: str = strawberry.field(description="Head of the household (户主姓名).")
    phone: str | None = _field("Contact mobile (联系电话), 11 digits.", None)
    size: int = _field("People in the household (户人数), 1 to 30.", 1, bounds=(1, 30))
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a household (修改住户); omitted fields keep their value.")
class UpdateHouseholdInput:
    code: str = strawberry.field(description=_CODE)
    building_code: str | None = _field("Its building (楼栋编码), when it moves house.")
    unit_no: str | None = _field("Unit (单元); null clears it.")
    room_no: str | None = _field("Room (房号).")
    head_name: str | None = _field("Head of the household (户主姓名).")
    phone: str | None = _field("Contact mobile (联系电话); null clears it.")
    size: int | None = _field("People in the household (户人数), 1 to 30.", bounds=(1, 30))
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="A new service category for a year (新建服务类别).")
class CreateServiceCategoryInput:
    code: str | None = _field(_CODE_NEW, None)
    name: str = strawberry.field(description="Name (名称).")
    year: int = strawberry.field(
        metadata=between(2000, 2100), description="The year it is set for (年度)."
    )
    order_due_hours: int = _field(
        "Hours an order may take (办结时限，小时), 1 to 720.", 72, bounds=(1, 720)
    )
    client_mutation_id: str | None = _field(_KEY, None)


@strawberry.input(description="Change a service category (修改服务类别).")
class UpdateServiceCategoryInput:
    code: str = strawberry.field(description=_CODE)
    name: str | None = _field("Name (名称).")
    year: int | None = _field("The year (年度).", bounds=(2000, 2100))
    order_due_hours: int | None = _field(
        "Hours an order may take (办结时限，小时), 1 to 720.", bounds=(1, 720)
    )
    client_mutation_id: str | None = _field(_ECHO, None)


@strawberry.input(description="Retire a master-data row by its code (撤销); it is never deleted.")
class RetireInput:
    code: str = strawberry.field(description=_CODE)
    reason: str | None = _field(_REASON, None)
    client_mutation_id: str | None = _field(_ECHO, None)


# --- Payloads -----------------------------------------------------------------------------

_ERRORS = "Why it was refused (业务错误); empty on success."


@strawberry.type(description="Result of a street mutation (街道操作结果).")
class StreetPayload:
    street: Street | None = strawberry.field(description="The street; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a community mutation (社区操作结果).")
class CommunityPayload:
    community: Community | None = strawberry.field(description="The community; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a grid mutation (网格操作结果).")
class GridPayload:
    grid: Grid | None = strawberry.field(description="The grid; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a compound mutation (小区操作结果).")
class CompoundPayload:
    compound: Compound | None = strawberry.field(description="The compound; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a building mutation (楼栋操作结果).")
class BuildingPayload:
    building: Building | None = strawberry.field(description="The building; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a household mutation (住户操作结果).")
class HouseholdPayload:
    household: Household | None = strawberry.field(description="The household; null if refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a service category mutation (服务类别操作结果).")
class ServiceCategoryPayload:
    service_category: ServiceCategory | None = strawberry.field(
        description="The category; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


# --- Running them -------------------------------------------------------------------------

_DISTRICT = "只有区委组织部可以维护街道、社区和服务类别。"
_COMMUNITY = "只有本社区党委可以维护本社区的网格、小区、楼栋和住户。"


P = TypeVar("P", bound=Payload)


def _payload(payload: Callable[..., P], field: str, node: Any) -> Callable[[object], P]:
    return lambda row: payload(**{field: node.from_row(row)})


async def _save(
    info: Info, kind: master.Kind, name: str, source: Any, payload: Callable[..., P],
    field: str, node: Any, *, mode: str,
) -> P:  # fmt: skip
    key = source.client_mutation_id
    forbidden = _COMMUNITY if kind.community_level else _DISTRICT
    row = _row(source, kind.fields)
    change = Change(name=name, entity=kind.entity, key=key, forbidden=forbidden,
                    targets=[str(row["code"])] if mode == "update" else [])  # fmt: skip
    action = rules.save(info.context, kind, row, mode=mode, mutation=name, key=key)
    return await mutate(info, change, payload, action, _payload(payload, field, node))


async def _retire(
    info: Info, kind: master.Kind, name: str, source: RetireInput, payload: Callable[..., P],
    field: str, node: Any,
) -> P:  # fmt: skip
    forbidden = _COMMUNITY if kind.community_level else _DISTRICT
    change = Change(name=name, entity=kind.entity, key=source.client_mutation_id,
                    forbidden=forbidden, targets=[source.code])  # fmt: skip
    action = rules.retire(info.context, kind, source.code, source.reason)
    return await mutate(info, change, payload, action, _payload(payload, field, node))


_NEW = ("Codes are given or hub-assigned, validated and unique, never reused (DUPLICATE, also "
        "for a retired row's code). Retrying with the same clientMutationId returns the first "
        "result.")  # fmt: skip
_UPD = "Only the given fields change; its history records each changed field. A retired row is not changed (INVALID_STATE)."
_RET = "It stays readable with status RETIRED and its date, takes no new children; its history records it."


@strawberry.type(
    description="Mutations of master data (主数据: 街道、社区、网格、小区、楼栋、住户、服务类别)."
)
class MasterDataMutation:
    @strawberry.mutation(description=f"Create a street or town (新建街道): the district. {_NEW}")
    async def create_street(
        self,
        info: Info,
        input: Annotated[CreateStreetInput, strawberry.argument(description="The street.")],
    ) -> StreetPayload:
        return await _save(info, master.STREETS, "createStreet", input, StreetPayload, "street",
                           Street, mode="create")  # fmt: skip

    @strawberry.mutation(description=f"Change a street (修改街道): the district. {_UPD}")
    async def update_street(
        self,
        info: Info,
        input: Annotated[UpdateStreetInput, strawberry.argument(description="The changes.")],
    ) -> StreetPayload:
        return await _save(info, master.STREETS, "updateStreet", input, StreetPayload, "street",
                           Street, mode="update")  # fmt: skip

    @strawberry.mutation(description=f"Retire a street (撤销街道): the district. {_RET}")
    async def retire_street(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The street.")],
    ) -> StreetPayload:
        return await _retire(info, master.STREETS, "retireStreet", input, StreetPayload,
                             "street", Street)  # fmt: skip

    @strawberry.mutation(description=f"Create a community (新建社区): the district. {_NEW}")
    async def create_community(
        self,
        info: Info,
        input: Annotated[CreateCommunityInput, strawberry.argument(description="The community.")],
    ) -> CommunityPayload:
        return await _save(info, master.COMMUNITIES, "createCommunity", input, CommunityPayload,
                           "community", Community, mode="create")  # fmt: skip

    @strawberry.mutation(description=f"Change a community (修改社区): the district. {_UPD}")
    async def update_community(
        self,
        info: Info,
        input: Annotated[UpdateCommunityInput, strawberry.argument(description="The changes.")],
    ) -> CommunityPayload:
        return await _save(info, master.COMMUNITIES, "updateCommunity", input, CommunityPayload,
                           "community", Community, mode="update")  # fmt: skip

    @strawberry.mutation(description=f"Retire a community (撤销社区): the district. {_RET}")
    async def retire_community(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The community.")],
    ) -> CommunityPayload:
        return await _retire(info, master.COMMUNITIES, "retireCommunity", input,
                             CommunityPayload, "community", Community)  # fmt: skip

    @strawberry.mutation(
        description=f"Create a grid (新建网格): its community, with level and parent. {_NEW}"
    )
    async def create_grid(
        self,
        info: Info,
        input: Annotated[CreateGridInput, strawberry.argument(description="The grid.")],
    ) -> GridPayload:
        return await _save(info, master.GRIDS, "createGrid", input, GridPayload, "grid", Grid,
                           mode="create")  # fmt: skip

    @strawberry.mutation(description=f"Change a grid (修改网格): its community. {_UPD}")
    async def update_grid(
        self,
        info: Info,
        input: Annotated[UpdateGridInput, strawberry.argument(description="The changes.")],
    ) -> GridPayload:
        return await _save(info, master.GRIDS, "updateGrid", input, GridPayload, "grid", Grid,
                           mode="update")  # fmt: skip

    @strawberry.mutation(description=f"Retire a grid (撤销网格): its community. {_RET}")
    async def retire_grid(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The grid.")],
    ) -> GridPayload:
        return await _retire(info, master.GRIDS, "retireGrid", input, GridPayload, "grid", Grid)

    @strawberry.mutation(
        description=f"Create a compound (新建小区): its community; commercial, unit-built or "
        f"三无. Its 业委会/自管委 are recorded with the committee mutations. {_NEW}"
    )
    async def create_compound(
        self,
        info: Info,
        input: Annotated[CreateCompoundInput, strawberry.argument(description="The compound.")],
    ) -> CompoundPayload:
        return await _save(info, master.COMPOUNDS, "createCompound", input, CompoundPayload,
                           "compound", Compound, mode="create")  # fmt: skip

    @strawberry.mutation(description=f"Change a compound (修改小区): its community. {_UPD}")
    async def update_compound(
        self,
        info: Info,
        input: Annotated[UpdateCompoundInput, strawberry.argument(description="The changes.")],
    ) -> CompoundPayload:
        return await _save(info, master.COMPOUNDS, "updateCompound", input, CompoundPayload,
                           "compound", Compound, mode="update")  # fmt: skip

    @strawberry.mutation(description=f"Retire a compound (撤销小区): its community. {_RET}")
    async def retire_compound(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The compound.")],
    ) -> CompoundPayload:
        return await _retire(info, master.COMPOUNDS, "retireCompound", input, CompoundPayload,
                             "compound", Compound)  # fmt: skip

    @strawberry.mutation(description=f"Create a building (新建楼栋): its community. {_NEW}")
    async def create_building(
        self,
        info: Info,
        input: Annotated[CreateBuildingInput, strawberry.argument(description="The building.")],
    ) -> BuildingPayload:
        return await _save(info, master.BUILDINGS, "createBuilding", input, BuildingPayload,
                           "building", Building, mode="create")  # fmt: skip

    @strawberry.mutation(description=f"Change a building (修改楼栋): its community. {_UPD}")
    async def update_building(
        self,
        info: Info,
        input: Annotated[UpdateBuildingInput, strawberry.argument(description="The changes.")],
    ) -> BuildingPayload:
        return await _save(info, master.BUILDINGS, "updateBuilding", input, BuildingPayload,
                           "building", Building, mode="update")  # fmt: skip

    @strawberry.mutation(description=f"Retire a building (撤销楼栋): its community. {_RET}")
    async def retire_building(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The building.")],
    ) -> BuildingPayload:
        return await _retire(info, master.BUILDINGS, "retireBuilding", input, BuildingPayload,
                             "building", Building)  # fmt: skip

    @strawberry.mutation(
        description=f"Register a household (登记住户): its community; one per dwelling. {_NEW}"
    )
    async def create_household(
        self,
        info: Info,
        input: Annotated[CreateHouseholdInput, strawberry.argument(description="The household.")],
    ) -> HouseholdPayload:
        return await _save(info, master.HOUSEHOLDS, "createHousehold", input, HouseholdPayload,
                           "household", Household, mode="create")  # fmt: skip

    @strawberry.mutation(description=f"Change a household (修改住户): its community. {_UPD}")
    async def update_household(
        self,
        info: Info,
        input: Annotated[UpdateHouseholdInput, strawberry.argument(description="The changes.")],
    ) -> HouseholdPayload:
        return await _save(info, master.HOUSEHOLDS, "updateHousehold", input, HouseholdPayload,
                           "household", Household, mode="update")  # fmt: skip

    @strawberry.mutation(
        description=f"Retire a household (注销住户, 迁出): its community; frees the dwelling. {_RET}"
    )
    async def retire_household(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The household.")],
    ) -> HouseholdPayload:
        return await _retire(info, master.HOUSEHOLDS, "retireHousehold", input,
                             HouseholdPayload, "household", Household)  # fmt: skip

    @strawberry.mutation(
        description=f"Create a service category for a year (新建服务类别): the district. {_NEW}"
    )
    async def create_service_category(
        self,
        info: Info,
        input: Annotated[
            CreateServiceCategoryInput, strawberry.argument(description="The category.")
        ],
    ) -> ServiceCategoryPayload:
        return await _save(info, master.CATEGORIES, "createServiceCategory", input,
                           ServiceCategoryPayload, "service_category", ServiceCategory,
                           mode="create")  # fmt: skip

    @strawberry.mutation(
        description=f"Change a service category (修改服务类别): the district. {_UPD}"
    )
    async def update_service_category(
        self,
        info: Info,
        input: Annotated[
            UpdateServiceCategoryInput, strawberry.argument(description="The changes.")
        ],
    ) -> ServiceCategoryPayload:
        return await _save(info, master.CATEGORIES, "updateServiceCategory", input,
                           ServiceCategoryPayload, "service_category", ServiceCategory,
                           mode="update")  # fmt: skip

    @strawberry.mutation(
        description=f"Retire a service category (停用服务类别): the district. {_RET}"
    )
    async def retire_service_category(
        self,
        info: Info,
        input: Annotated[RetireInput, strawberry.argument(description="The category.")],
    ) -> ServiceCategoryPayload:
        return await _retire(info, master.CATEGORIES, "retireServiceCategory", input,
                             ServiceCategoryPayload, "service_category", ServiceCategory)  # fmt: skip


@strawberry.type(description="Root fields of master data (主数据).")
class MasterDataQuery:
    @strawberry.field(
        description="One household by its code (户编码); null if unknown or not yours."
    )
    async def household(self, info: Info, code: str) -> Household | None:
        return Household.from_optional_row(
            await info.context.community.household_by_code.load(code)
        )
