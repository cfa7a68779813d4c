"""Activities (活动): a community publishes an activity with a time window, place, category,
capacity and points per attendance; members sign up (a waitlist when full), check in at
the venue with a short-lived code, the community records hours and certifies it, which
grants the points.

Published and certified activities are seen by any signed-in viewer, cancelled ones by
their community. Signups: the activity's community roles, the member himself, his unit's
branch, the district and the auditor.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry import relay

from datasources.common import CHINA, as_utc
from datasources.community import activity_lists, activity_models
from resolvers import activities
from resolvers.workflow import Refusal, RefusalCode, today_in_china
from schema.attachments import PHOTOS_DESCRIPTION, Attachment, Upload, attachments
from schema.base import HubNode, Info, loaded_by
from schema.bounds import between
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import (
    Change,
    UserError,
    audit_result,
    mutate,
    mutate_node,
    node_id_of,
    not_found,
)
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    OrderDirection,
    paginate,
)
from schema.places import Community

if TYPE_CHECKING:
    from schema.lists import ServiceCategory
    from schema.resident_points import ResidentActivitySignup, ResidentSignupFilter
    from schema.unit_service import UnitActivitySignup
    from schema.units import Member

_LISTS = "schema.lists"
_UNITS = "schema.units"
_RESIDENTS = "schema.resident_points"

ActivityStatus = strawberry.enum(
    activity_models.ActivityStatus,
    description="State of an activity (活动状态): PUBLISHED 已发布, CERTIFIED 已认定 (points "
    "granted), CANCELLED 已取消.",
)
SignupStatus = strawberry.enum(
    activity_models.SignupStatus,
    name="ActivitySignupStatus",
    description="State of a signup (报名状态): REGISTERED 已报名, WAITLISTED 候补, CANCELLED "
    "已取消, ATTENDED 已签到, CERTIFIED 已认定, ABSENT 缺席.",
)


def _zoned(node: Any) -> Any:
    """Timestamps in UTC with their zone, whichever database they came from."""
    for name, value in list(vars(node).items()):
        if isinstance(value, datetime):
            setattr(node, name, as_utc(value))
    return node


@strawberry.enum(description="How to sort activities: by start time (开始时间) or publication.")
class ActivityOrder(Enum):
    STARTS_AT = "starts_at"
    CREATED_AT = "created_at"


@strawberry.enum(description="How to sort signups: by signup time (报名时间).")
class SignupOrder(Enum):
    SIGNED_UP_AT = "signed_up_at"


@strawberry.input(description="Filters for activities (活动筛选); all given must hold.")
class ActivityFilter:
    statuses: list[ActivityStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only activities in one of these states (状态); any when omitted."
    )
    starts_from: datetime | None = strawberry.field(
        default=None, description="Only those starting at or after this time (开始时间起)."
    )
    starts_before: datetime | None = strawberry.field(
        default=None, description="Only those starting before this time (开始时间止)."
    )
    this_week: bool = strawberry.field(
        default=False,
        description="Only those starting this week (本周), Monday to Sunday in China Standard "
        "Time.",
    )

    def to_filter(self) -> activity_lists.ActivityFilter:
        bounds_from = [as_utc(self.starts_from)] if self.starts_from else []
        bounds_before = [as_utc(self.starts_before)] if self.starts_before else []
        if self.this_week:
            today = today_in_china()
            monday = datetime.combine(today - timedelta(days=today.weekday()), time(), CHINA)
            bounds_from.append(as_utc(monday))
            bounds_before.append(as_utc(monday + timedelta(days=7)))
        return activity_lists.ActivityFilter(
            statuses=None if self.statuses is None else tuple(self.statuses),
            starts_from=max(bounds_from) if bounds_from else None,
            starts_before=min(bounds_before) if bounds_before else None,
        )


@strawberry.input(description="Filters for activity signups (报名筛选).")
class ActivitySignupFilter:
    statuses: list[SignupStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only signups in one of these states (状态); any when omitted."
    )

    def to_filter(self) -> activity_lists.SignupFilter:
        return activity_lists.SignupFilter(
            statuses=None if self.statuses is None else tuple(self.statuses)
        )


@strawberry.type(
    description="An activity (活动) a community publishes: time window, place, category, "
    "capacity (名额) and points per attendance. Members sign up, check in at the venue and "
    "are certified by the community. Published and certified ones are seen by any "
    "signed-in viewer."
)
class Activity(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.activity_by_id)

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title (活动名称).")
    description: str | None = strawberry.field(description="What it is about (活动说明).")
    place: str = strawberry.field(description="Where (活动地点).")
    starts_at: datetime = strawberry.field(description="When it starts (开始时间).")
    ends_at: datetime = strawberry.field(description="When it ends (结束时间).")
    capacity: int = strawberry.field(description="Number of places (名额).")
    points_per_attendance: int = strawberry.field(
        description="Points each certified attendee earns (参加积分)."
    )
    status: ActivityStatus = strawberry.field(description="Its state (活动状态).")  # type: ignore[valid-type]
    created_at: datetime = strawberry.field(description="When it was published (发布时间).")
    certified_at: datetime | None = strawberry.field(
        description="When the community certified it (认定时间), null before."
    )
    cancelled_at: datetime | None = strawberry.field(
        description="When it was cancelled (取消时间), null unless cancelled."
    )
    community_id: strawberry.Private[int]
    category_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return _zoned(super().from_row(row))  # type: ignore[no-any-return]

    @strawberry.field(
        description="When check-in opens (签到开始): 30 minutes before the start; it closes "
        "at the end."
    )
    def check_in_opens_at(self) -> datetime:
        return self.starts_at - activities.CHECK_IN_OPENS

    @strawberry.field(description="The community that published it (发布社区).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="Its service category (服务类别).")
    async def category(
        self, info: Info
    ) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)] | None:
        from schema.lists import ServiceCategory

        return ServiceCategory.from_optional_row(
            await info.context.community.category_by_id.load(self.category_id)
        )

    @strawberry.field(
        description="Places taken (已报名人数): registered, attended and certified signups, "
        "whoever made them; counted for all activities of a request in one statement."
    )
    async def registered_count(self, info: Info) -> int:
        counts = await info.context.community.signup_counts_of_activity.load(self.id)
        return counts.registered

    @strawberry.field(description="Members on the waitlist (候补人数).")
    async def waitlist_count(self, info: Info) -> int:
        counts = await info.context.community.signup_counts_of_activity.load(self.id)
        return counts.waitlisted

    @strawberry.field(
        description="Places held by units' signups (单位接龙名额): the sum of the headcounts "
        "units committed (活动接龙), counted against the capacity like members' signups."
    )
    async def unit_places(self, info: Info) -> int:
        counts = await info.context.community.signup_counts_of_activity.load(self.id)
        return counts.unit_places

    @strawberry.field(
        description="Places held by residents' and young volunteers' signups (居民报名名额), "
        "counted against the capacity like members' signups."
    )
    async def resident_places(self, info: Info) -> int:
        counts = await info.context.community.signup_counts_of_activity.load(self.id)
        return counts.resident_places

    @strawberry.field(
        description="Places still free (剩余名额): the capacity less members' places, "
        "units' headcounts and residents' places; never below zero."
    )
    async def places_left(self, info: Info) -> int:
        counts = await info.context.community.signup_counts_of_activity.load(self.id)
        return max(0, self.capacity - counts.taken)

    @strawberry.field(
        description="Residents' and young volunteers' signups (居民报名), in signup order: the "
        "activity's community sees all, a resident his own and his children's; empty for "
        "others. They hold places like members' signups; the community confirms them."
    )
    async def resident_signups(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[ResidentSignupFilter, strawberry.lazy(_RESIDENTS)] | None = None,
    ) -> Connection[Annotated[ResidentActivitySignup, strawberry.lazy(_RESIDENTS)]]:
        from schema.resident_points import activity_resident_signups

        return await activity_resident_signups(
            info, self.id, first=first, after=after, filter=filter
        )

    @strawberry.field(
        description="Units signed up with a headcount (单位活动接龙), in signup order: the "
        "community sees all, a unit branch its unit's; empty for others."
    )
    async def unit_signups(
        self, info: Info
    ) -> list[Annotated[UnitActivitySignup, strawberry.lazy("schema.unit_service")]]:
        from schema.unit_service import activity_unit_signups

        return await activity_unit_signups(info, self.id)

    @strawberry.field(
        description="Signups (报名记录) the viewer may see, in signup order (the waitlist's "
        "order): the community sees all, a member his own, a unit branch its members'."
    )
    async def signups(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: Annotated[
            ActivitySignupFilter | None,
            strawberry.argument(description="Only signups in these states."),
        ] = None,
    ) -> Connection[ActivitySignup]:
        return await paginate(
            info, info.context.community.signups_of_activity, self.id, ActivitySignup.from_row,
            first=first, after=after, order_by=SignupOrder.SIGNED_UP_AT,
            direction=OrderDirection.ASC, filter=filter or ActivitySignupFilter(),
        )  # fmt: skip

    @strawberry.field(description="Every state change of the activity, oldest first (活动记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, activities.ACTIVITY, self.id)


@strawberry.type(
    description="A member's signup (活动报名) for an activity: registered or waitlisted, "
    "checked in, hours recorded, certified (with points) or absent."
)
class ActivitySignup(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.activity_signup_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The member's code (党员编码).")
    status: SignupStatus = strawberry.field(description="Its state (报名状态).")  # type: ignore[valid-type]
    signed_up_at: datetime = strawberry.field(description="When he signed up (报名时间).")
    promoted_at: datetime | None = strawberry.field(
        description="When he moved up from the waitlist (候补递补时间), if he did."
    )
    cancelled_at: datetime | None = strawberry.field(
        description="When he cancelled (取消时间), if he did."
    )
    checked_in_at: datetime | None = strawberry.field(
        description="When he checked in at the venue (签到时间), null before."
    )
    hours: Decimal | None = strawberry.field(
        description="Hours of service recorded (服务时长, 小时); on certification the "
        "activity's duration (rounded to half an hour) when none was recorded."
    )
    certified_at: datetime | None = strawberry.field(
        description="When the community certified his attendance (认定时间)."
    )
    activity_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return _zoned(super().from_row(row))  # type: ignore[no-any-return]

    @strawberry.field(
        description="The activity (活动); null when the viewer may not see it (a cancelled "
        "activity of another community)."
    )
    async def activity(self, info: Info) -> Activity | None:
        return Activity.from_optional_row(
            await info.context.community.activity_by_id.load(self.activity_id)
        )

    @strawberry.field(description="The member, from the work-unit side (党员); null out of scope.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(
        description="Points this signup earned (获得积分): the sum of its ledger entries, "
        "reversals included; 0 before certification."
    )
    async def points(self, info: Info) -> int:
        return await info.context.community.points_of_signup.load(self.id)

    @strawberry.field(description="Every state change of the signup, oldest first (报名记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, activities.SIGNUP, self.id)

    @strawberry.field(
        description="Files uploaded when its hours were recorded (时长佐证材料), oldest first."
    )
    async def attachments(self, info: Info) -> list[Attachment]:
        return await attachments(info, activities.SIGNUP, self.id)


async def community_activities(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: ActivityFilter | None,
) -> Connection[Activity]:  # fmt: skip
    return await paginate(
        info, info.context.community.activities_of_community, community_id, Activity.from_row,
        first=first, after=after, order_by=ActivityOrder.STARTS_AT,
        direction=OrderDirection.ASC, filter=filter or ActivityFilter(),
    )  # fmt: skip


async def member_signups(
    info: Info, member_code: str, *, first: int, after: str | None,
    filter: ActivitySignupFilter | None,
) -> Connection[ActivitySignup]:  # fmt: skip
    return await paginate(
        info, info.context.community.signups_of_member, member_code, ActivitySignup.from_row,
        first=first, after=after, order_by=SignupOrder.SIGNED_UP_AT,
        direction=OrderDirection.DESC, filter=filter or ActivitySignupFilter(),
    )  # fmt: skip


# --- mutations -------------------------------------------------------------------------

_ACTIVITY_ID = "The activity (活动ID)."
_SIGNUP_ID = "The signup (报名ID)."


@strawberry.input(description="Publish an activity of the community (发布活动).")
class PublishActivityInput:
    community_code: str = strawberry.field(description="The publishing community (社区编码).")
    category_code: str = strawberry.field(description="Its service category (服务类别编码).")
    title: str = strawberry.field(description="Title (活动名称).")
    place: str = strawberry.field(description="Where (活动地点).")
    starts_at: datetime = strawberry.field(
        description="When it starts (开始时间); without an offset, China Standard Time."
    )
    ends_at: datetime = strawberry.field(description="When it ends (结束时间), after the start.")
    capacity: int = strawberry.field(
        metadata=between(1, 10_000), description="Number of places (名额), at least 1."
    )
    points_per_attendance: int | None = strawberry.field(
        metadata=between(0, 10_000),
        default=None,
        description="Points per certified attendee (参加积分), 0 or more; the district's "
        "rule for attending an activity when omitted.",
    )
    description: str | None = strawberry.field(default=None, description="Details (活动说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Cancel an activity not yet certified (取消活动).")
class CancelActivityInput:
    activity_id: relay.GlobalID = strawberry.field(description=_ACTIVITY_ID)
    reason: str = strawberry.field(description="Why (取消原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(
    description="Change a published activity before it starts (修改活动); an omitted field "
    "stays as it is."
)
class ChangeActivityInput:
    activity_id: relay.GlobalID = strawberry.field(description=_ACTIVITY_ID)
    title: str | None = strawberry.field(default=None, description="New title (活动名称).")
    place: str | None = strawberry.field(default=None, description="New place (活动地点).")
    starts_at: datetime | None = strawberry.field(
        default=None, description="New start (开始时间); without an offset, China Standard Time."
    )
    ends_at: datetime | None = strawberry.field(
        default=None, description="New end (结束时间), after the start."
    )
    capacity: int | None = strawberry.field(
        default=None,
        metadata=between(1, 10_000),
        description="New number of places (名额): not below the places already held; new "
        "places go to the waitlist at once.",
    )
    description: str | None = strawberry.field(default=None, description="New details (活动说明).")
    reason: str | None = strawberry.field(
        default=None, description="Why (变更原因), told to those signed up."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Sign up for an activity (活动报名).")
class SignUpForActivityInput:
    activity_id: relay.GlobalID = strawberry.field(description=_ACTIVITY_ID)
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Cancel one's signup before the activity starts (取消报名).")
class CancelSignupInput:
    signup_id: relay.GlobalID = strawberry.field(description=_SIGNUP_ID)
    reason: str | None = strawberry.field(default=None, description="Why (取消原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Issue a check-in code for the venue (生成签到码).")
class IssueCheckInCodeInput:
    activity_id: relay.GlobalID = strawberry.field(description=_ACTIVITY_ID)
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Check in at the venue with the code shown there (活动签到).")
class CheckInInput:
    activity_id: relay.GlobalID = strawberry.field(description=_ACTIVITY_ID)
    code: str = strawberry.field(description="The six-digit code shown at the venue (签到码).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Record the hours of an attended signup (记录服务时长).")
class RecordActivityHoursInput:
    signup_id: relay.GlobalID = strawberry.field(description=_SIGNUP_ID)
    hours: Decimal = strawberry.field(
        metadata=between(0, 24, low_open=True),
        description="Hours of service (时长, 小时): more than 0, at most 24, one decimal.",
    )
    photos: list[Upload] | None = strawberry.field(
        default=None,
        description=PHOTOS_DESCRIPTION + " E.g. a sign-in sheet or photos (佐证材料).",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Certify an activity after it ended (认定活动).")
class CertifyActivityInput:
    activity_id: relay.GlobalID = strawberry.field(description=_ACTIVITY_ID)
    note: str | None = strawberry.field(default=None, description="Remark (认定说明).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


_ERRORS = "Why it was refused (业务错误); empty on success. Nothing changed then."


@strawberry.type(description="Result of an activity mutation (活动操作结果).")
class ActivityPayload:
    activity: Activity | None = strawberry.field(description="The activity; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a signup mutation (报名操作结果).")
class ActivitySignupPayload:
    signup: ActivitySignup | None = strawberry.field(description="The signup; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(
    description="A fresh check-in code (签到码): shown here once, never stored in clear."
)
class CheckInCodePayload:
    code: str | None = strawberry.field(
        description="The six-digit code to show at the venue; null when refused."
    )
    expires_at: datetime | None = strawberry.field(
        description="When it stops working (失效时间): 15 minutes, or the end of the activity."
    )
    activity: Activity | None = strawberry.field(description="The activity; null when refused.")
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _activity(row: object) -> ActivityPayload:
    return ActivityPayload(activity=Activity.from_row(row))


def _signup(row: object) -> ActivitySignupPayload:
    return ActivitySignupPayload(signup=ActivitySignup.from_row(row))


_NO_ACTIVITY = not_found(activities.NOT_FOUND, "input.activityId")
_NO_SIGNUP = not_found(activities.SIGNUP_NOT_FOUND, "input.signupId")


@strawberry.type(description="Mutations of activities (活动).")
class ActivitiesMutation:
    @strawberry.mutation(
        description="Publish an activity (发布活动): the community, or a grid secretary for "
        "his community. The end must follow the start, capacity at least 1."
    )
    async def publish_activity(
        self,
        info: Info,
        input: Annotated[PublishActivityInput, strawberry.argument(description="The activity.")],
    ) -> ActivityPayload:
        key = input.client_mutation_id
        action = activities.publish(
            info.context, community_code=input.community_code,
            category_code=input.category_code, title=input.title, place=input.place,
            starts_at=input.starts_at, ends_at=input.ends_at, capacity=input.capacity,
            points_per_attendance=input.points_per_attendance,
            description=input.description, key=key,
        )  # fmt: skip
        change = Change(name="publishActivity", entity="Activity", key=key,
                        forbidden="只有本社区可以发布活动。",
                        detail={"community": input.community_code})  # fmt: skip
        return await mutate(info, change, ActivityPayload, action, _activity)

    @strawberry.mutation(
        description="Cancel an activity (取消活动) not yet certified: its community, with a "
        "reason. Signups keep their state; their history notes the cancellation."
    )
    async def cancel_activity(
        self,
        info: Info,
        input: Annotated[CancelActivityInput, strawberry.argument(description="The activity.")],
    ) -> ActivityPayload:
        activity_id = node_id_of(input.activity_id, "Activity")
        action: Awaitable[object] | Refusal
        if activity_id is None:
            action = _NO_ACTIVITY
        elif not input.reason.strip():
            action = Refusal(RefusalCode.INVALID_INPUT, "请填写取消原因。", "input.reason")
        else:
            action = activities.cancel_activity(info.context, activity_id, input.reason.strip())
        change = Change(name="cancelActivity", entity="Activity", key=input.client_mutation_id,
                        targets=[str(activity_id)], forbidden="只有发布活动的社区可以取消。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate(info, change, ActivityPayload, action, _activity)

    @strawberry.mutation(
        description="Change a published activity before it starts (修改活动): its community. A "
        "narrower capacity may not drop below the places held (INVALID_INPUT); a wider one "
        "promotes the waitlist. Members and units signed up are notified (ACTIVITY_CHANGED) "
        "when the title, place or time changes. Started, certified or cancelled activities: "
        "INVALID_STATE."
    )
    async def change_activity(
        self,
        info: Info,
        input: Annotated[ChangeActivityInput, strawberry.argument(description="The change.")],
    ) -> ActivityPayload:
        activity_id = node_id_of(input.activity_id, "Activity")
        reason = (input.reason or "").strip() or None
        action: Awaitable[object] | Refusal
        if activity_id is None:
            action = _NO_ACTIVITY
        else:
            asked = activities.ActivityChange(
                title=input.title, place=input.place, starts_at=input.starts_at,
                ends_at=input.ends_at, capacity=input.capacity,
                description=input.description, reason=reason,
            )  # fmt: skip
            action = activities.change_activity(info.context, activity_id, asked)
        change = Change(name="changeActivity", entity="Activity", key=input.client_mutation_id,
                        targets=[str(activity_id)], forbidden="只有发布活动的社区可以修改。",
                        detail={"reason": reason})  # fmt: skip
        return await mutate(info, change, ActivityPayload, action, _activity)

    @strawberry.mutation(
        description="Sign up for an activity (活动报名): a member with an active report to its "
        "community (else NOT_REPORTED). A place while any is left (REGISTERED), else the "
        "waitlist (WAITLISTED), never more than the capacity, also under concurrent signups. "
        "Refused when already signed up (DUPLICATE), or when the activity has ended or was "
        "cancelled (INVALID_STATE)."
    )
    async def sign_up_for_activity(
        self,
        info: Info,
        input: Annotated[SignUpForActivityInput, strawberry.argument(description="The signup.")],
    ) -> ActivitySignupPayload:
        key = input.client_mutation_id
        change = Change(name="signUpForActivity", entity="ActivitySignup", key=key,
                        forbidden="只有党员本人可以报名活动。")  # fmt: skip
        return await mutate_node(
            info, change, ActivitySignupPayload, input.activity_id,
            lambda activity_id: activities.sign_up(info.context, activity_id, key),
            _signup, unknown=_NO_ACTIVITY, node_type="Activity",
            audited=audit_result("ActivitySignup"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Cancel one's signup (取消报名) before the activity starts: the member. A "
        "freed place goes to the earliest waitlisted member at once (候补递补)."
    )
    async def cancel_signup(
        self,
        info: Info,
        input: Annotated[CancelSignupInput, strawberry.argument(description="The signup.")],
    ) -> ActivitySignupPayload:
        change = Change(name="cancelSignup", entity="ActivitySignup", key=input.client_mutation_id,
                        forbidden="只有报名的党员本人可以取消报名。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, ActivitySignupPayload, input.signup_id,
            lambda signup_id: activities.cancel_signup(info.context, signup_id, input.reason),
            _signup, unknown=_NO_SIGNUP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Issue a check-in code (生成签到码): the community or a grid secretary of "
        "it, inside the check-in window (30 minutes before the start until the end; else "
        "OUTSIDE_WINDOW). The six-digit code is returned here once and valid 15 minutes "
        "(at most until the end); only its digest is stored."
    )
    async def issue_check_in_code(
        self,
        info: Info,
        input: Annotated[IssueCheckInCodeInput, strawberry.argument(description="The activity.")],
    ) -> CheckInCodePayload:
        change = Change(name="issueCheckInCode", entity="Activity", key=input.client_mutation_id,
                        forbidden="只有发布活动的社区可以生成签到码。")  # fmt: skip
        return await mutate_node(
            info, change, CheckInCodePayload, input.activity_id,
            lambda activity_id: activities.issue_code(info.context, activity_id),
            lambda issued: CheckInCodePayload(
                code=issued[1], expires_at=issued[2], activity=Activity.from_row(issued[0])
            ),
            unknown=_NO_ACTIVITY,
        )  # fmt: skip

    @strawberry.mutation(
        description="Check in at the venue (活动签到): a registered member, with the code "
        "shown there, inside the check-in window (else OUTSIDE_WINDOW). A wrong or expired "
        "code is INVALID_CODE; the fifth wrong one since the latest code was issued, and "
        "every attempt after it until a new code is issued, TOO_MANY_ATTEMPTS (the wrong "
        "guesses are counted even though nothing else changes). A waitlisted or "
        "unregistered member gets INVALID_STATE."
    )
    async def check_in(
        self,
        info: Info,
        input: Annotated[CheckInInput, strawberry.argument(description="The check-in.")],
    ) -> ActivitySignupPayload:
        change = Change(name="checkIn", entity="ActivitySignup", key=input.client_mutation_id,
                        forbidden="只有报名的党员本人可以签到。")  # fmt: skip
        return await mutate_node(
            info, change, ActivitySignupPayload, input.activity_id,
            lambda activity_id: activities.check_in(info.context, activity_id, input.code),
            _signup, unknown=_NO_ACTIVITY, node_type="Activity",
            audited=audit_result("ActivitySignup"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Record the hours of an attended signup (记录服务时长): the activity's "
        "community; more than 0 and at most 24 hours."
    )
    async def record_activity_hours(
        self,
        info: Info,
        input: Annotated[RecordActivityHoursInput, strawberry.argument(description="The hours.")],
    ) -> ActivitySignupPayload:
        change = Change(name="recordActivityHours", entity="ActivitySignup",
                        key=input.client_mutation_id, forbidden="只有发布活动的社区可以记录时长。",
                        detail={"hours": str(input.hours)})  # fmt: skip
        return await mutate_node(
            info, change, ActivitySignupPayload, input.signup_id,
            lambda signup_id: activities.record_hours(
                info.context, signup_id, input.hours, photos=input.photos
            ),
            _signup, unknown=_NO_SIGNUP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Certify an activity after it ended (认定活动): its community. Every "
        "attended signup is certified and earns the activity's points in the same "
        "transaction; registered members who never checked in are marked absent. Once only "
        "(INVALID_STATE after)."
    )
    async def certify_activity(
        self,
        info: Info,
        input: Annotated[CertifyActivityInput, strawberry.argument(description="The activity.")],
    ) -> ActivityPayload:
        change = Change(name="certifyActivity", entity="Activity", key=input.client_mutation_id,
                        forbidden="只有发布活动的社区可以认定活动。",
                        detail={"note": input.note})  # fmt: skip
        return await mutate_node(
            info, change, ActivityPayload, input.activity_id,
            lambda activity_id: activities.certify(info.context, activity_id, input.note),
            _activity, unknown=_NO_ACTIVITY,
        )  # fmt: skip
