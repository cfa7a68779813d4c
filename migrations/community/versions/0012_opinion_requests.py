"""Opinion requests (征求社区意见): a unit asks the residence community's opinion of a
member before promoting him; the community answers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 19:20:00.000000

A new table: no existing row changes (nothing was recorded before).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('opinion_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'answered', name='opinion_request_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('asked_by', sa.String(length=120), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opinion', sa.Enum('favourable', 'reserved', 'unfavourable', name='community_opinion', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=120), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_opinion_requests_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_requests'))
    )
    with op.batch_alter_table('opinion_requests', schema=None) as batch_op:
        batch_op.create_index('ix_opinion_requests_community_id_status', ['community_id', 'status'], unique=False)
        batch_op.create_index('ix_opinion_requests_member_code', ['member_code'], unique=False)
        batch_op.create_index('ix_opinion_requests_unit_code', ['unit_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opinion_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_requests_unit_code')
        batch_op.drop_index('ix_opinion_requests_member_code')
        batch_op.drop_index('ix_opinion_requests_community_id_status')
    op.drop_table('opinion_requests')
