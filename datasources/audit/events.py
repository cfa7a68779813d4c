"""What the hub writes to its audit log: one `AuditEvent` per thing worth recording.

Plain values, independent of GraphQL and of SQLAlchemy: the gateway builds events while it
answers a request and hands them to `AuditSource.record` in one batch at the end.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from datasources.scope import Viewer


class AuditKind(enum.Enum):
    READ_PERSONAL = "read_personal"  # personal fields (a phone, a contact) were read
    MUTATION = "mutation"  # something was changed
    DENIED = "denied"  # the caller asked for something it may not have


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _unique(values: Iterable[Any]) -> tuple[str, ...]:
    """The values as strings, each once, in first-seen order."""
    return tuple(dict.fromkeys(str(value) for value in values))


@dataclass(frozen=True)
class AuditEvent:
    """Who (`subject`, `role`, `scope`) did what (`kind`, `operation_name`, `fields`) to
    which records (`target_type`, `target_ids`), and when (`occurred_at`, UTC).

    `target_ids` are the records' stable identifiers as strings (member codes, global ids);
    `fields` the names of the personal fields read. Both are deduplicated, keeping their
    order. `occurred_at` must be timezone-aware; it is stored in UTC.
    """

    subject: str
    role: str
    kind: AuditKind
    target_type: str
    target_ids: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    operation_name: str | None = None
    request_id: str | None = None
    scope: Mapping[str, str] = field(default_factory=dict)
    detail: Mapping[str, Any] | None = None
    occurred_at: datetime = field(default_factory=_utcnow)

    def __post_init__(self) -> None:
        # Frozen: normalise through object.__setattr__, so callers may pass lists.
        object.__setattr__(self, "kind", AuditKind(self.kind))
        object.__setattr__(self, "target_ids", _unique(self.target_ids))
        object.__setattr__(self, "fields", _unique(self.fields))
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("AuditEvent.occurred_at must be timezone-aware")
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))

    @classmethod
    def by(
        cls,
        viewer: Viewer,
        kind: AuditKind,
        target_type: str,
        target_ids: Iterable[str] = (),
        *,
        fields: Iterable[str] = (),
        operation_name: str | None = None,
        request_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        """An event caused by `viewer`: its subject, role and scope claims filled in."""
        return cls(
            subject=viewer.subject,
            role=viewer.role.value,
            kind=kind,
            target_type=target_type,
            target_ids=tuple(target_ids),
            fields=tuple(fields),
            operation_name=operation_name,
            request_id=request_id,
            scope=viewer.scope_claims(),
            detail=detail,
        )

    def as_row(self) -> dict[str, Any]:
        """The event as the `audit_events` row to insert (no id: the database assigns it)."""
        return {
            "occurred_at": self.occurred_at,
            "request_id": self.request_id,
            "subject": self.subject,
            "role": self.role,
            "scope": dict(self.scope),
            "operation_name": self.operation_name,
            "kind": self.kind,
            "target_type": self.target_type,
            "target_ids": list(self.target_ids),
            "fields": list(self.fields),
            "detail": dict(self.detail) if self.detail is not None else None,
        }
