"""Notifications (消息) and notices (通知公告): the viewer's feed, marking read, publishing.

The feed is read through `viewer { notifications unreadCount notices publishedNotices }`:
`viewer` answers for every role (a resident, a community, a unit), where `me` is the
member alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeAlias

import strawberry
from strawberry import relay

from datasources.community import notification_models as models
from datasources.paging import InvalidCursor
from resolvers import notifications as feed
from schema.base import HubNode, Info, loaded_by
from schema.errors import bad_input
from schema.mutations import Change, UserError, mutate, mutate_node, node_id_of, not_found, refused
from schema.pagination import DEFAULT_PAGE_SIZE, After, Connection, Edge, First, PageInfo

if TYPE_CHECKING:
    from schema.orders import ServiceOrder

strawberry.enum(
    models.NotificationKind,
    description="What a notification is about (消息类型): ORDER_DISPATCHED 派单, ORDER_ACCEPTED "
    "接单, ORDER_DECLINED 拒单, ORDER_CLOSED 结单, ORDER_RATED 已评价, ORDER_CANCELLED 已取消, "
    "ORDER_OVERDUE 超时, ORDER_ESCALATED 督办, REVIEW_WAITING 待审核, ACTIVITY_CHANGED 活动变更, "
    "ACTIVITY_CANCELLED 活动取消, WAITLIST_PROMOTED 候补转正, CHECK_IN_OPEN 签到开始, "
    "WISH_CLAIMED 微心愿被认领, WISH_FULFILLED 微心愿已实现, POINTS_EARNED 获得积分, "
    "POINTS_REVERSED 积分冲正, POINTS_EXPIRED 积分过期, POINTS_EXPIRING 积分即将过期, "
    "REPORT_CONFIRMED 报到已确认, REPORT_RETURNED 报到被退回, EVALUATION_WRITTEN 收到评价, "
    "ACTION_ITEM_DUE 共建事项到期.",
)
strawberry.enum(
    models.NoticeAudience,
    description="Whom a notice is for (通知对象): DISTRICT_ALL 全区 (code: the district), STREET 街道 "
    "(code: the street; its communities' residents, reported members and staff), "
    "COMMUNITY_RESIDENTS 社区居民, COMMUNITY_MEMBERS 社区报到党员, COMMUNITY_PARTNERS 社区共建单位 "
    "(code: the community), GRID 网格 (code: the grid), BRANCH_MEMBERS 单位党员 (code: the unit).",
)
strawberry.enum(
    models.NoticeStatus,
    description="State of a notice (通知状态): PUBLISHED 已发布, WITHDRAWN 已撤回.",
)
NotificationKind: TypeAlias = models.NotificationKind
NoticeAudience: TypeAlias = models.NoticeAudience
NoticeStatus: TypeAlias = models.NoticeStatus

_ORDERS = "schema.orders"


@strawberry.type(
    description="A notification (消息) to the viewer, written with the event it tells of: "
    "read only by its addressee. `objectId` is the global ID of what it is about."
)
class Notification(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.notification_by_id)

    id: relay.NodeID[int]
    kind: NotificationKind = strawberry.field(description="What it is about (消息类型).")
    title: str = strawberry.field(description="Title (标题), in Chinese.")
    text: str = strawberry.field(description="Text (内容), in Chinese.")
    created_at: datetime = strawberry.field(description="When it was written (时间).")
    read_at: datetime | None = strawberry.field(description="When marked read (已读时间).")
    object_type: strawberry.Private[str | None]
    object_id: strawberry.Private[int | None]

    @strawberry.field(description="Whether it is unread (未读).")
    def unread(self) -> bool:
        return self.read_at is None

    @strawberry.field(
        name="objectId",
        description="Global ID of the object it is about (关联对象ID): an order, activity, "
        "signup, report, points entry, evaluation, micro-wish, demand or resource; fetch it "
        "with `node`. Null for none.",
    )
    def linked_id(self) -> relay.GlobalID | None:
        if self.object_type is None or self.object_id is None:
            return None
        return relay.GlobalID(self.object_type, str(self.object_id))

    @strawberry.field(description="The order it is about (关联订单), when it is about one.")
    async def service_order(
        self, info: Info
    ) -> Annotated[ServiceOrder, strawberry.lazy(_ORDERS)] | None:
        from schema.orders import ServiceOrder

        if self.object_type != "ServiceOrder" or self.object_id is None:
            return None
        return ServiceOrder.from_optional_row(
            await info.context.community.order_by_id.load(self.object_id)
        )


@strawberry.type(
    description="A notice (通知公告) an organisation published to an audience: pinned ones "
    "(置顶) first; withdrawn and expired ones leave the audience's feed."
)
class Notice(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.notice_by_id)

    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title (标题).")
    body: str = strawberry.field(description="Text (正文).")
    audience: NoticeAudience = strawberry.field(description="Whom it is for (通知对象).")
    audience_code: str = strawberry.field(
        description="Code of the audience's place or unit (对象编码)."
    )
    pinned: bool = strawberry.field(description="Pinned (置顶).")
    expires_at: datetime | None = strawberry.field(description="Shown until (有效期至).")
    status: NoticeStatus = strawberry.field(description="Its state (状态).")
    published_at: datetime = strawberry.field(description="When published (发布时间).")
    withdrawn_at: datetime | None = strawberry.field(description="When withdrawn (撤回时间).")
    publisher_role: str = strawberry.field(description="Role of the publisher (发布人角色).")
    publisher_organisation: strawberry.Private[str]

    @strawberry.field(
        description="Who published it (发布单位), as kind:code (community:C01, unit:U01, "
        "district:D01)."
    )
    def publisher(self) -> str:
        return self.publisher_organisation

    @strawberry.field(description="Whether the viewer has read it (已读).")
    async def read(self, info: Info) -> bool:
        return self.id in await feed.read_notice_ids(info.context, [self.id])

    @strawberry.field(
        description="How many of its audience read it (已读人数): for the publisher (and the "
        "district); null for others."
    )
    async def read_count(self, info: Info) -> int | None:
        if not feed.publishes(info.context.viewer, self.publisher_organisation):
            return None
        return await feed.read_count(info.context, self.id)

    @strawberry.field(
        description="How many its audience holds (应读人数), for the publisher: the members "
        "reported to the community, its paired units, the unit's members in service; null for "
        "residents, a grid or the district (no list of accounts), and for others."
    )
    async def audience_count(self, info: Info) -> int | None:
        if not feed.publishes(info.context.viewer, self.publisher_organisation):
            return None
        return await feed.audience_count(info.context, self.audience, self.audience_code)


def _check_page(info: Info, first: int) -> None:
    cap = info.context.max_page_size
    if not 0 <= first <= cap:
        raise bad_input("first", f"must be between 0 and {cap} (每页最多 {cap} 条).")


def _connection(page: feed.FeedPage, node: type[Notification] | type[Notice]) -> Connection:  # type: ignore[type-arg]
    edges = [
        Edge(cursor=c, node=node.from_row(r)) for r, c in zip(page.rows, page.cursors, strict=True)
    ]

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next, has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        count=page.count,
    )  # fmt: skip


async def _paged(info: Info, read: object) -> feed.FeedPage:
    try:
        return await read  # type: ignore[misc, no-any-return]
    except InvalidCursor as exc:
        raise bad_input("after", f"is not a cursor of this list ({exc}).") from exc


@strawberry.type
class NotificationFields:
    """Fields of `ViewerInfo` (mixed in): the viewer's own feed."""

    @strawberry.field(description="My notifications (我的消息), newest first; only my own.")
    async def notifications(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None,
        unread_only: Annotated[bool, strawberry.argument(
            description="Only the unread ones (仅未读).")] = False,
    ) -> Connection[Notification]:  # fmt: skip
        _check_page(info, first)
        page = await _paged(info, feed.notifications(info.context, first, after, unread_only))
        return _connection(page, Notification)

    @strawberry.field(description="How many of my notifications are unread (未读消息数).")
    async def unread_count(self, info: Info) -> int:
        return await feed.unread_count(info.context)

    @strawberry.field(
        description="Notices addressed to me (通知公告), in force: pinned first, then newest."
    )
    async def notices(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Notice]:
        _check_page(info, first)
        return _connection(await _paged(info, feed.notices(info.context, first, after)), Notice)

    @strawberry.field(
        description="Notices my organisation published (我发布的通知), withdrawn and expired "
        "ones too, newest first, with their read counts."
    )
    async def published_notices(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Notice]:
        _check_page(info, first)
        return _connection(await _paged(info, feed.published(info.context, first, after)), Notice)


