"""Delivery from an outbox, unit by unit (datasources/outbox.py `deliver`).

The background loop delivers only entries older than its grace period (the request that
wrote an entry delivers it itself), and delivers every waiting entry however many batches
that takes. What a rolled-back transaction wrote is not carried into the next one on the
same session, a rolled-back savepoint does not drop what came before it, and settling or
rewriting outbox rows is never itself an audited change. Found by the mutation run (docs/mutation-testing.md, group c).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from datasources import outbox
from datasources.audit.events import AuditEvent, AuditKind
from datasources.community.models import AuditOutbox, District, Street
from datasources.units.models import PartyBranch, UnitKind, UnitLevel, WorkUnit
from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import BACKENDS, TEST_SECRET
from tests.databases import DatabasePair, seeded_pair


@pytest.fixture(scope="module", params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, None, "delivery") as migrated:
        yield migrated


@pytest.fixture
async def hub(pair: DatabasePair) -> AsyncIterator[object]:
    settings = Settings(
        units_database_url=pair.units_url,
        community_database_url=pair.community_url,
        audit_database_url=pair.audit_url,
        jwt_secret=TEST_SECRET,
    )
    app = create_app(settings)
    try:
        yield app.state.hub
    finally:
        await app.state.hub.dispose()


async def _wait(hub: object, count: int, label: str) -> list[str]:
    """`count` fresh entries in the community side's outbox."""
    source = hub.community  # type: ignore[attr-defined]
    events = [AuditEvent(label, "district", AuditKind.MUTATION, "Test", (str(i),))
              for i in range(count)]  # fmt: skip
    async with source.transaction() as session:
        session.add_all(
            AuditOutbox(event_id=e.event_id, created_at=e.occurred_at, payload=e.as_payload())
            for e in events
        )
    return [e.event_id for e in events]


async def test_the_grace_period_keeps_fresh_entries_waiting(hub: object) -> None:
    source, audit = hub.community, hub.audit_log  # type: ignore[attr-defined]
    await _wait(hub, 3, "grace")
    assert await outbox.deliver(source, audit, older_than=timedelta(minutes=5)) == 0
    assert await outbox.pending(source) == 3
    assert await outbox.deliver(source, audit) == 3
    assert await outbox.pending(source) == 0


async def test_every_waiting_entry_is_delivered_whatever_the_batch(hub: object) -> None:
    source, audit = hub.community, hub.audit_log  # type: ignore[attr-defined]
    await _wait(hub, 5, "small-batches")
    assert await outbox.deliver(source, audit, batch=2) == 5
    # A batch size past the small integers Python shares, and one entry more than it.
    await _wait(hub, 301, "large-batch")
    assert await outbox.pending(source) == 301
    assert await outbox.deliver(source, audit, batch=300) == 301
    assert await outbox.pending(source) == 0


async def test_the_grace_and_the_batch_are_named(hub: object) -> None:
    source, audit = hub.community, hub.audit_log  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        await outbox.deliver(source, audit, timedelta(0))  # type: ignore[misc]


class _Recorder:
    """An `OutboxScope` that keeps the changes it was asked to make entries of."""

    def __init__(self) -> None:
        self.changes: list[dict[str, list[str]]] = []
        self.sides: list[str] = []

    def entry(self, side: str, changes: dict[str, list[str]]) -> AuditEvent:
        self.changes.append(changes)
        return AuditEvent("recorder", "district", AuditKind.MUTATION, side)

    def committed(self, side: str, event: AuditEvent) -> None:
        self.sides.append(side)


def _touch(table: type[Any]) -> Any:
    """A write to `table` that changes no row: the outbox still names the table."""
    return update(table).where(table.id == -1).values(name="x")


async def test_a_rolled_back_transaction_leaves_nothing_for_the_next(hub: object) -> None:
    source = hub.community  # type: ignore[attr-defined]
    scope = _Recorder()
    with outbox.audited(scope):
        async with source.writes() as session:
            await session.execute(_touch(Street))
            await session.rollback()
            await session.execute(_touch(District))
            await session.commit()
    assert scope.changes == [{"districts": []}]
    assert scope.sides == ["community"]
    await outbox.deliver(source, hub.audit_log)  # type: ignore[attr-defined]


async def test_a_rolled_back_savepoint_keeps_what_came_before(hub: object) -> None:
    source = hub.community  # type: ignore[attr-defined]
    scope = _Recorder()
    with outbox.audited(scope):
        async with source.writes() as session:
            await session.execute(_touch(District))
            savepoint = await session.begin_nested()
            await session.execute(_touch(Street))
            await savepoint.rollback()
            await session.commit()
    # More, never fewer: the savepoint's tables may be named too.
    assert len(scope.changes) == 1
    assert "districts" in scope.changes[0]
    await outbox.deliver(source, hub.audit_log)  # type: ignore[attr-defined]


async def test_settling_and_rewriting_the_outbox_are_not_changes(hub: object) -> None:
    source = hub.community  # type: ignore[attr-defined]
    ids = await _wait(hub, 2, "settle")
    scope = _Recorder()
    with outbox.audited(scope):
        fuller = AuditEvent("settle", "district", AuditKind.MUTATION, "Test", ("0", "x"))
        await outbox.keep(source, [dataclasses.replace(fuller, event_id=ids[0])])
        await outbox.settle(source, ids)
    assert scope.changes == []
    assert await outbox.pending(source) == 0, "settled, and no entry of its own"


async def test_a_change_to_a_collection_alone_does_not_name_its_owner(hub: object) -> None:
    units = hub.units  # type: ignore[attr-defined]
    async with units.transaction() as session:
        session.add(WorkUnit(code="U-OUTBOX", name="测试单位", kind=UnitKind.AGENCY,
                             level=UnitLevel.CITY, district_name="禅城区"))  # fmt: skip
    scope = _Recorder()
    with outbox.audited(scope):
        async with units.transaction() as session:
            unit = await session.scalar(
                select(WorkUnit).where(WorkUnit.code == "U-OUTBOX")
                .options(selectinload(WorkUnit.branches))
            )  # fmt: skip
            assert unit is not None
            unit.branches.append(PartyBranch(code="B-OUTBOX", name="测试支部"))
    # The new branch is named; its unit, whose columns did not change, is not.
    assert len(scope.changes) == 1
    assert list(scope.changes[0]) == ["PartyBranch"]
    await outbox.deliver(units, hub.audit_log)  # type: ignore[attr-defined]
