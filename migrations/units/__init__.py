"""Alembic environment and revisions of the work-unit database."""
