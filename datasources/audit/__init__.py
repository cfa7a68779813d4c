"""The audit side: the hub's own append-only log of reads of personal fields, mutations and
denials (who, role, scope, operation, targets, time). It belongs to neither source system,
so it is a third datasource with its own database (`DUALHUB_AUDIT_DATABASE_URL`), its own
migration history (`migrations/audit/`, version table `alembic_version_audit`) and its own
read policy (the district and the auditor only); units and community know nothing of it.

Design:

- Append-only by the database, not by convention: migration 0001 installs triggers that
  reject every UPDATE and DELETE on both tables (SQLite `RAISE(ABORT, ...)`; PostgreSQL a
  plpgsql function, as a statement trigger that also rejects TRUNCATE). Code paths,
  scripts and psql sessions hit the same wall. (A PostgreSQL owner or superuser can still
  drop or disable triggers: in production let the hub connect as a role that does not own
  the tables and holds only INSERT and SELECT.)
- One write per request: the gateway collects `AuditEvent`s while it answers and calls
  `AuditSource.record(events)` once, which sends one INSERT (a Core insert with a list of
  rows) in its own transaction, and nothing for an empty list.
- Lookups by target through a child table: `audit_event_targets(event_id, target_id,
  target_type)`, indexed on (target_id, target_type), so filtering by a target id is a
  plain indexed join on SQLite and PostgreSQL alike (no dialect-specific JSON operators).
  An AFTER INSERT trigger fills it from each event's `target_ids` within the same INSERT
  statement: the hub never writes it, it cannot drift from the events, and no generated
  ids have to travel back to the client to link the two tables.
- Timestamps are stored in UTC (`models.UTCDateTime`) and read back timezone-aware on both
  dialects, so `since`/`until` filters and keyset cursors compare correctly on SQLite.

Note for future migrations: SQLite batch mode rebuilds a table by copy, drop and rename,
which drops its triggers; a revision that alters `audit_events` or `audit_event_targets`
on SQLite must create their triggers again.
"""
