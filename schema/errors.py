"""Errors the API returns on purpose, with the `extensions.code` clients switch on."""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    SERVICE_BUSY = "SERVICE_BUSY"
    # The audit log cannot be written, so personal data is not handed out (HTTP 503).
    AUDIT_UNAVAILABLE = "AUDIT_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Evidence uploads (gateway/guards.py): refused before any operation runs.
    CSRF_PREFLIGHT_REQUIRED = "CSRF_PREFLIGHT_REQUIRED"
    TOO_MANY_FILES = "TOO_MANY_FILES"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"


def bad_input(argument: str, message: str) -> GraphQLError:
    """A client error about one argument; the message names it so a developer can fix it."""
    return GraphQLError(
        f"Argument '{argument}': {message}",
        extensions={"code": ErrorCode.BAD_USER_INPUT.value, "argument": argument},
    )


def coded_error(code: ErrorCode, message: str, **extensions: object) -> GraphQLError:
    """An expected error with its code; messages may be shown to end users, so in Chinese."""
    return GraphQLError(message, extensions={"code": code.value, **extensions})
