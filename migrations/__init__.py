"""Alembic migrations: one independent history per datasource.

`migrations.runner` is the entry point (upgrade, downgrade, current, check, revision for
the "units" or the "community" side against a database URL). Each side's folder holds its
`env.py`, its script template and its `versions/`; no alembic.ini is needed.
"""
