"""Figures of units' service as organisations (双服务): activities joined with a headcount
(活动接龙), demands claimed and completed (认领需求), orders taken and completed (接单), and
the service projects the unit claimed itself (认领项目): micro-wishes claimed and confirmed,
posts claimed and the confirmed duty sessions served on them with their hours, agreement
projects claimed and confirmed done.

Only claims whose claimant is the unit count (`claimant_kind = 'unit'`); what a member of
the unit claimed himself is his (his performance), never the unit's too.

One grouped `UNION ALL` statement answers every unit of a batch (`WorkUnit.
communityContribution(year)` under many units) or every unit of a community or of the
district (the summaries); each branch carries the viewer's scope, so the figures cover the
records the viewer may see. Years are calendar years in China Standard Time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import year_window
from datasources.community.activity_models import Activity, ActivityStatus
from datasources.community.duty_models import PostDuty, PostDutyStatus
from datasources.community.models import (
    AgreementProject,
    ClaimantKind,
    CoBuildingAgreement,
    DemandItem,
    ListItemStatus,
    MicroWish,
    MicroWishStatus,
    Post,
    PostClaim,
)
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
    wishes_claimed: int = 0  # micro-wishes the unit claimed in the year
    wishes_fulfilled: int = 0  # of the unit's wishes, confirmed by the community in the year
    posts_claimed: int = 0  # posts the unit claimed in the year (whatever became of them)
    duty_sessions: int = 0  # confirmed duty sessions on the unit's claims begun in the year
    duty_hours: Decimal = field(default_factory=Decimal)  # their hours
    projects_claimed: int = 0  # agreement projects the unit claimed in the year
    projects_completed: int = 0  # of them, confirmed done by the community in the year

    @property
    def delivered(self) -> int:
        """What the unit's service delivered: demands, orders, wishes, projects, sessions."""
        return (
            self.demands_completed + self.orders_completed + self.wishes_fulfilled
            + self.projects_completed + self.duty_sessions
        )  # fmt: skip

    @property
    def active(self) -> bool:
        return bool(
            self.activities_joined or self.demands_claimed or self.orders_completed
            or self.wishes_claimed or self.posts_claimed or self.projects_claimed
            or self.delivered
        )  # fmt: skip


_FIELDS = {
    "joined": ("activities_joined", "participants"),
    "certified": ("activities_certified", "participants_certified"),
    "claimed": ("demands_claimed", None),
    "completed": ("demands_completed", None),
    "orders": ("orders_completed", None),
    "wishes_claimed": ("wishes_claimed", None),
    "wishes_fulfilled": ("wishes_fulfilled", None),
    "posts_claimed": ("posts_claimed", None),
    "duty": ("duty_sessions", "duty_hours"),
    "projects_claimed": ("projects_claimed", None),
    "projects_completed": ("projects_completed", None),
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
    claims = await _claims(scope, year, units, community_id)
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
        *claims,
    )
    return select(both.subquery())


def _count(code: Any, kind: str, model: Any) -> Select[Any]:
    return select(
        code.label("unit_code"),
        literal(kind).label("kind"),
        func.count().label("n"),
        literal(0).label("people"),
    ).select_from(model)


async def _claims(
    scope: Scope, year: int, units: Sequence[str] | None, community_id: int | None
) -> list[Select[Any]]:
    """The branches of the service projects the unit claimed itself (认领项目)."""
    start, end = year_window(year)
    wish = [MicroWish.claimant_kind == ClaimantKind.UNIT, *await scope.where(MicroWish)]
    post = [PostClaim.claimant_kind == ClaimantKind.UNIT, *await scope.where(PostClaim)]
    duty = [
        PostDuty.unit_code.is_not(None),
        PostDuty.status == PostDutyStatus.CONFIRMED,
        PostDuty.starts_at >= start,
        PostDuty.starts_at < end,
        *await scope.where(PostDuty),
    ]
    project = [
        AgreementProject.claimant_kind == ClaimantKind.UNIT,
        *await scope.where(AgreementProject),
    ]
    if units is not None:
        wish.append(MicroWish.claimed_by_unit.in_(units))
        post.append(PostClaim.unit_code.in_(units))
        duty.append(PostDuty.unit_code.in_(units))
        project.append(AgreementProject.claimant_code.in_(units))
    if community_id is not None:
        in_community = select(Post.id).where(Post.community_id == community_id)
        wish.append(MicroWish.community_id == community_id)
        post.append(PostClaim.post_id.in_(in_community))
        duty.append(PostDuty.post_id.in_(in_community))
        agreements = select(CoBuildingAgreement.id).where(
            CoBuildingAgreement.community_id == community_id
        )
        project.append(AgreementProject.agreement_id.in_(agreements))
    code = MicroWish.claimed_by_unit
    sessions = (
        select(
            PostDuty.unit_code.label("unit_code"),
            literal("duty").label("kind"),
            func.count().label("n"),
            func.sum(PostDuty.hours).label("people"),
        )
        .where(*duty)
        .group_by(PostDuty.unit_code)
    )
    return [
        _count(code, "wishes_claimed", MicroWish)
        .where(*wish, MicroWish.claimed_at >= start, MicroWish.claimed_at < end)
        .group_by(code),
        _count(code, "wishes_fulfilled", MicroWish)
        .where(
            *wish,
            MicroWish.status == MicroWishStatus.CONFIRMED,
            MicroWish.confirmed_at >= start,
            MicroWish.confirmed_at < end,
        )
        .group_by(code),
        _count(PostClaim.unit_code, "posts_claimed", PostClaim)
        .where(*post, PostClaim.claimed_at >= start, PostClaim.claimed_at < end)
        .group_by(PostClaim.unit_code),
        sessions,
        _count(AgreementProject.claimant_code, "projects_claimed", AgreementProject)
        .where(*project, AgreementProject.claimed_at >= start, AgreementProject.claimed_at < end)
        .group_by(AgreementProject.claimant_code),
        _count(AgreementProject.claimant_code, "projects_completed", AgreementProject)
        .where(
            *project,
            AgreementProject.confirmed_at >= start,
            AgreementProject.confirmed_at < end,
        )
        .group_by(AgreementProject.claimant_code),
    ]


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
            if people_field == "duty_hours":
                row.duty_hours = Decimal(str(people or 0)).quantize(Decimal("0.01"))
            elif people_field is not None:
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
