"""Lists and loaders of points (积分) and the points mall (积分商城).

Entries, merchants, items and redemptions page like every other list (`ListSpec`), scoped
by the policy. A member's balance and totals are figures of his account: one grouped
statement per batch of members, not scoped row by row (the schema checks first that the
viewer may see the member's points at all).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import year_window
from datasources.community.models import Community
from datasources.community.points_models import (
    MallItem,
    Merchant,
    PointsEntry,
    PointsKind,
    Redemption,
    RedemptionStatus,
)
from datasources.filtering import one_of
from datasources.loaders import ListLoaders, row_by_key
from datasources.paging import ListSpec
from datasources.scope import Scope


def _in_year(year: int | None) -> list[ColumnElement[bool]]:
    if year is None:
        return []
    start, end = year_window(year)
    return [PointsEntry.occurred_at >= start, PointsEntry.occurred_at < end]


@dataclass(frozen=True)
class PointsEntryFilter:
    """Ledger entries (积分流水): by kind and by year (China time)."""

    kinds: tuple[PointsKind, ...] | None = None
    year: int | None = None


@dataclass(frozen=True)
class MerchantFilter:
    community_code: str | None = None
    include_inactive: bool = False


@dataclass(frozen=True)
class MallItemFilter:
    merchant_id: int | None = None
    community_code: str | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    include_inactive: bool = False


@dataclass(frozen=True)
class RedemptionFilter:
    statuses: tuple[RedemptionStatus, ...] | None = None


def _entry_clauses(f: PointsEntryFilter) -> list[ColumnElement[bool]]:
    clauses = _in_year(f.year)
    if f.kinds is not None:
        clauses.append(one_of(PointsEntry.kind, f.kinds))
    return clauses


def _community_ids(code: str) -> Any:
    return select(Community.id).where(Community.code == code)


def _merchant_clauses(f: MerchantFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.community_code is not None:
        clauses.append(Merchant.community_id.in_(_community_ids(f.community_code)))
    if not f.include_inactive:
        clauses.append(Merchant.active.is_(True))
    return clauses


def _item_clauses(f: MallItemFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.merchant_id is not None:
        clauses.append(MallItem.merchant_id == f.merchant_id)
    if f.community_code is not None:
        merchants = select(Merchant.id).where(
            Merchant.community_id.in_(_community_ids(f.community_code))
        )
        clauses.append(MallItem.merchant_id.in_(merchants))
    if f.max_price is not None:
        clauses.append(MallItem.price_points <= f.max_price)
    if f.in_stock is True:
        clauses.append(MallItem.stock > 0)
    elif f.in_stock is False:
        clauses.append(MallItem.stock == 0)
    if not f.include_inactive:
        clauses.append(MallItem.active.is_(True))
    return clauses


def _redemption_clauses(f: RedemptionFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(Redemption.status, f.statuses)]


POINTS_ENTRIES = ListSpec(
    PointsEntry, orders={"occurred_at": PointsEntry.occurred_at}, filter_clauses=_entry_clauses
)
MERCHANTS = ListSpec(
    Merchant,
    orders={"name": Merchant.name, "created_at": Merchant.created_at},
    filter_clauses=_merchant_clauses,
)
MALL_ITEMS = ListSpec(
    MallItem,
    orders={"price": MallItem.price_points, "created_at": MallItem.created_at,
            "name": MallItem.name},
    filter_clauses=_item_clauses,
)  # fmt: skip
REDEMPTIONS = ListSpec(
    Redemption, orders={"redeemed_at": Redemption.redeemed_at},
    filter_clauses=_redemption_clauses,
)  # fmt: skip


@dataclass(frozen=True)
class Totals:
    """A member's points figures (积分统计): all time, or one year in China time."""

    balance: int = 0
    earned: int = 0
    spent: int = 0
    reversed: int = 0
    expired: int = 0


class PointsLoaders:
    """Every loader of points and the mall, for one request."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.scope = scope
        self._source = source
        self.entry_by_id = row_by_key(source, scope, PointsEntry.id)
        self.merchant_by_id = row_by_key(source, scope, Merchant.id)
        self.item_by_id = row_by_key(source, scope, MallItem.id)
        self.redemption_by_id = row_by_key(source, scope, Redemption.id)
        self.entries_of_member = ListLoaders(source, scope, POINTS_ENTRIES, PointsEntry.member_code)
        self.merchants = ListLoaders(source, scope, MERCHANTS)
        self.items = ListLoaders(source, scope, MALL_ITEMS)
        self.items_of_merchant = ListLoaders(source, scope, MALL_ITEMS, MallItem.merchant_id)
        self.redemptions_of_member = ListLoaders(source, scope, REDEMPTIONS, Redemption.member_code)
        self.redemptions_of_item = ListLoaders(source, scope, REDEMPTIONS, Redemption.item_id)
        self.totals: DataLoader[tuple[str, int | None], Totals] = DataLoader(load_fn=self._totals)

    async def _totals(self, keys: list[tuple[str, int | None]]) -> list[Totals]:
        """Sums per member and kind: one statement per year asked for in the batch."""
        by_year: dict[int | None, set[str]] = defaultdict(set)
        for code, year in keys:
            by_year[year].add(code)
        sums: dict[tuple[str, int | None], dict[PointsKind, int]] = defaultdict(dict)
        async with self._source.session() as session:
            for year, codes in by_year.items():
                stmt = (
                    select(PointsEntry.member_code, PointsEntry.kind, func.sum(PointsEntry.points))
                    .where(PointsEntry.member_code.in_(sorted(codes)), *_in_year(year))
                    .group_by(PointsEntry.member_code, PointsEntry.kind)
                )
                for code, kind, total in await session.execute(stmt):
                    sums[(code, year)][kind] = int(total or 0)
        return [_totals_of(sums.get(key, {})) for key in keys]


def _totals_of(by_kind: dict[PointsKind, int]) -> Totals:
    return Totals(
        balance=sum(by_kind.values()),
        earned=by_kind.get(PointsKind.EARN, 0),
        spent=-by_kind.get(PointsKind.SPEND, 0),
        reversed=by_kind.get(PointsKind.REVERSE, 0),
        expired=-by_kind.get(PointsKind.EXPIRE, 0),
    )
