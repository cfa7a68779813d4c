"""Evidence files (佐证材料): the attachments table

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 11:30:00

A new table `attachments` ties files of the hub's file store (content-addressed by SHA-256)
to service orders, activity signups and micro-wishes, with their content type, size and
uploader (issuer, subject, role, scope). There were no files before: nothing to carry.
Rows are never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = '0024'
down_revision: str | Sequence[str] | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('uploader_issuer', sa.String(length=200), nullable=False),
    sa.Column('uploader_subject', sa.String(length=120), nullable=False),
    sa.Column('uploader_role', sa.String(length=32), nullable=False),
    sa.Column('uploader_scope', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_attachments_size_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    op.create_index('ix_attachments_entity', 'attachments', ['entity_type', 'entity_id', 'id'], unique=False)

def downgrade() -> None:
    op.drop_index('ix_attachments_entity', table_name='attachments')
    op.drop_table('attachments')
