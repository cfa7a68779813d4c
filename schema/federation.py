"""What a strawberry-Relay subgraph shares with the hub under Federation 2.

Federation 2 lets two subgraphs define the same field only when every one of them marks it
`@shareable`, and a shared field must resolve alike in all of them. For another team's
strawberry subgraph written the hub's way (Relay nodes and connections) that means:

* `PageInfo` is shared: the hub's own (schema/pagination.py) is `@shareable`; a subgraph
  using strawberry's `relay.ListConnection` calls `share_relay_page_info()` once before it
  builds its schema (its `PageInfo` then prints as `type PageInfo @shareable`).
* `Query.node` and `Query.nodes` are the hub's alone: marked shareable on both sides they
  still fail to compose (SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES: the two subgraphs' `Node`
  implementations do not intersect, so the planner could not send `node` to either one).
  The other subgraph leaves them out of the schema it publishes; its types still
  implement `Node` and its connections still page (tests/test_federation.py composes it).
"""

from __future__ import annotations

from strawberry import relay
from strawberry.federation.schema_directives import Shareable
from strawberry.types.base import get_object_definition


def share_relay_page_info() -> None:
    """Mark strawberry's own `relay.PageInfo` (used by `relay.ListConnection`) shareable.

    Idempotent; affects every schema built afterwards in the process.
    """
    definition = get_object_definition(relay.PageInfo, strict=True)
    directives = tuple(definition.directives or ())
    if not any(isinstance(directive, Shareable) for directive in directives):
        definition.directives = (*directives, Shareable())
