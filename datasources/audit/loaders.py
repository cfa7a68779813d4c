"""Per-request DataLoaders of the audit database."""

from __future__ import annotations

from datasources.audit.lists import AUDIT_EVENTS
from datasources.audit.models import AuditEventRow
from datasources.base import Datasource
from datasources.loaders import ListLoaders, row_by_key
from datasources.scope import Scope


class AuditLoaders:
    """Every loader a request may use on the audit database; built fresh per request.

    `events.page(None, PageArgs(first, "occurred_at", descending, AuditEventFilter(...)))`
    and `events.count(None, AuditEventFilter(...))` list the log; `event_by_id` loads rows.
    """

    def __init__(self, source: Datasource, scope: Scope) -> None:
        self.event_by_id = row_by_key(source, scope, AuditEventRow.id)
        self.events: ListLoaders[AuditEventRow] = ListLoaders(source, scope, AUDIT_EVENTS)
