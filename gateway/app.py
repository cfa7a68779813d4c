"""The Starlette application: GraphQL at /graphql, liveness at /healthz, readiness at /readyz."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import cached_property, partial
from typing import Any, cast

import orjson
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette_compress import CompressMiddleware, add_compress_type
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.streaming import SSETransport
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from datasources import announcements, notification_relay
from datasources.audit.source import AuditSource
from datasources.base import Datasource
from datasources.community.notifications import sweep as notification_sweep
from datasources.community.positions import position_in_force
from datasources.community.source import CommunitySource
from datasources.errors import DatasourceUnavailable
from datasources.files.storage import LocalFileStore
from datasources.scope import ANONYMOUS, Viewer
from datasources.units.source import UnitsSource
from gateway import (
    certificates,
    files,
    graphiql,
    heap,
    logs,
    metrics,
    observation,
    reports,
    tracing,
    workbench,
)
from gateway.audit_delivery import OutboxDelivery
from gateway.auth import BearerAuthentication, TokenVerifier, unauthenticated
from gateway.guards import GuardedGraphQL, Guards
from gateway.live.bus import LiveBus
from gateway.live.channel import ConnectionSlots, LiveChannel
from gateway.live.overdue import OverdueSweep
from gateway.live.websocket import HubTransportWS
from gateway.media import GRAPHQL_RESPONSE_JSON, prefers_event_stream
from gateway.observing import Observed
from gateway.settings import Settings
from resolvers.audit import AuditTrail
from resolvers.context import HubContext, Sources
from resolvers.scope import scopes_for
from schema.app import build_schema
from schema.limits import DOCUMENTS

logger = logging.getLogger("dualhub")


class Hub:
    """The two datasources and the schema: what one hub process serves."""

    def __init__(self, settings: Settings, tracer_provider: TracerProvider | None = None) -> None:
        self.settings = settings
        self.tracer_provider = tracer_provider
        timeout = settings.query_timeout_seconds
        self.units = UnitsSource(settings.units_database_url, statement_timeout_seconds=timeout)
        self.community = CommunitySource(
            settings.community_database_url, statement_timeout_seconds=timeout
        )
        self.audit_log = AuditSource(settings.audit_database_url, statement_timeout_seconds=timeout)
        self.guards = Guards.from_settings(settings)
        # The web workbench's operations (web/operations), trusted beside the manifest's.
        self.guards.documents.manifest.update(workbench.manifest())
        self.schema = build_schema()
        DOCUMENTS.size = settings.document_cache_size  # one cache per process, as the schema
        if tracer_provider is not None:
            self.schema = tracing.traced_schema(self.schema, tracer_provider)
            for source in self.sources:
                tracing.trace_statements(source.engine, tracer_provider)
        self.verifier = TokenVerifier(settings)
        self.authentication = BearerAuthentication(
            self.verifier, partial(position_in_force, self.community)
        )
        # Live updates (gateway/live/): the bus is the publisher of committed events.
        self.live = LiveBus(
            settings.redis_url, settings.live_channel_prefix, settings.live_max_queued_events
        )
        self.live_slots = ConnectionSlots(settings.live_max_connections_per_identity)
        self.overdue = OverdueSweep(self.community, self.live, settings.live_overdue_sweep_seconds)
        # Evidence uploads (docs/uploads.md): the local content-addressed store.
        self.files = LocalFileStore(settings.upload_folder)
        # Delivers the audit entries requests could not deliver themselves.
        self.audit_delivery = OutboxDelivery(
            (self.units, self.community), self.audit_log,
            settings.audit_outbox_interval_seconds, settings.audit_outbox_grace_seconds,
            # The time-based notifications (overdue orders, check-in open), written once each,
            # and the units' queued notifications relayed to the feed (notification_relay).
            rounds=(
                lambda: notification_sweep(self.community),
                lambda: notification_relay.relay(
                    self.units, self.community,
                    older_than=timedelta(seconds=settings.audit_outbox_grace_seconds),
                ),
            ),
        )  # fmt: skip

    @property
    def sources(self) -> tuple[Datasource, ...]:
        return (self.units, self.community, self.audit_log)

    def context(
        self, request: Any = None, response: Any = None, *, viewer: Viewer | None = None,
        expires_at: float | None = None, sse: bool = True,
    ) -> HubContext:  # fmt: skip
        """The context of one request (GraphQL, a report download) or WebSocket, or of a
        caller outside HTTP (`dualhub report`) who names the `viewer`; anonymous without
        either. `expires_at` (the token's expiry) ends the subscriptions it runs; an SSE
        request's subscription holds a connection slot of its identity (`sse`)."""
        if viewer is None:
            user = request.user if request is not None else None
            viewer = user.viewer if user is not None else ANONYMOUS
            expires_at = getattr(user, "expires_at", None)
        observation.note_role(viewer.role.value)
        scopes = scopes_for(viewer, self.units, self.community)
        request_id = getattr(request.state, "request_id", None) if request else None
        live = None
        if request is not None:
            live = LiveChannel(
                self.live, self.renew_loaders, expires_at,
                slots=self.live_slots if sse else None, slot_key=self.slot_key(viewer, request),
            )  # fmt: skip
        return HubContext(
            viewer=viewer,
            audit=AuditTrail(viewer, request_id),
            sources=Sources(self.units, self.community, self.audit_log),
            units=self.units.loaders(scopes.units),
            community=self.community.loaders(scopes.community),
            audit_log=self.audit_log.loaders(scopes.audit),
            max_page_size=self.settings.max_page_size,
            debug_sql=self.settings.debug_sql,
            fast_leaves=self.settings.leaf_fast_path,
            request_id=request_id,
            request=request,
            response=response,
            limits=self.guards.limits,
            live=live,
            files=self.files,
            max_image_pixels=self.settings.upload_max_image_pixels,
        )

    def renew_loaders(self, context: HubContext) -> None:
        """Fresh loaders in the context's scope: a subscription reads each event anew."""
        scopes = scopes_for(context.viewer, self.units, self.community)
        context.units = self.units.loaders(scopes.units)
        context.community = self.community.loaders(scopes.community)
        context.audit_log = self.audit_log.loaders(scopes.audit)

    @staticmethod
    def slot_key(viewer: Viewer, request: Any) -> str:
        """Whose live connection it is: the identity, or an anonymous client's address."""
        if viewer is not ANONYMOUS:
            return viewer.identity_key
        client = getattr(request, "client", None)
        return f"anonymous:{client.host if client else '-'}"

    async def dispose(self) -> None:
        await asyncio.gather(*(source.dispose() for source in self.sources))
        await self.guards.close()


class HubGraphQL(GuardedGraphQL):
    # graphql-transport-ws with the hub's authentication and limits (gateway/live/).
    graphql_transport_ws_handler_class = HubTransportWS

    def __init__(self, hub: Hub) -> None:
        settings = hub.settings
        super().__init__(
            hub.schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            # Live updates: the graphql-ws protocol over WebSocket, and Server-Sent Events
            # per graphql-sse (distinct connections: POST with Accept: text/event-stream).
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
            connection_init_wait_timeout=timedelta(
                seconds=settings.live_connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=None,  # HubTransportWS refuses with a code
            allowed_origins=settings.cors_origins,
            # The GraphQL multipart request spec, with the gateway's preflight, count and
            # size checks (`GuardedGraphQL.parse_http_body`, docs/uploads.md).
            multipart_uploads_enabled=hub.settings.upload_max_files > 0,
        )
        self.hub = hub
        self.guards = hub.guards
        interval = settings.live_keepalive_seconds

        class KeptAliveSSE(SSETransport):
            def __init__(self) -> None:
                super().__init__(heartbeat_interval=interval)

            def accepts(self, accept: str) -> bool:
                return prefers_event_stream(accept)

        self.stream_transport_classes_by_protocol = {GRAPHQL_SSE_PROTOCOL: KeptAliveSSE}

    async def get_context(self, request: Any, response: Any) -> HubContext:
        return self.hub.context(request, response)

    @cached_property
    def graphql_ide_html(self) -> str:
        """GraphiQL loading its files from the hub (`gateway.graphiql`), never a CDN."""
        return graphiql.page()

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        """The response of one operation; its error codes go to the request's metrics and
        log line (`gateway.observation`)."""
        response = await super().process_result(request, result)
        errors: list[dict[str, Any]] = cast("Any", response).get("errors") or []
        if errors:
            observation.note_errors(
                [str((e.get("extensions") or {}).get("code", "UNCODED")) for e in errors]
            )
        return response

    def encode_json(self, data: object) -> bytes:
        """Responses as compact UTF-8 JSON, Chinese text as is; orjson is several times faster
        than `json.dumps` on a page of 500 members' figures. orjson refuses a lone surrogate
        (text that is not Unicode, say from a row written past the API): such a response is
        sent with `\\u` escapes instead of failing."""
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return json.dumps(data, separators=(",", ":")).encode()


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The hub's application. Traces go to `tracer_provider`, by default the one the
    OTEL_* environment configures (none: tracing off, see `gateway.tracing`)."""
    settings = settings or Settings()
    logs.configure(settings)
    hub = Hub(settings, tracer_provider or tracing.provider_from_environment())

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        for source in hub.sources:
            try:
                await asyncio.wait_for(source.check(), timeout=5)
                checks[source.name] = "ok"
            except (DatasourceUnavailable, TimeoutError):
                checks[source.name] = "unavailable"
        ready = all(state == "ok" for state in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "datasources": checks},
            status_code=200 if ready else 503,
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        heap.settle(hub.settings.gc_threshold)
        hub.audit_delivery.start()  # its first round delivers what an earlier run left
        await hub.live.start()
        announcements.set_publisher(hub.live.publish)
        hub.overdue.start()
        yield
        await hub.overdue.stop()
        announcements.set_publisher(None)
        await hub.live.stop()
        await hub.audit_delivery.stop()
        await hub.dispose()
        metrics.worker_exited(os.getpid())

    graphql = HubGraphQL(hub)
    app = Starlette(
        routes=[
            # Any method: the view answers one other than GET and POST with a coded 405.
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            # Appraisal spreadsheets (评议台账), same bearer token and scope as GraphQL.
            Route("/reports/{kind}/{file}", reports.download, methods=["GET"]),
            # Evidence files (附件), same bearer token and the scope of their record.
            Route("/files/{attachment_id}", files.download, methods=["GET"]),
            Route("/certificates/verify/{code}", certificates.verify, methods=["GET"]),
            Route("/certificates/{file}", certificates.download, methods=["GET"]),
            *_graphiql_assets(hub.settings),
            # The web workbench (工作台), a client of /graphql like any other.
            *workbench.routes(hub),
        ],
        middleware=[
            *_traced(hub),
            Middleware(Observed, settings=hub.settings),
            *_forwarded(hub.settings),
            *_cors(hub.settings),
            *_compression(hub.settings),
            *hub.guards.middleware(),
            Middleware(
                AuthenticationMiddleware,
                backend=hub.authentication,
                on_error=unauthenticated,
            ),
            *hub.guards.authenticated_middleware(),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app


def _traced(hub: Hub) -> list[Middleware]:
    """A span per request (`gateway.tracing`), continuing the caller's `traceparent`."""
    if hub.tracer_provider is None:
        return []
    return [
        Middleware(
            OpenTelemetryMiddleware,
            tracer_provider=hub.tracer_provider,
            excluded_urls=tracing.EXCLUDED_URLS,
            exclude_spans=["receive", "send"],
        )
    ]


def _graphiql_assets(settings: Settings) -> list[BaseRoute]:
    """GraphiQL's scripts and styles, installed with the hub (see `gateway.graphiql`)."""
    if not settings.graphiql_enabled:
        return []
    return [Mount(graphiql.PREFIX, app=StaticFiles(directory=graphiql.ASSET_DIR, check_dir=False))]


def _forwarded(settings: Settings) -> list[Middleware]:
    """The client address and scheme from X-Forwarded-For/-Proto, but only when the peer is
    one of `trusted_proxies`: anyone else could claim any address and escape the per-IP
    limit. uvicorn's own handling (which trusts 127.0.0.1) is off, see `gateway.server`."""
    if not settings.trusted_proxies:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)]


def _compression(settings: Settings) -> list[Middleware]:
    """Large responses compressed as the client's Accept-Encoding allows: zstd, brotli,
    then gzip (starlette-compress); a 100-member page shrinks from 42 KB to about 5 KB."""
    if not settings.compression:
        return []
    add_compress_type(GRAPHQL_RESPONSE_JSON)  # not among the package's defaults
    return [Middleware(CompressMiddleware, minimum_size=settings.compression_minimum_bytes)]


def _cors(settings: Settings) -> list[Middleware]:
    """Browser frontends on other origins (Apollo, urql, Relay) need CORS; preflights are
    answered before rate limits and authentication see them."""
    if not settings.cors_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=settings.cors_allow_headers,
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    ]  # fmt: skip
