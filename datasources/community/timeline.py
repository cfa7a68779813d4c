"""A member's service timeline (服务纪实): his orders, activities, post claims, duty
sessions, wishes, points entries, public commitments (公开承诺, not withdrawn; dated when
assessed, else when published) and commendations in force (表彰; status: the honour) as one
list, newest first.

A post claim (岗位认领) is an event, not a service: serving the post is recorded session by
session (岗位值守, kind DUTY), and a session is a service once confirmed. `SERVICE_STATES`
says which entries are services that count; each record is one entry of one kind.

`TimelineEntry` is mapped onto a UNION ALL of the eight record tables, so the timeline pages,
counts and filters like any other list (`ListSpec`), nested under many members in one
statement. Its `id` is unique across the branches (record id x 8 + branch number), which
keeps keyset cursors stable. Scope: an entry is visible exactly when the viewer may see the
record behind it (`datasources.community.policy`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    String,
    cast,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Mapped

from datasources.community.activity_models import Activity, ActivitySignup, SignupStatus
from datasources.community.commendation_models import (
    Commendation,
    CommendationStatus,
    HonoreeKind,
)
from datasources.community.commitment_models import CommitmentStatus, MemberCommitment
from datasources.community.duty_models import PostDuty, PostDutyStatus
from datasources.community.models import CommunityBase, MicroWish, MicroWishStatus, Post, PostClaim
from datasources.community.order_models import COMPLETED_ORDER_STATUSES, ServiceOrder
from datasources.community.points_models import PointsEntry
from datasources.filtering import one_of
from datasources.paging import ListSpec


class TimelineKind(enum.Enum):
    ORDER = "order"  # 点单服务
    ACTIVITY = "activity"  # 活动
    POST = "post"  # 岗位认领: the claim, an event (no service)
    WISH = "wish"  # 微心愿
    POINTS = "points"  # 积分
    DUTY = "duty"  # 岗位值守: a duty session, a service once confirmed
    COMMITMENT = "commitment"  # 公开承诺: published, then assessed at year end (践诺)
    COMMENDATION = "commendation"  # 表彰 of the member in force; status: its honour


# The states in which an entry of a kind is a service that counts (计入服务), as the
# member's `performance` counts them; a post claim and a points entry never are.
SERVICE_STATES: dict[TimelineKind, frozenset[str]] = {
    TimelineKind.ORDER: frozenset(s.value for s in COMPLETED_ORDER_STATUSES),
    TimelineKind.ACTIVITY: frozenset(
        s.value for s in (SignupStatus.ATTENDED, SignupStatus.CERTIFIED)
    ),
    TimelineKind.DUTY: frozenset({PostDutyStatus.CONFIRMED.value}),
    TimelineKind.WISH: frozenset(
        s.value for s in (MicroWishStatus.FULFILLED, MicroWishStatus.CONFIRMED)
    ),
}


# Branch number of each kind inside the synthetic id.
_BRANCH = {kind: number for number, kind in enumerate(TimelineKind, start=1)}


def _text(column: Any) -> Any:
    return type_coerce(column, String(160))


def _uid(record_id: Any, kind: TimelineKind) -> Any:
    return (record_id * 8 + _BRANCH[kind]).label("id")


def _branch(
    kind: TimelineKind,
    record_id: Any,
    member_code: Any,
    occurred_at: Any,
    title: Any,
    status: Any,
    community_id: Any,
    *,
    hours: Any = None,
    rating: Any = None,
    points: Any = None,
) -> Any:
    return select(
        _uid(record_id, kind),
        literal(kind.value, String(16)).label("kind"),
        record_id.label("record_id"),
        member_code.label("member_code"),
        occurred_at.label("occurred_at"),
        _text(title).label("title"),
        type_coerce(status, String(32)).label("status"),
        community_id.label("community_id"),
        (cast(null(), Numeric(5, 1)) if hours is None else hours).label("hours"),
        (cast(null(), Integer) if rating is None else rating).label("rating"),
        (cast(null(), Integer) if points is None else points).label("points"),
    )


_orders = _branch(
    TimelineKind.ORDER, ServiceOrder.id, ServiceOrder.member_code,
    func.coalesce(ServiceOrder.closed_at, ServiceOrder.accepted_at, ServiceOrder.dispatched_at),
    ServiceOrder.title, ServiceOrder.status, ServiceOrder.community_id,
    hours=ServiceOrder.hours, rating=ServiceOrder.rating,
).where(ServiceOrder.member_code.is_not(None))  # fmt: skip
_activities = _branch(
    TimelineKind.ACTIVITY, ActivitySignup.id, ActivitySignup.member_code, Activity.starts_at,
    Activity.title, ActivitySignup.status, Activity.community_id, hours=ActivitySignup.hours,
).join_from(ActivitySignup, Activity, ActivitySignup.activity_id == Activity.id)  # fmt: skip
_activities = _activities.where(ActivitySignup.status != SignupStatus.CANCELLED)
_posts = _branch(
    TimelineKind.POST, PostClaim.id, PostClaim.member_code, PostClaim.claimed_at, Post.title,
    PostClaim.status, Post.community_id,
).join_from(PostClaim, Post, PostClaim.post_id == Post.id)  # fmt: skip
_posts = _posts.where(PostClaim.member_code.is_not(None))  # a unit's claims are no member's
_duties = _branch(
    TimelineKind.DUTY, PostDuty.id, PostDuty.member_code, PostDuty.starts_at, Post.title,
    PostDuty.status, Post.community_id, hours=PostDuty.hours,
).join_from(PostDuty, Post, PostDuty.post_id == Post.id)  # fmt: skip
_wishes = _branch(
    TimelineKind.WISH, MicroWish.id, MicroWish.claimed_by, MicroWish.claimed_at, MicroWish.title,
    MicroWish.status, MicroWish.community_id,
).where(MicroWish.claimed_by.is_not(None))  # fmt: skip
_points = _branch(
    TimelineKind.POINTS, PointsEntry.id, PointsEntry.member_code, PointsEntry.occurred_at,
    func.coalesce(PointsEntry.note, PointsEntry.action, PointsEntry.source_type),
    PointsEntry.kind, PointsEntry.community_id, points=PointsEntry.points,
)  # fmt: skip

_commitments = _branch(
    TimelineKind.COMMITMENT, MemberCommitment.id, MemberCommitment.member_code,
    func.coalesce(MemberCommitment.assessed_at, MemberCommitment.created_at),
    MemberCommitment.content, MemberCommitment.status, MemberCommitment.community_id,
).where(MemberCommitment.status != CommitmentStatus.WITHDRAWN)  # fmt: skip

_commendations = _branch(
    TimelineKind.COMMENDATION, Commendation.id, Commendation.honoree_code,
    Commendation.awarded_at, Commendation.reason, Commendation.title, Commendation.community_id,
).where(
    Commendation.honoree_kind == HonoreeKind.MEMBER,
    Commendation.status == CommendationStatus.ACTIVE,
)  # fmt: skip

TIMELINE = union_all(
    _orders, _activities, _posts, _wishes, _points, _duties, _commitments, _commendations
).subquery("timeline")


class TimelineEntry(CommunityBase):
    """One record of a member's timeline (read-only; mapped onto the union above)."""

    __table__ = TIMELINE
    __mapper_args__ = {"primary_key": [TIMELINE.c.id]}  # noqa: RUF012

    id: Mapped[int]
    kind: Mapped[str]
    record_id: Mapped[int]
    member_code: Mapped[str]
    occurred_at: Mapped[datetime]
    title: Mapped[str | None]
    status: Mapped[str]
    community_id: Mapped[int | None]
    hours: Mapped[Decimal | None]
    rating: Mapped[int | None]
    points: Mapped[int | None]

    @property
    def timeline_kind(self) -> TimelineKind:
        return TimelineKind(self.kind)


