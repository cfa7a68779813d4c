"""The outermost of the hub's middleware: request id, metrics and one log line per request.

`Observed` gives each request its id (the caller's `X-Request-ID` if sane) in the response
header, the logs' context variable (`gateway.logs`) and `request.state`; opens the request's
`Observation` (`gateway.observation`); and once the response is sent records the request's
metrics (`gateway.metrics`) and writes its log line. /metrics is answered here, before rate
limits and authentication (`gateway.metrics.MetricsEndpoint`).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from opentelemetry import trace
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import logs, metrics
from gateway.observation import Observation, observing
from gateway.settings import Settings

request_logger = logging.getLogger("dualhub.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Observed:
    """Request id, metrics and the request log line of every HTTP request; /metrics."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.metrics = metrics.MetricsEndpoint(settings) if settings.metrics else None
        self.names = metrics.OperationNames(settings.metrics_operation_names)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.metrics is not None and scope["path"] == metrics.PATH:
            await self.metrics(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        observation = Observation(request_id)
        token = observing(observation)
        id_token = logs.REQUEST_ID.set(request_id)
        status = 500  # unless a response starts: an exception left the application
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, observation, status, time.perf_counter() - started)
            logs.REQUEST_ID.reset(id_token)
            token.var.reset(token)

    def _record(self, scope: Scope, observation: Observation, status: int, seconds: float) -> None:
        codes = observation.error_codes
        operation = self.names.label(observation.operation) if observation.graphql else "-"
        metrics.REQUESTS.labels(operation, metrics.outcome(status, codes)).observe(seconds)
        metrics.count_errors(codes)
        span = trace.get_current_span().get_span_context()
        request_logger.info(
            "%s %s %d %.1f ms",
            scope["method"],
            scope["path"],
            status,
            seconds * 1000,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "operation": observation.operation,
                "role": observation.role,
                "error_codes": codes,
                "trace_id": f"{span.trace_id:032x}" if span.is_valid else None,
            },
        )
