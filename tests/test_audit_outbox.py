"""The audit outbox: a change is never committed without its audit entry, and each entry
reaches the audit log exactly once, also when the audit log was down at the time.

"Down" is a real outage: the hub's audit URL points at a port nobody listens on (connection
refused), or at a SQLite file another connection holds the write lock of.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from datasources import outbox
from datasources.community.models import AuditOutbox, Community
from datasources.community.points_models import PointsKind
from datasources.scope import Role, Viewer
from gateway.app import create_app
from gateway.audit_delivery import deliver_all
from gateway.cli import _expire_points
from gateway.settings import Settings
from resolvers.audit import AuditTrail
from schema.app import Mutation, build_schema
from schema.audit import AuditedMutation
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, TEST_SECRET, TokenFactory
from tests.databases import DatabasePair, seeded_pair
from tests.points_helpers import write_entries
from tests.scales import SMALL

# Connection refused at once: nothing listens on port 1.
DOWN = "postgresql+asyncpg://nobody@127.0.0.1:1/audit"

EVENTS = """query($f: AuditEventFilter) { auditEvents(first: 100, filter: $f) {
  totalCount edges { node { kind subject requestId operationName targetType targetIds detail } } } }"""


@pytest.fixture(scope="module", params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "outbox") as seeded:
        yield seeded


@asynccontextmanager
async def hub_on(
    pair: DatabasePair, audit_url: str | None = None, **overrides: Any
) -> AsyncIterator[tuple[Any, GraphQLClient]]:
    """A hub over `pair` whose audit log is `audit_url` (the pair's own by default)."""
    settings = Settings(
        units_database_url=pair.units_url,
        community_database_url=pair.community_url,
        audit_database_url=audit_url or pair.audit_url,
        jwt_secret=TEST_SECRET,
        rate_limit_per_ip="",
        rate_limit_per_token="",
        **overrides,
    )
    tokens = TokenFactory(settings)
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            yield app, GraphQLClient(http, tokens.issue("district", district="D01"), tokens)
    finally:
        await app.state.hub.dispose()


async def send(client: GraphQLClient, query: str, variables: Any, request_id: str) -> Any:
    response = await client.http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**client.headers, "X-Request-ID": request_id},
    )
    return response.json()


async def events(client: GraphQLClient, **filters: Any) -> list[dict[str, Any]]:
    data = await client.query(EVENTS, {"f": filters or None})
    return [edge["node"] for edge in data["auditEvents"]["edges"]]


async def waiting(app: Any) -> int:
    hub = app.state.hub
    return await outbox.pending(hub.units) + await outbox.pending(hub.community)


# --- every mutation passes the outbox -------------------------------------------------


def test_every_root_mutation_field_is_audited() -> None:
    build_schema()
    fields = Mutation.__strawberry_definition__.fields  # type: ignore[attr-defined]
    assert len(fields) >= 80
    unaudited = [
        f.name for f in fields if not any(isinstance(e, AuditedMutation) for e in f.extensions)
    ]
    assert unaudited == []


@dataclass(frozen=True)
class Step:
    """One mutation of the walk: who sends it, its input (built from earlier results), the
    payload field whose `id` later steps use."""

    name: str
    role: tuple[str, dict[str, str]]
    input: Any
    payload: str
    pick: str = "id"


async def _facts(client: GraphQLClient) -> dict[str, str]:
    """Codes of the seeded data the walk needs (no personal field: nothing to audit)."""
    data = await client.query(
        """{ serviceCategories(first: 1) { edges { node { code } } }
             community(code: "C001") { compounds(first: 1) { edges { node {
               buildings(first: 1) { edges { node { code } } } } } }
               supporters(first: 1) { edges { node { memberCode } } } }
             workUnits(first: 100) { edges { node { code } } }
             propertyCompanies(first: 1) { edges { node { code } } } }"""
    )
    units = [e["node"]["code"] for e in data["workUnits"]["edges"]]
    unit = units[0]
    partners = await client.query(
        """{ community(code: "C001") { partnerUnits(first: 100) { edges { node { unit { code } } } } } }"""
    )
    paired = {e["node"]["unit"]["code"] for e in partners["community"]["partnerUnits"]["edges"]}
    member = (await client.query(
        """query($u: String!) { workUnit(code: $u) { members(first: 1) {
             edges { node { code } } } } }""", {"u": unit},
    ))["workUnit"]["members"]["edges"][0]["node"]["code"]  # fmt: skip
    return {
        "category": data["serviceCategories"]["edges"][0]["node"]["code"],
        "building": data["community"]["compounds"]["edges"][0]["node"]["buildings"]["edges"][0][
            "node"
        ]["code"],
        "supporter": data["community"]["supporters"]["edges"][0]["node"]["memberCode"],
        "unit": unit,
        "unit_member": member,
        "company": data["propertyCompanies"]["edges"][0]["node"]["code"],
        "unpaired_unit": next(code for code in units if code not in paired),
    }


