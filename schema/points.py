"""Points (积分): rules, a member's ledger and balance, reversal and expiry.

A member's points (`Member.points`) are seen by himself, his unit branch, the community he
has an active report to (its entries, plus his balance and totals), the district and the
auditor; null for everyone else.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import points_models
from datasources.community.points_lists import PointsEntryFilter as EntryFilterValue
from datasources.community.points_lists import Totals
from datasources.community.points_policy import RULE_EVENTS_ID
from datasources.scope import Role
from resolvers import points_admin
from schema.actors import (
    ACTOR_LABEL_DESCRIPTION,
    ACTOR_SUBJECT_DESCRIPTION,
    actor_label,
    shown_subject,
)
from schema.base import HubNode, Info, _init_field_names, loaded_by
from schema.bounds import YEAR, between, int32
from schema.history import StateEvent, history
from schema.mutations import ECHO_DESCRIPTION as _ECHO
from schema.mutations import Audited, Change, UserError, mutate, node_id_of, not_found
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    OrderDirection,
    paginate,
)

if TYPE_CHECKING:
    from schema.mall import Redemption
    from schema.places import Community

_PLACES = "schema.places"
_MALL = "schema.mall"

strawberry.enum(
    points_models.PointsKind,
    description="Kind of ledger entry (积分流水类型): EARN 获得, SPEND 兑换消费, REVERSE 冲正, "
    "EXPIRE 过期.",
)
strawberry.enum(
    points_models.RedemptionStatus,
    description="State of a redemption (兑换状态): REDEEMED 已兑换待领取, COLLECTED 已领取, "
    "REFUNDED 已退还.",
)

PointsKind: TypeAlias = points_models.PointsKind
RedemptionStatus: TypeAlias = points_models.RedemptionStatus

Year = Annotated[
    int | None,
    strawberry.argument(
        metadata=YEAR,
        description="Only this calendar year, in China Standard Time (年度); all time when omitted.",
    ),
]


@strawberry.enum(description="How to sort ledger entries: by when they happened (发生时间).")
class PointsEntryOrder(Enum):
    OCCURRED_AT = "occurred_at"


@strawberry.input(description="Filters for ledger entries (积分流水筛选); all given must hold.")
class PointsEntryFilter:
    kinds: list[PointsKind] | None = strawberry.field(
        default=None, description="Only entries of these kinds (类型); any when omitted."
    )
    year: int | None = strawberry.field(
        metadata=YEAR,
        default=None,
        description="Only entries of this year, in China Standard Time (年度).",
    )

    def to_filter(self) -> EntryFilterValue:
        return EntryFilterValue(
            kinds=None if self.kinds is None else tuple(self.kinds), year=self.year
        )


@strawberry.type(
    description="How many points an action earns (积分规则): data the district edits. Until "
    "it does, the built-in default applies (isDefault)."
)
class PointRule:
    action: str = strawberry.field(description="The action (积分事项), e.g. order_completed.")
    name: str = strawberry.field(description="Its name (规则名称).")
    points: int = strawberry.field(description="Points earned each time (分值).")
    updated_by: str | None = strawberry.field(
        description="Who set it last (修改人): the district's token subject, shown to the "
        "district and the auditor only; null for everyone else."
    )
    updated_at: datetime = strawberry.field(description="When it was set last (修改时间).")
    is_default: bool = strawberry.field(
        description="True while the built-in default applies (默认值, not yet set)."
    )

    @strawberry.field(
        description="Every change of the rule, oldest first (规则修改记录): fromState and "
        "toState are the old and new point values."
    )
    async def history(self, info: Info) -> list[StateEvent]:
        events = await history(info, points_admin.RULE, RULE_EVENTS_ID)
        return [event for event in events if event.note == self.action]


@strawberry.type(
    description="One entry of a member's points ledger (积分流水): append-only; `points` is "
    "signed (positive when earned or given back)."
)
class PointsEntry(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.points_entry_by_id)

    id: relay.NodeID[int]
    member_code: str = strawberry.field(description="The member's code (党员编码).")
    kind: PointsKind = strawberry.field(description="What the entry is (类型).")
    points: int = strawberry.field(description="Signed points (积分变动).")
    action: str | None = strawberry.field(description="The point rule applied (积分事项), if any.")
    source_type: str | None = strawberry.field(
        description="What it is for (来源类型): ServiceOrder, ActivitySignup, MicroWish, "
        "PostDuty (a confirmed duty session, 岗位值守), Redemption, PointsExpiry."
    )
    source_id: int | None = strawberry.field(description="Row id of that source (来源编号).")
    note: str | None = strawberry.field(description="Remark (说明).")
    occurred_at: datetime = strawberry.field(description="When (发生时间).")
    community_id: strawberry.Private[int | None]
    reverses_id: strawberry.Private[int | None]
    # (subject, role, organisation) of who made the entry: see schema/actors.py.
    actor: strawberry.Private[tuple[str, str | None, str | None]]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        names = [name for name in _init_field_names(cls) if name != "actor"]  # type: ignore[arg-type]
        actor = (row.actor_subject, row.actor_role, row.actor_organisation)
        return cls(actor=actor, **{name: getattr(row, name) for name in names})

    @strawberry.field(description=ACTOR_SUBJECT_DESCRIPTION)
    def actor_subject(self, info: Info) -> str | None:
        subject, _role, organisation = self.actor
        return shown_subject(info.context.viewer, subject, organisation)

    @strawberry.field(
        description="In which role the entry was made (操作人角色); null on entries from "
        "before roles were recorded."
    )
    def actor_role(self) -> str | None:
        return self.actor[1]

    @strawberry.field(description=ACTOR_LABEL_DESCRIPTION)
    def actor_label(self) -> str:
        return actor_label(self.actor[1], self.actor[2])

    @strawberry.field(description="The community it is credited to (所属社区), if any.")
    async def community(self, info: Info) -> Annotated[Community, strawberry.lazy(_PLACES)] | None:
        from schema.places import Community

        if self.community_id is None:
            return None
        return Community.from_optional_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(description="The entry this one reverses (被冲正的记录), for a reversal.")
    async def reverses(self, info: Info) -> PointsEntry | None:
        if self.reverses_id is None:
            return None
        return PointsEntry.from_optional_row(
            await info.context.community.points_entry_by_id.load(self.reverses_id)
        )

    @strawberry.field(description="Whether this entry reverses another (是否冲正记录).")
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @strawberry.field(description="Changes recorded about the entry (记录), e.g. its reversal.")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, points_admin.ENTRY, self.id)


@strawberry.type(
    description="A member's points (积分): balance, totals and ledger. The balance is the sum "
    "of his entries and never negative."
)
class MemberPoints:
    member_code: strawberry.Private[str]

    async def _totals(self, info: Info, year: int | None) -> Totals:
        return await info.context.community.points.totals.load((self.member_code, year))

    @strawberry.field(description="Current balance (积分余额): the sum of all his entries.")
    async def balance(self, info: Info) -> int:
        return int32((await self._totals(info, None)).balance)

    @strawberry.field(description="Points earned (获得积分), before any reversal.")
    async def earned(self, info: Info, year: Year = None) -> int:
        return int32((await self._totals(info, year)).earned)

    @strawberry.field(description="Points spent in the mall (兑换消费), before any refund.")
    async def spent(self, info: Info, year: Year = None) -> int:
        return int32((await self._totals(info, year)).spent)

    @strawberry.field(description="Net points of reversals (冲正净额), signed.")
    async def reversed(self, info: Info, year: Year = None) -> int:
        return int32((await self._totals(info, year)).reversed)

    @strawberry.field(description="Points that expired (过期积分).")
    async def expired(self, info: Info, year: Year = None) -> int:
        return int32((await self._totals(info, year)).expired)

    @strawberry.field(
        description="His ledger entries (积分流水), newest first; a community sees the "
        "entries credited to it."
    )
    async def entries(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: PointsEntryFilter | None = None,
    ) -> Connection[PointsEntry]:
        return await paginate(
            info, info.context.community.points.entries_of_member, self.member_code,
            PointsEntry.from_row, first=first, after=after,
            order_by=PointsEntryOrder.OCCURRED_AT, direction=OrderDirection.DESC,
            filter=filter or PointsEntryFilter(),
        )  # fmt: skip

    @strawberry.field(description="His redemptions in the points mall (兑换记录), newest first.")
    async def redemptions(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Annotated[Redemption, strawberry.lazy(_MALL)]]:
        from schema.mall import member_redemptions

        return await member_redemptions(info, self.member_code, first=first, after=after)


async def may_see_points(info: Info, member_code: str) -> bool:
    """Himself, the district and the auditor, his unit branch, his community."""
    viewer = info.context.viewer
    if viewer.sees_everything:
        return True
    if viewer.role is Role.MEMBER:
        return viewer.member == member_code
    facts = info.context.community.points.scope.facts
    if viewer.role is Role.UNIT_BRANCH:
        return member_code in await facts.members_of_viewer_unit()
    if viewer.is_community_side:
        return member_code in await facts.members_reported_to_viewer()
    return False


async def member_points(info: Info, member_code: str) -> MemberPoints | None:
    """`Member.points`: null when the viewer may not see them."""
    if not await may_see_points(info, member_code):
        return None
    return MemberPoints(member_code=member_code)


@strawberry.type(description="Root fields of points (积分).")
class PointsQuery:
    @strawberry.field(
        description="Point rules in force (积分规则), by action: the district's values, and "
        "the defaults it has not set. For any signed-in viewer; empty without a token."
    )
    async def point_rules(self, info: Info) -> list[PointRule]:
        if info.context.viewer.role is Role.ANONYMOUS:
            return []
        async with info.context.sources.community.session() as session:
            rules = await points_admin.effective_rules(session)
        return [_rule(info, row, is_default) for row, is_default in rules]


def _rule(info: Info, row: points_models.PointRule, is_default: bool) -> PointRule:
    viewer = info.context.viewer
    return PointRule(action=row.action, name=row.name, points=row.points,
                     updated_by=shown_subject(viewer, row.updated_by, None), updated_at=row.updated_at,
                     is_default=is_default)  # fmt: skip


# --- mutations -------------------------------------------------------------------------


@strawberry.input(description="Set how many points an action earns (设置积分规则).")
class SetPointRuleInput:
    action: str = strawberry.field(description="The action (积分事项), e.g. wish_fulfilled.")
    points: int = strawberry.field(
        metadata=between(0, points_admin.MAX_RULE_POINTS),
        description="Points earned each time (分值), 0 or more.",
    )
    name: str = strawberry.field(description="Its name (规则名称).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Reverse a ledger entry (积分冲正).")
class ReversePointsEntryInput:
    entry_id: relay.GlobalID = strawberry.field(description="The entry (积分流水ID).")
    reason: str = strawberry.field(description="Why (冲正原因), required.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Expire old unspent points of every member (积分过期).")
class ExpirePointsInput:
    before: date = strawberry.field(
        description="Points earned before this day (China time) and not yet spent expire "
        "(截止日期)."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(
    description="Tell members ahead of an expiry how many of their points it takes (积分过期预告)."
)
class AnnouncePointsExpiryInput:
    before: date = strawberry.field(
        description="The cut-off the expiry will use (截止日期): points earned before this day "
        "(China time) and not spent."
    )
    expires_on: date = strawberry.field(
        description="The day the district will run the expiry (过期日期), today or later."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="Result of announcePointsExpiry (积分过期预告结果).")
class AnnouncePointsExpiryPayload:
    members: int = strawberry.field(description="Members told now (本次通知人数).")
    points: int = strawberry.field(
        description="Points those members would lose if the expiry ran today (涉及积分合计)."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of setPointRule (设置积分规则结果).")
class PointRulePayload:
    point_rule: PointRule | None = strawberry.field(description="The rule; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of reversePointsEntry (积分冲正结果).")
class ReversePointsEntryPayload:
    reversal: PointsEntry | None = strawberry.field(
        description="The new reversing entry (冲正记录); null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of expirePoints (积分过期结果).")
class ExpirePointsPayload:
    members: int = strawberry.field(description="Members whose points expired (涉及人数).")
    points: int = strawberry.field(description="Points expired in all (过期积分合计).")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Mutations of points (积分).")
class PointsMutation:
    @strawberry.mutation(
        description="Set how many points an action earns (设置积分规则): the district. "
        "Creates or updates the rule; every change is kept in its history."
    )
    async def set_point_rule(
        self,
        info: Info,
        input: Annotated[SetPointRuleInput, strawberry.argument(description="The rule.")],
    ) -> PointRulePayload:
        action = points_admin.set_rule(info.context, action=input.action,
                                       points_value=input.points, name=input.name)  # fmt: skip
        change = Change(name="setPointRule", entity="PointRule", key=input.client_mutation_id,
                        targets=[input.action], forbidden="只有区委组织部可以设置积分规则。")  # fmt: skip
        return await mutate(
            info, change, PointRulePayload, action,
            lambda row: PointRulePayload(point_rule=_rule(info, row, False)),
            audited=lambda row: Audited("PointRule", [row.action], {"points": str(row.points)}),
        )  # fmt: skip

    @strawberry.mutation(
        description="Reverse a ledger entry (积分冲正): the district, or the community the "
        "entry is credited to. Refused when already reversed (INVALID_STATE), when the points "
        "were already spent (INSUFFICIENT_POINTS), and for mall spending (refund instead)."
    )
    async def reverse_points_entry(
        self,
        info: Info,
        input: Annotated[ReversePointsEntryInput, strawberry.argument(description="The entry.")],
    ) -> ReversePointsEntryPayload:
        entry_id = node_id_of(input.entry_id, "PointsEntry")
        action = (
            not_found(points_admin.ENTRY_NOT_FOUND, "input.entryId") if entry_id is None
            else points_admin.reverse_entry(info.context, entry_id, input.reason)
        )  # fmt: skip
        change = Change(name="reversePointsEntry", entity="PointsEntry",
                        key=input.client_mutation_id, targets=[str(entry_id)],
                        forbidden="只有区委组织部或积分所属社区可以冲正。")  # fmt: skip
        return await mutate(
            info, change, ReversePointsEntryPayload, action,
            lambda row: ReversePointsEntryPayload(reversal=PointsEntry.from_row(row)),
            audited=lambda row: Audited("PointsEntry", [str(entry_id), str(row.id)],
                                        {"reason": input.reason}),
        )  # fmt: skip

    @strawberry.mutation(
        description="Announce an expiry of points ahead of it (积分过期预告): the district. "
        "Each member holding points earned before `before` and not yet spent is notified "
        "(POINTS_EXPIRING) of how many would expire on `expiresOn`, once per cut-off and day: "
        "announcing again tells only members not told yet."
    )
    async def announce_points_expiry(
        self,
        info: Info,
        input: Annotated[
            AnnouncePointsExpiryInput, strawberry.argument(description="The coming expiry.")
        ],
    ) -> AnnouncePointsExpiryPayload:
        change = Change(name="announcePointsExpiry", entity="Notification",
                        key=input.client_mutation_id,
                        forbidden="只有区委组织部可以发布积分过期预告。")  # fmt: skip
        return await mutate(
            info, change, AnnouncePointsExpiryPayload,
            points_admin.announce_expiry(info.context, input.before, input.expires_on),
            lambda done: AnnouncePointsExpiryPayload(members=done.members, points=done.points),
            audited=lambda done: Audited("Notification", [], {
                "before": input.before.isoformat(), "expiresOn": input.expires_on.isoformat(),
                "members": str(done.members), "points": str(done.points),
            }),
        )  # fmt: skip

    @strawberry.mutation(
        description="Expire old points (积分过期): the district. For each member, the points "
        "earned before the date that are still unspent (first in, first out) expire as one "
        "EXPIRE entry; running it again expires nothing more."
    )
    async def expire_points(
        self,
        info: Info,
        input: Annotated[ExpirePointsInput, strawberry.argument(description="The cut-off.")],
    ) -> ExpirePointsPayload:
        change = Change(name="expirePoints", entity="PointsEntry", key=input.client_mutation_id,
                        forbidden="只有区委组织部可以办理积分过期。")  # fmt: skip
        return await mutate(
            info, change, ExpirePointsPayload,
            points_admin.expire_points(info.context, input.before),
            lambda done: ExpirePointsPayload(members=done.members, points=done.points),
            audited=lambda done: Audited("PointsEntry", [], {
                "before": input.before.isoformat(), "members": str(done.members),
                "points": str(done.points),
            }),
        )  # fmt: skip
