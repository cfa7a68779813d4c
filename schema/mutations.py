"""What every mutation shares: typed user errors in the payload (expected failures)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import IntegrityError
from strawberry import relay

from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info, row_id
from schema.errors import ErrorCode, coded_error

T = TypeVar("T")

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


def as_user_error(error: Refusal | UserError) -> UserError:
    return error if isinstance(error, UserError) else user_error(error)


def node_id_of(global_id: relay.GlobalID, *type_names: str) -> int | None:
    """The row id behind a global ID of one of `type_names`; None (a user error) otherwise."""
    if global_id.type_name not in type_names:
        return None
    return row_id(global_id.node_id)


async def attempt(
    info: Info,
    mutation: str,
    entity_type: str,
    targets: list[str],
    action: Awaitable[T],
    *,
    forbidden: str,
) -> T | UserError:
    """Run a workflow rule as a mutation does: an expected refusal becomes a user error in
    the payload; an action outside the viewer's scope is refused (FORBIDDEN) and audited."""
    try:
        return await action
    except Refusal as refusal:
        return user_error(refusal)
    except IntegrityError as exc:
        # A concurrent request won a unique index the rule had checked (a code, an
        # idempotency key, one active row): the transaction is rolled back, nothing written.
        if not _unique_violation(exc):
            raise
        return user_error(Refusal(RefusalCode.DUPLICATE, RACE_LOST))
    except PermissionError as exc:
        info.context.audit.denied(mutation, entity_type, targets)
        raise coded_error(ErrorCode.FORBIDDEN, forbidden) from exc


RACE_LOST = "该记录刚被他人同时提交或修改，请刷新后查看。"


def _unique_violation(error: IntegrityError) -> bool:
    """PostgreSQL's unique_violation (23505), SQLite's "UNIQUE constraint failed"."""
    if getattr(error.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(error.orig)


async def run_mutation(
    info: Info, mutation: str, entity: str, targets: list[str], action: Awaitable[T],
    forbidden: str, ok: Callable[[T], Any], fail: Callable[[UserError], Any],
) -> Any:  # fmt: skip
    """`attempt()` the action, then build the payload: `fail(user error)` on a refusal;
    otherwise audit the change (on `targets`, or the new row's id) and `ok(result)`."""
    result = await attempt(info, mutation, entity, targets, action, forbidden=forbidden)
    if isinstance(result, UserError):
        return fail(result)
    info.context.audit.mutation(mutation, entity, targets or [str(getattr(result, "id", ""))])
    return ok(result)


def not_found(message: str, field: str) -> UserError:
    """The user error for an id or code that names nothing the viewer may change."""
    return user_error(Refusal(RefusalCode.NOT_FOUND, message, field))
