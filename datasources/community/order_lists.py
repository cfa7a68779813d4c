"""Lists of service orders (服务订单): filters and orderings for their connections."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, not_, select

from datasources.common import utcnow
from datasources.community.models import ServiceCategory
from datasources.community.order_models import (
    OPEN_ORDER_STATUSES,
    OrderStatus,
    ServiceOrder,
    TakerKind,
)
from datasources.filtering import one_of
from datasources.paging import ListSpec


@dataclass(frozen=True)
class ServiceOrderFilter:
    """Orders by state, overdue or not (against the time of the request), category."""

    statuses: tuple[OrderStatus, ...] | None = None
    overdue: bool | None = None
    category_code: str | None = None


def overdue_clause() -> ColumnElement[bool]:
    """Open and past its due time (超时), now."""
    return and_(ServiceOrder.status.in_(OPEN_ORDER_STATUSES), ServiceOrder.due_at < utcnow())


def _clauses(f: ServiceOrderFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        clauses.append(one_of(ServiceOrder.status, f.statuses))
    if f.overdue is not None:
        clauses.append(overdue_clause() if f.overdue else not_(overdue_clause()))
    if f.category_code is not None:
        ids = select(ServiceCategory.id).where(ServiceCategory.code == f.category_code)
        clauses.append(ServiceOrder.category_id.in_(ids))
    return clauses


_ORDERS = {"ordered_at": ServiceOrder.ordered_at, "due_at": ServiceOrder.due_at}

SERVICE_ORDERS: ListSpec[ServiceOrder, ServiceOrderFilter] = ListSpec(
    ServiceOrder, orders=_ORDERS, filter_clauses=_clauses
)
# Orders a unit took through its pairing (listed under the unit's code).
UNIT_ORDERS: ListSpec[ServiceOrder, ServiceOrderFilter] = ListSpec(
    ServiceOrder,
    orders=_ORDERS,
    filter_clauses=_clauses,
    base_where=(ServiceOrder.taker_kind == TakerKind.UNIT,),
)
