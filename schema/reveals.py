"""Lists whose filters, ordering or placement reveal a personal field (`resolvers/reveals.py`).

`paginate` asks `ListReveals.of` before it loads a page: a list that would reveal a field
the viewer may not read in full is empty (nothing matches a field he cannot read), and the
rows of a list that reveals one he may read are audited as reads of that field, naming
what revealed it. `names_in_text` does the same for names written into generated texts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from strawberry.types.nodes import SelectedField

from datasources.scope import Role
from resolvers.personal import BY_KEY, Access, PersonalField, access_for, mask_name
from resolvers.reveals import FILTERS, NESTED, ORDERINGS, field_name, fields_of, refused
from schema.base import Info

# Who a row that reveals a field of this type is about, as the audit log names him:
# (target type, attribute of the row), like `schema/personal.py:Personal` does.
SUBJECTS: dict[str, tuple[str, str]] = {
    "Member": ("Member", "code"),
    "Report": ("Member", "member_code"),
    "DemandItem": ("DemandItem", "id"),
    "MicroWish": ("MicroWish", "id"),
    "ServiceOrder": ("ServiceOrder", "id"),
}


@dataclass
class ListReveals:
    """What one list field reveals for this request, and whether it may show anything."""

    empty: bool = False
    # (path that reveals, fields): filters and placement reveal through every row shown,
    # an ordering through the cursors (they carry the sort key) when they are selected.
    by_rows: list[tuple[str, list[PersonalField]]] = field(default_factory=list)

    @classmethod
    def of(cls, info: Info, filter: object | None, order_by: Enum | None) -> ListReveals:
        nested = f"{info.path.typename}.{info.field_name}"
        by_rows = [(nested, NESTED.get(nested)), *_used_filter_fields(info, filter)]
        by_cursors = []
        enum = getattr(type(order_by), "__strawberry_definition__", None)
        if order_by is not None and enum is not None:  # an ordering the client may choose
            path = f"{enum.name}.{order_by.name}"
            by_cursors.append((path, ORDERINGS.get(enum.name, {}).get(order_by.name)))
        viewer = info.context.viewer
        found = cls()
        found.empty = any(refused(viewer, keys) for _path, keys in [*by_rows, *by_cursors])
        audited = by_rows + (by_cursors if _shows_cursors(info) else [])
        found.by_rows = [(path, fields_of(keys)) for path, keys in audited if keys]
        return found

    def note(self, info: Info, row: Any) -> None:
        """Audit `row` as read of every field this list reveals."""
        for path, fields in self.by_rows:
            for personal in fields:
                target_type, attribute = SUBJECTS[personal.type_name]
                info.context.audit.read(
                    target_type, getattr(row, attribute), field_name(personal), via=path
                )


def names_in_text(info: Info, people: list[tuple[str, str]], *, via: str) -> list[str]:
    """Members' names (code, name) to write into a generated text, as `Member.name` reads:
    each as the table lets the viewer see it (hidden ones left out), each audited."""
    viewer, spec = info.context.viewer, BY_KEY[("Member", "name")]
    shown = []
    for code, name in people:
        own = viewer.role is Role.MEMBER and viewer.member == code
        access = access_for(viewer, spec, frozenset(), own=own)
        if access is Access.HIDDEN:
            continue
        shown.append(mask_name(name) if access is Access.MASKED else name)
        info.context.audit.read("Member", code, field_name(spec), via=via)
    return shown


def _used_filter_fields(
    info: Info, filter: object | None
) -> list[tuple[str, tuple[str, ...] | None]]:
    definition = getattr(type(filter), "__strawberry_definition__", None)
    if filter is None or definition is None:
        return []
    converter = info.schema.config.name_converter
    used = []
    for strawberry_field in definition.fields:
        if getattr(filter, strawberry_field.python_name) == strawberry_field.default:
            continue
        name = converter.get_graphql_name(strawberry_field)
        used.append((f"{definition.name}.{name}", FILTERS.get(definition.name, {}).get(name)))
    return used


def _shows_cursors(info: Info) -> bool:
    """Whether the selection reads a cursor: where an ordering's sort key is returned."""
    pending = list(info.selected_fields[0].selections) if info.selected_fields else []
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            if selection.name in ("cursor", "startCursor", "endCursor"):
                return True
            if selection.name in ("edges", "pageInfo"):
                pending.extend(selection.selections)
            continue
        pending.extend(selection.selections)
    return False
