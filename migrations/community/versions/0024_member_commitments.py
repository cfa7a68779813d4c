"""Public commitments (亮承诺、践诺): a member's commitments for a year and their assessment

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-05 11:30:00

A new table: no existing row changes (nothing was recorded before). On the branch
`workflows` this follows 0022 directly; the merger renumbers it after 0023.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0024'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('public_consent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('published', 'kept', 'partly_kept', 'not_kept', 'withdrawn', name='commitment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('assessed_by', sa.String(length=120), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_member_commitments_category_id_service_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_member_commitments_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_commitments'))
    )
    with op.batch_alter_table('member_commitments', schema=None) as batch_op:
        batch_op.create_index('ix_member_commitments_community_year', ['community_id', 'year'], unique=False)
        batch_op.create_index('ix_member_commitments_member_year', ['member_code', 'year'], unique=False)
        batch_op.create_index('ix_member_commitments_unit_code', ['unit_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('member_commitments', schema=None) as batch_op:
        batch_op.drop_index('ix_member_commitments_unit_code')
        batch_op.drop_index('ix_member_commitments_member_year')
        batch_op.drop_index('ix_member_commitments_community_year')
    op.drop_table('member_commitments')
