"""Volunteer-hours certificates (志愿服务时长证明)

A member (or the district for him) is issued a certificate of his certified hours and
services for a year: `volunteer_certificates` keeps the snapshot (period, totals, who
issued it and when) and its verification code, which anyone may check. A new, empty table:
nothing existing changes, and no certificate is invented for past years.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('volunteer_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('member_code', sa.String(length=32), nullable=False),
    sa.Column('member_name', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('services', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('breakdown', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('issued', 'revoked', name='certificate_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=120), nullable=False),
    sa.Column('issuer_role', sa.String(length=40), nullable=False),
    sa.Column('issuer_identity', sa.String(length=64), nullable=False),
    sa.Column('client_key', sa.String(length=120), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=120), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_volunteer_certificates_year_range')),
    sa.CheckConstraint('services >= 0', name=op.f('ck_volunteer_certificates_services_non_negative')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_volunteer_certificates_hours_non_negative')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_volunteer_certificates_member_id_members')),
    sa.ForeignKeyConstraint(['branch_id'], ['party_branches.id'], name=op.f('fk_volunteer_certificates_branch_id_party_branches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_volunteer_certificates_code'))
    )
    with op.batch_alter_table('volunteer_certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_certificates_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('ix_volunteer_certificates_member_year', ['member_id', 'year'], unique=False)
        batch_op.create_index(
            'uq_volunteer_certificates_client_key', ['issuer_identity', 'client_key'],
            unique=True, sqlite_where=sa.text('client_key IS NOT NULL'),
            postgresql_where=sa.text('client_key IS NOT NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('volunteer_certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_volunteer_certificates_client_key')
        batch_op.drop_index('ix_volunteer_certificates_member_year')
        batch_op.drop_index(batch_op.f('ix_volunteer_certificates_branch_id'))
    op.drop_table('volunteer_certificates')
