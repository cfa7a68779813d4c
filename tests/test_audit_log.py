"""The audit log: a third datasource that records, lists by filter and page, and never changes.

Every test gets a fresh, migrated audit database of its own (nothing can be deleted from
it, so tests cannot share one): a temporary SQLite file, and a scratch PostgreSQL database
when a server answers at `DUALHUB_TEST_POSTGRES_URL` (skipped otherwise, a failure with
`DUALHUB_REQUIRE_POSTGRES=1`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Executable, delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.audit.events import AuditEvent, AuditKind
from datasources.audit.lists import AUDIT_EVENTS, AuditEventFilter
from datasources.audit.loaders import AuditLoaders
from datasources.audit.models import AuditEventRow, AuditEventTarget
from datasources.audit.policy import visible
from datasources.audit.source import AuditSource
from datasources.paging import PageArgs
from datasources.scope import Role, Scope, Viewer
from datasources.stats import count_statements
from migrations import runner
from tests.databases import POSTGRES_ADMIN_URL, require_postgres

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DISTRICT = Viewer(Role.DISTRICT, subject="district-officer", district="D01")
AUDITOR = Viewer(Role.AUDITOR, subject="auditor-1")
BRANCH = Viewer(Role.UNIT_BRANCH, subject="branch-secretary", unit="U0001", branch="B00043")
BEIJING = timezone(timedelta(hours=8))


# --- databases -------------------------------------------------------------------------


async def _admin(statement: str) -> None:
    engine = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new audit database of each dialect, migrated to head (sync: the runner's own loop)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
        runner.upgrade("audit", url)
        yield url
        return
    require_postgres()
    name = f"dualhub_audit_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
        runner.upgrade("audit", url)
        yield url
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def audit(audit_url: str) -> AsyncIterator[AuditSource]:
    source = AuditSource(audit_url)
    try:
        yield source
    finally:
        await source.dispose()


class NoFacts:
    """The audit policy needs nothing from the other sides."""

    async def members_of_viewer_unit(self) -> Sequence[str]:
        return []

    async def members_reported_to_viewer(self) -> Sequence[str]:
        return []

    async def unit_of_viewer_member(self) -> str | None:
        return None


def loaders_for(audit: AuditSource, viewer: Viewer = DISTRICT) -> AuditLoaders:
    return audit.loaders(Scope(visible, viewer, NoFacts()))


def event(minute: int, **overrides: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "subject": "branch-secretary",
        "role": "unit_branch",
        "kind": AuditKind.READ_PERSONAL,
        "target_type": "Member",
        "target_ids": ("M001186",),
        "fields": ("phone",),
        "operation_name": "BranchMembers",
        "request_id": f"req-{minute}",
        "scope": {"unit": "U0001", "branch": "B00043"},
        "occurred_at": T0 + timedelta(minutes=minute),
    }
    values.update(overrides)
    return AuditEvent(**values)


# A small log: three viewers, three kinds, overlapping targets, one event per minute.
LOG = [
    event(0, target_ids=("M001186", "M001188"), fields=("phone", "emergencyContact")),
    event(1, target_ids=("M001189",)),
    event(2, subject="district-officer", role="district", scope={"district": "D01"},
          operation_name="Members", target_ids=("M001186",)),
    event(3, kind=AuditKind.MUTATION, target_type="Report", target_ids=("R42",), fields=(),
          operation_name="ConfirmReport", detail={"status": ["pending", "confirmed"]}),
    event(4, subject="anonymous", role="anonymous", scope={}, kind=AuditKind.DENIED,
          target_ids=("M001186",), operation_name=None, request_id=None),
    event(5, target_type="Report", kind=AuditKind.MUTATION, target_ids=("M001186",),
          fields=(), operation_name="ConfirmReport"),
]  # fmt: skip


async def all_pages(
    loaders: AuditLoaders, filters: AuditEventFilter | None, first: int, descending: bool = True
) -> list[list[int]]:
    """Page through the list with cursors, as a client would; the ids of each page."""
    pages: list[list[int]] = []
    after: tuple[Any, ...] | None = None
    while True:
        args = PageArgs(first, "occurred_at", descending, filters, after)
        page = await loaders.events.page(None, args)
        pages.append([row.id for row in page.rows])
        assert page.has_previous is (after is not None)
        if not page.has_next:
            return pages
        cursor = AUDIT_EVENTS.cursor_of(page.rows[-1], args)
        after = AUDIT_EVENTS.decode_after(cursor, "occurred_at")


async def ids_matching(audit: AuditSource, filters: AuditEventFilter) -> list[int]:
    loaders = loaders_for(audit)
    page = await loaders.events.page(None, PageArgs(100, "occurred_at", False, filters))
    total = await loaders.events.count(None, filters)
    assert total == len(page.rows)
    return [row.id for row in page.rows]


async def snapshot(audit: AuditSource) -> tuple[list[Any], list[Any]]:
    async with audit.engine.connect() as connection:
        events = (await connection.execute(select(AuditEventRow.__table__))).all()
        targets = (await connection.execute(select(AuditEventTarget.__table__))).all()
    return sorted(events), sorted(targets)


# --- recording and reading -------------------------------------------------------------


async def test_recorded_events_read_back_unchanged(audit: AuditSource) -> None:
    await audit.record(LOG)
    loaders = loaders_for(audit)

    page = await loaders.events.page(None, PageArgs(10, "occurred_at"))
    assert [row.id for row in page.rows] == [1, 2, 3, 4, 5, 6]
    assert not page.has_next
    for row, sent in zip(page.rows, LOG, strict=True):
        assert row.occurred_at == sent.occurred_at
        assert row.occurred_at.tzinfo is not None
        assert row.subject == sent.subject
        assert row.role == sent.role
        assert row.scope == dict(sent.scope)
        assert row.kind is sent.kind
        assert row.operation_name == sent.operation_name
        assert row.request_id == sent.request_id
        assert row.target_type == sent.target_type
        assert row.target_ids == list(sent.target_ids)
        assert row.fields == list(sent.fields)
        assert row.detail == sent.detail

    first, fourth, missing = await asyncio.gather(
        loaders.event_by_id.load(1), loaders.event_by_id.load(4), loaders.event_by_id.load(999)
    )
    assert first.fields == ["phone", "emergencyContact"]
    assert fourth.detail == {"status": ["pending", "confirmed"]}
    assert missing is None


async def test_the_database_indexes_every_target(audit: AuditSource) -> None:
    await audit.record(LOG)
    _, targets = await snapshot(audit)
    assert targets == sorted(
        (number, target, sent.target_type)
        for number, sent in enumerate(LOG, start=1)
        for target in sent.target_ids
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (AuditEventFilter(), [1, 2, 3, 4, 5, 6]),
        (AuditEventFilter(subject="branch-secretary"), [1, 2, 4, 6]),
        (AuditEventFilter(role="district"), [3]),
        (AuditEventFilter(kind=AuditKind.MUTATION), [4, 6]),
        (AuditEventFilter(kind=AuditKind.DENIED), [5]),
        (AuditEventFilter(target_type="Report"), [4, 6]),
        (AuditEventFilter(target_id="M001186"), [1, 3, 5, 6]),
        (AuditEventFilter(target_id="M001186", target_type="Member"), [1, 3, 5]),
        (AuditEventFilter(target_id="M001188"), [1]),
        (AuditEventFilter(target_id="M999999"), []),
        (AuditEventFilter(operation_name="ConfirmReport"), [4, 6]),
        (AuditEventFilter(since=T0 + timedelta(minutes=2)), [3, 4, 5, 6]),
        (AuditEventFilter(until=T0 + timedelta(minutes=2)), [1, 2]),
        (
            AuditEventFilter(
                subject="branch-secretary",
                kind=AuditKind.READ_PERSONAL,
                target_id="M001186",
                since=T0,
                until=T0 + timedelta(hours=1),
            ),
            [1],
        ),
    ],
    ids=[
        "none",
        "subject",
        "role",
        "kind-mutation",
        "kind-denied",
        "target-type",
        "target-id",
        "target-id-and-type",
        "target-id-once",
        "target-id-unknown",
        "operation",
        "since",
        "until",
        "combined",
    ],
)
async def test_filters(audit: AuditSource, filters: AuditEventFilter, expected: list[int]) -> None:
    await audit.record(LOG)
    assert await ids_matching(audit, filters) == expected


async def test_time_bounds_compare_instants_whatever_the_offset(audit: AuditSource) -> None:
    """08:00 UTC is 16:00 in Beijing: both are the same instant on either dialect."""
    await audit.record([event(0, occurred_at=datetime(2026, 3, 1, 16, 2, tzinfo=BEIJING))])
    await audit.record([event(3)])

    (row,) = (await loaders_for(audit).events.page(None, PageArgs(1, "occurred_at"))).rows
    assert row.occurred_at == T0 + timedelta(minutes=2)
    assert row.occurred_at.utcoffset() == timedelta(0)

    since = datetime(2026, 3, 1, 16, 2, tzinfo=BEIJING)
    assert await ids_matching(audit, AuditEventFilter(since=since)) == [1, 2]
    assert await ids_matching(audit, AuditEventFilter(until=since)) == []
    just_after = since + timedelta(microseconds=1)
    assert await ids_matching(audit, AuditEventFilter(since=just_after)) == [2]


async def test_pages_follow_cursors_newest_first(audit: AuditSource) -> None:
    # Two events share each minute: the id breaks the tie, so no row is lost or repeated.
    await audit.record([event(minute // 2, request_id=f"r{minute}") for minute in range(10)])
    loaders = loaders_for(audit)

    newest_first = await all_pages(loaders, None, first=3)
    assert newest_first == [[10, 9, 8], [7, 6, 5], [4, 3, 2], [1]]
    oldest_first = await all_pages(loaders, None, first=4, descending=False)
    assert oldest_first == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]

    # Paging and filtering together; the total ignores the page.
    filters = AuditEventFilter(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=4))
    assert await all_pages(loaders_for(audit), filters, first=4) == [[8, 7, 6, 5], [4, 3]]
    assert await loaders.events.count(None, filters) == 6


async def test_rows_added_meanwhile_do_not_shift_pages(audit: AuditSource) -> None:
    await audit.record([event(minute) for minute in range(4)])
    args: PageArgs[AuditEventFilter] = PageArgs(2, "occurred_at", descending=True)
    first = await loaders_for(audit).events.page(None, args)
    after = AUDIT_EVENTS.decode_after(AUDIT_EVENTS.cursor_of(first.rows[-1], args), "occurred_at")

    await audit.record([event(10), event(11)])

    second = await loaders_for(audit).events.page(
        None, PageArgs(2, "occurred_at", True, None, after)
    )
    assert [row.id for row in first.rows] == [4, 3]
    assert [row.id for row in second.rows] == [2, 1]


async def test_only_the_district_and_the_auditor_read_the_log(audit: AuditSource) -> None:
    await audit.record(LOG)
    args: PageArgs[AuditEventFilter] = PageArgs(10, "occurred_at")
    for viewer in (DISTRICT, AUDITOR):
        loaders = loaders_for(audit, viewer)
        assert len((await loaders.events.page(None, args)).rows) == len(LOG)
        assert await loaders.event_by_id.load(1) is not None

    for viewer in (
        BRANCH,
        Viewer(Role.MEMBER, subject="m", member="M001186"),
        Viewer(Role.ANONYMOUS),
    ):
        loaders = loaders_for(audit, viewer)
        assert (await loaders.events.page(None, args)).rows == []
        assert await loaders.events.count(None, None) == 0
        assert await loaders.event_by_id.load(1) is None


# --- statements ------------------------------------------------------------------------


async def test_recording_nothing_runs_no_statement(audit: AuditSource) -> None:
    with count_statements() as statements:
        await audit.record([])
    assert statements == {}
    assert await snapshot(audit) == ([], [])


async def test_a_batch_is_one_statement(audit: AuditSource) -> None:
    batch = [
        event(minute % 60, target_ids=(f"M{minute:06d}", f"M{minute + 1:06d}"))
        for minute in range(100)
    ]
    with count_statements() as statements:
        await audit.record(batch)
    assert statements == {"audit": 1}

    events, targets = await snapshot(audit)
    assert (len(events), len(targets)) == (100, 200)


class _Unwritable:
    """An entry the log's columns refuse (no subject): its batch must leave nothing."""

    def __init__(self, entry: AuditEvent) -> None:
        self._entry = entry

    def as_row(self) -> dict[str, Any]:
        return {**self._entry.as_row(), "subject": None}


