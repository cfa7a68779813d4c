"""The register of households in need (特殊群体), their helpers (结对帮扶) and visits (走访)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 05:30:00

Three new tables: help_households (a community's register: 低保, 空巢/独居老人, 残疾人, 困境儿童
...; a household leaves it with a reason, never deleted), help_pairings (a member or a unit
paired with a household, 一对一 or 二对一, with a visit frequency; ended with a reason) and
help_visits (the visit log, with the demand a visit escalated into). No existing row
changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0030'
down_revision: str | Sequence[str] | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('help_households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('category', sa.Enum('subsistence', 'empty_nest', 'living_alone', 'disabled', 'child_in_difficulty', 'other', name='help_category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('circumstances', sa.Text(), nullable=True),
    sa.Column('max_helpers', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('active', 'left', name='help_household_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('left_reason', sa.Text(), nullable=True),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_help_households_community_id_communities')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_help_households_grid_id_grids')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_households'))
    )
    with op.batch_alter_table('help_households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_households_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_households_grid_id'), ['grid_id'], unique=False)

    op.create_table('help_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('helper_kind', sa.Enum('member', 'unit', name='help_helper_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('helper_code', sa.String(length=32), nullable=False),
    sa.Column('visit_every_days', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'ended', name='help_pairing_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ended_reason', sa.Text(), nullable=True),
    sa.Column('last_visit_on', sa.Date(), nullable=True),
    sa.Column('next_visit_due', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('visit_every_days BETWEEN 1 AND 90', name=op.f('ck_help_pairings_visit_every_days_range')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_help_pairings_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['help_households.id'], name=op.f('fk_help_pairings_household_id_help_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_pairings'))
    )
    with op.batch_alter_table('help_pairings', schema=None) as batch_op:
        batch_op.create_index('ix_help_pairings_household_status', ['household_id', 'status'], unique=False)
        batch_op.create_index('ix_help_pairings_helper', ['helper_kind', 'helper_code'], unique=False)
        batch_op.create_index('ix_help_pairings_community_due', ['community_id', 'status', 'next_visit_due'], unique=False)

    op.create_table('help_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_role', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_help_visits_community_id_communities')),
    sa.ForeignKeyConstraint(['demand_id'], ['demand_items.id'], name=op.f('fk_help_visits_demand_id_demand_items')),
    sa.ForeignKeyConstraint(['household_id'], ['help_households.id'], name=op.f('fk_help_visits_household_id_help_households')),
    sa.ForeignKeyConstraint(['pairing_id'], ['help_pairings.id'], name=op.f('fk_help_visits_pairing_id_help_pairings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_visits'))
    )
    with op.batch_alter_table('help_visits', schema=None) as batch_op:
        batch_op.create_index('ix_help_visits_pairing_visited', ['pairing_id', 'visited_on'], unique=False)
        batch_op.create_index('ix_help_visits_household_visited', ['household_id', 'visited_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('help_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_help_visits_household_visited')
        batch_op.drop_index('ix_help_visits_pairing_visited')
    op.drop_table('help_visits')
    with op.batch_alter_table('help_pairings', schema=None) as batch_op:
        batch_op.drop_index('ix_help_pairings_community_due')
        batch_op.drop_index('ix_help_pairings_helper')
        batch_op.drop_index('ix_help_pairings_household_status')
    op.drop_table('help_pairings')
    with op.batch_alter_table('help_households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_households_grid_id'))
        batch_op.drop_index(batch_op.f('ix_help_households_community_id'))
    op.drop_table('help_households')
