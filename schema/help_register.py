"""Households in need (特殊群体): the register, pairings (结对帮扶) and visits (走访) — types,
root lists (`helpHouseholds`, `helpPairings` with the overdue filter) and mutations.

Read rules (datasources.community.help.policy): the community's roles (grid roles their
grid) and the helpers paired with a household; not the district or the auditor. The
household's personal fields go through `Personal` (resolvers.personal): a helper reads its
name and address, its phone masked, not its category or circumstances.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community.help import lists, models
from resolvers import help_register as rules
from resolvers.workflow import today_in_china
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import between, text
from schema.history import StateEvent, history
from schema.lists import DemandItem
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, audit_result, mutate, mutate_node, not_found
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

strawberry.enum(
    models.HelpCategory,
    description="Category of a household in need (帮扶对象类别): SUBSISTENCE 低保/困难群众, "
    "EMPTY_NEST 空巢老人, LIVING_ALONE 独居老人, DISABLED 残疾人, CHILD_IN_DIFFICULTY 困境儿童, "
    "OTHER 其他.",
)
strawberry.enum(
    models.HouseholdStatus,
    name="HelpHouseholdStatus",
    description="State of a household on the register (台账状态): ACTIVE 在册, LEFT 已退出.",
)
strawberry.enum(
    models.HelperKind, name="HelperKind", description="Who helps (帮扶人): MEMBER 党员, UNIT 单位."
)
strawberry.enum(
    models.PairingStatus,
    name="HelpPairingStatus",
    description="State of a pairing (结对状态): ACTIVE 结对中, ENDED 已结束.",
)
HelpCategory: TypeAlias = models.HelpCategory
HouseholdStatus: TypeAlias = models.HouseholdStatus
HelperKind: TypeAlias = models.HelperKind
PairingStatus: TypeAlias = models.PairingStatus
_SUBJECT = ("HelpHousehold", "id")


@strawberry.enum(description="How to sort households in need (帮扶对象排序).")
class HelpHouseholdOrder(Enum):
    CREATED_AT = "created_at"


@strawberry.enum(description="How to sort pairings (结对排序).")
class HelpPairingOrder(Enum):
    NEXT_VISIT_DUE = "next_visit_due"
    CREATED_AT = "created_at"


@strawberry.input(description="Filters for households in need (帮扶对象筛选); all must hold.")
class HelpHouseholdFilter:
    statuses: list[HouseholdStatus] | None = strawberry.field(
        default=None, description="Only these states (在册/已退出)."
    )

    def to_filter(self) -> lists.HouseholdFilter:
        return lists.HouseholdFilter(statuses=as_tuple(self.statuses))


@strawberry.input(description="Filters for pairings (结对筛选); all given must hold.")
class HelpPairingFilter:
    statuses: list[PairingStatus] | None = strawberry.field(
        default=None, description="Only these states (结对状态)."
    )
    helper_kinds: list[HelperKind] | None = strawberry.field(
        default=None, description="Only these kinds of helper (党员/单位)."
    )
    overdue: bool | None = strawberry.field(
        default=None,
        description="True: only active pairings whose next visit was due before today, China "
        "time (逾期未走访): the missed visits.",
    )

    def to_filter(self) -> lists.PairingFilter:
        return lists.PairingFilter(
            statuses=as_tuple(self.statuses), helper_kinds=as_tuple(self.helper_kinds),
            due_before=today_in_china() if self.overdue else None,
        )  # fmt: skip


@strawberry.type(
    description="A household on a community's register of people in need (特殊群体: 低保, "
    "空巢/独居老人, 残疾人, 困境儿童 ...). Read by the community's roles and its helpers."
)
class HelpHousehold(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.help.household_by_id)

    id: relay.NodeID[int]
    max_helpers: int = strawberry.field(description="Helpers it takes: 1 一对一, 2 二对一.")
    status: HouseholdStatus = strawberry.field(description="On the register or left (状态).")
    left_reason: str | None = strawberry.field(description="Why it left (退出原因).")
    left_at: datetime | None = strawberry.field(description="When it left (退出时间).")
    created_at: datetime = strawberry.field(description="When registered (登记时间).")
    name_value: strawberry.Private[str]
    address_value: strawberry.Private[str]
    phone_value: strawberry.Private[str | None]
    category_value: strawberry.Private[HelpCategory]
    circumstances_value: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: models.HelpHousehold) -> HelpHousehold:
        return cls(
            id=row.id, max_helpers=row.max_helpers, status=row.status,
            left_reason=row.left_reason, left_at=row.left_at, created_at=row.created_at,
            name_value=row.name, address_value=row.address, phone_value=row.phone,
            category_value=row.category, circumstances_value=row.circumstances,
        )  # fmt: skip

    @strawberry.field(description="Name (姓名); personal.",
                      extensions=[Personal("HelpHousehold", "name", hidden=None,
                                           subject=_SUBJECT)])  # fmt: skip
    async def name(self) -> str | None:
        return self.name_value

    @strawberry.field(description="Address to visit (住址); personal.",
                      extensions=[Personal("HelpHousehold", "address", hidden=None,
                                           subject=_SUBJECT)])  # fmt: skip
    async def address(self) -> str | None:
        return self.address_value

    @strawberry.field(description="Phone (联系电话); personal, masked for helpers.",
                      extensions=[Personal("HelpHousehold", "phone", hidden=None,
                                           subject=_SUBJECT)])  # fmt: skip
    async def phone(self) -> str | None:
        return self.phone_value

    @strawberry.field(description="Category (类别); community roles only, null for helpers.",
                      extensions=[Personal("HelpHousehold", "category", hidden=None,
                                           subject=_SUBJECT)])  # fmt: skip
    async def category(self) -> HelpCategory | None:
        return self.category_value

    @strawberry.field(description="Circumstances (家庭情况); community roles only.",
                      extensions=[Personal("HelpHousehold", "circumstances", hidden=None,
                                           subject=_SUBJECT)])  # fmt: skip
    async def circumstances(self) -> str | None:
        return self.circumstances_value

    @strawberry.field(description="Its pairings (结对) the viewer may see, any state.")
    async def pairings(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None,
        filter: HelpPairingFilter | None = None,
    ) -> Connection[HelpPairing]:  # fmt: skip
        return await paginate(
            info, info.context.community.help.pairings_of_household, self.id,
            HelpPairing.from_row, first=first, after=after,
            order_by=HelpPairingOrder.CREATED_AT, direction=OrderDirection.ASC, filter=filter,
        )  # fmt: skip

    @strawberry.field(description="Every step (台账记录), oldest first: registered, left.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.HOUSEHOLD, self.id)


@strawberry.type(
    description="A member or a unit paired with a household in need (结对帮扶: 一对一, 二对一, "
    "天天敲门组), visiting it every `visitEveryDays` days."
)
class HelpPairing(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.help.pairing_by_id)

    id: relay.NodeID[int]
    helper_kind: HelperKind = strawberry.field(description="Member or unit (帮扶人类型).")
    helper_code: str = strawberry.field(description="The member's or unit's code (编码).")
    visit_every_days: int = strawberry.field(description="Visit at least every N days (走访周期).")
    starts_on: date = strawberry.field(description="Start (开始日期).")
    ends_on: date | None = strawberry.field(description="End (结束日期).")
    status: PairingStatus = strawberry.field(description="State (状态).")
    ended_reason: str | None = strawberry.field(description="Why it ended (结束原因).")
    last_visit_on: date | None = strawberry.field(description="Latest visit (最近走访).")
    next_visit_due: date = strawberry.field(
        description="The next visit is due by this day (应走访日期): the latest visit, or the "
        "start, plus the frequency."
    )
    household_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: models.HelpPairing) -> HelpPairing:
        return cls(
            id=row.id, helper_kind=row.helper_kind, helper_code=row.helper_code,
            visit_every_days=row.visit_every_days, starts_on=row.starts_on,
            ends_on=row.ends_on, status=row.status, ended_reason=row.ended_reason,
            last_visit_on=row.last_visit_on, next_visit_due=row.next_visit_due,
            household_id=row.household_id,
        )  # fmt: skip

    @strawberry.field(description="Active and its next visit due before today (逾期未走访).")
    def overdue(self) -> bool:
        return self.status is PairingStatus.ACTIVE and self.next_visit_due < today_in_china()

    @strawberry.field(description="The household (帮扶对象), if the viewer may see it.")
    async def household(self, info: Info) -> HelpHousehold | None:
        row = await info.context.community.help.household_by_id.load(self.household_id)
        return HelpHousehold.from_optional_row(row)

    @strawberry.field(description="Its visits (走访记录), latest first.")
    async def visits(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None,
    ) -> Connection[HelpVisit]:  # fmt: skip
        return await paginate(
            info, info.context.community.help.visits_of_pairing, self.id, HelpVisit.from_row,
            first=first, after=after, order_by=HelpVisitOrder.VISITED_ON,
            direction=OrderDirection.DESC, filter=None,
        )  # fmt: skip

    @strawberry.field(description="Every step (结对记录): paired, ended (with the reason).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, rules.PAIRING, self.id)


@strawberry.enum(description="How to sort visits (走访排序).")
class HelpVisitOrder(Enum):
    VISITED_ON = "visited_on"
    CREATED_AT = "created_at"


@strawberry.type(description="One visit of a pairing (走访记录): when, what was done.")
class HelpVisit(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.help.visit_by_id)

    id: relay.NodeID[int]
    visited_on: date = strawberry.field(description="Day of the visit (走访日期).")
    note: str = strawberry.field(description="What was done (服务内容).")
    recorded_role: str = strawberry.field(description="Role of who logged it (登记人角色).")
    created_at: datetime = strawberry.field(description="When logged (登记时间).")
    demand_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: models.HelpVisit) -> HelpVisit:
        return cls(id=row.id, visited_on=row.visited_on, note=row.note,
                   recorded_role=row.recorded_role, created_at=row.created_at,
                   demand_id=row.demand_id)  # fmt: skip

    @strawberry.field(description="The demand (需求) it escalated into, if the viewer sees it.")
    async def demand(self, info: Info) -> DemandItem | None:
        if self.demand_id is None:
            return None
        row = await info.context.community.demand_item_by_id.load(self.demand_id)
        return DemandItem.from_optional_row(row)


@strawberry.type(description="Root fields of the register of households in need (特殊群体).")
class HelpQuery:
    @strawberry.field(
        description="Households in need (帮扶对象台账) the viewer may see: the community roles "
        "their community's (grid roles their grid's), a helper those he is paired with."
    )
    async def help_households(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None,
        filter: HelpHouseholdFilter | None = None,
        order_by: HelpHouseholdOrder = HelpHouseholdOrder.CREATED_AT,
        direction: Direction = OrderDirection.DESC,
    ) -> Connection[HelpHousehold]:  # fmt: skip
        return await paginate(
            info, info.context.community.help.households, None, HelpHousehold.from_row,
            first=first, after=after, order_by=order_by, direction=direction, filter=filter,
        )  # fmt: skip

    @strawberry.field(
        description="Pairings (结对帮扶) the viewer may see; `filter: {overdue: true}` lists "
        "the missed visits (逾期未走访), earliest due first by default."
    )
    async def help_pairings(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None,
        filter: HelpPairingFilter | None = None,
        order_by: HelpPairingOrder = HelpPairingOrder.NEXT_VISIT_DUE,
        direction: Direction = OrderDirection.ASC,
    ) -> Connection[HelpPairing]:  # fmt: skip
        return await paginate(
            info, info.context.community.help.pairings, None, HelpPairing.from_row,
            first=first, after=after, order_by=order_by, direction=direction, filter=filter,
        )  # fmt: skip


_HOUSEHOLD_ID = "The household (帮扶对象ID)."
_PAIRING_ID = "The pairing (结对ID)."
_HOUSEHOLD_GONE = not_found(rules.HOUSEHOLD_NOT_FOUND, "input.householdId")
_PAIRING_GONE = not_found(rules.PAIRING_NOT_FOUND, "input.pairingId")
_COMMITTEE = "只有本社区党委可以管理帮扶对象台账。"


@strawberry.input(description="Put a household on the register (登记帮扶对象).")
class RegisterHelpHouseholdInput:
    name: str = strawberry.field(metadata=text(40), description="Name (姓名).")
    address: str = strawberry.field(metadata=text(200), description="Address (住址).")
    category: HelpCategory = strawberry.field(description="Category (类别).")
    max_helpers: int = strawberry.field(
        default=1, metadata=between(1, 2), description="1 一对一 (default), 2 二对一."
    )
    phone: str | None = strawberry.field(
        default=None, metadata=text(32), description="Phone (电话)."
    )
    circumstances: str | None = strawberry.field(
        default=None, metadata=text(1000), description="Circumstances (家庭情况)."
    )
    grid_code: str | None = strawberry.field(
        default=None, metadata=text(32), description="Its grid (网格), for the grid roles."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Take a household off the register (退出台账) with a reason.")
class LeaveHelpRegisterInput:
    household_id: relay.GlobalID = strawberry.field(description=_HOUSEHOLD_ID)
    reason: str = strawberry.field(metadata=text(1000), description="Why (原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Pair a member or a unit with a household (结对帮扶).")
class PairHelpHouseholdInput:
    household_id: relay.GlobalID = strawberry.field(description=_HOUSEHOLD_ID)
    helper_kind: HelperKind = strawberry.field(description="Member or unit (帮扶人类型).")
    helper_code: str = strawberry.field(metadata=text(32), description="Its code (编码).")
    visit_every_days: int = strawberry.field(
        default=7, metadata=between(1, rules.MAX_EVERY_DAYS),
        description="Visit at least every N days (走访周期), 7 by default (每周).",
    )  # fmt: skip
    starts_on: date | None = strawberry.field(default=None, description="Start; today if omitted.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="End a pairing (结束结对) with a reason.")
class EndHelpPairingInput:
    pairing_id: relay.GlobalID = strawberry.field(description=_PAIRING_ID)
    reason: str = strawberry.field(metadata=text(1000), description="Why (原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Escalate what a visit found into a demand (转为需求).")
class HelpEscalationInput:
    category_code: str = strawberry.field(metadata=text(32), description="Service category.")
    title: str = strawberry.field(metadata=text(160), description="What is needed (需求标题).")


@strawberry.input(description="Log a visit (登记走访).")
class LogHelpVisitInput:
    pairing_id: relay.GlobalID = strawberry.field(description=_PAIRING_ID)
    visited_on: date = strawberry.field(description="Day of the visit (走访日期), China time.")
    note: str = strawberry.field(metadata=text(1000), description="What was done (服务内容).")
    escalation: HelpEscalationInput | None = strawberry.field(
        default=None, description="A demand to raise from it (转为需求), reviewed by the community."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.type(description="Result of a register mutation (帮扶对象操作结果).")
class HelpHouseholdPayload:
    household: HelpHousehold | None = strawberry.field(description="It; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); nothing changed then."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of a pairing mutation (结对操作结果).")
class HelpPairingPayload:
    pairing: HelpPairing | None = strawberry.field(description="It; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); nothing changed then."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="Result of logging a visit (登记走访结果).")
class HelpVisitPayload:
    visit: HelpVisit | None = strawberry.field(description="It; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); nothing changed then."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


def _household(row: models.HelpHousehold) -> HelpHouseholdPayload:
    return HelpHouseholdPayload(household=HelpHousehold.from_row(row))


def _pairing(row: models.HelpPairing) -> HelpPairingPayload:
    return HelpPairingPayload(pairing=HelpPairing.from_row(row))


def _visit(row: models.HelpVisit) -> HelpVisitPayload:
    return HelpVisitPayload(visit=HelpVisit.from_row(row))


@strawberry.type(description="Mutations of the register of households in need (特殊群体).")
class HelpMutation:
    @strawberry.mutation(
        description="Register a household in need (登记帮扶对象): the community committee, "
        "for its community."
    )
    async def register_help_household(
        self, info: Info,
        input: Annotated[RegisterHelpHouseholdInput, strawberry.argument(description="It.")],
    ) -> HelpHouseholdPayload:  # fmt: skip
        fields = rules.HouseholdFields(
            name=input.name, address=input.address, category=input.category,
            max_helpers=input.max_helpers, phone=input.phone,
            circumstances=input.circumstances, grid_code=input.grid_code,
        )  # fmt: skip
        key = input.client_mutation_id
        change = Change(name="registerHelpHousehold", entity=rules.HOUSEHOLD, key=key,
                        forbidden=_COMMITTEE)  # fmt: skip
        return await mutate(info, change, HelpHouseholdPayload,
                            rules.register(info.context, fields, key), _household)  # fmt: skip

    @strawberry.mutation(
        description="Take a household off the register (退出台账) with a reason; its active "
        "pairings end with it. Nothing is deleted."
    )
    async def leave_help_register(
        self, info: Info,
        input: Annotated[LeaveHelpRegisterInput, strawberry.argument(description="It.")],
    ) -> HelpHouseholdPayload:  # fmt: skip
        change = Change(name="leaveHelpRegister", entity=rules.HOUSEHOLD,
                        key=input.client_mutation_id, forbidden=_COMMITTEE,
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, HelpHouseholdPayload, input.household_id,
            lambda row_id: rules.leave(info.context, row_id, input.reason), _household,
            unknown=_HOUSEHOLD_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Pair a helper with a household (结对帮扶): the committee; a member "
        "reported to its community (NOT_REPORTED) or a unit paired with it (NOT_PAIRED); at "
        "most its maxHelpers active helpers (FULL); the same helper twice: DUPLICATE."
    )
    async def pair_help_household(
        self, info: Info,
        input: Annotated[PairHelpHouseholdInput, strawberry.argument(description="It.")],
    ) -> HelpPairingPayload:  # fmt: skip
        key = input.client_mutation_id
        change = Change(name="pairHelpHousehold", entity=rules.PAIRING, key=key,
                        forbidden=_COMMITTEE,
                        detail={"helperKind": input.helper_kind.value})  # fmt: skip

        def pair(row_id: int) -> Awaitable[models.HelpPairing]:
            return rules.pair(info.context, row_id, input.helper_kind, input.helper_code,
                              input.visit_every_days, input.starts_on, key)  # fmt: skip

        return await mutate_node(
            info, change, HelpPairingPayload, input.household_id, pair, _pairing,
            unknown=_HOUSEHOLD_GONE, node_type=rules.HOUSEHOLD,
            audited=audit_result(rules.PAIRING),
        )  # fmt: skip

    @strawberry.mutation(description="End a pairing (结束结对) with a reason: the committee.")
    async def end_help_pairing(
        self, info: Info,
        input: Annotated[EndHelpPairingInput, strawberry.argument(description="It.")],
    ) -> HelpPairingPayload:  # fmt: skip
        change = Change(name="endHelpPairing", entity=rules.PAIRING,
                        key=input.client_mutation_id, forbidden=_COMMITTEE,
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, HelpPairingPayload, input.pairing_id,
            lambda row_id: rules.end_pairing(info.context, row_id, input.reason), _pairing,
            unknown=_PAIRING_GONE,
        )  # fmt: skip

    @strawberry.mutation(
        description="Log a visit (登记走访): the paired member or unit, or the committee; a day "
        "from the pairing's start to today (OUTSIDE_WINDOW); an ended pairing: INVALID_STATE. "
        "With an escalation it raises a demand (需求) waiting for the community's review."
    )
    async def log_help_visit(
        self, info: Info,
        input: Annotated[LogHelpVisitInput, strawberry.argument(description="It.")],
    ) -> HelpVisitPayload:  # fmt: skip
        key = input.client_mutation_id
        given = input.escalation
        escalation = (None if given is None
                      else rules.Escalation(category_code=given.category_code, title=given.title))  # fmt: skip
        change = Change(name="logHelpVisit", entity=rules.VISIT, key=key,
                        forbidden="只有结对帮扶人或本社区党委可以登记走访。",
                        detail={"escalated": escalation is not None})  # fmt: skip
        return await mutate_node(
            info, change, HelpVisitPayload, input.pairing_id,
            lambda row_id: rules.log_visit(info.context, row_id, input.visited_on, input.note,
                                           escalation, key),
            _visit, unknown=_PAIRING_GONE, node_type=rules.PAIRING,
            audited=audit_result(rules.VISIT),
        )  # fmt: skip
