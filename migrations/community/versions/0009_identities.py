"""Identities: idempotency keys and residents' orders belong to a caller, not a subject.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 16:20:00.000000

A caller is issuer + subject + role + scope (`Viewer.identity_key`, the SHA-256 hex of the
canonical identity). Rows written before this revision recorded only a subject, and the
issuer, role and scope of whoever wrote them cannot be reconstructed from them, so:

- `idempotency_keys` is keyed on (identity_key, mutation, key). Existing keys become
  `legacy` rows whose identity_key is sha256("legacy\\0" + subject): a retry is matched to
  one only by a caller with that subject, and only when he may read its result (the replay
  reads it through his scope); otherwise his request is carried out as a new one.
  `result_id` becomes nullable: a key is claimed before its result exists, inside the
  claiming transaction.
- `state_events.actor_organisation` and `points_entries.actor_role` / `actor_organisation`
  say whom the actor acted for (`Viewer.organisation`), so other organisations see a role
  and a label instead of his subject. Existing rows keep them null: their subject is shown
  to the district and the auditor only, their label is the role alone (or "未记录").
- `service_orders.ordered_by_identity` is the placing caller's identity_key. Existing orders
  keep it null and stay their placer's by the old rule narrowed to what the row records:
  the same subject, the same role and the same community (`policy.placed_by`).

Downgrading drops the identities; keys of callers sharing a subject then collide, so only
the first of them (by creation) is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = sa.table(
    'idempotency_keys', sa.column('subject', sa.String), sa.column('mutation', sa.String),
    sa.column('key', sa.String), sa.column('result_id', sa.Integer),
    sa.column('created_at', sa.DateTime(timezone=True)),
)


def _legacy_identity_key(subject: str) -> str:
    """As `resolvers.workflow.legacy_identity_key` (frozen here, as migrations are)."""
    return hashlib.sha256(f"legacy\0{subject}".encode()).hexdigest()


def upgrade() -> None:
    rows = op.get_bind().execute(sa.select(_OLD)).mappings().all()
    op.drop_table('idempotency_keys')
    table = op.create_table('idempotency_keys',
    sa.Column('identity_key', sa.String(length=64), nullable=False),
    sa.Column('mutation', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('legacy', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('identity_key', 'mutation', 'key', name=op.f('pk_idempotency_keys'))
    )
    if rows:
        op.bulk_insert(table, [
            {**row, 'identity_key': _legacy_identity_key(row['subject']), 'legacy': True}
            for row in rows
        ])
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ordered_by_identity', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_service_orders_ordered_by_identity'), ['ordered_by_identity'], unique=False)
    with op.batch_alter_table('state_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_organisation', sa.String(length=80), nullable=True))
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_role', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('actor_organisation', sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('points_entries', schema=None) as batch_op:
        batch_op.drop_column('actor_organisation')
        batch_op.drop_column('actor_role')
    with op.batch_alter_table('state_events', schema=None) as batch_op:
        batch_op.drop_column('actor_organisation')
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_orders_ordered_by_identity'))
        batch_op.drop_column('ordered_by_identity')
    keys = sa.table(
        'idempotency_keys', sa.column('subject', sa.String), sa.column('mutation', sa.String),
        sa.column('key', sa.String), sa.column('result_id', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    rows = op.get_bind().execute(
        sa.select(keys).where(keys.c.result_id.is_not(None)).order_by(keys.c.created_at)
    ).mappings().all()
    kept: dict[tuple[str, str, str], dict[str, object]] = {}
    for row in rows:
        kept.setdefault((row['subject'], row['mutation'], row['key']), dict(row))
    op.drop_table('idempotency_keys')
    table = op.create_table('idempotency_keys',
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('mutation', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'mutation', 'key', name=op.f('pk_idempotency_keys'))
    )
    if kept:
        op.bulk_insert(table, list(kept.values()))
