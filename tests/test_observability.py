"""Observability through HTTP: traces, /metrics and the JSON request log.

Metrics are process-wide (prometheus-client's registry), so each test compares the values
before and after its own requests.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from gateway import tracing
from gateway.app import create_app
from gateway.settings import Settings
from migrations import runner
from schema.app import build_schema
from tests.conftest import TEST_SECRET, TokenFactory
from tests.databases import DatabasePair

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"
MEMBERS = (
    "query MemberNames { members(first: 3) { totalCount edges { node { name branch { name } } } } }"
)


def settings_for(pair: DatabasePair, **overrides: Any) -> Settings:
    assert pair.audit_url is not None
    return Settings(
        units_database_url=pair.units_url,
        community_database_url=pair.community_url,
        audit_database_url=pair.audit_url,
        jwt_secret=TEST_SECRET,
        **overrides,
    )


class Hub:
    """An app over a database pair with an HTTP client; `peer` is the client's address."""

    def __init__(self, settings: Settings, provider: TracerProvider | None = None) -> None:
        self.settings = settings
        self.app = create_app(settings, tracer_provider=provider)
        self.token = TokenFactory(settings).issue("district", district="D01")

    def http(self, peer: str = "127.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(peer, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://hub")

    async def post(self, body: Any, **headers: str) -> httpx.Response:
        async with self.http() as http:
            return await http.post(
                "/graphql", json=body, headers={"Authorization": f"Bearer {self.token}", **headers}
            )

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        async with self.http() as http:
            response = await http.get("/metrics")
        assert response.status_code == 200, response.text
        return parse(response.text)

    async def close(self) -> None:
        await self.app.state.hub.dispose()


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict[Any, float], name: str) -> float:
    return sum(v for (n, _labels), v in samples.items() if n == name)


@pytest.fixture
async def hub(small_db: DatabasePair) -> AsyncIterator[Hub]:
    h = Hub(settings_for(small_db, metrics_token="scrape-me"))
    yield h
    await h.close()


# --- traces ---------------------------------------------------------------------------


async def test_one_request_is_one_trace_continuing_the_callers(small_db: DatabasePair) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    h = Hub(settings_for(small_db), provider)
    try:
        response = await h.post(
            {"query": MEMBERS, "operationName": "MemberNames"},
            traceparent=f"00-{TRACE_ID}-{PARENT_SPAN}-01",
        )
    finally:
        await h.close()
    assert response.status_code == 200
    assert "errors" not in response.json()
    spans = exporter.get_finished_spans()
    assert {f"{span.context.trace_id:032x}" for span in spans} == {TRACE_ID}

    (request,) = [s for s in spans if s.kind is SpanKind.SERVER and s.name == "POST /graphql"]
    assert request.parent is not None
    assert f"{request.parent.span_id:016x}" == PARENT_SPAN
    assert request.attributes is not None
    assert request.attributes["http.status_code"] == 200

    (operation,) = [s for s in spans if s.name == "GraphQL Query: MemberNames"]
    assert _ancestors(operation, spans)[0] is request

    statements = [s for s in spans if s.attributes and "db.statement" in s.attributes]
    assert {s.kind for s in statements} == {SpanKind.CLIENT}
    assert all(request in _ancestors(s, spans) for s in statements)
    # The reads run in the operation: the members, their branches (a DataLoader batch);
    # the audit log's entry is written once the operation is over, still in the request.
    reads = [s for s in statements if operation in _ancestors(s, spans)]
    assert [s for s in reads if str(s.attributes["db.statement"]).startswith("SELECT")]
    assert len(reads) >= 2
    assert len(statements) > len(reads)
    # Neither resolver arguments nor the document's literals (names, ID numbers in filters).
    assert not any(key.startswith("graphql.param") for s in spans for key in s.attributes or {})
    assert operation.attributes is not None
    assert operation.attributes["query"] == f"sha256:{hashlib.sha256(MEMBERS.encode()).hexdigest()}"


