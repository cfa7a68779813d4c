"""The request body size limit: HTTP 413 above it, before the application reads the body."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.refusals import refusal
from schema.errors import ErrorCode

DEFAULT_MAX_BODY_BYTES = 100 * 1024


def body_too_large(limit: int) -> JSONResponse:
    return refusal(
        413,
        ErrorCode.QUERY_TOO_COMPLEX,
        f"请求体过大，请精简查询或变量。The request body exceeds the limit of {limit:,} bytes.",
        limit=limit,
    )


def upload_too_large(limit: int) -> JSONResponse:
    return refusal(
        413,
        ErrorCode.FILE_TOO_LARGE,
        f"上传的文件合计过大。The multipart request exceeds the limit of {limit:,} bytes "
        "for all its files together.",
        limit=limit,
    )


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413, before the application reads them.

    A declared `Content-Length` over the limit is refused at once; otherwise the body is
    read here, up to the limit (so a chunked or lying upload is cut off too), and replayed
    to the application. Pure ASGI: nothing is buffered beyond `max_bytes`.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_multipart_bytes: int | None = None,
    ) -> None:  # fmt: skip
        self.app = app
        self.max_bytes = max_bytes
        # Uploads (multipart/form-data) have their own, larger limit; None: the same one.
        self.max_multipart_bytes = max_multipart_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, too_large = self.max_bytes, body_too_large
        if self.max_multipart_bytes is not None and _is_multipart(scope):
            limit, too_large = self.max_multipart_bytes, upload_too_large
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await too_large(limit)(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away: let the application see it as usual.
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([whole], receive), send)


def _is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"multipart/form-data"
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