@pytest.mark.parametrize("size", [1, 5])
async def test_a_batch_is_written_all_or_nothing(audit: AuditSource, size: int) -> None:
    """PostgreSQL writes a batch in autocommit (one statement, or asyncpg's executemany
    under one Sync): a refused row must take its whole batch with it."""
    batch: list[Any] = [event(minute) for minute in range(size - 1)]
    batch.append(_Unwritable(event(59)))
    with pytest.raises(DBAPIError):
        await audit.record(batch)
    assert await snapshot(audit) == ([], [])
    await audit.record([event(1)])  # and the log goes on
    events, _ = await snapshot(audit)
    assert len(events) == 1


async def test_reading_is_counted_under_the_audit_source(audit: AuditSource) -> None:
    await audit.record(LOG)
    loaders = loaders_for(audit)
    filters = AuditEventFilter(target_id="M001186")
    with count_statements() as statements:
        await asyncio.gather(
            loaders.events.page(None, PageArgs(2, "occurred_at", True, filters)),
            loaders.events.count(None, filters),
            loaders.event_by_id.load(1),
            loaders.event_by_id.load(2),
        )
    # One statement per loader batch: the page, the total, both rows together.
    assert statements == {"audit": 3}


# --- append-only -----------------------------------------------------------------------

CHANGES: dict[str, Callable[[], Executable]] = {
    "update": lambda: update(AuditEventRow).values(subject="someone-else"),
    "update-one": lambda: update(AuditEventRow).where(AuditEventRow.id == 1).values(role="x"),
    "delete": lambda: delete(AuditEventRow),
    "delete-one": lambda: delete(AuditEventRow).where(AuditEventRow.id == 1),
    "update-target": lambda: update(AuditEventTarget).values(target_id="M000000"),
    "delete-target": lambda: delete(AuditEventTarget),
    "sql-update": lambda: text("UPDATE audit_events SET occurred_at = occurred_at"),
    "sql-delete": lambda: text("DELETE FROM audit_events WHERE id > 0"),
    "sql-update-target": lambda: text("UPDATE audit_event_targets SET target_type = 'X'"),
    "sql-delete-target": lambda: text("DELETE FROM audit_event_targets"),
}