def _walk(facts: dict[str, str]) -> list[Step]:
    """Mutations of every area and both sides, each of which must change something."""
    committee = ("community", {"community": "C001"})
    resident = ("resident", {"community": "C001", "household": "1-101"})
    member = ("member", {"member": facts["supporter"]})
    branch = ("unit_branch", {"unit": facts["unit"]})
    district = ("district", {"district": "D01"})
    category, today = facts["category"], date.today()
    return [
        Step("setPointRule", district,
             {"action": "outbox_walk", "name": "发件箱", "points": 3}, "pointRule", "action"),
        Step("setAppraisalPolicy", district,  # the work-unit side
             {"year": 2031, "reportingDeadline": "2031-04-01", "minServices": 2, "minHours": 2.0,
              "countedRecordTypes": ["ORDERS"], "ceilingGrade": "BASICALLY_QUALIFIED",
              "includeActivists": False, "includeDevelopmentTargets": False},
             "policy", "version"),
        Step("recordOrganisationEvaluation", branch,  # the work-unit side
             {"memberCode": facts["unit_member"], "grade": "BASICALLY_QUALIFIED", "comment": "基本合格",
              "year": today.year - 1}, "organisationEvaluation"),
        Step("createMerchant", committee,
             {"code": "OUTBOX-M", "name": "发件箱超市", "communityCode": "C001"}, "merchant"),
        Step("createMallItem", committee,
             lambda r: {"merchantId": r["createMerchant"], "code": "OUTBOX-I", "name": "毛巾",
                        "pricePoints": 10, "stock": 5}, "mallItem"),
        Step("publishPost", committee,
             {"communityCode": "C001", "categoryCode": category, "title": "楼道值守",
              "capacity": 3}, "post"),
        Step("publishActivity", committee,
             {"communityCode": "C001", "categoryCode": category, "title": "义诊", "place": "广场",
              "startsAt": f"{today + timedelta(days=9)}T09:00:00+08:00",
              "endsAt": f"{today + timedelta(days=9)}T11:00:00+08:00", "capacity": 5},
             "activity"),
        Step("signUpForActivity", member,
             lambda r: {"activityId": r["publishActivity"]}, "signup"),
        Step("cancelActivity", committee,
             lambda r: {"activityId": r["publishActivity"], "reason": "天气"}, "activity"),
        Step("claimPost", member, lambda r: {"postId": r["publishPost"]}, "claim"),
        Step("restockMallItem", committee,
             lambda r: {"itemId": r["createMallItem"], "quantity": 3}, "mallItem"),
        Step("updateMallItem", committee,
             lambda r: {"itemId": r["createMallItem"], "pricePoints": 12}, "mallItem"),
        Step("raiseDemand", committee,
             {"communityCode": "C001", "categoryCode": category, "title": "助浴",
              "requesterName": "赵大妈"}, "demandItem"),
        Step("reviewListEntry", committee,
             lambda r: {"entryId": r["raiseDemand"], "approve": True}, "entry"),
        Step("convertDemandToOrder", committee,
             lambda r: {"demandId": r["raiseDemand"]}, "serviceOrder"),
        Step("dispatchOrder", committee,
             lambda r: {"orderId": r["convertDemandToOrder"], "takerKind": "MEMBER",
                        "takerCode": facts["supporter"]}, "serviceOrder"),
        Step("acceptOrder", member,
             lambda r: {"orderId": r["convertDemandToOrder"]}, "serviceOrder"),
        Step("closeOrder", member,
             lambda r: {"orderId": r["convertDemandToOrder"], "summary": "已完成助浴",
                        "hours": "1.5", "evidence": []}, "serviceOrder"),
        Step("confirmOrder", committee,
             lambda r: {"orderId": r["convertDemandToOrder"]}, "serviceOrder"),
        Step("placeOrder", resident,
             {"communityCode": "C001", "categoryCode": category, "title": "修水管"},
             "serviceOrder"),
        Step("cancelOrder", resident,
             lambda r: {"orderId": r["placeOrder"], "reason": "已自行修好"}, "serviceOrder"),
        Step("offerResource", member,
             {"communityCode": "C001", "categoryCode": category, "title": "周末辅导"},
             "resourceItem"),
        Step("publishMicroWish", committee,
             {"communityCode": "C001", "title": "一副老花镜", "beneficiaryName": "李奶奶"},
             "microWish"),
        Step("claimMicroWish", member,
             lambda r: {"wishId": r["publishMicroWish"]}, "microWish"),
        Step("fulfilMicroWish", member,
             lambda r: {"wishId": r["publishMicroWish"], "note": "已送到"}, "microWish"),
        Step("confirmMicroWish", committee,
             lambda r: {"wishId": r["publishMicroWish"]}, "microWish"),
        Step("releasePost", member,
             lambda r: {"claimId": r["claimPost"], "reason": "时间冲突"}, "claim"),
        Step("withdrawListEntry", member,
             lambda r: {"entryId": r["offerResource"], "reason": "不再提供"}, "entry"),
        Step("evaluateMember", committee,
             {"memberCode": facts["supporter"], "grade": "QUALIFIED", "comment": "积极参加",
              "level": "COMMUNITY", "year": today.year}, "memberEvaluation"),
        Step("writeSelfEvaluation", member,
             {"comment": "按时报到", "grade": "QUALIFIED", "year": today.year},
             "memberEvaluation"),
        Step("setPropertyPartyCoverage", district,
             {"companyCode": facts["company"], "hasPartyBranch": True,
              "coveredBySectorCommittee": True}, "company", "code"),
        Step("pairUnit", committee,
             {"unitCode": facts["unpaired_unit"], "communityCode": "C001"}, "pairing"),
        Step("endPairing", committee,
             lambda r: {"pairingId": r["pairUnit"], "reason": "结对期满"}, "pairing"),
        Step("signAgreement", committee,
             {"communityCode": "C001", "title": "共建协议", "startsOn": str(today),
              "endsOn": str(today + timedelta(days=365)),
              "parties": [{"kind": "COMMUNITY", "code": "C001"},
                          {"kind": "UNIT", "code": facts["unpaired_unit"]}]}, "agreement"),
        Step("addAgreementProject", committee,
             lambda r: {"agreementId": r["signAgreement"], "name": "老旧小区加装电梯",
                        "ownerKind": "COMMUNITY", "ownerCode": "C001", "budgetYuan": "5000",
                        "dueOn": str(today + timedelta(days=90))}, "project"),
        Step("endAgreement", committee,
             lambda r: {"agreementId": r["signAgreement"], "reason": "提前终止"}, "agreement"),
        Step("createBuildingGroup", committee,
             {"communityCode": "C001", "name": "发件箱楼组", "buildingCodes": [facts["building"]]},
             "buildingGroup"),
        Step("dissolveBuildingGroup", committee,
             lambda r: {"groupId": r["createBuildingGroup"], "reason": "合并"}, "buildingGroup"),
        Step("updatePrivacyPreferences", member, {"sharePhoneWithCommunity": False},
             "preferences", "__typename"),
    ]  # fmt: skip


