"""Building groups (楼栋党小组) with a leader and vice-leader, and household assignment
(包干到户/到层): members and residents of a community assigned to floors or households.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class GroupStatus(enum.Enum):
    ACTIVE = "active"  # 在册
    DISSOLVED = "dissolved"  # 已撤销


class GroupRole(enum.Enum):
    LEADER = "leader"  # 组长
    VICE_LEADER = "vice_leader"  # 副组长
    MEMBER = "member"  # 组员


class MembershipStatus(enum.Enum):
    ACTIVE = "active"  # 在组
    LEFT = "left"  # 已退出


class BuildingGroup(CommunityBase):
    """A building group (楼栋党小组) of a community's supporters, over one or more buildings."""

    __tablename__ = "building_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    status: Mapped[GroupStatus] = mapped_column(str_enum(GroupStatus, "group_status"))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    dissolved_at: Mapped[datetime | None] = mapped_column(timestamp())


class BuildingGroupBuilding(CommunityBase):
    """A building a group covers."""

    __tablename__ = "building_group_buildings"

    group_id: Mapped[int] = mapped_column(ForeignKey("building_groups.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("buildings.id"), primary_key=True, index=True
    )


class BuildingGroupMember(CommunityBase):
    """A member's place in a building group; one active group per member, one active
    leader and one vice-leader per group."""

    __tablename__ = "building_group_members"
    __table_args__ = (
        Index(
            "uq_building_group_members_active_member",
            "member_code",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_building_group_members_active_officer",
            "group_id",
            "role",
            unique=True,
            sqlite_where=text("status = 'active' AND role != 'member'"),
            postgresql_where=text("status = 'active' AND role != 'member'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("building_groups.id"), index=True)
    member_code: Mapped[str] = mapped_column(String(32))
    role: Mapped[GroupRole] = mapped_column(str_enum(GroupRole, "group_role"))
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "group_membership_status")
    )
    joined_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(timestamp())


class AssigneeKind(enum.Enum):
    MEMBER = "member"  # 党员
    RESIDENT = "resident"  # 居民（如楼栋长、志愿者）


class AssignmentStatus(enum.Enum):
    ACTIVE = "active"  # 包干中
    ENDED = "ended"  # 已结束


class HouseholdAssignment(CommunityBase):
    """An assignment (包干到户/到层): a member or resident looks after a building's floor, or
    one household on it. `household` null means the whole floor; `floor` null, the building."""

    __tablename__ = "household_assignments"
    __table_args__ = (
        Index("ix_household_assignments_assignee", "assignee_kind", "assignee_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    floor: Mapped[int | None]
    household: Mapped[str | None] = mapped_column(String(32))  # e.g. 502
    assignee_kind: Mapped[AssigneeKind] = mapped_column(str_enum(AssigneeKind, "assignee_kind"))
    assignee_code: Mapped[str] = mapped_column(String(120))  # member code or resident subject
    group_id: Mapped[int | None] = mapped_column(ForeignKey("building_groups.id"))
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus, "assignment_status")
    )
    note: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(timestamp())
