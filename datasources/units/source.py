"""The work-unit datasource: its engine and the loaders it offers a request."""

from __future__ import annotations

from datasources.base import Datasource
from datasources.scope import Scope
from datasources.units.loaders import UnitsLoaders
from datasources.units.models import AuditOutbox, UnitsBase


class UnitsSource(Datasource):
    name = "units"
    base = UnitsBase
    outbox = AuditOutbox

    def loaders(self, scope: Scope) -> UnitsLoaders:
        return UnitsLoaders(self, scope)
