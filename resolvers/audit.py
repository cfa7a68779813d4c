"""What a request did that the audit log must keep: personal fields read, mutations made.

Reads are collected while the request resolves and written once at its end, as one
event per (type, fields) with all target ids, so auditing costs one insert per request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from datasources.audit.events import AuditEvent, AuditKind
from datasources.scope import Viewer


@dataclass
class AuditTrail:
    reads: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    mutations: list[dict[str, Any]] = field(default_factory=list)
    denials: list[dict[str, Any]] = field(default_factory=list)

    def read(self, type_name: str, target_id: object, field_name: str) -> None:
        self.reads[type_name][str(target_id)].add(field_name)

    def mutation(self, name: str, type_name: str, target_ids: list[str], **detail: Any) -> None:
        self.mutations.append(
            {"name": name, "type": type_name, "targets": target_ids, "detail": detail}
        )

    def denied(self, name: str, type_name: str, target_ids: list[str]) -> None:
        """A refused attempt (FORBIDDEN): kept so the auditor sees who tried what."""
        self.denials.append({"name": name, "type": type_name, "targets": target_ids})

    def events(
        self, viewer: Viewer, *, operation_name: str | None, request_id: str | None
    ) -> list[AuditEvent]:
        """Everything this request must leave in the audit log."""
        common: dict[str, Any] = {"operation_name": operation_name, "request_id": request_id}
        found = [
            AuditEvent.by(viewer, AuditKind.READ_PERSONAL, type_name, ids, fields=fields, **common)
            for type_name, fields, ids in self.read_events()
        ]
        for kind, entries in (
            (AuditKind.MUTATION, self.mutations),
            (AuditKind.DENIED, self.denials),
        ):
            found += [
                AuditEvent.by(
                    viewer, kind, entry["type"], entry["targets"],
                    detail={"mutation": entry["name"], **entry.get("detail", {})}, **common,
                )
                for entry in entries
            ]  # fmt: skip
        return found

    def read_events(self) -> list[tuple[str, tuple[str, ...], list[str]]]:
        """(type, fields, target ids) per distinct set of fields read."""
        grouped: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
        for type_name, targets in self.reads.items():
            for target, fields in targets.items():
                grouped[(type_name, tuple(sorted(fields)))].append(target)
        return [(t, f, sorted(ids)) for (t, f), ids in grouped.items()]