_ECHO = "Echoed in the payload (客户端标识)."


@strawberry.input(description="Mark notifications read (标记已读): some, or all of mine.")
class MarkNotificationsReadInput:
    ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="The notifications (消息ID), at most 100."
    )
    all: bool = strawberry.field(default=False, description="All of mine (全部已读).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="The result of marking notifications read.")
class MarkNotificationsReadPayload:
    marked_count: int = strawberry.field(description="How many became read (本次标记数).")
    unread_count: int = strawberry.field(description="How many stay unread (剩余未读数).")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.input(description="Publish a notice (发布通知公告).")
class PublishNoticeInput:
    title: str = strawberry.field(description="Title (标题), at most 120 characters.")
    body: str = strawberry.field(description="Text (正文), at most 5,000 characters.")
    audience: NoticeAudience = strawberry.field(description="Whom it is for (通知对象).")
    audience_code: str = strawberry.field(
        description="The community, grid, unit or district it is for (对象编码)."
    )
    pinned: bool = strawberry.field(default=False, description="Pin it (置顶).")
    expires_at: datetime | None = strawberry.field(
        default=None, description="Shown until (有效期至); null: until withdrawn."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Withdraw a notice (撤回通知公告).")
class WithdrawNoticeInput:
    notice_id: relay.GlobalID = strawberry.field(description="The notice (通知ID).")
    reason: str | None = strawberry.field(default=None, description="Why (撤回原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.input(description="Mark notices read (通知已读).")
class MarkNoticesReadInput:
    ids: list[relay.GlobalID] = strawberry.field(description="The notices (通知ID), at most 100.")
    client_mutation_id: str | None = strawberry.field(default=None, description=_ECHO)


@strawberry.type(description="The result of publishing or withdrawing a notice.")
class NoticePayload:
    notice: Notice | None = strawberry.field(description="The notice; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


@strawberry.type(description="The result of marking notices read.")
class MarkNoticesReadPayload:
    marked_count: int = strawberry.field(description="How many became read (本次标记数).")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused (业务错误); empty on success."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="As sent.")


def _row_ids(ids: list[relay.GlobalID] | None, type_name: str) -> list[int] | None:
    if ids is None:
        return None
    found = [node_id_of(i, type_name) for i in ids]
    if any(i is None for i in found):
        return None
    return [i for i in found if i is not None]


@strawberry.type(description="Mutations of notifications and notices (消息与通知公告).")
class NotificationsMutation:
    @strawberry.mutation(
        description="Mark my notifications read (标记已读): `ids`, or `all: true`. An id that "
        "is not my notification refuses the call (NOT_FOUND) and nothing changes."
    )
    async def mark_notifications_read(
        self, info: Info,
        input: Annotated[MarkNotificationsReadInput, strawberry.argument(description="Which.")],
    ) -> MarkNotificationsReadPayload:  # fmt: skip
        change = Change(name="markNotificationsRead", entity="Notification",
                        key=input.client_mutation_id, forbidden="只有消息接收人可以标记已读。",
                        targets=[str(i.node_id) for i in input.ids or []])  # fmt: skip
        ids = _row_ids(input.ids, "Notification")
        if input.ids is not None and ids is None:
            return refused(MarkNotificationsReadPayload,
                           not_found("未找到该消息。", "input.ids"), change.key)  # fmt: skip

        count_box: list[int] = []

        async def rule() -> int:
            count = await feed.mark_read(info.context, ids, input.all)
            count_box.append(await feed.unread_count(info.context))
            return count

        return await mutate(
            info, change, MarkNotificationsReadPayload, rule(),
            lambda count: MarkNotificationsReadPayload(marked_count=count,
                                                       unread_count=count_box[0]),
        )  # fmt: skip

    @strawberry.mutation(
        description="Publish a notice (发布通知公告) to an audience: the district to any; a "
        "community to its own residents, reported members, grids and partner units; a grid's "
        "workers or branch secretary to their grid; a unit's Party organisation to its "
        "members. Other audiences: FORBIDDEN."
    )
    async def publish_notice(
        self, info: Info,
        input: Annotated[PublishNoticeInput, strawberry.argument(description="The notice.")],
    ) -> NoticePayload:  # fmt: skip
        change = Change(name="publishNotice", entity="Notice", key=input.client_mutation_id,
                        forbidden="无权向该对象发布通知公告。",
                        detail={"audience": input.audience.value,
                                "audienceCode": input.audience_code})  # fmt: skip
        return await mutate(
            info, change, NoticePayload,
            feed.publish(info.context, title=input.title, body=input.body,
                         audience=input.audience, audience_code=input.audience_code,
                         pinned=input.pinned, expires_at=input.expires_at),
            lambda row: NoticePayload(notice=Notice.from_row(row)),
        )  # fmt: skip

    @strawberry.mutation(
        description="Withdraw a notice (撤回通知公告): the organisation that published it. It "
        "is kept with its history; its audience no longer sees it."
    )
    async def withdraw_notice(
        self, info: Info,
        input: Annotated[WithdrawNoticeInput, strawberry.argument(description="The notice.")],
    ) -> NoticePayload:  # fmt: skip
        change = Change(name="withdrawNotice", entity="Notice", key=input.client_mutation_id,
                        forbidden="只有发布单位可以撤回通知公告。")  # fmt: skip
        return await mutate_node(
            info, change, NoticePayload, input.notice_id,
            lambda notice_id: feed.withdraw(info.context, notice_id, input.reason),
            lambda row: NoticePayload(notice=Notice.from_row(row)),
            unknown=not_found("未找到该通知公告。", "input.noticeId"),
        )  # fmt: skip

    @strawberry.mutation(
        description="Mark notices addressed to me read (通知已读), once each; a notice not "
        "in my feed refuses the call (NOT_FOUND)."
    )
    async def mark_notices_read(
        self, info: Info,
        input: Annotated[MarkNoticesReadInput, strawberry.argument(description="Which.")],
    ) -> MarkNoticesReadPayload:  # fmt: skip
        change = Change(name="markNoticesRead", entity="Notice", key=input.client_mutation_id,
                        forbidden="请先登录。",
                        targets=[str(i.node_id) for i in input.ids])  # fmt: skip
        ids = _row_ids(input.ids, "Notice")
        if ids is None:
            return refused(MarkNoticesReadPayload,
                           not_found("未找到该通知公告。", "input.ids"), change.key)  # fmt: skip
        return await mutate(
            info, change, MarkNoticesReadPayload, feed.mark_notices_read(info.context, ids),
            lambda count: MarkNoticesReadPayload(marked_count=count),
        )  # fmt: skip
