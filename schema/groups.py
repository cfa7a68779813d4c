"""Building groups (楼栋党小组) and household assignment (包干到户/到层).

Read rules: a community's groups, rosters and assignments for its community roles (a grid
secretary sees the assignments of his grid's buildings); a member sees his own group, its
buildings and its roster (member codes and roles; a group-mate's `member` resolves only
where the work-unit side lets him read that member, i.e. not for a plain member), his own
memberships and his assignments and his group's; a resident the assignments made to him.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import group_models as models
from datasources.community.evaluations_groups import BuildingGroupFilter as GroupFilterModel
from resolvers import groups
from schema.base import HubNode, Info, as_tuple, loaded_by
from schema.bounds import between
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Audited, Change, UserError, mutate, mutate_node, node_id_of, not_found
from schema.pagination import Connection, OrderDirection, paginate
from schema.places import Building, Community

if TYPE_CHECKING:
    from datasources.community.evaluations_groups import EvaluationGroupLoaders
    from schema.units import Member

_UNITS = "schema.units"

strawberry.enum(
    models.GroupStatus,
    description="State of a building group (党小组状态): ACTIVE 在册, DISSOLVED 已撤销.",
)
strawberry.enum(
    models.GroupRole,
    description="Role in a building group (小组职务): LEADER 组长, VICE_LEADER 副组长, MEMBER 组员.",
)
strawberry.enum(
    models.MembershipStatus,
    description="State of a place in a group (成员状态): ACTIVE 在组, LEFT 已退出.",
)
strawberry.enum(
    models.AssigneeKind,
    description="Who is assigned (包干人类型): MEMBER 党员, RESIDENT 居民.",
)
strawberry.enum(
    models.AssignmentStatus,
    description="State of an assignment (包干状态): ACTIVE 包干中, ENDED 已结束.",
)
GroupStatus: TypeAlias = models.GroupStatus
GroupRole: TypeAlias = models.GroupRole
MembershipStatus: TypeAlias = models.MembershipStatus
AssigneeKind: TypeAlias = models.AssigneeKind
AssignmentStatus: TypeAlias = models.AssignmentStatus


def _loaders(info: Info) -> EvaluationGroupLoaders:
    return info.context.community.evaluations_groups


@strawberry.enum(description="How to sort building groups (小组排序).")
class BuildingGroupOrder(Enum):
    NAME = "name"
    CREATED_AT = "created_at"


@strawberry.input(description="Filters for building groups (小组筛选).")
class BuildingGroupFilter:
    statuses: list[GroupStatus] | None = strawberry.field(
        default_factory=lambda: [models.GroupStatus.ACTIVE],
        description="Only groups in these states (状态); active ones by default, all when null.",
    )

    def to_filter(self) -> GroupFilterModel:
        return GroupFilterModel(statuses=as_tuple(self.statuses))


async def _member(info: Info, code: str) -> Any:
    from schema.units import Member

    return Member.from_optional_row(await info.context.units.member_by_code.load(code))


@strawberry.type(
    description="A building group (楼栋党小组) of a community's supporters over one or more "
    "buildings, with a leader (组长) and a vice-leader (副组长)."
)
class BuildingGroup(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.evaluations_groups.group_by_id)

    id: relay.NodeID[int]
    name: str = strawberry.field(description="Name (小组名称).")
    status: GroupStatus = strawberry.field(description="Its state (小组状态).")
    created_at: datetime = strawberry.field(description="When it was set up (成立时间).")
    dissolved_at: datetime | None = strawberry.field(description="When dissolved (撤销时间).")
    community_id: strawberry.Private[int]

    @strawberry.field(description="The community (所属社区).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="The buildings it covers (覆盖楼栋).")
    async def buildings(self, info: Info) -> list[Building]:
        links = await _loaders(info).buildings_of_group.load(self.id)
        rows = await info.context.community.building_by_id.load_many(
            [link.building_id for link in links]
        )
        return [Building.from_row(row) for row in rows if row is not None]

    @strawberry.field(
        description="Its members (小组成员), leader first; those who left only when asked."
    )
    async def members(
        self,
        info: Info,
        include_left: Annotated[
            bool, strawberry.argument(description="Also list members who left (已退出).")
        ] = False,
    ) -> list[BuildingGroupMember]:
        loader = _loaders(info).all_members_of_group if include_left else None
        loader = loader or _loaders(info).active_members_of_group
        rows = await loader.load(self.id)
        order = {models.GroupRole.LEADER: 0, models.GroupRole.VICE_LEADER: 1}
        rows = sorted(rows, key=lambda row: (order.get(row.role, 2), row.id))
        return [BuildingGroupMember.from_row(row) for row in rows]

    @strawberry.field(description="Every state change of the group (小组记录), oldest first.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, groups.GROUP, self.id)


@strawberry.type(description="A member's place in a building group (小组成员): role and state.")
class BuildingGroupMember(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.evaluations_groups.membership_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The member (党员编码).")
    role: GroupRole = strawberry.field(description="His role (小组职务).")
    status: MembershipStatus = strawberry.field(description="In the group or left (成员状态).")
    joined_at: datetime = strawberry.field(description="When he joined (加入时间).")
    left_at: datetime | None = strawberry.field(description="When he left (退出时间).")
    group_id: strawberry.Private[int]

    @strawberry.field(description="The group (所属小组).")
    async def group(self, info: Info) -> BuildingGroup | None:
        return BuildingGroup.from_optional_row(await _loaders(info).group_by_id.load(self.group_id))

    @strawberry.field(
        description="The member, from the work-unit side (党员); null when out of the viewer's "
        "scope there."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        return await _member(info, self.member_code)  # type: ignore[no-any-return]

    @strawberry.field(description="Every change of his place (成员记录), oldest first.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, groups.MEMBERSHIP, self.id)


@strawberry.type(
    description="An assignment (包干): a member or resident looks after a building, one "
    "floor of it (包干到层) or one household (包干到户)."
)
class HouseholdAssignment(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.evaluations_groups.assignment_by_id)

    id: relay.NodeID[int]
    floor: int | None = strawberry.field(description="The floor (楼层); null: the building.")
    household: str | None = strawberry.field(
        description="The household (户号), e.g. 502; null: the whole floor."
    )
    assignee_kind: AssigneeKind = strawberry.field(description="Member or resident (包干人类型).")
    assignee_code: str = strawberry.field(
        description="The member code, or the resident's account (包干人)."
    )
    status: AssignmentStatus = strawberry.field(description="Its state (包干状态).")
    note: str | None = strawberry.field(description="Remark (备注).")
    assigned_at: datetime = strawberry.field(description="When it began (开始时间).")
    ended_at: datetime | None = strawberry.field(description="When it ended (结束时间).")
    building_id: strawberry.Private[int]
    group_id: strawberry.Private[int | None]

    @strawberry.field(description="The building (楼栋).")
    async def building(self, info: Info) -> Building | None:
        return Building.from_optional_row(
            await info.context.community.building_by_id.load(self.building_id)
        )

    @strawberry.field(description="The building group it is made for (所属小组), if any.")
    async def group(self, info: Info) -> BuildingGroup | None:
        if self.group_id is None:
            return None
        return BuildingGroup.from_optional_row(await _loaders(info).group_by_id.load(self.group_id))

    @strawberry.field(description="The assigned member (包干党员); null for residents.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        if self.assignee_kind is not models.AssigneeKind.MEMBER:
            return None
        return await _member(info, self.assignee_code)  # type: ignore[no-any-return]

    @strawberry.field(description="Every state change (包干记录), oldest first.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, groups.ASSIGNMENT, self.id)


async def community_groups(
    info: Info, community_id: int, *, first: int, after: str | None,
    filter: BuildingGroupFilter | None,
) -> Connection[BuildingGroup]:  # fmt: skip
    return await paginate(
        info, _loaders(info).groups_of_community, community_id, BuildingGroup.from_row,
        first=first, after=after, order_by=BuildingGroupOrder.NAME,
        direction=OrderDirection.ASC, filter=filter or BuildingGroupFilter(),
    )  # fmt: skip


async def building_assignments(
    info: Info, building_id: int, include_ended: bool
) -> list[HouseholdAssignment]:
    loaders = _loaders(info)
    loader = loaders.all_assignments_of_building if include_ended else None
    rows = await (loader or loaders.active_assignments_of_building).load(building_id)
    return [HouseholdAssignment.from_row(row) for row in rows]


async def member_group(info: Info, member_code: str) -> BuildingGroupMember | None:
    row = await _loaders(info).active_membership_of_member.load(member_code)
    return BuildingGroupMember.from_optional_row(row)


async def member_assignments(info: Info, member_code: str) -> list[HouseholdAssignment]:
    rows = await _loaders(info).active_assignments_of_member.load(member_code)
    return [HouseholdAssignment.from_row(row) for row in rows]


# --- mutations -------------------------------------------------------------------------

_REFUSED = "Why it was refused (业务错误); empty on success. Nothing changed then."


@strawberry.input(description="Set up a building group (成立楼栋党小组).")
class CreateBuildingGroupInput:
    community_code: str = strawberry.field(description="The community (社区编码).")
    name: str = strawberry.field(description="Name (小组名称), e.g. 3栋党小组.")
    building_codes: list[str] = strawberry.field(
        description="Buildings of the community it covers (楼栋编码), at least one."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Add a supporter to a building group (加入党小组).")
class AddGroupMemberInput:
    group_id: relay.GlobalID = strawberry.field(description="The group (小组ID).")
    member_code: str = strawberry.field(description="The member (党员编码).")
    role: GroupRole = strawberry.field(
        default=models.GroupRole.MEMBER, description="His role (小组职务); MEMBER by default."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Change a member's role in his group (设置小组职务).")
class SetGroupRoleInput:
    membership_id: relay.GlobalID = strawberry.field(description="His place (小组成员ID).")
    role: GroupRole = strawberry.field(description="The new role (小组职务).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Take a member out of his group (退出党小组).")
class RemoveGroupMemberInput:
    membership_id: relay.GlobalID = strawberry.field(description="His place (小组成员ID).")
    reason: str | None = strawberry.field(default=None, description="Why (原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Dissolve a building group (撤销党小组).")
class DissolveBuildingGroupInput:
    group_id: relay.GlobalID = strawberry.field(description="The group (小组ID).")
    reason: str | None = strawberry.field(default=None, description="Why (原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Assign a member or resident to a building, floor or household.")
class AssignHouseholdInput:
    building_code: str = strawberry.field(description="The building (楼栋编码).")
    assignee_kind: AssigneeKind = strawberry.field(description="Member or resident (包干人类型).")
    assignee_code: str = strawberry.field(
        description="The member code, or the resident's account (包干人)."
    )
    floor: int | None = strawberry.field(
        metadata=between(1, 200),
        default=None,
        description="The floor (楼层), 1 to the building's floors; null: all.",
    )
    household: str | None = strawberry.field(
        default=None, description="One household on the floor (户号); null: the whole floor."
    )
    group_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The building group it is made for (小组ID), optional."
    )
    note: str | None = strawberry.field(default=None, description="Remark (备注).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="End an assignment (结束包干).")
class EndAssignmentInput:
    assignment_id: relay.GlobalID = strawberry.field(description="The assignment (包干ID).")
    reason: str | None = strawberry.field(default=None, description="Why (原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of a building-group mutation (小组操作结果).")
class BuildingGroupPayload:
    building_group: BuildingGroup | None = strawberry.field(
        description="The group; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_REFUSED)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a group-membership mutation (小组成员操作结果).")
class GroupMemberPayload:
    membership: BuildingGroupMember | None = strawberry.field(
        description="The member's place; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_REFUSED)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of an assignment mutation (包干操作结果).")
class HouseholdAssignmentPayload:
    assignment: HouseholdAssignment | None = strawberry.field(
        description="The assignment; null if refused."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list, description=_REFUSED)
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _group(row: object) -> BuildingGroupPayload:
    return BuildingGroupPayload(building_group=BuildingGroup.from_row(row))


def _membership(row: object) -> GroupMemberPayload:
    return GroupMemberPayload(membership=BuildingGroupMember.from_row(row))


def _assignment(row: object) -> HouseholdAssignmentPayload:
    return HouseholdAssignmentPayload(assignment=HouseholdAssignment.from_row(row))


_MANAGE = "只有本社区（或其网格党支部书记）可以管理楼栋党小组。"
_NO_GROUP = not_found(groups.GROUP_NOT_FOUND, "input.groupId")
_NO_MEMBERSHIP = not_found(groups.MEMBERSHIP_NOT_FOUND, "input.membershipId")


@strawberry.type(description="Mutations of building groups and household assignment (小组与包干).")
class GroupsMutation:
    @strawberry.mutation(
        description="Set up a building group (成立楼栋党小组) over buildings of the community: "
        "the community, or a grid secretary of it."
    )
    async def create_building_group(
        self,
        info: Info,
        input: Annotated[CreateBuildingGroupInput, strawberry.argument(description="The group.")],
    ) -> BuildingGroupPayload:
        key = input.client_mutation_id
        action = groups.create_group(info.context, community_code=input.community_code,
                                     name=input.name, building_codes=input.building_codes,
                                     key=key)  # fmt: skip
        change = Change(name="createBuildingGroup", entity="BuildingGroup", key=key,
                        forbidden=_MANAGE, detail={"community": input.community_code})  # fmt: skip
        return await mutate(info, change, BuildingGroupPayload, action, _group)

    @strawberry.mutation(
        description="Add a supporter to a group (加入党小组): he must be reported to its "
        "community (NOT_REPORTED); one active group per member and one leader and one "
        "vice-leader per group (DUPLICATE)."
    )
    async def add_group_member(
        self,
        info: Info,
        input: Annotated[AddGroupMemberInput, strawberry.argument(description="The member.")],
    ) -> GroupMemberPayload:
        key = input.client_mutation_id
        change = Change(name="addGroupMember", entity="BuildingGroupMember", key=key,
                        forbidden=_MANAGE)  # fmt: skip
        return await mutate_node(
            info, change, GroupMemberPayload, input.group_id,
            lambda group_id: groups.add_member(info.context, group_id=group_id,
                                               member_code=input.member_code,
                                               role=input.role, key=key),
            _membership, unknown=_NO_GROUP, node_type="BuildingGroup",
            audited=lambda row: Audited("BuildingGroupMember", [str(row.id)],
                                        {"role": input.role.value}),
        )  # fmt: skip

    @strawberry.mutation(
        description="Change a member's role in his group (设置组长/副组长/组员): a second "
        "active leader or vice-leader is refused (DUPLICATE)."
    )
    async def set_group_role(
        self,
        info: Info,
        input: Annotated[SetGroupRoleInput, strawberry.argument(description="The new role.")],
    ) -> GroupMemberPayload:
        change = Change(name="setGroupRole", entity="BuildingGroupMember",
                        key=input.client_mutation_id, forbidden=_MANAGE,
                        detail={"role": input.role.value})  # fmt: skip
        return await mutate_node(
            info, change, GroupMemberPayload, input.membership_id,
            lambda membership_id: groups.set_role(info.context, membership_id=membership_id,
                                                  role=input.role),
            _membership, unknown=_NO_MEMBERSHIP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Take a member out of his group (退出党小组): his place ends (LEFT) and "
        "stays as history."
    )
    async def remove_group_member(
        self,
        info: Info,
        input: Annotated[RemoveGroupMemberInput, strawberry.argument(description="His place.")],
    ) -> GroupMemberPayload:
        change = Change(name="removeGroupMember", entity="BuildingGroupMember",
                        key=input.client_mutation_id, forbidden=_MANAGE,
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, GroupMemberPayload, input.membership_id,
            lambda membership_id: groups.remove_member(
                info.context, membership_id=membership_id, reason=input.reason
            ),
            _membership, unknown=_NO_MEMBERSHIP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Dissolve a building group (撤销党小组): every active member's place ends."
    )
    async def dissolve_building_group(
        self,
        info: Info,
        input: Annotated[DissolveBuildingGroupInput, strawberry.argument(description="The group.")],
    ) -> BuildingGroupPayload:
        change = Change(name="dissolveBuildingGroup", entity="BuildingGroup",
                        key=input.client_mutation_id, forbidden=_MANAGE,
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, BuildingGroupPayload, input.group_id,
            lambda group_id: groups.dissolve(info.context, group_id=group_id,
                                             reason=input.reason),
            _group, unknown=_NO_GROUP,
        )  # fmt: skip

    @strawberry.mutation(
        description="Assign a member or resident to a building, a floor (包干到层) or a "
        "household (包干到户): the community, or a grid secretary for buildings in his grid. "
        "The floor must be within the building (INVALID_INPUT); a member must be reported "
        "to the community (NOT_REPORTED)."
    )
    async def assign_household(
        self,
        info: Info,
        input: Annotated[AssignHouseholdInput, strawberry.argument(description="The assignment.")],
    ) -> HouseholdAssignmentPayload:
        key = input.client_mutation_id
        group_id = None if input.group_id is None else node_id_of(input.group_id, "BuildingGroup")
        action = _NO_GROUP if input.group_id is not None and group_id is None else groups.assign(
            info.context, building_code=input.building_code, floor=input.floor,
            household=input.household, assignee_kind=input.assignee_kind,
            assignee_code=input.assignee_code, group_id=group_id, note=input.note, key=key,
        )  # fmt: skip
        change = Change(name="assignHousehold", entity="HouseholdAssignment", key=key,
                        targets=[input.building_code],
                        forbidden="只有本社区或楼栋所在网格的党支部书记可以安排包干。")  # fmt: skip
        return await mutate(
            info, change, HouseholdAssignmentPayload, action, _assignment,
            audited=lambda row: Audited("HouseholdAssignment", [str(row.id)],
                                        {"building": input.building_code}),
        )  # fmt: skip

    @strawberry.mutation(
        description="End an assignment (结束包干): the community, or a grid secretary for "
        "buildings in his grid; it stays as history."
    )
    async def end_assignment(
        self,
        info: Info,
        input: Annotated[EndAssignmentInput, strawberry.argument(description="The assignment.")],
    ) -> HouseholdAssignmentPayload:
        change = Change(name="endAssignment", entity="HouseholdAssignment",
                        key=input.client_mutation_id,
                        forbidden="只有本社区或楼栋所在网格的党支部书记可以结束包干。",
                        detail={"reason": input.reason})  # fmt: skip
        return await mutate_node(
            info, change, HouseholdAssignmentPayload, input.assignment_id,
            lambda assignment_id: groups.end_assignment(
                info.context, assignment_id=assignment_id, reason=input.reason
            ),
            _assignment, unknown=not_found(groups.ASSIGNMENT_NOT_FOUND, "input.assignmentId"),
        )  # fmt: skip
