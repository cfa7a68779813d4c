"""What every entity type shares: construction from a row and Relay node resolution."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, ClassVar, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField

from resolvers.context import HubContext

Info = strawberry.Info[HubContext, None]

T = TypeVar("T")


def as_tuple(values: list[T] | None) -> tuple[T, ...] | None:
    """GraphQL lists arrive as lists; filters must be hashable to share a batch."""
    return None if values is None else tuple(values)


@cache
def _init_field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


def from_row(cls: type[Any], row: Any) -> Any:
    """Build a strawberry type from a model row whose attribute names match its fields."""
    names = _init_field_names(cls)  # type: ignore[arg-type]  # classes are hashable
    return cls(**{name: getattr(row, name) for name in names})


IdLoader = Callable[[HubContext], DataLoader[int, Any]]


def loaded_by(get: IdLoader) -> staticmethod[[HubContext], DataLoader[int, Any]]:
    """A node type's `*_by_id` loader as a function of the context, which the type checker
    follows (a misspelt loader is an error): `loaded_by(lambda c: c.units.member_by_id)`."""
    return staticmethod(get)


class HubNode(relay.Node):
    """A Relay node backed by a datasource row; `node(id:)` goes through its id loader."""

    id_loader_of: ClassVar[staticmethod[[HubContext], DataLoader[int, Any]]]

    @classmethod
    def id_loader(cls, info: Info) -> DataLoader[int, Any]:
        return cls.id_loader_of(info.context)

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return from_row(cls, row)  # type: ignore[no-any-return]

    @classmethod
    def from_optional_row(cls, row: Any) -> Self | None:
        return None if row is None else cls.from_row(row)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Self | None]:
        ids = [_as_int(node_id) for node_id in node_ids]
        rows = await cls.id_loader(info).load_many([i for i in ids if i is not None])
        found = {row.id: row for row in rows if row is not None}
        return [cls.from_optional_row(found.get(i)) if i is not None else None for i in ids]


def _as_int(node_id: str) -> int | None:
    return row_id(node_id)


MAX_ROW_ID = 2**31 - 1  # primary keys are INTEGER columns


def row_id(node_id: str) -> int | None:
    """Ids of this hub are positive integers that fit an INTEGER column; anything else (other
    digits, 5,000 of them, a number the database cannot bind) simply matches nothing."""
    if not (node_id.isascii() and node_id.isdigit() and len(node_id) <= 10):
        return None
    value = int(node_id)
    return value if value <= MAX_ROW_ID else None


def selected_at(info: Info, path: tuple[str, ...]) -> list[SelectedField]:
    """The fields at `path` under the current field's selection (through fragments)."""
    found: list[SelectedField] = []
    pending: list[tuple[Any, int]] = [(s, -1) for s in info.selected_fields]
    while pending:  # level -1: the current field itself
        selection, level = pending.pop()
        if isinstance(selection, SelectedField):
            if level >= 0 and selection.name != path[level]:
                continue
            if level == len(path) - 1:
                found.append(selection)
                continue
            level += 1
        pending.extend((child, level) for child in selection.selections)
    return found
