"""Per-request limits on what a GraphQL document may ask: tokens, size, depth, aliases, cost.

The schema is built once per process (see `schema.app.build_schema`), so the limits of a
deployment cannot be baked into its extension list. They travel in the request context
instead (`HubContext.limits`, set by the gateway from its settings), and the `QueryLimits`
extension applies them to each operation.

Tokens are counted by graphql-core's parser (what strawberry's `MaxTokensLimiter` sets).
Expanded fields, depth, aliases and cost are checked by `check` before graphql-core's own
validation rules run, in time linear in the document (`schema.shape`, `schema.cost`: each
fragment measured once, however often it is spread). A document they refuse never reaches
the specified rules, some of which take time in proportion to the expanded document. They
count as strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` do, which walk every
spread of every fragment again and so take time exponential in a chain of fragments.
Introspection is refused by graphql-core's `NoSchemaIntrospectionCustomRule` (what
`DisableIntrospection` adds). Every refusal has a Chinese message and an `extensions.code`.

The cost of a request is one budget: the operations of a batch share it (`cost_spent` on
the request's context), so a batch of ten operations cannot spend ten times the limit.

A document is parsed and validated once: `DocumentCache` keeps, by the document's text and
the request's `RequestLimits`, each document that passed parsing (under the token limit),
`check` and the validation rules (bounded, least recently used first out). A request with
the same text under the same limits (a trusted document, an APQ hash, a frontend's usual
query) skips the parser, `check`'s shape measures and the specified rules. What depends on
the request is still checked on every hit: the cost when the document has variables (it is
then estimated again with the request's values), the request's shared cost budget, and
NUL characters in the variables (`schema.input_guard`).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from schema.cost import DEFAULT_MAX_COST, CostEstimator, too_costly
from schema.errors import ErrorCode
from schema.input_guard import variable_errors
from schema.shape import CEILING, field_comparisons, measure, operations_of

_TOO_MANY_TOKENS = re.compile(r"Document contains more than (\d+) tokens")
_NESTED_TOO_DEEPLY = re.compile(r"Document is nested too deeply")


@dataclass(frozen=True)
class RequestLimits:
    """What one request may ask of the schema; the defaults are the settings' defaults."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2_000
    max_cost: int = DEFAULT_MAX_COST
    max_fields: int = 2_000
    max_overlaps: int = 500
    introspection: bool = True

    def validation_rules(self) -> tuple[type[ASTValidationRule], ...]:
        """graphql-core rules to add to the specified ones, for documents `check` let by."""
        return () if self.introspection else (NoIntrospection,)

    def check(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None = None,
    ) -> tuple[list[GraphQLError], list[tuple[OperationDefinitionNode, int]]]:
        """Refusals for `document`, and each operation's estimated cost.

        Linear in the document's size, whatever it is: run before the specified rules.
        """
        errors: list[GraphQLError] = []
        shapes = measure(document)
        fields = min(sum(shape.fields for _, shape in shapes), CEILING)
        if fields > self.max_fields:
            errors.append(too_many_fields(fields, self.max_fields))
        elif (comparisons := field_comparisons(document)) > self.max_overlaps:
            # Counted only within the field limit, which bounds the counting.
            errors.append(too_many_overlaps(comparisons, self.max_overlaps))
        for operation, shape in shapes:
            if shape.depth > self.max_depth:
                errors.append(too_deep(operation, self.max_depth))
        aliases = min(sum(shape.aliases for _, shape in shapes), CEILING)
        if aliases > self.max_aliases:
            errors.append(too_many_aliases(aliases, self.max_aliases))
        estimator = CostEstimator(schema, document, variables)
        costs = [(operation, estimator.operation(operation)) for operation, _ in shapes]
        errors.extend(
            too_costly(operation, cost, self.max_cost)
            for operation, cost in costs
            if cost > self.max_cost
        )
        return errors, costs


DEFAULT_LIMITS = RequestLimits()

DOCUMENT_CACHE_SIZE = 1_000


@dataclass(frozen=True)
class ValidDocument:
    """A document that passed parsing, `RequestLimits.check` and validation under its
    limits; its operations' costs when they cannot depend on variables (else None)."""

    document: DocumentNode
    costs: list[tuple[OperationDefinitionNode, int]] | None


class DocumentCache:
    """Valid documents by (schema, text, limits), least recently used first out."""

    def __init__(self, size: int = DOCUMENT_CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str, RequestLimits], ValidDocument] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[int, str, RequestLimits]) -> ValidDocument | None:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: tuple[int, str, RequestLimits], entry: ValidDocument) -> None:
        if self.size <= 0:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


DOCUMENTS = DocumentCache()


def _without_variables(document: DocumentNode) -> bool:
    """Validation refuses a variable no operation defines: a valid document whose
    operations define none uses none, and its cost does not depend on the request."""
    return all(not op.variable_definitions for op in operations_of(document))


