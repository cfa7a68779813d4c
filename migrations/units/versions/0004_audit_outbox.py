"""Audit outbox

The audit entry of a change is committed with the change, as a row of this side's
`units_audit_outbox`, and delivered to the audit log afterwards (datasources/outbox.py). A new,
empty table: existing rows need nothing (changes made before it were audited directly).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'units_audit_outbox',
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_units_audit_outbox')),
    )
    op.create_index(op.f('ix_units_audit_outbox_created_at'), 'units_audit_outbox', ['created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_units_audit_outbox_created_at'), table_name='units_audit_outbox')
    op.drop_table('units_audit_outbox')
