"""The performance benchmark runs end to end on a small data set (its timings are not
checked here: `python -m bench.performance` on the district data set is the benchmark)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.performance import main
from tests.scales import SMALL


def test_benchmark_runs_and_agrees_with_its_sql_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(main(tmp_path, None, runs=1, scale=SMALL, size=40, freeze=False))
    out = capsys.readouterr().out
    for name in ("branch", "community", "district"):
        assert f"{name} " in out
        assert "ratio" in out
