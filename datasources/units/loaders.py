"""Per-request DataLoaders of the work-unit side."""

from __future__ import annotations

from datasources.base import Datasource
from datasources.loaders import ListLoaders, row_by_key
from datasources.scope import Scope
from datasources.units.lists import MEMBERS, PARTY_BRANCHES, WORK_UNITS
from datasources.units.models import Member, PartyBranch, WorkUnit


class UnitsLoaders:
    """Every loader a request may use on the work-unit database; built fresh per request."""

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.work_unit_by_id = row_by_key(source, scope, WorkUnit.id)
        self.work_unit_by_code = row_by_key(source, scope, WorkUnit.code)
        self.branch_by_id = row_by_key(source, scope, PartyBranch.id)
        self.branch_by_code = row_by_key(source, scope, PartyBranch.code)
        self.member_by_id = row_by_key(source, scope, Member.id)
        self.member_by_code = row_by_key(source, scope, Member.code)

        self.work_units = ListLoaders(source, scope, WORK_UNITS)
        self.branches = ListLoaders(source, scope, PARTY_BRANCHES)
        self.branches_of_unit = ListLoaders(source, scope, PARTY_BRANCHES, PartyBranch.unit_id)
        self.members = ListLoaders(source, scope, MEMBERS)
        self.members_of_unit = ListLoaders(source, scope, MEMBERS, Member.unit_id)
        self.members_of_branch = ListLoaders(source, scope, MEMBERS, Member.branch_id)
