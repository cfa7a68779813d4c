"""The collector settings a hub process takes once it has started (gateway/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.heap import settle
from gateway.settings import Settings


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()


@pytest.mark.usefixtures("restored_collector")
def test_settle_freezes_start_up_objects_and_raises_the_first_threshold() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    settle(50_000)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (50_000, 50, 100)


@pytest.mark.usefixtures("restored_collector")
def test_settle_with_zero_keeps_the_default_thresholds() -> None:
    gc.set_threshold(700, 10, 10)
    settle(0)
    assert gc.get_threshold() == (700, 10, 10)


@pytest.mark.usefixtures("restored_collector")
async def test_the_app_settles_the_heap_when_it_starts(tmp_path: Path) -> None:
    gc.set_threshold(700, 10, 10)
    settings = Settings(
        units_database_url=f"sqlite+aiosqlite:///{tmp_path / 'u.db'}",
        community_database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        audit_database_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}",
        jwt_secret="s" * 40,
        gc_threshold=20_000,
    )
    app = create_app(settings)
    assert gc.get_threshold()[0] == 700  # building the app changes nothing
    async with app.router.lifespan_context(app):
        assert gc.get_threshold()[0] == 20_000
