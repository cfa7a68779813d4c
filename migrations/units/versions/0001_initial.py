"""Initial schema of the work-unit database: units, Party branches, members.

Enum columns are VARCHAR(32) with a CHECK listing the allowed values (the models'
`str_enum`, `native_enum=False`), written out here. Every constraint and index has its
final name (`op.f`), so replaying this revision does not depend on the naming convention
the models use today.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:41:24.092090
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("district_name", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('agency', 'public_institution', 'state_enterprise', 'two_new')",
            name=op.f("ck_work_units_unit_kind"),
        ),
        sa.CheckConstraint(
            "level IN ('city', 'district', 'town')", name=op.f("ck_work_units_unit_level")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_units")),
        sa.UniqueConstraint("code", name=op.f("uq_work_units_code")),
    )
    op.create_index(op.f("ix_work_units_kind"), "work_units", ["kind"], unique=False)
    op.create_index(op.f("ix_work_units_level"), "work_units", ["level"], unique=False)
    op.create_index(op.f("ix_work_units_name"), "work_units", ["name"], unique=False)

    op.create_table(
        "party_branches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("secretary_name", sa.String(length=40), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["work_units.id"], name=op.f("fk_party_branches_unit_id_work_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_party_branches_code")),
    )
    op.create_index(op.f("ix_party_branches_name"), "party_branches", ["name"], unique=False)
    op.create_index(op.f("ix_party_branches_unit_id"), "party_branches", ["unit_id"], unique=False)

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("gender", sa.String(length=32), nullable=False),
        sa.Column("political_status", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("joined_party_on", sa.Date(), nullable=True),
        sa.Column("job_title", sa.String(length=60), nullable=True),
        sa.Column("in_service", sa.Boolean(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("gender IN ('male', 'female')", name=op.f("ck_members_gender")),
        sa.CheckConstraint(
            "political_status IN ('full', 'probationary', 'development_target', 'activist')",
            name=op.f("ck_members_political_status"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["party_branches.id"], name=op.f("fk_members_branch_id_party_branches")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["work_units.id"], name=op.f("fk_members_unit_id_work_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("code", name=op.f("uq_members_code")),
    )
    op.create_index("ix_members_branch_id_name", "members", ["branch_id", "name"], unique=False)
    op.create_index(op.f("ix_members_name"), "members", ["name"], unique=False)
    op.create_index(
        op.f("ix_members_political_status"), "members", ["political_status"], unique=False
    )
    op.create_index("ix_members_unit_id_name", "members", ["unit_id", "name"], unique=False)


def downgrade() -> None:
    # Dependents first; dropping a table drops its indexes and constraints with it.
    op.drop_table("members")
    op.drop_table("party_branches")
    op.drop_table("work_units")
