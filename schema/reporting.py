"""Reporting types (报到): a member's Report to his community and a unit's UnitPairing.

These are the hub's joins: a report names a member (work-unit side) by code, a pairing
names a unit by code; both are resolved through the other side's loaders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import date
from enum import Enum
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from datasources.community import lists
from datasources.community.models import Availability as AvailabilityFlag
from datasources.community.models import PairingStatus as PairingStatusModel
from datasources.community.models import Report as ReportRow
from datasources.community.models import UnitPairing as PairingRow
from datasources.loaders import ListLoaders
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.enums import Availability, PairingStatus, ReportChannel, ReportEndReason, ReportStatus
from schema.history import StateEvent, history
from schema.pagination import Connection, OrderDirection, paginate
from schema.personal import Personal
from schema.prefetch import now_or_later, prefetches

if TYPE_CHECKING:
    from resolvers.context import HubContext
    from schema.lists import ServiceCategory
    from schema.places import Building, Community
    from schema.units import Member, WorkUnit

_UNITS = "schema.units"
_PLACES = "schema.places"
_LISTS = "schema.lists"


@strawberry.enum(description="How to sort supporters: by report date (报到日期) or member code.")
class SupporterOrder(Enum):
    REPORTED_ON = "reported_on"
    MEMBER_CODE = "member_code"


@strawberry.input(
    description="Filters for supporters (报到党员筛选); all given conditions must hold."
)
class SupporterFilter:
    skill: str | None = strawberry.field(
        default=None, description="Declared this skill when reporting (特长), exact match."
    )
    building_code: str | None = strawberry.field(
        default=None, description="Lives in this building (楼栋编码)."
    )
    compound_code: str | None = strawberry.field(
        default=None, description="Lives in this compound (小区编码)."
    )
    grid_code: str | None = strawberry.field(
        default=None, description="Lives in a compound of this grid (网格编码)."
    )
    available_any: list[Availability] | None = strawberry.field(
        default=None, description="Available at any of these times (服务时间), e.g. WEEKENDS."
    )
    statuses: list[ReportStatus] | None = strawberry.field(
        default=None,
        description="Report states to include; PENDING and CONFIRMED (active) when omitted.",
    )
    member_codes: list[str] | None = strawberry.field(
        default=None, description="Only these members (党员编码)."
    )

    def to_filter(self) -> lists.SupporterFilter:
        mask = reduce(or_, (a.value for a in self.available_any), 0) if self.available_any else None
        return lists.SupporterFilter(
            skill=self.skill,
            building_code=self.building_code,
            compound_code=self.compound_code,
            grid_code=self.grid_code,
            availability_mask=mask,
            statuses=(
                lists.ACTIVE_REPORT_STATUSES if self.statuses is None else tuple(self.statuses)
            ),
            member_codes=as_tuple(self.member_codes),
        )


@strawberry.type(
    description="A member's report (报到) to the community where he lives: building, skills, "
    "availability and service intentions. As a list, these are a community's supporters."
)
class Report(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.report_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="Code of the reporting member (党员编码).")
    reported_on: date = strawberry.field(description="Date of the report (报到日期).")
    channel: ReportChannel = strawberry.field(description="Online or offline (报到方式).")
    status: ReportStatus = strawberry.field(description="State of the report (报到状态).")
    note: str | None = strawberry.field(description="Note by the member or community (备注).")
    ended_on: date | None = strawberry.field(
        description="The first day he is no longer reported here (结束日期), China time: set "
        "when the report ends (moved, left service, withdrawn, returned, closed); null while "
        "pending or confirmed. The report counts from reportedOn up to this day."
    )
    end_reason: ReportEndReason | None = strawberry.field(
        description="Why it ended (结束原因); null while pending or confirmed."
    )
    community_id: strawberry.Private[int]
    moves_from_id: strawberry.Private[int | None]
    building_id: strawberry.Private[int | None]
    availability_bits: strawberry.Private[int]
    intention_codes: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: ReportRow) -> Report:
        return cls(
            id=row.id,
            member_code=row.member_code,
            reported_on=row.reported_on,
            channel=row.channel,
            status=row.status,
            note=row.note,
            ended_on=row.ended_on,
            end_reason=row.end_reason,
            community_id=row.community_id,
            moves_from_id=row.moves_from_id,
            building_id=row.building_id,
            availability_bits=row.availability,
            intention_codes=list(row.intentions or []),
        )

    @strawberry.field(description="The member, from the work-unit side (党员).")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(
        description="For a move (迁移): the report it moves the member from, which stays active "
        "until this one is confirmed; null when not a move or not visible to the viewer."
    )
    async def moves_from(self, info: Info) -> Report | None:
        if self.moves_from_id is None:
            return None
        row = await info.context.community.report_by_id.load(self.moves_from_id)
        return None if row is None else Report.from_row(row)

    @strawberry.field(
        description="The community reported to (报到社区).",
        graphql_type=Annotated["Community", strawberry.lazy(_PLACES)],
    )
    def community(self, info: Info) -> Any:
        from schema.places import Community

        loader = info.context.community.community_by_id
        return now_or_later(loader, self.community_id, Community.from_row)

    @strawberry.field(
        description="The building he lives in (居住楼栋): his home, so hidden from his unit.",
        extensions=[Personal("Report", "building", member_code="member_code", hidden=None)],
    )
    async def building(self, info: Info) -> Annotated[Building, strawberry.lazy(_PLACES)] | None:
        from schema.places import Building

        if self.building_id is None:
            return None
        row = await info.context.community.building_by_id.load(self.building_id)
        return Building.from_optional_row(row)

    @strawberry.field(
        description="Skills declared when reporting (特长); empty for the community when he "
        "withholds his skills.",
        extensions=[Personal("Report", "skills", member_code="member_code", hidden=[])],
    )
    async def skills(self, info: Info) -> list[str]:
        rows = await info.context.community.skills_of_report.load(self.id)
        return [row.skill for row in rows]

    @strawberry.field(description="Every state change of the report, oldest first (报到记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, "Report", self.id)

    @strawberry.field(description="When he can serve (服务时间).")
    def availability(self) -> list[Availability]:
        return [flag for flag in AvailabilityFlag if flag & self.availability_bits]

    @strawberry.field(description="Service categories he intends to serve in (服务意向).")
    async def intentions(
        self, info: Info
    ) -> list[Annotated[ServiceCategory, strawberry.lazy(_LISTS)]]:
        from schema.lists import ServiceCategory

        rows = await info.context.community.category_by_code.load_many(self.intention_codes)
        return [ServiceCategory.from_row(row) for row in rows if row is not None]


@strawberry.type(
    description="A unit's Party organisation paired with a community (单位报到/结对共建)."
)
class UnitPairing(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.pairing_by_id)

    id: relay.NodeID[int]
    unit_code: str = strawberry.field(description="Code of the paired unit (单位编码).")
    started_on: date = strawberry.field(description="Date the pairing began (结对日期).")
    ended_on: date | None = strawberry.field(description="Date it ended (结束日期), if ended.")
    status: PairingStatus = strawberry.field(description="Active or ended (结对状态).")
    contact_name: str | None = strawberry.field(description="Unit's liaison (联络人).")
    community_id: strawberry.Private[int]

    @strawberry.field(description="Every state change of the pairing, oldest first (结对记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, "UnitPairing", self.id)

    @strawberry.field(description="The unit, from the work-unit side (结对单位).")
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        row = await info.context.units.work_unit_by_code.load(self.unit_code)
        return WorkUnit.from_optional_row(row)

    @strawberry.field(description="The paired community (结对社区).")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)]:
        from schema.places import Community

        row = await info.context.community.community_by_id.load(self.community_id)
        return Community.from_row(row)


async def supporter_connection(
    info: Info,
    loaders: ListLoaders[ReportRow],
    parent: int,
    *,
    first: int,
    after: str | None,
    filter: SupporterFilter | None,
    order_by: SupporterOrder | None,
    direction: OrderDirection,
) -> Connection[Report]:
    return await paginate(
        info,
        loaders,
        parent,
        Report.from_row,
        first=first,
        after=after,
        order_by=order_by or SupporterOrder.REPORTED_ON,
        direction=direction,
        filter=filter or SupporterFilter(),
    )


class _PairingFilter:
    def __init__(self, include_ended: bool) -> None:
        self.include_ended = include_ended

    def to_filter(self) -> lists.PairingFilter:
        return lists.PairingFilter(
            statuses=None if self.include_ended else (PairingStatusModel.ACTIVE,)
        )


@strawberry.enum(description="How to sort pairings.")
class PairingOrder(Enum):
    STARTED_ON = "started_on"


async def pairing_connection(
    info: Info,
    loaders: ListLoaders[PairingRow],
    parent: int | str,
    *,
    first: int,
    after: str | None,
    include_ended: bool,
) -> Connection[UnitPairing]:
    return await paginate(
        info,
        loaders,
        parent,
        UnitPairing.from_row,
        first=first,
        after=after,
        order_by=PairingOrder.STARTED_ON,
        filter=_PairingFilter(include_ended),
    )


@prefetches(ReportRow, "community")
def _prefetch_communities(context: HubContext, reports: Sequence[Any]) -> Awaitable[list[Any]]:
    return context.community.community_by_id.load_many([r.community_id for r in reports])
