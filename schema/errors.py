"""Errors the API returns on purpose, with the `extensions.code` clients switch on."""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def bad_input(argument: str, message: str) -> GraphQLError:
    """A client error about one argument; the message names it so a developer can fix it."""
    return GraphQLError(
        f"Argument '{argument}': {message}",
        extensions={"code": ErrorCode.BAD_USER_INPUT.value, "argument": argument},
    )
