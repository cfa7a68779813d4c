"""A member's service timeline (服务纪实): every kind of record, newest first, scoped."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.community.activity_models import Activity, ActivitySignup
from datasources.community.duty_models import PostDuty
from datasources.community.models import (
    Community,
    MicroWish,
    Post,
    PostClaim,
    ServiceCategory,
)
from datasources.community.order_models import ServiceOrder
from datasources.community.points_models import PointsAccount, PointsEntry
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("timeline")

# Records of the future, so the seeded year of activity never mixes in.
T0 = datetime(2031, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in China
SINCE_2031 = {"since": "2031-01-01"}

TIMELINE = """query($code: String!, $first: Int, $after: String, $filter: TimelineFilter) {
  member(code: $code) { timeline(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { kind occurredAt title status hours rating points recordId isService
                   community { code } } } } } }"""


async def _insert_records(pair: DatabasePair, member: str) -> dict[str, int]:
    """One record of each kind for `member` in C001, and an order in C002 (he moved)."""
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            ids = {
                code: (
                    await conn.execute(select(Community.id).where(Community.code == code))
                ).scalar_one()
                for code in ("C001", "C002")
            }
            category = (await conn.execute(select(ServiceCategory.id).limit(1))).scalar_one()

            async def add(model: Any, **values: Any) -> int:
                result = await conn.execute(insert(model).values(**values).returning(model.id))
                return int(result.scalar_one())

            def order(community: int, title: str, closed: datetime, **extra: Any) -> Any:
                return add(
                    ServiceOrder, community_id=community, category_id=category, title=title,
                    ordered_by_subject="resident:1", ordered_by_role="resident",
                    status="rated", taker_kind="member", taker_code=member, member_code=member,
                    due_at=closed, ordered_at=closed - timedelta(days=1),
                    accepted_at=closed - timedelta(hours=5), closed_at=closed, evidence=[],
                    **extra,
                )  # fmt: skip

            made = {
                "order": await order(ids["C001"], "助老理发", T0, hours=Decimal("1.5"), rating=5),
                "moved": await order(ids["C002"], "旧社区送药", T0 - timedelta(days=30)),
            }
            activity = await add(
                Activity, community_id=ids["C001"], category_id=category, title="垃圾分类宣传",
                place="社区广场", starts_at=T0 + timedelta(days=1),
                ends_at=T0 + timedelta(days=1, hours=2), capacity=10, points_per_attendance=5,
                status="certified",
            )  # fmt: skip
            made["activity"] = await add(
                ActivitySignup, activity_id=activity, member_code=member, status="certified",
                hours=Decimal("2.0"),
            )  # fmt: skip
            post = await add(
                Post, code=f"P-TL-{member}", community_id=ids["C001"], category_id=category,
                title="楼道文明劝导岗", capacity=3, status="open",
            )  # fmt: skip
            made["post"] = await add(
                PostClaim, post_id=post, member_code=member, status="active",
                claimed_at=T0 + timedelta(days=2),
            )  # fmt: skip
            made["wish"] = await add(
                MicroWish, community_id=ids["C001"], title="一台助听器", beneficiary_name="王秀英",
                status="claimed", claimed_by=member, claimed_at=T0 + timedelta(days=3),
            )  # fmt: skip
            made["duty"] = await add(
                PostDuty, post_id=post, claim_id=made["post"], member_code=member,
                starts_at=T0 + timedelta(days=2, hours=1), ends_at=T0 + timedelta(days=2, hours=3),
                hours=Decimal("2.00"), status="confirmed", recorded_by=member,
                recorded_at=T0 + timedelta(days=2, hours=4), decided_by_role="community",
                decided_at=T0 + timedelta(days=2, hours=5),
            )  # fmt: skip
            account = select(PointsAccount.member_code).where(PointsAccount.member_code == member)
            if (await conn.execute(account)).first() is None:  # seeded points open it
                await conn.execute(insert(PointsAccount).values(member_code=member))
            made["points"] = await add(
                PointsEntry, member_code=member, kind="earn", points=10,
                action="order_completed", community_id=ids["C001"], source_type="ServiceOrder",
                source_id=made["order"], actor_subject="community:C001",
                occurred_at=T0 + timedelta(days=4),
            )  # fmt: skip
            return made
    finally:
        await engine.dispose()


@pytest.fixture
async def member(hub: GraphQLClient, workflow_db: DatabasePair) -> tuple[str, Any]:
    [code] = await supporters(hub, "C001", 1)
    return code, await _insert_records(workflow_db, code)


async def _timeline(viewer: GraphQLClient, code: str, **variables: Any) -> dict[str, Any]:
    data = await viewer.query(TIMELINE, {"code": code, "filter": SINCE_2031, **variables})
    assert data["member"] is not None
    found: dict[str, Any] = data["member"]["timeline"]
    return found


async def test_every_kind_of_record_newest_first(
    hub: GraphQLClient, member: tuple[str, Any]
) -> None:
    code, _made = member
    me = hub.as_viewer("member", member=code)
    page = await _timeline(me, code, first=20)
    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["kind"] for n in nodes] == [
        "POINTS", "WISH", "DUTY", "POST", "ACTIVITY", "ORDER", "ORDER",
    ]  # fmt: skip
    assert page["totalCount"] == 7
    points, wish, duty, post, activity, order, moved = nodes
    # A post claim is an event, never a service; its confirmed duty session is one.
    assert (post["isService"], duty["isService"]) == (False, True)
    assert (duty["title"], duty["status"], float(duty["hours"])) == (
        "楼道文明劝导岗",
        "confirmed",
        2.0,
    )
    assert [n["isService"] for n in (points, wish, activity, order, moved)] == [
        False, False, True, True, True,
    ]  # fmt: skip
    assert (points["points"], points["status"]) == (10, "earn")
    assert (wish["title"], post["title"], activity["title"]) == (
        "一台助听器", "楼道文明劝导岗", "垃圾分类宣传"
    )  # fmt: skip
    assert (activity["hours"], activity["status"]) == ("2.0", "certified")
    assert (order["hours"], order["rating"], order["community"]) == ("1.5", 5, {"code": "C001"})
    assert moved["community"] == {"code": "C002"}
    occurred = [n["occurredAt"] for n in nodes]
    assert occurred == sorted(occurred, reverse=True)
    # Each entry names its record by a global ID of the record's type.
    kinds = {n["kind"]: n["recordId"] for n in nodes[:6]}
    assert set(kinds) == {"POINTS", "WISH", "DUTY", "POST", "ACTIVITY", "ORDER"}
    assert base64.b64decode(kinds["DUTY"]).decode() == f"PostDuty:{_made['duty']}"
    services = await _timeline(me, code, first=20, filter={**SINCE_2031, "services": True})
    assert [e["node"]["kind"] for e in services["edges"]] == ["DUTY", "ACTIVITY", "ORDER", "ORDER"]


async def test_pages_with_cursors_and_filters(hub: GraphQLClient, member: tuple[str, Any]) -> None:
    code, _made = member
    me = hub.as_viewer("member", member=code)
    first = await _timeline(me, code, first=4)
    assert len(first["edges"]) == 4
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await _timeline(me, code, first=4, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["kind"] for e in rest["edges"]] == ["ACTIVITY", "ORDER", "ORDER"]
    assert rest["pageInfo"]["hasNextPage"] is False

    only = await _timeline(me, code, first=10, filter={**SINCE_2031, "kinds": ["ORDER"]})
    assert [e["node"]["title"] for e in only["edges"]] == ["助老理发", "旧社区送药"]
    window = await _timeline(
        me, code, first=10, filter={"since": "2031-03-02", "until": "2031-03-04"}
    )
    assert [e["node"]["kind"] for e in window["edges"]] == ["DUTY", "POST", "ACTIVITY"]


ORDER_NODE = """query($id: ID!) { node(id: $id) { ... on ServiceOrder { title
  community { code } } } }"""
WHO = "query($c: String!) { member(code: $c) { unit { code } branch { code } } }"


def _order_id(row_id: int) -> str:
    return base64.b64encode(f"ServiceOrder:{row_id}".encode()).decode()


async def test_each_viewer_sees_the_records_he_may_see(
    hub: GraphQLClient, member: tuple[str, Any]
) -> None:
    code, made = member
    # The old community may not read him (his active report is to C001), so not his
    # timeline either; it still finds the order he served there, and not the one in C001.
    old = hub.as_viewer("community", community="C002")
    page = await old.query(TIMELINE, {"code": code, "filter": SINCE_2031, "first": 20})
    assert page["member"] is None
    moved = await old.query(ORDER_NODE, {"id": _order_id(made["moved"])})
    assert moved["node"] == {"title": "旧社区送药", "community": {"code": "C002"}}
    assert (await old.query(ORDER_NODE, {"id": _order_id(made["order"])}))["node"] is None
    # His current community sees its own records, not the order of the old community.
    current = hub.as_viewer("community", community="C001")
    nodes = [e["node"] for e in (await _timeline(current, code, first=20))["edges"]]
    assert [n["kind"] for n in nodes] == ["POINTS", "WISH", "DUTY", "POST", "ACTIVITY", "ORDER"]
    assert {n["community"]["code"] for n in nodes} == {"C001"}
    assert "旧社区送药" not in {n["title"] for n in nodes}
    # His unit branch answers for him in both communities: every record.
    who = (await hub.query(WHO, {"c": code}))["member"]
    branch = hub.as_viewer("unit_branch", unit=who["unit"]["code"], branch=who["branch"]["code"])
    nodes = [e["node"] for e in (await _timeline(branch, code, first=20))["edges"]]
    assert [n["kind"] for n in nodes] == [
        "POINTS", "WISH", "DUTY", "POST", "ACTIVITY", "ORDER", "ORDER",
    ]  # fmt: skip
    assert {n["community"]["code"] for n in nodes} == {"C001", "C002"}
    # Another member cannot read him at all.
    [other] = await supporters(hub, "C001", 1)
    stranger = hub.as_viewer("member", member=other)
    assert (await stranger.query(TIMELINE, {"code": code, "first": 5}))["member"] is None


async def test_statements_do_not_grow_with_members(hub: GraphQLClient) -> None:
    query = """query($n: Int!) { community(code: "C001") { supporters(first: $n) { edges {
      node { member { timeline(first: 5) { totalCount edges { node {
        kind title community { name } } } } } } } } } }"""
    few = await hub.statements(query, {"n": 2})
    many = await hub.statements(query, {"n": 40})
    assert few == many
    assert many["community"] <= 5