@pytest.mark.parametrize("change", CHANGES)
async def test_the_database_refuses_every_change(audit: AuditSource, change: str) -> None:
    await audit.record(LOG)
    before = await snapshot(audit)

    with pytest.raises(DBAPIError, match="is append-only"):
        async with audit.engine.begin() as connection:
            await connection.execute(CHANGES[change]())
    with pytest.raises(DBAPIError, match="is append-only"):
        async with audit.transaction() as session:  # the ORM session path, too
            await session.execute(CHANGES[change]())

    assert await snapshot(audit) == before


@pytest.mark.parametrize(
    "audit_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_postgresql_refuses_truncate(audit: AuditSource) -> None:
    """SQLite has no TRUNCATE; PostgreSQL's bypasses row triggers, not statement ones."""
    await audit.record(LOG)
    before = await snapshot(audit)

    for statement in (
        "TRUNCATE audit_events CASCADE",
        "TRUNCATE audit_event_targets",
        "TRUNCATE audit_event_targets, audit_events",
    ):
        with pytest.raises(DBAPIError, match="is append-only"):
            async with audit.engine.begin() as connection:
                await connection.execute(text(statement))

    # A statement trigger: even a change that matches no row is refused.
    with pytest.raises(DBAPIError, match="is append-only"):
        async with audit.engine.begin() as connection:
            await connection.execute(text("DELETE FROM audit_events WHERE false"))

    assert await snapshot(audit) == before


async def test_inserting_keeps_working_after_a_refused_change(audit: AuditSource) -> None:
    await audit.record(LOG[:2])
    with pytest.raises(DBAPIError):
        async with audit.engine.begin() as connection:
            await connection.execute(delete(AuditEventRow))
    await audit.record(LOG[2:])
    assert await ids_matching(audit, AuditEventFilter()) == [1, 2, 3, 4, 5, 6]


# --- migrations ------------------------------------------------------------------------


async def _triggers_and_functions(url: str) -> tuple[set[str], set[str]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                return set((await connection.execute(text(query))).scalars()), set()
            triggers = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            functions = (
                "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                "WHERE nspname = 'public'"
            )
            return (
                set((await connection.execute(text(triggers))).scalars()),
                set((await connection.execute(text(functions))).scalars()),
            )
    finally:
        await engine.dispose()


async def test_migrations_install_and_remove_the_triggers(audit_url: str) -> None:
    assert await runner.current_async("audit", audit_url) == "0002"
    assert await runner.check_async("audit", audit_url) == []
    installed = await _triggers_and_functions(audit_url)
    triggers, functions = installed
    if make_url(audit_url).get_backend_name() == "sqlite":
        assert triggers == {
            "audit_events_no_update",
            "audit_events_no_delete",
            "audit_event_targets_no_update",
            "audit_event_targets_no_delete",
            "audit_events_targets",
        }
    else:
        assert triggers == {
            "audit_events_append_only",
            "audit_event_targets_append_only",
            "audit_events_targets",
        }
        assert functions == {"audit_reject_change", "audit_events_index_targets"}

    # Event ids (0002) come and go without a table rebuild: the triggers stay.
    await runner.downgrade_async("audit", audit_url, "0001")
    assert await _triggers_and_functions(audit_url) == installed
    await runner.upgrade_async("audit", audit_url)
    assert await _triggers_and_functions(audit_url) == installed

    await runner.downgrade_async("audit", audit_url, "base")
    assert await runner.current_async("audit", audit_url) is None
    assert await _triggers_and_functions(audit_url) == (set(), set())

    # The history replays, and the replayed log is append-only again.
    await runner.upgrade_async("audit", audit_url)
    assert await runner.check_async("audit", audit_url) == []
    source = AuditSource(audit_url)
    try:
        await source.record(LOG[:1])
        with pytest.raises(DBAPIError, match="is append-only"):
            async with source.engine.begin() as connection:
                await connection.execute(delete(AuditEventRow))
        async with source.engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(AuditEventTarget)) == 2
    finally:
        await source.dispose()


# --- events ----------------------------------------------------------------------------


def test_an_event_is_normalised() -> None:
    sent = AuditEvent(
        subject="s",
        role="district",
        kind="mutation",  # type: ignore[arg-type]
        target_type="Member",
        target_ids=["M2", "M1", "M2"],  # type: ignore[arg-type]
        fields=["phone", "phone"],  # type: ignore[arg-type]
        occurred_at=datetime(2026, 3, 1, 16, 0, tzinfo=BEIJING),
    )
    assert sent.kind is AuditKind.MUTATION
    assert sent.target_ids == ("M2", "M1")
    assert sent.fields == ("phone",)
    assert sent.occurred_at == T0
    assert sent.occurred_at.tzinfo is UTC
    assert AuditEvent("s", "district", AuditKind.DENIED, "Member").occurred_at.tzinfo is UTC


def test_an_event_needs_an_aware_time_and_a_known_kind() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        event(0, occurred_at=datetime(2026, 3, 1, 8, 0))
    with pytest.raises(ValueError, match="read"):
        event(0, kind="read")
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditEventFilter(since=datetime(2026, 3, 1))


def test_an_event_by_a_viewer_carries_its_identity() -> None:
    sent = AuditEvent.by(
        BRANCH,
        AuditKind.READ_PERSONAL,
        "Member",
        ["M001186"],
        fields=["phone"],
        operation_name="BranchMembers",
        request_id="readme-demo-1",
    )
    assert (sent.subject, sent.role) == ("branch-secretary", "unit_branch")
    assert sent.scope == {"unit": "U0001", "branch": "B00043"}
    assert (sent.target_ids, sent.fields) == (("M001186",), ("phone",))
    assert sent.as_row()["kind"] is AuditKind.READ_PERSONAL
    anonymous = AuditEvent.by(Viewer(Role.ANONYMOUS), AuditKind.DENIED, "Member")
    assert (anonymous.subject, anonymous.role, anonymous.scope) == ("anonymous", "anonymous", {})
