"""Master data through the API: units, branches and members are created, changed and
retired through mutations (never hard-deleted), with a change history.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 07:00:00.000000

Adds `status`, `retired_on` and `retire_reason` to work units and Party branches, and to
members `status` (党籍: in the Party or left it), `left_on`, `left_reason`,
`full_member_on` (转正), `service_ended_on` and `service_end_reason` (退休/离开在职); and the
table `master_events`, the units side's change history.

Existing rows are carried over: every existing unit and branch is active (none was ever
retired: there was no way to), every existing member is in the Party (`active`; nothing on
record says otherwise), his in-service flag stays as it is, and the dates and reasons
nobody recorded stay null. No history is invented for existing rows: their history starts
with their first change through the API.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ORGANISATION = ('active', 'retired')
_MEMBER = ('active', 'left')


def _status(name: str, values: tuple[str, ...]) -> sa.Column[str]:
    kind = sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)
    return sa.Column('status', kind, server_default='active', nullable=False)


def upgrade() -> None:
    for table, name in (('work_units', 'unit_status'), ('party_branches', 'branch_status')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_status(name, _ORGANISATION))
            batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
            batch_op.add_column(sa.Column('retire_reason', sa.Text(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_status'), ['status'], unique=False)
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(_status('member_status', _MEMBER))
        batch_op.add_column(sa.Column('left_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('full_member_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('service_ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('service_end_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_members_status'), ['status'], unique=False)
    op.create_table(
        'master_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity_type', sa.String(length=20), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('from_state', sa.String(length=30), nullable=True),
        sa.Column('to_state', sa.String(length=30), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor_subject', sa.String(length=120), nullable=False),
        sa.Column('actor_role', sa.String(length=40), nullable=False),
        sa.Column('actor_organisation', sa.String(length=120), nullable=True),
        sa.Column('actor_identity', sa.String(length=64), nullable=False),
        sa.Column('mutation', sa.String(length=40), nullable=True),
        sa.Column('client_key', sa.String(length=120), nullable=True),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_master_events')),
    )
    with op.batch_alter_table('master_events', schema=None) as batch_op:
        batch_op.create_index('ix_master_events_entity', ['entity_type', 'entity_id'], unique=False)
        batch_op.create_index(
            'uq_master_events_client_key', ['actor_identity', 'mutation', 'client_key'],
            unique=True, sqlite_where=sa.text('client_key IS NOT NULL'),
            postgresql_where=sa.text('client_key IS NOT NULL'),
        )


def downgrade() -> None:
    with op.batch_alter_table('master_events', schema=None) as batch_op:
        batch_op.drop_index('uq_master_events_client_key', sqlite_where=sa.text('client_key IS NOT NULL'), postgresql_where=sa.text('client_key IS NOT NULL'))
        batch_op.drop_index('ix_master_events_entity')
    op.drop_table('master_events')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_status'))
        batch_op.drop_constraint(op.f('ck_members_member_status'), type_='check')
        for column in ('service_end_reason', 'service_ended_on', 'full_member_on', 'left_reason', 'left_on', 'status'):
            batch_op.drop_column(column)
    for table, name in (('party_branches', 'branch_status'), ('work_units', 'unit_status')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_status'))
            batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
            for column in ('retire_reason', 'retired_on', 'status'):
                batch_op.drop_column(column)
