"""Revisions of the work-unit database, applied in order by Alembic."""
