"""Privacy preferences: what a member withholds from the community side.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:00:34.487295
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
    op.create_table(
        "privacy_preferences",
        sa.Column("member_code", sa.String(length=32), nullable=False),
        sa.Column("share_phone_with_community", sa.Boolean(), nullable=False),
        sa.Column("share_skills_with_community", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("member_code", name=op.f("pk_privacy_preferences")),
    )


def downgrade() -> None:
    op.drop_table("privacy_preferences")
