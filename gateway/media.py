"""GraphQL over HTTP: which media type a response is sent as, and its status code.

The GraphQL-over-HTTP specification has two response media types:

* `application/json` (the legacy one, and what a client gets unless it asks otherwise):
  every well-formed request is answered 200, request errors included, with `data: null`.
* `application/graphql-response+json`, when the client's `Accept` prefers it (Apollo Client,
  urql and graphql-http's client send it first): a request error (the document does not
  parse or validate, a variable cannot be coerced, a limit of the hub refuses the
  operation before it runs) has no `data` entry and is answered 400; an operation that ran
  is 200 whatever its field errors.

A request error is a result without data whose errors carry no `path`: an error raised
while executing always has the path of its field. Two request errors keep the shape of the
legacy type: `PERSISTED_QUERY_NOT_FOUND` stays 200 with `data: null` (Apollo's and urql's
persisted-query links read it from a 200 and give up persisted queries on a 400), and an
unexpected error (`INTERNAL_SERVER_ERROR`) is answered 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schema.errors import ErrorCode

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when `accept` names it with a quality above zero
    and at least that of `application/json`; `application/json` otherwise (wildcards
    included, as the specification asks of servers during the transition)."""
    best: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, _, params = part.partition(";")
        media = media.strip().lower()
        if media in (JSON, GRAPHQL_RESPONSE_JSON):
            best[media] = max(best.get(media, 0.0), _quality(params))
    preferred = best.get(GRAPHQL_RESPONSE_JSON, 0.0)
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= best.get(JSON, 0.0) else JSON


EVENT_STREAM = "text/event-stream"


def prefers_event_stream(accept: str | None) -> bool:
    """Whether `accept` wants Server-Sent Events (graphql-sse) above any other type: the
    first media range of the highest quality is `text/event-stream`. urql lists it after
    the JSON types in every request, which must still be answered with JSON."""
    best, chosen = 0.0, None
    for part in (accept or "").split(","):
        media, _, params = part.partition(";")
        quality = _quality(params)
        if quality > best:
            best, chosen = quality, media.strip().lower()
    return chosen == EVENT_STREAM


def _codes(result: Mapping[str, Any]) -> set[str]:
    return {
        str((error.get("extensions") or {}).get("code"))
        for error in result.get("errors") or ()
        if isinstance(error, Mapping)
    }


def is_request_error(result: Mapping[str, Any]) -> bool:
    """The operation never ran: no data, and errors none of which is a field's."""
    errors = result.get("errors")
    return (
        result.get("data") is None
        and bool(errors)
        and not any(isinstance(error, Mapping) and "path" in error for error in errors or ())
    )


def shape_for_graphql_response_json(result: dict[str, Any]) -> int:
    """Reshape one result for `application/graphql-response+json` in place; its status."""
    if not is_request_error(result):
        return 200
    codes = _codes(result)
    if ErrorCode.PERSISTED_QUERY_NOT_FOUND.value in codes:
        return 200
    result.pop("data", None)
    return 500 if ErrorCode.INTERNAL_SERVER_ERROR.value in codes else 400
