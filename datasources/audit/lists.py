"""The audit log as a list: what can be filtered and sorted, as hashable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from datasources.audit.events import AuditKind
from datasources.audit.models import AuditEventRow, AuditEventTarget
from datasources.paging import ListSpec


@dataclass(frozen=True)
class AuditEventFilter:
    """All given conditions must hold. `since` is inclusive, `until` exclusive; both must be
    timezone-aware. `target_id` matches events with that id among their targets (of
    `target_type` too, when given)."""

    subject: str | None = None
    role: str | None = None
    kind: AuditKind | None = None
    target_type: str | None = None
    target_id: str | None = None
    operation_name: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for bound in (self.since, self.until):
            if bound is not None and (bound.tzinfo is None or bound.utcoffset() is None):
                raise ValueError("AuditEventFilter.since/until must be timezone-aware")


def _event_clauses(f: AuditEventFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.subject is not None:
        clauses.append(AuditEventRow.subject == f.subject)
    if f.role is not None:
        clauses.append(AuditEventRow.role == f.role)
    if f.kind is not None:
        clauses.append(AuditEventRow.kind == f.kind)
    if f.target_type is not None:
        clauses.append(AuditEventRow.target_type == f.target_type)
    if f.target_id is not None:
        targets = select(AuditEventTarget.event_id).where(AuditEventTarget.target_id == f.target_id)
        if f.target_type is not None:
            targets = targets.where(AuditEventTarget.target_type == f.target_type)
        clauses.append(AuditEventRow.id.in_(targets))
    if f.operation_name is not None:
        clauses.append(AuditEventRow.operation_name == f.operation_name)
    if f.since is not None:
        clauses.append(AuditEventRow.occurred_at >= f.since)
    if f.until is not None:
        clauses.append(AuditEventRow.occurred_at < f.until)
    return clauses


# Newest first is `PageArgs(order="occurred_at", descending=True)`; ties break on id.
AUDIT_EVENTS: ListSpec[AuditEventRow, AuditEventFilter] = ListSpec(
    model=AuditEventRow,
    orders={"occurred_at": AuditEventRow.occurred_at},
    filter_clauses=_event_clauses,
)
