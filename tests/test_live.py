"""Live updates with real clients against a real hub (uvicorn on a port): the graphql-ws
protocol (graphql-transport-ws, spoken by hand over `websockets`) and Server-Sent Events
per graphql-sse (httpx streaming); Redis pub/sub between two hub processes."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import coredis
import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from datasources.community.order_models import ServiceOrder
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.documents import document_hash
from gateway.live.bus import LiveBus
from gateway.media import prefers_event_stream
from gateway.settings import Settings
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair
from tests.live_hub import free_port, serve_hub
from tests.scales import SMALL
from tests.test_rate_limit import REDIS_URL, require_redis
from tests.workflow import workflow_fixtures

workflow_db, _hub = workflow_fixtures("live", SMALL)

PROTOCOL = "graphql-transport-ws"
WATCH = """subscription($c: String) { orderChanges(communityCode: $c) {
  id status takerCode isOverdue community { code } } }"""
PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) {
  userErrors { code message } serviceOrder { id status } } }"""
DISPATCH = """mutation($input: DispatchOrderInput!) { dispatchOrder(input: $input) {
  userErrors { code message } serviceOrder { id status } } }"""
SUPPORTERS = """query($c: String!) { community(code: $c) { supporters(first: 100) {
  edges { node { memberCode } } } } }"""
CATEGORY = "chancheng.epidemic"
QUIET = 1.0  # how long "receives nothing" waits after the subscriber who may see got it


@dataclass
class Live:
    url: str  # http://host:port/graphql
    settings: Settings
    app: Any

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")

    def token(self, role: str, subject: str | None = None, ttl: float = 3600, **scope: str) -> str:
        return issue_token(
            self.settings, role=role, scope=scope, subject=subject or f"live-{role}",
            ttl=timedelta(seconds=ttl),
        )  # fmt: skip

    @property
    def subscriptions(self) -> int:
        count: int = self.app.state.hub.live.subscriptions
        return count


def _settings(pair: DatabasePair, **overrides: Any) -> Settings:
    assert pair.audit_url is not None
    return Settings(
        units_database_url=pair.units_url, community_database_url=pair.community_url,
        audit_database_url=pair.audit_url, jwt_secret=TEST_SECRET,
        rate_limit_per_ip="", rate_limit_per_token="", **overrides,
    )  # fmt: skip


@asynccontextmanager
async def live_hub(pair: DatabasePair, **overrides: Any) -> AsyncIterator[Live]:
    settings = _settings(pair, **overrides)
    app = create_app(settings)
    async with AsyncExitStack() as stack:
        url = await serve_hub(stack, settings, app)
        yield Live(url, settings, app)


