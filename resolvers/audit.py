"""What a request did that the audit log must keep: personal fields read, mutations made.

Reads and refusals are collected while the request resolves and written once at its end, as
one event per (type, fields) with all target ids, so auditing costs one insert per request.

Changes go through the outbox (datasources/outbox.py): while a mutation root field runs
(`mutation_field`), the trail is the outbox scope, so every write transaction it commits on
a side carries its own entry, built here from what the transaction flushed. The richer entry
the field records afterwards (`mutation()`: business targets and detail) replaces that entry,
under the same event id, when the request delivers it.
A read may be indirect: a filter, ordering, list or generated text that revealed the field
(`via`, e.g. `SupporterFilter.buildingCode`); the event's detail then names what did.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from datasources.audit.events import AuditEvent, AuditKind
from datasources.outbox import audited
from datasources.scope import ANONYMOUS, Viewer


@dataclass(frozen=True)
class Written:
    """An outbox entry a mutation field committed on `side`."""

    side: str
    field: str | None
    event: AuditEvent


@dataclass
class AuditTrail:
    viewer: Viewer = ANONYMOUS
    request_id: str | None = None
    reads: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    vias: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    mutations: list[dict[str, Any]] = field(default_factory=list)
    denials: list[dict[str, Any]] = field(default_factory=list)
    written: list[Written] = field(default_factory=list)
    # The mutation root field running now: its response key, its name, the operation's name.
    _field: tuple[str, str, str | None] | None = None

    def read(
        self, type_name: str, target_id: object, field_name: str, *, via: str | None = None
    ) -> None:
        self.reads[type_name][str(target_id)].add(field_name)
        if via is not None:
            self.vias[(type_name, str(target_id))].add(via)

    def mutation(self, name: str, type_name: str, target_ids: list[str], **detail: Any) -> None:
        key = self._field[0] if self._field else None
        self.mutations.append(
            {"name": name, "type": type_name, "targets": target_ids, "detail": detail, "key": key}
        )

    def denied(self, name: str, type_name: str, target_ids: list[str]) -> None:
        """A refused attempt (FORBIDDEN): kept so the auditor sees who tried what."""
        self.denials.append({"name": name, "type": type_name, "targets": target_ids})

    @contextmanager
    def mutation_field(self, key: str, name: str, operation: str | None) -> Iterator[None]:
        """While a mutation root field resolves, its committed changes carry an entry."""
        outer, self._field = self._field, (key, name, operation)
        try:
            with audited(self):
                yield
        finally:
            self._field = outer

    # The outbox scope (datasources.outbox.OutboxScope).
    def entry(self, side: str, changes: dict[str, list[str]]) -> AuditEvent:
        """The entry of one committed transaction: who, which mutation, what it wrote."""
        _key, name, operation = self._field or (None, None, None)
        target_type, target_ids = next(iter(changes.items()))
        return AuditEvent.by(
            self.viewer, AuditKind.MUTATION, target_type, target_ids,
            operation_name=operation, request_id=self.request_id,
            detail={"mutation": name, "side": side, "changes": changes},
        )  # fmt: skip

    def committed(self, side: str, event: AuditEvent) -> None:
        self.written.append(Written(side, self._field[0] if self._field else None, event))

    @property
    def must_be_recorded(self) -> bool:
        """Whether the response depends on the in-memory events: reads and refusals have no
        outbox, so if they cannot be recorded the response is withheld."""
        return bool(self.reads or self.denials)

    def events(
        self, viewer: Viewer, *, operation_name: str | None, request_id: str | None
    ) -> list[AuditEvent]:
        """What this request must record that no outbox holds: reads, refusals, and
        mutation entries of fields that committed nothing (an idempotent retry)."""
        common: dict[str, Any] = {"operation_name": operation_name, "request_id": request_id}
        found = [
            AuditEvent.by(
                viewer, AuditKind.READ_PERSONAL, type_name, ids, fields=fields,
                detail={"revealedBy": list(vias)} if vias else None, **common,
            )
            for type_name, fields, vias, ids in self.read_events()
        ]  # fmt: skip
        _, unmatched = self._matched()
        for kind, entries in ((AuditKind.MUTATION, unmatched), (AuditKind.DENIED, self.denials)):
            found += [self._event(viewer, kind, entry, **common) for entry in entries]
        return found

    def outbox_events(self) -> list[tuple[str, AuditEvent]]:
        """The committed outbox entries as they are delivered: (side, event), each with the
        id of its outbox row; a field's recorded `mutation()` entries replace, in order, the
        entries of the transactions it committed."""
        matched, _ = self._matched()
        return [(w.side, matched.get(w.event.event_id, w.event)) for w in self.written]

    def _matched(self) -> tuple[dict[str, AuditEvent], list[dict[str, Any]]]:
        rows: dict[str | None, list[Written]] = defaultdict(list)
        for written in self.written:
            rows[written.field].append(written)
        matched: dict[str, AuditEvent] = {}
        unmatched: list[dict[str, Any]] = []
        for entry in self.mutations:
            candidates = rows.get(entry["key"]) if entry["key"] is not None else None
            if not candidates:
                unmatched.append(entry)
                continue
            row = candidates.pop(0).event
            rich = self._event(self.viewer, AuditKind.MUTATION, entry,
                               operation_name=row.operation_name, request_id=row.request_id)  # fmt: skip
            matched[row.event_id] = replace(
                rich, event_id=row.event_id, occurred_at=row.occurred_at, scope=row.scope,
                subject=row.subject, role=row.role,
            )  # fmt: skip
        return matched, unmatched

    @staticmethod
    def _event(viewer: Viewer, kind: AuditKind, entry: dict[str, Any], **common: Any) -> AuditEvent:
        return AuditEvent.by(
            viewer, kind, entry["type"], entry["targets"],
            detail={"mutation": entry["name"], **entry.get("detail", {})}, **common,
        )  # fmt: skip

    def read_events(self) -> list[tuple[str, tuple[str, ...], tuple[str, ...], list[str]]]:
        """(type, fields, what revealed them, target ids) per distinct fields and paths."""
        grouped: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]]
        grouped = defaultdict(list)
        for type_name, targets in self.reads.items():
            for target, fields in targets.items():
                vias = tuple(sorted(self.vias.get((type_name, target), ())))
                grouped[(type_name, tuple(sorted(fields)), vias)].append(target)
        return [(t, f, v, sorted(ids)) for (t, f, v), ids in grouped.items()]
