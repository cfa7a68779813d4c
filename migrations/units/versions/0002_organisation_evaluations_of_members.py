"""Organisation evaluations of members

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:57:57.137082
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Enum('excellent', 'qualified', 'basically_qualified', 'unqualified', name='organisation_grade', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('evaluator_subject', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_organisation_evaluations_year_range')),
    sa.ForeignKeyConstraint(['branch_id'], ['party_branches.id'], name=op.f('fk_organisation_evaluations_branch_id_party_branches')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_organisation_evaluations_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_evaluations'))
    )
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_evaluations_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('uq_organisation_evaluations_current', ['member_id', 'year'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))



def downgrade() -> None:
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisation_evaluations_current', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_organisation_evaluations_branch_id'))

    op.drop_table('organisation_evaluations')
