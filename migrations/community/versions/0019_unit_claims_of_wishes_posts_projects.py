"""双服务: a unit claims micro-wishes, posts and agreement projects as an organisation

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 07:00:00

A unit's Party organisation now claims service projects itself (认领项目), beside its
members: a micro-wish (`micro_wishes.claimed_by_unit`), a post (`post_claims.unit_code`,
served in sessions `post_duties.unit_code`) and a project of a co-building agreement
(`agreement_projects.claimant_*`, confirmed by the community, `confirmed_at`). Each claim
says who claimed it (`claimant_kind`); a member's columns stay members' only, so nothing
that counts a member's service can count a unit's.

Existing rows are members' claims, which is all there was: every claimed wish
(`claimed_by` set) becomes a member's claim, every post claim and duty session keeps its
member. No agreement project was claimed before (projects only had owners).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0019'
down_revision: str | Sequence[str] | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE_UNIT = "status = 'active' AND unit_code IS NOT NULL"
_WISH_CLAIMANT = (
    "(claimant_kind IS NULL AND claimed_by IS NULL AND claimed_by_unit IS NULL) OR "
    "(claimant_kind = 'member' AND claimed_by IS NOT NULL AND claimed_by_unit IS NULL) "
    "OR (claimant_kind = 'unit' AND claimed_by_unit IS NOT NULL AND claimed_by IS NULL)"
)
_POST_CLAIMANT = (
    "(claimant_kind = 'member' AND member_code IS NOT NULL AND unit_code IS NULL) OR "
    "(claimant_kind = 'unit' AND unit_code IS NOT NULL AND member_code IS NULL)"
)


def _kind(name: str) -> sa.Enum:
    return sa.Enum('member', 'unit', name=name, native_enum=False, create_constraint=True,
                   length=32)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table('micro_wishes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimant_kind', _kind('wish_claimant_kind'), nullable=True))
        batch_op.add_column(sa.Column('claimed_by_unit', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_micro_wishes_claimed_by_unit'), ['claimed_by_unit'], unique=False)
    # Every claim so far was a member's.
    op.execute("UPDATE micro_wishes SET claimant_kind = 'member' WHERE claimed_by IS NOT NULL")
    with op.batch_alter_table('micro_wishes', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_micro_wishes_one_claimant'), _WISH_CLAIMANT)

    with op.batch_alter_table('post_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimant_kind', _kind('post_claimant_kind'), server_default='member', nullable=False))
        batch_op.add_column(sa.Column('unit_code', sa.String(length=32), nullable=True))
        batch_op.alter_column('member_code', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index(batch_op.f('ix_post_claims_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index('uq_post_claims_active_unit', ['post_id', 'unit_code'], unique=True, sqlite_where=sa.text(_ACTIVE_UNIT), postgresql_where=sa.text(_ACTIVE_UNIT))
        batch_op.create_check_constraint(batch_op.f('ck_post_claims_one_claimant'), _POST_CLAIMANT)

    with op.batch_alter_table('post_duties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_code', sa.String(length=32), nullable=True))
        batch_op.alter_column('member_code', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index(batch_op.f('ix_post_duties_unit_code'), ['unit_code'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_post_duties_one_server'), "(member_code IS NULL) != (unit_code IS NULL)")

    with op.batch_alter_table('agreement_projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimant_kind', _kind('project_claimant_kind'), nullable=True))
        batch_op.add_column(sa.Column('claimant_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_agreement_projects_claimant_code'), ['claimant_code'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_agreement_projects_claimant_complete'), "(claimant_kind IS NULL) = (claimant_code IS NULL)")


def downgrade() -> None:
    # Units' claims have no place in the old tables: they are ended there (history keeps
    # them), wishes a unit claimed go back to the community's list unclaimed.
    with op.batch_alter_table('agreement_projects', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_agreement_projects_claimant_complete'), type_='check')
        batch_op.drop_index(batch_op.f('ix_agreement_projects_claimant_code'))
        batch_op.drop_constraint(batch_op.f('ck_agreement_projects_project_claimant_kind'), type_='check')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimant_code')
        batch_op.drop_column('claimant_kind')

    op.execute("DELETE FROM post_duties WHERE member_code IS NULL")
    with op.batch_alter_table('post_duties', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_post_duties_one_server'), type_='check')
        batch_op.drop_index(batch_op.f('ix_post_duties_unit_code'))
        batch_op.alter_column('member_code', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('unit_code')

    op.execute("DELETE FROM post_claims WHERE member_code IS NULL")
    with op.batch_alter_table('post_claims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_post_claims_one_claimant'), type_='check')
        batch_op.drop_index('uq_post_claims_active_unit', sqlite_where=sa.text(_ACTIVE_UNIT), postgresql_where=sa.text(_ACTIVE_UNIT))
        batch_op.drop_index(batch_op.f('ix_post_claims_unit_code'))
        batch_op.drop_constraint(batch_op.f('ck_post_claims_post_claimant_kind'), type_='check')
        batch_op.alter_column('member_code', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('unit_code')
        batch_op.drop_column('claimant_kind')

    op.execute(
        "UPDATE micro_wishes SET status = 'published', claimed_at = NULL, fulfilled_at = NULL,"
        " confirmed_at = NULL, fulfilment_note = NULL WHERE claimant_kind = 'unit'"
        " AND status != 'withdrawn'"
    )
    with op.batch_alter_table('micro_wishes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_micro_wishes_one_claimant'), type_='check')
        batch_op.drop_index(batch_op.f('ix_micro_wishes_claimed_by_unit'))
        batch_op.drop_constraint(batch_op.f('ck_micro_wishes_wish_claimant_kind'), type_='check')
        batch_op.drop_column('claimed_by_unit')
        batch_op.drop_column('claimant_kind')
