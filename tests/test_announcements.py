"""Live events are published after commit and dropped on rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from datasources import announcements


@pytest.fixture
def heard():
    received: list[tuple[str, dict]] = []
    announcements.set_publisher(lambda topic, payload: received.append((topic, dict(payload))))
    yield received
    announcements.set_publisher(None)


def test_an_event_is_published_only_after_commit(heard):
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("select 1"))
        announcements.announce(session, "orders:C1", {"id": 1})
        assert heard == []
        session.commit()
    assert heard == [("orders:C1", {"id": 1})]


def test_a_rolled_back_event_is_never_published(heard):
    engine = create_engine("sqlite://")
    with Session(engine) as session:
        session.execute(text("select 1"))
        announcements.announce(session, "orders:C1", {"id": 1})
        session.rollback()
        session.commit()
    assert heard == []
