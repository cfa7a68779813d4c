"""`gateway.background.stop`: a background task that lost a cancellation still stops."""

from __future__ import annotations

import asyncio

import pytest

from gateway import background


async def _loop_that_loses_one_cancellation(rounds: list[int]) -> None:
    """As the hub's loops do: log an error and go on to the next round. The first
    cancellation comes back as an ordinary error (as a library on the path may raise)."""
    lost = False
    while True:
        rounds.append(1)
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            if lost:
                raise
            lost = True
            current = asyncio.current_task()
            assert current is not None
            current.uncancel()
            continue  # caught as an error, logged, next round


async def test_a_task_that_lost_a_cancellation_is_asked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(background, "RETRY_SECONDS", 0.05)
    rounds: list[int] = []
    task = asyncio.create_task(_loop_that_loses_one_cancellation(rounds))
    await asyncio.sleep(0)
    await asyncio.wait_for(background.stop(task), 5)
    assert task.cancelled()
    assert len(rounds) == 2


async def test_stopping_nothing_or_an_ended_task_returns() -> None:
    await background.stop(None)
    task = asyncio.create_task(asyncio.sleep(0))
    await task
    await background.stop(task)
