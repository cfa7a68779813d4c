"""Seeded data for the personal-field tests (import the `*_fixture` names to use them): the small set, plus rows that give every cell of
docs/access.md's personal-field table something to show, and one member who withholds his
phone and skills from the community side. Ground truth is read back with plain SQL."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.test_access import Case, matrix
from tests.world import World, load_world

EVENTS = """query($op: String!) { auditEvents(first: 100, filter: {operationName: $op}) {
  edges { node { kind targetType targetIds fields detail } } } }"""


@dataclass
class Facts:
    """Ground truth the tests compare the API with."""

    world: World
    cases: dict[str, Case]
    withholder: str  # reported to the cases' community, in the grid; withholds both
    names: dict[str, str] = field(default_factory=dict)
    phones: dict[str, str | None] = field(default_factory=dict)
    member_skills: dict[str, list[str]] = field(default_factory=dict)
    report_skills: dict[str, list[str]] = field(default_factory=dict)  # active reports
    # (type, database id) -> stored resident name
    resident_names: dict[tuple[str, str], str | None] = field(default_factory=dict)


def global_id_key(type_name: str, global_id: str) -> str:
    """The database id inside a Relay global id (base64 of `Type:id`)."""
    kind, _, raw = base64.b64decode(global_id).decode().partition(":")
    assert kind == type_name, (kind, type_name)
    return raw


@pytest.fixture(name="personal_db", scope="module", params=BACKENDS)
def personal_db_fixture(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "personal") as pair:
        asyncio.run(_cover(pair))
        yield pair


@pytest.fixture(name="facts")
async def facts_fixture(personal_db: DatabasePair) -> Facts:
    world = await load_world(personal_db)
    cases = matrix(world)
    found = Facts(world, cases, _withholder(world, cases))
    for url, loader in ((personal_db.units_url, _units), (personal_db.community_url, _community)):
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(loader, found)
        finally:
            await engine.dispose()
    return found


@pytest.fixture(name="hub")
async def hub_fixture(personal_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(personal_db):
        yield client


def _withholder(world: World, cases: dict[str, Case]) -> str:
    """A member both the community and the grid secretary read, other than the member case."""
    return sorted(cases["grid"].members - {cases["member"].scope["member"]})[0]


async def _cover(pair: DatabasePair) -> None:
    await _house_the_member(pair)
    world = await load_world(pair)
    cases = matrix(world)
    community = cases["community"].scope["community"]
    member, unit = cases["member"].scope["member"], cases["unit"].scope["unit"]
    now = datetime(2026, 3, 1, tzinfo=UTC)
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            ids = {
                name: (await conn.execute(text(sql), params)).scalar_one()
                for name, sql, params in (
                    ("community", "SELECT id FROM communities WHERE code = :c", {"c": community}),
                    ("category", "SELECT min(id) FROM service_categories", {}),
                )
            }
            rows: list[tuple[str, dict[str, Any]]] = [
                ("INSERT INTO demand_items (community_id, category_id, title, requester_kind,"
                 " requester_name, status, created_at) VALUES (:c, :k, '个人信息用例',"
                 " 'resident', '张阿姨', 'published', :t)", {}),
                ("INSERT INTO micro_wishes (community_id, category_id, title, beneficiary_name,"
                 " status, created_at) VALUES (:c, :k, '个人信息用例', '王奶奶', 'published', :t)",
                 {}),
                *[
                    ("INSERT INTO service_orders (community_id, category_id, title,"
                     " ordered_by_subject, ordered_by_role, beneficiary_name, status, taker_kind,"
                     " taker_code, member_code, due_at, escalation_level, ordered_at, evidence)"
                     " VALUES (:c, :k, '个人信息用例', 'test-community', 'community', :b,"
                     " 'accepted', :tk, :tc, :m, :t, 0, :t, '[]')",
                     {"b": name, "tk": kind, "tc": taker, "m": serving})
                    for name, kind, taker, serving in (
                        ("李大爷", "member", member, member), ("赵大姐", "unit", unit, None))
                ],
                ("INSERT INTO privacy_preferences (member_code, share_phone_with_community,"
                 " share_skills_with_community, updated_at) VALUES (:w, false, false, :t)",
                 {"w": _withholder(world, cases)}),
            ]  # fmt: skip
            for sql, extra in rows:
                params = {"c": ids["community"], "k": ids["category"], "t": now, **extra}
                await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


async def _house_the_member(pair: DatabasePair) -> None:
    """Give the member case's report a building, so his own home has a value to show."""
    cases = matrix(await load_world(pair))
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE reports SET building_id = (SELECT min(b.id) FROM buildings b"
                    " JOIN compounds k ON k.id = b.compound_id WHERE k.community_id ="
                    " reports.community_id) WHERE member_code = :m AND building_id IS NULL"
                ),
                {"m": cases["member"].scope["member"]},
            )
    finally:
        await engine.dispose()


def _units(conn: Connection, found: Facts) -> None:
    for code, name, phone, skills in conn.execute(
        text("SELECT code, name, phone, skills FROM members")
    ):
        found.names[code] = name
        found.phones[code] = phone
        found.member_skills[code] = list(_json(skills) or [])


def _community(conn: Connection, found: Facts) -> None:
    for code, skill in conn.execute(
        text(
            "SELECT r.member_code, s.skill FROM report_skills s JOIN reports r ON r.id = s.report_id"
            " WHERE r.status IN ('pending', 'confirmed')"
        )
    ):
        found.report_skills.setdefault(code, []).append(skill)
    for type_name, sql in (
        ("DemandItem", "SELECT id, requester_name FROM demand_items"),
        ("MicroWish", "SELECT id, beneficiary_name FROM micro_wishes"),
        ("ServiceOrder", "SELECT id, beneficiary_name FROM service_orders"),
    ):
        for row_id, name in conn.execute(text(sql)):
            found.resident_names[(type_name, str(row_id))] = name


def _json(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value


async def audited(hub: GraphQLClient, operation: str) -> list[dict[str, Any]]:
    """READ_PERSONAL events of one operation, as the auditor reads them."""
    data = await hub.as_viewer("auditor").query(EVENTS, {"op": operation})
    return [e["node"] for e in data["auditEvents"]["edges"] if e["node"]["kind"] == "READ_PERSONAL"]


async def run(
    client: GraphQLClient, operation: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """Send `query` as the named operation `operation` (so its audit events can be found)."""
    assert query.startswith("query"), query
    document = f"query {operation}{query.removeprefix('query')}"
    response = await client.http.post(
        "/graphql",
        json={"query": document, "variables": variables, "operationName": operation},
        headers=client.headers,
    )
    body: dict[str, Any] = response.json()
    return body