async def _run_walk(app: Any, client: GraphQLClient) -> list[tuple[str, str]]:
    """Run the walk; (request id, mutation) of each step, all of which succeeded."""
    facts = await _facts(client)
    results: dict[str, Any] = {}
    done = []
    waited = await waiting(app)
    for i, step in enumerate(_walk(facts)):
        variables = step.input(results) if callable(step.input) else step.input
        input_type = f"{step.name[0].upper()}{step.name[1:]}Input"
        document = f"""mutation Walk($input: {input_type}!) {{ {step.name}(input: $input) {{
            userErrors {{ code message field }} {step.payload} {{ {step.pick} }} }} }}"""
        request_id = f"walk-{i}-{step.name}"
        role, scope = step.role
        body = await send(client.as_viewer(role, **scope), document, {"input": variables},
                          request_id)  # fmt: skip
        assert "errors" not in body, (step.name, body)
        payload = body["data"][step.name]
        assert payload["userErrors"] == [], (step.name, payload)
        results[step.name] = payload[step.payload][step.pick]
        done.append((request_id, step.name))
        # The change committed with its entry: one more row waits in an outbox.
        now_waiting = await waiting(app)
        assert now_waiting > waited, step.name
        waited = now_waiting
    return done


async def test_every_change_made_while_the_audit_log_is_down_is_delivered_once(
    pair: DatabasePair,
) -> None:
    async with hub_on(pair, DOWN) as (down_app, down):
        assert await waiting(down_app) == 0
        done = await _run_walk(down_app, down)  # every mutation answered without an error

    # The audit log is back: a restarted hub delivers what is waiting when it starts.
    async with hub_on(pair, audit_outbox_grace_seconds=0) as (app, client):
        async with app.router.lifespan_context(app):
            for _ in range(50):
                if await waiting(app) == 0:
                    break
                await asyncio.sleep(0.05)
        assert await waiting(app) == 0
        for request_id, name in done:
            found = await events(client, kind="MUTATION", operationName="Walk")
            mine = [e for e in found if e["requestId"] == request_id]
            assert len(mine) == 1, (name, mine)
            event = mine[0]
            # The full entry the mutation recorded (its targets and detail), not only the
            # tables its transaction wrote: the request kept it in the outbox row.
            assert event["detail"]["mutation"] == name
            assert "changes" not in event["detail"], name
            assert event["targetIds"], name
        before = len(await events(client, kind="MUTATION", operationName="Walk"))
        # Delivering again (another process, a second round) duplicates nothing.
        assert await deliver_all((app.state.hub.units, app.state.hub.community),
                                 app.state.hub.audit_log) == 0  # fmt: skip
        assert len(await events(client, kind="MUTATION", operationName="Walk")) == before


