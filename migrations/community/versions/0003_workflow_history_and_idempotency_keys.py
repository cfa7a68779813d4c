"""Workflow history (state events) and idempotency keys of creating mutations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:49:51.374370
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('mutation', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'mutation', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('state_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('actor_subject', sa.String(length=120), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_state_events'))
    )
    with op.batch_alter_table('state_events', schema=None) as batch_op:
        batch_op.create_index('ix_state_events_entity', ['entity_type', 'entity_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('state_events', schema=None) as batch_op:
        batch_op.drop_index('ix_state_events_entity')

    op.drop_table('state_events')
    op.drop_table('idempotency_keys')