def _ancestors(span: ReadableSpan, spans: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    by_id = {s.context.span_id: s for s in spans}
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


async def test_tracing_is_off_without_otel_settings(
    small_db: DatabasePair, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "OTEL_TRACES_EXPORTER"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    assert tracing.provider_from_environment() is None
    h = Hub(settings_for(small_db))
    try:
        assert h.app.state.hub.tracer_provider is None
        assert not any("OpenTelemetry" in m.cls.__name__ for m in h.app.user_middleware)
        assert h.app.state.hub.schema is build_schema()  # the process's one, untraced
        assert not any(
            getattr(e, "func", None) is tracing.OperationSpans for e in build_schema().extensions
        )
    finally:
        await h.close()


@pytest.fixture
def otlp_collector() -> Iterator[tuple[str, list[bytes]]]:
    """A stand-in OTLP/HTTP collector on a free port: its URL and the bodies it received."""
    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


async def test_an_otlp_endpoint_receives_the_spans(
    small_db: DatabasePair,
    monkeypatch: pytest.MonkeyPatch,
    otlp_collector: tuple[str, list[bytes]],
) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    url, received = otlp_collector
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    tracing._provider.cache_clear()
    try:
        h = Hub(settings_for(small_db))  # the provider the environment asks for
        provider = h.app.state.hub.tracer_provider
        assert provider is not None
        try:
            await h.post({"query": MEMBERS})
        finally:
            await h.close()
        assert provider.force_flush(10_000)
        provider.shutdown()
    finally:
        tracing._provider.cache_clear()
    names = set()
    for body in received:
        export = ExportTraceServiceRequest.FromString(body)
        for resource in export.resource_spans:
            service = {a.key: a.value.string_value for a in resource.resource.attributes}
            assert service["service.name"] == "dualhub"
            names |= {span.name for scope in resource.scope_spans for span in scope.spans}
    assert {"POST /graphql", "GraphQL Query: MemberNames"} <= names
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert tracing.provider_from_environment() is None


# --- metrics --------------------------------------------------------------------------


async def test_metrics_of_a_request(hub: Hub) -> None:
    before = await hub.metrics()
    response = await hub.post({"query": MEMBERS})
    assert "errors" not in response.json()
    after = await hub.metrics()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert (
        grew("dualhub_request_duration_seconds_count", operation="MemberNames", outcome="ok") == 1
    )
    assert grew("dualhub_sql_statement_duration_seconds_count", datasource="units") >= 2
    assert grew("dualhub_sql_statement_duration_seconds_sum", datasource="units") > 0
    # Reading names is audited: one entry, written to the audit log.
    assert grew("dualhub_audit_writes_total", outcome="written") >= 1
    batches = total(after, "dualhub_dataloader_batch_size_count") - total(
        before, "dualhub_dataloader_batch_size_count"
    )
    assert batches >= 1  # the members' branches: one batch
    assert value(after, "dualhub_subscriptions_open") == 0
    assert ("dualhub_subscriptions_open", ()) in after


async def test_errors_and_limit_refusals_are_counted_by_code(hub: Hub) -> None:
    before = await hub.metrics()
    await hub.post({"query": "query Broken { members { noSuchField } }"})
    deep = (
        "query Deep { "
        + "members(first: 1) { edges { node { branch { " * 5
        + "name"
        + " } } } }" * 5
        + " }"
    )
    refused = await hub.post({"query": deep})
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    after = await hub.metrics()
    for code in ("GRAPHQL_VALIDATION_FAILED", "QUERY_TOO_COMPLEX"):
        assert (
            value(after, "dualhub_errors_total", code=code)
            - value(before, "dualhub_errors_total", code=code)
            == 1
        ), code
    assert (
        value(after, "dualhub_limit_refusals_total") - value(before, "dualhub_limit_refusals_total")
        == 1
    )
    assert (
        value(after, "dualhub_request_duration_seconds_count", operation="Broken", outcome="error")
        - value(
            before, "dualhub_request_duration_seconds_count", operation="Broken", outcome="error"
        )
        == 1
    )


async def test_rate_limit_refusals_are_counted(small_db: DatabasePair) -> None:
    h = Hub(settings_for(small_db, rate_limit_per_ip="1/minute"))
    try:
        before = await h.metrics()  # /metrics itself is not rate limited
        async with h.http(peer="10.9.8.7") as http:
            statuses = [
                (
                    await http.post(
                        "/graphql", json={"query": "{ districts(first: 1) { totalCount } }"}
                    )
                ).status_code
                for _ in range(3)
            ]
        after = await h.metrics()
    finally:
        await h.close()
    assert statuses == [200, 429, 429]
    assert (
        value(after, "dualhub_rate_limit_refusals_total", limit="ip")
        - value(before, "dualhub_rate_limit_refusals_total", limit="ip")
        == 2
    )
    assert (
        value(after, "dualhub_errors_total", code="RATE_LIMITED")
        - value(before, "dualhub_errors_total", code="RATE_LIMITED")
        == 2
    )
    refused = value(
        after, "dualhub_request_duration_seconds_count", operation="-", outcome="refused"
    ) - value(before, "dualhub_request_duration_seconds_count", operation="-", outcome="refused")
    assert refused == 2


async def test_operation_names_are_bounded(small_db: DatabasePair) -> None:
    h = Hub(settings_for(small_db, metrics_operation_names=1))
    try:
        before = await h.metrics()
        for query in ("query First { districts(first: 1) { totalCount } }", "query Second { districts(first: 1) { totalCount } }",
                      "query Third { districts(first: 1) { totalCount } }", "{ districts(first: 1) { totalCount } }"):  # fmt: skip
            response = await h.post({"query": query})
            assert "errors" not in response.json(), response.json()
        after = await h.metrics()
    finally:
        await h.close()

    def grew(operation: str) -> float:
        name = "dualhub_request_duration_seconds_count"
        return value(after, name, operation=operation, outcome="ok") - value(
            before, name, operation=operation, outcome="ok"
        )

    assert (grew("First"), grew("other"), grew("anonymous")) == (1, 2, 1)
    assert grew("Second") == grew("Third") == 0


async def test_who_may_read_metrics(hub: Hub) -> None:
    async with hub.http(peer="10.1.2.3") as http:
        refused = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer guessed"})
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert refused.status_code == wrong.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert allowed.status_code == 200
    assert "dualhub_request_duration_seconds" in allowed.text
    async with hub.http(peer="::1") as http:
        assert (await http.get("/metrics")).status_code == 200


# --- logs -----------------------------------------------------------------------------


def _captured_hub_log() -> io.StringIO:
    """The hub's log handler (`gateway.logs.configure`) writing into a buffer."""
    (handler,) = [h for h in logging.getLogger("dualhub").handlers if getattr(h, "dualhub", False)]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    return buffer


async def test_one_json_line_per_request(small_db: DatabasePair) -> None:
    h = Hub(settings_for(small_db, log_format="json"))
    try:
        buffer = _captured_hub_log()
        await h.post({"query": MEMBERS}, **{"X-Request-ID": "json-line-1"})
        await h.post({"query": "query Broken { nothing }"}, **{"X-Request-ID": "json-line-2"})
    finally:
        await h.close()
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "dualhub.request"]
    assert [line["request_id"] for line in requests] == ["json-line-1", "json-line-2"]
    first, second = requests
    assert first["level"] == "info"
    assert first["time"].endswith("Z")
    assert first["operation"] == "MemberNames"
    assert first["role"] == "district"
    assert first["status"] == 200
    assert first["error_codes"] == []
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] > 0
    assert first["method"] == "POST"
    assert first["path"] == "/graphql"
    assert second["operation"] == "Broken"
    assert second["error_codes"] == ["GRAPHQL_VALIDATION_FAILED"]


