"""Personal fields (PIPL): who sees which, fully, masked or not at all.

One table drives three things: what the API returns, what the member is told about who
sees what (`Member.dataAccess`), and the matrix in docs/access.md. Rows a role may not see
at all are already filtered by the datasource policies; this decides fields of rows it
does see. The member's own choices (phone and skills withheld from the community) turn a
community role's FULL into HIDDEN.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from datasources.scope import GRID_ROLES, Role, Viewer


class Access(enum.Enum):
    FULL = "full"
    MASKED = "masked"  # e.g. 138****1234
    HIDDEN = "hidden"


class Withholdable(enum.Enum):
    """Optional fields a member may withhold from the community side."""

    PHONE = "phone"
    SKILLS = "skills"


@dataclass(frozen=True)
class PersonalField:
    type_name: str
    field: str
    description: str
    access: dict[Role, Access]
    withholdable: Withholdable | None = None


_ALL_FULL = {Role.DISTRICT: Access.FULL, Role.AUDITOR: Access.FULL, Role.MEMBER: Access.FULL}
# The grid worker and the branch secretaries read what the community committee reads.
_GRID_FULL = dict.fromkeys(GRID_ROLES, Access.FULL)

PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "Member", "name", "姓名",
        {**_ALL_FULL, Role.UNIT_BRANCH: Access.FULL, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL},
    ),
    PersonalField(
        "Member", "phone", "手机号码",
        {Role.DISTRICT: Access.MASKED, Role.AUDITOR: Access.MASKED, Role.MEMBER: Access.FULL,
         Role.UNIT_BRANCH: Access.FULL, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL},
        Withholdable.PHONE,
    ),
    PersonalField(
        "Member", "skills", "特长",
        {**_ALL_FULL, Role.UNIT_BRANCH: Access.FULL, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL},
        Withholdable.SKILLS,
    ),
    PersonalField(
        "Report", "building", "居住楼栋（家庭住址）",
        {**_ALL_FULL, Role.UNIT_BRANCH: Access.HIDDEN, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL},
    ),
    PersonalField(
        "Report", "skills", "报到时填报的特长",
        {**_ALL_FULL, Role.UNIT_BRANCH: Access.FULL, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL},
        Withholdable.SKILLS,
    ),
    PersonalField(
        "DemandItem", "requesterName", "提出需求的居民姓名",
        {**_ALL_FULL, Role.MEMBER: Access.MASKED, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL, Role.RESIDENT: Access.FULL},
    ),
    PersonalField(
        "MicroWish", "beneficiaryName", "微心愿的心愿人（居民）姓名",
        {**_ALL_FULL, Role.MEMBER: Access.MASKED, Role.COMMUNITY: Access.FULL,
         **_GRID_FULL},
    ),
    PersonalField(
        "ServiceOrder", "beneficiaryName", "代点单的服务对象（居民）姓名",
        {**_ALL_FULL, Role.MEMBER: Access.MASKED, Role.UNIT_BRANCH: Access.MASKED,
         Role.COMMUNITY: Access.FULL, **_GRID_FULL,
         Role.RESIDENT: Access.FULL},
    ),
    # The register of households in need (特殊群体): its rows are read only by the community
    # roles and the helpers paired with the household (datasources.community.help.policy);
    # a helper reads the name and address to visit, the phone masked, not the category or
    # the circumstances.
    PersonalField(
        "HelpHousehold", "name", "帮扶对象姓名",
        {Role.COMMUNITY: Access.FULL, **_GRID_FULL, Role.MEMBER: Access.FULL,
         Role.UNIT_BRANCH: Access.FULL},
    ),
    PersonalField(
        "HelpHousehold", "address", "帮扶对象住址",
        {Role.COMMUNITY: Access.FULL, **_GRID_FULL, Role.MEMBER: Access.FULL,
         Role.UNIT_BRANCH: Access.FULL},
    ),
    PersonalField(
        "HelpHousehold", "phone", "帮扶对象联系电话",
        {Role.COMMUNITY: Access.FULL, **_GRID_FULL, Role.MEMBER: Access.MASKED,
         Role.UNIT_BRANCH: Access.MASKED},
    ),
    PersonalField(
        "HelpHousehold", "category", "帮扶对象类别（低保、残疾等）",
        {Role.COMMUNITY: Access.FULL, **_GRID_FULL},
    ),
    PersonalField(
        "HelpHousehold", "circumstances", "帮扶对象家庭情况",
        {Role.COMMUNITY: Access.FULL, **_GRID_FULL},
    ),
)  # fmt: skip

BY_KEY = {(f.type_name, f.field): f for f in PERSONAL_FIELDS}


def access_for(
    viewer: Viewer, field: PersonalField, withheld: frozenset[Withholdable], *, own: bool
) -> Access:
    """What `viewer` gets of `field` of one member, given what that member withheld."""
    if own:
        return Access.FULL
    access = field.access.get(viewer.role, Access.HIDDEN)
    if access is Access.FULL and viewer.is_community_side and field.withholdable in withheld:
        return Access.HIDDEN
    return access


def mask_name(name: str) -> str:
    """张** : the surname, so a volunteer knows whom to greet, not who it is."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise a number, not enough to call it.

    The first three and last four are shown only where at least four characters stay
    hidden (an 11-digit mobile or longer); a shorter number (an 8-digit landline) would be
    all but given away, so it is starred whole.
    """
    if len(phone) < 11:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
