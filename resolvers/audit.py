"""What a request did that the audit log must keep: personal fields read, mutations made.

Reads are collected while the request resolves and written once at its end, as one
event per (type, fields) with all target ids, so auditing costs one insert per request.
A read may be indirect: a filter, ordering, list or generated text that revealed the field
(`via`, e.g. `SupporterFilter.buildingCode`); the event's detail then names what did.
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
    vias: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    mutations: list[dict[str, Any]] = field(default_factory=list)
    denials: list[dict[str, Any]] = field(default_factory=list)

    def read(
        self, type_name: str, target_id: object, field_name: str, *, via: str | None = None
    ) -> None:
        self.reads[type_name][str(target_id)].add(field_name)
        if via is not None:
            self.vias[(type_name, str(target_id))].add(via)

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
            AuditEvent.by(
                viewer, AuditKind.READ_PERSONAL, type_name, ids, fields=fields,
                detail={"revealedBy": list(vias)} if vias else None, **common,
            )
            for type_name, fields, vias, ids in self.read_events()
        ]  # fmt: skip
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

    def read_events(self) -> list[tuple[str, tuple[str, ...], tuple[str, ...], list[str]]]:
        """(type, fields, what revealed them, target ids) per distinct fields and paths."""
        grouped: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[str]]
        grouped = defaultdict(list)
        for type_name, targets in self.reads.items():
            for target, fields in targets.items():
                vias = tuple(sorted(self.vias.get((type_name, target), ())))
                grouped[(type_name, tuple(sorted(fields)), vias)].append(target)
        return [(t, f, v, sorted(ids)) for (t, f, v), ids in grouped.items()]
