"""Lists of post duty sessions (岗位值守): filters and sort orders."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from datasources.community.duty_models import PostDuty, PostDutyStatus
from datasources.filtering import one_of
from datasources.paging import ListSpec


@dataclass(frozen=True)
class PostDutyFilter:
    """Duty sessions of a post or a member: by state; every state when none is given."""

    statuses: tuple[PostDutyStatus, ...] | None = None


def _duty_clauses(f: PostDutyFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(PostDuty.status, f.statuses)]


POST_DUTIES = ListSpec(
    PostDuty, orders={"starts_at": PostDuty.starts_at}, filter_clauses=_duty_clauses
)
