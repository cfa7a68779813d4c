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
from uuid import uuid4

from datasources.scope import Viewer


class AuditKind(enum.Enum):
    READ_PERSONAL = "read_personal"  # personal fields (a phone, a contact) were read
    MUTATION = "mutation"  # something was changed
    DENIED = "denied"  # the caller asked for something it may not have


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid4().hex


def _unique(values: Iterable[Any]) -> tuple[str, ...]:
    """The values as strings, each once, in first-seen order."""
    return tuple(dict.fromkeys(str(value) for value in values))


@dataclass(frozen=True)
class AuditEvent:
    """Who (`subject`, `role`, `scope`) did what (`kind`, `operation_name`, `fields`) to
    which records (`target_type`, `target_ids`), and when (`occurred_at`, UTC).

    `target_ids` are the records' stable identifiers as strings (member codes, global ids);
    `fields` the names of the personal fields read. Both are deduplicated, keeping their
    order. `occurred_at` must be timezone-aware; it is stored in UTC. `event_id` is unique
    in the log: recording an event whose id is there already records nothing, so an event
    delivered twice (from an outbox) is kept once.
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
    event_id: str = field(default_factory=_new_id)

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
            "event_id": self.event_id,
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

    def as_payload(self) -> dict[str, Any]:
        """The event as JSON values (an outbox row's payload); `from_payload` reads it back."""
        row = self.as_row()
        return {**row, "occurred_at": self.occurred_at.isoformat(), "kind": self.kind.value}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AuditEvent:
        return cls(
            event_id=payload["event_id"],
            occurred_at=datetime.fromisoformat(payload["occurred_at"]),
            request_id=payload.get("request_id"),
            subject=payload["subject"],
            role=payload["role"],
            scope=dict(payload.get("scope") or {}),
            operation_name=payload.get("operation_name"),
            kind=AuditKind(payload["kind"]),
            target_type=payload["target_type"],
            target_ids=tuple(payload.get("target_ids") or ()),
            fields=tuple(payload.get("fields") or ()),
            detail=payload.get("detail"),
        )
