"""OpenTelemetry traces: a span per HTTP request, per GraphQL operation, per SQL statement.

Off unless the standard environment asks for it, and then free: no provider, no
instrumentation, no middleware (`provider_from_environment` returns None). On:

* `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, or
  `OTEL_TRACES_EXPORTER=otlp`: spans are batched to the collector by OTLP over HTTP
  (protobuf, port 4318), configured by the standard `OTEL_EXPORTER_OTLP_*` variables;
* `OTEL_TRACES_EXPORTER=console`: each span is printed as JSON on stdout (to try it out);
* `OTEL_TRACES_EXPORTER=none`: off even with an endpoint.

The request span comes from the ASGI instrumentation, which continues the caller's trace
from its W3C `traceparent` (and `tracestate`); the operation span from strawberry's
OpenTelemetry extension ("GraphQL Query: <operation name>"), made current so the statements
below are its children; the statement spans from the SQLAlchemy instrumentation (the SQL
with its `?` placeholders, never the values). Neither the document's text (its `query`
attribute is its sha256, as trusted documents name it) nor resolver arguments are recorded:
they may hold names and ID numbers. Nor are per-field spans made (a page of members would
give thousands).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context, trace
from opentelemetry.metrics import NoOpMeterProvider, get_meter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
    from strawberry import Schema

S = TypeVar("S", bound="Schema")

# Not traced: probes and scrapes, every few seconds, would drown the requests.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


def provider_from_environment() -> TracerProvider | None:
    """The process's tracer provider as the OTEL_* environment asks, or None (tracing off)."""
    exporter = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    if exporter == "none" or (not exporter and not endpoint):
        return None
    return _provider(exporter or "otlp")


@functools.cache
def _provider(exporter: str) -> TracerProvider:
    """One provider per process (and per exporter), shared by every app it builds."""
    processor: SpanProcessor
    if exporter == "console":
        processor = SimpleSpanProcessor(ConsoleSpanExporter())
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    else:
        raise ValueError(
            f"OTEL_TRACES_EXPORTER={exporter!r} is not supported: use otlp, console or none"
        )
    attributes = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": "dualhub"}
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(processor)
    return provider


class OperationSpans(OpenTelemetryExtension):
    """strawberry's extension with its operation span current while the operation runs (so
    SQL statement spans are its children), without resolver spans or arguments."""

    resolve = SchemaExtension.resolve  # type: ignore[assignment]

    def on_operation(self) -> Generator[None, None, None]:
        steps = super().on_operation()
        next(steps)
        span = self._span_holder[LifecycleStep.OPERATION]
        query = self.execution_context.query
        if query:  # its literals may be names or ID numbers: the document's hash instead
            span.set_attribute("query", f"sha256:{hashlib.sha256(query.encode()).hexdigest()}")
        token = context.attach(trace.set_span_in_context(span))
        try:
            yield
        finally:
            context.detach(token)
            next(steps, None)


def traced_schema(schema: S, provider: TracerProvider) -> S:
    """A shallow copy of `schema` running `OperationSpans` with `provider` on every operation
    (the schema itself is shared by every app of the process, traced or not)."""
    traced = copy.copy(schema)
    factory: Any = functools.partial(OperationSpans, tracer_provider=provider)
    traced.extensions = (*schema.extensions, factory)
    return traced


def trace_statements(engine: AsyncEngine, provider: TracerProvider) -> None:
    """A span per SQL statement of `engine` (the SQLAlchemy instrumentation's engine tracer,
    without its global patching of `create_engine`)."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__

    tracer = trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__, provider)
    connections = get_meter("dualhub", meter_provider=NoOpMeterProvider()).create_up_down_counter(
        "db.client.connections.usage"
    )
    EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]
