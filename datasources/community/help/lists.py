"""Lists of the register of households in need (特殊群体), their pairings and visits; the
overdue pairings (未按期走访) are one indexed condition on `next_visit_due`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement

from datasources.base import Datasource
from datasources.community.help.models import (
    HelperKind,
    HelpHousehold,
    HelpPairing,
    HelpVisit,
    HouseholdStatus,
    PairingStatus,
)
from datasources.filtering import one_of
from datasources.loaders import ListLoaders, row_by_key
from datasources.paging import ListSpec
from datasources.scope import Scope


@dataclass(frozen=True)
class HouseholdFilter:
    """Households: by community and state (never by a personal field: category, name)."""

    community_id: int | None = None
    statuses: tuple[HouseholdStatus, ...] | None = None


@dataclass(frozen=True)
class PairingFilter:
    """Pairings: by community, state, helper kind; `due_before` keeps the active ones whose
    next visit was due before that day (overdue, 逾期未走访)."""

    community_id: int | None = None
    statuses: tuple[PairingStatus, ...] | None = None
    helper_kinds: tuple[HelperKind, ...] | None = None
    due_before: date | None = None


def _household_clauses(f: HouseholdFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.community_id is not None:
        clauses.append(HelpHousehold.community_id == f.community_id)
    if f.statuses is not None:
        clauses.append(one_of(HelpHousehold.status, f.statuses))
    return clauses


def _pairing_clauses(f: PairingFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.community_id is not None:
        clauses.append(HelpPairing.community_id == f.community_id)
    if f.statuses is not None:
        clauses.append(one_of(HelpPairing.status, f.statuses))
    if f.helper_kinds is not None:
        clauses.append(one_of(HelpPairing.helper_kind, f.helper_kinds))
    if f.due_before is not None:
        clauses.append(HelpPairing.status == PairingStatus.ACTIVE)
        clauses.append(HelpPairing.next_visit_due < f.due_before)
    return clauses


HOUSEHOLDS: ListSpec[HelpHousehold, HouseholdFilter] = ListSpec(
    HelpHousehold,
    orders={"created_at": HelpHousehold.created_at},
    filter_clauses=_household_clauses,
)
PAIRINGS: ListSpec[HelpPairing, PairingFilter] = ListSpec(
    HelpPairing,
    orders={"next_visit_due": HelpPairing.next_visit_due, "created_at": HelpPairing.created_at},
    filter_clauses=_pairing_clauses,
)
VISITS: ListSpec[HelpVisit, None] = ListSpec(
    HelpVisit, orders={"visited_on": HelpVisit.visited_on, "created_at": HelpVisit.created_at}
)


class HelpLoaders:
    """The loaders of the register, one set per request (hung on `CommunityLoaders`)."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.household_by_id = row_by_key(source, scope, HelpHousehold.id)
        self.pairing_by_id = row_by_key(source, scope, HelpPairing.id)
        self.visit_by_id = row_by_key(source, scope, HelpVisit.id)
        self.households = ListLoaders(source, scope, HOUSEHOLDS)
        self.pairings = ListLoaders(source, scope, PAIRINGS)
        self.pairings_of_household = ListLoaders(source, scope, PAIRINGS, HelpPairing.household_id)
        self.visits_of_pairing = ListLoaders(source, scope, VISITS, HelpVisit.pairing_id)
