"""Refuse NUL characters and lone surrogates in any string input, literal or variable.

A NUL in a LIKE pattern ends the pattern early on SQLite (so `nameContains: "\\u0000"`
would match every row), and PostgreSQL refuses the byte outright. A lone surrogate
(`"\\ud800"`) is not Unicode text: neither database driver can encode it, nor can the JSON
response. No field of this API has a use for either, so both are a client error before
anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ASTValidationRule, GraphQLError, StringValueNode, ValidationContext
from strawberry.extensions import SchemaExtension

from schema.errors import ErrorCode

MESSAGE = (
    "输入中不能包含空字符（\\u0000）或无效的 Unicode 字符。"
    "Strings must not contain NUL characters or lone surrogates."
)
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return _FORBIDDEN.search(value) is not None
    if isinstance(value, Mapping):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def variable_errors(variables: Mapping[str, Any] | None) -> list[GraphQLError]:
    """The errors for the request's variables alone (what `nul_rule` reports first)."""
    return [_error(name) for name, value in (variables or {}).items() if _has_nul(value)]


def nul_rule(variables: Mapping[str, Any] | None) -> type[ASTValidationRule]:
    bad_variables = [name for name, value in (variables or {}).items() if _has_nul(value)]

    class NoNulCharacters(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            for name in bad_variables:
                self.report_error(_error(name))

        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            if _FORBIDDEN.search(node.value):
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
