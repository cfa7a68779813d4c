"""Building groups (楼栋党小组) and household assignment (包干到户/到层), the last step of
workflow 1: a community groups its supporters by building, each group with at most one
leader (组长) and one vice-leader (副组长), and assigns members or residents to floors or
households of its buildings.

A member is in one active group at most, and a group has one active leader and one active
vice-leader at most (partial unique indexes back both; the rules below refuse first with
`DUPLICATE`). Writers of one group are serialised on the group row. Nothing is deleted:
members leave (LEFT), groups are dissolved, assignments end.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.common import utcnow
from datasources.community.group_models import (
    AssigneeKind,
    AssignmentStatus,
    BuildingGroup,
    BuildingGroupBuilding,
    BuildingGroupMember,
    GroupRole,
    GroupStatus,
    HouseholdAssignment,
    MembershipStatus,
)
from datasources.community.models import Building, Compound
from datasources.community.policy import grid_buildings
from datasources.scope import GRID_ROLES
from resolvers.context import HubContext
from resolvers.workflow import (
    Refusal,
    RefusalCode,
    community_code_of,
    community_id_of,
    is_supporter,
    manages_community,
    record,
    remember,
    replayed,
    write_lock,
)

GROUP = "BuildingGroup"
MEMBERSHIP = "BuildingGroupMember"
ASSIGNMENT = "HouseholdAssignment"
GROUP_NOT_FOUND = "未找到该楼栋党小组。"
MEMBERSHIP_NOT_FOUND = "未找到该小组成员。"
ASSIGNMENT_NOT_FOUND = "未找到该包干记录。"
ROLE_NAMES = {GroupRole.LEADER: "组长", GroupRole.VICE_LEADER: "副组长", GroupRole.MEMBER: "组员"}
GROUP_STATUS = {GroupStatus.ACTIVE: "在册", GroupStatus.DISSOLVED: "已撤销"}
MEMBERSHIP_STATUS = {MembershipStatus.ACTIVE: "在组", MembershipStatus.LEFT: "已退出"}
ASSIGNMENT_STATUS = {AssignmentStatus.ACTIVE: "包干中", AssignmentStatus.ENDED: "已结束"}


async def _managed_group(ctx: HubContext, session: AsyncSession, group_id: int) -> BuildingGroup:
    """The group, locked, if the viewer manages its community."""
    if not ctx.viewer.is_community_side:
        raise PermissionError("only the community manages its building groups")
    await write_lock(session, BuildingGroup, group_id)
    group = await session.get(BuildingGroup, group_id, with_for_update=True)
    if group is None:
        raise Refusal(RefusalCode.NOT_FOUND, GROUP_NOT_FOUND, "input.groupId")
    if not manages_community(ctx.viewer, await community_code_of(session, group.community_id)):
        raise PermissionError("the group belongs to another community")
    return group


def _active(group: BuildingGroup, field: str = "input.groupId") -> None:
    if group.status is not GroupStatus.ACTIVE:
        raise Refusal(RefusalCode.INVALID_STATE, f"该楼栋党小组当前为「{GROUP_STATUS[group.status]}」，"
                      "不能再调整成员。", field)  # fmt: skip


async def create_group(
    ctx: HubContext, *, community_code: str, name: str, building_codes: list[str],
    key: str | None,
) -> BuildingGroup:  # fmt: skip
    """Create a building group (成立楼栋党小组) over buildings of the community."""
    viewer = ctx.viewer
    if not manages_community(viewer, community_code):
        raise PermissionError("only the community creates its building groups")
    if not name.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写小组名称。", "input.name")
    codes = list(dict.fromkeys(building_codes))
    if not codes:
        raise Refusal(RefusalCode.INVALID_INPUT, "请至少选择一栋楼。", "input.buildingCodes")
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, BuildingGroup, "createBuildingGroup", key)
        if earlier is not None:
            return earlier
        community_id = await community_id_of(session, community_code)
        found = dict(
            (
                await session.execute(
                    select(Building.code, Building.id)
                    .join(Compound, Compound.id == Building.compound_id)
                    .where(Building.code.in_(codes), Compound.community_id == community_id)
                )
            ).all()
        )
        missing = [code for code in codes if code not in found]
        if missing:
            raise Refusal(RefusalCode.NOT_FOUND, f"本社区没有这些楼栋：{'、'.join(missing)}。",
                          "input.buildingCodes")  # fmt: skip
        group = BuildingGroup(community_id=community_id, name=name.strip(),
                              status=GroupStatus.ACTIVE)  # fmt: skip
        session.add(group)
        await session.flush()
        session.add_all(
            BuildingGroupBuilding(group_id=group.id, building_id=found[code]) for code in codes
        )
        record(session, viewer, GROUP, group.id, None, GroupStatus.ACTIVE.value)
        remember(session, viewer, "createBuildingGroup", key, group.id)
    return group


async def _officer_taken(
    session: AsyncSession, group_id: int, role: GroupRole, but: int | None = None
) -> None:
    if role is GroupRole.MEMBER:
        return
    holder = await session.scalar(
        select(BuildingGroupMember.id).where(
            BuildingGroupMember.group_id == group_id,
            BuildingGroupMember.role == role,
            BuildingGroupMember.status == MembershipStatus.ACTIVE,
            BuildingGroupMember.id != (but or 0),
        )
    )
    if holder is not None:
        raise Refusal(RefusalCode.DUPLICATE, f"该小组已有{ROLE_NAMES[role]}，请先调整现任{ROLE_NAMES[role]}。",
                      "input.role")  # fmt: skip


async def add_member(
    ctx: HubContext, *, group_id: int, member_code: str, role: GroupRole, key: str | None
) -> BuildingGroupMember:
    """Add a supporter to a group (加入党小组): he must be reported to its community."""
    viewer = ctx.viewer
    async with ctx.sources.community.transaction() as session:
        group = await _managed_group(ctx, session, group_id)
        earlier = await replayed(ctx, session, BuildingGroupMember, "addGroupMember", key)
        if earlier is not None:
            return earlier
        _active(group)
        if not await is_supporter(session, member_code, group.community_id):
            raise Refusal(RefusalCode.NOT_REPORTED, "该党员未向本社区报到，不能加入小组。",
                          "input.memberCode")  # fmt: skip
        elsewhere = await session.scalar(
            select(BuildingGroupMember.group_id).where(
                BuildingGroupMember.member_code == member_code,
                BuildingGroupMember.status == MembershipStatus.ACTIVE,
            )
        )
        if elsewhere is not None:
            where = "本小组" if elsewhere == group.id else "另一个楼栋党小组"
            raise Refusal(RefusalCode.DUPLICATE, f"该党员已在{where}中。", "input.memberCode")
        await _officer_taken(session, group.id, role)
        membership = BuildingGroupMember(group_id=group.id, member_code=member_code, role=role,
                                         status=MembershipStatus.ACTIVE)  # fmt: skip
        session.add(membership)
        try:
            await session.flush()
        except IntegrityError as exc:  # joined another group concurrently (the index held)
            raise Refusal(
                RefusalCode.DUPLICATE, "该党员已在另一个楼栋党小组中。", "input.memberCode"
            ) from exc
        record(session, viewer, MEMBERSHIP, membership.id, None, MembershipStatus.ACTIVE.value,
               ROLE_NAMES[role])  # fmt: skip
        remember(session, viewer, "addGroupMember", key, membership.id)
    return membership


async def _managed_membership(
    ctx: HubContext, session: AsyncSession, membership_id: int
) -> tuple[BuildingGroup, BuildingGroupMember]:
    if not ctx.viewer.is_community_side:
        raise PermissionError("only the community manages its building groups")
    membership = await session.get(BuildingGroupMember, membership_id)
    if membership is None:
        raise Refusal(RefusalCode.NOT_FOUND, MEMBERSHIP_NOT_FOUND, "input.membershipId")
    group = await _managed_group(ctx, session, membership.group_id)
    await session.refresh(membership, with_for_update=True)
    if membership.status is not MembershipStatus.ACTIVE:
        raise Refusal(RefusalCode.INVALID_STATE, f"该成员当前为「{MEMBERSHIP_STATUS[membership.status]}」。",
                      "input.membershipId")  # fmt: skip
    return group, membership


async def set_role(ctx: HubContext, *, membership_id: int, role: GroupRole) -> BuildingGroupMember:
    """Change a member's role in his group (设置组长/副组长/组员)."""
    async with ctx.sources.community.transaction() as session:
        group, membership = await _managed_membership(ctx, session, membership_id)
        _active(group, "input.membershipId")
        before = membership.role
        if before is role:
            return membership
        await _officer_taken(session, group.id, role, but=membership.id)
        membership.role = role
        record(session, ctx.viewer, MEMBERSHIP, membership.id, before.value, role.value,
               f"{ROLE_NAMES[before]} → {ROLE_NAMES[role]}")  # fmt: skip
    return membership


