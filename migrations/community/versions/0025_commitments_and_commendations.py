"""Public commitments (亮承诺、践诺) and commendations (表彰)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 11:30:00

Two new tables, member_commitments (a member's commitments for a year and their
assessment) and commendations (每月之星, 最美下沉党员, 年度表彰 of members, units and
households, revocable): no existing row changes (nothing was recorded before). On the branch
`workflows` this follows 0022 directly; the merger renumbers it after 0023.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0025'
down_revision: str | Sequence[str] | None = '0024'
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


    op.create_table('commendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Enum('monthly_star', 'model_member', 'annual', 'model_family', name='commendation_title', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('level', sa.Enum('community', 'district', name='commendation_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('honoree_kind', sa.Enum('member', 'unit', 'household', name='honoree_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('honoree_code', sa.String(length=120), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('active', 'revoked', name='commendation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('awarded_by', sa.String(length=120), nullable=False),
    sa.Column('awarded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('revoked_by', sa.String(length=120), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_commendations_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commendations'))
    )
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.create_index('ix_commendations_community_year', ['community_id', 'year'], unique=False)
        batch_op.create_index('ix_commendations_honoree', ['honoree_kind', 'honoree_code', 'year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('commendations', schema=None) as batch_op:
        batch_op.drop_index('ix_commendations_honoree')
        batch_op.drop_index('ix_commendations_community_year')
    op.drop_table('commendations')
    with op.batch_alter_table('member_commitments', schema=None) as batch_op:
        batch_op.drop_index('ix_member_commitments_unit_code')
        batch_op.drop_index('ix_member_commitments_member_year')
        batch_op.drop_index('ix_member_commitments_community_year')
    op.drop_table('member_commitments')
