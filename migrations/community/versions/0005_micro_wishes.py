"""Micro-wishes (微心愿): published for a resident in need, claimed by one member.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:19:42.245312
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('micro_wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('beneficiary_name', sa.String(length=60), nullable=False),
    sa.Column('status', sa.Enum('published', 'claimed', 'fulfilled', 'confirmed', 'withdrawn', name='micro_wish_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('claimed_by', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fulfilment_note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_micro_wishes_category_id_service_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_micro_wishes_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_micro_wishes'))
    )
    with op.batch_alter_table('micro_wishes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_micro_wishes_claimed_by'), ['claimed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_micro_wishes_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_micro_wishes_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('micro_wishes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_micro_wishes_status'))
        batch_op.drop_index(batch_op.f('ix_micro_wishes_community_id'))
        batch_op.drop_index(batch_op.f('ix_micro_wishes_claimed_by'))

    op.drop_table('micro_wishes')
