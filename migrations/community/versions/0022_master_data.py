"""Master data through the API (主数据): retiring places and categories, households, history
of changed fields

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 07:00:00

Streets, communities, grids, compounds, buildings and service categories gain `retired_on`
(撤销日期): they are never deleted, a retired row stays readable and takes no new children.
Existing rows are in force (null). Service categories the seed had made inactive stay
inactive (`active` false) without a date: the date they were retired was never recorded.
Compounds gain an `address`; categories the `year` they were set for (null: before).
`state_events.changes` holds the changed fields of master data ({field: [before, after]});
workflow events before and after keep it null. The new table `households` (户: 人屋关联)
ties households to a building's dwellings; there were none before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0022'
down_revision: str | Sequence[str] | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RETIRABLE = ('streets', 'communities', 'grids', 'compounds', 'buildings', 'service_categories')


def upgrade() -> None:
    for table in RETIRABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=200), nullable=True))
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('year', sa.Integer(), nullable=True))
    with op.batch_alter_table('state_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.JSON(), nullable=True))
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('unit_no', sa.String(length=16), nullable=True),
    sa.Column('room_no', sa.String(length=16), nullable=False),
    sa.Column('head_name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.CheckConstraint('size BETWEEN 1 AND 30', name=op.f('ck_households_size_range')),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_households_building_id_buildings')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_households_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('code', name=op.f('uq_households_code'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_community_id'), ['community_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_community_id'))
        batch_op.drop_index(batch_op.f('ix_households_building_id'))
    op.drop_table('households')
    with op.batch_alter_table('state_events', schema=None) as batch_op:
        batch_op.drop_column('changes')
    with op.batch_alter_table('service_categories', schema=None) as batch_op:
        batch_op.drop_column('year')
    with op.batch_alter_table('compounds', schema=None) as batch_op:
        batch_op.drop_column('address')
    for table in reversed(RETIRABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('retired_on')
