"""The audit event's own rules, unit by unit (datasources/audit/events.py).

An outbox row carries the event as JSON (`as_payload`) and delivery reads it back
(`from_payload`): the event read back must be the event sent, field for field, whatever is
empty or missing. Found by the mutation run (docs/mutation-testing.md, group c).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from datasources.audit.events import AuditEvent, AuditKind
from datasources.scope import Role, Viewer

BEIJING = timezone(timedelta(hours=8))


def _full() -> AuditEvent:
    return AuditEvent(
        subject="branch-secretary",
        role="unit_branch",
        kind=AuditKind.READ_PERSONAL,
        target_type="Member",
        target_ids=("M2", "M1"),
        fields=("phone", "name"),
        operation_name="BranchMembers",
        request_id="req-1",
        scope={"unit": "U0001", "branch": "B01"},
        detail={"filter": {"nameContains": "张"}},
        occurred_at=datetime(2026, 3, 1, 16, 0, 0, 123456, tzinfo=BEIJING),
    )


def test_a_payload_reads_back_as_the_event_sent() -> None:
    sent = _full()
    payload = json.loads(json.dumps(sent.as_payload(), ensure_ascii=False))
    assert payload["kind"] == "read_personal"
    assert payload["occurred_at"] == "2026-03-01T08:00:00.123456+00:00"
    back = AuditEvent.from_payload(payload)
    assert back == sent
    assert back.as_row() == sent.as_row()


def test_a_payload_without_optional_parts_reads_back_empty() -> None:
    sent = AuditEvent("s", "district", AuditKind.DENIED, "Member")
    payload = sent.as_payload()
    assert payload["detail"] is None
    assert (payload["scope"], payload["target_ids"], payload["fields"]) == ({}, [], [])
    for key in ("scope", "target_ids", "fields", "detail", "request_id", "operation_name"):
        del payload[key]
    back = AuditEvent.from_payload(payload)
    assert (back.scope, back.target_ids, back.fields, back.detail) == ({}, (), (), None)
    assert (back.event_id, back.occurred_at) == (sent.event_id, sent.occurred_at)


class _Floating(tzinfo):
    """A tzinfo that does not know its offset: the time is as unknown as a naive one."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_time_whose_zone_has_no_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditEvent("s", "district", AuditKind.DENIED, "Member",
                   occurred_at=datetime(2026, 3, 1, 8, 0, tzinfo=_Floating()))  # fmt: skip


def test_each_event_gets_its_own_id_and_the_current_time() -> None:
    before = datetime.now(UTC)
    one = AuditEvent("s", "district", AuditKind.DENIED, "Member")
    two = AuditEvent("s", "district", AuditKind.DENIED, "Member")
    assert one.event_id != two.event_id
    assert len(one.event_id) == 32
    assert before <= one.occurred_at <= datetime.now(UTC)


def test_what_an_event_by_a_viewer_read_is_named() -> None:
    # `fields` follows `target_ids`, both lists of strings: only a name tells them apart.
    viewer = Viewer(Role.DISTRICT, subject="d", district="D01")
    with pytest.raises(TypeError):
        AuditEvent.by(viewer, AuditKind.READ_PERSONAL, "Member", ["M1"], ["phone"])  # type: ignore[misc]
    named = AuditEvent.by(viewer, AuditKind.READ_PERSONAL, "Member", ["M1"], fields=["phone"])
    assert (named.target_ids, named.fields) == (("M1",), ("phone",))


def test_an_event_cannot_be_changed_once_made() -> None:
    # The outbox row and the log's row are written from one event: neither may drift.
    sent = _full()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sent.subject = "someone-else"  # type: ignore[misc]
    assert AuditEvent.from_payload(sent.as_payload()).subject == "branch-secretary"
