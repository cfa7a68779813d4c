"""Start-up and configuration errors through the `dualhub` command, as an operator meets them:
one line on stderr (what is wrong, which setting, what to do), exit status 2, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DUALHUB = shutil.which("dualhub", path=str(Path(sys.executable).parent)) or "dualhub"


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`dualhub ARGS` in `cwd`, its files in `cwd/data` (the embedded defaults) unless `env`
    says otherwise; no signing secret configured."""
    environment = {k: v for k, v in os.environ.items() if k != "DUALHUB_JWT_SECRET"}
    for side in ("units", "community", "audit"):
        url = f"sqlite+aiosqlite:///{cwd / 'data' / f'{side}.db'}"
        environment[f"DUALHUB_{side.upper()}_DATABASE_URL"] = url
    environment["DUALHUB_DATA_DIR"] = str(cwd / "data")
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own command
        [DUALHUB, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == "dualhub, version 0.1.0"


def test_a_bad_setting_value(tmp_path: Path) -> None:
    line = one_line(run(tmp_path, "serve", DUALHUB_MAX_PAGE_SIZE="lots"))
    assert "invalid setting DUALHUB_MAX_PAGE_SIZE" in line
    assert "integer" in line


def test_several_bad_settings_on_one_line(tmp_path: Path) -> None:
    line = one_line(
        run(tmp_path, "migrate", DUALHUB_LOG_FORMAT="xml", DUALHUB_METRICS_ALLOW_FROM="everyone")
    )
    assert "DUALHUB_LOG_FORMAT" in line
    assert "DUALHUB_METRICS_ALLOW_FROM" in line


def test_a_postgres_scheme(tmp_path: Path) -> None:
    line = one_line(
        run(tmp_path, "migrate", DUALHUB_UNITS_DATABASE_URL="postgres://hub@db.internal/units")
    )
    assert "DUALHUB_UNITS_DATABASE_URL" in line
    assert "postgresql+asyncpg://" in line


def test_a_url_that_is_not_one(tmp_path: Path) -> None:
    line = one_line(run(tmp_path, "serve", DUALHUB_AUDIT_DATABASE_URL="db.internal:5432/audit"))
    assert "DUALHUB_AUDIT_DATABASE_URL" in line
    assert "not a database URL" in line


def test_a_synchronous_driver(tmp_path: Path) -> None:
    line = one_line(
        run(tmp_path, "migrate", DUALHUB_COMMUNITY_DATABASE_URL="postgresql://hub@db/community")
    )
    assert "DUALHUB_COMMUNITY_DATABASE_URL" in line
    assert "postgresql+asyncpg://" in line


def test_a_missing_driver(tmp_path: Path) -> None:
    """asyncpg not importable (a stand-in package that fails to import, as a missing or
    broken install does)."""
    stub = tmp_path / "stub" / "asyncpg"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('No module named asyncpg')\n")
    line = one_line(
        run(
            tmp_path, "migrate",
            PYTHONPATH=str(tmp_path / "stub"),
            DUALHUB_UNITS_DATABASE_URL="postgresql+asyncpg://hub@127.0.0.1/units",
        )
    )  # fmt: skip
    assert "DUALHUB_UNITS_DATABASE_URL" in line
    assert "pip install asyncpg" in line


def test_an_unreachable_postgresql(tmp_path: Path) -> None:
    line = one_line(
        run(
            tmp_path, "migrate",
            DUALHUB_COMMUNITY_DATABASE_URL="postgresql+asyncpg://hub:s3cret@127.0.0.1:1/community",
        )
    )  # fmt: skip
    assert "cannot reach the database of DUALHUB_COMMUNITY_DATABASE_URL" in line
    assert "127.0.0.1:1" in line
    assert "check that PostgreSQL is running" in line
    assert "s3cret" not in line  # the password is not printed


@pytest.mark.postgres
def test_a_database_that_does_not_exist(tmp_path: Path) -> None:
    line = one_line(
        run(
            tmp_path, "serve",
            DUALHUB_UNITS_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/no_such_hub_db",
        )
    )  # fmt: skip
    assert "DUALHUB_UNITS_DATABASE_URL" in line
    assert 'database "no_such_hub_db" does not exist' in line


def test_an_unwritable_data_folder(tmp_path: Path) -> None:
    """The data folder is a file (a permission bit would not stop root, who runs CI)."""
    blocked = tmp_path / "data"
    blocked.write_text("not a folder")
    line = one_line(run(tmp_path, "serve", "--no-migrate"))
    assert "DUALHUB_DATA_DIR" in line
    assert "signing secret" in line
    line = one_line(run(tmp_path, "serve", "--no-migrate", DUALHUB_JWT_SECRET="s" * 40))
    assert "cannot open the SQLite database of DUALHUB_UNITS_DATABASE_URL" in line
    line = one_line(run(tmp_path, "migrate"))
    assert "cannot open the SQLite database of DUALHUB_UNITS_DATABASE_URL" in line
    assert "writable" in line
