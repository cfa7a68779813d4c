"""A member's service timeline (服务纪实): every order, activity, post claim, duty session,
wish and points entry, newest first, with dates, hours, ratings and points; each links to
its record and says whether it is a service that counts (a post claim never is)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from datasources.common import CHINA
from datasources.community import timeline
from schema.base import Info
from schema.pagination import Connection, OrderDirection, paginate

if TYPE_CHECKING:
    from schema.places import Community

TimelineKind = strawberry.enum(
    timeline.TimelineKind,
    description="What kind of record a timeline entry is (纪实类型): an order (点单服务), "
    "an activity (活动), a post claim (岗位认领: an event, never a service), a duty session "
    "on a post (岗位值守: a service once confirmed), a micro-wish (微心愿), a points entry "
    "(积分), a public commitment (公开承诺, its status its assessment: kept 已践诺 ...) or a "
    "commendation in force (表彰, its status the honour: monthly_star 每月之星 ...).",
)

# The GraphQL type behind each kind, for the entry's global `recordId`.
_RECORD_TYPES = {
    timeline.TimelineKind.ORDER: "ServiceOrder",
    timeline.TimelineKind.ACTIVITY: "ActivitySignup",
    timeline.TimelineKind.POST: "PostClaim",
    timeline.TimelineKind.WISH: "MicroWish",
    timeline.TimelineKind.POINTS: "PointsEntry",
    timeline.TimelineKind.DUTY: "PostDuty",
    timeline.TimelineKind.COMMITMENT: "MemberCommitment",
    timeline.TimelineKind.COMMENDATION: "Commendation",
}


@strawberry.enum(description="How to sort a timeline: by when it happened (发生时间).")
class TimelineOrder(Enum):
    OCCURRED_AT = "occurred_at"


@strawberry.input(description="Filters for a member's timeline (纪实筛选); all given must hold.")
class TimelineFilter:
    kinds: list[TimelineKind] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Only these kinds of record (类型); all when omitted."
    )
    since: date | None = strawberry.field(
        default=None, description="From this day on (China Standard Time), inclusive."
    )
    until: date | None = strawberry.field(
        default=None, description="Before this day (China Standard Time), exclusive."
    )
    services: bool | None = strawberry.field(
        default=None,
        description="Only services that count (计入服务, `isService`) when true, only the "
        "other entries (post claims, points, open or refused records) when false.",
    )

    def to_filter(self) -> timeline.TimelineFilter:
        def start_of(day: date | None) -> datetime | None:
            return None if day is None else datetime.combine(day, time(), CHINA)

        return timeline.TimelineFilter(
            kinds=None if self.kinds is None else tuple(self.kinds),
            since=start_of(self.since),
            until=start_of(self.until),
            services=self.services,
        )


@strawberry.type(
    description="One record of a member's service outside working hours (服务纪实条目)."
)
class TimelineEntry:
    kind: TimelineKind = strawberry.field(description="The kind of record (类型).")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(
        description="When it happened (发生时间): an order's closing (or acceptance), an "
        "activity's start, a post's or wish's claim, a duty session's start, a points "
        "entry's booking."
    )
    is_service: bool = strawberry.field(
        description="Whether it is a service that counts (计入服务) in the member's "
        "`performance`: a completed order, an attended activity, a confirmed duty session, a "
        "fulfilled wish. A post claim (岗位认领) never is; nor a points entry."
    )
    title: str | None = strawberry.field(description="What it was (事项).")
    status: str = strawberry.field(description="The record's state (状态), lower case.")
    hours: Decimal | None = strawberry.field(
        description="Hours served (服务时长), for orders, activities and duty sessions once "
        "recorded."
    )
    rating: int | None = strawberry.field(
        description="The resident's rating 1-5 (评分), for rated orders."
    )
    points: int | None = strawberry.field(
        description="Points booked (积分变动), signed, for points entries."
    )
    record_id: relay.GlobalID = strawberry.field(
        description="Global ID of the record behind the entry; fetch it with `node`."
    )
    community_id: strawberry.Private[int | None]

    @strawberry.field(description="The community it happened in (所在社区), if any.")
    async def community(
        self, info: Info
    ) -> Annotated[Community, strawberry.lazy("schema.places")] | None:
        from schema.places import Community

        if self.community_id is None:
            return None
        return Community.from_optional_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @classmethod
    def from_row(cls, row: timeline.TimelineEntry) -> TimelineEntry:
        kind = row.timeline_kind
        return cls(
            kind=kind, occurred_at=row.occurred_at, title=row.title, status=row.status,
            is_service=row.status in timeline.SERVICE_STATES.get(kind, frozenset()),
            hours=row.hours, rating=row.rating, points=row.points,
            record_id=relay.GlobalID(_RECORD_TYPES[kind], str(row.record_id)),
            community_id=row.community_id,
        )  # fmt: skip


async def member_timeline(
    info: Info, member_code: str, *, first: int, after: str | None,
    filter: TimelineFilter | None,
) -> Connection[TimelineEntry]:  # fmt: skip
    return await paginate(
        info, info.context.community.timeline_of_member, member_code, TimelineEntry.from_row,
        first=first, after=after, order_by=TimelineOrder.OCCURRED_AT,
        direction=OrderDirection.DESC, filter=filter or TimelineFilter(),
    )  # fmt: skip
