"""Hostile and careless input: every limit of a hub process, built from its settings.

Before GraphQL (HTTP status, GraphQL-shaped body):
* a method other than GET and POST, or a mutation over GET: 405 with `Allow`; a POST body
  that is neither JSON nor multipart: 415 (`GuardedGraphQL` below);
* requests per IP (`gateway.ratelimit.AddressRateLimit`) and, after authentication, per
  verified identity (`IdentityRateLimit`), every route but the health checks (429);
* request body size: `gateway.body_limit.BodySizeLimit` (413);
* operations per batch: `GuardedGraphQL` below (400).

In GraphQL (HTTP 200, `errors[].extensions.code`):
* trusted documents and APQ: `GuardedGraphQL` below, with `gateway.documents`;
* tokens, expanded fields, depth, aliases, cost, introspection: `schema.limits.QueryLimits`,
  reading the `RequestLimits` the gateway puts in each request's context; the operations
  of a batch share one cost budget (`HubContext.cost_spent`);
* statement time: the datasources' engines (`datasources.timeouts`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import SubscriptionExecutionResult

from gateway.body_limit import BodySizeLimit
from gateway.documents import TrustedDocuments, load_manifest
from gateway.media import GRAPHQL_RESPONSE_JSON, JSON, response_media_type
from gateway.media import shape_for_graphql_response_json as shape
from gateway.observation import note_operation
from gateway.ratelimit import AddressRateLimit, IdentityRateLimit, RateLimits
from gateway.refusals import Refused, refusal
from gateway.settings import Settings
from resolvers.context import HubContext
from schema.errors import ErrorCode
from schema.limits import RequestLimits

if TYPE_CHECKING:
    from cross_web import AsyncHTTPRequestAdapter
    from strawberry.http.base import BaseRequestProtocol


@dataclass(frozen=True)
class UploadLimits:
    """Multipart (upload) requests: files per request, bytes per file and per request."""

    max_files: int = 9
    max_file_bytes: int = 10 * 1024 * 1024
    max_request_bytes: int = 40 * 1024 * 1024


# Apollo's CSRF prevention: a browser sends either header only after a CORS preflight.
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")


def preflighted(headers: Any) -> bool:
    """Whether a multipart request carries a header no plain HTML form can send, so a
    browser on another origin could only have sent it after a CORS preflight the hub
    answered: Apollo's `Apollo-Require-Preflight` / `X-Apollo-Operation-Name` (non-empty),
    or the `Authorization` header that carries the hub's bearer token (not CORS-safelisted
    either, and the only way a request acts as someone; docs/uploads.md)."""
    return any((headers.get(name) or "").strip() for name in (*PREFLIGHT_HEADERS, "authorization"))


@dataclass
class Guards:
    """The limits of one hub process (one app), from its settings."""

    limits: RequestLimits
    documents: TrustedDocuments
    rate_limits: RateLimits
    max_batch_size: int
    max_body_bytes: int
    uploads: UploadLimits = dataclasses.field(default_factory=lambda: UploadLimits())

    @classmethod
    def from_settings(cls, settings: Settings) -> Guards:
        manifest = load_manifest(settings.trusted_documents) if settings.trusted_documents else {}
        return cls(
            limits=RequestLimits(
                max_depth=settings.max_query_depth,
                max_aliases=settings.max_aliases,
                max_tokens=settings.max_tokens,
                max_cost=settings.max_query_cost,
                max_fields=settings.max_expanded_fields,
                max_overlaps=settings.max_field_overlaps,
                introspection=settings.introspection_enabled,
            ),
            documents=TrustedDocuments(manifest, trusted_only=settings.trusted_documents_only),
            rate_limits=RateLimits(
                settings.rate_limit_per_ip,
                settings.rate_limit_per_token,
                redis_url=settings.redis_url,
                key_prefix=settings.rate_limit_key_prefix,
            ),
            max_batch_size=settings.max_batch_size,
            max_body_bytes=settings.max_body_bytes,
            uploads=UploadLimits(
                max_files=settings.upload_max_files,
                max_file_bytes=settings.upload_max_file_bytes,
                max_request_bytes=settings.upload_max_request_bytes,
            ),
        )

    def middleware(self) -> list[Middleware]:
        """Outermost first: count the request before reading its body."""
        return [
            Middleware(AddressRateLimit, limits=self.rate_limits),
            Middleware(
                BodySizeLimit,
                max_bytes=self.max_body_bytes,
                max_multipart_bytes=self.uploads.max_request_bytes
                if self.uploads.max_files
                else None,
            ),
        ]

    def authenticated_middleware(self) -> list[Middleware]:
        """Inside authentication: the limits that key on the verified viewer."""
        return [Middleware(IdentityRateLimit, limits=self.rate_limits)]

    async def close(self) -> None:
        await self.rate_limits.close()


@dataclass
class NamedRequestData(GraphQLRequestData):
    """A request that names its document (`documentId`) instead of sending it."""

    document_id: Any = None


class GuardedGraphQL(GraphQL[HubContext, None]):
    """strawberry's ASGI view with batch limits and trusted documents."""

    guards: Guards

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # strawberry answers a request it cannot read with plain text; a client reading
        # `errors[].extensions.code` gets the same shape as for every other refusal.
        response: Response
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except Refused as refused:
            response = refused.response
        except HTTPException as exc:
            if exc.status_code == 405:
                response = method_not_allowed(
                    "GET, POST",
                    "此地址只接受 GET 和 POST 请求。"
                    f"Method {scope['method']} is not allowed here: use GET or POST.",
                )
            else:
                response = refusal(
                    exc.status_code,
                    ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.BAD_USER_INPUT,
                    f"请求无法处理。{exc.reason}",
                )
        finally:
            # A multipart request's files (spooled to temporary files) are closed here.
            await request.close()
        await response(scope, receive, send)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        """strawberry's sub-response, carrying the media type the response will have
        (`gateway.media`): `create_response` is not given the request."""
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status = 200
        if media_type == GRAPHQL_RESPONSE_JSON:
            results = response_data if isinstance(response_data, list) else [response_data]
            statuses = [shape(cast("dict[str, Any]", result)) for result in results]
            # A batch has no single status: its operations ran or not each on its own.
            status = statuses[0] if not isinstance(response_data, list) else 200
        response = super().create_response(response_data, sub_response)
        if sub_response.status_code is None:
            response.status_code = status
        if media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
        return response

    def decode_json(self, data: str | bytes) -> object:
        """Strict JSON: valid UTF-8 without lone surrogates, no NaN or Infinity, nested at
        most 1,024 deep (orjson's limits). Anything else is the client's error, HTTP 400."""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise Refused(
                refusal(
                    400,
                    ErrorCode.BAD_USER_INPUT,
                    "请求体不是有效的 JSON。The body is not valid JSON in UTF-8 "
                    f"(strict: no NaN, no lone surrogates, at most 1,024 levels deep): {exc}.",
                )
            ) from exc

    async def check_multipart(self, request: AsyncHTTPRequestAdapter) -> None:
        """A multipart request (GraphQL multipart request spec) must be preflighted, and
        hold at most `max_files` files of at most `max_file_bytes` each: refused before any
        operation runs, so nothing is written. The parsed form is Starlette's, cached on
        the request, so strawberry parses it once."""
        limits = self.guards.uploads
        if not preflighted(request.headers):
            raise Refused(
                refusal(
                    400,
                    ErrorCode.CSRF_PREFLIGHT_REQUIRED,
                    "上传请求缺少防跨站请求伪造的请求头。This multipart request may have been "
                    "sent by a plain HTML form (a CSRF attempt): send it with the bearer "
                    "token, or with a non-empty Apollo-Require-Preflight or "
                    "X-Apollo-Operation-Name header.",
                )
            )
        try:
            form = cast("Any", (await request.get_form_data()).form)  # Starlette's FormData
        except Exception as exc:
            raise Refused(
                refusal(
                    400,
                    ErrorCode.BAD_USER_INPUT,
                    f"上传请求无法解析。The multipart body cannot be read: {exc}.",
                )
            ) from exc
        uploads = [value for _, value in form.multi_items() if not isinstance(value, str)]
        if len(uploads) > limits.max_files:
            raise Refused(
                refusal(
                    400,
                    ErrorCode.TOO_MANY_FILES,
                    f"一次最多上传 {limits.max_files} 个文件。The request holds {len(uploads)} "
                    f"files, more than the limit of {limits.max_files}.",
                    files=len(uploads),
                    limit=limits.max_files,
                )
            )
        for upload in uploads:
            size = upload.size if upload.size is not None else len(await upload.read())
            if size > limits.max_file_bytes:
                raise Refused(
                    refusal(
                        413,
                        ErrorCode.FILE_TOO_LARGE,
                        f"文件“{(upload.filename or '')[:60]}”过大，单个文件不能超过 "
                        f"{limits.max_file_bytes // (1024 * 1024)} MB。A file of {size:,} bytes "
                        f"exceeds the limit of {limits.max_file_bytes:,} bytes per file.",
                        limit=limits.max_file_bytes,
                    )
                )

    def _validate_batch_request(
        self, request_data: list[Any], protocol: GraphQLRequestProtocol
    ) -> None:
        limit = self.guards.max_batch_size
        if limit == 0:
            raise Refused(
                refusal(
                    400,
                    ErrorCode.BAD_USER_INPUT,
                    "此服务不接受批量请求，请每次发送一个操作。"
                    "Batching is not enabled: send one operation per request.",
                )
            )
        if not request_data or not all(isinstance(item, dict) for item in request_data):
            raise Refused(
                refusal(
                    400,
                    ErrorCode.BAD_USER_INPUT,
                    "批量请求须为非空的操作列表。"
                    "A batch must be a non-empty JSON array of operation objects.",
                )
            )
        if len(request_data) > limit:
            raise Refused(
                refusal(
                    400,
                    ErrorCode.QUERY_TOO_COMPLEX,
                    "批量请求包含的操作过多。"
                    f"A batch of {len(request_data)} operations exceeds the limit of {limit}.",
                    operations=len(request_data),
                    limit=limit,
                )
            )
        super()._validate_batch_request(request_data, protocol)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET naming a persisted document has no `query` either, but wants JSON.
        params = request.query_params
        named = "extensions" in params or "documentId" in params
        return not named and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type != "application/json" and not (
                self.multipart_uploads_enabled and content_type == "multipart/form-data"
            ):
                raise Refused(
                    refusal(
                        415,
                        ErrorCode.BAD_USER_INPUT,
                        "请求体类型不受支持，请以 JSON 发送。"
                        f"Unsupported content type {content_type or '(none)'!r}: send the "
                        "operation as application/json (or by GET in the query string).",
                    )
                )
            if content_type == "multipart/form-data":
                await self.check_multipart(request)
        try:
            parsed = await super().parse_http_body(request)
        except AttributeError as exc:  # strawberry calls `.get` on whatever the JSON was
            raise Refused(
                refusal(
                    400,
                    ErrorCode.BAD_USER_INPUT,
                    "请求体须为 JSON 对象。The body must be a JSON object (or an array of them).",
                )
            ) from exc
        items = parsed if isinstance(parsed, list) else [parsed]
        if all(item.query is not None for item in items):
            return parsed
        # A request without a query may name its document by `documentId`, a field
        # strawberry does not keep: read it from the payload (only then, so rarely).
        raw: Any
        if request.method == "GET":
            raw = dict(request.query_params)
        else:
            raw = self.decode_json(await request.get_body())
        raws = raw if isinstance(raw, list) else [raw]
        named = [
            NamedRequestData(**vars(item), document_id=payload.get("documentId"))
            if item.query is None and isinstance(payload, dict)
            else item
            for item, payload in zip(items, raws, strict=True)
        ]
        return named if isinstance(parsed, list) else named[0]

    def _trusted(self, request_data: GraphQLRequestData) -> GraphQLRequestData | ExecutionResult:
        """The request with the document to run (trusted documents, persisted queries), or
        the result refusing it."""
        try:
            query = self.guards.documents.resolve(
                request_data.query,
                request_data.extensions,
                getattr(request_data, "document_id", None),
            )
        except GraphQLError as error:
            note_operation(request_data.operation_name, None)
            return ExecutionResult(data=None, errors=[error])
        note_operation(request_data.operation_name, query)
        if query is not request_data.query:
            request_data = dataclasses.replace(request_data, query=query)
        return request_data

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: HubContext,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        """A streamed operation (SSE) skips `execute_single`: trusted documents here."""
        if isinstance(request_data, GraphQLRequestData) and self._get_stream_transport(
            request_data.protocol
        ):
            resolved = self._trusted(request_data)
            if isinstance(resolved, ExecutionResult):
                return resolved
            request_data = resolved
        return await super().execute_operation(
            request=request,
            request_adapter=request_adapter,
            request_data=request_data,
            context=context,
            root_value=root_value,
            sub_response=sub_response,
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: HubContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        resolved = self._trusted(request_data)
        if isinstance(resolved, ExecutionResult):
            return resolved
        request_data = resolved
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as exc:
            # A mutation sent by GET (which a browser, a cache or a crawler may repeat).
            if isinstance(exc.__cause__, InvalidOperationTypeError):
                raise Refused(
                    method_not_allowed(
                        "POST",
                        "变更操作须以 POST 请求发送。Mutations must be sent by POST, not GET.",
                    )
                ) from exc
            raise


def method_not_allowed(allow: str, message: str) -> JSONResponse:
    """405 with `Allow`, the GraphQL-shaped body of every refusal."""
    return refusal(405, ErrorCode.BAD_USER_INPUT, message, headers={"Allow": allow})