class QueryLimits(SchemaExtension):
    """Apply the request's `RequestLimits` (the defaults when the context has none)."""

    _key: tuple[int, str, RequestLimits] | None = None
    _hit: ValidDocument | None = None

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        limits = self._limits()
        # What strawberry's MaxTokensLimiter does: graphql-core's parser counts the tokens
        # and stops at the limit, before building anything from an oversized document.
        execution.parse_options["max_tokens"] = limits.max_tokens
        execution.validation_rules = (*execution.validation_rules, *limits.validation_rules())
        self._key = self._hit = None
        if execution.query and execution.graphql_document is None:
            self._key = (id(execution.schema._schema), execution.query, limits)
            self._hit = DOCUMENTS.get(self._key)
            if self._hit is not None:
                # strawberry parses only when no document is set.
                execution.graphql_document = self._hit.document
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        if self._hit is not None and document is self._hit.document:
            self._validate_known(self._hit)
            yield
            return
        costs: list[tuple[OperationDefinitionNode, int]] = []
        if document is not None and execution.pre_execution_errors is None:
            limits = self._limits()
            schema = execution.schema._schema
            errors, costs = limits.check(schema, document, execution.variables)
            if not errors:
                errors = self._spend(limits, _executed_cost(costs, execution.operation_name))
            if errors:
                # Set before validation runs: strawberry then skips the specified rules.
                execution.pre_execution_errors = errors
        yield
        if self._key is not None and document is not None and not execution.pre_execution_errors:
            DOCUMENTS.put(
                self._key, ValidDocument(document, costs if _without_variables(document) else None)
            )

    def _validate_known(self, known: ValidDocument) -> None:
        """A document valid under these limits: only what depends on the request is
        checked again; the specified rules are skipped."""
        execution = self.execution_context
        limits = self._limits()
        costs = known.costs
        if costs is None:
            estimator = CostEstimator(execution.schema._schema, known.document, execution.variables)
            costs = [(op, estimator.operation(op)) for op in operations_of(known.document)]
        errors: list[GraphQLError] = [
            too_costly(operation, cost, limits.max_cost)
            for operation, cost in costs
            if cost > limits.max_cost
        ]
        if not errors:
            errors = self._spend(limits, _executed_cost(costs, execution.operation_name))
        if not errors:
            errors = variable_errors(execution.variables)
        if errors:
            execution.pre_execution_errors = errors
        else:
            execution.validation_rules = ()  # strawberry validates only with rules to run

    def _limits(self) -> RequestLimits:
        limits = getattr(self.execution_context.context, "limits", None)
        return limits if isinstance(limits, RequestLimits) else DEFAULT_LIMITS

    def _spend(self, limits: RequestLimits, cost: int) -> list[GraphQLError]:
        """Charge `cost` to the request's budget, shared by the operations of a batch."""
        context = self.execution_context.context
        spent = getattr(context, "cost_spent", None)
        if not isinstance(spent, int):
            return []  # a context without a budget (the schema executed directly)
        if spent + cost > limits.max_cost:
            return [over_budget(cost, spent, limits.max_cost)]
        context.cost_spent = spent + cost
        return []


def _executed_cost(costs: list[tuple[OperationDefinitionNode, int]], name: str | None) -> int:
    """The cost of the operation that will run: the named one (strawberry names the first
    when the request does not), else the costliest."""
    named = [cost for op, cost in costs if name is None or (op.name and op.name.value == name)]
    return max(named, default=0)


def _too_complex(message: str, node: Any = None, **extensions: Any) -> GraphQLError:
    return GraphQLError(
        message, node, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value, **extensions}
    )


def too_many_fields(fields: int, limit: int) -> GraphQLError:
    return _too_complex(
        "查询展开后的字段过多，请减少片段的重复展开。"
        f"The document asks for {fields:,} fields once its fragments are expanded, over the "
        f"limit of {limit:,}.",
        fields=fields,
        limit=limit,
    )


def too_many_overlaps(comparisons: int, limit: int) -> GraphQLError:
    return _too_complex(
        "查询中同名字段重复过多，请去掉重复的字段。"
        f"Fields answering to the same name in one selection set take {comparisons:,} "
        f"comparisons to validate, over the limit of {limit:,}.",
        overlaps=comparisons,
        limit=limit,
    )


def too_deep(operation: OperationDefinitionNode, limit: int) -> GraphQLError:
    name = operation.name.value if operation.name else "anonymous"
    return _too_complex(
        f"查询过于复杂，请减少嵌套层级。Operation '{name}' is nested deeper than the limit "
        f"of {limit}.",
        operation,
        limit=limit,
    )


def too_many_aliases(aliases: int, limit: int) -> GraphQLError:
    return _too_complex(
        f"查询使用的别名过多，请减少别名。{aliases} aliases exceed the limit of {limit}.",
        aliases=aliases,
        limit=limit,
    )


def over_budget(cost: int, spent: int, limit: int) -> GraphQLError:
    return _too_complex(
        "本次请求中的查询合计过于复杂，请拆分批量请求。"
        f"This operation's estimated cost {cost:,}, with the {spent:,} its request's earlier "
        f"operations spent, exceeds the limit of {limit:,} for one request.",
        cost=cost,
        spent=spent,
        limit=limit,
    )


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
