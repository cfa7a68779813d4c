"""Federation's `_entities`: each representation is checked before strawberry resolves it.

strawberry hands a representation straight to the type's `resolve_reference(**fields)`, so
`[1]`, `[{}]`, a type without its key, an unknown type or a key of the wrong type would
each fail inside it (an internal error). Here each such representation gets its own
`BAD_USER_INPUT` error in its slot of the list; the valid ones resolve as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError, GraphQLSchema, GraphQLUnionType
from strawberry.federation.schema_directives import Key

from schema.bounds import BACKREF, effective_length
from schema.errors import bad_input


def entity_keys(schema: GraphQLSchema) -> dict[str, frozenset[str]]:
    """Each entity type's name and the fields of its `@key`."""
    union = schema.type_map.get("_Entity")
    if not isinstance(union, GraphQLUnionType):
        return {}
    keys = {}
    for type_ in union.types:
        definition = (type_.extensions or {}).get(BACKREF)
        directives = getattr(definition, "directives", None) or []
        fields = {name for d in directives if isinstance(d, Key) for name in str(d.fields).split()}
        keys[type_.name] = frozenset(fields)
    return keys


def problem(
    keys: Mapping[str, frozenset[str]], representation: Any, index: int
) -> GraphQLError | None:
    """Why `representation` (the `index`-th) cannot name an entity, or None if it can."""
    where = f"representations[{index}]"
    if not isinstance(representation, Mapping):
        return bad_input(where, "must be an object with `__typename` and the key fields.")
    type_name = representation.get("__typename")
    if not isinstance(type_name, str) or type_name not in keys:
        return bad_input(
            where, f"`__typename` must name an entity type: {', '.join(sorted(keys))}."
        )
    fields = set(representation) - {"__typename"}
    if fields != keys[type_name]:
        wanted = ", ".join(sorted(keys[type_name]))
        return bad_input(where, f"a {type_name} is named by exactly its key: {wanted}.")
    for name in fields:
        value = representation[name]
        if not isinstance(value, str) or len(value) > effective_length(name, None):
            return bad_input(f"{where}.{name}", "must be a string code of the entity.")
    return None
