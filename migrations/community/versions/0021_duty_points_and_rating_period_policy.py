"""Confirmed post duty earns points; the residents' rating period becomes policy

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 07:10:00

- New table `rating_policies` (居民评价期限): the district sets per year how many days after
  an order's closing its resident alone may rate it (before this, a constant of 7 days).
  No rows are written: with none set for a year the documented default of 7 days holds, so
  every existing order keeps the period it had. Orders the community confirmed after the
  old period already carry `rating_basis = 'not_rated_in_time'` (migration 0014 added it).
- A confirmed duty session (岗位值守) now earns points (rule `post_duty_confirmed`, per
  session). Sessions confirmed before this revision earned nothing: each gets its earn
  entry now, dated at its confirmation, worth the district's configured value of the rule
  if it set one, else the default (5), booked to the post's community, with a points
  account opened for members who had none. A session that already has an earn entry is
  left alone (the ledger's unique earned-source index), so nothing is granted twice.

Downgrading drops the table; the granted points stay in the ledger, which is append-only
(reverse them with `reversePointsEntry` if need be).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0021'
down_revision: str | Sequence[str] | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION = 'post_duty_confirmed'
DEFAULT_POINTS = 5
ACTOR = 'migration-0021'

_UNEARNED = (
    "FROM post_duties d JOIN posts p ON p.id = d.post_id "
    # A unit's sessions (migration 0019: no member) earn no member points.
    "WHERE d.status = 'confirmed' AND d.member_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM points_entries e "
    "WHERE e.kind = 'earn' AND e.source_type = 'PostDuty' AND e.source_id = d.id "
    "AND e.member_code = d.member_code)"
)


def upgrade() -> None:
    op.create_table('rating_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rating_days', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating_days BETWEEN 1 AND 60', name=op.f('ck_rating_policies_days_range')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_rating_policies_year_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_policies'))
    )
    with op.batch_alter_table('rating_policies', schema=None) as batch_op:
        batch_op.create_index('uq_rating_policies_version', ['year', 'district_code', 'version'], unique=True)

    bind = op.get_bind()
    configured = bind.execute(
        sa.text('SELECT points FROM point_rules WHERE action = :a'), {'a': ACTION}
    ).scalar()
    points = DEFAULT_POINTS if configured is None else int(configured)
    if points <= 0:
        return  # the district set the rule to earn nothing: no entry (as `earn` does)
    bind.execute(sa.text(
        'INSERT INTO points_accounts (member_code, opened_at) '
        'SELECT d.member_code, MIN(COALESCE(d.decided_at, d.recorded_at)) ' + _UNEARNED +
        ' AND NOT EXISTS (SELECT 1 FROM points_accounts a WHERE a.member_code = d.member_code)'
        ' GROUP BY d.member_code'
    ))
    bind.execute(sa.text(
        'INSERT INTO points_entries (member_code, kind, points, action, community_id, '
        'source_type, source_id, note, actor_subject, actor_role, occurred_at) '
        "SELECT d.member_code, 'earn', :points, :action, p.community_id, 'PostDuty', d.id, "
        "SUBSTR(p.title, 1, 200), :actor, 'system', COALESCE(d.decided_at, d.recorded_at) "
        + _UNEARNED + ' ORDER BY d.id'
    ), {'points': points, 'action': ACTION, 'actor': ACTOR})


def downgrade() -> None:
    with op.batch_alter_table('rating_policies', schema=None) as batch_op:
        batch_op.drop_index('uq_rating_policies_version')

    op.drop_table('rating_policies')
