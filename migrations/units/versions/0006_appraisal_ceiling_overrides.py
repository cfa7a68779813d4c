"""Appraisal ceiling overrides: the grade an organisation evaluation records is bound by
the member's appraisal ceiling (评议等次上限), unless the district overrode it on appeal.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:00:00.000000

Adds `ceiling_grade` (the ceiling when the grade was recorded), `override_reason` and
`override_by` (the district organisation department's override on appeal, 区委组织部特批).

Existing rows are carried over as they are: all three stay null. History is not rewritten:
a grade recorded before the ceiling was enforced keeps its grade, and the ceiling at that
time is not known to the unit side (it is computed from the community side's records).
Reads judge such a grade against the member's ceiling as it is computed now: one above it,
without an override, is shown as a conflict (`gradeCheck: EXCEEDS_CEILING`, and
"超出上限，待区委组织部复核" in the spreadsheet) for the district to review, which
confirms it with an override or has the branch record a new grade within the ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GRADES = ('excellent', 'qualified', 'basically_qualified', 'unqualified')


def upgrade() -> None:
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ceiling_grade', sa.Enum(*_GRADES, name='organisation_ceiling_grade', native_enum=False, create_constraint=True, length=32), nullable=True))
        batch_op.add_column(sa.Column('override_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('override_by', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organisation_evaluations_organisation_ceiling_grade'), type_='check')
        batch_op.drop_column('override_by')
        batch_op.drop_column('override_reason')
        batch_op.drop_column('ceiling_grade')
