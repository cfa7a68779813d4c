"""Figures of units' service as organisations (双服务): activities joined with a headcount
(活动接龙), demands claimed and completed (认领需求), orders taken and completed (接单).

One grouped `UNION ALL` statement answers every unit of a batch (`WorkUnit.
communityContribution(year)` under many units) or every unit of a community or of the
district (the summaries); each branch carries the viewer's scope, so the figures cover the
records the viewer may see. Years are calendar years in China Standard Time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import year_window
from datasources.community.activity_models import Activity, ActivityStatus
from datasources.community.models import ClaimantKind, DemandItem, ListItemStatus
from datasources.community.order_models import (
    COMPLETED_ORDER_STATUSES,
    ServiceOrder,
    TakerKind,
)
from datasources.community.unit_service_models import (
    UNIT_PLACE_HOLDING,
    ActivityUnitSignup,
    UnitSignupStatus,
)
from datasources.scope import Scope

UnitYear = tuple[str, int]


@dataclass
class UnitContribution:
    """One unit's service in a year, as the viewer may see it."""

    unit_code: str
    year: int
    activities_joined: int = 0  # live or certified unit signups of activities in the year
    participants: int = 0  # their committed headcount
    activities_certified: int = 0  # of them, certified by the community
    participants_certified: int = 0
    demands_claimed: int = 0  # demands the unit claimed in the year (whatever became of them)
    demands_completed: int = 0  # demands the unit completed in the year
    orders_completed: int = 0  # orders the unit took and completed in the year

    @property
    def active(self) -> bool:
        return bool(self.activities_joined or self.demands_claimed or self.orders_completed)


_FIELDS = {
    "joined": ("activities_joined", "participants"),
    "certified": ("activities_certified", "participants_certified"),
    "claimed": ("demands_claimed", None),
    "completed": ("demands_completed", None),
    "orders": ("orders_completed", None),
}


async def _union(
    scope: Scope, year: int, units: Sequence[str] | None, community_id: int | None
) -> Select[Any]:
    start, end = year_window(year)
    signup_where: list[ColumnElement[bool]] = [
        Activity.starts_at >= start,
        Activity.starts_at < end,
        Activity.status != ActivityStatus.CANCELLED,
        *await scope.where(Activity),
        *await scope.where(ActivityUnitSignup),
    ]
    claimed_by_unit = DemandItem.claimant_kind == ClaimantKind.UNIT
    demand_scope = await scope.where(DemandItem)
    done = func.coalesce(ServiceOrder.closed_at, ServiceOrder.confirmed_at)
    order_where: list[ColumnElement[bool]] = [
        ServiceOrder.taker_kind == TakerKind.UNIT,
        ServiceOrder.status.in_(COMPLETED_ORDER_STATUSES),
        done >= start,
        done < end,
        *await scope.where(ServiceOrder),
    ]
    if units is not None:
        signup_where.append(ActivityUnitSignup.unit_code.in_(units))
        claimed_by_unit = claimed_by_unit & DemandItem.claimant_code.in_(units)
        order_where.append(ServiceOrder.taker_code.in_(units))
    if community_id is not None:
        signup_where.append(Activity.community_id == community_id)
        claimed_by_unit = claimed_by_unit & (DemandItem.community_id == community_id)
        order_where.append(ServiceOrder.community_id == community_id)

    def signups(kind: str, statuses: Sequence[UnitSignupStatus]) -> Any:
        return (
            select(
                ActivityUnitSignup.unit_code.label("unit_code"),
                literal(kind).label("kind"),
                func.count().label("n"),
                func.sum(ActivityUnitSignup.headcount).label("people"),
            )
            .join(Activity, Activity.id == ActivityUnitSignup.activity_id)
            .where(ActivityUnitSignup.status.in_(statuses), *signup_where)
            .group_by(ActivityUnitSignup.unit_code)
        )

    def demands(kind: str, *where: ColumnElement[bool]) -> Any:
        return (
            select(
                DemandItem.claimant_code.label("unit_code"),
                literal(kind).label("kind"),
                func.count().label("n"),
                literal(0).label("people"),
            )
            .where(claimed_by_unit, *where, *demand_scope)
            .group_by(DemandItem.claimant_code)
        )

    orders = (
        select(
            ServiceOrder.taker_code.label("unit_code"),
            literal("orders").label("kind"),
            func.count().label("n"),
            literal(0).label("people"),
        )
        .where(*order_where)
        .group_by(ServiceOrder.taker_code)
    )
    both: Any = union_all(
        signups("joined", UNIT_PLACE_HOLDING),
        signups("certified", (UnitSignupStatus.CERTIFIED,)),
        demands("claimed", DemandItem.claimed_at >= start, DemandItem.claimed_at < end),
        demands(
            "completed",
            DemandItem.status == ListItemStatus.FULFILLED,
            DemandItem.completed_at >= start,
            DemandItem.completed_at < end,
        ),
        orders,
    )
    return select(both.subquery())


async def contributions(
    source: Datasource,
    scope: Scope,
    year: int,
    units: Sequence[str] | None = None,
    community_id: int | None = None,
) -> dict[str, UnitContribution]:
    """Every unit's figures in `year` (only `units`, or only in one community, if given)."""
    stmt = await _union(scope, year, units, community_id)
    found: dict[str, UnitContribution] = {}
    async with source.session() as session:
        for code, kind, n, people in (await session.execute(stmt)).all():
            row = found.setdefault(str(code), UnitContribution(str(code), year))
            count_field, people_field = _FIELDS[str(kind)]
            setattr(row, count_field, int(n or 0))
            if people_field is not None:
                setattr(row, people_field, int(people or 0))
    return found


def contribution_of_unit(
    source: Datasource, scope: Scope
) -> DataLoader[UnitYear, UnitContribution]:
    """`WorkUnit.communityContribution(year)` for every unit of a request: one statement
    per year asked for, whatever the number of units."""

    async def load(keys: list[UnitYear]) -> list[UnitContribution]:
        by_year: dict[int, list[str]] = defaultdict(list)
        for code, year in keys:
            by_year[year].append(code)
        found: dict[UnitYear, UnitContribution] = {}
        for year, codes in sorted(by_year.items()):
            for code, row in (await contributions(source, scope, year, codes)).items():
                found[(code, year)] = row
        return [found.get(key) or UnitContribution(*key) for key in keys]

    return DataLoader(load_fn=load)