async def test_with_the_audit_log_up_a_request_delivers_its_own_entries(pair: DatabasePair) -> None:
    async with hub_on(pair) as (app, client):
        committee = client.as_viewer("community", community="C001")
        body = await send(committee, """mutation Up($i: RaiseDemandInput!) {
            raiseDemand(input: $i) { userErrors { code } demandItem { id } } }""",
            {"i": {"communityCode": "C001", "categoryCode": (await _facts(client))["category"],
                   "title": "理发", "requesterName": "王大爷"}}, "up-1")  # fmt: skip
        assert body["data"]["raiseDemand"]["userErrors"] == []
        assert await waiting(app) == 0
        found = [e for e in await events(client, kind="MUTATION") if e["requestId"] == "up-1"]
        assert [(e["detail"]["mutation"], e["targetType"]) for e in found] == [
            ("raiseDemand", "DemandItem")
        ]


async def test_a_refused_mutation_leaves_no_entry(pair: DatabasePair) -> None:
    async with hub_on(pair, DOWN) as (app, client):
        resident = client.as_viewer("resident", community="C001", household="1-101")
        body = await send(resident, """mutation($i: CancelOrderInput!) { cancelOrder(input: $i) {
            userErrors { code } } }""", {"i": {"orderId": "U2VydmljZU9yZGVyOjk5OTk5OQ==",
                                              "reason": "x"}}, "refused-1")  # fmt: skip
        assert body["data"]["cancelOrder"]["userErrors"][0]["code"] == "NOT_FOUND"
        assert await waiting(app) == 0


# --- the session layer ------------------------------------------------------------------