async def remove_member(
    ctx: HubContext, *, membership_id: int, reason: str | None
) -> BuildingGroupMember:
    """Take a member out of his group (退出党小组): the membership ends, it stays as history."""
    async with ctx.sources.community.transaction() as session:
        _, membership = await _managed_membership(ctx, session, membership_id)
        _leave(ctx, session, membership, reason)
    return membership


def _leave(
    ctx: HubContext, session: AsyncSession, membership: BuildingGroupMember, note: str | None
) -> None:
    membership.status = MembershipStatus.LEFT
    membership.left_at = utcnow()
    record(session, ctx.viewer, MEMBERSHIP, membership.id, MembershipStatus.ACTIVE.value,
           MembershipStatus.LEFT.value, note)  # fmt: skip


async def dissolve(ctx: HubContext, *, group_id: int, reason: str | None) -> BuildingGroup:
    """Dissolve a group (撤销党小组): every active membership ends with it."""
    async with ctx.sources.community.transaction() as session:
        group = await _managed_group(ctx, session, group_id)
        if group.status is not GroupStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, f"该楼栋党小组当前为「{GROUP_STATUS[group.status]}」，"
                          "不能再撤销。", "input.groupId")  # fmt: skip
        members = await session.scalars(
            select(BuildingGroupMember).where(
                BuildingGroupMember.group_id == group.id,
                BuildingGroupMember.status == MembershipStatus.ACTIVE,
            )
        )
        for membership in members:
            _leave(ctx, session, membership, "小组撤销")
        group.status = GroupStatus.DISSOLVED
        group.dissolved_at = utcnow()
        record(session, ctx.viewer, GROUP, group.id, GroupStatus.ACTIVE.value,
               GroupStatus.DISSOLVED.value, reason)  # fmt: skip
    return group


