"""Clamp values written before the input bounds to them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:15:00

The API now refuses points per attendance or per rule above 10,000, capacities above 10,000
and mall prices or stock above 1,000,000 (`schema/bounds.py`). Rows written before, such as
an activity published with 2,147,483,647 points per attendance, would otherwise still mint
those points when certified. Ledger entries are history and stay as written; the totals
read from them are held within GraphQL Int (`schema.bounds.int32`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, the bound's maximum)
CEILINGS = (
    ('activities', 'points_per_attendance', 10_000),
    ('activities', 'capacity', 10_000),
    ('posts', 'capacity', 10_000),
    ('point_rules', 'points', 10_000),
    ('mall_items', 'price_points', 1_000_000),
    ('mall_items', 'stock', 1_000_000),
)


def upgrade() -> None:
    for table, column, ceiling in CEILINGS:
        op.execute(
            sa.text(f'UPDATE {table} SET {column} = :ceiling WHERE {column} > :ceiling')
            .bindparams(ceiling=ceiling)
        )


def downgrade() -> None:
    # The clamped values are not kept: a downgrade leaves them within the bounds.
    pass
