"""Donations (爱心捐赠, 捐款捐物)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 05:30:00

One new table: donations (goods or money offered by a member, a unit or a resident to a
community; accepted or declined; handed over to a household or passed on). No existing
row changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0029'
down_revision: str | Sequence[str] | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('donations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('donor_kind', sa.Enum('member', 'unit', 'resident', name='donor_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('donor_code', sa.String(length=32), nullable=True),
    sa.Column('donor_identity', sa.String(length=64), nullable=False),
    sa.Column('donor_subject', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('goods', 'money', name='donation_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('offered', 'accepted', 'declined', 'handed_over', 'passed_on', name='donation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_reason', sa.Text(), nullable=True),
    sa.Column('recipient_household_id', sa.Integer(), nullable=True),
    sa.Column('handed_over_by', sa.String(length=120), nullable=True),
    sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handover_note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=True),
    sa.Column('passed_to', sa.String(length=200), nullable=True),
    sa.Column('passed_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_donations_quantity_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_donations_community_id_communities')),
    sa.ForeignKeyConstraint(['recipient_household_id'], ['households.id'], name=op.f('fk_donations_recipient_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_donations'))
    )
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.create_index('ix_donations_community_offered', ['community_id', 'offered_at'], unique=False)
        batch_op.create_index('ix_donations_donor', ['donor_kind', 'donor_code'], unique=False)
        batch_op.create_index('ix_donations_donor_identity', ['donor_identity'], unique=False)
        batch_op.create_index(batch_op.f('ix_donations_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('donations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_donations_status'))
        batch_op.drop_index('ix_donations_donor_identity')
        batch_op.drop_index('ix_donations_donor')
        batch_op.drop_index('ix_donations_community_offered')
    op.drop_table('donations')
