"""Revisions of the community database, applied in order by Alembic."""
