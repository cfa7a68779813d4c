"""Event ids

Every event carries a unique `event_id`, so an event delivered twice from a side's audit
outbox is kept once (`INSERT ... ON CONFLICT (event_id) DO NOTHING`). Events recorded
before this revision keep a null id: the log is append-only (its triggers reject UPDATE)
and a unique index admits any number of nulls on both dialects. Adding a nullable column
and an index needs no table rebuild on SQLite, so the triggers stay in place.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("event_id", sa.String(length=64), nullable=True))
    op.create_index("uq_audit_events_event_id", "audit_events", ["event_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_audit_events_event_id", table_name="audit_events")
    if op.get_context().dialect.name == "sqlite":
        # DROP COLUMN (SQLite 3.35+) edits the schema in place: no rebuild, triggers kept.
        op.execute("ALTER TABLE audit_events DROP COLUMN event_id")
    else:
        op.drop_column("audit_events", "event_id")
