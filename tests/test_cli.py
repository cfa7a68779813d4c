"""The `dualhub` command as an operator uses it, on scratch SQLite files."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from datasources.community.models import Community
from datasources.units.models import Member
from gateway.cli import main
from gateway.settings import Settings


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    files = {side: tmp_path / f"{side}.db" for side in ("units", "community", "audit")}
    for side, path in files.items():
        monkeypatch.setenv(f"DUALHUB_{side.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("DUALHUB_DATA_DIR", str(tmp_path / "data"))
    return files


def _count(path: Path, model: type) -> int:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())
    finally:
        engine.dispose()


def test_migrate_creates_both_databases(env: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert _count(env["units"], Member) == 0
    assert _count(env["community"], Community) == 0
    assert env["audit"].exists()


def test_the_default_paths_of_a_test_session_are_temporary() -> None:
    """conftest points the embedded defaults (./data/...) away from the working directory,
    so a test that relies on them cannot write into the checkout."""
    settings = Settings()
    paths = [Path(settings.data_dir)] + [
        Path(str(make_url(url).database))
        for url in (
            settings.units_database_url,
            settings.community_database_url,
            settings.audit_database_url,
        )
    ]
    for path in paths:
        assert path.is_absolute()
        assert not path.resolve().is_relative_to(Path.cwd().resolve()), path


def test_seed_fills_refuses_to_duplicate_and_resets(env: dict[str, Path]) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["seed", "--scale", "demo", "--seed", "3", "--quiet"])
    assert first.exit_code == 0, first.output
    members = _count(env["units"], Member)
    assert members == 1_500
    assert _count(env["community"], Community) == 6

    again = runner.invoke(main, ["seed", "--scale", "demo", "--quiet"])
    assert again.exit_code != 0
    assert "reset" in again.output
    assert _count(env["units"], Member) == members

    reset = runner.invoke(main, ["seed", "--scale", "demo", "--reset", "--quiet"])
    assert reset.exit_code == 0, reset.output
    assert _count(env["units"], Member) == members


def test_unknown_scale_is_refused(env: dict[str, Path]) -> None:
    result = CliRunner().invoke(main, ["seed", "--scale", "galaxy"])
    assert result.exit_code == 2
    assert "galaxy" in result.output
