"""Notifications (消息) and notices (通知公告) of the community side.

A notification is written in the transaction of the event that causes it, for one
addressee (`datasources.community.notifications` keys them); a notice is published by an
organisation to an audience and read by everyone in it. Neither is ever deleted: a
notification is marked read, a notice withdrawn.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import str_enum, timestamp, utcnow
from datasources.community.models import CommunityBase


class NotificationKind(enum.Enum):
    ORDER_DISPATCHED = "order_dispatched"  # 订单派给我
    ORDER_ACCEPTED = "order_accepted"  # 订单已接单
    ORDER_DECLINED = "order_declined"  # 订单被拒单
    ORDER_CLOSED = "order_closed"  # 订单已结单
    ORDER_RATED = "order_rated"  # 订单已评价
    ORDER_CANCELLED = "order_cancelled"  # 订单已取消
    ORDER_OVERDUE = "order_overdue"  # 订单超时
    ORDER_ESCALATED = "order_escalated"  # 订单被督办
    REVIEW_WAITING = "review_waiting"  # 需求/资源待审核
    ACTIVITY_CHANGED = "activity_changed"  # 活动变更
    ACTIVITY_CANCELLED = "activity_cancelled"  # 活动取消
    WAITLIST_PROMOTED = "waitlist_promoted"  # 候补转正
    CHECK_IN_OPEN = "check_in_open"  # 签到开始
    WISH_CLAIMED = "wish_claimed"  # 微心愿被认领
    WISH_FULFILLED = "wish_fulfilled"  # 微心愿已实现
    POINTS_EARNED = "points_earned"  # 获得积分
    POINTS_REVERSED = "points_reversed"  # 积分冲正
    POINTS_EXPIRED = "points_expired"  # 积分过期（区委组织部执行过期）
    POINTS_EXPIRING = "points_expiring"  # 积分即将过期（区委组织部预告）
    REPORT_CONFIRMED = "report_confirmed"  # 报到已确认
    REPORT_RETURNED = "report_returned"  # 报到被退回
    EVALUATION_WRITTEN = "evaluation_written"  # 收到评价
    ACTION_ITEM_DUE = "action_item_due"  # 共建事项到期


class Notification(CommunityBase):
    """One message to one addressee (消息): e.g. `member:M001`, `person:<identity key>`,
    `unit:U01`, `community:C01`, `grid:G01` (see `notifications.addressees_of`)."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The feed: the addressee's newest first, read by keyset (created_at, id).
        Index("ix_notifications_addressee_time", "addressee", "created_at", "id"),
        # A sweep notifies an object of one kind once: the key is set only by sweeps.
        UniqueConstraint("dedupe_key", name="uq_notifications_dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    addressee: Mapped[str] = mapped_column(String(120))
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, "notification_kind"))
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    object_type: Mapped[str | None] = mapped_column(String(40))  # a GraphQL type name
    object_id: Mapped[int | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(timestamp())


class NoticeAudience(enum.Enum):
    DISTRICT_ALL = "district_all"  # 全区（区委组织部发布）
    STREET = "street"  # 街道（其下各社区的居民、报到党员与社区工作人员）
    COMMUNITY_RESIDENTS = "community_residents"  # 社区居民
    COMMUNITY_MEMBERS = "community_members"  # 社区报到党员
    GRID = "grid"  # 网格（居民与网格工作人员）
    COMMUNITY_PARTNERS = "community_partners"  # 社区共建单位
    BRANCH_MEMBERS = "branch_members"  # 单位（支部）党员


class NoticeStatus(enum.Enum):
    PUBLISHED = "published"  # 已发布
    WITHDRAWN = "withdrawn"  # 已撤回


class Notice(CommunityBase):
    """A notice (通知公告) an organisation publishes to an audience; withdrawn, not deleted."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_audience", "audience", "audience_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    audience: Mapped[NoticeAudience] = mapped_column(str_enum(NoticeAudience, "notice_audience"))
    audience_code: Mapped[str] = mapped_column(String(40))  # the community, grid, unit, ...
    publisher_organisation: Mapped[str] = mapped_column(String(120))  # Viewer.organisation
    publisher_subject: Mapped[str] = mapped_column(String(120))
    publisher_role: Mapped[str] = mapped_column(String(32))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(timestamp())
    status: Mapped[NoticeStatus] = mapped_column(
        str_enum(NoticeStatus, "notice_status"), default=NoticeStatus.PUBLISHED
    )
    published_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(timestamp())


class NoticeRead(CommunityBase):
    """Who read a notice (已读), by reader identity key, once."""

    __tablename__ = "notice_reads"
    __table_args__ = (UniqueConstraint("notice_id", "reader", name="uq_notice_reads_reader"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    reader: Mapped[str] = mapped_column(String(64))  # Viewer.identity_key
    read_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
