"""Lists of activities (活动) and their signups (报名): filters and sort orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from strawberry.dataloader import DataLoader

from datasources.base import Datasource
from datasources.community.activity_models import (
    PLACE_HOLDING,
    Activity,
    ActivitySignup,
    ActivityStatus,
    SignupStatus,
)
from datasources.community.points_models import PointsEntry
from datasources.filtering import one_of
from datasources.paging import ListSpec


@dataclass(frozen=True)
class ActivityFilter:
    """Activities of a community: by state and by start time (UTC bounds, start inclusive)."""

    statuses: tuple[ActivityStatus, ...] | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


@dataclass(frozen=True)
class SignupFilter:
    """Signups of an activity or a member: by state."""

    statuses: tuple[SignupStatus, ...] | None = None


def _activity_clauses(f: ActivityFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        clauses.append(one_of(Activity.status, f.statuses))
    if f.starts_from is not None:
        clauses.append(Activity.starts_at >= f.starts_from)
    if f.starts_before is not None:
        clauses.append(Activity.starts_at < f.starts_before)
    return clauses


def _signup_clauses(f: SignupFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(ActivitySignup.status, f.statuses)]


ACTIVITIES = ListSpec(
    Activity,
    orders={"starts_at": Activity.starts_at, "created_at": Activity.created_at},
    filter_clauses=_activity_clauses,
)
SIGNUPS = ListSpec(
    ActivitySignup,
    orders={"signed_up_at": ActivitySignup.signed_up_at},
    filter_clauses=_signup_clauses,
)


@dataclass(frozen=True)
class SignupCounts:
    """Places taken (registered, attended or certified) and the waitlist of one activity."""

    registered: int = 0
    waitlisted: int = 0


def signup_counts(source: Datasource) -> DataLoader[int, SignupCounts]:
    """Counts per activity, for every activity of a request in one grouped statement.

    Figures of the activity, not lists of people: counted for any activity the viewer
    may see, whoever signed up (like a post's claimed count)."""

    async def load(activity_ids: list[int]) -> list[SignupCounts]:
        stmt = (
            select(ActivitySignup.activity_id, ActivitySignup.status, func.count())
            .where(
                ActivitySignup.activity_id.in_(activity_ids),
                ActivitySignup.status.in_((*PLACE_HOLDING, SignupStatus.WAITLISTED)),
            )
            .group_by(ActivitySignup.activity_id, ActivitySignup.status)
        )
        registered: dict[int, int] = {}
        waitlisted: dict[int, int] = {}
        async with source.session() as session:
            for activity_id, status, n in (await session.execute(stmt)).all():
                target = waitlisted if status is SignupStatus.WAITLISTED else registered
                target[activity_id] = target.get(activity_id, 0) + int(n)
        return [SignupCounts(registered.get(i, 0), waitlisted.get(i, 0)) for i in activity_ids]

    return DataLoader(load_fn=load)


def signup_points(source: Datasource) -> DataLoader[int, int]:
    """Points a signup earned (its ledger entries, reversals included), per signup id.

    Only asked for signups the viewer may already see."""

    async def load(signup_ids: list[int]) -> list[int]:
        stmt = (
            select(PointsEntry.source_id, func.sum(PointsEntry.points))
            .where(
                PointsEntry.source_type == "ActivitySignup",
                PointsEntry.source_id.in_(signup_ids),
            )
            .group_by(PointsEntry.source_id)
        )
        async with source.session() as session:
            found = {i: int(n or 0) for i, n in (await session.execute(stmt)).all()}
        return [found.get(i, 0) for i in signup_ids]

    return DataLoader(load_fn=load)
