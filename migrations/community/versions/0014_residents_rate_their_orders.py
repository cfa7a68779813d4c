"""Residents keep their voice: demands record who raised them, orders who rated them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 19:10:00.000000

干得好不好让居民来评议: the resident whose order it is rates it; the community rates or
confirms on his behalf only where he cannot, and the order records who did and why.

- `demand_items.raised_by_identity` / `raised_by_subject` / `raised_by_role`: who raised the
  demand. Existing demands keep the identity null (the issuer and scope of their raiser
  cannot be reconstructed); their subject and role are taken from the demand's first
  history event (its raising), so a resident's demand stays his by the legacy rule orders
  follow (the same subject and role in the same community, `policy.raised_by`).
- `service_orders.rated_by_role` / `rating_basis`: who completed the order and on what
  basis. Existing rated orders were rated through `rateOrder`, which only the resident who
  placed the order could call: their rater is the role of the rating event (else the
  placer's), basis `resident`. Existing confirmed orders were confirmed by the community
  as it was then: their rater is the role of the confirming event (else `community`),
  basis `legacy`. Ratings and comments are kept as they are.

Downgrading drops the columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASES = ('resident', 'offline', 'community_demand', 'not_rated_in_time', 'legacy')


def _event(entity: str, table: str, column: str, to_state: str | None, *, last: bool) -> str:
    """The actor column of a row's first (or last) history event, optionally to a state."""
    state = f" AND e.to_state = '{to_state}'" if to_state else ''
    order = 'DESC' if last else 'ASC'
    return (
        f'(SELECT e.{column} FROM state_events e WHERE e.entity_type = \'{entity}\' '
        f'AND e.entity_id = {table}.id{state} ORDER BY e.id {order} LIMIT 1)'
    )


def upgrade() -> None:
    with op.batch_alter_table('demand_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raised_by_identity', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('raised_by_subject', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('raised_by_role', sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_demand_items_raised_by_identity'), ['raised_by_identity'], unique=False
        )
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rated_by_role', sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                'rating_basis',
                sa.Enum(*BASES, name='rating_basis', native_enum=False, create_constraint=True,
                        length=32),
                nullable=True,
            )
        )
    demand = ('DemandItem', 'demand_items')
    op.execute(
        'UPDATE demand_items SET '
        f'raised_by_subject = {_event(*demand, "actor_subject", None, last=False)}, '
        f'raised_by_role = {_event(*demand, "actor_role", None, last=False)}'
    )
    order = ('ServiceOrder', 'service_orders')
    op.execute(
        "UPDATE service_orders SET rating_basis = 'resident', "
        f'rated_by_role = COALESCE({_event(*order, "actor_role", "rated", last=True)}, '
        "ordered_by_role) WHERE status = 'rated'"
    )
    op.execute(
        "UPDATE service_orders SET rating_basis = 'legacy', "
        f'rated_by_role = COALESCE({_event(*order, "actor_role", "confirmed", last=True)}, '
        "'community') WHERE status = 'confirmed'"
    )


def downgrade() -> None:
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_service_orders_rating_basis'), type_='check')
        batch_op.drop_column('rating_basis')
        batch_op.drop_column('rated_by_role')
    with op.batch_alter_table('demand_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_items_raised_by_identity'))
        batch_op.drop_column('raised_by_role')
        batch_op.drop_column('raised_by_subject')
        batch_op.drop_column('raised_by_identity')
