"""Points (积分) through the API: rules as data, who sees a member's ledger, reversal and
expiry (first in, first out), and the `dualhub points expire` command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner

from datasources.community.points_models import PointsKind
from gateway.cli import main
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.points_helpers import ledger_sum, points_of, set_balance, write_entries
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("points")

RULES = (
    "{ pointRules { action name points isDefault updatedBy history { fromState toState note } } }"
)
SET_RULE = """mutation($input: SetPointRuleInput!) { setPointRule(input: $input) {
  clientMutationId userErrors { code message field } pointRule { action name points isDefault } } }"""
REVERSE = """mutation($input: ReversePointsEntryInput!) { reversePointsEntry(input: $input) {
  userErrors { code message field } reversal { id kind points reverses { id } } } }"""
EXPIRE = """mutation($input: ExpirePointsInput!) { expirePoints(input: $input) {
  members points userErrors { code message field } } }"""
ENTRY_HISTORY = """query($id: ID!) { node(id: $id) { ... on PointsEntry { kind points
  history { fromState toState note actorRole } } } }"""


async def _community_id(pair: DatabasePair, code: str) -> int:
    return await count(pair, "SELECT id FROM communities WHERE code = :c", c=code)


def _gid(kind: str, row_id: int) -> str:
    import base64

    return base64.b64encode(f"{kind}:{row_id}".encode()).decode()


async def test_rules_are_data_the_district_sets(hub: GraphQLClient) -> None:
    member = hub.as_viewer("member", member="M-nobody")
    rules = {r["action"]: r for r in (await member.query(RULES))["pointRules"]}
    assert rules["wish_fulfilled"]["points"] == 5
    assert rules["wish_fulfilled"]["isDefault"] is True
    assert (await hub.anonymous().query(RULES))["pointRules"] == []

    district = hub.as_viewer("district", district="D01")
    fields = {"action": "order_completed", "points": 12, "name": "完成点单服务",
              "clientMutationId": "rule-1"}  # fmt: skip
    payload = (await district.query(SET_RULE, {"input": fields}))["setPointRule"]
    assert payload["userErrors"] == []
    assert payload["pointRule"] == {"action": "order_completed", "name": "完成点单服务",
                                    "points": 12, "isDefault": False}  # fmt: skip
    again = (await district.query(SET_RULE, {"input": {**fields, "points": 15}}))["setPointRule"]
    assert again["pointRule"]["points"] == 15
    rules = {r["action"]: r for r in (await member.query(RULES))["pointRules"]}
    assert rules["order_completed"]["points"] == 15
    assert rules["order_completed"]["isDefault"] is False
    assert rules["order_completed"]["history"] == [
        {"fromState": "10", "toState": "12", "note": "order_completed"},
        {"fromState": "12", "toState": "15", "note": "order_completed"},
    ]
    negative = await district.query(SET_RULE, {"input": {**fields, "points": -1}})
    assert negative["setPointRule"]["userErrors"][0]["code"] == "INVALID_INPUT"
    assert negative["setPointRule"]["userErrors"][0]["field"] == "input.points"
    for role, scope in [("community", {"community": "C001"}), ("member", {"member": "M1"}),
                        ("auditor", {}), ("unit_branch", {"unit": "U0001"})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(SET_RULE, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role


async def test_who_sees_a_members_points(hub: GraphQLClient, workflow_db: DatabasePair) -> None:
    [member] = await supporters(hub, "C001", 1)
    c001, c002 = await _community_id(workflow_db, "C001"), await _community_id(workflow_db, "C002")
    balance = await ledger_sum(workflow_db, member)  # seeded activity, if any
    entries = await count(
        workflow_db, "SELECT count(*) FROM points_entries WHERE member_code = :m", m=member
    )
    ten, seven, three = (
        _gid("PointsEntry", row_id)
        for row_id in await write_entries(
            workflow_db,
            {"member_code": member, "kind": PointsKind.EARN, "points": 10, "community_id": c001,
             "action": "order_completed"},
            {"member_code": member, "kind": PointsKind.EARN, "points": 7, "community_id": c002},
            {"member_code": member, "kind": PointsKind.EARN, "points": 3,
             "occurred_at": datetime(2019, 6, 1, tzinfo=UTC)},
        )
    )  # fmt: skip
    unit = (await hub.query("query($m: String!) { member(code: $m) { unit { code } } }",
                            {"m": member}))["member"]["unit"]["code"]  # fmt: skip

    def ids(seen: dict[str, Any]) -> list[str]:
        return [e["node"]["id"] for e in seen["entries"]["edges"]]

    mine = await points_of(hub.as_viewer("member", member=member), member)
    assert mine["balance"] == balance + 20
    assert mine["entries"]["totalCount"] == entries + 3
    assert ids(mine)[:2] == [seven, ten]  # newest first
    for role, scope in [("district", {"district": "D01"}), ("auditor", {}),
                        ("unit_branch", {"unit": unit})]:  # fmt: skip
        seen = await points_of(hub.as_viewer(role, **scope), member)
        assert seen["balance"] == balance + 20, role
        assert seen["entries"]["totalCount"] == entries + 3, role

    # His community: his balance, and only the entries credited to it.
    community = await points_of(hub.as_viewer("community", community="C001"), member)
    assert community["balance"] == balance + 20
    assert ten in ids(community)
    assert seven not in ids(community)
    assert three not in ids(community)
    assert {e["node"]["community"]["code"] for e in community["entries"]["edges"]} == {"C001"}

    [other] = await supporters(hub, "C002", 1)
    for role, scope in [("community", {"community": "C002"}), ("member", {"member": other}),
                        ("resident", {"community": "C001"})]:  # fmt: skip
        assert await points_of(hub.as_viewer(role, **scope), member) is None, role

    by_year = await points_of(hub.as_viewer("member", member=member), member, year=2019,
                              filter={"year": 2019})  # fmt: skip
    assert by_year["earned"] == 3
    assert ids(by_year) == [three]
    kinds = await points_of(hub.as_viewer("member", member=member), member,
                            filter={"kinds": ["SPEND", "EXPIRE"]})  # fmt: skip
    assert {e["node"]["kind"] for e in kinds["entries"]["edges"]} <= {"SPEND", "EXPIRE"}


async def test_reversal_once_and_never_below_zero(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await supporters(hub, "C002", 1)
    c002 = await _community_id(workflow_db, "C002")
    await set_balance(workflow_db, member, 0)
    earn_id, other_id, spent_id = await write_entries(
        workflow_db,
        {"member_code": member, "kind": PointsKind.EARN, "points": 8, "community_id": c002},
        {"member_code": member, "kind": PointsKind.EARN, "points": 6, "community_id": c002},
        {"member_code": member, "kind": PointsKind.EARN, "points": 50},
    )  # fmt: skip
    await write_entries(
        workflow_db, {"member_code": member, "kind": PointsKind.SPEND, "points": -45}
    )
    committee = hub.as_viewer("community", community="C002")

    reason = {"reason": "重复计分"}
    done = (await committee.query(REVERSE, {"input": {"entryId": _gid("PointsEntry", earn_id),
                                                     **reason}}))["reversePointsEntry"]  # fmt: skip
    assert done["userErrors"] == []
    assert done["reversal"]["kind"] == "REVERSE"
    assert done["reversal"]["points"] == -8
    assert done["reversal"]["reverses"] == {"id": _gid("PointsEntry", earn_id)}
    assert await ledger_sum(workflow_db, member) == 8 + 6 + 50 - 45 - 8

    twice = (await committee.query(REVERSE, {"input": {"entryId": _gid("PointsEntry", earn_id),
                                                      **reason}}))["reversePointsEntry"]  # fmt: skip
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已冲正" in twice["userErrors"][0]["message"]
    reversal_id = done["reversal"]["id"]
    of_reversal = await committee.query(REVERSE, {"input": {"entryId": reversal_id, **reason}})
    assert of_reversal["reversePointsEntry"]["userErrors"][0]["code"] == "INVALID_STATE"

    # 50 earned district-wide, 45 of them spent: only the district may try, and it is refused.
    district = hub.as_viewer("district", district="D01")
    spent = (await district.query(REVERSE, {"input": {"entryId": _gid("PointsEntry", spent_id),
                                                     **reason}}))["reversePointsEntry"]  # fmt: skip
    assert spent["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"
    assert await ledger_sum(workflow_db, member) == 11

    blank = await district.query(REVERSE, {"input": {"entryId": _gid("PointsEntry", other_id),
                                                    "reason": " "}})  # fmt: skip
    assert blank["reversePointsEntry"]["userErrors"][0]["field"] == "input.reason"
    for role, scope in [("community", {"community": "C001"}), ("member", {"member": member}),
                        ("auditor", {})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(
            REVERSE, {"input": {"entryId": _gid("PointsEntry", other_id), **reason}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role
    error = await committee.error(
        REVERSE, {"input": {"entryId": _gid("PointsEntry", spent_id), **reason}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"  # not credited to C002
    by_district = (await district.query(REVERSE, {"input": {
        "entryId": _gid("PointsEntry", other_id), **reason}}))["reversePointsEntry"]  # fmt: skip
    assert by_district["userErrors"] == []
    assert await ledger_sum(workflow_db, member) == 5
    seen = await committee.query(ENTRY_HISTORY, {"id": _gid("PointsEntry", earn_id)})
    assert seen["node"]["history"] == [
        {"fromState": "earn", "toState": "reversed", "note": "重复计分", "actorRole": "community"}
    ]
    missing = await district.query(REVERSE, {"input": {"entryId": _gid("PointsEntry", 10**9),
                                                      **reason}})  # fmt: skip
    assert missing["reversePointsEntry"]["userErrors"][0]["code"] == "NOT_FOUND"


def _days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


async def test_expiry_is_first_in_first_out_and_idempotent(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    # Members of the ledger only (no seeded activity): the arithmetic is exact.
    a, b = (f"PTS-{name}-{workflow_db.backend}" for name in ("A", "B"))
    old, recent = _days_ago(30), _days_ago(1)
    # A: earned 100 and 20 long ago (the 20 reversed), 50 lately; spent 30; 10 expired.
    # Unspent of the old: (100 + 20 - 20) - 30 - 10 = 60 expire; 50 stay.
    [_, reversed_id] = await write_entries(
        workflow_db,
        {"member_code": a, "kind": PointsKind.EARN, "points": 100, "occurred_at": old},
        {"member_code": a, "kind": PointsKind.EARN, "points": 20, "occurred_at": old},
    )  # fmt: skip
    await write_entries(
        workflow_db,
        {"member_code": a, "kind": PointsKind.REVERSE, "points": -20, "reverses_id": reversed_id,
         "occurred_at": recent},
        {"member_code": a, "kind": PointsKind.EARN, "points": 50, "occurred_at": recent},
        {"member_code": a, "kind": PointsKind.SPEND, "points": -30, "occurred_at": recent},
        {"member_code": a, "kind": PointsKind.EXPIRE, "points": -10, "occurred_at": recent},
        # B: spent more than he earned before the date: nothing of the old is left.
        {"member_code": b, "kind": PointsKind.EARN, "points": 40, "occurred_at": old},
        {"member_code": b, "kind": PointsKind.EARN, "points": 100, "occurred_at": recent},
        {"member_code": b, "kind": PointsKind.SPEND, "points": -70, "occurred_at": recent},
    )  # fmt: skip
    assert await ledger_sum(workflow_db, a) == 110
    district = hub.as_viewer("district", district="D01")
    before = (date.today() - timedelta(days=10)).isoformat()
    first = (await district.query(EXPIRE, {"input": {"before": before}}))["expirePoints"]
    assert first["userErrors"] == []
    assert first["members"] >= 1
    assert first["points"] >= 60
    assert await ledger_sum(workflow_db, a) == 50
    assert await ledger_sum(workflow_db, b) == 70
    expired = "SELECT {} FROM points_entries WHERE member_code = :m AND kind = 'expire'"
    assert await count(workflow_db, expired.format("count(*)"), m=a) == 2
    assert await count(workflow_db, expired.format("min(points)"), m=a) == -60
    assert await count(workflow_db, expired.format("count(*)"), m=b) == 0

    second = (await district.query(EXPIRE, {"input": {"before": before}}))["expirePoints"]
    assert (second["members"], second["points"], second["userErrors"]) == (0, 0, [])
    assert await ledger_sum(workflow_db, a) == 50

    future = (date.today() + timedelta(days=2)).isoformat()
    refused = (await district.query(EXPIRE, {"input": {"before": future}}))["expirePoints"]
    assert refused["userErrors"][0]["code"] == "INVALID_INPUT"
    for role, scope in [("community", {"community": "C003"}), ("auditor", {}),
                        ("member", {"member": a})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(EXPIRE, {"input": {"before": before}})
        assert error["extensions"]["code"] == "FORBIDDEN", role


async def _old_points(pair: DatabasePair, member: str) -> None:
    await write_entries(pair, {"member_code": member, "kind": PointsKind.EARN, "points": 33,
                               "occurred_at": _days_ago(60)})  # fmt: skip


async def test_the_command_expires_and_prints_what_it_did(
    hub: GraphQLClient, workflow_db: DatabasePair, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = f"PTS-CLI-{workflow_db.backend}"
    await _old_points(workflow_db, member)
    monkeypatch.setenv("DUALHUB_UNITS_DATABASE_URL", workflow_db.units_url)
    monkeypatch.setenv("DUALHUB_COMMUNITY_DATABASE_URL", workflow_db.community_url)
    monkeypatch.setenv("DUALHUB_AUDIT_DATABASE_URL", workflow_db.audit_url or "")
    before = (date.today() - timedelta(days=30)).isoformat()
    import asyncio

    runner = CliRunner()
    first = await asyncio.to_thread(runner.invoke, main, ["points", "expire", "--before", before])
    assert first.exit_code == 0, first.output
    assert "expired" in first.output
    assert await ledger_sum(workflow_db, member) == 0
    again = await asyncio.to_thread(runner.invoke, main, ["points", "expire", "--before", before])
    assert again.exit_code == 0, again.output
    assert again.output.startswith("expired 0 points of 0 members")
    bad = await asyncio.to_thread(runner.invoke, main, ["points", "expire", "--before", "1.1.2024"])
    assert bad.exit_code != 0


async def test_statements_of_member_points_do_not_grow(hub: GraphQLClient) -> None:
    query = """query($n: Int!) { community(code: "C001") { supporters(first: $n) { edges {
      node { member { points { balance earned(year: 2025) spent
        entries(first: 5) { edges { node { kind points } } }
      } } } } } } }"""
    few = await hub.statements(query, {"n": 2})
    many = await hub.statements(query, {"n": 40})
    assert few == many
    # The community, its supporters, balances and all-time totals, the 2025 totals, and one
    # page of entries for all members.
    assert many["community"] == 5


ANNOUNCE = """mutation($input: AnnouncePointsExpiryInput!) { announcePointsExpiry(input: $input) {
  members points clientMutationId userErrors { code message field } } }"""
EXPIRING = """{ viewer { notifications(first: 20) { edges { node { kind title text } } } } }"""


async def _expiring(hub: GraphQLClient, member: str) -> list[str]:
    feed = await hub.as_viewer("member", member=member).query(EXPIRING)
    return [e["node"]["text"] for e in feed["viewer"]["notifications"]["edges"]
            if e["node"]["kind"] == "POINTS_EXPIRING"]  # fmt: skip


async def test_an_expiry_is_announced_ahead_to_each_member_once(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    c, d, e = (f"PTS-{name}-{workflow_db.backend}" for name in ("C", "D", "E"))
    ancient = datetime(1999, 6, 1, tzinfo=UTC)  # before any seeded entry
    await write_entries(
        workflow_db,
        {"member_code": c, "kind": PointsKind.EARN, "points": 40, "occurred_at": ancient},
        {"member_code": c, "kind": PointsKind.EARN, "points": 15, "occurred_at": _days_ago(1)},
        # D spent what he earned then: nothing of it would expire, he is not told.
        {"member_code": d, "kind": PointsKind.EARN, "points": 25, "occurred_at": ancient},
        {"member_code": d, "kind": PointsKind.SPEND, "points": -25, "occurred_at": _days_ago(1)},
    )  # fmt: skip
    district = hub.as_viewer("district", district="D01")
    expires_on = date.today() + timedelta(days=30)
    fields = {"before": "2000-01-01", "expiresOn": expires_on.isoformat()}
    first = await district.query(ANNOUNCE, {"input": {**fields, "clientMutationId": "x1"}})
    assert first["announcePointsExpiry"] == {
        "members": 1,
        "points": 40,
        "clientMutationId": "x1",
        "userErrors": [],
    }
    assert await _expiring(hub, c) == [
        f"您有 40 积分（2000-01-01 前获得、尚未使用）将于 {expires_on.isoformat()} 过期，"
        "请在此之前使用。"
    ]
    assert await _expiring(hub, d) == []
    assert await ledger_sum(workflow_db, c) == 55  # announced, not expired

    # Again: no one is told twice; a member who has come to hold such points since is.
    await write_entries(workflow_db, {"member_code": e, "kind": PointsKind.EARN, "points": 7,
                                      "occurred_at": ancient})  # fmt: skip
    again = (await district.query(ANNOUNCE, {"input": fields}))["announcePointsExpiry"]
    assert (again["members"], again["points"]) == (1, 7)
    assert len(await _expiring(hub, c)) == 1
    assert len(await _expiring(hub, e)) == 1

    past = {**fields, "expiresOn": (date.today() - timedelta(days=1)).isoformat()}
    late = (await district.query(ANNOUNCE, {"input": past}))["announcePointsExpiry"]
    assert [(x["code"], x["field"]) for x in late["userErrors"]] == [
        ("INVALID_INPUT", "input.expiresOn")
    ]
    inverted = {"before": (expires_on + timedelta(days=1)).isoformat(),
                "expiresOn": expires_on.isoformat()}  # fmt: skip
    wrong = (await district.query(ANNOUNCE, {"input": inverted}))["announcePointsExpiry"]
    assert [(x["code"], x["field"]) for x in wrong["userErrors"]] == [
        ("INVALID_INPUT", "input.before")
    ]
    for role, scope in [("community", {"community": "C003"}), ("auditor", {}),
                        ("member", {"member": c})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(ANNOUNCE, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role
