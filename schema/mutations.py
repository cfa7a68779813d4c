"""What every mutation shares: typed user errors in the payload (expected failures)."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.workflow import Refusal


@strawberry.enum(description="Why a mutation refused its input (业务错误代码).")
class UserErrorCode(Enum):
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    DUPLICATE = "duplicate"
    NOT_IN_SERVICE = "not_in_service"
    FULL = "full"
    NOT_REPORTED = "not_reported"
    NOT_PAIRED = "not_paired"
    ALREADY_CLAIMED = "already_claimed"


@strawberry.type(
    description="An expected business failure (业务错误): nothing was changed. The message "
    "is in Chinese and may be shown to the user as it is."
)
class UserError:
    code: UserErrorCode = strawberry.field(description="Machine-readable reason (错误代码).")
    message: str = strawberry.field(description="What went wrong, for the user (错误信息).")
    field: str | None = strawberry.field(
        description="The input field at fault, as a path like `input.shareSkills`, if any."
    )


def user_error(refusal: Refusal) -> UserError:
    return UserError(code=UserErrorCode[refusal.code], message=refusal.message, field=refusal.field)