async def test_a_committed_write_carries_its_entry_and_a_rollback_none(pair: DatabasePair) -> None:
    """Below GraphQL: any commit of a side's session inside `audited()` adds one outbox row
    to its own transaction, with the rows it wrote; a rolled-back one adds nothing."""
    async with hub_on(pair, DOWN) as (app, _client):
        community = app.state.hub.community
        trail = AuditTrail(Viewer(Role.DISTRICT, subject="direct"), "direct-1")
        with trail.mutation_field("renameCommunity", "renameCommunity", "Direct"):
            async with community.transaction() as session:
                row = await session.scalar(select(Community).where(Community.code == "C002"))
                assert row is not None
                row.name = row.name  # not a change: nothing flushed, no entry
            with pytest.raises(RuntimeError):  # noqa: PT012 (the block is the transaction)
                async with community.transaction() as session:
                    row = await session.scalar(select(Community).where(Community.code == "C002"))
                    assert row is not None
                    row.name = "回滚"
                    await session.flush()
                    raise RuntimeError("rolled back")
            async with community.transaction() as session:
                row = await session.scalar(select(Community).where(Community.code == "C002"))
                assert row is not None
                name = row.name
                row.name = name + " "
            async with community.transaction() as session:
                row = await session.scalar(select(Community).where(Community.code == "C002"))
                assert row is not None
                row.name = name
        async with community.session() as session:
            rows = (await session.scalars(select(AuditOutbox))).all()
        assert [r.payload["detail"]["changes"] for r in rows] == [
            {"Community": [str(row.id)]},
            {"Community": [str(row.id)]},
        ]
        assert {r.payload["request_id"] for r in rows} == {"direct-1"}
        assert {w.event.event_id for w in trail.written} == {r.event_id for r in rows}
        # Outside a mutation (the seeder, the CLI) commits carry nothing.
        async with community.transaction() as session:
            await session.execute(text("UPDATE communities SET name = name"))
        assert await outbox.pending(community) == 2
        await outbox.settle(community, [r.event_id for r in rows])
        assert await outbox.pending(community) == 0


async def test_a_savepoint_rolled_back_keeps_the_entry_of_the_outer_change(
    pair: DatabasePair,
) -> None:
    async with hub_on(pair, DOWN) as (app, _client):
        community = app.state.hub.community
        trail = AuditTrail(Viewer(Role.DISTRICT, subject="direct"), "direct-2")
        with trail.mutation_field("nested", "nested", None):
            async with community.transaction() as session:
                row = await session.scalar(select(Community).where(Community.code == "C003"))
                assert row is not None
                name = row.name
                row.name = name + " "
                await session.flush()
                savepoint = await session.begin_nested()
                row.name = "保存点"
                await session.flush()
                await savepoint.rollback()
                row.name = name
        assert [w.event.detail["changes"] for w in trail.written] == [  # type: ignore[index]
            {"Community": [str(row.id)]}
        ]
        await outbox.settle(community, [w.event.event_id for w in trail.written])


# --- readiness --------------------------------------------------------------------------


@asynccontextmanager
async def write_locked(url: str) -> AsyncIterator[None]:
    """Another connection holds the audit log's write lock: SQLite's RESERVED lock (as any
    writer), or on PostgreSQL a lock on `audit_events` that blocks every INSERT."""
    if make_url(url).get_backend_name() == "sqlite":
        connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                await conn.rollback()
    finally:
        await engine.dispose()


# A locked log fails a write after the statement time limit (PostgreSQL) or the busy
# timeout (SQLite: 5 s; the readiness probe waits 1 s).
LOCKED = {"query_timeout_seconds": 1.0}


async def test_readyz_probes_that_the_audit_log_can_be_written(pair: DatabasePair) -> None:
    assert pair.audit_url is not None
    async with hub_on(pair, **LOCKED) as (_app, client):
        ready = await client.http.get("/readyz")
        assert (ready.status_code, ready.json()["datasources"]["audit"]) == (200, "ok")
        before = len(await events(client))
        async with write_locked(pair.audit_url):
            locked = await client.http.get("/readyz")
        assert locked.status_code == 503
        assert locked.json()["datasources"] == {
            "units": "ok",
            "community": "ok",
            "audit": "unavailable",
        }
        # The probe leaves no row behind.
        assert len(await events(client)) == before
        assert (await client.http.get("/readyz")).status_code == 200
    async with hub_on(pair, DOWN) as (_app, client):
        refused = await client.http.get("/readyz")
        assert refused.status_code == 503
        assert refused.json() == {
            "status": "not ready",
            "datasources": {"units": "ok", "community": "ok", "audit": "unavailable"},
        }


