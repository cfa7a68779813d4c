"""Another team's subgraph written the hub's way: strawberry, Relay nodes and connections.

`python -m tests.venues_subgraph [--unshared] [--own-node]` prints its subgraph SDL (what
`_service { sdl }` returns). By default it follows schema/federation.py: strawberry's
`PageInfo` marked shareable, `node`/`nodes` left to the hub. `--unshared` leaves PageInfo
as strawberry makes it, `--own-node` adds its own shareable `Query.node`; each is a mistake
composition must refuse (tests/test_federation.py). A process per variant, since marking
strawberry's `PageInfo` lasts for the process.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.federation.schema_directives import Shareable

from schema.federation import share_relay_page_info

VENUES = {"V1": "党群服务中心", "V2": "社区活动室"}


@strawberry.federation.type(keys=["id"], description="A venue (场地) of the other team.")
class Venue(relay.Node):
    code: relay.NodeID[str]
    name: str

    @classmethod
    def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[Venue | None]:
        return [Venue(code=c, name=VENUES[c]) if c in VENUES else None for c in node_ids]


def build(*, shared: bool = True, own_node: bool = False) -> strawberry.federation.Schema:
    if shared:
        share_relay_page_info()

    @strawberry.type
    class Query:
        @relay.connection(relay.ListConnection[Venue], description="Venues (场地).")
        def venues(self) -> list[Venue]:
            return [Venue(code=c, name=n) for c, n in VENUES.items()]

    query: type = Query
    if own_node:

        @strawberry.type
        class QueryWithNode(Query):
            node: relay.Node | None = relay.node(directives=[Shareable()])

        query = QueryWithNode
    return strawberry.federation.Schema(query=query, federation_version="2.5")


if __name__ == "__main__":
    args = set(sys.argv[1:])
    schema = build(shared="--unshared" not in args, own_node="--own-node" in args)
    sys.stdout.write(schema.as_str())
