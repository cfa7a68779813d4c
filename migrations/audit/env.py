"""Alembic environment of the audit database, the hub's own log (executed by Alembic).

The shared body lives in `migrations.environment`; build the Config with
`migrations.runner` (there is no alembic.ini).
"""

from __future__ import annotations

from migrations.environment import run_environment

run_environment("audit")
