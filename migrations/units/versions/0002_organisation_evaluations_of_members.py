"""Organisation evaluations of members

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:07:49.939845
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
    op.create_table('appraisal_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('district_code', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reporting_deadline', sa.Date(), nullable=False),
    sa.Column('min_services', sa.Integer(), nullable=False),
    sa.Column('min_hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('count_orders', sa.Boolean(), nullable=False),
    sa.Column('count_activities', sa.Boolean(), nullable=False),
    sa.Column('count_posts', sa.Boolean(), nullable=False),
    sa.Column('count_wishes', sa.Boolean(), nullable=False),
    sa.Column('ceiling_grade', sa.Enum('excellent', 'qualified', 'basically_qualified', 'unqualified', name='policy_ceiling_grade', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('include_activists', sa.Boolean(), nullable=False),
    sa.Column('include_development_targets', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_hours >= 0', name=op.f('ck_appraisal_policies_min_hours_non_negative')),
    sa.CheckConstraint('min_services >= 0', name=op.f('ck_appraisal_policies_min_services_non_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_appraisal_policies_year_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_policies'))
    )
    with op.batch_alter_table('appraisal_policies', schema=None) as batch_op:
        batch_op.create_index('uq_appraisal_policies_version', ['year', 'district_code', 'version'], unique=True)

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
    with op.batch_alter_table('appraisal_policies', schema=None) as batch_op:
        batch_op.drop_index('uq_appraisal_policies_version')

    op.drop_table('appraisal_policies')
