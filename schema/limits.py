"""Per-request limits on what a GraphQL document may ask: depth, aliases, tokens, cost.

The schema is built once per process (see `schema.app.build_schema`), so the limits of a
deployment cannot be baked into its extension list. They travel in the request context
instead (`HubContext.limits`, set by the gateway from its settings), and the `QueryLimits`
extension turns them into a parser option and validation rules for each operation.

Depth and aliases are checked by strawberry's own `QueryDepthLimiter` and
`MaxAliasesLimiter` rules, tokens by graphql-core's parser (what `MaxTokensLimiter`
sets), introspection by graphql-core's `NoSchemaIntrospectionCustomRule` (what
`DisableIntrospection` adds), and the cost by `schema.cost`. Every error they report is
given a Chinese message and an `extensions.code` here, so clients can switch on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from graphql import ASTValidationRule, FieldNode, GraphQLError, ValidationContext
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension

from schema.cost import DEFAULT_MAX_COST, cost_rule
from schema.errors import ErrorCode

_TOO_MANY_TOKENS = re.compile(r"Document contains more than (\d+) tokens")
_NESTED_TOO_DEEPLY = re.compile(r"Document is nested too deeply")
_ALIASES_FOUND = re.compile(r"^(\d+) aliases found")
_OPERATION = re.compile(r"^'(.*)' exceeds maximum operation depth")


@dataclass(frozen=True)
class RequestLimits:
    """What one request may ask of the schema; the defaults are the settings' defaults."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2_000
    max_cost: int = DEFAULT_MAX_COST
    introspection: bool = True

    def validation_rules(
        self, variables: Mapping[str, Any] | None
    ) -> tuple[type[ASTValidationRule], ...]:
        rules = [
            _depth_rule(self.max_depth),
            _aliases_rule(self.max_aliases),
            cost_rule(self.max_cost, variables),
        ]
        if not self.introspection:
            rules.append(NoIntrospection)
        return tuple(rules)


DEFAULT_LIMITS = RequestLimits()


class QueryLimits(SchemaExtension):
    """Apply the request's `RequestLimits` (the defaults when the context has none)."""

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        limits = getattr(execution.context, "limits", None) or DEFAULT_LIMITS
        # What strawberry's MaxTokensLimiter does: graphql-core's parser counts the tokens
        # and stops at the limit, before building anything from an oversized document.
        execution.parse_options["max_tokens"] = limits.max_tokens
        execution.validation_rules = (
            *execution.validation_rules,
            *limits.validation_rules(execution.variables),
        )
        yield


def too_large_document(error: GraphQLError) -> GraphQLError | None:
    """The coded error for graphql-core's own guards, or None if `error` is another one.

    The parser stops at the token limit and at documents nested too deeply for it;
    validation stops when fragments nest too deeply ("Validation aborted.").
    """
    if (match := _TOO_MANY_TOKENS.search(error.message)) is not None:
        limit = int(match.group(1))
        message = f"查询过长，请精简查询。The document has more than {limit:,} tokens, the limit."
        return _at(error, message, limit=limit)
    if _NESTED_TOO_DEEPLY.search(error.message) or error.message == "Validation aborted.":
        message = "查询过于复杂，请减少嵌套层级。The document is nested too deeply."
        return _at(error, message)
    return None


def _at(error: GraphQLError, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(
        message,
        source=error.source,
        positions=error.positions,
        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, **extensions},
    )


class NoIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule, reporting once, coded FORBIDDEN.

    Federation's `_service { sdl }` is an ordinary field, not introspection: a federation
    gateway can still compose the subgraph when introspection is off.
    """

    reported = False

    def report_error(self, error: GraphQLError) -> None:
        if self.reported:
            return
        self.reported = True
        node = error.nodes[0] if error.nodes else None
        field = node.name.value if isinstance(node, FieldNode) else "__schema"
        super().report_error(
            GraphQLError(
                "此服务已关闭内省查询（introspection）。"
                f"GraphQL introspection is disabled on this server (field '{field}').",
                error.nodes,
                extensions={"code": ErrorCode.FORBIDDEN.value},
            )
        )


Recode = Callable[[GraphQLError], GraphQLError]


class _Recoding:
    """A validation context whose reported errors are rewritten on the way in."""

    def __init__(self, context: ValidationContext, recode: Recode) -> None:
        self._context = context
        self._recode = recode

    def report_error(self, error: GraphQLError) -> None:
        self._context.report_error(self._recode(error))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _recoded(rule: type[ASTValidationRule], recode: Recode) -> type[ASTValidationRule]:
    """`rule`, its errors rewritten by `recode`: for rules that report to their context."""

    def create(context: ValidationContext) -> ASTValidationRule:
        return rule(cast(ValidationContext, _Recoding(context, recode)))

    # graphql-core only ever calls a rule with the context to get its visitor.
    return cast(type[ASTValidationRule], create)


def _too_complex(error: GraphQLError, message: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(
        message,
        error.nodes,
        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, **extensions},
    )


@lru_cache(maxsize=32)
def _depth_rule(max_depth: int) -> type[ASTValidationRule]:
    (rule,) = QueryDepthLimiter(max_depth=max_depth).validation_rules

    def recode(error: GraphQLError) -> GraphQLError:
        match = _OPERATION.search(error.message)
        operation = match.group(1) if match else "anonymous"
        return _too_complex(
            error,
            "查询过于复杂，请减少嵌套层级。"
            f"Operation '{operation}' is nested deeper than the limit of {max_depth}.",
            limit=max_depth,
        )

    return _recoded(rule, recode)


@lru_cache(maxsize=32)
def _aliases_rule(max_aliases: int) -> type[ASTValidationRule]:
    (rule,) = MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules

    def recode(error: GraphQLError) -> GraphQLError:
        match = _ALIASES_FOUND.search(error.message)
        found = int(match.group(1)) if match else None
        count = f"{found} aliases" if found is not None else "The aliases"
        return _too_complex(
            error,
            f"查询使用的别名过多，请减少别名。{count} exceed the limit of {max_aliases}.",
            aliases=found,
            limit=max_aliases,
        )

    return _recoded(rule, recode)
