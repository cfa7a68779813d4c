"""Seeded notifications (消息) and notices (通知公告), so the demo's feeds are not empty.

Notifications are derived from the seeded orders as the workflows would have written them:
the taker told of each dispatch, the resident-side community told of each closing, the
serving member told of each rating. Each community publishes two notices (one pinned) to
its residents and one to its reported members; the first community's first grid one to
its grid. No randomness: the rows follow from the orders and places alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from datasources.community.notification_models import (
    NoticeAudience,
    NoticeStatus,
    NotificationKind,
)
from datasources.community.order_models import OrderStatus, TakerKind
from datasources.seed_data import Row, TableRows

_PUBLISHED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
_READ_BEFORE = datetime(2026, 11, 1, tzinfo=UTC)  # older notifications are already read
_DONE = (OrderStatus.RATED, OrderStatus.CONFIRMED)


def generate_notifications(rows: TableRows) -> TableRows:
    community_code = {row["id"]: row["code"] for row in rows["communities"]}
    notifications: list[Row] = []

    def add(addressee: str, kind: NotificationKind, title: str, text: str, order: Row,
            at: datetime) -> None:  # fmt: skip
        notifications.append({
            "id": len(notifications) + 1, "addressee": addressee, "kind": kind,
            "title": title, "text": text, "object_type": "ServiceOrder",
            "object_id": order["id"], "dedupe_key": None, "created_at": at,
            "read_at": at if at < _READ_BEFORE else None,
        })  # fmt: skip

    for order in sorted(rows["service_orders"], key=lambda r: r["id"]):
        title = order["title"]
        if order["dispatched_at"] is not None and order["taker_code"] is not None:
            noun = "member" if order["taker_kind"] is TakerKind.MEMBER else "unit"
            add(f"{noun}:{order['taker_code']}", NotificationKind.ORDER_DISPATCHED, "新的派单",
                f"社区向您派发了服务订单「{title}」，请及时接单。", order,
                order["dispatched_at"])  # fmt: skip
        if order["closed_at"] is not None:
            add(f"community:{community_code[order['community_id']]}",
                NotificationKind.ORDER_CLOSED, "订单已结单",
                f"服务订单「{title}」已完成服务并结单，请评价。", order,
                order["closed_at"])  # fmt: skip
        if order["status"] in _DONE and order["member_code"]:
            at = order["rated_at"] or order["confirmed_at"] or order["closed_at"]
            add(f"member:{order['member_code']}", NotificationKind.ORDER_RATED, "订单已评价",
                f"您服务的订单「{title}」已评价，获得积分。", order, at)  # fmt: skip

    notices: list[Row] = []

    def notice(audience: NoticeAudience, code: str, title: str, body: str, pinned: bool,
               hours: int) -> None:  # fmt: skip
        community = code if audience is not NoticeAudience.GRID else code.split("/")[0]
        notices.append({
            "id": len(notices) + 1, "title": title, "body": body, "audience": audience,
            "audience_code": code.split("/")[-1], "publisher_organisation":
            f"community:{community}", "publisher_subject": f"seed:{community}",
            "publisher_role": "community", "pinned": pinned, "expires_at": None,
            "status": NoticeStatus.PUBLISHED,
            "published_at": _PUBLISHED.replace(hour=hours % 24), "withdrawn_at": None,
        })  # fmt: skip

    for index, community in enumerate(sorted(rows["communities"], key=lambda r: r["id"])):
        code, name = community["code"], community["name"]
        notice(NoticeAudience.COMMUNITY_RESIDENTS, code, f"{name}冬季消防安全提示",
               "请勿在楼道堆放杂物，电动自行车不得入户充电。", True, index)  # fmt: skip
        notice(NoticeAudience.COMMUNITY_RESIDENTS, code, f"{name}便民服务日安排",
               "本月第三个周六上午，社区广场提供义诊、理发、家电维修。", False, index + 1)  # fmt: skip
        notice(NoticeAudience.COMMUNITY_MEMBERS, code, "在职党员志愿服务安排",
               "请报到党员于本月底前认领一次志愿服务岗位。", False, index + 2)  # fmt: skip
    grids = sorted(rows.get("grids", []), key=lambda r: r["id"])
    if grids:
        grid = grids[0]
        notice(NoticeAudience.GRID, f"{community_code[grid['community_id']]}/{grid['code']}",
               "网格走访通知", "网格员本周将入户走访，核对人口信息。", False, 3)  # fmt: skip
    return {"notifications": notifications, "notices": notices, "notice_reads": []}
