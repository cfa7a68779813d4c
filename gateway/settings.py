"""Settings from the environment (prefix `DUALHUB_`) or a `.env` file."""

from __future__ import annotations

import importlib
import ipaddress
from typing import Annotated, Literal

import limits
from pydantic import AfterValidator, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

EMBEDDED_UNITS_URL = "sqlite+aiosqlite:///./data/units.db"
EMBEDDED_COMMUNITY_URL = "sqlite+aiosqlite:///./data/community.db"

# What browser clients send besides the CORS-safelisted headers: the token, the body's
# type, a request id, Apollo's CSRF-prevention header and client awareness, trace context.
DEFAULT_CORS_HEADERS = (
    "Authorization", "Content-Type", "X-Request-ID", "Apollo-Require-Preflight",
    "apollographql-client-name", "apollographql-client-version", "traceparent", "tracestate",
)  # fmt: skip


def _rate(value: str | None) -> str | None:
    """A rate such as "120/minute", checked at startup; "" means no limit."""
    if value is None or not value.strip():
        return None
    limits.parse(value)  # raises ValueError: "couldn't parse rate limit string"
    return value


Rate = Annotated[str | None, AfterValidator(_rate)]


def _proxies(value: str) -> str:
    """Comma-separated IP addresses or networks (CIDR), checked at startup; "" trusts none."""
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            ipaddress.ip_network(item, strict=True)
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an IP address or network: {exc}") from exc
    return ",".join(part.strip() for part in value.split(",") if part.strip())


Proxies = Annotated[str, AfterValidator(_proxies)]

# The drivers the hub runs on, and the module each needs.
_DRIVERS = {"sqlite": ("aiosqlite", "aiosqlite"), "postgresql": ("asyncpg", "asyncpg")}


def _database_url(value: str) -> str:
    """A SQLAlchemy URL the hub can use: SQLite through aiosqlite or PostgreSQL through
    asyncpg, with the driver installed. Checked at startup, so a mistake is one clear line."""
    if value.startswith(("postgres://", "postgres+")):
        raise ValueError(
            "'postgres://' is not a SQLAlchemy URL: write postgresql+asyncpg://user@host/db"
        )
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(
            "not a database URL: write sqlite+aiosqlite:///path/to/file.db or "
            "postgresql+asyncpg://user:password@host:5432/database"
        ) from exc
    backend = url.get_backend_name()
    if backend not in _DRIVERS:
        raise ValueError(f"the hub runs on SQLite or PostgreSQL, not {backend!r}")
    driver, module = _DRIVERS[backend]
    if url.get_driver_name() != driver:
        raise ValueError(
            f"{backend} needs the async driver {driver}: write {backend}+{driver}://..."
        )
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ValueError(
            f"the database driver {module} is not installed ({exc}): pip install {module}"
        ) from exc
    return value


