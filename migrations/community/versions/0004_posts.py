"""Posts (岗位) and members' claims (认领).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 21:04:45.494723
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='post_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_posts_capacity_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_posts_period_order')),
    sa.ForeignKeyConstraint(['category_id'], ['service_categories.id'], name=op.f('fk_posts_category_id_service_categories')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_posts_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('code', name=op.f('uq_posts_code'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_status'), ['status'], unique=False)

    op.create_table('post_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'released', name='post_claim_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_claims_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_claims'))
    )
    with op.batch_alter_table('post_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_claims_member_code'), ['member_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_claims_post_id'), ['post_id'], unique=False)
        batch_op.create_index('uq_post_claims_active_member', ['post_id', 'member_code'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))



def downgrade() -> None:
    with op.batch_alter_table('post_claims', schema=None) as batch_op:
        batch_op.drop_index('uq_post_claims_active_member', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_post_claims_post_id'))
        batch_op.drop_index(batch_op.f('ix_post_claims_member_code'))

    op.drop_table('post_claims')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_status'))
        batch_op.drop_index(batch_op.f('ix_posts_community_id'))
        batch_op.drop_index(batch_op.f('ix_posts_category_id'))

    op.drop_table('posts')
