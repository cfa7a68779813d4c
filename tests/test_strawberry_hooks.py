"""The strawberry internals gateway/guards.py extends still exist with the same shape.

`GuardedGraphQL` overrides hooks of strawberry's ASGI view that are not public API
(`_validate_batch_request`) or whose signatures are not promised (`parse_http_body`,
`execute_single`, `should_render_graphql_ide`). strawberry is pinned to one minor version
in pyproject.toml; these checks make an upgrade that renames or reshapes a hook fail here,
loudly, instead of silently bypassing a batch limit or trusted documents.
"""

from __future__ import annotations

import inspect

import pytest
from strawberry.asgi import GraphQL

from gateway.guards import GuardedGraphQL

HOOKS = {
    "_validate_batch_request": ["self", "request_data", "protocol"],
    "parse_http_body": ["self", "request"],
    "should_render_graphql_ide": ["self", "request"],
    "execute_single": [
        "self", "request", "request_adapter", "sub_response", "context", "root_value",
        "request_data",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_strawberry_still_has_the_hook_with_its_parameters(name: str) -> None:
    base = getattr(GraphQL, name, None)
    assert base is not None, f"strawberry's GraphQL view no longer has {name}"
    assert list(inspect.signature(base).parameters) == HOOKS[name]


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_the_hub_overrides_the_hook(name: str) -> None:
    assert getattr(GuardedGraphQL, name) is not getattr(GraphQL, name)
    assert list(inspect.signature(getattr(GuardedGraphQL, name)).parameters) == HOOKS[name]


def test_the_base_view_calls_the_batch_hook_and_body_parser() -> None:
    """The overrides only matter if strawberry's request path still calls them."""
    from strawberry.http.async_base_view import AsyncBaseHTTPView

    source = inspect.getsource(AsyncBaseHTTPView)
    assert "self._validate_batch_request(" in source
    assert "self.parse_http_body(" in source
    assert "self.execute_single(" in source
