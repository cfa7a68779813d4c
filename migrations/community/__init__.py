"""Alembic environment and revisions of the community database."""
