"""HTTP-level refusals shaped like GraphQL responses.

A client talking GraphQL reads `errors[].extensions.code` whatever the HTTP status, so a
request refused before it reaches GraphQL (too large, too many, too often) still gets a
body of the form `{"errors": [{"message": ..., "extensions": {"code": ...}}]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

from gateway.observation import note_errors
from schema.errors import ErrorCode


def error_body(code: ErrorCode, message: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code.value, **extensions}}]}


def refusal(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """An HTTP error response with a GraphQL-shaped body; its code counts in the request's
    metrics and log line (`gateway.observation`)."""
    note_errors([code.value])
    return JSONResponse(
        error_body(code, message, **extensions), status_code=status, headers=headers
    )


class Refused(Exception):
    """Raised inside the GraphQL view to answer with `response` instead."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(bytes(response.body).decode())
        self.response = response
