"""Notifications and notices (消息, 通知公告)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 11:40:00

New tables only: `notifications` (one message to one addressee, written with the event
that causes it; `dedupe_key` unique so a sweep notifies an object of one kind once),
`notices` (published to an audience, withdrawn never deleted) and `notice_reads` (one row
per reader and notice). No existing row changes; there were no notifications before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0023'
down_revision: str | Sequence[str] | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.Enum('district_all', 'community_residents', 'community_members', 'grid', 'community_partners', 'branch_members', name='notice_audience', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('audience_code', sa.String(length=40), nullable=False),
    sa.Column('publisher_organisation', sa.String(length=120), nullable=False),
    sa.Column('publisher_subject', sa.String(length=120), nullable=False),
    sa.Column('publisher_role', sa.String(length=32), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('published', 'withdrawn', name='notice_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_audience', ['audience', 'audience_code'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('addressee', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('order_dispatched', 'order_accepted', 'order_declined', 'order_closed', 'order_rated', 'order_cancelled', 'order_overdue', 'order_escalated', 'review_waiting', 'activity_changed', 'activity_cancelled', 'waitlist_promoted', 'check_in_open', 'wish_claimed', 'wish_fulfilled', 'points_earned', 'points_reversed', 'points_expired', 'report_confirmed', 'report_returned', 'evaluation_written', 'action_item_due', name='notification_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=160), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name='uq_notifications_dedupe_key')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_addressee_time', ['addressee', 'created_at', 'id'], unique=False)

    op.create_table('notice_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('reader', sa.String(length=64), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_reads_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_reads')),
    sa.UniqueConstraint('notice_id', 'reader', name='uq_notice_reads_reader')
    )
    with op.batch_alter_table('notice_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_reads_notice_id'), ['notice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notice_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_reads_notice_id'))

    op.drop_table('notice_reads')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_addressee_time')

    op.drop_table('notifications')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_audience')

    op.drop_table('notices')
