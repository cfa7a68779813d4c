"""The seeded points ledger (积分流水) and points mall (积分商城).

Each member's earnings (from `seed_operations`) are replayed in time order; now and then
he redeems an item he can afford with what he has earned so far, so his balance (the sum
of his entries up to any instant) is never negative. A redemption is one SPEND entry; a
refunded one also has a REVERSE entry giving the points back; an item's stock is what is
left after the redemptions that were not refunded. Entry ids follow time, so "the ledger
in id order" and "the ledger in time order" agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter, itemgetter

from datasources.community.points_models import PointsKind, RedemptionStatus
from datasources.community.seed_operations import Earning
from datasources.community.seed_places import CommunityPlace
from datasources.community.seed_serving import HOUR, NOW, START, later
from datasources.seed_data import Row, TableRows, derive_rng, street_address

_SHOPS = ("便民超市", "大药房", "理发店", "粮油店", "书店", "洗衣店", "茶餐厅", "五金店")
_ITEMS = (
    ("纸巾一提", 30), ("洗衣液2kg", 50), ("雨伞", 60), ("保温杯", 80), ("食用油5L", 100),
    ("大米10kg", 120), ("理发券", 40), ("电影票", 150), ("体检套餐", 300), ("绿植盆栽", 45),
    ("儿童绘本", 70), ("家政服务券", 200),
)  # fmt: skip
_REDEEM_ODDS = 0.22  # after each earning, how often a member goes shopping
_REFUND_SHARE = 0.04


@dataclass(slots=True)
class _Item:
    id: int
    merchant_code: str
    name: str
    price: int


def generate_ledger(
    seed: int, places: tuple[CommunityPlace, ...], earnings: list[Earning]
) -> TableRows:
    rng = derive_rng(seed, "mall")
    duty_rng = derive_rng(seed, "mall-duty")
    merchants, items, by_community = _merchants(rng, places)
    district_items = by_community.pop(None, [])
    entries: list[Row] = []
    redemptions: list[tuple[Row, Row | None, Row]] = []
    per_member: dict[str, list[Earning]] = {}
    for earning in earnings:
        per_member.setdefault(earning.member_code, []).append(earning)
    for code in sorted(per_member):
        balance, last = 0, START
        for earning in sorted(per_member[code], key=attrgetter("at")):
            entries.append(_entry(earning.at, code, PointsKind.EARN, earning.points,
                                  earning.action, earning.community_id, earning.source_type,
                                  earning.source_id, earning.actor))  # fmt: skip
            balance += earning.points
            # Shopping after a duty session's points draws from its own stream, so the
            # rest of the mall stays as it was before duty earned points.
            draws = duty_rng if earning.source_type == "PostDuty" else rng
            if draws.random() >= _REDEEM_ODDS:
                continue
            shelf = by_community.get(earning.community_id, []) + district_items
            item = draws.choice(shelf)
            quantity = 2 if item.price * 2 <= balance and draws.random() < 0.1 else 1
            cost = item.price * quantity
            at = later(draws, max(earning.at, last), 1, 24 * 20)
            if cost > balance or at > NOW:
                continue
            balance -= cost
            last = at
            redemption_id = len(redemptions) + 1
            spend = _entry(at, code, PointsKind.SPEND, -cost, None, earning.community_id,
                           "Redemption", redemption_id, f"member:{code}", item.name)  # fmt: skip
            entries.append(spend)
            row: Row = {
                "id": redemption_id, "item_id": item.id, "member_code": code,
                "quantity": quantity, "points": cost, "status": RedemptionStatus.REDEEMED,
                "spend_entry_id": 0, "refund_entry_id": None, "redeemed_at": at,
                "collected_at": None, "refunded_at": None,
            }  # fmt: skip
            refund = None
            refunded = later(draws, at, 1, 120)
            if draws.random() < _REFUND_SHARE and refunded <= NOW:
                refund = _entry(refunded, code, PointsKind.REVERSE, cost, None,
                                earning.community_id, "Redemption", redemption_id,
                                f"merchant:{item.merchant_code}", "商品缺货，积分退还")  # fmt: skip
                entries.append(refund)
                row["status"], row["refunded_at"] = RedemptionStatus.REFUNDED, refunded
            else:
                collected = later(draws, at, 1, 240)
                if collected <= NOW and draws.random() < 0.92:
                    row["status"], row["collected_at"] = RedemptionStatus.COLLECTED, collected
            redemptions.append((spend, refund, row))
    entries.sort(key=itemgetter("occurred_at"))  # stable: a member's own order is kept
    for number, entry in enumerate(entries, start=1):
        entry["id"] = number
    for spend, refund, row in redemptions:
        row["spend_entry_id"] = spend["id"]
        if refund is not None:
            row["refund_entry_id"] = refund["id"]
            refund["reverses_id"] = spend["id"]
    for item_row in items:  # what is left on the shelf after the year's redemptions
        item_row["stock"] = 0 if rng.random() < 0.08 else rng.randint(1, 60)
    return {
        "merchants": merchants,
        "mall_items": items,
        "points_accounts": _accounts(entries),
        "points_entries": entries,
        "redemptions": [row for *_, row in redemptions],
    }


def _merchants(
    rng: random.Random, places: tuple[CommunityPlace, ...]
) -> tuple[list[Row], list[Row], dict[int | None, list[_Item]]]:
    merchants: list[Row] = []
    items: list[Row] = []
    by_community: dict[int | None, list[_Item]] = {}
    homes: list[CommunityPlace | None] = []
    for place in places:
        homes += [place] * max(1, min(5, round(place.households / 4000)))
    homes += [None, None]  # district-wide partners any member may redeem at
    for home in homes:
        merchant_id = len(merchants) + 1
        code = f"MCH{merchant_id:04d}"
        prefix = home.short_name if home is not None else "禅城"
        merchants.append({
            "id": merchant_id, "code": code, "name": f"{prefix}{rng.choice(_SHOPS)}",
            "community_id": home.id if home is not None else None,
            "address": street_address(rng, ""), "active": True,
            "created_at": later(rng, START, -24 * 60, -24),
        })  # fmt: skip
        for name, price in rng.sample(_ITEMS, rng.randint(3, 6)):
            item = _Item(len(items) + 1, code, name, price)
            items.append({
                "id": item.id, "code": f"{code}-{item.id:05d}", "merchant_id": merchant_id,
                "name": name, "description": None, "price_points": price, "stock": 0,
                "active": True, "created_at": merchants[-1]["created_at"] + HOUR,
            })  # fmt: skip
            by_community.setdefault(home.id if home is not None else None, []).append(item)
    return merchants, items, by_community


def _accounts(entries: list[Row]) -> list[Row]:
    opened: dict[str, datetime] = {}
    for entry in entries:  # in time order: the first entry opens the account
        opened.setdefault(entry["member_code"], entry["occurred_at"])
    return [{"member_code": code, "opened_at": at} for code, at in sorted(opened.items())]


def _entry(
    at: datetime,
    member_code: str,
    kind: PointsKind,
    points: int,
    action: str | None,
    community_id: int | None,
    source_type: str,
    source_id: int,
    actor: str,
    note: str | None = None,
) -> Row:
    return {
        "id": 0, "member_code": member_code, "kind": kind, "points": points, "action": action,
        "community_id": community_id, "source_type": source_type, "source_id": source_id,
        "reverses_id": None, "note": note, "actor_subject": actor, "occurred_at": at,
    }  # fmt: skip
