"""Who sees which rows of the community database. Default: nothing.

Public without a token: districts, streets, communities and service categories. Places
(grids, compounds, buildings) and property companies: any signed-in role. Reports: the
community they were made to (a grid secretary only his grid or compound), the member's
own unit, the member himself. Pairings, alliances, agreements and list entries: the
parties to them. Posts: open ones are public, also without a token; closed ones and
claims for the post's community, the claimant and his unit. Micro-wishes: published ones
are public, also without a token; all of a community for it; claimed ones for the claimant. Service
orders: their community, the resident who placed them, the member they were dispatched to or
who serves them, his unit, and the unit they were dispatched to. Activities: published and
certified ones for any signed-in viewer, cancelled ones for their community; signups for the
activity's community, the member and his unit. The district organisation
department and the auditor see everything (one deployment serves one district).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from datasources.community.activity_models import Activity, ActivitySignup, ActivityStatus
from datasources.community.commendation_models import Commendation, CommendationStatus
from datasources.community.commitment_models import CommitmentStatus, MemberCommitment
from datasources.community.duty_models import PostDuty
from datasources.community.evaluation_models import EvaluationKind, MemberEvaluation
from datasources.community.group_models import (
    AssigneeKind,
    BuildingGroup,
    BuildingGroupBuilding,
    BuildingGroupMember,
    GroupRole,
    HouseholdAssignment,
    MembershipStatus,
)
from datasources.community.lists import ACTIVE_REPORT_STATUSES, skills_withheld
from datasources.community.models import (
    AgreementParty,
    AgreementProject,
    Alliance,
    AllianceParty,
    Building,
    ClaimantKind,
    CoBuildingAgreement,
    Community,
    Compound,
    DemandItem,
    District,
    Grid,
    ListItemStatus,
    MicroWish,
    MicroWishStatus,
    PairingStatus,
    PartyKind,
    Post,
    PostClaim,
    PostStatus,
    PrivacyPreference,
    PropertyCompany,
    ProviderKind,
    Report,
    ReportSkill,
    ResourceItem,
    ServiceCategory,
    ServiceItem,
    StateEvent,
    Street,
    UnitPairing,
)
from datasources.community.opinion_models import OpinionRequest
from datasources.community.order_models import ServiceOrder, TakerKind
from datasources.community.rating_policy_models import RatingPolicy
from datasources.community.timeline import SOURCES, TimelineEntry
from datasources.community.unit_service_models import ActivityUnitSignup
from datasources.scope import GRID_ROLES, CrossSideFacts, Role, Viewer

DENY: list[ColumnElement[bool]] = [false()]
PUBLIC = (District, Street, Community, ServiceCategory)
SIGNED_IN = (Grid, Compound, Building, PropertyCompany)
# Rows anyone may read without a token, beyond the public models.
OPEN_POSTS = Post.status == PostStatus.OPEN
PUBLISHED_WISHES = MicroWish.status == MicroWishStatus.PUBLISHED
ANONYMOUS_ROWS: dict[type[Any], list[ColumnElement[bool]]] = {
    Post: [OPEN_POSTS],
    MicroWish: [PUBLISHED_WISHES],
}


async def visible(
    model: type[Any], viewer: Viewer, facts: CrossSideFacts
) -> list[ColumnElement[bool]]:
    if model in ADDRESSEE_ONLY:  # messages: only their addressee, the district included
        return await _RULES[model](viewer, facts)  # type: ignore[no-any-return]
    if viewer.sees_everything or model in PUBLIC:
        return []
    if viewer.role is Role.ANONYMOUS:
        return ANONYMOUS_ROWS.get(model, DENY)
    if model in SIGNED_IN:
        return []
    rule = _RULES.get(model)
    return await rule(viewer, facts) if rule else DENY


def own_community(viewer: Viewer) -> Select[Any]:
    return select(Community.id).where(Community.code == viewer.community)


def grid_compounds(viewer: Viewer) -> Select[Any]:
    """Compounds a grid or compound secretary looks after (his grid and the grids below)."""
    compounds = select(Compound.id).where(Compound.community_id.in_(own_community(viewer)))
    if viewer.compound is not None:
        compounds = compounds.where(Compound.code == viewer.compound)
    else:
        compounds = compounds.where(Compound.grid_id.in_(grid_subtree(viewer)))
    return compounds


def grid_subtree(viewer: Viewer) -> Select[Any]:
    """The secretary's grid and every grid below it, however deep the district nests them
    (levels 1 to 6): a recursive CTE local to the statement that uses it."""
    tree = (
        select(Grid.id)
        .where(Grid.code == viewer.grid)
        .cte("grid_subtree", recursive=True, nesting=True)
    )
    tree = tree.union_all(select(Grid.id).where(Grid.parent_id == tree.c.id))
    return select(tree.c.id)


def grid_buildings(viewer: Viewer) -> Select[Any]:
    """Buildings a grid or compound secretary looks after (his grid and the grids below)."""
    return select(Building.id).where(Building.compound_id.in_(grid_compounds(viewer)))


async def _reports(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.COMMUNITY:
        return [Report.community_id.in_(own_community(viewer))]
    if viewer.role in GRID_ROLES:
        return [Report.building_id.in_(grid_buildings(viewer))]
    if viewer.role is Role.UNIT_BRANCH:
        return [Report.member_code.in_(await facts.members_of_viewer_unit())]
    if viewer.role is Role.MEMBER:
        return [Report.member_code == viewer.member]
    return DENY


async def _report_skills(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    reports = select(Report.id).where(*await _reports(viewer, facts))
    clauses: list[ColumnElement[bool]] = [ReportSkill.report_id.in_(reports)]
    if viewer.is_community_side:
        withheld = select(Report.id).where(Report.member_code.in_(skills_withheld()))
        clauses.append(ReportSkill.report_id.not_in(withheld))
    return clauses


def party_of(viewer: Viewer) -> tuple[PartyKind, str] | None:
    """The viewer as a party to alliances and agreements, if his role is one."""
    if viewer.is_community_side and viewer.community:
        return PartyKind.COMMUNITY, viewer.community
    if viewer.role is Role.UNIT_BRANCH and viewer.unit:
        return PartyKind.UNIT, viewer.unit
    if viewer.role is Role.PROPERTY_COMPANY and viewer.company:
        return PartyKind.PROPERTY_COMPANY, viewer.company
    return None


async def _pairings(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.is_community_side:
        return [UnitPairing.community_id.in_(own_community(viewer))]
    if viewer.role is Role.UNIT_BRANCH:
        return [UnitPairing.unit_code == viewer.unit]
    return DENY


def alliance_ids(viewer: Viewer) -> Select[Any] | None:
    party = party_of(viewer)
    if party is None:
        return None
    kind, code = party
    return select(AllianceParty.alliance_id).where(
        AllianceParty.party_kind == kind,
        AllianceParty.party_code == code,
        AllianceParty.left_on.is_(None),
    )


def within_ids(ids_of: Any, column: Any) -> Any:
    """Rows whose `column` is among the ids `ids_of(viewer)` selects; none without any."""

    async def rule(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
        ids = ids_of(viewer)
        return DENY if ids is None else [column.in_(ids)]

    return rule


def agreement_ids(viewer: Viewer) -> Select[Any] | None:
    party = party_of(viewer)
    if party is None:
        return None
    kind, code = party
    as_party = select(AgreementParty.agreement_id).where(
        AgreementParty.party_kind == kind, AgreementParty.party_code == code
    )
    as_owner = select(AgreementProject.agreement_id).where(
        AgreementProject.owner_kind == kind, AgreementProject.owner_code == code
    )
    theirs = [CoBuildingAgreement.id.in_(as_party), CoBuildingAgreement.id.in_(as_owner)]
    if kind is PartyKind.UNIT:
        # A unit sees the agreements of projects it claimed (认领项目).
        as_claimant = select(AgreementProject.agreement_id).where(
            AgreementProject.claimant_kind == ClaimantKind.UNIT,
            AgreementProject.claimant_code == code,
        )
        theirs.append(CoBuildingAgreement.id.in_(as_claimant))
    ids = select(CoBuildingAgreement.id).where(or_(*theirs))
    if viewer.is_community_side:
        ids = select(CoBuildingAgreement.id).where(
            or_(
                CoBuildingAgreement.community_id.in_(own_community(viewer)),
                CoBuildingAgreement.id.in_(as_party),
            )
        )
    return ids


def _member_community(viewer: Viewer) -> Select[Any]:
    return select(Report.community_id).where(
        Report.member_code == viewer.member, Report.status.in_(ACTIVE_REPORT_STATUSES)
    )


def _offers(model: Any) -> Any:
    """Resource and service lists: the community, the provider, and published ones nearby."""

    async def rule(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
        published = model.status == ListItemStatus.PUBLISHED
        if viewer.is_community_side:
            return [model.community_id.in_(own_community(viewer))]
        providers = {
            Role.UNIT_BRANCH: (ProviderKind.UNIT, viewer.unit),
            Role.PROPERTY_COMPANY: (ProviderKind.PROPERTY_COMPANY, viewer.company),
            Role.MEMBER: (ProviderKind.MEMBER, viewer.member),
        }
        if viewer.role in providers:
            kind, code = providers[viewer.role]
            own = (model.provider_kind == kind) & (model.provider_code == code)
            if viewer.role is Role.MEMBER:
                nearby = published & model.community_id.in_(_member_community(viewer))
                return [or_(own, nearby)]
            return [own]
        if viewer.role is Role.RESIDENT:
            return [published, model.community_id.in_(own_community(viewer))]
        return DENY

    return rule


def raised_by(viewer: Viewer) -> list[ColumnElement[bool]]:
    """Demands the viewer raised himself (我的需求): keyed on his identity, in his community.
    Demands from before migration 0011 (null `raised_by_identity`) match the same subject
    and role in the same community, as legacy orders do."""
    legacy = and_(
        DemandItem.raised_by_identity.is_(None),
        DemandItem.raised_by_subject == viewer.subject,
        DemandItem.raised_by_role == viewer.role.value,
    )
    return [
        or_(DemandItem.raised_by_identity == viewer.identity_key, legacy),
        DemandItem.community_id.in_(own_community(viewer)),
    ]


def _claimed_by(kind: ClaimantKind, code: str | None) -> ColumnElement[bool]:
    return (DemandItem.claimant_kind == kind) & (DemandItem.claimant_code == code)


def paired_communities(viewer: Viewer) -> Select[Any]:
    """Communities the viewer's unit is paired with now (结对/单位报到)."""
    return select(UnitPairing.community_id).where(
        UnitPairing.unit_code == viewer.unit, UnitPairing.status == PairingStatus.ACTIVE
    )


