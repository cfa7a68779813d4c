"""The units side's change history (主数据变更记录): rows of `master_events`, built in bulk.

A personal field (docs/access.md, "Personal fields") is recorded as changed without its
values: the history is read by more people, and kept longer, than the field itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from datasources.common import utcnow
from datasources.scope import Viewer

# Stored attribute -> the input field name the history (and the import) uses.
FIELD_NAMES = {
    "code": "code", "name": "name", "kind": "kind", "level": "level",
    "district_name": "districtName", "address": "address", "unit_id": "unitCode",
    "branch_id": "branchCode", "secretary_name": "secretaryName", "founded_on": "foundedOn",
    "gender": "gender", "phone": "phone", "political_status": "politicalStatus",
    "joined_party_on": "joinedPartyOn", "birth_date": "birthDate", "in_service": "inService",
    "job_title": "jobTitle", "skills": "skills", "status": "status", "retired_on": "retiredOn",
    "retire_reason": "retireReason", "left_on": "leftOn", "left_reason": "leftReason",
    "full_member_on": "fullMemberOn", "service_ended_on": "serviceEndedOn",
    "service_end_reason": "serviceEndReason",
}  # fmt: skip
# Personal fields of a member: recorded as changed, never with their values.
PERSONAL = frozenset({"name", "phone", "skills", "birth_date"})


@dataclass(frozen=True)
class Actor:
    """Who writes, as the history records him."""

    subject: str
    role: str
    organisation: str | None
    identity: str

    @classmethod
    def of(cls, viewer: Viewer) -> Actor:
        return cls(viewer.subject, viewer.role.value, viewer.organisation, viewer.identity_key)


def plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def change_set(
    changed: Mapping[str, tuple[Any, Any]],
    shown: Mapping[str, Any] | None = None,
    personal: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """`{field: {"from": old, "to": new}}`, the `personal` fields as `{"changed": true}`.

    `shown` replaces stored values by what the history should say (a branch's code
    instead of its row id)."""
    out: dict[str, Any] = {}
    for attribute, (old, new) in changed.items():
        name = FIELD_NAMES.get(attribute, attribute)
        if attribute in personal:
            out[name] = {"changed": True}
        elif shown is not None and attribute in shown:
            out[name] = shown[attribute]
        else:
            out[name] = {"from": plain(old), "to": plain(new)}
    return out


def event_row(
    actor: Actor,
    entity_type: str,
    entity_id: int,
    action: str,
    from_state: str | None,
    to_state: str,
    changes: dict[str, Any],
    *,
    note: str | None = None,
    mutation: str | None = None,
    client_key: str | None = None,
) -> dict[str, Any]:
    """One `master_events` row as a mapping, for a bulk insert."""
    return {
        "entity_type": entity_type, "entity_id": entity_id, "action": action,
        "from_state": from_state, "to_state": to_state, "changes": changes, "note": note,
        "actor_subject": actor.subject, "actor_role": actor.role,
        "actor_organisation": actor.organisation, "actor_identity": actor.identity,
        "mutation": mutation if client_key else None, "client_key": client_key,
        "occurred_at": utcnow(),
    }  # fmt: skip