DatabaseUrl = Annotated[str, AfterValidator(_database_url)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUALHUB_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = Field(
        "development",
        description="development: GraphiQL, introspection, generated signing secret, demo "
        "tokens. production: refuses to start without keys; GraphiQL and introspection off "
        "unless enabled. Unexpected errors are masked in both modes.",
    )
    units_database_url: DatabaseUrl = Field(
        EMBEDDED_UNITS_URL, description="Work-unit side database (SQLite or PostgreSQL)."
    )
    community_database_url: DatabaseUrl = Field(
        EMBEDDED_COMMUNITY_URL, description="Community side database (SQLite or PostgreSQL)."
    )
    audit_database_url: DatabaseUrl = Field(
        "sqlite+aiosqlite:///./data/audit.db",
        description="The hub's own append-only audit log (SQLite or PostgreSQL).",
    )
    audit_outbox_interval_seconds: float = Field(
        15.0,
        ge=0,
        description="How often the background delivery moves audit entries left in the sides' "
        "outboxes (the audit log was down) to the audit log; 0: only at the end of requests.",
    )
    audit_outbox_grace_seconds: float = Field(
        30.0,
        ge=0,
        description="Age an outbox entry must reach before the background delivery sends it, "
        "so it does not race the request that is delivering it.",
    )
    debug_sql: bool = Field(
        False, description="Add extensions.sqlStatements to every GraphQL response."
    )
    document_cache_size: int = Field(
        1_000,
        ge=0,
        description="Valid GraphQL documents kept parsed and validated, by text and limits "
        "(schema.limits.DocumentCache); 0: parse and validate every request.",
    )
    leaf_fast_path: bool = Field(
        True,
        description="Complete objects whose selected fields are all plain leaves in one pass "
        "(schema.executor); off: graphql-core's per-field execution everywhere.",
    )
    max_page_size: int = Field(100, ge=1, le=1000, description="Cap on `first` for any list.")
    # Hostile and careless input: every limit answers with a coded GraphQL error.
    max_query_depth: int = Field(
        15,
        ge=1,
        description="Deepest nesting of fields in an operation. Relay's edges and node count "
        "as levels, so a list inside a list is already 5 deep.",
    )
    max_aliases: int = Field(30, ge=0, description="Most aliases in one document.")
    max_tokens: int = Field(
        2_000, ge=1, description="Most tokens (names, punctuation, values) in one document."
    )
    max_query_cost: int = Field(
        50_000,
        ge=1,
        description="Highest estimated cost of an operation: list sizes (`first`, 20 when "
        "absent) multiplied through nesting, summed.",
    )
    max_expanded_fields: int = Field(
        2_000,
        ge=1,
        description="Most fields in one document once every fragment is expanded where it "
        "is spread (a fragment spread twice counts twice).",
    )
    max_field_overlaps: int = Field(
        500,
        ge=0,
        description="Most comparisons of fields answering to the same name in one selection "
        "set (fragments flattened), which graphql-core makes pairwise; a pair counts 2 plus "
        "the fields below both.",
    )
    max_body_bytes: int = Field(
        100 * 1024, ge=1024, description="Largest request body (HTTP 413 above)."
    )
    max_batch_size: int = Field(
        10,
        ge=0,
        le=100,
        description="Most operations in one batched request (a JSON array); 0: no batching.",
    )
    query_timeout_seconds: float = Field(
        5.0, gt=0, description="Time limit of one datasource statement."
    )
    trusted_documents: str | None = Field(
        None,
        description="JSON manifest {sha256: document} of trusted documents (`dualhub documents build`).",
    )
    trusted_documents_only: bool = Field(False, description="Run only documents of the manifest.")
    rate_limit_per_ip: Rate = Field(
        "120/minute",
        description="Requests per client IP without a valid token (anonymous, or refused "
        "as unauthenticated), to every route but /healthz and /readyz; empty: no limit.",
    )
    rate_limit_per_token: Rate = Field(
        "600/minute",
        description="Requests per verified identity (issuer, subject, role and scope of a "
        "valid token), to every route but /healthz and /readyz; empty: no limit.",
    )
    trusted_proxies: Proxies = Field(
        "",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For / X-Forwarded-Proto are believed, e.g. 10.0.0.5,10.1.0.0/16. "
        "Default: none, every peer is the client (not even 127.0.0.1 is trusted).",
    )
    max_header_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description="Largest request head (request line and headers) uvicorn reads; a larger "
        "one is answered 431 and the connection closed.",
    )
    header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Time a connection has to deliver a complete request head, counted from "
        "its opening or the end of the previous response; then it is closed (408).",
    )
    shutdown_grace_seconds: float = Field(
        30.0,
        gt=0,
        description="On shutdown (SIGTERM, a rolling restart), how long requests in flight and "
        "open subscriptions get to finish before they are cancelled and the process exits.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis shared by all hub processes for rate limits and live events, e.g. "
        "redis://127.0.0.1:6379/0.",
    )
    rate_limit_key_prefix: str = Field(
        "dualhub", description="Prefix of the rate limit keys in Redis."
    )
    # Live updates (subscriptions over graphql-transport-ws and SSE): gateway/live/.
    live_max_connections_per_identity: int = Field(
        5,
        ge=1,
        description="Live connections (WebSockets and SSE streams) one identity may hold open "
        "at once in one hub process (anonymous ones: per client address); one more is "
        "refused with RATE_LIMITED.",
    )
    live_max_subscriptions_per_connection: int = Field(
        20,
        ge=1,
        description="Operations one WebSocket may run at once; one more is refused with "
        "RATE_LIMITED (an SSE stream carries one).",
    )
    live_connection_init_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Time a WebSocket has to send `connection_init` after it opens; then it "
        "is closed with 4408 (graphql-ws).",
    )
    live_idle_timeout_seconds: float = Field(
        300.0,
        ge=0,
        description="A WebSocket running no operation for this long is closed (1000, idle "
        "timeout); 0: never.",
    )
    live_keepalive_seconds: float = Field(
        15.0,
        gt=0,
        description="Interval of the keep-alive the hub sends on a live connection: a "
        "graphql-ws `ping` message on WebSockets, a `: ping` comment on SSE streams.",
    )
    live_max_queued_events: int = Field(
        1000,
        ge=1,
        description="Events one subscription may have waiting for its client; past it the "
        "subscription ends with SERVICE_BUSY and the client catches up from the durable "
        "records.",
    )
    live_overdue_sweep_seconds: float = Field(
        60.0,
        ge=0,
        description="How often the hub tells order subscribers of the open orders that "
        "became overdue (超时) since the last time: nothing writes that change, the clock "
        "does; 0: never.",
    )
    live_channel_prefix: str = Field(
        "dualhub:live",
        description="Prefix of the Redis pub/sub channels live events travel on between hub "
        "processes (with DUALHUB_REDIS_URL).",
    )
    graphiql: bool | None = Field(
        None, description="Serve the GraphiQL IDE at /graphql [default: on in development]."
    )
    introspection: bool | None = Field(
        None, description="Allow schema introspection [default: on in development]."
    )
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = Field(
        "info", description="Log level of the hub and uvicorn."
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="text: readable lines; json: one JSON object per line (time, level, logger, "
        "request_id, message; a request's line adds method, path, status, duration_ms, "
        "operation, role, error_codes, trace_id). Every line carries its request id.",
    )
    metrics: bool = Field(True, description="Serve Prometheus metrics at /metrics.")
    metrics_allow_from: Proxies = Field(
        "127.0.0.1/32,::1/128",
        description="Comma-separated addresses or networks whose connections may read "
        "/metrics without a token (the direct peer, not X-Forwarded-For); default: this host "
        "only. Empty: only with DUALHUB_METRICS_TOKEN.",
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="A bearer token that may read /metrics from anywhere "
        "(`Authorization: Bearer <token>`, e.g. Prometheus' `authorization` setting).",
    )
    metrics_operation_names: int = Field(
        200,
        ge=0,
        description="Distinct operation names a process labels request metrics with; later "
        "ones count as `other` (anonymous operations as `anonymous`), so clients cannot grow "
        "the number of series.",
    )
    cors_allow_origins: list[str] | None = Field(
        None,
        description="Origins browsers may call the hub from (CORS), e.g. "
        '["https://dashboard.example.cn"]. Default: any origin in development, none in '
        "production. Tokens travel in the Authorization header, never in cookies.",
    )
    cors_allow_headers: list[str] = Field(
        list(DEFAULT_CORS_HEADERS),
        description="Request headers browsers may send from other origins (CORS preflight), "
        "besides the CORS-safelisted ones. Default: Authorization, Content-Type, X-Request-ID, "
        "Apollo-Require-Preflight, Apollo's client awareness (apollographql-client-name, "
        "apollographql-client-version) and W3C trace context (traceparent, tracestate). "
        "Setting it replaces the list.",
    )
    compression_minimum_bytes: int = Field(
        1024,
        ge=0,
        description="Responses of at least this many bytes are compressed (zstd, brotli or "
        "gzip, whichever the client's Accept-Encoding allows, in that order); 0 compresses "
        "all.",
    )
    compression: bool = Field(
        True,
        description="Compress responses; turn off when a proxy in front already does.",
    )
    gc_threshold: int = Field(
        50_000,
        ge=0,
        description="First-generation threshold of Python's garbage collector once the hub "
        "has started (see gateway/heap.py); 0 keeps CPython's default of 700.",
    )
    data_dir: str = Field(
        "./data", description="Where the embedded default keeps its files (generated secret)."
    )
    # Evidence uploads (GraphQL multipart requests, gateway/files): docs/limits.md.
    upload_dir: str | None = Field(
        None,
        description="Folder of the local file store (content-addressed by SHA-256) that holds "
        "uploaded evidence; default DATA_DIR/files.",
    )
    upload_max_file_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        description="Largest uploaded file (after the multipart encoding is removed); a larger "
        "one refuses the whole request, 413 FILE_TOO_LARGE.",
    )
    upload_max_request_bytes: int = Field(
        40 * 1024 * 1024,
        ge=1024,
        description="Largest multipart (upload) request body, all files together; it replaces "
        "DUALHUB_MAX_BODY_BYTES for multipart/form-data requests only. 413 above.",
    )
    upload_max_files: int = Field(
        9,
        ge=0,
        description="Most files in one multipart request; more refuse it, 400 TOO_MANY_FILES. "
        "0: uploads off (multipart requests are refused with 415).",
    )
    upload_max_image_pixels: int = Field(
        40_000_000,
        ge=1,
        description="Largest image (width x height) an upload may decode to; a larger one is "
        "refused (FILE_TYPE_NOT_ALLOWED) before it is decoded, against decompression bombs.",
    )
    jwt_secret: SecretStr | None = Field(
        None,
        description="HS256 signing secret. In development a random one is generated into "
        "DATA_DIR/jwt-secret when unset.",
    )
    jwt_public_key_file: str | None = Field(
        None, description="PEM public key (RS256/ES256) to verify tokens from an identity provider."
    )
    jwks_url: str | None = Field(None, description="JWKS URL of the identity provider.")
    jwt_algorithms: list[str] = Field(
        ["HS256", "RS256", "ES256"], description="Accepted signature algorithms."
    )
    jwt_issuer: str = Field("dualhub", description="Required `iss` claim.")
    jwt_audience: str = Field("dualhub", description="Required `aud` claim.")
    jwt_leeway_seconds: int = Field(30, ge=0, description="Clock-skew leeway for exp/nbf/iat.")
    jwt_max_lifetime_seconds: int = Field(
        24 * 3600,
        ge=60,
        description="Longest token lifetime accepted (`exp` - `iat`); longer ones, and an "
        "`iat` in the future beyond the leeway, are refused. `dualhub token --ttl` stays "
        "within it.",
    )

    @property
    def upload_folder(self) -> str:
        """The local file store's folder."""
        return self.upload_dir or f"{self.data_dir.rstrip('/')}/files"

    @property
    def embedded(self) -> bool:
        """Both sides on SQLite: the zero-setup default, where demo data may be loaded."""
        urls = (self.units_database_url, self.community_database_url)
        return all(make_url(url).get_backend_name() == "sqlite" for url in urls)

    @property
    def metrics_networks(self) -> list[str]:
        return [item for item in self.metrics_allow_from.split(",") if item]

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.production

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.production

    @property
    def cors_origins(self) -> list[str]:
        if self.cors_allow_origins is not None:
            return self.cors_allow_origins
        return [] if self.production else ["*"]
