"""Privacy (个人信息保护): what a member withholds, and who may see what about him."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, TypeAlias

import strawberry

from datasources.community.models import PrivacyPreference
from datasources.scope import Role, Viewer
from resolvers import privacy
from resolvers.personal import PERSONAL_FIELDS, Withholdable, access_for
from resolvers.workflow import Refusal, RefusalCode
from schema.base import Info
from schema.mutations import Audited, Change, UserError, mutate

strawberry.enum(
    Role,
    name="ViewerRole",
    description="Role of a signed-in caller (角色): DISTRICT 区委组织部, STREET 街道党工委, "
    "UNIT_BRANCH 单位党支部, "
    "COMMUNITY 社区党委, GRID_WORKER 网格员, GRID_BRANCH_SECRETARY 网格党支部书记, "
    "COMPOUND_BRANCH_SECRETARY 小区党支部书记, POSITION_HOLDER 三长或党员中心户, MEMBER 党员, "
    "RESIDENT 居民, "
    "PROPERTY_COMPANY 物业服务企业, AUDITOR 审计, ANONYMOUS 未登录.",
)
ViewerRole: TypeAlias = Role


@strawberry.enum(description="How much of a field a role sees (可见程度).")
class FieldAccess(Enum):
    FULL = "full"
    MASKED = "masked"
    HIDDEN = "hidden"


@strawberry.type(description="Who may see one personal field of a member, and how (数据可见范围).")
class DataAccess:
    role: ViewerRole = strawberry.field(description="The role (角色).")
    type_name: str = strawberry.field(description="GraphQL type holding the field, e.g. Member.")
    field: str = strawberry.field(description="GraphQL field, e.g. phone.")
    label: str = strawberry.field(description="What the field is, in Chinese (字段).")
    access: FieldAccess = strawberry.field(description="Full, masked or hidden (可见程度).")


@strawberry.type(description="What a member withholds from the community side (隐私设置).")
class PrivacyPreferences:
    share_phone_with_community: bool = strawberry.field(
        description="The community may see his phone number (向社区公开手机号)."
    )
    share_skills_with_community: bool = strawberry.field(
        description="The community may see and search his skills (向社区公开特长)."
    )


DEFAULT_PREFERENCES = PrivacyPreferences(
    share_phone_with_community=True, share_skills_with_community=True
)


def data_access(preferences: PrivacyPreferences) -> list[DataAccess]:
    """Every role's access to every personal field of a member with these preferences."""
    withheld = set()
    if not preferences.share_phone_with_community:
        withheld.add(Withholdable.PHONE)
    if not preferences.share_skills_with_community:
        withheld.add(Withholdable.SKILLS)
    rows = []
    for role in Role:
        if role is Role.ANONYMOUS:
            continue
        viewer = Viewer(role)
        for spec in PERSONAL_FIELDS:
            access = access_for(viewer, spec, frozenset(withheld), own=role is Role.MEMBER)
            rows.append(
                DataAccess(
                    role=role,
                    type_name=spec.type_name,
                    field=spec.field,
                    label=spec.description,
                    access=FieldAccess(access.value),
                )
            )
    return rows


@strawberry.input(description="New privacy choices; omitted ones stay as they are.")
class UpdatePrivacyPreferencesInput:
    share_phone_with_community: bool | None = strawberry.field(
        default=None, description="Let the community see his phone number."
    )
    share_skills_with_community: bool | None = strawberry.field(
        default=None, description="Let the community see and search his skills."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="Echoed back, so a client can match the response."
    )


@strawberry.type(description="Result of `updatePrivacyPreferences`.")
class UpdatePrivacyPreferencesPayload:
    preferences: PrivacyPreferences | None = strawberry.field(
        description="The choices now in force; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why the input was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Mutations about privacy (个人信息保护).")
class PrivacyMutation:
    @strawberry.mutation(
        description="A member withholds or shares optional fields with his community (only the "
        "member himself). Withholding never affects his report."
    )
    async def update_privacy_preferences(
        self,
        info: Info,
        input: Annotated[
            UpdatePrivacyPreferencesInput, strawberry.argument(description="The new choices.")
        ],
    ) -> UpdatePrivacyPreferencesPayload:
        viewer = info.context.viewer

        async def save() -> PrivacyPreference:
            if viewer.role is not Role.MEMBER or viewer.member is None:
                raise PermissionError(viewer.subject)
            if (
                input.share_phone_with_community is None
                and input.share_skills_with_community is None
            ):
                raise Refusal(RefusalCode.INVALID_INPUT, "请至少修改一项设置。", "input")
            return await privacy.save_preferences(
                info.context.sources.community,
                viewer.member,
                share_phone=input.share_phone_with_community,
                share_skills=input.share_skills_with_community,
            )

        change = Change(
            name="updatePrivacyPreferences",
            entity="Member",
            key=input.client_mutation_id,
            forbidden="只有党员本人可以修改自己的隐私设置。",
        )
        return await mutate(
            info, change, UpdatePrivacyPreferencesPayload, save(),
            lambda saved: UpdatePrivacyPreferencesPayload(
                preferences=PrivacyPreferences(
                    share_phone_with_community=saved.share_phone_with_community,
                    share_skills_with_community=saved.share_skills_with_community,
                )
            ),
            audited=lambda saved: Audited("Member", [str(viewer.member)], {
                "sharePhone": saved.share_phone_with_community,
                "shareSkills": saved.share_skills_with_community,
            }),
        )  # fmt: skip
