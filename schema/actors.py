"""Who did something, as each viewer may see it: a role and a label for everyone, the
token subject only for the actor's own organisation, the district and the auditor.

A subject names a person or an account at an identity provider; other organisations need
to know which organisation acted ("社区党委 C003"), not whose login it was.
"""

from __future__ import annotations

from datasources.scope import LEGACY_GRID_SECRETARY, Role, Viewer

ROLE_NAMES = {
    Role.DISTRICT.value: "区委组织部",
    Role.STREET.value: "街道党工委",
    Role.UNIT_BRANCH.value: "单位党组织",
    Role.COMMUNITY.value: "社区党委",
    Role.GRID_WORKER.value: "网格员",
    Role.GRID_BRANCH_SECRETARY.value: "网格党支部书记",
    Role.COMPOUND_BRANCH_SECRETARY.value: "小区党支部书记",
    Role.POSITION_HOLDER.value: "楼栋长/单元长/小区长/党员中心户",
    LEGACY_GRID_SECRETARY: "网格/小区党支部书记",  # records written before the split
    Role.MEMBER.value: "党员",
    Role.RESIDENT.value: "居民",
    Role.PROPERTY_COMPANY.value: "物业服务企业",
    Role.AUDITOR.value: "审计",
}
# Organisations named by their code in a label; people (person:...) are not.
_NAMED = ("district", "street", "unit", "community", "company")

ACTOR_SUBJECT_DESCRIPTION = (
    "The actor's token subject (操作人账号): shown to the actor's own organisation (the same "
    "community, unit, district or company, or the person himself), the district and the "
    "auditor; null for every other viewer, and for records from before organisations were "
    "recorded. Use actorRole and actorLabel to show who acted."
)
ACTOR_LABEL_DESCRIPTION = (
    "Who acted, for display (操作人): the role's Chinese name and, for an organisation, its "
    'code, e.g. "社区党委 C003"; people are shown by role only ("居民").'
)


def actor_label(role: str | None, organisation: str | None) -> str:
    name = ROLE_NAMES.get(role or "", "未记录")
    kind, _, code = (organisation or "").partition(":")
    return f"{name} {code}" if kind in _NAMED and code else name


def shown_subject(viewer: Viewer, subject: str | None, organisation: str | None) -> str | None:
    """The subject when the viewer may see it (see ACTOR_SUBJECT_DESCRIPTION), else None."""
    if viewer.sees_everything:
        return subject
    if organisation is not None and viewer.organisation == organisation:
        return subject
    return None
