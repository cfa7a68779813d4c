"""Lists of donations (爱心捐赠) and a community's figures of a year (捐赠情况)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import year_window
from datasources.community.donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    DonorKind,
)
from datasources.community.donations.policy import donated_by
from datasources.filtering import one_of
from datasources.loaders import ListLoaders, row_by_key
from datasources.paging import ListSpec
from datasources.scope import Scope


@dataclass(frozen=True)
class DonationFilter:
    """Donations: by state, kind and donor kind."""

    statuses: tuple[DonationStatus, ...] | None = None
    kinds: tuple[DonationKind, ...] | None = None
    donor_kinds: tuple[DonorKind, ...] | None = None


def _clauses(f: DonationFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.statuses is not None:
        clauses.append(one_of(Donation.status, f.statuses))
    if f.kinds is not None:
        clauses.append(one_of(Donation.kind, f.kinds))
    if f.donor_kinds is not None:
        clauses.append(one_of(Donation.donor_kind, f.donor_kinds))
    return clauses


DONATIONS: ListSpec[Donation, DonationFilter] = ListSpec(
    Donation, orders={"offered_at": Donation.offered_at}, filter_clauses=_clauses
)


class DonatedByViewer(Scope):
    """The viewer's scope, narrowed to the donations he offered himself (`myDonations`)."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope.rule, scope.viewer, scope.facts)

    async def where(self, model: type[Any]) -> list[ColumnElement[bool]]:
        visible = await super().where(model)
        return [*visible, *donated_by(self.viewer)] if model is Donation else visible


@dataclass(frozen=True)
class DonationFigures:
    """A community's donations of a year (捐赠情况): counts by state and the sums given."""

    total: int = 0  # offered in the year, in any state
    offered: int = 0  # still waiting for the community's decision
    accepted: int = 0
    declined: int = 0
    handed_over: int = 0
    passed_on: int = 0
    goods_pieces: int = 0  # pieces of goods accepted (incl. handed over or passed on)
    money_yuan: int = 0  # yuan of money accepted (incl. handed over or passed on)


_TAKEN = {DonationStatus.ACCEPTED, DonationStatus.HANDED_OVER, DonationStatus.PASSED_ON}


def donation_figures(source: Datasource) -> DataLoader[tuple[int, int], DonationFigures]:
    """Each (community, year)'s donations, counted in the year offered: figures, not donors."""

    async def load(keys: list[tuple[int, int]]) -> list[DonationFigures]:
        found: dict[tuple[int, int], dict[str, int]] = {}
        async with source.session() as session:
            for year in sorted({year for _, year in keys}):
                start, end = year_window(year)
                stmt = (
                    select(
                        Donation.community_id,
                        type_coerce(Donation.status, String),
                        type_coerce(Donation.kind, String),
                        func.count(),
                        func.coalesce(func.sum(Donation.quantity), 0),
                    )
                    .where(
                        Donation.community_id.in_({c for c, y in keys if y == year}),
                        Donation.offered_at >= start,
                        Donation.offered_at < end,
                    )
                    .group_by(Donation.community_id, Donation.status, Donation.kind)
                )
                for community, status, kind, n, total in await session.execute(stmt):
                    acc = found.setdefault((community, year), {})
                    state = DonationStatus(status)
                    acc["total"] = acc.get("total", 0) + n
                    acc[state.value] = acc.get(state.value, 0) + n
                    if state in _TAKEN:
                        field = "goods_pieces" if kind == DonationKind.GOODS.value else "money_yuan"
                        acc[field] = acc.get(field, 0) + int(total)
        return [DonationFigures(**found.get(key, {})) for key in keys]

    return DataLoader(load_fn=load)


class DonationLoaders:
    """The loaders of donations, one set per request (hung on `CommunityLoaders`)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.donation_by_id = row_by_key(source, scope, Donation.id)
        self.donations_of_community = ListLoaders(source, scope, DONATIONS, Donation.community_id)
        self.my_donations = ListLoaders(source, DonatedByViewer(scope), DONATIONS)
        self.figures = donation_figures(source)
