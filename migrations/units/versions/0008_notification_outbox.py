"""Notification outbox

A notification (消息) a units-side change causes (an organisation evaluation recorded about a
member) is committed with the change, as a row of `notification_outbox`, and relayed to the
community side's feed afterwards (datasources/notification_relay.py). A new, empty table:
existing rows need nothing (evaluations recorded before it notified nobody, and none is
invented for them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 12:15:00
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
        'notification_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('addressee', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('object_type', sa.String(length=40), nullable=True),
        sa.Column('object_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_outbox')),
        # The relay's key is the id: never reused, also on SQLite (AUTOINCREMENT).
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f('ix_notification_outbox_created_at'), 'notification_outbox', ['created_at']
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_outbox_created_at'), table_name='notification_outbox')
    op.drop_table('notification_outbox')
