"""Alembic environment and revisions of the audit database (the hub's own log)."""
