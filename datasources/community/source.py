"""The community datasource: its engine and the loaders it offers a request."""

from __future__ import annotations

from datasources.base import Datasource
from datasources.community.loaders import CommunityLoaders
from datasources.community.models import AuditOutbox, CommunityBase
from datasources.scope import Scope


class CommunitySource(Datasource):
    name = "community"
    base = CommunityBase
    outbox = AuditOutbox

    def loaders(self, scope: Scope) -> CommunityLoaders:
        return CommunityLoaders(self, scope)
