"""Audit outbox

The audit entry of a change is committed with the change, as a row of this side's
`community_audit_outbox`, and delivered to the audit log afterwards (datasources/outbox.py). A new,
empty table: existing rows need nothing (changes made before it were audited directly).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'community_audit_outbox',
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_community_audit_outbox')),
    )
    op.create_index(op.f('ix_community_audit_outbox_created_at'), 'community_audit_outbox', ['created_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_community_audit_outbox_created_at'), table_name='community_audit_outbox')
    op.drop_table('community_audit_outbox')
