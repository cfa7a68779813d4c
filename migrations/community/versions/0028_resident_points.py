"""Residents' points (居民积分) and young volunteers (小小志愿者)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 04:13:00

Four new tables: resident_volunteers (a resident's points account by his identity, or a
child's under his guardian with the consent recorded), resident_points_entries (their
ledger, apart from members' points_entries), resident_activity_signups (residents' places
in activities, shared with members and units) and resident_redemptions (their redemptions
in the points mall, on the same mall_items stock). No existing row changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0028'
down_revision: str | Sequence[str] | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('resident_volunteers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('resident', 'young', name='resident_volunteer_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('identity', sa.String(length=64), nullable=True),
    sa.Column('guardian_id', sa.Integer(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('active', 'withdrawn', name='resident_volunteer_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'resident' AND identity IS NOT NULL AND guardian_id IS NULL) OR (kind = 'young' AND identity IS NULL AND guardian_id IS NOT NULL AND birth_year IS NOT NULL AND consent_at IS NOT NULL)", name=op.f('ck_resident_volunteers_kind_fields')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_resident_volunteers_community_id_communities')),
    sa.ForeignKeyConstraint(['guardian_id'], ['resident_volunteers.id'], name=op.f('fk_resident_volunteers_guardian_id_resident_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_volunteers'))
    )
    with op.batch_alter_table('resident_volunteers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_volunteers_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_volunteers_guardian_id'), ['guardian_id'], unique=False)
        batch_op.create_index('uq_resident_volunteers_identity', ['identity'], unique=True)

    op.create_table('resident_activity_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('registered', 'cancelled', 'confirmed', name='resident_signup_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_reason', sa.Text(), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_in_failures', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('check_in_failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=120), nullable=True),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_resident_activity_signups_activity_id_activities')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['resident_volunteers.id'], name=op.f('fk_resident_activity_signups_volunteer_id_resident_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_activity_signups'))
    )
    with op.batch_alter_table('resident_activity_signups', schema=None) as batch_op:
        batch_op.create_index('ix_resident_activity_signups_activity_status', ['activity_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_activity_signups_volunteer_id'), ['volunteer_id'], unique=False)
        batch_op.create_index('uq_resident_activity_signups_live', ['activity_id', 'volunteer_id'], unique=True, sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))

    op.create_table('resident_points_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('earn', 'spend', name='resident_points_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor_subject', sa.String(length=120), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'earn' AND points > 0) OR (kind = 'spend' AND points < 0)", name=op.f('ck_resident_points_entries_sign_by_kind')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_resident_points_entries_community_id_communities')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['resident_volunteers.id'], name=op.f('fk_resident_points_entries_volunteer_id_resident_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_points_entries'))
    )
    with op.batch_alter_table('resident_points_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_points_entries_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_resident_points_entries_volunteer_time', ['volunteer_id', 'occurred_at', 'id'], unique=False)
        batch_op.create_index('uq_resident_points_entries_earned_source', ['volunteer_id', 'source_type', 'source_id'], unique=True, sqlite_where=sa.text("kind = 'earn'"), postgresql_where=sa.text("kind = 'earn'"))

    op.create_table('resident_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('spend_entry_id', sa.Integer(), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('points > 0', name=op.f('ck_resident_redemptions_points_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_resident_redemptions_quantity_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['mall_items.id'], name=op.f('fk_resident_redemptions_item_id_mall_items')),
    sa.ForeignKeyConstraint(['spend_entry_id'], ['resident_points_entries.id'], name=op.f('fk_resident_redemptions_spend_entry_id_resident_points_entries')),
    sa.ForeignKeyConstraint(['volunteer_id'], ['resident_volunteers.id'], name=op.f('fk_resident_redemptions_volunteer_id_resident_volunteers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_redemptions'))
    )
    with op.batch_alter_table('resident_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_redemptions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resident_redemptions_volunteer_id'), ['volunteer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('resident_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_redemptions_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_resident_redemptions_item_id'))
    op.drop_table('resident_redemptions')
    with op.batch_alter_table('resident_points_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_resident_points_entries_earned_source', sqlite_where=sa.text("kind = 'earn'"), postgresql_where=sa.text("kind = 'earn'"))
        batch_op.drop_index('ix_resident_points_entries_volunteer_time')
        batch_op.drop_index(batch_op.f('ix_resident_points_entries_community_id'))
    op.drop_table('resident_points_entries')
    with op.batch_alter_table('resident_activity_signups', schema=None) as batch_op:
        batch_op.drop_index('uq_resident_activity_signups_live', sqlite_where=sa.text("status != 'cancelled'"), postgresql_where=sa.text("status != 'cancelled'"))
        batch_op.drop_index(batch_op.f('ix_resident_activity_signups_volunteer_id'))
        batch_op.drop_index('ix_resident_activity_signups_activity_status')
    op.drop_table('resident_activity_signups')
    with op.batch_alter_table('resident_volunteers', schema=None) as batch_op:
        batch_op.drop_index('uq_resident_volunteers_identity')
        batch_op.drop_index(batch_op.f('ix_resident_volunteers_guardian_id'))
        batch_op.drop_index(batch_op.f('ix_resident_volunteers_community_id'))
    op.drop_table('resident_volunteers')
