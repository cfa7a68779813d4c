"""Evidence file downloads (附件下载): `GET /files/{id}` with the bearer token of GraphQL.

The attachment is looked up through the viewer's scope (`datasources.community.policy`:
an attachment is visible to whoever may see its record): one he may not see is answered
404 exactly as one that does not exist, so the id reveals nothing. Every download is
written to the audit log first (a read of `Attachment.content`); without that record there
is no file (503 AUDIT_UNAVAILABLE), as for the appraisal spreadsheets (`gateway.reports`).

Images are served inline with their type; anything else as an attachment (a download),
always with `X-Content-Type-Options: nosniff` so a browser never guesses another type.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from datasources.files.checks import EXTENSIONS, IMAGES
from datasources.scope import Role
from gateway.refusals import refusal
from schema.errors import ErrorCode

logger = logging.getLogger("dualhub")

VIA = "GET /files"
_ID = re.compile(r"[1-9][0-9]{0,17}")
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _not_found() -> Response:
    return refusal(404, ErrorCode.NOT_FOUND, "找不到该文件。No such file the viewer may see.")


def disposition(kind: str, name: str, content_type: str) -> str:
    """RFC 6266: an ASCII fallback name and the UTF-8 one (Chinese file names)."""
    extension = EXTENSIONS.get(content_type, "bin")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    fallback = _ASCII_UNSAFE.sub("_", stem)[:60] or "file"
    return (
        f'{kind}; filename="{fallback}.{extension}"; '
        f"filename*=UTF-8''{quote(f'{stem}.{extension}', safe='')}"
    )


async def download(request: Request) -> Response:
    hub = request.app.state.hub
    viewer = request.user.viewer
    if viewer.role is Role.ANONYMOUS:
        return refusal(401, ErrorCode.UNAUTHENTICATED, "请先登录。A bearer token is required.")
    text = request.path_params["attachment_id"]
    if _ID.fullmatch(text) is None:
        return _not_found()
    ctx = hub.context(request)
    row = await ctx.community.attachment(int(text))
    if row is None:
        return _not_found()
    try:
        data = await hub.files.open(row.sha256)
    except FileNotFoundError:
        logger.error("attachment %s: file %s is missing from the store", row.id, row.sha256)
        return _not_found()
    ctx.audit.read("Attachment", row.id, "Attachment.content", via=VIA)
    events = ctx.audit.events(viewer, operation_name=f"file:{row.id}", request_id=ctx.request_id)
    try:
        await hub.audit_log.record(events)
    except Exception:
        logger.exception("request %s: audit log write failed", ctx.request_id)
        return refusal(
            503, ErrorCode.AUDIT_UNAVAILABLE,
            "审计日志暂不可用，无法下载。The audit log cannot be written.",
        )  # fmt: skip
    kind = "inline" if row.content_type in IMAGES else "attachment"
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": disposition(kind, row.file_name, row.content_type),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            # A PDF or image opened directly runs no script of the hub's origin.
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
        },
    )
