"""The field extension every personal field carries: access by role, masking, audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry.extensions import FieldExtension

from datasources.scope import Role
from resolvers.personal import BY_KEY, Access, Withholdable, access_for, mask_name, mask_phone
from schema.base import Info

MASKS: dict[str, Callable[[Any], Any]] = {
    "phone": mask_phone,
    "requesterName": mask_name,
    "beneficiaryName": mask_name,
}


class Personal(FieldExtension):
    """Resolve a personal field only as far as the viewer may see it, and note the read.

    `member_code` names the parent's attribute holding the member the field is about; for
    people who are not members (a resident who raised a demand) give `subject` instead:
    the type and id attribute the audit log records.
    """

    def __init__(
        self,
        type_name: str,
        field_name: str,
        *,
        hidden: Any,
        member_code: str | None = None,
        subject: tuple[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.spec = BY_KEY[(type_name, field_name)]
        self.member_code_attr = member_code
        self.subject = subject or ("Member", member_code or "code")
        self.hidden = hidden

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        ctx = info.context
        member_code = getattr(source, self.member_code_attr) if self.member_code_attr else None
        own = ctx.viewer.role is Role.MEMBER and member_code == ctx.viewer.member is not None
        withheld = (
            await _withheld(info, member_code)
            if member_code is not None and self.spec.withholdable
            else frozenset()
        )
        access = access_for(ctx.viewer, self.spec, withheld, own=own)
        if access is Access.HIDDEN:
            return self.hidden
        value = await next_(source, info, **kwargs)
        if value is not None and access is Access.MASKED:
            value = MASKS[self.spec.field](value)
        subject_type, subject_attr = self.subject
        field = f"{self.spec.type_name}.{self.spec.field}"
        ctx.audit.read(subject_type, getattr(source, subject_attr), field)
        return value


async def _withheld(info: Info, member_code: str) -> frozenset[Withholdable]:
    if not info.context.viewer.is_community_side:
        return frozenset()
    row = await info.context.community.privacy_by_member_code.load(member_code)
    if row is None:
        return frozenset()
    withheld = set()
    if not row.share_phone_with_community:
        withheld.add(Withholdable.PHONE)
    if not row.share_skills_with_community:
        withheld.add(Withholdable.SKILLS)
    return frozenset(withheld)
