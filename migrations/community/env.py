"""Alembic environment of the community database (executed by Alembic, not imported).

The shared body lives in `migrations.environment`; build the Config with
`migrations.runner` (there is no alembic.ini).
"""

from __future__ import annotations

from migrations.environment import run_environment

run_environment("community")
