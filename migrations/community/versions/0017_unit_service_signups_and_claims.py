"""双服务: units sign up for activities with a headcount; demands carry one claimant

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 19:00:00

A unit's Party organisation now serves as an organisation (双服务): it signs up for an
activity with a number of its members (`activity_unit_signups`, 活动接龙), and it or a
member claims a published demand (认领) and completes it (`demand_items.claimant_*`).
Existing activities have no unit signups; existing demands are unclaimed (the new columns
are null), which is what they were: before this revision nobody could claim a demand, it
could only be converted by the community.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('activity_unit_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('registered', 'cancelled', 'certified', name='unit_signup_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('headcount BETWEEN 1 AND 200', name=op.f('ck_activity_unit_signups_headcount_range')),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_activity_unit_signups_activity_id_activities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_unit_signups'))
    )
    with op.batch_alter_table('activity_unit_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_unit_signups_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_unit_signups_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index('uq_activity_unit_signups_live_unit', ['activity_id', 'unit_code'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))

    with op.batch_alter_table('demand_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimant_kind', sa.Enum('member', 'unit', name='claimant_kind', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('claimant_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completion_note', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_demand_items_claimant_code'), ['claimant_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('demand_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_items_claimant_code'))
        batch_op.drop_constraint(batch_op.f('ck_demand_items_claimant_kind'), type_='check')
        batch_op.drop_column('completion_note')
        batch_op.drop_column('completed_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimant_code')
        batch_op.drop_column('claimant_kind')

    with op.batch_alter_table('activity_unit_signups', schema=None) as batch_op:
        batch_op.drop_index('uq_activity_unit_signups_live_unit', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index(batch_op.f('ix_activity_unit_signups_unit_code'))
        batch_op.drop_index(batch_op.f('ix_activity_unit_signups_activity_id'))

    op.drop_table('activity_unit_signups')