async def test_a_locked_audit_log_leaves_changes_in_the_outbox(pair: DatabasePair) -> None:
    """The other outage: the audit log is locked for longer than a write waits."""
    assert pair.audit_url is not None
    async with hub_on(pair, **LOCKED) as (app, client):
        resident = client.as_viewer("resident", community="C001", household="1-101")
        category = (await _facts(client))["category"]
        async with write_locked(pair.audit_url):
            body = await send(resident, """mutation Locked($i: PlaceOrderInput!) {
                placeOrder(input: $i) { userErrors { code } serviceOrder { id } } }""",
                {"i": {"communityCode": "C001", "categoryCode": category, "title": "换灯泡"}},
                "locked-1")  # fmt: skip
            assert "errors" not in body
            assert body["data"]["placeOrder"]["serviceOrder"]["id"]
            assert await waiting(app) == 1
        hub = app.state.hub
        assert await deliver_all((hub.units, hub.community), hub.audit_log) == 1
        found = [e for e in await events(client, kind="MUTATION") if e["requestId"] == "locked-1"]
        assert [e["detail"]["mutation"] for e in found] == ["placeOrder"]


# --- reads and downloads have no outbox: without their record, no data ------------------


async def test_personal_fields_are_withheld_when_their_read_cannot_be_recorded(
    pair: DatabasePair,
) -> None:
    """docs/architecture.md: "If that insert fails, the response carries no data"."""
    query = "query Names { members(first: 5) { edges { node { code name phone } } } }"
    async with hub_on(pair) as (_app, client):
        shown = (await client.query(query))["members"]["edges"]
    personal = [v for e in shown for v in (e["node"]["name"], e["node"]["phone"]) if v]
    assert personal
    async with hub_on(pair, DOWN) as (_app, client):
        response = await client.http.post("/graphql", json={"query": query},
                                          headers=client.headers)  # fmt: skip
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INTERNAL_SERVER_ERROR"]
    assert not [value for value in personal if value in response.text]


async def _a_branch(client: GraphQLClient) -> str:
    data = await client.query("{ members(first: 1) { edges { node { branch { code } } } } }")
    code: str = data["members"]["edges"][0]["node"]["branch"]["code"]
    return code


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_a_spreadsheet_download_is_audited(pair: DatabasePair, fmt: str) -> None:
    year = date.today().year
    async with hub_on(pair) as (_app, client):
        branch = await _a_branch(client)
        response = await client.http.get(
            f"/reports/branch/{branch}.{fmt}?year={year}",
            headers={**client.headers, "X-Request-ID": f"download-{fmt}"},
        )
        assert response.status_code == 200
        members = (await client.query(
            """query($b: String!) { partyBranch(code: $b) { members(first: 100) {
                 edges { node { code } } } } }""", {"b": branch},
        ))["partyBranch"]["members"]["edges"]  # fmt: skip
        found = [e for e in await events(client, kind="READ_PERSONAL")
                 if e["requestId"] == f"download-{fmt}"]  # fmt: skip
    assert len(found) == 1
    assert found[0]["operationName"] == f"report:branch:{branch}:{year}"
    assert found[0]["targetType"] == "Member"
    assert len(found[0]["targetIds"]) == len(members) > 0


async def test_a_download_whose_reads_cannot_be_recorded_is_not_served(
    pair: DatabasePair,
) -> None:
    async with hub_on(pair) as (_app, client):
        branch = await _a_branch(client)
    async with hub_on(pair, DOWN) as (_app, client):
        response = await client.http.get(f"/reports/branch/{branch}.csv?year=2026",
                                         headers=client.headers)  # fmt: skip
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
    assert "attachment" not in response.headers.get("content-disposition", "")


async def test_the_expiry_command_is_audited_like_the_mutation(pair: DatabasePair) -> None:
    member = f"OUTBOX-CLI-{pair.backend}"
    await write_entries(pair, {"member_code": member, "kind": PointsKind.EARN, "points": 7,
                               "occurred_at": datetime.now(UTC) - timedelta(days=90)})  # fmt: skip
    settings = Settings(units_database_url=pair.units_url,
                        community_database_url=pair.community_url,
                        audit_database_url=pair.audit_url)  # fmt: skip
    result = await _expire_points(settings, date.today() - timedelta(days=30))
    assert result.points >= 7
    async with hub_on(pair) as (app, client):
        assert await waiting(app) == 0
        found = await events(client, kind="MUTATION", subject="cli:points-expire")
    assert [e["detail"]["mutation"] for e in found] == ["expirePoints"]