async def test_every_line_of_a_request_names_it(tmp_path: Path) -> None:
    """A hub whose side databases were never migrated: the masked error's log line (with
    its traceback) and the request line both carry the request's id."""
    audit_url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    await runner.upgrade_async("audit", audit_url)
    pair = DatabasePair(
        "sqlite",
        f"sqlite+aiosqlite:///{tmp_path / 'units.db'}",
        f"sqlite+aiosqlite:///{tmp_path / 'community.db'}",
        audit_url,
    )
    h = Hub(settings_for(pair, log_format="json"))
    try:
        buffer = _captured_hub_log()
        response = await h.post(
            {"query": "{ members(first: 1) { totalCount } }"}, **{"X-Request-ID": "every-line"}
        )
    finally:
        await h.close()
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert {line["logger"] for line in lines} >= {"dualhub.errors", "dualhub.request"}
    assert {line["request_id"] for line in lines} == {"every-line"}
    (error,) = [line for line in lines if line["logger"] == "dualhub.errors"]
    assert "Traceback" in error["exception"]
    (request,) = [line for line in lines if line["logger"] == "dualhub.request"]
    assert request["error_codes"] == ["INTERNAL_SERVER_ERROR"]


# --- several workers ------------------------------------------------------------------


def test_metrics_add_up_across_workers(tmp_path: Path) -> None:
    """`dualhub serve --workers 2`: /metrics counts the requests every worker answered
    (prometheus-client's multiprocess mode, set up by the command)."""
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "OTEL_"))}
    for side in ("units", "community", "audit"):
        env[f"DUALHUB_{side.upper()}_DATABASE_URL"] = (
            f"sqlite+aiosqlite:///{tmp_path / f'{side}.db'}"
        )
    env["DUALHUB_DATA_DIR"] = str(tmp_path / "data")
    env["DUALHUB_RATE_LIMIT_PER_IP"] = ""
    # The folder of an earlier run, with a file that would be added up (or choke) if kept.
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "histogram_1.db").write_bytes(b"stale")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    dualhub = shutil.which("dualhub", path=str(Path(sys.executable).parent)) or "dualhub"
    server = subprocess.Popen(  # noqa: S603 - our own command
        [dualhub, "serve", "--workers", "2", "--port", str(port), "--no-demo-data"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,  # its workers in its group, which the end signals as one
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        query = {"query": "query Workers { districts(first: 1) { totalCount } }"}
        for _ in range(30):  # a connection each: the workers share the listening socket
            response = httpx.post(f"{base}/graphql", json=query, headers={"Connection": "close"})
            assert response.status_code == 200
        samples = parse(httpx.get(f"{base}/metrics").text)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            _out, errors = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            # Killing the supervisor alone would leave its workers holding the pipe open.
            os.killpg(server.pid, signal.SIGKILL)
            _out, errors = server.communicate(timeout=10)
    assert "Traceback" not in errors.decode()
    count = value(
        samples, "dualhub_request_duration_seconds_count", operation="Workers", outcome="ok"
    )
    assert count == 30
    assert value(samples, "dualhub_subscriptions_open") == 0
    assert not (folder / "histogram_1.db").exists()
    assert list(folder.glob("histogram_*.db"))  # the workers' own files
