"""Refuse NUL characters in any string input, literal or variable.

A NUL in a LIKE pattern ends the pattern early on SQLite (so `nameContains: "\\u0000"`
would match every row), and PostgreSQL refuses the byte outright. No field of this API
has a use for it, so it is a client error before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ASTValidationRule, GraphQLError, StringValueNode, ValidationContext
from strawberry.extensions import SchemaExtension

from schema.errors import ErrorCode

MESSAGE = "输入中不能包含空字符（\\u0000）。Strings must not contain NUL characters."


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def nul_rule(variables: Mapping[str, Any] | None) -> type[ASTValidationRule]:
    bad_variables = [name for name, value in (variables or {}).items() if _has_nul(value)]

    class NoNulCharacters(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for name in bad_variables:
                self.report_error(_error(name))

        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            if "\x00" in node.value:
                self.report_error(_error(None, node))

    return NoNulCharacters


def _error(variable: str | None, node: StringValueNode | None = None) -> GraphQLError:
    extensions = {"code": ErrorCode.BAD_USER_INPUT.value}
    if variable is not None:
        extensions["argument"] = variable
    return GraphQLError(MESSAGE, nodes=node, extensions=extensions)


class RejectNulCharacters(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        execution.validation_rules = (
            *execution.validation_rules,
            nul_rule(execution.variables),
        )
        yield
