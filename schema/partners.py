"""Partner types: red-property companies (红色物业), alliances (党建联盟) and co-building
agreements (共建协议), whose parties may be units, communities, companies or others."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from datasources.community import lists
from datasources.community.models import PartyKind as PartyKindModel
from datasources.community.partner_models import effective_agreement_status
from resolvers.partners import party_row
from resolvers.workflow import today_in_china
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.enums import (
    AgreementStatus,
    DemandClaimantKind,
    MeetingFrequency,
    PartyKind,
    ProjectStatus,
    RedPropertyStatus,
)
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)
from schema.places import Community, Compound, PlaceOrder, Street
from schema.units import WorkUnit

if TYPE_CHECKING:
    from schema.alliances import AllianceChairTerm, AllianceMeeting
    from schema.history import StateEvent
    from schema.property import (
        ContractStatus,
        PropertyContract,
        PropertyYearResult,
        RedPropertyCriteria,
    )

_PROPERTY = "schema.property"
_ALLIANCES = "schema.alliances"
_HISTORY = "schema.history"


@strawberry.input(description="Filters for property companies (物业企业筛选).")
class PropertyCompanyFilter:
    name_contains: str | None = strawberry.field(default=None, description="Part of the name.")
    red_property_statuses: list[RedPropertyStatus] | None = strawberry.field(
        default=None, description="Any of these red-property statuses (红色物业状态)."
    )

    def to_filter(self) -> lists.PropertyCompanyFilter:
        return lists.PropertyCompanyFilter(
            name_contains=self.name_contains,
            red_property_statuses=as_tuple(self.red_property_statuses),
        )


@strawberry.input(description="Filters for alliances (党建联盟筛选).")
class AllianceFilter:
    name_contains: str | None = strawberry.field(default=None, description="Part of the name.")
    street_code: str | None = strawberry.field(
        default=None, description="Only alliances of this street (街道编码)."
    )

    def to_filter(self) -> lists.AllianceFilter:
        return lists.AllianceFilter(name_contains=self.name_contains, street_code=self.street_code)


@strawberry.input(description="Filters for co-building agreements (共建协议筛选).")
class AgreementFilter:
    title_contains: str | None = strawberry.field(default=None, description="Part of the title.")
    statuses: list[AgreementStatus] | None = strawberry.field(
        default=None, description="Any of these states (协议状态)."
    )
    community_code: str | None = strawberry.field(
        default=None, description="Only agreements of this community (社区编码)."
    )
    alliance_code: str | None = strawberry.field(
        default=None, description="Only agreements under this alliance (联盟编码)."
    )

    def to_filter(self) -> lists.AgreementFilter:
        return lists.AgreementFilter(
            title_contains=self.title_contains,
            statuses=as_tuple(self.statuses),
            community_code=self.community_code,
            alliance_code=self.alliance_code,
            today=today_in_china(),
        )


@strawberry.enum(description="How to sort agreements: by signing date (签订日期) or code.")
class AgreementOrder(Enum):
    SIGNED_ON = "signed_on"
    CODE = "code"


@strawberry.federation.type(
    keys=["code"],
    description="A property management company (物业服务企业); red property (红色物业) when it "
    "has a Party branch, signs the community's commitments and passes the evaluation.",
)
class PropertyCompany(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.property_company_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable company code (企业编码).")
    name: str = strawberry.field(description="Company name (企业名称).")
    red_property_status: RedPropertyStatus = strawberry.field(
        description="Red-property status (红色物业状态)."
    )
    has_party_branch: bool = strawberry.field(description="Has its own Party branch (党支部).")
    covered_by_sector_committee: bool = strawberry.field(
        description="Covered by the property-sector Party committee (物业行业党委)."
    )
    contact_name: str | None = strawberry.field(description="Contact person (联系人).")
    contact_phone: str | None = strawberry.field(description="Contact phone (联系电话).")

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> PropertyCompany | None:
        row = await info.context.community.property_company_by_code.load(code)
        return cls.from_optional_row(row)

    @strawberry.field(description="Compounds it serves (服务小区).")
    async def compounds(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Compound]:
        return await paginate(
            info,
            info.context.community.compounds_of_company,
            self.id,
            Compound.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(description="Alliances (党建联盟) the company is a member party of.")
    async def alliances(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[AllianceMembership]:
        return await membership_connection(
            info, PartyKindModel.PROPERTY_COMPANY, self.code, first=first, after=after
        )

    @strawberry.field(
        description="Its red-property criteria and their state (红色物业创建标准): Party "
        "organisation, commitments signed, the latest year's evaluation passed."
    )
    async def red_property_criteria(
        self, info: Info
    ) -> Annotated[RedPropertyCriteria, strawberry.lazy(_PROPERTY)]:
        from schema.property import criteria_of

        return await criteria_of(info, self)

    @strawberry.field(
        description="Its service contracts (物业服务合同), newest first: those the viewer may "
        "read (the compounds' communities, the company itself, residents)."
    )
    async def contracts(
        self,
        info: Info,
        statuses: Annotated[
            list[Annotated[ContractStatus, strawberry.lazy(_PROPERTY)]] | None,
            strawberry.argument(description="Only these states as of today (合同状态)."),
        ] = None,
    ) -> list[Annotated[PropertyContract, strawberry.lazy(_PROPERTY)]]:
        from schema.property import contracts_of_company

        return await contracts_of_company(info, self.id, statuses)

    @strawberry.field(description="Its yearly evaluation results (年度考评结果), newest first.")
    async def year_results(
        self, info: Info
    ) -> list[Annotated[PropertyYearResult, strawberry.lazy(_PROPERTY)]]:
        from schema.property import results_of_company

        return await results_of_company(info, self.id)

    @strawberry.field(
        description="Changes of its red-property status, oldest first (红色物业状态记录)."
    )
    async def history(self, info: Info) -> list[Annotated[StateEvent, strawberry.lazy(_HISTORY)]]:
        from schema.history import history

        return await history(info, "PropertyCompany", self.id)


@strawberry.type(
    description="An organisation outside both systems (其他组织), e.g. a social organisation "
    "or a merchant, taking part in an alliance or agreement."
)
class Organisation:
    code: str = strawberry.field(description="Code the alliance gave it (编码).")
    name: str = strawberry.field(description="Name (名称).")


Party = Annotated[
    WorkUnit | Community | PropertyCompany | Organisation,
    strawberry.union(
        "Party",
        description="A party to an alliance or agreement (成员单位): a work unit, a community, "
        "a property company or another organisation.",
    ),
]


async def resolve_party(
    info: Info, kind: PartyKindModel, code: str, name: str | None
) -> WorkUnit | Community | PropertyCompany | Organisation | None:
    """Turn a stored (kind, code) reference into its GraphQL type, from whichever side."""
    if kind is PartyKindModel.ORGANISATION:
        return Organisation(code=code, name=name or code)
    row = await party_row(info.context, kind, code)
    types: dict[PartyKindModel, Any] = {
        PartyKindModel.UNIT: WorkUnit,
        PartyKindModel.COMMUNITY: Community,
        PartyKindModel.PROPERTY_COMPANY: PropertyCompany,
    }
    found: WorkUnit | Community | PropertyCompany | None = types[kind].from_optional_row(row)
    return found


@strawberry.type(description="A party's membership of an alliance (联盟成员), with its chair turn.")
class AllianceMembership(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.alliance_party_by_id)

    id: relay.NodeID[int]
    party_kind: PartyKind = strawberry.field(description="Kind of party (成员类型).")
    party_code: str = strawberry.field(description="Code of the party (成员编码).")
    rotation_order: int = strawberry.field(
        description="Its turn in the rotating chair (轮值主席顺序), 1 first."
    )
    joined_on: date = strawberry.field(description="Date it joined (加入日期).")
    left_on: date | None = strawberry.field(
        description="Date it left (退出日期), China time; null while a member."
    )
    left_reason: str | None = strawberry.field(description="Why it left (退出原因).")
    party_name: strawberry.Private[str | None]
    alliance_id: strawberry.Private[int]

    @strawberry.field(description="Joining and leaving, oldest first (成员变动记录).")
    async def history(self, info: Info) -> list[Annotated[StateEvent, strawberry.lazy(_HISTORY)]]:
        from schema.history import history

        return await history(info, "AllianceParty", self.id)

    @strawberry.field(description="The alliance (党建联盟).")
    async def alliance(self, info: Info) -> Alliance:
        return Alliance.from_row(await info.context.community.alliance_by_id.load(self.alliance_id))

    @strawberry.field(description="The member party itself (成员单位), null if unknown.")
    async def party(self, info: Info) -> Party | None:
        return await resolve_party(info, self.party_kind, self.party_code, self.party_name)


@strawberry.federation.type(
    keys=["code"],
    description="A regional Party-building alliance (党建联盟) of communities, units and other "
    "organisations, with a rotating chair (轮值主席) and joint meetings (联席会议).",
)
class Alliance(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.alliance_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable alliance code (联盟编码).")
    name: str = strawberry.field(description="Name (联盟名称).")
    founded_on: date = strawberry.field(description="Date founded (成立日期).")
    meeting_frequency: MeetingFrequency = strawberry.field(
        description="How often joint meetings are held (联席会议频次)."
    )
    description: str | None = strawberry.field(description="What the alliance is for (简介).")
    street_id: strawberry.Private[int | None]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Alliance | None:
        return cls.from_optional_row(await info.context.community.alliance_by_code.load(code))

    @strawberry.field(description="The street the alliance is organised in (所属街道), if any.")
    async def street(self, info: Info) -> Street | None:
        if self.street_id is None:
            return None
        return Street.from_optional_row(
            await info.context.community.street_by_id.load(self.street_id)
        )

    @strawberry.field(description="Member parties (成员单位) in rotating-chair order.")
    async def parties(self, info: Info) -> list[Party]:
        memberships = await self.memberships(info)
        resolved = await asyncio.gather(
            *(resolve_party(info, m.party_kind, m.party_code, m.party_name) for m in memberships)
        )
        return [party for party in resolved if party is not None]

    @strawberry.field(description="Memberships (成员) with each party's chair turn.")
    async def memberships(self, info: Info) -> list[AllianceMembership]:
        rows = await info.context.community.parties_of_alliance.load(self.id)
        return [AllianceMembership.from_row(row) for row in rows]

    @strawberry.field(description="The rotating chair schedule (轮值主席安排), by start date.")
    async def chair_schedule(
        self, info: Info
    ) -> list[Annotated[AllianceChairTerm, strawberry.lazy(_ALLIANCES)]]:
        from schema.alliances import chair_schedule

        return await chair_schedule(info, self.id)

    @strawberry.field(description="Joint meetings (联席会议), newest first.")
    async def meetings(
        self, info: Info
    ) -> list[Annotated[AllianceMeeting, strawberry.lazy(_ALLIANCES)]]:
        from schema.alliances import meetings_of_alliance

        return await meetings_of_alliance(info, self.id)

    @strawberry.field(description="Co-building agreements signed under this alliance (共建协议).")
    async def agreements(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[CoBuildingAgreement]:
        return await paginate(
            info,
            info.context.community.agreements_of_alliance,
            self.id,
            CoBuildingAgreement.from_row,
            first=first,
            after=after,
            order_by=AgreementOrder.SIGNED_ON,
            direction=OrderDirection.DESC,
        )


@strawberry.type(description="A concrete project (实事项目) an agreement commits to.")
class AgreementProject(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.project_by_id)

    id: relay.NodeID[int]
    name: str = strawberry.field(description="What will be done (项目名称).")
    owner_kind: PartyKind = strawberry.field(description="Kind of the responsible party.")
    owner_code: str = strawberry.field(description="Code of the responsible party (责任方编码).")
    budget_yuan: Decimal = strawberry.field(description="Budget in yuan (预算, 元).")
    due_on: date = strawberry.field(description="Due date (完成时限).")
    status: ProjectStatus = strawberry.field(description="State of the project (项目状态).")
    claimant_kind: DemandClaimantKind | None = strawberry.field(
        description="Who claimed it (认领方, 双服务): UNIT when a unit party took on the "
        "community's own project; null while unclaimed."
    )
    claimant_code: str | None = strawberry.field(
        description="Code of the claiming unit (认领单位编码); null while unclaimed."
    )
    claimed_at: datetime | None = strawberry.field(
        description="When it was claimed (认领时间); null while unclaimed."
    )
    confirmed_at: datetime | None = strawberry.field(
        description="When the community confirmed a claimed project done (验收时间); null before."
    )
    agreement_id: strawberry.Private[int]

    @strawberry.field(description="The responsible party (责任方), null if unknown.")
    async def owner(self, info: Info) -> Party | None:
        return await resolve_party(info, self.owner_kind, self.owner_code, None)

    @strawberry.field(
        description="The claiming unit, from the work-unit side (认领单位); null while "
        "unclaimed or out of scope."
    )
    async def claimant(self, info: Info) -> WorkUnit | None:
        if self.claimant_code is None:
            return None
        row = await info.context.units.work_unit_by_code.load(self.claimant_code)
        return WorkUnit.from_optional_row(row)

    @strawberry.field(description="Still owed and past its due date, China time (逾期).")
    def overdue(self) -> bool:
        from schema.alliances import is_overdue

        return is_overdue(self)

    @strawberry.field(description="Every state change, oldest first (项目记录).")
    async def history(self, info: Info) -> list[Annotated[StateEvent, strawberry.lazy(_HISTORY)]]:
        from schema.history import history

        return await history(info, "AgreementProject", self.id)


@strawberry.federation.type(
    keys=["code"],
    description="A co-building agreement (共建协议) between a community and one or more parties, "
    "for a period, with concrete projects (实事项目).",
)
class CoBuildingAgreement(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.agreement_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable agreement code (协议编号).")
    title: str = strawberry.field(description="Title (协议名称).")
    signed_on: date = strawberry.field(description="Date signed (签订日期).")
    starts_on: date = strawberry.field(description="Start of the period (开始日期).")
    ends_on: date = strawberry.field(description="End of the period (结束日期).")
    status_stored: strawberry.Private[AgreementStatus]
    community_id: strawberry.Private[int]
    alliance_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=row.id, code=row.code, title=row.title, signed_on=row.signed_on,
            starts_on=row.starts_on, ends_on=row.ends_on, status_stored=row.status,
            community_id=row.community_id, alliance_id=row.alliance_id,
        )  # fmt: skip

    @strawberry.field(
        description="State as of today, China time (协议状态): an agreement whose period has "
        "ended reads EXPIRED (已到期) and a draft whose period has begun reads ACTIVE, "
        "computed at read; ENDED once the community ended it."
    )
    def status(self) -> AgreementStatus:
        return effective_agreement_status(
            self.status_stored, self.starts_on, self.ends_on, today_in_china()
        )

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> CoBuildingAgreement | None:
        return cls.from_optional_row(await info.context.community.agreement_by_code.load(code))

    @strawberry.field(description="The community that signed it (签约社区).")
    async def community(self, info: Info) -> Community:
        row = await info.context.community.community_by_id.load(self.community_id)
        return Community.from_row(row)

    @strawberry.field(description="The alliance it was signed under (所属联盟), if any.")
    async def alliance(self, info: Info) -> Alliance | None:
        if self.alliance_id is None:
            return None
        row = await info.context.community.alliance_by_id.load(self.alliance_id)
        return Alliance.from_optional_row(row)

    @strawberry.field(description="The other parties (共建单位).")
    async def parties(self, info: Info) -> list[Party]:
        rows = await info.context.community.parties_of_agreement.load(self.id)
        resolved = await asyncio.gather(
            *(resolve_party(info, r.party_kind, r.party_code, r.party_name) for r in rows)
        )
        return [party for party in resolved if party is not None]

    @strawberry.field(description="Concrete projects (实事项目), by due date.")
    async def projects(self, info: Info) -> list[AgreementProject]:
        rows = await info.context.community.projects_of_agreement.load(self.id)
        return [AgreementProject.from_row(row) for row in rows]

    @strawberry.field(
        description="Every state change (signed, renewed, ended), oldest first (协议记录)."
    )
    async def history(self, info: Info) -> list[Annotated[StateEvent, strawberry.lazy(_HISTORY)]]:
        from schema.history import history

        return await history(info, "CoBuildingAgreement", self.id)


async def membership_connection(
    info: Info, kind: PartyKindModel, code: str, *, first: int, after: str | None
) -> Connection[AllianceMembership]:
    return await paginate(
        info,
        info.context.community.memberships[kind],
        code,
        AllianceMembership.from_row,
        first=first,
        after=after,
        order_by=_MembershipOrder.JOINED_ON,
    )


async def agreements_of_party(
    info: Info, kind: PartyKindModel, code: str, *, first: int, after: str | None
) -> Connection[CoBuildingAgreement]:
    async def agreement(row: Any) -> CoBuildingAgreement:
        found = await info.context.community.agreement_by_id.load(row.agreement_id)
        return CoBuildingAgreement.from_row(found)

    return await paginate(
        info,
        info.context.community.agreements_of_party[kind],
        code,
        agreement,
        first=first,
        after=after,
        order_by=_PartyAgreementOrder.AGREEMENT,
    )


class _MembershipOrder(Enum):
    JOINED_ON = "joined_on"


class _PartyAgreementOrder(Enum):
    AGREEMENT = "agreement_id"


@strawberry.type(description="Root fields of partners (红色物业/党建联盟/共建协议).")
class PartnersQuery:
    @strawberry.field(description="Property companies (物业服务企业), filtered and sorted.")
    async def property_companies(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: PropertyCompanyFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[PropertyCompany]:
        return await paginate(
            info,
            info.context.community.property_companies,
            None,
            PropertyCompany.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One property company by its code; null if unknown.")
    async def property_company(self, info: Info, code: str) -> PropertyCompany | None:
        row = await info.context.community.property_company_by_code.load(code)
        return PropertyCompany.from_optional_row(row)

    @strawberry.field(description="Party-building alliances (党建联盟), filtered and sorted.")
    async def alliances(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: AllianceFilter | None = None,
        order_by: PlaceOrder = PlaceOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Alliance]:
        return await paginate(
            info,
            info.context.community.alliances,
            None,
            Alliance.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One alliance by its code (联盟编码); null if unknown.")
    async def alliance(self, info: Info, code: str) -> Alliance | None:
        return Alliance.from_optional_row(await info.context.community.alliance_by_code.load(code))

    @strawberry.field(description="Co-building agreements (共建协议), filtered and sorted.")
    async def agreements(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: AgreementFilter | None = None,
        order_by: AgreementOrder = AgreementOrder.SIGNED_ON,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[CoBuildingAgreement]:
        return await paginate(
            info,
            info.context.community.agreements,
            None,
            CoBuildingAgreement.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One agreement by its code (协议编号); null if unknown.")
    async def agreement(self, info: Info, code: str) -> CoBuildingAgreement | None:
        row = await info.context.community.agreement_by_code.load(code)
        return CoBuildingAgreement.from_optional_row(row)
