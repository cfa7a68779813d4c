"""Identities of evaluators: an organisation evaluation's key belongs to a caller.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:20:00.000000

`client_key` (the `clientMutationId` of recordOrganisationEvaluation) was unique per
evaluator subject; two branches sharing a subject got each other's evaluation back. It is
now unique per `evaluator_identity` (`Viewer.identity_key`: issuer, subject, role and
scope). Existing rows keep `evaluator_identity` null (who wrote them beyond the subject is
not recorded): a retry matches such a row by subject only when the caller may read the
evaluation (his unit or branch); otherwise his request is carried out as a new one.
Null identities are distinct in the unique index, so legacy keys never block new ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIAL = {
    'sqlite_where': sa.text('client_key IS NOT NULL'),
    'postgresql_where': sa.text('client_key IS NOT NULL'),
}


def upgrade() -> None:
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evaluator_identity', sa.String(length=64), nullable=True))
        batch_op.drop_index('uq_organisation_evaluations_client_key', **_PARTIAL)
        batch_op.create_index('uq_organisation_evaluations_client_key', ['evaluator_identity', 'client_key'], unique=True, **_PARTIAL)


def downgrade() -> None:
    # Keys of callers sharing a subject would collide under the old index: keep the oldest.
    organisation = sa.table(
        'organisation_evaluations', sa.column('id', sa.Integer),
        sa.column('evaluator_subject', sa.String), sa.column('client_key', sa.String),
    )
    rows = op.get_bind().execute(
        sa.select(organisation.c.id, organisation.c.evaluator_subject, organisation.c.client_key)
        .where(organisation.c.client_key.is_not(None)).order_by(organisation.c.id)
    ).all()
    seen: set[tuple[str, str]] = set()
    for row_id, subject, key in rows:
        if (subject, key) in seen:
            op.execute(organisation.update().where(organisation.c.id == row_id).values(client_key=None))
        seen.add((subject, key))
    with op.batch_alter_table('organisation_evaluations', schema=None) as batch_op:
        batch_op.drop_index('uq_organisation_evaluations_client_key', **_PARTIAL)
        batch_op.create_index('uq_organisation_evaluations_client_key', ['evaluator_subject', 'client_key'], unique=True, **_PARTIAL)
        batch_op.drop_column('evaluator_identity')
