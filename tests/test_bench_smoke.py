"""The performance benchmark runs end to end on a small data set, on each backend (its
timings are not checked here: `python -m bench.performance` on the district data set is the
benchmark)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bench.performance import Data, main
from tests.conftest import BACKENDS
from tests.databases import create_pair, drop_pair
from tests.scales import SMALL


@pytest.mark.parametrize("backend", BACKENDS)
def test_benchmark_runs_and_agrees_with_its_sql_baseline(
    backend: str, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = create_pair(backend, tmp_path_factory.mktemp(f"bench-{backend}"))
    assert pair.audit_url is not None
    try:
        data = Data(pair.units_url, pair.community_url, pair.audit_url)
        asyncio.run(main(data, None, runs=1, scale=SMALL, size=40, freeze=False))
    finally:
        drop_pair(pair)
    out = capsys.readouterr().out
    for name in ("branch", "community", "district"):
        assert f"{name} " in out
        assert "ratio" in out
    assert "GraphQL layer" in out


def test_leaves_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bench.leaves` (the leaf fast path against a raw dump): it checks that the
    three dumps are the same bytes before printing."""
    from bench import leaves

    asyncio.run(leaves.main(200, 1))
    out = capsys.readouterr().out
    assert "fast path" in out
    assert "x raw" in out


def test_throughput_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bench.throughput` end to end on the demo data set (SQLite), briefly: the
    hub's servers and the bare endpoint start, take load without errors, and stop."""
    from bench.performance import sqlite_files
    from bench.throughput import main as throughput

    results = asyncio.run(throughput(sqlite_files(tmp_path), 1.0, 2, 1))
    out = capsys.readouterr().out
    assert "% of bare" in out
    for loads in results.values():
        for load in loads.values():
            assert load.requests > 0
            assert load.errors == 0
