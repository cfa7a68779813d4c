"""Initial schema of the audit database: the append-only event log and its target index.

`audit_events` holds the events; `audit_event_targets` one row per (event, target id),
filled by an AFTER INSERT trigger on `audit_events` from its `target_ids` JSON array. Both
tables reject UPDATE and DELETE by trigger (and TRUNCATE on PostgreSQL), whoever issues
them. The trigger SQL is written out here, per dialect, so replaying this revision never
depends on code elsewhere. `alembic check` does not compare triggers: the audit tests do.

On SQLite, dropping a table drops its triggers, and batch mode rebuilds a table by copy,
drop and rename: a later revision that alters either table on SQLite must recreate them.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 20:04:27.771939
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

TABLES = ("audit_events", "audit_event_targets")

SQLITE_TRIGGERS = [
    *(
        f"""
        CREATE TRIGGER {table}_no_{action} BEFORE {action.upper()} ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only');
        END
        """
        for table in TABLES
        for action in ("update", "delete")
    ),
    """
    CREATE TRIGGER audit_events_targets AFTER INSERT ON audit_events
    BEGIN
        INSERT INTO audit_event_targets (event_id, target_id, target_type)
        SELECT DISTINCT NEW.id, value, NEW.target_type FROM json_each(NEW.target_ids);
    END
    """,
]

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ' is append-only',
            ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    # Statement triggers: they fire even when no row matches, and cover TRUNCATE.
    *(
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()
        """
        for table in TABLES
    ),
    """
    CREATE FUNCTION audit_events_index_targets() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO audit_event_targets (event_id, target_id, target_type)
        SELECT DISTINCT NEW.id, target_id, NEW.target_type
        FROM json_array_elements_text(NEW.target_ids) AS target_id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_events_targets AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_index_targets()
    """,
]

POSTGRESQL_FUNCTIONS = ("audit_events_index_targets()", "audit_reject_change()")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("operation_name", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_ids", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('read_personal', 'mutation', 'denied')",
            name=op.f("ck_audit_events_audit_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_occurred_at"), "audit_events", ["occurred_at"])
    op.create_index(
        op.f("ix_audit_events_subject_occurred_at"), "audit_events", ["subject", "occurred_at"]
    )
    op.create_index(
        op.f("ix_audit_events_target_type_occurred_at"),
        "audit_events",
        ["target_type", "occurred_at"],
    )

    op.create_table(
        "audit_event_targets",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.id"],
            name=op.f("fk_audit_event_targets_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint("event_id", "target_id", name=op.f("pk_audit_event_targets")),
    )
    op.create_index(
        op.f("ix_audit_event_targets_target_id_target_type"),
        "audit_event_targets",
        ["target_id", "target_type"],
    )

    for statement in _triggers():
        op.execute(statement)


def downgrade() -> None:
    # Dropping a table drops its triggers (on both dialects) without firing them.
    op.drop_index(
        op.f("ix_audit_event_targets_target_id_target_type"), table_name="audit_event_targets"
    )
    op.drop_table("audit_event_targets")
    op.drop_index(op.f("ix_audit_events_target_type_occurred_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_subject_occurred_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_occurred_at"), table_name="audit_events")
    op.drop_table("audit_events")
    if _dialect() == "postgresql":
        for function in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION {function}")


def _dialect() -> str:
    # The migration context's dialect works online and offline (`--sql`) alike.
    return str(op.get_context().dialect.name)


def _triggers() -> list[str]:
    dialect = _dialect()
    if dialect == "sqlite":
        return SQLITE_TRIGGERS
    if dialect == "postgresql":
        return POSTGRESQL_TRIGGERS
    raise NotImplementedError(f"audit log: no append-only triggers for {dialect!r}")
