"""Positions (职务): the 三长 and the 党员中心户 as records the community keeps

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 19:05:00

One role (`grid_secretary`) stood for the grid worker and the grid and compound branch
secretaries; it is split into three roles (datasources/scope.py), which needs no schema
change: existing rows keep the role text they were written with (`grid_secretary` in
`service_orders.ordered_by_role`, `member_evaluations.evaluator_role`, the audit log and
identity keys), labelled "网格/小区党支部书记" (schema/actors.py).

The new table `positions` records who holds which position (小区长, 楼栋长, 单元长,
党员中心户), where (compound, building, unit) and for which term; a `position_holder` token
names one by its code. There were no positions before: no existing rows to carry.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0018'
down_revision: str | Sequence[str] | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('positions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('compound_leader', 'building_leader', 'unit_leader', 'member_household', name='position_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('holder_kind', sa.Enum('member', 'resident', name='position_holder_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('holder_code', sa.String(length=120), nullable=False),
    sa.Column('holder_name', sa.String(length=40), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('unit_label', sa.String(length=16), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('appointed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_positions_building_id_buildings')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_positions_community_id_communities')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_positions_compound_id_compounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_positions')),
    sa.UniqueConstraint('code', name=op.f('uq_positions_code'))
    )
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_positions_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_positions_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_positions_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_positions_holder_code'), ['holder_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_positions_holder_code'))
        batch_op.drop_index(batch_op.f('ix_positions_compound_id'))
        batch_op.drop_index(batch_op.f('ix_positions_community_id'))
        batch_op.drop_index(batch_op.f('ix_positions_building_id'))

    op.drop_table('positions')
