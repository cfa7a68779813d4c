"""Who meets for a compound (联动会议的组成), by the compound's kind.

From the Xiaogan Wenhualu article (红色驿站, three kinds of compound) and the Junan
article (磐龙湖社区「四方」议事会):

- a compound with property service (有物业小区): 社区居委会、网格党支部、业主委员会、物业
  (四方联动); or the four-party council (四方议事会): 小区党支部书记、业委会成员、在职党员代表、
  居民代表;
- a unit-built compound (单位自建小区): 社区居委会、自建单位、党小组、业委会 — the owners'
  committee when the compound has one (the article sets up 业委会 in compounds with
  property service only, so a unit-built compound may have none);
- a 三无小区 (no competent unit, no property service, no owners' committee): 社区居委会、
  自管委、党小组 (三方联动).

A meeting fills every seat of its form (each seat by one of its parties) and brings no
party its form does not have. The workflow, the seeder and the migration's docs use this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from datasources.community.models import CompoundKind
from datasources.community.partner_models import LinkageForm, LinkageParty

P = LinkageParty


@dataclass(frozen=True)
class Seat:
    """A place at the table that one of `parties` fills; `if_present`: required only when
    the compound has such a party."""

    parties: frozenset[LinkageParty]
    if_present: bool = False


def _seat(*parties: LinkageParty, if_present: bool = False) -> Seat:
    return Seat(frozenset(parties), if_present)


SEATS: dict[LinkageForm, tuple[Seat, ...]] = {
    LinkageForm.FOUR_PARTY: (
        _seat(P.COMMUNITY),
        _seat(P.GRID_BRANCH, P.COMPOUND_BRANCH),
        _seat(P.OWNERS_COMMITTEE),
        _seat(P.PROPERTY_COMPANY),
    ),
    LinkageForm.UNIT_BUILT: (
        _seat(P.COMMUNITY),
        _seat(P.SELF_BUILT_UNIT),
        _seat(P.PARTY_GROUP),
        _seat(P.OWNERS_COMMITTEE, if_present=True),
    ),
    LinkageForm.THREE_PARTY: (
        _seat(P.COMMUNITY),
        _seat(P.SELF_MANAGEMENT_COMMITTEE),
        _seat(P.PARTY_GROUP),
    ),
    LinkageForm.FOUR_PARTY_COUNCIL: (
        _seat(P.COMPOUND_BRANCH),
        _seat(P.OWNERS_COMMITTEE),
        _seat(P.IN_SERVICE_MEMBERS),
        _seat(P.RESIDENTS),
    ),
}

# The forms a compound of a kind meets in; the first is the default.
FORMS_OF_KIND: dict[CompoundKind, tuple[LinkageForm, ...]] = {
    CompoundKind.COMMERCIAL: (LinkageForm.FOUR_PARTY, LinkageForm.FOUR_PARTY_COUNCIL),
    CompoundKind.UNIT_BUILT: (LinkageForm.UNIT_BUILT,),
    CompoundKind.THREE_NO: (LinkageForm.THREE_PARTY,),
}

KIND_NAMES = {
    CompoundKind.COMMERCIAL: "有物业小区",
    CompoundKind.UNIT_BUILT: "单位自建小区",
    CompoundKind.THREE_NO: "三无小区",
}
FORM_NAMES = {
    LinkageForm.FOUR_PARTY: "四方联动会议",
    LinkageForm.UNIT_BUILT: "单位自建小区四方联动会议",
    LinkageForm.THREE_PARTY: "三方联动会议",
    LinkageForm.FOUR_PARTY_COUNCIL: "四方议事会",
}
PARTY_NAMES = {
    P.COMMUNITY: "社区居委会",
    P.GRID_BRANCH: "网格党支部",
    P.OWNERS_COMMITTEE: "业委会",
    P.PROPERTY_COMPANY: "物业企业",
    P.COMPOUND_BRANCH: "小区党支部",
    P.SELF_BUILT_UNIT: "自建单位",
    P.SELF_MANAGEMENT_COMMITTEE: "自管委",
    P.PARTY_GROUP: "党小组",
    P.IN_SERVICE_MEMBERS: "在职党员代表",
    P.RESIDENTS: "居民代表",
}


def parties_of(form: LinkageForm) -> frozenset[LinkageParty]:
    return frozenset().union(*(seat.parties for seat in SEATS[form]))


def stranger(form: LinkageForm, parties: Sequence[LinkageParty]) -> int | None:
    """The index of the first party the form does not have, if any."""
    allowed = parties_of(form)
    return next((i for i, party in enumerate(parties) if party not in allowed), None)


def empty_seat(
    form: LinkageForm, parties: Sequence[LinkageParty], available: frozenset[LinkageParty]
) -> Seat | None:
    """The first required seat no attendee fills; `available`: the parties the compound
    has (decides the `if_present` seats)."""
    present = set(parties)
    for seat in SEATS[form]:
        if seat.if_present and not seat.parties & available:
            continue
        if not seat.parties & present:
            return seat
    return None


def seat_names(seat: Seat) -> str:
    return "或".join(PARTY_NAMES[p] for p in LinkageParty if p in seat.parties)
