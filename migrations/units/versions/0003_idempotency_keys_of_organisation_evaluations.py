"""Idempotency keys of organisation evaluations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:42:33.438685
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
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_key', sa.String(length=120), nullable=True))
        batch_op.create_index('uq_organisation_evaluations_client_key', ['evaluator_subject', 'client_key'], unique=True, sqlite_where=sa.text('client_key IS NOT NULL'), postgresql_where=sa.text('client_key IS NOT NULL'))



def downgrade() -> None:
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisation_evaluations_client_key', sqlite_where=sa.text('client_key IS NOT NULL'), postgresql_where=sa.text('client_key IS NOT NULL'))
        batch_op.drop_column('client_key')

