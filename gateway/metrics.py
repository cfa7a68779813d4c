"""Prometheus metrics at /metrics: what the hub's requests, refusals and datasources do.

Request metrics are labelled by operation name and outcome; names are bounded: an anonymous
operation is `anonymous`, and once `metrics_operation_names` distinct names have been seen by
a process every new one is `other` (a client inventing names cannot grow the series). The
datasources' own metrics (SQL statements, DataLoader batches, audit writes) are in
`datasources.metrics`.

Several workers: prometheus-client keeps each process's values in files under
PROMETHEUS_MULTIPROC_DIR when that variable is set before it is imported, and /metrics then
adds them up (`MultiProcessCollector`). `dualhub serve --workers N` sets it to a fresh folder
when it is unset (`multiprocess_dir`).

Who may read /metrics (`metrics_allow_from`, `metrics_token`): a peer address in the allowed
networks (default: the local host), or a caller sending `Authorization: Bearer <metrics_token>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import shutil
import tempfile
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.refusals import refusal
from gateway.settings import Settings
from schema.errors import ErrorCode

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PATH = "/metrics"

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUESTS = Histogram(
    "dualhub_request_duration_seconds",
    "Time to answer one HTTP request, by GraphQL operation name (`-` outside GraphQL, "
    "`anonymous`, `other` past the bound) and outcome (ok, error, refused, failed).",
    ["operation", "outcome"],
    buckets=REQUEST_BUCKETS,
)
ERRORS = Counter(
    "dualhub_errors_total",
    "Errors answered, by `extensions.code` (GraphQL errors and HTTP refusals alike).",
    ["code"],
)
RATE_LIMIT_REFUSALS = Counter(
    "dualhub_rate_limit_refusals_total",
    "Requests refused with 429, by limit (ip: per client address, identity: per token).",
    ["limit"],
)
LIMIT_REFUSALS = Counter(
    "dualhub_limit_refusals_total",
    "Requests or operations refused by a size or complexity limit (QUERY_TOO_COMPLEX: "
    "body size, batch size, tokens, depth, aliases, fields, overlaps, cost).",
)
SUBSCRIPTIONS_OPEN = Gauge(
    "dualhub_subscriptions_open",
    "GraphQL subscriptions open now (listening on the live bus: WebSocket and SSE).",
    multiprocess_mode="livesum",
)


def outcome(status: int, error_codes: list[str]) -> str:
    """ok; error (a GraphQL error in a response that ran); refused (4xx); failed (5xx)."""
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    return "error" if error_codes else "ok"


def count_errors(codes: list[str]) -> None:
    for code in codes:
        ERRORS.labels(code).inc()
        if code == ErrorCode.QUERY_TOO_COMPLEX.value:
            LIMIT_REFUSALS.inc()


class OperationNames:
    """Bounded operation-name labels: the first `limit` names seen, then `other`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self.seen:
            return name
        if len(self.seen) >= self.limit or len(name) > 64:
            return "other"
        self.seen.add(name)
        return name


def multiprocess_dir() -> Path | None:
    """The folder of the workers' metric files, when several processes share them."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def prepare_workers(workers: int) -> None:
    """Before `--workers N` (N > 1) starts its processes: a fresh, empty folder for their
    metric files in PROMETHEUS_MULTIPROC_DIR (a new temporary one when unset). Files of an
    earlier run must not be added to this one's."""
    if workers <= 1:
        return
    folder = multiprocess_dir()
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="dualhub-metrics-"))
        os.environ[MULTIPROC_ENV] = str(folder)
        return
    if folder.exists():
        for child in folder.iterdir():
            if child.is_file() and child.suffix == ".db":
                child.unlink()
            elif child.is_dir():
                shutil.rmtree(child)
    folder.mkdir(parents=True, exist_ok=True)


def worker_exited(pid: int) -> None:
    """A worker stopping: its live gauges (subscriptions open) no longer count."""
    if multiprocess_dir() is not None:
        prometheus_multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """Every metric in Prometheus' text format: this process's, or all workers' when
    PROMETHEUS_MULTIPROC_DIR is set."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


class MetricsEndpoint:
    """GET /metrics for the peers and bearers `metrics_allow_from` and `metrics_token` allow;
    403 with a coded body for anyone else."""

    def __init__(self, settings: Settings) -> None:
        self.networks = [ipaddress.ip_network(item) for item in settings.metrics_networks]
        token = settings.metrics_token
        self.token = token.get_secret_value().encode() if token is not None else None

    def allowed(self, scope: Scope) -> bool:
        client = scope.get("client")
        if client:
            try:
                address = ipaddress.ip_address(client[0])
            except ValueError:
                address = None
            if address is not None and any(address in network for network in self.networks):
                return True
        if self.token is None:
            return False
        scheme, _, credentials = Headers(scope=scope).get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self.token
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Response
        if scope["method"] not in ("GET", "HEAD"):
            response = refusal(
                405, ErrorCode.BAD_USER_INPUT, "Only GET reads the metrics.",
                headers={"Allow": "GET"},
            )  # fmt: skip
        elif not self.allowed(scope):
            response = refusal(
                403,
                ErrorCode.FORBIDDEN,
                "无权读取运行指标。/metrics is readable from the allowed networks "
                "(DUALHUB_METRICS_ALLOW_FROM) or with the metrics token (DUALHUB_METRICS_TOKEN).",
            )
        else:
            response = Response(exposition(), media_type=CONTENT_TYPE_LATEST)
        await response(scope, receive, send)