async def _graphql(live: Live, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            live.url, json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


# Members already given an order, per community database (each backend has its own).
_used_by_database: dict[str, set[str]] = {}


async def _order_and_member(live: Live, community: str = "C001") -> tuple[str, str]:
    """A fresh order placed by a resident of `community`, and a member reported to it."""
    _used = _used_by_database.setdefault(live.settings.community_database_url, set())
    resident = live.token("resident", f"live-resident-{len(_used)}", community=community)
    placed = await _graphql(live, resident, PLACE, {"input": {
        "communityCode": community, "categoryCode": CATEGORY, "title": "家中消杀"}})  # fmt: skip
    assert placed["placeOrder"]["userErrors"] == []
    committee = live.token("community", community=community)
    data = await _graphql(live, committee, SUPPORTERS, {"c": community})
    codes = [e["node"]["memberCode"] for e in data["community"]["supporters"]["edges"]]
    member = next(code for code in codes if code not in _used)
    _used.add(member)
    return placed["placeOrder"]["serviceOrder"]["id"], member


async def _dispatch(live: Live, order_id: str, member: str, community: str = "C001") -> None:
    committee = live.token("community", community=community)
    data = await _graphql(live, committee, DISPATCH, {"input": {
        "orderId": order_id, "takerKind": "MEMBER", "takerCode": member}})  # fmt: skip
    assert data["dispatchOrder"]["userErrors"] == [], data


async def _until(condition: Any, within: float = 5) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


# --- graphql-transport-ws, by hand ---------------------------------------------------


@asynccontextmanager
async def ws(live: Live, init: dict[str, Any] | None) -> AsyncIterator[ClientConnection]:
    async with connect(live.ws_url, subprotocols=[PROTOCOL], ping_interval=None) as socket:
        if init is not None:
            await socket.send(json.dumps({"type": "connection_init", "payload": init}))
        yield socket


async def _message(socket: ClientConnection, within: float = 5) -> dict[str, Any]:
    """The next message that is not a keep-alive ping."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), within))
        if message["type"] != "ping":
            return message


async def _subscribe(
    socket: ClientConnection, community: str | None = "C001", op: str = "1"
) -> None:
    await socket.send(json.dumps({"id": op, "type": "subscribe",
                                  "payload": {"query": WATCH, "variables": {"c": community}}}))  # fmt: skip


async def _acked(socket: ClientConnection) -> None:
    assert (await _message(socket))["type"] == "connection_ack"


async def _closed(socket: ClientConnection, within: float = 5) -> tuple[int, str]:
    """How the hub closed the socket (code, reason), skipping what it sent before."""

    async def drain() -> None:
        while True:
            await asyncio.wait_for(socket.recv(), within)

    with pytest.raises(ConnectionClosed) as closed:
        await drain()
    frame = closed.value.rcvd
    assert frame is not None, "closed without a close frame"
    return frame.code, frame.reason


async def test_a_websocket_subscriber_receives_a_dispatch_within_a_second(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        order_id, member = await _order_and_member(live)
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as socket:
            await _acked(socket)
            await _subscribe(socket)
            await _until(lambda: live.subscriptions == 1)
            started = time.monotonic()
            await _dispatch(live, order_id, member)
            message = await _message(socket, within=1)
            assert time.monotonic() - started < 1
        assert message["type"] == "next", message
        change = message["payload"]["data"]["orderChanges"]
        assert (change["id"], change["status"], change["takerCode"]) == (
            order_id, "DISPATCHED", member
        )  # fmt: skip
        assert change["community"] == {"code": "C001"}
        await _until(lambda: live.subscriptions == 0)


@pytest.mark.parametrize(
    "init",
    [
        lambda t: {"authorization": f"Bearer {t}"},
        lambda t: {"headers": {"Authorization": f"Bearer {t}"}},
        lambda t: {"token": t},
    ],
    ids=["lowercase", "headers", "bare-token"],
)
async def test_the_token_is_read_from_the_common_spellings_of_the_init_payload(
    workflow_db: DatabasePair, init: Any
) -> None:
    async with live_hub(workflow_db) as live:
        order_id, member = await _order_and_member(live)
        async with ws(live, init(live.token("district", district="D01"))) as socket:
            await _acked(socket)
            await _subscribe(socket)
            await _until(lambda: live.subscriptions == 1)
            await _dispatch(live, order_id, member)
            message = await _message(socket, within=1)
        assert message["payload"]["data"]["orderChanges"]["id"] == order_id


async def test_a_subscriber_of_another_scope_receives_nothing(workflow_db: DatabasePair) -> None:
    """A resident of the same community watches it too, but the order is another
    resident's: the committee hears the dispatch, the resident nothing."""
    async with live_hub(workflow_db) as live:
        order_id, member = await _order_and_member(live)
        committee = live.token("community", community="C001")
        other = live.token("resident", "live-neighbour", community="C001")
        async with (
            ws(live, {"Authorization": f"Bearer {committee}"}) as seeing,
            ws(live, {"Authorization": f"Bearer {other}"}) as blind,
        ):
            await _acked(seeing)
            await _acked(blind)
            await _subscribe(seeing)
            await _subscribe(blind, None)  # his own community
            await _until(lambda: live.subscriptions == 2)
            await _dispatch(live, order_id, member)
            assert (await _message(seeing, within=1))["type"] == "next"
            with pytest.raises(TimeoutError):
                await _message(blind, within=QUIET)


@pytest.mark.parametrize(
    ("role", "scope"),
    [("member", {"member": "M-none"}), ("community", {"community": "C002"})],
    ids=["member", "other-community"],
)
async def test_a_viewer_who_cannot_see_the_community_gets_a_coded_error(
    workflow_db: DatabasePair, role: str, scope: dict[str, str]
) -> None:
    async with live_hub(workflow_db) as live:
        async with ws(live, {"Authorization": f"Bearer {live.token(role, **scope)}"}) as socket:
            await _acked(socket)
            await _subscribe(socket)
            message = await _message(socket)
            if message["type"] == "next":
                assert message["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
                message = await _message(socket)
            else:
                assert message["type"] == "error"
                assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
            assert message["type"] in ("complete", "error")
        assert live.subscriptions == 0


async def test_an_expired_token_is_disconnected(workflow_db: DatabasePair) -> None:
    async with live_hub(workflow_db) as live:
        token = live.token("community", ttl=1.5, community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as socket:
            await _acked(socket)
            await _subscribe(socket)
            started = time.monotonic()
            code, reason = await _closed(socket)
        assert code == 4403
        assert "UNAUTHENTICATED" in reason
        assert time.monotonic() - started < 3


async def test_a_refused_token_closes_with_forbidden(workflow_db: DatabasePair) -> None:
    async with live_hub(workflow_db) as live, ws(live, {"Authorization": "Bearer nope"}) as socket:
        code, _reason = await _closed(socket)
    assert code == 4403


async def test_connections_per_identity_are_limited(workflow_db: DatabasePair) -> None:
    async with live_hub(workflow_db, live_max_connections_per_identity=1) as live:
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as first:
            await _acked(first)
            async with ws(live, {"Authorization": f"Bearer {token}"}) as second:
                code, reason = await _closed(second)
            assert (code, reason.split(":")[0]) == (4429, "RATE_LIMITED")
            # The same identity over SSE is refused too, with the code in the stream.
            events = [e async for e in sse(live, token, limit=5)]
            assert events[0][0] == "next"
            error = events[0][1]["errors"][0]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert error["extensions"]["limit"] == "connections_per_identity"
        # Once it closed, a new connection of that identity is accepted.
        async with ws(live, {"Authorization": f"Bearer {token}"}) as third:
            await _acked(third)


async def test_subscriptions_per_connection_are_limited(workflow_db: DatabasePair) -> None:
    async with live_hub(workflow_db, live_max_subscriptions_per_connection=1) as live:
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as socket:
            await _acked(socket)
            await _subscribe(socket, op="1")
            await _subscribe(socket, op="2")
            message = await _message(socket)
        assert (message["type"], message["id"]) == ("error", "2")
        assert message["payload"][0]["extensions"] == {
            "code": "RATE_LIMITED", "limit": "subscriptions_per_connection", "max": 1,
        }  # fmt: skip


async def test_init_timeout_idle_timeout_and_keep_alive(workflow_db: DatabasePair) -> None:
    overrides = {"live_connection_init_timeout_seconds": 0.3, "live_idle_timeout_seconds": 0.6,
                 "live_keepalive_seconds": 0.2}  # fmt: skip
    async with live_hub(workflow_db, **overrides) as live:
        async with ws(live, None) as silent:
            assert (await _closed(silent))[0] == 4408
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as idle:
            await _acked(idle)
            ping = json.loads(await asyncio.wait_for(idle.recv(), 2))
            assert ping == {"type": "ping"}
            started = time.monotonic()
            code, reason = await _closed(idle)
        assert (code, reason) == (1000, "idle timeout")
        assert time.monotonic() - started < 2


# --- Server-Sent Events (graphql-sse, distinct connections mode) --------------------------


async def sse(
    live: Live, token: str, community: str = "C001", limit: int = 1, url: str | None = None
) -> AsyncIterator[tuple[str, Any]]:
    """(event, data) of an SSE subscription until `limit` events or the stream's end."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    body = {"query": WATCH, "variables": {"c": community}}
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream("POST", url or live.url, json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event: str | None = None
        seen = 0
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event is not None:
                data = line.partition(":")[2].strip()
                yield event, json.loads(data) if data else None
                seen += 1
                if seen >= limit or event == "complete":
                    return
                event = None


async def test_an_sse_subscriber_receives_a_dispatch_within_a_second(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        order_id, member = await _order_and_member(live)
        token = live.token("community", community="C001")
        stream = sse(live, token)
        received = asyncio.create_task(anext(stream))
        await _until(lambda: live.subscriptions == 1)
        started = time.monotonic()
        await _dispatch(live, order_id, member)
        event, data = await asyncio.wait_for(received, 1)
        assert time.monotonic() - started < 1
        await stream.aclose()
    assert event == "next"
    change = data["data"]["orderChanges"]
    assert (change["id"], change["status"]) == (order_id, "DISPATCHED")


async def test_an_sse_stream_ends_with_a_coded_error_when_the_token_expires(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        token = live.token("community", ttl=1.5, community="C001")
        events = [e async for e in sse(live, token, limit=5)]
    assert [name for name, _ in events] == ["next", "complete"]
    assert events[0][1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sse_refuses_a_viewer_who_cannot_see_the_community(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        token = live.token("community", community="C002")
        events = [e async for e in sse(live, token, "C001", limit=5)]
    assert [name for name, _ in events] == ["next", "complete"]
    assert events[0][1]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- two hub processes sharing Redis -----------------------------------------------------


@asynccontextmanager
async def hub_process(pair: DatabasePair, **env: str) -> AsyncIterator[str]:
    """`dualhub serve` in a process of its own, on the same databases; its /graphql URL."""
    assert pair.audit_url is not None
    port = free_port()
    environment = {
        **os.environ,
        "DUALHUB_UNITS_DATABASE_URL": pair.units_url,
        "DUALHUB_COMMUNITY_DATABASE_URL": pair.community_url,
        "DUALHUB_AUDIT_DATABASE_URL": pair.audit_url,
        "DUALHUB_JWT_SECRET": TEST_SECRET,
        "DUALHUB_RATE_LIMIT_PER_IP": "",
        "DUALHUB_RATE_LIMIT_PER_TOKEN": "",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from gateway.cli import main; main()", "serve", "--host", "127.0.0.1", "--port",
        str(port), "--no-migrate", "--no-demo-data",
        env=environment, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if process.returncode is not None:
                    assert process.stderr is not None
                    pytest.fail((await process.stderr.read()).decode()[-2000:])
                try:
                    if (await http.get(url.replace("/graphql", "/healthz"))).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the second hub did not start")
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 20)


async def _subscriptions_open(url: str) -> float:
    async with httpx.AsyncClient() as http:
        text = (await http.get(url.replace("/graphql", "/metrics"))).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("dualhub_subscriptions_open")
    )


async def test_two_hub_processes_sharing_redis_deliver_each_others_events(
    workflow_db: DatabasePair,
) -> None:
    require_redis()
    prefix = f"dualhub-test-live-{os.getpid()}-{time.time_ns()}"
    redis = {"redis_url": REDIS_URL, "live_channel_prefix": prefix}
    async with (
        live_hub(workflow_db, **redis) as here,
        hub_process(
            workflow_db, DUALHUB_REDIS_URL=REDIS_URL, DUALHUB_LIVE_CHANNEL_PREFIX=prefix
        ) as there,
    ):
        order_id, member = await _order_and_member(here)
        token = here.token("community", community="C001")
        stream = sse(here, token, url=there)
        received = asyncio.create_task(anext(stream))
        deadline = time.monotonic() + 10
        while await _subscriptions_open(there) < 1:
            assert time.monotonic() < deadline, "the other process never subscribed"
            await asyncio.sleep(0.05)
        started = time.monotonic()
        await _dispatch(here, order_id, member)  # committed, and announced, in this process
        event, data = await asyncio.wait_for(received, 2)
        assert time.monotonic() - started < 1
        await stream.aclose()
    assert event == "next"
    assert data["data"]["orderChanges"]["id"] == order_id


async def test_trusted_documents_bind_subscriptions_too(
    workflow_db: DatabasePair, tmp_path: Any
) -> None:
    """With DUALHUB_TRUSTED_DOCUMENTS_ONLY a subscription not in the manifest is refused on
    both transports, as a query over HTTP is; one in it runs, named by its hash."""
    manifest = tmp_path / "manifest.json"
    trusted = "subscription { orderChanges { id } }"
    digest = document_hash(trusted)
    manifest.write_text(json.dumps({digest: trusted}), encoding="utf-8")
    overrides = {"trusted_documents": str(manifest), "trusted_documents_only": True}
    async with live_hub(workflow_db, **overrides) as live:
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as socket:
            await _acked(socket)
            await _subscribe(socket)
            refused = await _message(socket)
            assert (refused["type"], refused["id"]) == ("error", "1")
            assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {
                "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}}))  # fmt: skip
            await _until(lambda: live.subscriptions == 1)
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                live.url, json={"query": WATCH, "variables": {"c": "C001"}},
                headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"},
            )  # fmt: skip
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


ACCEPT = """mutation($input: AcceptOrderInput!) { acceptOrder(input: $input) {
  userErrors { code } } }"""
CLOSE = """mutation($input: CloseOrderInput!) { closeOrder(input: $input) {
  userErrors { code } } }"""


async def test_every_change_of_an_order_is_heard_once_and_a_refused_one_not_at_all(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as socket:
            await _acked(socket)
            await _subscribe(socket)
            await _until(lambda: live.subscriptions == 1)
            order_id, member = await _order_and_member(live)
            heard = [await _message(socket, within=1)]
            refused = await _graphql(live, token, DISPATCH, {"input": {
                "orderId": order_id, "takerKind": "MEMBER", "takerCode": "M-not-reported"}})  # fmt: skip
            assert refused["dispatchOrder"]["userErrors"][0]["code"] == "NOT_REPORTED"
            await _dispatch(live, order_id, member)
            heard.append(await _message(socket, within=1))
            serving = live.token("member", member=member)
            for mutation, fields in ((ACCEPT, {}), (CLOSE, {"summary": "已完成", "hours": "1"})):
                data = await _graphql(live, serving, mutation, {"input": {"orderId": order_id,
                                                                          **fields}})  # fmt: skip
                assert next(iter(data.values()))["userErrors"] == []
                heard.append(await _message(socket, within=1))
            with pytest.raises(TimeoutError):
                await _message(socket, within=QUIET)
    changes = [m["payload"]["data"]["orderChanges"] for m in heard]
    assert {c["id"] for c in changes} == {order_id}
    assert [c["status"] for c in changes] == ["ORDERED", "DISPATCHED", "ACCEPTED", "CLOSED"]


@pytest.mark.parametrize(
    ("accept", "stream"),
    [
        ("text/event-stream", True),  # graphql-sse's client
        ("text/event-stream, application/json;q=0.9", True),
        # urql sends this with every request: JSON first, so JSON it gets.
        (
            "application/graphql-response+json, application/graphql+json, application/json, "
            "text/event-stream, multipart/mixed",
            False,
        ),
        ("application/json;q=0.5, text/event-stream;q=0.4", False),
        ("*/*", False),
        ("", False),
    ],
)
def test_only_a_client_preferring_server_sent_events_gets_them(accept: str, stream: bool) -> None:
    assert prefers_event_stream(accept) is stream


async def test_a_query_with_urqls_accept_header_is_answered_with_json(
    workflow_db: DatabasePair,
) -> None:
    urql = ("application/graphql-response+json, application/graphql+json, application/json, "
            "text/event-stream, multipart/mixed")  # fmt: skip
    async with live_hub(workflow_db) as live, httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            live.url, json={"query": "{ viewer { role } }"}, headers={"Accept": urql}
        )
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        assert response.json() == {"data": {"viewer": {"role": "ANONYMOUS"}}}
        streamed = await http.post(
            live.url, json={"query": "{ viewer { role } }"},
            headers={"Accept": "text/event-stream"},
        )  # fmt: skip
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert streamed.text.startswith('event: next\r\ndata: {"data":{"viewer":{"role":"ANONYMOUS"}}}')


async def test_an_order_turning_overdue_is_heard_though_nothing_wrote_it(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db, live_overdue_sweep_seconds=0.3) as live:
        order_id, _member = await _order_and_member(live)
        token = live.token("community", community="C001")
        async with ws(live, {"Authorization": f"Bearer {token}"}) as socket:
            await _acked(socket)
            await _subscribe(socket)
            await _until(lambda: live.subscriptions == 1)
            row_id = int(base64.b64decode(order_id).decode().partition(":")[2])
            engine = create_async_engine(workflow_db.community_url)
            try:
                async with AsyncSession(engine) as session, session.begin():
                    await session.execute(
                        update(ServiceOrder).where(ServiceOrder.id == row_id)
                        .values(due_at=datetime.now(UTC) + timedelta(seconds=0.4))
                    )  # fmt: skip
            finally:
                await engine.dispose()
            message = await _message(socket, within=2)
    change = message["payload"]["data"]["orderChanges"]
    assert (change["id"], change["status"], change["isOverdue"]) == (order_id, "ORDERED", True)


async def test_one_process_claims_each_overdue_window_through_redis() -> None:
    require_redis()
    prefix = f"dualhub-test-live-{os.getpid()}-{time.time_ns()}"
    buses = [LiveBus(REDIS_URL, prefix, 10) for _ in range(2)]
    for bus in buses:
        await bus.start()
    try:
        claims = [await bus.claim("overdue:1", ttl=5) for bus in buses]
        assert claims == [True, False]
        assert await buses[1].claim("overdue:2", ttl=5)
    finally:
        for bus in buses:
            await bus.stop()
    assert await LiveBus(None, prefix, 10).claim("overdue:1", ttl=5)  # alone: always its own
    # Stopped buses leave no connection open (named for CLIENT LIST: `<prefix>:live`).
    observer = coredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        clients = await observer.client_list()
    finally:
        observer.connection_pool.disconnect()
    assert [c for c in clients if c.get("name") == f"{prefix}:live"] == []


async def test_browsers_open_websockets_only_from_the_allowed_origins(
    workflow_db: DatabasePair,
) -> None:
    """A page on another site cannot open a socket in the user's name (cross-site WebSocket
    hijacking): the handshake's Origin must be one of DUALHUB_CORS_ALLOW_ORIGINS."""
    async with live_hub(workflow_db, cors_allow_origins=["https://dash.example.cn"]) as live:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(live.ws_url, subprotocols=[PROTOCOL], origin="https://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        async with connect(
            live.ws_url,
            subprotocols=[PROTOCOL],
            origin="https://dash.example.cn",
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            await _acked(socket)


# --- the viewer's own notifications ------------------------------------------------------

MY_NOTIFICATIONS = "subscription { notifications { id kind title objectId unread } }"


async def _subscribe_to_notifications(socket: ClientConnection) -> None:
    await socket.send(json.dumps({"id": "n", "type": "subscribe",
                                  "payload": {"query": MY_NOTIFICATIONS}}))  # fmt: skip


async def test_a_member_hears_of_an_order_dispatched_to_him_and_another_member_nothing(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        order_id, member = await _order_and_member(live)
        committee = live.token("community", community="C001")
        supporters = await _graphql(live, committee, SUPPORTERS, {"c": "C001"})
        bystander = next(e["node"]["memberCode"] for e in supporters["community"]["supporters"]["edges"]
                         if e["node"]["memberCode"] != member)  # fmt: skip
        async with (
            ws(live, {"Authorization": f"Bearer {live.token('member', member=member)}"}) as his,
            ws(
                live, {"Authorization": f"Bearer {live.token('member', member=bystander)}"}
            ) as other,
        ):
            await _acked(his)
            await _acked(other)
            await _subscribe_to_notifications(his)
            await _subscribe_to_notifications(other)
            await _until(lambda: live.subscriptions == 2)
            started = time.monotonic()
            await _dispatch(live, order_id, member)
            message = await _message(his, within=1)
            assert time.monotonic() - started < 1
            with pytest.raises(TimeoutError):
                await _message(other, within=0.5)
        assert message["type"] == "next", message
        notification = message["payload"]["data"]["notifications"]
        assert (notification["kind"], notification["objectId"], notification["unread"]) == (
            "ORDER_DISPATCHED", order_id, True
        )  # fmt: skip
        # The feed holds the same record: a client that reconnects reads it there.
        feed = await _graphql(live, live.token("member", member=member),
                              "{ viewer { notifications(first: 5) { edges { node { id } } } } }", {})  # fmt: skip
        assert notification["id"] in [
            e["node"]["id"] for e in feed["viewer"]["notifications"]["edges"]
        ]


async def test_notifications_over_sse_and_refused_without_a_token(
    workflow_db: DatabasePair,
) -> None:
    async with live_hub(workflow_db) as live:
        order_id, member = await _order_and_member(live)
        headers = {"Authorization": f"Bearer {live.token('member', member=member)}",
                   "Accept": "text/event-stream"}  # fmt: skip

        async def first_event(headers: dict[str, str]) -> tuple[str, Any]:
            async with (
                httpx.AsyncClient(timeout=10) as http,
                http.stream(
                    "POST", live.url, json={"query": MY_NOTIFICATIONS}, headers=headers
                ) as response,  # fmt: skip
            ):
                event = None
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line.partition(":")[2].strip()
                    elif line.startswith("data:") and event is not None:
                        return event, json.loads(line.partition(":")[2].strip() or "null")
            raise AssertionError("the stream ended without an event")

        received = asyncio.create_task(first_event(headers))
        await _until(lambda: live.subscriptions == 1)
        await _dispatch(live, order_id, member)
        event, data = await asyncio.wait_for(received, 2)
        assert event == "next"
        assert data["data"]["notifications"]["kind"] == "ORDER_DISPATCHED"

        event, data = await asyncio.wait_for(first_event({"Accept": "text/event-stream"}), 5)
        assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", data


async def test_shutdown_ends_an_open_event_stream_within_the_grace(
    workflow_db: DatabasePair,
) -> None:
    """An SSE subscription is a response that never ends: without a grace uvicorn would wait
    for it forever, and a rolling restart would hang as long as one subscriber stays."""
    headers = {"Accept": "text/event-stream"}
    async with AsyncExitStack() as client:
        async with live_hub(workflow_db, shutdown_grace_seconds=1) as live:
            headers["Authorization"] = f"Bearer {live.token('member', member='M0001')}"
            http = await client.enter_async_context(httpx.AsyncClient(timeout=30))
            await client.enter_async_context(
                http.stream("POST", live.url, json={"query": MY_NOTIFICATIONS}, headers=headers)
            )
            await _until(lambda: live.subscriptions == 1)
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 5
