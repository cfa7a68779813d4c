"""Lists of residents' and young volunteers' accounts (居民志愿者), their ledger entries
(积分流水), activity signups and redemptions, and each account's figures (balance, earned,
spent): one grouped statement per batch of accounts, for accounts the viewer reads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.common import year_window
from datasources.community.resident_points.models import (
    ResidentActivitySignup,
    ResidentEntryKind,
    ResidentPointsEntry,
    ResidentRedemption,
    ResidentSignupStatus,
    ResidentVolunteer,
    VolunteerKind,
    VolunteerStatus,
)
from datasources.community.resident_points.policy import own_accounts
from datasources.filtering import one_of
from datasources.loaders import ListLoaders, row_by_key
from datasources.paging import ListSpec
from datasources.scope import Role, Scope


@dataclass(frozen=True)
class VolunteerFilter:
    """Accounts: by kind (resident or child) and state."""

    kinds: tuple[VolunteerKind, ...] | None = None
    statuses: tuple[VolunteerStatus, ...] | None = None


@dataclass(frozen=True)
class ResidentEntryFilter:
    """Ledger entries: by kind and year (China time)."""

    kinds: tuple[ResidentEntryKind, ...] | None = None
    year: int | None = None


@dataclass(frozen=True)
class ResidentSignupFilter:
    statuses: tuple[ResidentSignupStatus, ...] | None = None


def _volunteer_clauses(f: VolunteerFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.kinds is not None:
        clauses.append(one_of(ResidentVolunteer.kind, f.kinds))
    if f.statuses is not None:
        clauses.append(one_of(ResidentVolunteer.status, f.statuses))
    return clauses


def _entry_clauses(f: ResidentEntryFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.kinds is not None:
        clauses.append(one_of(ResidentPointsEntry.kind, f.kinds))
    if f.year is not None:
        start, end = year_window(f.year)
        clauses += [ResidentPointsEntry.occurred_at >= start, ResidentPointsEntry.occurred_at < end]
    return clauses


def _signup_clauses(f: ResidentSignupFilter) -> list[ColumnElement[bool]]:
    return [] if f.statuses is None else [one_of(ResidentActivitySignup.status, f.statuses)]


VOLUNTEERS: ListSpec[ResidentVolunteer, VolunteerFilter] = ListSpec(
    ResidentVolunteer, orders={"created_at": ResidentVolunteer.created_at},
    filter_clauses=_volunteer_clauses,
)  # fmt: skip
ENTRIES: ListSpec[ResidentPointsEntry, ResidentEntryFilter] = ListSpec(
    ResidentPointsEntry, orders={"occurred_at": ResidentPointsEntry.occurred_at},
    filter_clauses=_entry_clauses,
)  # fmt: skip
SIGNUPS: ListSpec[ResidentActivitySignup, ResidentSignupFilter] = ListSpec(
    ResidentActivitySignup, orders={"signed_up_at": ResidentActivitySignup.signed_up_at},
    filter_clauses=_signup_clauses,
)  # fmt: skip
REDEMPTIONS: ListSpec[ResidentRedemption, None] = ListSpec(
    ResidentRedemption, orders={"redeemed_at": ResidentRedemption.redeemed_at}
)


class OwnAccounts(Scope):
    """The viewer's scope narrowed to his own account and his children's (`myResidentPoints`):
    nothing for any role but a resident."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(scope.rule, scope.viewer, scope.facts)

    async def where(self, model: type[Any]) -> list[ColumnElement[bool]]:
        visible = await super().where(model)
        if model is not ResidentVolunteer:
            return visible
        if self.viewer.role is not Role.RESIDENT:
            return [*visible, ResidentVolunteer.id.is_(None)]
        return [*visible, ResidentVolunteer.id.in_(own_accounts(self.viewer))]


@dataclass(frozen=True)
class LedgerTotals:
    """An account's figures (积分统计): all time, or one year in China time."""

    balance: int = 0
    earned: int = 0
    spent: int = 0


def ledger_totals(source: Datasource) -> DataLoader[tuple[int, int | None], LedgerTotals]:
    """Each (account, year or None)'s balance, earned and spent, in one grouped statement
    per year asked. Called only for accounts the viewer reads (their node resolved)."""

    async def load(keys: list[tuple[int, int | None]]) -> list[LedgerTotals]:
        found: dict[tuple[int, int | None], dict[str, int]] = defaultdict(dict)
        async with source.session() as session:
            for year in {year for _, year in keys}:
                accounts = {a for a, y in keys if y == year}
                stmt = (
                    select(
                        ResidentPointsEntry.volunteer_id,
                        type_coerce(ResidentPointsEntry.kind, String),
                        func.sum(ResidentPointsEntry.points),
                    )
                    .where(ResidentPointsEntry.volunteer_id.in_(accounts))
                    .group_by(ResidentPointsEntry.volunteer_id, ResidentPointsEntry.kind)
                )
                if year is not None:
                    start, end = year_window(year)
                    stmt = stmt.where(ResidentPointsEntry.occurred_at >= start,
                                      ResidentPointsEntry.occurred_at < end)  # fmt: skip
                for account, kind, total in await session.execute(stmt):
                    found[(account, year)][kind] = int(total or 0)
        results = []
        for key in keys:
            sums = found.get(key, {})
            earned, spent = sums.get("earn", 0), -sums.get("spend", 0)
            results.append(LedgerTotals(balance=earned - spent, earned=earned, spent=spent))
        return results

    return DataLoader(load_fn=load)


class ResidentPointsLoaders:
    """The loaders of residents' points, one set per request (on `CommunityLoaders`)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.volunteer_by_id = row_by_key(source, scope, ResidentVolunteer.id)
        self.entry_by_id = row_by_key(source, scope, ResidentPointsEntry.id)
        self.signup_by_id = row_by_key(source, scope, ResidentActivitySignup.id)
        self.redemption_by_id = row_by_key(source, scope, ResidentRedemption.id)
        self.volunteers_of_community = ListLoaders(
            source, scope, VOLUNTEERS, ResidentVolunteer.community_id
        )
        self.my_volunteers = ListLoaders(source, OwnAccounts(scope), VOLUNTEERS)
        self.children_of = ListLoaders(source, scope, VOLUNTEERS, ResidentVolunteer.guardian_id)
        self.entries_of = ListLoaders(source, scope, ENTRIES, ResidentPointsEntry.volunteer_id)
        self.signups_of = ListLoaders(source, scope, SIGNUPS, ResidentActivitySignup.volunteer_id)
        self.signups_of_activity = ListLoaders(
            source, scope, SIGNUPS, ResidentActivitySignup.activity_id
        )
        self.redemptions_of = ListLoaders(
            source, scope, REDEMPTIONS, ResidentRedemption.volunteer_id
        )
        self.totals = ledger_totals(source)
