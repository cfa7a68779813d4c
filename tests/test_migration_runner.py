"""The migration runner's own decisions, one at a time: which side a name means, which
tables a side's comparison leaves out, when an SQLite URL names a missing file, and that
`check` compares types and server defaults (found by the mutation run of group (f),
docs/mutation-testing.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import DefaultClause, Integer, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

from migrations import runner


def _built(*parts: str) -> str:
    """A side's name as a caller builds it (from argv, a config file): equal to the literal,
    not the same object, so only comparison by value recognises it."""
    return "".join(parts)


def test_a_side_named_by_a_built_string_is_known() -> None:
    community = _built("comm", "unity")
    assert runner.script_location(community).name == "community"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown migration side"):
        runner.script_location(_built("neigh", "bourhood"))  # type: ignore[arg-type]


def test_a_side_compares_its_own_tables_only() -> None:
    include = runner._include_name(_built("comm", "unity"))  # type: ignore[arg-type]
    assert include("communities", "table", {})
    assert not include("members", "table", {})  # the units side's
    assert not include("audit_events", "table", {})  # the audit log's
    assert include("members", "column", {})  # only tables are filtered


@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/no_such_database", False),
        ("sqlite+aiosqlite://", False),
        ("sqlite+aiosqlite:///:memory:", False),
        ("sqlite+aiosqlite:///file:shared?mode=memory&uri=true", False),
        ("sqlite+aiosqlite:///{tmp}/absent.db", True),
        ("sqlite+aiosqlite:///{tmp}/present.db", False),
    ],
)
def test_only_an_absent_sqlite_file_is_missing(tmp_path: Path, url: str, missing: bool) -> None:
    (tmp_path / "present.db").touch()
    assert runner._missing_sqlite_file(url.format(tmp=tmp_path)) is missing


def test_check_reports_a_changed_type_and_server_default(tmp_path: Path) -> None:
    """A database whose column type or server default differs from the models is out of
    sync: `check` (and autogenerate) must say so, not only for tables and columns."""
    drifted = MetaData()
    for table in runner.target_metadata("community").tables.values():
        table.to_metadata(drifted)
    categories = drifted.tables["service_categories"]
    categories.c["order_due_hours"].server_default = DefaultClause(text("48"))  # models: 72
    categories.c["code"].type = Integer()
    url = f"sqlite+aiosqlite:///{tmp_path}/drifted.db"

    async def build() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(drifted.create_all)
        await engine.dispose()

    asyncio.run(build())
    kinds = {
        (diff[0][0], diff[0][3])
        for diff in runner.check("community", url)
        if isinstance(diff, list)
    }
    assert ("modify_type", "code") in kinds
    assert ("modify_default", "order_due_hours") in kinds
