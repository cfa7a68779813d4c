"""Who the caller is (当前用户): role and scope, as the hub understood the token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.base import Info
from schema.notifications import NotificationFields
from schema.privacy import ViewerRole

if TYPE_CHECKING:
    from schema.units import Member


@strawberry.type(description="The caller (当前用户): role and the codes that bound its scope.")
class ViewerInfo(NotificationFields):
    role: ViewerRole = strawberry.field(description="Role (角色); ANONYMOUS without a token.")
    subject: str = strawberry.field(description="Who the token was issued to (用户标识).")
    district: str | None = strawberry.field(description="District code in scope (区).")
    unit: str | None = strawberry.field(description="Unit code in scope (单位).")
    branch: str | None = strawberry.field(description="Branch code in scope (支部).")
    community: str | None = strawberry.field(description="Community code in scope (社区).")
    grid: str | None = strawberry.field(description="Grid code in scope (网格).")
    compound: str | None = strawberry.field(description="Compound code in scope (小区).")
    member: str | None = strawberry.field(description="Member code, for a member (党员).")
    household: str | None = strawberry.field(description="Household, for a resident (户).")
    company: str | None = strawberry.field(description="Property company code (物业企业).")
    position: str | None = strawberry.field(
        description="Position code, for a position holder (职务: 三长, 党员中心户)."
    )
    deprecated_role: str | None = strawberry.field(
        description="The deprecated role the token named (已弃用角色), e.g. grid_secretary, "
        "accepted as `role` until the end of June 2027; null for current roles."
    )


@strawberry.type(description="Root fields about the caller (当前用户).")
class ViewerQuery:
    @strawberry.field(description="Who the hub thinks you are (当前用户与权限范围).")
    def viewer(self, info: Info) -> ViewerInfo:
        v = info.context.viewer
        return ViewerInfo(
            role=v.role, subject=v.subject, district=v.district, unit=v.unit, branch=v.branch,
            community=v.community, grid=v.grid, compound=v.compound, member=v.member,
            household=v.household, company=v.company, position=v.position,
            deprecated_role=v.token_role,
        )  # fmt: skip

    @strawberry.field(description="The signed-in member himself (我的信息); null for other roles.")
    async def me(self, info: Info) -> Annotated[Member, strawberry.lazy("schema.units")] | None:
        from schema.units import Member

        code = info.context.viewer.member
        if code is None:
            return None
        return Member.from_optional_row(await info.context.units.member_by_code.load(code))
