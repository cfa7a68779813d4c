"""Per-request DataLoaders of the work-unit side."""

from __future__ import annotations

from datasources.base import Datasource
from datasources.loaders import ListLoaders, row_by_key
from datasources.units.lists import MEMBERS, PARTY_BRANCHES, WORK_UNITS
from datasources.units.models import Member, PartyBranch, WorkUnit


class UnitsLoaders:
    """Every loader a request may use on the work-unit database; built fresh per request."""

    def __init__(self, source: Datasource) -> None:
        self.work_unit_by_id = row_by_key(source, WorkUnit.id)
        self.work_unit_by_code = row_by_key(source, WorkUnit.code)
        self.branch_by_id = row_by_key(source, PartyBranch.id)
        self.branch_by_code = row_by_key(source, PartyBranch.code)
        self.member_by_id = row_by_key(source, Member.id)
        self.member_by_code = row_by_key(source, Member.code)

        self.work_units = ListLoaders(source, WORK_UNITS)
        self.branches = ListLoaders(source, PARTY_BRANCHES)
        self.branches_of_unit = ListLoaders(source, PARTY_BRANCHES, PartyBranch.unit_id)
        self.members = ListLoaders(source, MEMBERS)
        self.members_of_unit = ListLoaders(source, MEMBERS, Member.unit_id)
        self.members_of_branch = ListLoaders(source, MEMBERS, Member.branch_id)
