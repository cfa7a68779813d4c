"""双服务, the unit serves too: a unit's Party organisation signs up for community
activities with a number of its members (活动接龙), claims demands (认领需求) and completes
them; its year's contribution shows on `WorkUnit.communityContribution(year)` and in the
community's and the district's summaries (schema/performance_places.py).

Unit signups are seen by the activity's community roles, the unit itself, the district and
the auditor. The rules live in resolvers/unit_service.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from datasources.common import as_utc
from datasources.community import unit_service as figures
from datasources.community import unit_service_models
from resolvers import unit_service
from schema.base import HubNode, Info, loaded_by
from schema.bounds import CODE_LENGTH, between, text
from schema.history import StateEvent, history
from schema.list_mutations import DemandItemPayload
from schema.lists import DemandItem
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, audit_result, mutate_node, not_found

if TYPE_CHECKING:
    from schema.activities import Activity
    from schema.units import WorkUnit

_UNITS = "schema.units"
_ACTIVITIES = "schema.activities"

UnitSignupStatus = strawberry.enum(
    unit_service_models.UnitSignupStatus,
    description="State of a unit's signup (单位接龙状态): REGISTERED 已接龙, CANCELLED 已取消, "
    "CERTIFIED 已认定 (the activity was certified).",
)


def _zoned(node: Any) -> Any:
    for name, value in list(vars(node).items()):
        if isinstance(value, datetime):
            setattr(node, name, as_utc(value))
    return node


@strawberry.type(
    description="A unit's signup for an activity (单位活动接龙): its Party organisation commits "
    "a number of its members (接龙人数), who hold that many of the activity's places, and may "
    "name them later. Seen by the activity's community, the unit, the district and the "
    "auditor."
)
class UnitActivitySignup(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.unit_signup_by_id)

    id: relay.NodeID[int]
    unit_code: str = strawberry.field(description="The unit's code (单位编码).")
    headcount: int = strawberry.field(
        description="Members the unit commits (接龙人数): places of the activity it holds."
    )
    participants: list[str] = strawberry.field(
        description="Codes of the members the unit named (参加人员), at most the headcount; "
        "empty until it names them."
    )
    status: UnitSignupStatus = strawberry.field(description="Its state (接龙状态).")  # type: ignore[valid-type]
    signed_up_at: datetime = strawberry.field(description="When the unit signed up (接龙时间).")
    cancelled_at: datetime | None = strawberry.field(
        description="When it cancelled (取消时间), if it did."
    )
    certified_at: datetime | None = strawberry.field(
        description="When the activity was certified (认定时间), null before."
    )
    activity_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return _zoned(super().from_row(row))  # type: ignore[no-any-return]

    @strawberry.field(description="The activity (活动); null when the viewer may not see it.")
    async def activity(
        self, info: Info
    ) -> Annotated[Activity, strawberry.lazy(_ACTIVITIES)] | None:
        from schema.activities import Activity

        row = await info.context.community.activity_by_id.load(self.activity_id)
        return Activity.from_optional_row(row)

    @strawberry.field(description="The unit, from the work-unit side (单位); null out of scope.")
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        row = await info.context.units.work_unit_by_code.load(self.unit_code)
        return WorkUnit.from_optional_row(row)

    @strawberry.field(description="Every state change of the signup, oldest first (接龙记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, unit_service.UNIT_SIGNUP, self.id)


@strawberry.type(
    description="What a unit's Party organisation did for communities in a year (单位双服务"
    "年度贡献), over the records the viewer may see: activities it signed up for with its "
    "members (活动接龙) and their headcount, demands it claimed (认领需求) and completed, "
    "orders it took and completed (接单), and the service projects it claimed itself "
    "(认领项目): micro-wishes, posts and their duty, agreement projects."
)
class UnitContribution:
    year: int = strawberry.field(description="The year (年度), China time.")
    activities_joined: int = strawberry.field(
        description="Activities of the year the unit signed up for, not cancelled (参加活动)."
    )
    participants: int = strawberry.field(
        description="Members the unit committed to them (接龙人次): the sum of headcounts."
    )
    activities_certified: int = strawberry.field(
        description="Of those activities, the ones the community certified (已认定活动)."
    )
    participants_certified: int = strawberry.field(
        description="Headcount of the certified ones (已认定人次)."
    )
    demands_claimed: int = strawberry.field(
        description="Demands the unit claimed in the year (认领需求)."
    )
    demands_completed: int = strawberry.field(
        description="Demands the unit completed in the year (完成需求)."
    )
    orders_completed: int = strawberry.field(
        description="Orders dispatched to the unit and completed in the year (完成点单)."
    )
    wishes_claimed: int = strawberry.field(
        description="Micro-wishes the unit claimed itself in the year (单位认领微心愿); a "
        "member's own claims are his, not the unit's."
    )
    wishes_fulfilled: int = strawberry.field(
        description="Of the unit's micro-wishes, those the community confirmed fulfilled in "
        "the year (实现微心愿)."
    )
    posts_claimed: int = strawberry.field(
        description="Posts the unit claimed itself in the year (单位认领岗位)."
    )
    duty_sessions: int = strawberry.field(
        description="Confirmed duty sessions served on the unit's posts, begun in the year "
        "(单位值守次数)."
    )
    duty_hours: float = strawberry.field(description="Their hours (单位值守时长).")
    projects_claimed: int = strawberry.field(
        description="Co-building agreement projects the unit claimed in the year (认领项目)."
    )
    projects_completed: int = strawberry.field(
        description="Of the unit's claimed projects, those the community confirmed done in "
        "the year (完成项目)."
    )
    unit_code: strawberry.Private[str]

    @classmethod
    def of(cls, row: figures.UnitContribution) -> Self:
        return cls(
            year=row.year, activities_joined=row.activities_joined,
            participants=row.participants, activities_certified=row.activities_certified,
            participants_certified=row.participants_certified,
            demands_claimed=row.demands_claimed, demands_completed=row.demands_completed,
            orders_completed=row.orders_completed, wishes_claimed=row.wishes_claimed,
            wishes_fulfilled=row.wishes_fulfilled, posts_claimed=row.posts_claimed,
            duty_sessions=row.duty_sessions, duty_hours=float(row.duty_hours),
            projects_claimed=row.projects_claimed, projects_completed=row.projects_completed,
            unit_code=row.unit_code,
        )  # fmt: skip

    @strawberry.field(description="The unit (单位); null out of the viewer's scope.")
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        row = await info.context.units.work_unit_by_code.load(self.unit_code)
        return WorkUnit.from_optional_row(row)


async def unit_contribution(info: Info, unit_code: str, year: int) -> UnitContribution:
    """`WorkUnit.communityContribution(year)`: one statement for all units of a request."""
    row = await info.context.community.contribution_of_unit.load((unit_code, year))
    return UnitContribution.of(row)


async def activity_unit_signups(info: Info, activity_id: int) -> list[UnitActivitySignup]:
    """`Activity.unitSignups`: the live and past unit signups the viewer may see."""
    rows = await info.context.community.unit_signups_of_activity.load(activity_id)
    return [UnitActivitySignup.from_row(row) for row in rows]


# --- mutations -------------------------------------------------------------------------

_SIGNUP_ID = "The unit's signup (单位接龙ID)."
_DEMAND_ID = "The demand (需求ID)."


@strawberry.input(description="Sign the unit up for an activity with its members (单位活动接龙).")
class SignUpUnitForActivityInput:
    activity_id: relay.GlobalID = strawberry.field(description="The activity (活动ID).")
    headcount: int = strawberry.field(
        metadata=between(1, unit_service_models.MAX_HEADCOUNT),
        description=f"Members the unit commits (接龙人数), 1 to "
        f"{unit_service_models.MAX_HEADCOUNT}.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Cancel the unit's signup before the activity starts (取消接龙).")
class CancelUnitSignupInput:
    signup_id: relay.GlobalID = strawberry.field(description=_SIGNUP_ID)
    reason: str | None = strawberry.field(default=None, description="Why (取消原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Name the members who go (确定参加人员).")
class NameUnitParticipantsInput:
    signup_id: relay.GlobalID = strawberry.field(description=_SIGNUP_ID)
    member_codes: list[str] = strawberry.field(
        metadata=text(CODE_LENGTH, items=unit_service_models.MAX_HEADCOUNT),
        description="Codes of the unit's members (党员编码), at most the headcount; replaces "
        "any named before.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Claim a published demand (认领需求).")
class ClaimDemandInput:
    demand_id: relay.GlobalID = strawberry.field(description=_DEMAND_ID)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Give up one's claim of a demand (放弃认领).")
class ReleaseDemandInput:
    demand_id: relay.GlobalID = strawberry.field(description=_DEMAND_ID)
    reason: str | None = strawberry.field(default=None, description="Why (原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Complete a claimed demand (完成需求).")
class CompleteDemandInput:
    demand_id: relay.GlobalID = strawberry.field(description=_DEMAND_ID)
    note: str = strawberry.field(description="What was done (完成情况), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a unit signup mutation (单位接龙操作结果).")
class UnitActivitySignupPayload:
    signup: UnitActivitySignup | None = strawberry.field(
        description="The unit's signup; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _signup(row: object) -> UnitActivitySignupPayload:
    return UnitActivitySignupPayload(signup=UnitActivitySignup.from_row(row))


def _demand(row: object) -> DemandItemPayload:
    return DemandItemPayload(demand_item=DemandItem.from_row(row))


_NO_ACTIVITY = not_found("未找到该活动。", "input.activityId")
_NO_SIGNUP = not_found(unit_service.UNIT_SIGNUP_NOT_FOUND, "input.signupId")
_NO_DEMAND = not_found(unit_service.DEMAND_NOT_FOUND, "input.demandId")


@strawberry.type(description="Mutations of units' service (双服务): 活动接龙, 认领需求.")
class UnitServiceMutation:
    @strawberry.mutation(
        description="Sign the unit up for an activity (单位活动接龙): a unit branch, for its "
        "unit, which must be paired with the activity's community (else NOT_PAIRED). The "
        "headcount holds that many places: refused with FULL when fewer are left (units do "
        "not queue on the waitlist), DUPLICATE when the unit already signed up, "
        "INVALID_STATE when the activity ended or is not published."
    )
    async def sign_up_unit_for_activity(
        self,
        info: Info,
        input: Annotated[
            SignUpUnitForActivityInput, strawberry.argument(description="The signup.")
        ],
    ) -> UnitActivitySignupPayload:
        key = input.client_mutation_id
        change = Change(name="signUpUnitForActivity", entity="UnitActivitySignup", key=key,
                        forbidden="只有单位党组织可以为本单位接龙。",
                        detail={"headcount": input.headcount})  # fmt: skip
        return await mutate_node(
            info, change, UnitActivitySignupPayload, input.activity_id,
            lambda activity_id: unit_service.sign_up_unit(
                info.context, activity_id, input.headcount, key
            ),
            _signup, unknown=_NO_ACTIVITY, node_type="Activity",
            audited=audit_result("UnitActivitySignup"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Cancel the unit's signup (取消接龙) before the activity starts: the "
        "unit's branch. Its places go to the earliest waitlisted members at once (候补递补)."
    )
    async def cancel_unit_signup(
        self,
        info: Info,
        input: Annotated[CancelUnitSignupInput, strawberry.argument(description="The signup.")],
    ) -> UnitActivitySignupPayload:
        change = Change(name="cancelUnitSignup", entity="UnitActivitySignup",
                        key=input.client_mutation_id, forbidden="只有接龙的单位可以取消。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, UnitActivitySignupPayload, input.signup_id,
            lambda signup_id: unit_service.cancel_unit_signup(
                info.context, signup_id, input.reason
            ),
            _signup, unknown=_NO_SIGNUP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Name the members who go (确定参加人员): the unit's branch, while the "
        "signup is registered; at most the headcount (INVALID_INPUT), each a member of the "
        "unit (NOT_A_MEMBER)."
    )
    async def name_unit_participants(
        self,
        info: Info,
        input: Annotated[
            NameUnitParticipantsInput, strawberry.argument(description="The participants.")
        ],
    ) -> UnitActivitySignupPayload:
        change = Change(name="nameUnitParticipants", entity="UnitActivitySignup",
                        key=input.client_mutation_id, forbidden="只有接龙的单位可以确定参加人员。",
                        detail={"members": len(input.member_codes)})  # fmt: skip
        return await mutate_node(
            info, change, UnitActivitySignupPayload, input.signup_id,
            lambda signup_id: unit_service.name_participants(
                info.context, signup_id, input.member_codes
            ),
            _signup, unknown=_NO_SIGNUP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Claim a published demand (认领需求): a member reported to its community "
        "(else NOT_REPORTED) or a unit branch for its unit paired with it (else NOT_PAIRED). "
        "One claimant, member or unit: a claimed demand is ALREADY_CLAIMED for everyone "
        "else, also under concurrent claims, and cannot be converted by the community."
    )
    async def claim_demand(
        self,
        info: Info,
        input: Annotated[ClaimDemandInput, strawberry.argument(description="The claim.")],
    ) -> DemandItemPayload:
        key = input.client_mutation_id
        change = Change(name="claimDemand", entity="DemandItem", key=key,
                        forbidden="只有党员或结对单位可以认领需求。")  # fmt: skip
        return await mutate_node(
            info, change, DemandItemPayload, input.demand_id,
            lambda demand_id: unit_service.claim_demand(info.context, demand_id, key),
            _demand, unknown=_NO_DEMAND,
        )  # fmt: skip

    @strawberry.mutation(
        description="Give up a claim before completing it (放弃认领): the claimant; the demand "
        "is open to claims again."
    )
    async def release_demand(
        self,
        info: Info,
        input: Annotated[ReleaseDemandInput, strawberry.argument(description="The claim.")],
    ) -> DemandItemPayload:
        change = Change(name="releaseDemand", entity="DemandItem", key=input.client_mutation_id,
                        forbidden="只有认领方可以放弃认领。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, DemandItemPayload, input.demand_id,
            lambda demand_id: unit_service.release_demand(info.context, demand_id, input.reason),
            _demand, unknown=_NO_DEMAND,
        )  # fmt: skip

    @strawberry.mutation(
        description="Complete a claimed demand (完成需求): the claimant, with what was done; "
        "the demand becomes FULFILLED."
    )
    async def complete_demand(
        self,
        info: Info,
        input: Annotated[CompleteDemandInput, strawberry.argument(description="The claim.")],
    ) -> DemandItemPayload:
        change = Change(name="completeDemand", entity="DemandItem", key=input.client_mutation_id,
                        forbidden="只有认领方可以完成需求。",
                        detail={"note": input.note})  # fmt: skip
        return await mutate_node(
            info, change, DemandItemPayload, input.demand_id,
            lambda demand_id: unit_service.complete_demand(info.context, demand_id, input.note),
            _demand, unknown=_NO_DEMAND,
        )  # fmt: skip