async def _demands(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Demands (需求清单): all of a community for its roles; published ones to the members
    reported there and the units paired with it, who may claim them (认领); whatever a
    member or a unit claimed, to that claimant; a position holder those of his scope."""
    if viewer.is_community_side:
        return [DemandItem.community_id.in_(own_community(viewer))]
    if viewer.role is Role.RESIDENT:
        return raised_by(viewer)
    published = DemandItem.status == ListItemStatus.PUBLISHED
    if viewer.role is Role.MEMBER:
        nearby = published & DemandItem.community_id.in_(_member_community(viewer))
        return [or_(nearby, _claimed_by(ClaimantKind.MEMBER, viewer.member))]
    if viewer.role is Role.UNIT_BRANCH:
        paired = published & DemandItem.community_id.in_(paired_communities(viewer))
        return [or_(paired, _claimed_by(ClaimantKind.UNIT, viewer.unit))]
    if viewer.role is Role.POSITION_HOLDER:
        # 三长/党员中心户: the demands of the households his position covers, in any state.
        return [in_position_scope(viewer, DEMAND_ADDRESS)]
    return DENY


async def _unit_signups(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Unit signups (单位活动接龙): the activity's community roles and the unit itself."""
    if viewer.is_community_side:
        ours = select(Activity.id).where(Activity.community_id.in_(own_community(viewer)))
        return [ActivityUnitSignup.activity_id.in_(ours)]
    if viewer.role is Role.UNIT_BRANCH:
        return [ActivityUnitSignup.unit_code == viewer.unit]
    return DENY


async def _privacy(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    if viewer.role is Role.MEMBER:
        return [PrivacyPreference.member_code == viewer.member]
    if viewer.is_community_side:
        return [PrivacyPreference.member_code.in_(await facts.members_reported_to_viewer())]
    return DENY


async def _post_claims(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Claims (认领): the post's community, the member himself, his unit; a unit's own claim
    (单位认领) to that unit."""
    if viewer.is_community_side:
        posts = select(Post.id).where(Post.community_id.in_(own_community(viewer)))
        return [PostClaim.post_id.in_(posts)]
    if viewer.role is Role.MEMBER:
        return [PostClaim.member_code == viewer.member]
    if viewer.role is Role.UNIT_BRANCH:
        members = PostClaim.member_code.in_(await facts.members_of_viewer_unit())
        return [or_(members, PostClaim.unit_code == viewer.unit)]
    return DENY


async def _posts(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Posts (岗位): open ones are public; closed ones for their community, for whoever
    may see a claim of them (the claimant, his unit), and for the post's keeper."""
    if viewer.is_community_side:
        return [or_(OPEN_POSTS, Post.community_id.in_(own_community(viewer)))]
    if viewer.role in (Role.MEMBER, Role.UNIT_BRANCH):
        claimed = select(PostClaim.post_id).where(*await _post_claims(viewer, facts))
        if viewer.role is Role.MEMBER:
            kept = Post.keeper_code == viewer.member
            return [or_(OPEN_POSTS, Post.id.in_(claimed), kept)]
        return [or_(OPEN_POSTS, Post.id.in_(claimed))]
    return [OPEN_POSTS]


async def _post_duties(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Duty sessions (岗位值守): the post's community, the member himself and the post's
    keeper, the member's unit (appraisal evidence); a unit's own sessions to that unit."""
    if viewer.is_community_side:
        posts = select(Post.id).where(Post.community_id.in_(own_community(viewer)))
        return [PostDuty.post_id.in_(posts)]
    if viewer.role is Role.MEMBER:
        kept = select(Post.id).where(Post.keeper_code == viewer.member)
        return [or_(PostDuty.member_code == viewer.member, PostDuty.post_id.in_(kept))]
    if viewer.role is Role.UNIT_BRANCH:
        members = PostDuty.member_code.in_(await facts.members_of_viewer_unit())
        return [or_(members, PostDuty.unit_code == viewer.unit)]
    return DENY


async def _micro_wishes(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Micro-wishes (微心愿): published ones are public; all of a community for its community
    roles; the ones a member claimed for that member and for his unit (appraisal evidence);
    the ones a unit claimed (单位认领) for that unit."""
    if viewer.is_community_side:
        return [or_(PUBLISHED_WISHES, MicroWish.community_id.in_(own_community(viewer)))]
    if viewer.role is Role.MEMBER:
        return [or_(PUBLISHED_WISHES, MicroWish.claimed_by == viewer.member)]
    if viewer.role is Role.UNIT_BRANCH:
        claimed = MicroWish.claimed_by.in_(await facts.members_of_viewer_unit())
        ours = (MicroWish.claimant_kind == ClaimantKind.UNIT) & (
            MicroWish.claimed_by_unit == viewer.unit
        )
        return [or_(PUBLISHED_WISHES, claimed, ours)]
    return [PUBLISHED_WISHES]


OPEN_ACTIVITIES = Activity.status.in_((ActivityStatus.PUBLISHED, ActivityStatus.CERTIFIED))


async def _activities(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Activities (活动): published and certified ones for any signed-in viewer; cancelled
    ones for their community's roles."""
    if viewer.is_community_side:
        return [or_(OPEN_ACTIVITIES, Activity.community_id.in_(own_community(viewer)))]
    return [OPEN_ACTIVITIES]


async def _signups(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Signups (活动报名): the activity's community roles, the member himself, his unit."""
    if viewer.is_community_side:
        ours = select(Activity.id).where(Activity.community_id.in_(own_community(viewer)))
        return [ActivitySignup.activity_id.in_(ours)]
    if viewer.role is Role.MEMBER:
        return [ActivitySignup.member_code == viewer.member]
    if viewer.role is Role.UNIT_BRANCH:
        return [ActivitySignup.member_code.in_(await facts.members_of_viewer_unit())]
    return DENY


def _groups_of_member(viewer: Viewer) -> Select[Any]:
    """The building group a member is in now (one active membership at most)."""
    return select(BuildingGroupMember.group_id).where(
        BuildingGroupMember.member_code == viewer.member,
        BuildingGroupMember.status == MembershipStatus.ACTIVE,
    )


async def _evaluations(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Evaluations (三评): the evaluating community's roles; the member himself; a group
    leader the group evaluations of his group's members; the member's unit the community
    and self ones. The grid worker (网格员) is community staff, not a Party officer: none."""
    if viewer.is_community_side and viewer.role is not Role.GRID_WORKER:
        return [MemberEvaluation.community_id.in_(own_community(viewer))]
    if viewer.role is Role.MEMBER:
        led = select(BuildingGroupMember.group_id).where(
            BuildingGroupMember.member_code == viewer.member,
            BuildingGroupMember.role == GroupRole.LEADER,
            BuildingGroupMember.status == MembershipStatus.ACTIVE,
        )
        his_group = select(BuildingGroupMember.member_code).where(
            BuildingGroupMember.group_id.in_(led),
            BuildingGroupMember.status == MembershipStatus.ACTIVE,
        )
        group_views = (MemberEvaluation.kind == EvaluationKind.GROUP) & (
            MemberEvaluation.member_code.in_(his_group)
        )
        return [or_(MemberEvaluation.member_code == viewer.member, group_views)]
    if viewer.role is Role.UNIT_BRANCH:
        return [
            MemberEvaluation.kind.in_((EvaluationKind.COMMUNITY, EvaluationKind.SELF)),
            MemberEvaluation.member_code.in_(await facts.members_of_viewer_unit()),
        ]
    return DENY


async def _opinion_requests(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Opinion requests (征求社区意见): the community committee asked (not its grid
    secretaries: the committee answers), the asking unit (its branches too). Never the
    member himself: it is a confidential step of a promotion check."""
    if viewer.role is Role.COMMUNITY:
        return [OpinionRequest.community_id.in_(own_community(viewer))]
    if viewer.role is Role.UNIT_BRANCH and viewer.unit is not None:
        return [OpinionRequest.unit_code == viewer.unit]
    return DENY


async def _building_groups(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Building groups (楼栋党小组): the community's roles; a member his own group."""
    if viewer.is_community_side:
        return [BuildingGroup.community_id.in_(own_community(viewer))]
    if viewer.role is Role.MEMBER:
        return [BuildingGroup.id.in_(_groups_of_member(viewer))]
    return DENY


async def _group_buildings(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    groups = select(BuildingGroup.id).where(*await _building_groups(viewer, facts))
    return [BuildingGroupBuilding.group_id.in_(groups)]


async def _group_members(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Group rosters: whoever sees the group; a member also his own past memberships."""
    groups = select(BuildingGroup.id).where(*await _building_groups(viewer, facts))
    if viewer.role is Role.MEMBER:
        mine = BuildingGroupMember.member_code == viewer.member
        return [or_(mine, BuildingGroupMember.group_id.in_(groups))]
    return [BuildingGroupMember.group_id.in_(groups)]


async def _assignments(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Household assignments (包干到户): the community (a grid secretary his grid's
    buildings); the assignee himself; a member those of his group."""
    if viewer.role is Role.COMMUNITY:
        return [HouseholdAssignment.community_id.in_(own_community(viewer))]
    if viewer.role in GRID_ROLES:
        return [HouseholdAssignment.building_id.in_(grid_buildings(viewer))]
    if viewer.role is Role.MEMBER:
        mine = (HouseholdAssignment.assignee_kind == AssigneeKind.MEMBER) & (
            HouseholdAssignment.assignee_code == viewer.member
        )
        return [or_(mine, HouseholdAssignment.group_id.in_(_groups_of_member(viewer)))]
    if viewer.role is Role.RESIDENT:
        # The community names a resident assignee by his subject, in its own community: the
        # assignment is his only there (a subject is not an identity across communities).
        return [
            HouseholdAssignment.assignee_kind == AssigneeKind.RESIDENT,
            HouseholdAssignment.assignee_code == viewer.subject,
            HouseholdAssignment.community_id.in_(own_community(viewer)),
        ]
    return DENY


def placed_by(viewer: Viewer) -> list[ColumnElement[bool]]:
    """Orders the viewer placed himself (我的点单): keyed on his identity, never on the
    subject alone. Orders from before identities (null `ordered_by_identity`) match the
    same subject and role in the same community, the most their row can tell."""
    legacy = and_(
        ServiceOrder.ordered_by_identity.is_(None),
        ServiceOrder.ordered_by_subject == viewer.subject,
        ServiceOrder.ordered_by_role == viewer.role.value,
    )
    return [
        or_(ServiceOrder.ordered_by_identity == viewer.identity_key, legacy),
        ServiceOrder.community_id.in_(own_community(viewer)),
    ]


def ordered_for(viewer: Viewer) -> list[ColumnElement[bool]]:
    """A resident's own orders: placed by him, or converted from a demand he raised (his
    点单 through the demand list). Both keyed on his identity, in his community."""
    from_his_demand = ServiceOrder.demand_id.in_(select(DemandItem.id).where(*raised_by(viewer)))
    return [or_(and_(*placed_by(viewer)), from_his_demand)]


async def _service_orders(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Service orders (服务订单): the community's for its community roles; the resident's
    own; a member those dispatched to him or served by him; a unit branch those dispatched
    to its unit or served by its members."""
    if viewer.is_community_side:
        return [ServiceOrder.community_id.in_(own_community(viewer))]
    if viewer.role is Role.RESIDENT:
        return ordered_for(viewer)
    if viewer.role is Role.MEMBER:
        to_him = (ServiceOrder.taker_kind == TakerKind.MEMBER) & (
            ServiceOrder.taker_code == viewer.member
        )
        return [or_(to_him, ServiceOrder.member_code == viewer.member)]
    if viewer.role is Role.UNIT_BRANCH:
        to_unit = (ServiceOrder.taker_kind == TakerKind.UNIT) & (
            ServiceOrder.taker_code == viewer.unit
        )
        served = ServiceOrder.member_code.in_(await facts.members_of_viewer_unit())
        return [or_(to_unit, served)]
    if viewer.role is Role.POSITION_HOLDER:
        # 三长/党员中心户: the orders of the households his position (in force) covers.
        return [in_position_scope(viewer, ORDER_ADDRESS)]
    return DENY


async def _commitments(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Public commitments (公开承诺): the community they were made to (its committee and
    grid secretaries); the member himself; his unit branch; a resident those made to his
    own community that the member agreed to show residents (public_consent), not withdrawn."""
    if viewer.is_community_side:
        return [MemberCommitment.community_id.in_(own_community(viewer))]
    if viewer.role is Role.MEMBER:
        return [MemberCommitment.member_code == viewer.member]
    if viewer.role is Role.UNIT_BRANCH:
        return [MemberCommitment.member_code.in_(await facts.members_of_viewer_unit())]
    if viewer.role is Role.RESIDENT:
        return [
            MemberCommitment.community_id.in_(own_community(viewer)),
            MemberCommitment.public_consent.is_(True),
            MemberCommitment.status != CommitmentStatus.WITHDRAWN,
        ]
    return DENY


async def _commendations(viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Commendations (表彰): public honours, so those in force for any signed-in role; a
    revoked one also for the community roles of its community (the district and the
    auditor see everything)."""
    in_force = Commendation.status == CommendationStatus.ACTIVE
    if viewer.is_community_side:
        return [or_(in_force, Commendation.community_id.in_(own_community(viewer)))]
    return [in_force]


async def _state_events(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """A workflow entity's history is visible to whoever may see the entity."""
    visible_ids = {
        "Report": select(Report.id).where(*await _reports(viewer, facts)),
        "UnitPairing": select(UnitPairing.id).where(*await _pairings(viewer, facts)),
        "Post": select(Post.id).where(*await _posts(viewer, facts)),
        "PostClaim": select(PostClaim.id).where(*await _post_claims(viewer, facts)),
        "PostDuty": select(PostDuty.id).where(*await _post_duties(viewer, facts)),
        "MicroWish": select(MicroWish.id).where(*await _micro_wishes(viewer, facts)),
        "ServiceOrder": select(ServiceOrder.id).where(*await _service_orders(viewer, facts)),
        "MemberEvaluation": select(MemberEvaluation.id).where(*await _evaluations(viewer, facts)),
        "OpinionRequest": select(OpinionRequest.id).where(*await _opinion_requests(viewer, facts)),
        "BuildingGroup": select(BuildingGroup.id).where(*await _building_groups(viewer, facts)),
        "BuildingGroupMember": select(BuildingGroupMember.id).where(
            *await _group_members(viewer, facts)
        ),
        "HouseholdAssignment": select(HouseholdAssignment.id).where(
            *await _assignments(viewer, facts)
        ),
        "Activity": select(Activity.id).where(*await _activities(viewer, facts)),
        "ActivitySignup": select(ActivitySignup.id).where(*await _signups(viewer, facts)),
        "ActivityUnitSignup": select(ActivityUnitSignup.id).where(
            *await _unit_signups(viewer, facts)
        ),
        "ResourceItem": select(ResourceItem.id).where(*await _offers(ResourceItem)(viewer, facts)),
        "DemandItem": select(DemandItem.id).where(*await _demands(viewer, facts)),
        "ServiceItem": select(ServiceItem.id).where(*await _offers(ServiceItem)(viewer, facts)),
        "MemberCommitment": select(MemberCommitment.id).where(*await _commitments(viewer, facts)),
        "Commendation": select(Commendation.id).where(*await _commendations(viewer, facts)),
    }
    from datasources.community.partner_policy import partner_events

    visible_ids.update(await partner_events(viewer, facts))
    from datasources.community.points_policy import points_events

    visible_ids.update(await points_events(viewer, facts))
    # The residents' rating period (居民评价期限): each version's history, for any signed-in role.
    visible_ids["RatingPolicy"] = select(RatingPolicy.id).where(
        *await _rating_policies(viewer, facts)
    )
    from datasources.community.master_policy import master_events

    visible_ids.update(await master_events(viewer, facts))
    from datasources.community.spaces.policy import space_events

    visible_ids.update(await space_events(viewer, facts))
    from datasources.community.donations.policy import donation_events

    visible_ids.update(await donation_events(viewer, facts))
    from datasources.community.resident_points.policy import resident_points_events

    visible_ids.update(await resident_points_events(viewer, facts))
    from datasources.community.help.policy import help_events

    visible_ids.update(await help_events(viewer, facts))
    return [
        or_(
            *(
                (StateEvent.entity_type == entity_type) & StateEvent.entity_id.in_(ids)
                for entity_type, ids in visible_ids.items()
            )
        )
    ]


async def _timeline(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """A timeline entry is visible exactly when the record behind it is."""
    branches = []
    for kind, model in SOURCES.items():
        same_kind = TimelineEntry.kind == kind.value
        clauses = await visible(model, viewer, facts)
        if clauses == DENY:
            continue
        if not clauses:
            branches.append(same_kind)
            continue
        ids = select(model.id).where(*clauses)
        branches.append(same_kind & TimelineEntry.record_id.in_(ids))
    return [or_(*branches)] if branches else DENY


async def _attachments(viewer: Viewer, facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """Evidence files (附件) are visible to whoever may see the record they belong to."""
    from datasources.community.attachment_models import Attachment

    visible_ids = {
        "ServiceOrder": select(ServiceOrder.id).where(*await _service_orders(viewer, facts)),
        "ActivitySignup": select(ActivitySignup.id).where(*await _signups(viewer, facts)),
        "MicroWish": select(MicroWish.id).where(*await _micro_wishes(viewer, facts)),
    }
    return [
        or_(
            *(
                (Attachment.entity_type == entity_type) & Attachment.entity_id.in_(ids)
                for entity_type, ids in visible_ids.items()
            )
        )
    ]


async def _rating_policies(_viewer: Viewer, _facts: CrossSideFacts) -> list[ColumnElement[bool]]:
    """The residents' rating period (居民评价期限): a rule, read by any signed-in role."""
    return []


_RULES: dict[type[Any], Any] = {
    RatingPolicy: _rating_policies,
    TimelineEntry: _timeline,
    StateEvent: _state_events,
    Report: _reports,
    ReportSkill: _report_skills,
    UnitPairing: _pairings,
    Alliance: within_ids(alliance_ids, Alliance.id),
    AllianceParty: within_ids(alliance_ids, AllianceParty.alliance_id),
    CoBuildingAgreement: within_ids(agreement_ids, CoBuildingAgreement.id),
    AgreementParty: within_ids(agreement_ids, AgreementParty.agreement_id),
    AgreementProject: within_ids(agreement_ids, AgreementProject.agreement_id),
    ResourceItem: _offers(ResourceItem),
    ServiceItem: _offers(ServiceItem),
    DemandItem: _demands,
    PrivacyPreference: _privacy,
    Post: _posts,
    PostClaim: _post_claims,
    PostDuty: _post_duties,
    MicroWish: _micro_wishes,
    ServiceOrder: _service_orders,
    MemberEvaluation: _evaluations,
    OpinionRequest: _opinion_requests,
    BuildingGroup: _building_groups,
    BuildingGroupBuilding: _group_buildings,
    BuildingGroupMember: _group_members,
    HouseholdAssignment: _assignments,
    Activity: _activities,
    ActivitySignup: _signups,
    ActivityUnitSignup: _unit_signups,
    MemberCommitment: _commitments,
    Commendation: _commendations,
}


# Partner operations (红色物业, 党建联盟, 共建协议): their rules live in their own module.
from datasources.community.partner_policy import PARTNER_RULES  # noqa: E402

_RULES.update(PARTNER_RULES)

# Points and the points mall (积分/积分商城): their rules live in their own module.
from datasources.community.points_policy import POINTS_RULES  # noqa: E402

_RULES.update(POINTS_RULES)

# Positions (三长, 党员中心户): their rules live in their own module.
from datasources.community.positions import (  # noqa: E402
    POSITION_RULES,
    Address,
    in_position_scope,
)

ORDER_ADDRESS = Address(
    ServiceOrder.building_id, ServiceOrder.unit_no, ServiceOrder.floor, ServiceOrder.room
)
DEMAND_ADDRESS = Address(
    DemandItem.building_id, DemandItem.unit_no, DemandItem.floor, DemandItem.room
)

_RULES.update(POSITION_RULES)


def community_reports(viewer: Viewer) -> ColumnElement[bool]:
    """Active reports a community-side viewer may see: the statement behind his facts."""
    if viewer.role in GRID_ROLES:
        return Report.building_id.in_(grid_buildings(viewer))
    return Report.community_id.in_(own_community(viewer))


# Master data (户 and the history of places): their rules live in their own module.
from datasources.community.master_policy import MASTER_RULES  # noqa: E402

_RULES.update(MASTER_RULES)

# Shared spaces and their bookings (共享空间, 预约): their rules live in their own package.
from datasources.community.spaces.policy import SPACE_RULES  # noqa: E402

_RULES.update(SPACE_RULES)

# Donations (爱心捐赠): their rules live in their own package.
from datasources.community.donations.policy import DONATION_RULES  # noqa: E402

_RULES.update(DONATION_RULES)

# Residents' points and young volunteers (居民积分, 小小志愿者): their own package.
from datasources.community.resident_points.policy import RESIDENT_POINTS_RULES  # noqa: E402

_RULES.update(RESIDENT_POINTS_RULES)

# Notifications and notices (消息, 通知公告): their rules live in their own module.
from datasources.community.notification_policy import (  # noqa: E402
    ADDRESSEE_ONLY_MODELS,
    NOTIFICATION_RULES,
)

_RULES.update(NOTIFICATION_RULES)
# The register of households in need (特殊群体): sensitive, its rules bind every role.
from datasources.community.help.policy import HELP_MODELS, HELP_RULES  # noqa: E402

_RULES.update(HELP_RULES)
ADDRESSEE_ONLY = frozenset(ADDRESSEE_ONLY_MODELS) | HELP_MODELS
# Evidence files (附件) follow the record they are attached to.
from datasources.community.attachment_models import Attachment  # noqa: E402

_RULES[Attachment] = _attachments
