"""What every mutation shares: typed user errors in the payload (expected failures)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import NamedTuple, Protocol, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry import relay
from strawberry.types.base import StrawberryList, StrawberryOptional

from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info, row_id
from schema.errors import ErrorCode, coded_error

# Descriptions of `clientMutationId` on creating mutations (a key) and on the others (echo).
KEY_DESCRIPTION = "Idempotency key: retrying with the same key returns the first result."
ECHO_DESCRIPTION = "Echoed back."


# The GraphQL enum is the rules' own `RefusalCode` under the schema's name: the same
# members and values, so a refusal's code needs no lookup that could fail at run time.
UserErrorCode = strawberry.enum(
    RefusalCode,
    name="UserErrorCode",
    description="Why a mutation refused its input (业务错误代码).",
)


@strawberry.type(
    description="An expected business failure (业务错误): nothing was changed. The message "
    "is in Chinese and may be shown to the user as it is."
)
class UserError:
    code: RefusalCode = strawberry.field(description="Machine-readable reason (错误代码).")
    message: str = strawberry.field(description="What went wrong, for the user (错误信息).")
    field: str | None = strawberry.field(
        description="The input field at fault, as a path like `input.shareSkills`, if any."
    )


def user_error(refusal: Refusal) -> UserError:
    return UserError(code=refusal.code, message=refusal.message, field=refusal.field)


def node_id_of(global_id: relay.GlobalID, *type_names: str) -> int | None:
    """The row id behind a global ID of one of `type_names`; None (a user error) otherwise."""
    if global_id.type_name not in type_names:
        return None
    return row_id(global_id.node_id)


def not_found(message: str, field: str) -> Refusal:
    """The refusal for an id or code that names nothing the viewer may change."""
    return Refusal(RefusalCode.NOT_FOUND, message, field)


class Payload(Protocol):
    """What every mutation payload has; `mutate` fills both."""

    user_errors: list[UserError]
    client_mutation_id: str | None


P = TypeVar("P", bound=Payload)
R = TypeVar("R")


@dataclass(frozen=True, kw_only=True)
class Change:
    """One mutation as the audit log and its payload see it."""

    name: str  # the root field, e.g. "placeOrder"
    entity: str  # the type it changes (audited, also when denied)
    forbidden: str  # the FORBIDDEN message when the rule raises PermissionError
    key: str | None = None  # the input's clientMutationId, echoed in the payload
    targets: Sequence[str] = ()  # the ids it acts on; a creation has none before it runs
    detail: Mapping[str, object] = field(default_factory=dict)  # audited with it


class Audited(NamedTuple):
    """An audit entry that differs from the `Change` (another type, the result's ids)."""

    entity: str
    targets: list[str]
    detail: Mapping[str, object] = {}


async def mutate(
    info: Info,
    change: Change,
    payload: Callable[..., P],
    action: Awaitable[R] | Refusal,
    ok: Callable[[R], P],
    *,
    audited: Callable[[R], Audited] | None = None,
) -> P:
    """The one way a mutation runs its business rule and answers.

    `action` is the rule's coroutine, or a `Refusal` found before it could run (an id of
    another type). A `Refusal` becomes the payload's `userErrors` (every other field null,
    0 or empty); a lost race on a unique index becomes DUPLICATE; a `PermissionError` is
    audited as denied and answered FORBIDDEN. On success the change is audited (on
    `change.targets`, or the result's id for a creation, unless `audited` says otherwise)
    and `ok(result)` is the payload. The `clientMutationId` is echoed either way.
    """
    if isinstance(action, Refusal):
        return refused(payload, action, change.key)
    try:
        result = await action
    except Refusal as refusal:
        return refused(payload, refusal, change.key)
    except IntegrityError as exc:
        # A concurrent request won a unique index the rule had checked (a code, an
        # idempotency key, one active row): the transaction is rolled back, nothing written.
        if not _unique_violation(exc):
            raise
        return refused(payload, Refusal(RefusalCode.DUPLICATE, RACE_LOST), change.key)
    except PermissionError as exc:
        info.context.audit.denied(change.name, change.entity, list(change.targets))
        raise coded_error(ErrorCode.FORBIDDEN, change.forbidden) from exc
    entry = audited(result) if audited else _audited(change, result)
    info.context.audit.mutation(change.name, entry.entity, entry.targets, **entry.detail)
    answer = ok(result)
    answer.client_mutation_id = change.key
    return answer


async def mutate_node(
    info: Info,
    change: Change,
    payload: Callable[..., P],
    node: relay.GlobalID,
    rule: Callable[[int], Awaitable[R]],
    ok: Callable[[R], P],
    *,
    unknown: Refusal,
    node_type: str | None = None,
    audited: Callable[[R], Audited] | None = None,
) -> P:
    """`mutate` on one existing row: `node` must be a global ID of `node_type` (by default
    `change.entity`), else the payload carries `unknown`; its row id is the target."""
    row_id = node_id_of(node, node_type or change.entity)
    if row_id is None:
        return refused(payload, unknown, change.key)
    on_row = replace(change, targets=[str(row_id)])
    return await mutate(info, on_row, payload, rule(row_id), ok, audited=audited)


def audit_result(entity: str, **detail: object) -> Callable[[object], Audited]:
    """An `audited` naming the row the rule returned (a new signup), not its target."""
    return lambda result: Audited(entity, [str(getattr(result, "id", ""))], detail)


def refused(payload: Callable[..., P], error: Refusal | UserError, key: str | None) -> P:
    """The payload of a refusal: the user error, the key echoed, nothing else."""
    reason = error if isinstance(error, UserError) else user_error(error)
    return payload(**_empty(payload), user_errors=[reason], client_mutation_id=key)


def _audited(change: Change, result: object) -> Audited:
    targets = list(change.targets) or [str(getattr(result, "id", ""))]
    return Audited(change.entity, targets, change.detail)


_FILLED = {"user_errors", "client_mutation_id"}


@cache
def _empty(payload: Callable[..., object]) -> dict[str, object]:
    """A refused payload's other fields: null, or 0 / empty where the schema says non-null."""
    values: dict[str, object] = {}
    for item in getattr(payload, "__strawberry_definition__").fields:  # noqa: B009
        if item.python_name in _FILLED or not item.init:
            continue
        if isinstance(item.type, StrawberryOptional):
            values[item.python_name] = None
        elif isinstance(item.type, StrawberryList):
            values[item.python_name] = []
        elif item.type in (int, float):
            values[item.python_name] = 0
        else:
            raise TypeError(f"{payload}.{item.python_name} cannot be empty in a refusal")
    return values


RACE_LOST = "该记录刚被他人同时提交或修改，请刷新后查看。"


def _unique_violation(error: IntegrityError) -> bool:
    """PostgreSQL's unique_violation (23505), SQLite's "UNIQUE constraint failed"."""
    if getattr(error.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(error.orig)