async def _may_assign(ctx: HubContext, session: AsyncSession, building: Building) -> int:
    """The building's community id, if the viewer is its community or a grid secretary of
    the grid the building is in."""
    viewer = ctx.viewer
    community_id: int | None = await session.scalar(
        select(Compound.community_id).where(Compound.id == building.compound_id)
    )
    if community_id is None or not manages_community(
        viewer, await community_code_of(session, community_id)
    ):
        raise PermissionError("the building belongs to another community")
    if viewer.role in GRID_ROLES:
        in_grid = await session.scalar(
            select(Building.id).where(
                Building.id == building.id, Building.id.in_(grid_buildings(viewer))
            )
        )
        if in_grid is None:
            raise PermissionError("the building is outside the secretary's grid")
    return community_id


async def assign(
    ctx: HubContext,
    *,
    building_code: str,
    floor: int | None,
    household: str | None,
    assignee_kind: AssigneeKind,
    assignee_code: str,
    group_id: int | None,
    note: str | None,
    key: str | None,
) -> HouseholdAssignment:
    """Assign a member or resident to a building, floor or household (包干到楼/层/户)."""
    viewer = ctx.viewer
    if not viewer.is_community_side:
        raise PermissionError("only the community assigns households")
    if not assignee_code.strip():
        raise Refusal(RefusalCode.INVALID_INPUT, "请填写包干人。", "input.assigneeCode")
    household = household.strip() if household and household.strip() else None
    if household is not None and floor is None:
        raise Refusal(RefusalCode.INVALID_INPUT, "指定住户时请同时填写楼层。", "input.floor")
    async with ctx.sources.community.transaction() as session:
        earlier = await replayed(ctx, session, HouseholdAssignment, "assignHousehold", key)
        if earlier is not None:
            return earlier
        building = await session.scalar(select(Building).where(Building.code == building_code))
        if building is None:
            raise Refusal(RefusalCode.NOT_FOUND, "未找到该楼栋。", "input.buildingCode")
        community_id = await _may_assign(ctx, session, building)
        # One assigner of a building at a time: the duplicate check below then holds.
        await write_lock(session, Building, building.id)
        if floor is not None and not 1 <= floor <= building.floors:
            raise Refusal(
                RefusalCode.INVALID_INPUT, f"楼层须在1至{building.floors}层之间。", "input.floor"
            )
        if assignee_kind is AssigneeKind.MEMBER and not await is_supporter(
            session, assignee_code, community_id
        ):
            raise Refusal(
                RefusalCode.NOT_REPORTED, "该党员未向本社区报到，不能包干。", "input.assigneeCode"
            )
        if group_id is not None:
            await write_lock(session, BuildingGroup, group_id)  # not dissolved meanwhile
            group = await session.get(BuildingGroup, group_id, with_for_update=True)
            if group is None or group.community_id != community_id:
                raise Refusal(RefusalCode.NOT_FOUND, GROUP_NOT_FOUND, "input.groupId")
            _active(group)
        same = await session.scalar(
            select(HouseholdAssignment.id).where(
                HouseholdAssignment.building_id == building.id,
                HouseholdAssignment.assignee_kind == assignee_kind,
                HouseholdAssignment.assignee_code == assignee_code,
                HouseholdAssignment.status == AssignmentStatus.ACTIVE,
                HouseholdAssignment.floor.is_(None)
                if floor is None
                else HouseholdAssignment.floor == floor,
                HouseholdAssignment.household.is_(None)
                if household is None
                else HouseholdAssignment.household == household,
            )
        )
        if same is not None:
            raise Refusal(RefusalCode.DUPLICATE, "该包干人已包干此处。", "input.assigneeCode")
        row = HouseholdAssignment(
            community_id=community_id, building_id=building.id, floor=floor, household=household,
            assignee_kind=assignee_kind, assignee_code=assignee_code.strip(), group_id=group_id,
            status=AssignmentStatus.ACTIVE, note=note,
        )  # fmt: skip
        session.add(row)
        await session.flush()
        record(session, viewer, ASSIGNMENT, row.id, None, AssignmentStatus.ACTIVE.value, note)
        remember(session, viewer, "assignHousehold", key, row.id)
    return row


