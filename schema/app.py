"""The hub's schema: the root types composed from each area, as a Federation v2 subgraph."""

from __future__ import annotations

from functools import cache

import strawberry
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.federation import Schema

from schema.extensions import ErrorCodes, SqlStatements
from schema.lists import ListsQuery
from schema.partners import PartnersQuery
from schema.places import PlacesQuery
from schema.units import UnitsQuery


@strawberry.type(
    description="Root query of dualhub, the dual-reporting (双报到) hub: the work-unit side "
    "(单位侧) and the community side (社区侧) in one schema."
)
class Query(UnitsQuery, PlacesQuery, PartnersQuery, ListsQuery):
    node: relay.Node | None = relay.node(
        description="Fetch any object by its global ID (全局ID); null if it does not exist."
    )
    nodes: list[relay.Node | None] = relay.node(
        description="Fetch objects by global IDs, in order; null for each that does not exist."
    )


@cache
def build_schema() -> Schema:
    """The schema, built once per process (strawberry's relay fields can be bound only once).

    Per-deployment switches (SQL statement counts, limits) travel in the request context.
    """
    extensions: list[type[SchemaExtension]] = [ErrorCodes, SqlStatements]
    return Schema(query=Query, extensions=extensions, federation_version="2.5")
