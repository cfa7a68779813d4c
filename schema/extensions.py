"""Schema extensions: error codes on every error, and per-request SQL statement counts."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import ArgumentNode, GraphQLError, GraphQLSyntaxError, Node, visit
from graphql.language import Visitor
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError

from datasources.errors import DatasourceBusy, DatasourceTimeout
from datasources.stats import count_statements
from schema.errors import ErrorCode
from schema.limits import too_large_document

logger = logging.getLogger("dualhub.errors")

# Messages graphql-core gives when a value does not fit its declared type.
_COERCION = re.compile(
    r"(Expected value of type|does not exist in|cannot represent|got invalid value|"
    r"Expected type|of required type|was not provided|is not defined by type)",
    re.IGNORECASE,
)
_VARIABLE = re.compile(r"Variable '\$(\w+)'")

INTERNAL_MESSAGE = "服务器内部错误，请稍后重试。Internal server error."
BUSY_MESSAGE = (
    "系统繁忙，请稍后重试。The database was busy with other changes; nothing was changed."
)
TIMEOUT_MESSAGE = (
    "查询超时，请缩小查询范围后重试。A datasource query ran longer than the time limit."
)


class ErrorCodes(SchemaExtension):
    """Give every error an `extensions.code`; mask anything unexpected.

    Expected errors are `GraphQLError`s raised with a code (see `schema.errors`) or
    graphql-core's own parse and validation errors. Everything else is a bug or an outage:
    the client gets a generic message and the request id, the log gets the traceback.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        request_id = _request_id(self.execution_context.context)
        document = self.execution_context.graphql_document
        coded = [_coded(error, document, request_id) for error in result.errors]
        result.errors = _unique(coded)


def ensure_coded(errors: list[GraphQLError], context: Any) -> list[GraphQLError]:
    """The last word on errors that escaped `ErrorCodes`: strawberry turns an exception
    raised outside the operation's hooks (in a validation rule, say) into an error with the
    exception's text and no code. Such an error is masked like any unexpected one."""
    request_id = _request_id(context)
    return [
        error if (error.extensions or {}).get("code") else _coded(error, None, request_id)
        for error in errors
    ]


def _coded(error: GraphQLError, document: Any, request_id: str | None) -> GraphQLError:
    original = error.original_error
    extensions: dict[str, Any] = dict(error.extensions or {})
    if isinstance(original, GraphQLError) and (original.extensions or {}).get("code"):
        return error
    if isinstance(original, GlobalIDValueError):
        id_argument = _argument_at(document, error.nodes) or "id"
        return _with(
            error,
            f"Argument '{id_argument}': not a valid global ID (全局ID无效).",
            {
                "code": ErrorCode.BAD_USER_INPUT.value,
                "argument": id_argument,
            },
        )
    if isinstance(original, DatasourceTimeout):
        logger.warning("request %s: %s at %s", request_id, original, error.path)
        return GraphQLError(
            TIMEOUT_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, "requestId": request_id},
        )
    if isinstance(original, DatasourceBusy):
        logger.warning("request %s: %s at %s", request_id, original, error.path)
        return GraphQLError(
            BUSY_MESSAGE,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": ErrorCode.SERVICE_BUSY.value, "requestId": request_id},
        )
    # graphql-core wraps what a scalar's parser raised on a client's value (a ValueError for
    # an Int literal of 5,000 digits) in a coercion error before anything executed.
    coercion = (
        error.path is None
        and isinstance(original, ValueError | TypeError | ArithmeticError)
        and _COERCION.search(error.message) is not None
    )
    if original is None or isinstance(original, GraphQLError) or coercion:
        if (too_large := too_large_document(error)) is not None:
            return too_large
        if isinstance(error, GraphQLSyntaxError) or isinstance(original, GraphQLSyntaxError):
            extensions["code"] = ErrorCode.GRAPHQL_PARSE_FAILED.value
        elif _COERCION.search(error.message):
            extensions["code"] = ErrorCode.BAD_USER_INPUT.value
            argument = _variable(error.message) or _argument_at(document, error.nodes)
            if argument:
                extensions["argument"] = argument
                if f"'{argument}'" not in error.message and f"${argument}" not in error.message:
                    return _with(error, f"Argument '{argument}': {error.message}", extensions)
        else:
            extensions.setdefault("code", ErrorCode.GRAPHQL_VALIDATION_FAILED.value)
        return _with(error, error.message, extensions)
    logger.error(
        "request %s failed at %s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id},
    )


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def _request_id(context: Any) -> str | None:
    return getattr(context, "request_id", None)


def _variable(message: str) -> str | None:
    match = _VARIABLE.search(message)
    return match.group(1) if match else None


def _argument_at(document: Any, nodes: list[Node] | None) -> str | None:
    """Name of the argument whose value contains the error's location in the document."""
    if document is None or not nodes or nodes[0].loc is None:
        return None
    start = nodes[0].loc.start
    found: list[str] = []

    class FindArgument(Visitor):
        def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
            loc = node.loc
            if loc is not None and loc.start <= start < loc.end:
                found.append(node.name.value)

    visit(document, FindArgument())
    return found[-1] if found else None


class SqlStatements(SchemaExtension):
    """Count each datasource's SQL statements for the request (`DUALHUB_DEBUG_SQL=1`).

    The count covers every statement the request caused, including DataLoader batches,
    and is returned as `extensions.sqlStatements = {"units": n, "community": m, "audit": k}`
    (the audit log's one insert per request that read personal fields or changed data).
    """

    def on_operation(self) -> Iterator[None]:
        if not getattr(self.execution_context.context, "debug_sql", False):
            yield
            return
        with count_statements() as counter:
            self._counter = counter
            yield

    def get_results(self) -> dict[str, Any]:
        counter = getattr(self, "_counter", None)
        if counter is None:
            return {}
        return {"sqlStatements": {name: counter[name] for name in ("units", "community", "audit")}}


def _unique(errors: list[GraphQLError]) -> list[GraphQLError]:
    """One error per message, code and path: a limit broken in four places is one problem."""
    seen: set[tuple[str, object, tuple[object, ...]]] = set()
    unique = []
    for error in errors:
        key = (error.message, (error.extensions or {}).get("code"), tuple(error.path or ()))
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique
