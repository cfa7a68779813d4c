"""`GroupCommit`: concurrent audit writes share a transaction, each caller keeps its outcome."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from datasources.audit.group_commit import GroupCommit


class Log:
    """A write that takes a moment (as a commit does) and refuses entries named "bad"."""

    def __init__(self) -> None:
        self.writes: list[list[str]] = []
        self.committed: list[str] = []

    async def write(self, entries: Sequence[str]) -> None:
        self.writes.append(list(entries))
        await asyncio.sleep(0.01)
        if "bad" in entries:
            raise ValueError("refused")
        self.committed.extend(entries)


async def test_a_lone_write_is_written_at_once() -> None:
    log = Log()
    group = GroupCommit[str](log.write)
    await group.write(["a"])
    assert log.writes == [["a"]]
    assert log.committed == ["a"]


async def test_callers_of_one_moment_share_a_write() -> None:
    log = Log()
    group = GroupCommit[str](log.write)
    await asyncio.gather(*(group.write([f"e{i}"]) for i in range(20)))
    assert log.writes == [[f"e{i}" for i in range(20)]]


async def test_callers_arriving_during_a_write_share_the_next_one() -> None:
    log = Log()
    group = GroupCommit[str](log.write)
    first = asyncio.ensure_future(group.write(["e0"]))
    await asyncio.sleep(0.001)  # e0's write is under way
    await asyncio.gather(*(group.write([f"e{i}"]) for i in range(1, 20)), first)
    assert log.writes == [["e0"], [f"e{i}" for i in range(1, 20)]]
    assert sorted(log.committed) == sorted(f"e{i}" for i in range(20))


async def test_a_failing_entry_fails_only_its_own_caller() -> None:
    log = Log()
    group = GroupCommit[str](log.write)
    first = asyncio.ensure_future(group.write(["first"]))
    await asyncio.sleep(0.001)
    outcomes = await asyncio.gather(
        group.write(["a1", "a2"]), group.write(["bad"]), group.write(["c"]),
        return_exceptions=True,
    )  # fmt: skip
    await first
    assert outcomes[0] is None
    assert outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    # The shared write failed as a whole, then each caller's entries were written alone.
    assert log.writes[1] == ["a1", "a2", "bad", "c"]
    assert log.writes[2:] == [["a1", "a2"], ["bad"], ["c"]]
    assert log.committed == ["first", "a1", "a2", "c"]


async def test_a_caller_that_gives_up_does_not_cancel_the_shared_write() -> None:
    log = Log()
    group = GroupCommit[str](log.write)
    leaving = asyncio.ensure_future(group.write(["leaving"]))
    staying = asyncio.ensure_future(group.write(["staying"]))
    await asyncio.sleep(0)
    leaving.cancel()
    await staying
    assert log.committed == ["leaving", "staying"]
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_flush_waits_for_what_was_handed_over() -> None:
    log = Log()
    group = GroupCommit[str](log.write)
    pending = [asyncio.ensure_future(group.write([f"e{i}"])) for i in range(3)]
    await asyncio.sleep(0)
    await group.flush()
    assert sorted(log.committed) == ["e0", "e1", "e2"]
    await asyncio.gather(*pending)
