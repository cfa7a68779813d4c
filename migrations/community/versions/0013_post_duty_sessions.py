"""Post duty sessions (岗位值守): a claim of a post is no longer a service

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 18:52:54.515120

Until now every claim (认领) a member held in a year counted as one service in his
`totalServices` and in the spreadsheet's 计入服务次数, although claiming a post is a
promise to serve, not a service. Posts are served over time: from this revision a member
(or the post's keeper on his behalf) records duty sessions (`post_duties`: start, end,
hours, note) that the post's community or keeper confirms or rejects, and only confirmed
sessions count, with their hours.

Existing rows: claims (`post_claims`) stay as they are, as claims, and stop counting as
services. They carry nothing that was effectively duty: a claim has only the times it was
claimed and released, no date, hours or account of any session served, so no duty session
is made from them; `post_duties` starts empty. Appraisal policies that counted "posts"
(`count_posts`) now count confirmed duty sessions. Posts get a nullable `keeper_code`
(岗位负责人, the member responsible for the post); existing posts have none until their
community names one, and their duty is confirmed by the community meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('post_duties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', name='post_duty_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('recorded_by', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_role', sa.String(length=32), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_post_duties_period_order')),
    sa.CheckConstraint('hours > 0 AND hours <= 24', name=op.f('ck_post_duties_hours_in_range')),
    sa.ForeignKeyConstraint(['claim_id'], ['post_claims.id'], name=op.f('fk_post_duties_claim_id_post_claims')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_duties_post_id_posts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_duties'))
    )
    with op.batch_alter_table('post_duties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_duties_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_duties_member_code'), ['member_code'], unique=False)
        batch_op.create_index('ix_post_duties_post_member', ['post_id', 'member_code', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_duties_status'), ['status'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keeper_code', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('keeper_code')

    with op.batch_alter_table('post_duties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_duties_status'))
        batch_op.drop_index('ix_post_duties_post_member')
        batch_op.drop_index(batch_op.f('ix_post_duties_member_code'))
        batch_op.drop_index(batch_op.f('ix_post_duties_claim_id'))

    op.drop_table('post_duties')
