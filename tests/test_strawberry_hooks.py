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
    # The response's media type and status (gateway/media.py).
    "get_sub_response": ["self", "request"],
    "create_response": ["self", "response_data", "sub_response"],
    "execute_single": [
        "self", "request", "request_adapter", "sub_response", "context", "root_value",
        "request_data",
    ],
    # Trusted documents for streamed operations (SSE), which skip `execute_single`.
    "execute_operation": [
        "self", "request", "request_adapter", "request_data", "context", "root_value",
        "sub_response",
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
    assert "self.get_sub_response(request)" in source
    assert "self.create_response(" in source


# What the input checks (issue 11) rely on: the view's `run` and `decode_json` (strict
# bodies, coded HTTP refusals), the federation schema's `execute` and `entities_resolver`
# (every error coded, `_entities` representations checked), and the converter's back
# reference from graphql-core types to strawberry definitions (schema/bounds.py).
SCHEMA_HOOKS = {
    "execute": [
        "self", "query", "variable_values", "context_value", "root_value", "operation_name",
        "allowed_operation_types", "operation_extensions",
    ],
    "entities_resolver": ["self", "info", "representations"],
}  # fmt: skip


def test_the_view_still_runs_requests_and_decodes_json_as_the_hub_expects() -> None:
    assert list(inspect.signature(GraphQL.run).parameters) == [
        "self", "request", "context", "root_value",
    ]  # fmt: skip
    assert list(inspect.signature(GraphQL.decode_json).parameters) == ["self", "data"]
    assert GuardedGraphQL.decode_json is not GraphQL.decode_json
    from strawberry.http.base import BaseView

    assert "self.decode_json(" in inspect.getsource(BaseView.parse_json)


@pytest.mark.parametrize("name", sorted(SCHEMA_HOOKS))
def test_the_schema_hooks_keep_their_shape(name: str) -> None:
    from strawberry.federation import Schema

    from schema.app import HubSchema

    assert list(inspect.signature(getattr(Schema, name)).parameters) == SCHEMA_HOOKS[name]
    assert getattr(HubSchema, name) is not getattr(Schema, name)
    assert list(inspect.signature(getattr(HubSchema, name)).parameters) == SCHEMA_HOOKS[name]


def test_graphql_types_still_point_back_to_their_strawberry_definitions() -> None:
    from schema import bounds
    from schema.app import build_schema

    schema = build_schema()._schema
    publish = schema.type_map["PublishActivityInput"]
    field = publish.fields["pointsPerAttendance"]  # type: ignore[union-attr]
    assert bounds.declared_on(field) is not None
    assert schema.mutation_type is not None
    assert schema.mutation_type.fields["publishActivity"].resolve.__name__ == "guarded"  # type: ignore[union-attr]


# Live updates (gateway/live/websocket.py, gateway/app.py): the graphql-transport-ws
# handler's hooks `HubTransportWS` overrides, the state it reads and sets, and the SSE
# transport whose keep-alive interval the hub sets.
WS_HOOKS = {
    "handle": ["self"],
    "handle_message": ["self", "message"],
    "handle_connection_init": ["self", "message"],
    "handle_subscribe": ["self", "message"],
    "shutdown": ["self"],
}


@pytest.mark.parametrize("name", sorted(WS_HOOKS))
def test_the_websocket_handler_keeps_the_hooks_the_hub_overrides(name: str) -> None:
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
        BaseGraphQLTransportWSHandler,
    )

    from gateway.live.websocket import HubTransportWS

    base = getattr(BaseGraphQLTransportWSHandler, name)
    assert list(inspect.signature(base).parameters) == WS_HOOKS[name]
    assert getattr(HubTransportWS, name) is not base


def test_the_websocket_handler_state_and_the_sse_transport_are_as_the_hub_expects() -> None:
    from strawberry.http.base import BaseView
    from strawberry.http.streaming import SSETransport
    from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL
    from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
        BaseGraphQLTransportWSHandler,
    )

    source = inspect.getsource(BaseGraphQLTransportWSHandler)
    for state in ("self.connection_init_received", "self.connection_acknowledged",
                  "self.connection_timed_out", "self.connection_init_timeout_task",
                  "self.operations", "context_value=self.context"):  # fmt: skip
        assert state in source, state
    assert "heartbeat_interval" in inspect.signature(SSETransport).parameters
    assert BaseView.stream_transport_classes_by_protocol[GRAPHQL_SSE_PROTOCOL] is SSETransport
    assert "self.graphql_transport_ws_handler_class(" in inspect.getsource(GraphQL.run)


def test_multipart_parsing_reads_the_form_the_guard_checked() -> None:
    """`GuardedGraphQL.check_multipart` counts and measures the files of Starlette's parsed
    form (cached on the request) before strawberry parses the same form: strawberry must
    still read it through `get_form_data` and map files with the multipart spec's helper."""
    from strawberry.http.async_base_view import AsyncBaseHTTPView

    source = inspect.getsource(AsyncBaseHTTPView.parse_multipart)
    assert "request.get_form_data()" in source
    assert "replace_placeholders_with_files(" in source
    assert "multipart_uploads_enabled" in inspect.signature(GraphQL.__init__).parameters