# The record model behind each kind, for the scope rule.
SOURCES: dict[TimelineKind, type[Any]] = {
    TimelineKind.ORDER: ServiceOrder,
    TimelineKind.ACTIVITY: ActivitySignup,
    TimelineKind.POST: PostClaim,
    TimelineKind.WISH: MicroWish,
    TimelineKind.POINTS: PointsEntry,
    TimelineKind.DUTY: PostDuty,
    TimelineKind.COMMITMENT: MemberCommitment,
    TimelineKind.COMMENDATION: Commendation,
}


@dataclass(frozen=True)
class TimelineFilter:
    kinds: tuple[TimelineKind, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None
    services: bool | None = None  # only services that count (True) or only the rest (False)


def is_service() -> ColumnElement[bool]:
    """An entry is a service that counts: its kind's counting states (`SERVICE_STATES`)."""
    return or_(
        *(
            (TimelineEntry.kind == kind.value) & one_of(TimelineEntry.status, tuple(sorted(states)))
            for kind, states in SERVICE_STATES.items()
        )
    )


def _clauses(f: TimelineFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.services is not None:
        clauses.append(is_service() if f.services else not_(is_service()))
    if f.kinds is not None:
        clauses.append(one_of(TimelineEntry.kind, tuple(kind.value for kind in f.kinds)))
    if f.since is not None:
        clauses.append(TimelineEntry.occurred_at >= f.since)
    if f.until is not None:
        clauses.append(TimelineEntry.occurred_at < f.until)
    return clauses


TIMELINE_LIST: ListSpec[TimelineEntry, TimelineFilter] = ListSpec(
    TimelineEntry,
    orders={"occurred_at": TimelineEntry.occurred_at},
    filter_clauses=_clauses,
)
