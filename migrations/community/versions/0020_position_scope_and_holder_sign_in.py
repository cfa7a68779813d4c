"""Positions see exactly their scope, and only their holder signs in as them

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 07:05:00

A 单元长 leads one unit (单元, entrance) of a building, a 党员中心户 the households assigned
to him; orders and demands recorded only the building (orders) or the grid (demands), so a
单元长 read the whole building and no position holder read demands. Buildings gain their
number of units (`entrances`), positions the unit they lead (`unit_no`), orders and demands
where the resident lives (`unit_no`, `floor`, `room`; demands also `building_id`).

A `position_holder` token was accepted for any subject; positions now record who signs in
as the holder (`holder_subject`, `holder_issuer`).

Existing rows:
- `positions.holder_subject` is the holder code: a resident holder's code is his sign-in
  subject, and a member holder's code is the subject the hub has for him. `holder_issuer`
  stays null: the one issuer the deployment accepts.
- `positions.unit_no` is read from `unit_label` ("2单元", "2", "二单元"); a label it cannot
  read leaves it null, and that 单元长 then sees no unit's rows until re-appointed.
- `buildings.entrances` is 1, or the highest unit a 单元长 of the building leads.
- Orders in a building of one unit are in unit 1; in other buildings the unit is unknown
  (null) and a 单元长 does not see them (his building's 楼栋长 and 小区长 do).
- A demand converted to an order takes the order's building and unit; other demands keep
  no building (they recorded the grid only) and no position holder sees them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0020'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
             "十": 10}  # fmt: skip


def unit_number(label: str | None) -> int | None:
    """The unit a label names ("2单元", "2", "二单元"), or None."""
    text = (label or "").strip().removesuffix("单元").strip()
    if text.isdigit() and 0 < int(text) <= 99:
        return int(text)
    if re.fullmatch(r"[一二三四五六七八九十]", text):
        return _NUMERALS[text]
    return None


def upgrade() -> None:
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entrances', sa.Integer(), server_default=sa.text('1'), nullable=False))
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_subject', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('holder_issuer', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('unit_no', sa.Integer(), nullable=True))
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_no', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('floor', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('room', sa.String(length=16), nullable=True))
    with op.batch_alter_table('demand_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('building_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unit_no', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('floor', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('room', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_demand_items_building_id'), ['building_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_demand_items_building_id_buildings'), 'buildings', ['building_id'], ['id'])

    bind = op.get_bind()
    bind.execute(sa.text("UPDATE positions SET holder_subject = holder_code"))
    labelled = bind.execute(sa.text(
        "SELECT id, building_id, unit_label FROM positions WHERE unit_label IS NOT NULL"
    )).all()  # fmt: skip
    widest: dict[int, int] = {}
    for position_id, building_id, label in labelled:
        number = unit_number(label)
        if number is None:
            continue
        bind.execute(sa.text("UPDATE positions SET unit_no = :n WHERE id = :id"),
                     {"n": number, "id": position_id})  # fmt: skip
        if building_id is not None:
            widest[building_id] = max(widest.get(building_id, 1), number)
    for building_id, entrances in widest.items():
        bind.execute(sa.text("UPDATE buildings SET entrances = :n WHERE id = :id"),
                     {"n": entrances, "id": building_id})  # fmt: skip
    bind.execute(sa.text(
        "UPDATE service_orders SET unit_no = 1 WHERE building_id IN "
        "(SELECT id FROM buildings WHERE entrances = 1)"
    ))  # fmt: skip
    bind.execute(sa.text(
        "UPDATE demand_items SET"
        " building_id = (SELECT min(o.building_id) FROM service_orders o"
        "  WHERE o.demand_id = demand_items.id),"
        " unit_no = (SELECT min(o.unit_no) FROM service_orders o"
        "  WHERE o.demand_id = demand_items.id)"
        " WHERE id IN (SELECT demand_id FROM service_orders WHERE demand_id IS NOT NULL)"
    ))  # fmt: skip
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.alter_column('holder_subject', existing_type=sa.String(length=120), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('demand_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_demand_items_building_id_buildings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_demand_items_building_id'))
        batch_op.drop_column('room')
        batch_op.drop_column('floor')
        batch_op.drop_column('unit_no')
        batch_op.drop_column('building_id')
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_column('room')
        batch_op.drop_column('floor')
        batch_op.drop_column('unit_no')
    with op.batch_alter_table('positions', schema=None) as batch_op:
        batch_op.drop_column('unit_no')
        batch_op.drop_column('holder_issuer')
        batch_op.drop_column('holder_subject')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_column('entrances')
