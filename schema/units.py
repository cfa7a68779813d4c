"""Work-unit side types (单位侧): WorkUnit, PartyBranch, Member, and their root fields."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from datasources.community.models import PartyKind as PartyKindModel
from datasources.community.models import Report as ReportRow
from datasources.scope import Role
from datasources.units import lists
from resolvers import members as member_joins
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import YEAR
from schema.enums import (
    Gender,
    MemberStatus,
    OrganisationStatus,
    PoliticalStatus,
    PostDutyStatus,
    UnitKind,
    UnitLevel,
)
from schema.master_history import MasterDataEvent, master_history
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    Direction,
    First,
    OrderDirection,
    paginate,
)
from schema.personal import Personal
from schema.prefetch import now_or_later, prefetches

if TYPE_CHECKING:
    from resolvers.context import HubContext
    from schema.activities import ActivitySignup, ActivitySignupFilter
    from schema.alliances import PartyContribution
    from schema.evaluations import MemberYearEvaluations
    from schema.groups import BuildingGroupMember, HouseholdAssignment
    from schema.orders import ServiceOrder, ServiceOrderFilter, ServiceOrderOrder
    from schema.partners import AgreementProject, AllianceMembership, CoBuildingAgreement
    from schema.performance import MemberPerformance, PerformanceSummary
    from schema.places import Community
    from schema.points import MemberPoints
    from schema.post_duties import PostDuty
    from schema.posts import PostClaim
    from schema.privacy import DataAccess, PrivacyPreferences
    from schema.reporting import Report, UnitPairing
    from schema.timeline import TimelineEntry, TimelineFilter
    from schema.unit_service import UnitContribution
    from schema.wishes import MicroWish

_REPORTING = "schema.reporting"
_PRIVACY = "schema.privacy"
_PLACES = "schema.places"
_PARTNERS = "schema.partners"
_ALLIANCES = "schema.alliances"
_POSTS = "schema.posts"
_DUTIES = "schema.post_duties"
_TIMELINE = "schema.timeline"
_WISHES = "schema.wishes"
_PERFORMANCE = "schema.performance"
_POINTS = "schema.points"
_EVALUATIONS = "schema.evaluations"
_GROUPS = "schema.groups"
_ACTIVITIES = "schema.activities"
_ORDERS = "schema.orders"


@strawberry.enum(description="How to sort work units.")
class WorkUnitOrder(Enum):
    NAME = "name"
    CODE = "code"


@strawberry.enum(description="How to sort Party branches.")
class PartyBranchOrder(Enum):
    NAME = "name"
    CODE = "code"


@strawberry.enum(description="How to sort members.")
class MemberOrder(Enum):
    NAME = "name"
    CODE = "code"


@strawberry.input(description="Filters for work units (单位筛选); all given conditions must hold.")
class WorkUnitFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Part of the unit's name (名称包含)."
    )
    kinds: list[UnitKind] | None = strawberry.field(
        default=None, description="Any of these unit kinds (单位类型)."
    )
    levels: list[UnitLevel] | None = strawberry.field(
        default=None, description="Any of these levels (层级)."
    )
    district_name: str | None = strawberry.field(
        default=None, description="District the unit sits in (所在区), exact name."
    )
    include_retired: bool = strawberry.field(
        default=False,
        description="Also list retired units (含已撤销); active ones only by default.",
    )

    def to_filter(self) -> lists.WorkUnitFilter:
        return lists.WorkUnitFilter(
            name_contains=self.name_contains,
            kinds=as_tuple(self.kinds),
            levels=as_tuple(self.levels),
            district_name=self.district_name,
            include_retired=self.include_retired,
        )


@strawberry.input(description="Filters for Party branches (党支部筛选).")
class PartyBranchFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Part of the branch's name (名称包含)."
    )
    unit_code: str | None = strawberry.field(
        default=None, description="Only branches of the unit with this code (单位编码)."
    )
    include_retired: bool = strawberry.field(
        default=False,
        description="Also list retired branches (含已撤销); active ones only by default.",
    )

    def to_filter(self) -> lists.PartyBranchFilter:
        return lists.PartyBranchFilter(
            name_contains=self.name_contains,
            unit_code=self.unit_code,
            include_retired=self.include_retired,
        )


@strawberry.input(description="Filters for members (党员筛选); all given conditions must hold.")
class MemberFilter:
    name_contains: str | None = strawberry.field(
        default=None, description="Part of the member's name (姓名包含)."
    )
    codes: list[str] | None = strawberry.field(
        default=None, description="Only members with these codes (党员编码)."
    )
    political_statuses: list[PoliticalStatus] | None = strawberry.field(
        default=None, description="Any of these political statuses (政治面貌)."
    )
    gender: Gender | None = strawberry.field(default=None, description="Gender (性别).")
    unit_code: str | None = strawberry.field(
        default=None, description="Members of the unit with this code (所在单位)."
    )
    branch_code: str | None = strawberry.field(
        default=None, description="Members of the branch with this code (所在支部)."
    )
    in_service: bool | None = strawberry.field(
        default=None, description="In service (在职) or not."
    )
    include_left: bool = strawberry.field(
        default=False,
        description="Also list members who left the Party (含出党/停止党籍); by default only "
        "members in the Party.",
    )

    def to_filter(self) -> lists.MemberFilter:
        return lists.MemberFilter(
            name_contains=self.name_contains,
            codes=as_tuple(self.codes),
            political_statuses=as_tuple(self.political_statuses),
            gender=self.gender,
            unit_code=self.unit_code,
            branch_code=self.branch_code,
            in_service=self.in_service,
            include_left=self.include_left,
        )


@strawberry.federation.type(
    keys=["code"],
    description="A work unit (单位): a government agency, public institution, state "
    "enterprise or two-new organisation whose Party members report to communities.",
)
class WorkUnit(HubNode):
    id_loader_of = loaded_by(lambda c: c.units.work_unit_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable unit code (单位编码), shared by both sides.")
    name: str = strawberry.field(description="Full name of the unit (单位名称).")
    kind: UnitKind = strawberry.field(description="Kind of unit (单位类型).")
    level: UnitLevel = strawberry.field(description="Administrative level (层级).")
    district_name: str = strawberry.field(
        description="District the unit sits in (所在区); its members may live anywhere."
    )
    address: str | None = strawberry.field(description="Office address (办公地址).")
    status: OrganisationStatus = strawberry.field(description="Active or retired (状态).")
    retired_on: date | None = strawberry.field(
        description="Date retired (撤销日期); null if active."
    )
    retire_reason: str | None = strawberry.field(description="Why it was retired (撤销原因).")

    @strawberry.field(
        description="Its change history (变更记录), oldest first: created, changed, retired."
    )
    async def history(self, info: Info) -> list[MasterDataEvent]:
        return await master_history(info, "WorkUnit", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> WorkUnit | None:
        return cls.from_optional_row(await info.context.units.work_unit_by_code.load(code))

    @strawberry.field(description="The unit's Party branches (党支部).")
    async def branches(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: PartyBranchFilter | None = None,
        order_by: PartyBranchOrder = PartyBranchOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[PartyBranch]:
        return await paginate(
            info,
            info.context.units.branches_of_unit,
            self.id,
            PartyBranch.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="The unit's Party members (党员), across all its branches.")
    async def members(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: MemberFilter | None = None,
        order_by: MemberOrder = MemberOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Member]:
        from schema.performance import preload_performance

        page = await paginate(
            info,
            info.context.units.members_of_unit,
            self.id,
            Member.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )
        await preload_performance(info, [edge.node for edge in page.edges])
        return page

    @strawberry.field(
        description="Pairings of the unit's Party organisation with communities "
        "(单位报到/结对社区); active ones unless `includeEnded`."
    )
    async def paired_communities(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        include_ended: bool = False,
    ) -> Connection[Annotated[UnitPairing, strawberry.lazy(_REPORTING)]]:
        from schema.reporting import pairing_connection

        return await pairing_connection(
            info,
            info.context.community.pairings_of_unit,
            self.code,
            first=first,
            after=after,
            include_ended=include_ended,
        )

    @strawberry.field(description="Alliances (党建联盟) the unit is a member party of.")
    async def alliances(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Annotated[AllianceMembership, strawberry.lazy(_PARTNERS)]]:
        from schema.partners import membership_connection

        return await membership_connection(
            info, PartyKindModel.UNIT, self.code, first=first, after=after
        )

    @strawberry.field(description="Co-building agreements (共建协议) the unit is party to.")
    async def agreements(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Annotated[CoBuildingAgreement, strawberry.lazy(_PARTNERS)]]:
        from schema.partners import agreements_of_party

        return await agreements_of_party(
            info, PartyKindModel.UNIT, self.code, first=first, after=after
        )

    @strawberry.field(
        description="The unit's year against the appraisal policy (单位年度汇总), across all "
        "its branches."
    )
    async def performance_summary(
        self,
        info: Info,
        year: Annotated[
            int, strawberry.argument(metadata=YEAR, description="The year (年度), China time.")
        ],
    ) -> Annotated[PerformanceSummary, strawberry.lazy(_PERFORMANCE)]:
        from schema.performance import unit_summary

        return await unit_summary(info, self.id, year)

    @strawberry.field(
        description="Projects the unit still owes under its agreements (待完成实事项目): planned "
        "or in progress, by due date; see `overdue` on each."
    )
    async def owed_projects(
        self, info: Info
    ) -> list[Annotated[AgreementProject, strawberry.lazy(_PARTNERS)]]:
        from schema.alliances import owed_projects

        return await owed_projects(info, PartyKindModel.UNIT, self.code)

    @strawberry.field(
        description="The unit's record through co-building agreements (共建贡献): projects "
        "done, owed and overdue, with budgets; part of its performance record."
    )
    async def agreement_contribution(
        self, info: Info
    ) -> Annotated[PartyContribution, strawberry.lazy(_ALLIANCES)]:
        from schema.alliances import contribution_of

        return await contribution_of(info, PartyKindModel.UNIT, self.code)

    @strawberry.field(
        description="Service orders (服务订单) the unit took through its pairing (dispatched "
        "to the unit), newest first; seen by the unit, the orders' communities, the district."
    )
    async def orders(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ServiceOrderFilter, strawberry.lazy(_ORDERS)] | None = None,
        order_by: Annotated[ServiceOrderOrder, strawberry.lazy(_ORDERS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[ServiceOrder, strawberry.lazy(_ORDERS)]]:
        from schema.orders import unit_orders

        return await unit_orders(
            info,
            self.code,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(
        description="What the unit's Party organisation did for communities in the year "
        "(双服务年度贡献): activities it signed up for with its members (活动接龙) and their "
        "headcount, demands it claimed and completed (认领需求), orders it completed. Over "
        "the records the viewer may see: the unit and the district see all, a community "
        "what happened in it. One statement for every unit of a request."
    )
    async def community_contribution(
        self,
        info: Info,
        year: Annotated[
            int, strawberry.argument(metadata=YEAR, description="The year (年度), China time.")
        ],
    ) -> Annotated[UnitContribution, strawberry.lazy("schema.unit_service")]:
        from schema.unit_service import unit_contribution

        return await unit_contribution(info, self.code, year)


@strawberry.federation.type(
    keys=["code"], description="A Party branch (党支部) of a work unit; members belong to one."
)
class PartyBranch(HubNode):
    id_loader_of = loaded_by(lambda c: c.units.branch_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable branch code (支部编码).")
    name: str = strawberry.field(description="Name of the branch (支部名称).")
    secretary_name: str | None = strawberry.field(description="Branch secretary (支部书记).")
    founded_on: date | None = strawberry.field(description="Date the branch was set up (成立日期).")
    status: OrganisationStatus = strawberry.field(description="Active or retired (状态).")
    retired_on: date | None = strawberry.field(
        description="Date retired (撤销日期); null if active."
    )
    retire_reason: str | None = strawberry.field(description="Why it was retired (撤销原因).")
    unit_id: strawberry.Private[int]

    @strawberry.field(
        description="Its change history (变更记录), oldest first: created, changed, retired."
    )
    async def history(self, info: Info) -> list[MasterDataEvent]:
        return await master_history(info, "PartyBranch", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> PartyBranch | None:
        return cls.from_optional_row(await info.context.units.branch_by_code.load(code))

    @strawberry.field(description="The work unit the branch belongs to (所属单位).")
    async def unit(self, info: Info) -> WorkUnit:
        return WorkUnit.from_row(await info.context.units.work_unit_by_id.load(self.unit_id))

    @strawberry.field(description="The branch's members (支部党员).")
    async def members(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: MemberFilter | None = None,
        order_by: MemberOrder = MemberOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Member]:
        from schema.performance import preload_performance

        page = await paginate(
            info,
            info.context.units.members_of_branch,
            self.id,
            Member.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )
        await preload_performance(info, [edge.node for edge in page.edges])
        return page

    @strawberry.field(
        description="The branch's year against the appraisal policy (支部年度汇总): members, "
        "reported, compliant, the non-compliant with their unmet rules, hours, red-flag "
        "eligibility."
    )
    async def performance_summary(
        self,
        info: Info,
        year: Annotated[
            int, strawberry.argument(metadata=YEAR, description="The year (年度), China time.")
        ],
    ) -> Annotated[PerformanceSummary, strawberry.lazy(_PERFORMANCE)]:
        from schema.performance import branch_summary

        return await branch_summary(info, self.id, year)


@strawberry.federation.type(
    keys=["code"],
    description="A Party member (党员), or an activist (入党积极分子) or development target "
    "(发展对象), as the work-unit side records him.",
)
class Member(HubNode):
    id_loader_of = loaded_by(lambda c: c.units.member_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(
        description="Stable member code (党员编码); the community side knows members by it."
    )
    gender: Gender = strawberry.field(description="Gender (性别).")
    political_status: PoliticalStatus = strawberry.field(description="Political status (政治面貌).")
    joined_party_on: date | None = strawberry.field(description="Date joined the Party (入党日期).")
    job_title: str | None = strawberry.field(description="Post in the unit (职务).")
    in_service: bool = strawberry.field(description="In service at the unit (在职).")
    status: MemberStatus = strawberry.field(description="Party standing (党籍状态).")
    left_on: date | None = strawberry.field(
        description="Date he left the Party (出党/停止党籍日期); null while in the Party."
    )
    left_reason: str | None = strawberry.field(description="Why he left the Party (原因).")
    full_member_on: date | None = strawberry.field(
        description="Date he became a full member (转正日期), when recorded through the hub."
    )
    service_ended_on: date | None = strawberry.field(
        description="Date he left service (退休/离开在职日期); null while in service."
    )
    service_end_reason: str | None = strawberry.field(
        description="Why he left service (退休/离开在职原因)."
    )
    unit_id: strawberry.Private[int]
    branch_id: strawberry.Private[int]
    # Personal fields (个人信息): resolved through `Personal`, which applies the role's access.
    stored_name: strawberry.Private[str]
    stored_phone: strawberry.Private[str | None]
    stored_skills: strawberry.Private[list[str]]

    @classmethod
    def from_row(cls, row: Any) -> Member:
        return cls(
            id=row.id,
            code=row.code,
            gender=row.gender,
            political_status=row.political_status,
            joined_party_on=row.joined_party_on,
            job_title=row.job_title,
            in_service=row.in_service,
            status=row.status,
            left_on=row.left_on,
            left_reason=row.left_reason,
            full_member_on=row.full_member_on,
            service_ended_on=row.service_ended_on,
            service_end_reason=row.service_end_reason,
            unit_id=row.unit_id,
            branch_id=row.branch_id,
            stored_name=row.name,
            stored_phone=row.phone,
            stored_skills=list(row.skills or []),
        )

    @strawberry.field(
        description="Name (姓名). Personal information: every read is audited.",
        extensions=[Personal("Member", "name", member_code="code", hidden="（已隐藏）")],
    )
    async def name(self) -> str:
        return self.stored_name

    @strawberry.field(
        description="Mobile phone (手机号码): in full for his unit, his community (unless he "
        "withholds it) and himself; masked (138****1234) for the district and the auditor; "
        "null for everyone else.",
        extensions=[Personal("Member", "phone", member_code="code", hidden=None)],
    )
    async def phone(self) -> str | None:
        return self.stored_phone

    @strawberry.field(
        description="Skills the unit has on record (特长); empty for the community when he "
        "withholds his skills.",
        extensions=[Personal("Member", "skills", member_code="code", hidden=[])],
    )
    async def skills(self) -> list[str]:
        return self.stored_skills

    @strawberry.field(
        description="His change history (变更记录), oldest first: created, changed, transferred "
        "(转接), 转正, 出党/停止党籍, left service. Personal fields are named, not shown."
    )
    async def history(self, info: Info) -> list[MasterDataEvent]:
        return await master_history(info, "Member", self.id)

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Member | None:
        return cls.from_optional_row(await info.context.units.member_by_code.load(code))

    @strawberry.field(
        description="His privacy choices (隐私设置): seen by himself, the district and the "
        "auditor; null for everyone else."
    )
    async def privacy_preferences(
        self, info: Info
    ) -> Annotated[PrivacyPreferences, strawberry.lazy(_PRIVACY)] | None:
        from schema.privacy import DEFAULT_PREFERENCES, PrivacyPreferences

        if not _may_see_privacy(info, self.code):
            return None
        row = await info.context.community.privacy_by_member_code.load(self.code)
        if row is None:
            return DEFAULT_PREFERENCES
        return PrivacyPreferences(
            share_phone_with_community=row.share_phone_with_community,
            share_skills_with_community=row.share_skills_with_community,
        )

    @strawberry.field(
        description="Exactly who may see what about him (个人信息可见范围): every role and "
        "personal field, given his current choices. For himself, the district and the auditor."
    )
    async def data_access(
        self, info: Info
    ) -> list[Annotated[DataAccess, strawberry.lazy(_PRIVACY)]] | None:
        from schema.privacy import data_access

        preferences = await self.privacy_preferences(info)
        return None if preferences is None else data_access(preferences)

    @strawberry.field(description="The member's work unit (所在单位).", graphql_type=WorkUnit)
    def unit(self, info: Info) -> WorkUnit | Awaitable[WorkUnit]:
        loader = info.context.units.work_unit_by_id
        return now_or_later(loader, self.unit_id, WorkUnit.from_row)

    @strawberry.field(
        description="The member's Party branch (所在党支部).", graphql_type=PartyBranch
    )
    def branch(self, info: Info) -> PartyBranch | Awaitable[PartyBranch]:
        return now_or_later(info.context.units.branch_by_id, self.branch_id, PartyBranch.from_row)

    @strawberry.field(
        description="The member's current report (报到) to his residence community, from the "
        "community side; null if he has not reported.",
        graphql_type=Annotated["Report", strawberry.lazy(_REPORTING)] | None,
    )
    def report(self, info: Info) -> Any:
        from schema.reporting import Report

        loader = info.context.community.active_report_by_member_code
        return now_or_later(loader, self.code, Report.from_optional_row)

    @strawberry.field(
        description="The community he reported to as his residence (居住地社区), null if none."
    )
    async def residence_community(
        self, info: Info
    ) -> Annotated[Community, strawberry.lazy(_PLACES)] | None:
        from schema.places import Community

        row = await member_joins.residence_community(info.context, self.code)
        return Community.from_optional_row(row)

    @strawberry.field(
        description="Posts he claimed (岗位认领), newest first; active ones by default."
    )
    async def post_claims(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        include_released: Annotated[
            bool, strawberry.argument(description="Also list released claims (已退出).")
        ] = False,
    ) -> Connection[Annotated[PostClaim, strawberry.lazy(_POSTS)]]:
        from schema.posts import member_claims

        return await member_claims(
            info, self.code, first=first, after=after, include_released=include_released
        )

    @strawberry.field(
        description="Duty sessions he served on posts (岗位值守), earliest first: seen by "
        "himself, his unit, the posts' communities and keepers."
    )
    async def post_duties(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        status: Annotated[
            PostDutyStatus | None,
            strawberry.argument(description="Only sessions in this state (值守状态)."),
        ] = None,
    ) -> Connection[Annotated[PostDuty, strawberry.lazy(_DUTIES)]]:
        from schema.post_duties import member_duties

        return await member_duties(info, self.code, first=first, after=after, status=status)

    @strawberry.field(
        description="Micro-wishes he claimed (认领的微心愿), latest claim first; seen by "
        "himself, and by the wishes' communities."
    )
    async def micro_wishes(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Annotated[MicroWish, strawberry.lazy(_WISHES)]]:
        from schema.wishes import member_wishes

        return await member_wishes(info, self.code, first=first, after=after)

    @strawberry.field(
        description="His evaluations for a year (年度三评): self, group, grid branch, "
        "community and organisation; each null when not written or not visible."
    )
    async def evaluations(
        self,
        info: Info,
        year: Annotated[
            int | None,
            strawberry.argument(
                metadata=YEAR, description="The year (年度); this year in China by default."
            ),
        ] = None,
    ) -> Annotated[MemberYearEvaluations, strawberry.lazy(_EVALUATIONS)]:
        from schema.evaluations import member_evaluations

        return await member_evaluations(info, self.code, self.id, year)

    @strawberry.field(
        description="His place in a building group (所在楼栋党小组): the group and his role; "
        "null when in none or not visible."
    )
    async def building_group(
        self, info: Info
    ) -> Annotated[BuildingGroupMember, strawberry.lazy(_GROUPS)] | None:
        from schema.groups import member_group

        return await member_group(info, self.code)

    @strawberry.field(description="His active household assignments (包干到层/到户).")
    async def assignments(
        self, info: Info
    ) -> list[Annotated[HouseholdAssignment, strawberry.lazy(_GROUPS)]]:
        from schema.groups import member_assignments

        return await member_assignments(info, self.code)

    @strawberry.field(
        description="His activity signups (活动报名), latest first, with the activity, hours, "
        "state and points; seen by himself, his unit's branch and the activities' "
        "communities."
    )
    async def activity_signups(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[
            Annotated[ActivitySignupFilter, strawberry.lazy(_ACTIVITIES)] | None,
            strawberry.argument(description="Only signups in these states (报名状态)."),
        ] = None,
    ) -> Connection[Annotated[ActivitySignup, strawberry.lazy(_ACTIVITIES)]]:
        from schema.activities import member_signups

        return await member_signups(info, self.code, first=first, after=after, filter=filter)

    @strawberry.field(
        description="Service orders (服务订单) he serves or served, newest first; seen by "
        "himself, his unit, the orders' communities and the district."
    )
    async def orders(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ServiceOrderFilter, strawberry.lazy(_ORDERS)] | None = None,
        order_by: Annotated[ServiceOrderOrder, strawberry.lazy(_ORDERS)] | None = None,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[Annotated[ServiceOrder, strawberry.lazy(_ORDERS)]]:
        from schema.orders import member_orders

        return await member_orders(
            info,
            self.code,
            first=first,
            after=after,
            filter=filter,
            order_by=order_by,
            direction=direction,
        )

    @strawberry.field(
        description="His service timeline (服务纪实): every order, activity, post, wish and "
        "points entry, newest first; each viewer sees the records he may see."
    )
    async def timeline(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[TimelineFilter, strawberry.lazy(_TIMELINE)] | None = None,
    ) -> Connection[Annotated[TimelineEntry, strawberry.lazy(_TIMELINE)]]:
        from schema.timeline import member_timeline

        return await member_timeline(info, self.code, first=first, after=after, filter=filter)

    @strawberry.field(
        description="His year outside working hours (8小时以外表现) across both sides, with "
        "compliance against the year's appraisal policy; every figure counts only records "
        "the viewer may see, and lists them.",
        graphql_type=Annotated["MemberPerformance", strawberry.lazy(_PERFORMANCE)],
    )
    def performance(
        self,
        info: Info,
        year: Annotated[
            int, strawberry.argument(metadata=YEAR, description="The year (年度), China time.")
        ],
    ) -> MemberPerformance | Awaitable[MemberPerformance]:
        # Sync: a page that preloaded the figures (see `members`) costs no awaitable per
        # member; otherwise this returns an awaitable, which graphql-core awaits.
        from schema.performance import member_performance

        return member_performance(info, self, year)

    @strawberry.field(
        description="His points (积分): balance, totals and ledger. Seen by himself, his unit "
        "branch, the community he reported to (its entries), the district and the auditor; "
        "null for everyone else."
    )
    async def points(self, info: Info) -> Annotated[MemberPoints, strawberry.lazy(_POINTS)] | None:
        from schema.points import member_points

        return await member_points(info, self.code)


@strawberry.type(description="Root fields of the work-unit side (单位侧).")
class UnitsQuery:
    @strawberry.field(description="Work units (单位), filtered and sorted.")
    async def work_units(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: WorkUnitFilter | None = None,
        order_by: WorkUnitOrder = WorkUnitOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[WorkUnit]:
        return await paginate(
            info,
            info.context.units.work_units,
            None,
            WorkUnit.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One work unit by its code (单位编码); null if unknown.")
    async def work_unit(self, info: Info, code: str) -> WorkUnit | None:
        return WorkUnit.from_optional_row(await info.context.units.work_unit_by_code.load(code))

    @strawberry.field(description="Party branches (党支部), filtered and sorted.")
    async def party_branches(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: PartyBranchFilter | None = None,
        order_by: PartyBranchOrder = PartyBranchOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[PartyBranch]:
        return await paginate(
            info,
            info.context.units.branches,
            None,
            PartyBranch.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One Party branch by its code (支部编码); null if unknown.")
    async def party_branch(self, info: Info, code: str) -> PartyBranch | None:
        return PartyBranch.from_optional_row(await info.context.units.branch_by_code.load(code))

    @strawberry.field(description="Members (党员), filtered and sorted.")
    async def members(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: MemberFilter | None = None,
        order_by: MemberOrder = MemberOrder.NAME,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[Member]:
        return await paginate(
            info,
            info.context.units.members,
            None,
            Member.from_row,
            first=first,
            after=after,
            order_by=order_by,
            direction=direction,
            filter=filter,
        )

    @strawberry.field(description="One member by his code (党员编码); null if unknown.")
    async def member(self, info: Info, code: str) -> Member | None:
        return Member.from_optional_row(await info.context.units.member_by_code.load(code))


def _may_see_privacy(info: Info, member_code: str) -> bool:
    viewer = info.context.viewer
    return viewer.sees_everything or (viewer.role is Role.MEMBER and viewer.member == member_code)


# A page of members asking for these joins loads them for the whole page first
# (schema/prefetch.py); the fields then answer without a task each.
@prefetches(Member, "unit")
def _prefetch_units(context: HubContext, members: Sequence[Any]) -> Awaitable[list[Any]]:
    return context.units.work_unit_by_id.load_many([m.unit_id for m in members])


@prefetches(Member, "branch")
def _prefetch_branches(context: HubContext, members: Sequence[Any]) -> Awaitable[list[Any]]:
    return context.units.branch_by_id.load_many([m.branch_id for m in members])


@prefetches(Member, "report", child=ReportRow)
def _prefetch_reports(context: HubContext, members: Sequence[Any]) -> Awaitable[list[Any]]:
    loader = context.community.active_report_by_member_code
    return loader.load_many([m.code for m in members])
