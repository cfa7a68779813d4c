"""Community migration 0020 on a database with rows written at 0018 (before 0019 and
0020): positions take their
holder code as sign-in subject and their unit from the label; buildings take as many units
as their 单元长 name; orders of one-unit buildings are in unit 1, others of an unknown unit;
a demand converted to an order takes its building. Through the API, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL


@pytest.fixture(scope="module", params=BACKENDS)
def old_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "position-scope-migration") as pair:
        yield pair


async def _run(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


_ORDER = (
    "INSERT INTO service_orders (community_id, category_id, demand_id, building_id, title,"
    " ordered_by_subject, ordered_by_role, status, due_at, escalation_level, ordered_at,"
    " evidence) VALUES (:c, :cat, :d, :b, :t, 'community', 'community', 'ordered',"
    " CURRENT_TIMESTAMP, 0, CURRENT_TIMESTAMP, '[]')"
)
_POSITION = (
    "INSERT INTO positions (code, community_id, kind, holder_kind, holder_code, holder_name,"
    " compound_id, building_id, unit_label, starts_on, ends_on, appointed_at) VALUES"
    " (:code, :c, 'unit_leader', 'resident', :holder, '旧单元长', :cp, :b, :label, :s, :e,"
    " CURRENT_TIMESTAMP)"
)
ORDERS = """query($c: String!) { community(code: $c) { orders(first: 100) {
  edges { node { id title } } } } }"""
DEMANDS = "{ demandItems(first: 100) { edges { node { title } } } }"
APPOINT = """mutation($input: AppointPositionInput!) { appointPosition(input: $input) {
  userErrors { code field } position { code unitNumber } } }"""


def _titles(edges: list[dict[str, Any]]) -> set[str]:
    return {e["node"]["title"] for e in edges if e["node"]["title"].startswith("旧")}


async def _seen(viewer: GraphQLClient, community: str) -> set[str]:
    orders = (await viewer.query(ORDERS, {"c": community}))["community"]["orders"]["edges"]
    demands = (await viewer.query(DEMANDS))["demandItems"]["edges"]
    return _titles(orders) | {f"需求:{t}" for t in _titles(demands)}


async def test_rows_written_at_0018_answer_the_new_scope_rules(old_db: DatabasePair) -> None:
    url = old_db.community_url
    await runner.downgrade_async("community", url, "0018")
    ((category,),) = await _run(url, "SELECT min(id) FROM service_categories")
    free = await _run(
        url,
        "SELECT c.id, c.code, b.id, b.code, cp.id, cp.code FROM buildings b JOIN compounds cp"
        " ON cp.id = b.compound_id JOIN communities c ON c.id = cp.community_id WHERE b.id"
        " NOT IN (SELECT building_id FROM positions WHERE building_id IS NOT NULL)"
        " ORDER BY c.code, b.id",
    )
    by_community: dict[str, list[tuple[Any, ...]]] = {}
    for row in free:
        by_community.setdefault(row[1], []).append(row)
    code = next(c for c, rows in sorted(by_community.items()) if len(rows) >= 3)
    places = by_community[code]
    community = places[0][0]
    (b1, cp1), (b2, cp2) = ((r[2], r[4]) for r in places[:2])
    b3, b3_code, cp3_code = places[2][2], places[2][3], places[2][5]
    term = {"s": date(2026, 1, 1), "e": date(2099, 12, 31)}
    await _run(url, _POSITION, code="POS-OLD-2", c=community, holder="r:old-unit2", cp=cp1,
               b=b1, label="2单元", **term)  # fmt: skip
    await _run(url, _POSITION, code="POS-OLD-E", c=community, holder="r:old-east", cp=cp2,
               b=b2, label="东单元", **term)  # fmt: skip
    for building, title in ((b1, "旧一号楼"), (b2, "旧二号楼"), (b3, "旧三号楼")):
        await _run(url, _ORDER, c=community, cat=category, d=None, b=building, t=title)
    await _run(url, "INSERT INTO demand_items (community_id, category_id, title, requester_kind,"
               " requester_name, status, created_at) VALUES (:c, :cat, '旧需求', 'resident',"
               " '张阿姨', 'fulfilled', CURRENT_TIMESTAMP)", c=community, cat=category)  # fmt: skip
    ((demand,),) = await _run(url, "SELECT max(id) FROM demand_items")
    await _run(url, _ORDER, c=community, cat=category, d=demand, b=b3, t="旧需求转订单")

    await runner.upgrade_async("community", url)
    assert await runner.current_async("community", url) == runner.revisions("community")[-1]
    assert await _run(
        url, "SELECT code, holder_subject, holder_issuer, unit_no FROM positions"
        " WHERE code LIKE 'POS-OLD-%' ORDER BY code"
    ) == [("POS-OLD-2", "r:old-unit2", None, 2), ("POS-OLD-E", "r:old-east", None, None)]  # fmt: skip
    assert await _run(url, "SELECT id, entrances FROM buildings WHERE id IN (:a, :b, :c)"
                      " ORDER BY id", a=b1, b=b2, c=b3) == [(b1, 2), (b2, 1), (b3, 1)]  # fmt: skip

    async for hub in client_for(old_db):
        # The old 单元长 of unit 2 signs in as his holder code, nobody else does; the order
        # of his two-unit building names no unit, so it is not his.
        old = hub.as_viewer("position_holder", "r:old-unit2", community=code,
                            position="POS-OLD-2")  # fmt: skip
        assert await _seen(old, code) == set()
        stranger = hub.as_viewer("position_holder", community=code, position="POS-OLD-2")
        response = await stranger.http.post("/graphql", json={"query": "{ viewer { role } }"},
                                            headers=stranger.headers)  # fmt: skip
        assert response.status_code == 401
        # The unreadable label leaves the unit unknown: that 单元长 sees no unit's rows.
        east = hub.as_viewer("position_holder", "r:old-east", community=code,
                             position="POS-OLD-E")  # fmt: skip
        assert await _seen(east, code) == set()
        # In the one-unit building, old orders are in unit 1 and the converted demand is
        # there too: a 单元长 of unit 1 appointed now sees them.
        committee = hub.as_viewer("community", community=code)
        made = (await committee.query(APPOINT, {"input": {
            "kind": "UNIT_LEADER", "holderKind": "RESIDENT", "holderCode": "r:new-unit1",
            "holderName": "新单元长", "compoundCode": cp3_code, "buildingCode": b3_code,
            "unitLabel": "1单元", "startsOn": "2026-01-01", "endsOn": "2099-12-31",
        }}))["appointPosition"]  # fmt: skip
        assert made["userErrors"] == []
        assert made["position"]["unitNumber"] == 1
        new = hub.as_viewer("position_holder", "r:new-unit1", community=code,
                            position=made["position"]["code"])  # fmt: skip
        assert await _seen(new, code) == {"旧三号楼", "旧需求转订单", "需求:旧需求"}

    await runner.downgrade_async("community", url, "0018")
    assert await _run(url, "SELECT unit_label FROM positions WHERE code = 'POS-OLD-E'") == [
        ("东单元",)
    ]
