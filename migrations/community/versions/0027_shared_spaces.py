"""Shared spaces (共享小屋, 红色驿站, 党群服务站 rooms) and their bookings (预约)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 00:30:00

Two new tables: spaces (a community's rooms with capacity, location, opening hours per
weekday and an open/closed state) and space_bookings (slots booked by members, residents
and units, cancelled with a reason, their use recorded). No existing row changes. Written
in parallel with another 0027: the merge renumbers this one; it depends on nothing but the
tables of 0001 (communities).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0027'
down_revision: str | Sequence[str] | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('spaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('shared_hut', 'red_station', 'meeting_room', 'activity_room', name='space_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('opening_hours', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='space_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('closed_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_spaces_capacity_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_spaces_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spaces')),
    sa.UniqueConstraint('community_id', 'name', name='uq_spaces_community_name')
    )
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spaces_community_id'), ['community_id'], unique=False)

    op.create_table('space_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('booker_kind', sa.Enum('member', 'resident', 'unit', name='space_booker_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('booker_code', sa.String(length=32), nullable=True),
    sa.Column('booker_identity', sa.String(length=64), nullable=False),
    sa.Column('booker_subject', sa.String(length=120), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('booked', 'cancelled', 'used', 'no_show', name='space_booking_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_by', sa.String(length=120), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_attendees', sa.Integer(), nullable=True),
    sa.Column('use_note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_space_bookings_slot_order')),
    sa.CheckConstraint('attendees > 0', name=op.f('ck_space_bookings_attendees_positive')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_space_bookings_minutes_positive')),
    sa.CheckConstraint('used_attendees IS NULL OR used_attendees >= 0', name=op.f('ck_space_bookings_used_attendees_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_space_bookings_community_id_communities')),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], name=op.f('fk_space_bookings_space_id_spaces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_space_bookings'))
    )
    with op.batch_alter_table('space_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_space_bookings_booker', ['booker_kind', 'booker_code'], unique=False)
        batch_op.create_index('ix_space_bookings_booker_identity', ['booker_identity'], unique=False)
        batch_op.create_index('ix_space_bookings_community_starts', ['community_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_space_bookings_space_starts', ['space_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_space_bookings_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('space_bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_space_bookings_status'))
        batch_op.drop_index('ix_space_bookings_space_starts')
        batch_op.drop_index('ix_space_bookings_community_starts')
        batch_op.drop_index('ix_space_bookings_booker_identity')
        batch_op.drop_index('ix_space_bookings_booker')
    op.drop_table('space_bookings')
    with op.batch_alter_table('spaces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spaces_community_id'))
    op.drop_table('spaces')
