"""SQLAlchemy models of the audit database: the hub's own records, in neither source system.

`audit_events` holds one row per recorded event. `audit_event_targets` is derived from it:
one row per (event, target id), filled by an AFTER INSERT trigger from the event's
`target_ids`, so "every event about member M001186" is an index lookup on both dialects.
Both tables are append-only: triggers (migration 0001) reject UPDATE, DELETE and, on
PostgreSQL, TRUNCATE. Nothing here is mapped for writing but `AuditSource.record`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from datasources.audit.events import AuditKind
from datasources.common import NAMING_CONVENTION, str_enum


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC and read back aware on every dialect.

    SQLite has no time zones: SQLAlchemy writes the wall-clock digits and drops the offset,
    so values are converted to UTC before they are written (comparisons in filters and
    cursors then compare like with like) and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime  # what cursors on this column decode to (see datasources.paging)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("audit timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class AuditBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AuditEventRow(AuditBase):
    """One recorded event (see `datasources.audit.events.AuditEvent` for the fields)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_subject_occurred_at", "subject", "occurred_at"),
        Index("ix_audit_events_target_type_occurred_at", "target_type", "occurred_at"),
        # One row per event id: an event delivered twice from an outbox is kept once.
        Index("uq_audit_events_event_id", "event_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The event's own id (AuditEvent.event_id); null for events recorded before it existed.
    event_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The token's subject, or "anonymous".
    subject: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    # The viewer's scope claims at the time ({"unit": "U0001", "branch": "B00043"}).
    scope: Mapped[dict[str, str]] = mapped_column(JSON)
    operation_name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[AuditKind] = mapped_column(str_enum(AuditKind, "audit_kind"))
    target_type: Mapped[str] = mapped_column(String(64))
    target_ids: Mapped[list[str]] = mapped_column(JSON)
    # Names of the personal fields read (["phone"]); empty for mutations.
    fields: Mapped[list[str]] = mapped_column(JSON)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class AuditEventTarget(AuditBase):
    """One target of one event, written by the database (trigger), never by the hub."""

    __tablename__ = "audit_event_targets"
    __table_args__ = (
        # target_id first: a lookup by id alone (codes are unique across types in practice)
        # and by (id, type) both use it.
        Index("ix_audit_event_targets_target_id_target_type", "target_id", "target_type"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    target_id: Mapped[str] = mapped_column(Text, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(64))
