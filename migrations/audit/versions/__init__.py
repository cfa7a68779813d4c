"""Revisions of the audit database, applied in order by Alembic."""