async def end_assignment(
    ctx: HubContext, *, assignment_id: int, reason: str | None
) -> HouseholdAssignment:
    """End an assignment (结束包干): whoever may make it; it stays as history."""
    if not ctx.viewer.is_community_side:
        raise PermissionError("only the community ends assignments")
    async with ctx.sources.community.transaction() as session:
        await write_lock(session, HouseholdAssignment, assignment_id)
        row = await session.get(HouseholdAssignment, assignment_id, with_for_update=True)
        if row is None:
            raise Refusal(RefusalCode.NOT_FOUND, ASSIGNMENT_NOT_FOUND, "input.assignmentId")
        building = await session.get(Building, row.building_id)
        assert building is not None
        await _may_assign(ctx, session, building)
        if row.status is not AssignmentStatus.ACTIVE:
            raise Refusal(RefusalCode.INVALID_STATE, f"该包干当前为「{ASSIGNMENT_STATUS[row.status]}」，"
                          "不能再结束。", "input.assignmentId")  # fmt: skip
        row.status = AssignmentStatus.ENDED
        row.ended_at = utcnow()
        record(session, ctx.viewer, ASSIGNMENT, row.id, AssignmentStatus.ACTIVE.value,
               AssignmentStatus.ENDED.value, reason)  # fmt: skip
    return row
