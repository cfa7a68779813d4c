"""Lists of activities (活动) and their signups (报名): filters and sort orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, String, func, literal, select, type_coerce, union_all

from datasources.base import Datasource
from datasources.batching import DataLoader
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
    """Places taken (registered, attended or certified) and the waitlist of one activity,
    the places units' signups hold (活动接龙: the sum of their headcounts) and those
    residents' and children's signups hold (居民报名)."""

    registered: int = 0
    waitlisted: int = 0
    unit_places: int = 0
    resident_places: int = 0

    @property
    def taken(self) -> int:
        return self.registered + self.unit_places + self.resident_places


def signup_counts(source: Datasource) -> DataLoader[int, SignupCounts]:
    """Counts per activity, for every activity of a request in one grouped statement.

    Figures of the activity, not lists of people: counted for any activity the viewer
    may see, whoever signed up (like a post's claimed count)."""
    from datasources.community.resident_points.models import (
        RESIDENT_PLACE_HOLDING,
        ResidentActivitySignup,
    )
    from datasources.community.unit_service_models import UNIT_PLACE_HOLDING, ActivityUnitSignup

    async def load(activity_ids: list[int]) -> list[SignupCounts]:
        members = (
            select(
                ActivitySignup.activity_id.label("activity_id"),
                # Plain strings: the units' rows carry a status no enum member has.
                type_coerce(ActivitySignup.status, String).label("status"),
                func.count().label("n"),
            )
            .where(
                ActivitySignup.activity_id.in_(activity_ids),
                ActivitySignup.status.in_((*PLACE_HOLDING, SignupStatus.WAITLISTED)),
            )
            .group_by(ActivitySignup.activity_id, ActivitySignup.status)
        )
        units = (
            select(
                ActivityUnitSignup.activity_id,
                literal(UNIT).label("status"),
                func.sum(ActivityUnitSignup.headcount),
            )
            .where(
                ActivityUnitSignup.activity_id.in_(activity_ids),
                ActivityUnitSignup.status.in_(UNIT_PLACE_HOLDING),
            )
            .group_by(ActivityUnitSignup.activity_id)
        )
        residents = (
            select(
                ResidentActivitySignup.activity_id, literal(RESIDENT).label("status"), func.count()
            )
            .where(
                ResidentActivitySignup.activity_id.in_(activity_ids),
                ResidentActivitySignup.status.in_(RESIDENT_PLACE_HOLDING),
            )
            .group_by(ResidentActivitySignup.activity_id)
        )
        counts: dict[str, dict[int, int]] = {
            "registered": {},
            SignupStatus.WAITLISTED.value: {},
            UNIT: {},
            RESIDENT: {},
        }
        async with source.session() as session:
            rows = await session.execute(union_all(members, units, residents))
            for activity_id, status, n in rows:
                own = (UNIT, RESIDENT, SignupStatus.WAITLISTED.value)
                kind = status if status in own else "registered"
                found = counts[kind]
                found[activity_id] = found.get(activity_id, 0) + int(n or 0)
        return [
            SignupCounts(
                counts["registered"].get(i, 0), counts[SignupStatus.WAITLISTED.value].get(i, 0),
                counts[UNIT].get(i, 0), counts[RESIDENT].get(i, 0),
            )
            for i in activity_ids
        ]  # fmt: skip

    return DataLoader(load_fn=load)


UNIT = "unit"  # the status column's value for the units' rows of `signup_counts`
RESIDENT = "resident"  # and for the residents' rows


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
