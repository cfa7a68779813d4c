"""Check-in guess limit

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 00:44:51.253100
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_in_failures', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('check_in_failed_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.drop_column('check_in_failed_at')
        batch_op.drop_column('check_in_failures')

