"""Evidence files (佐证材料) attached by mutations: checked before anything is written,
stored in the mutation's own transaction.

A mutation that takes files calls `prepare` before its transaction: every file is read,
its type decided from its content and photos stripped of their GPS location
(`datasources.files.checks`); one file refused refuses the mutation (FILE_TYPE_NOT_ALLOWED,
with the file's input path) and nothing is stored. Inside the transaction `attach` puts the
bytes into the file store (content-addressed, so a rolled-back transaction leaves at most an
unreferenced file, never a row) and adds one `attachments` row per file, with the uploader's
identity. Sizes and counts are the gateway's limits (`gateway.guards`), before GraphQL runs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community.attachment_models import Attachment
from datasources.files.checks import CheckedFile, FileRefused, check
from datasources.files.storage import key_of
from resolvers.context import HubContext
from resolvers.workflow import Refusal, RefusalCode

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def file_name(upload: Any) -> str:
    """The client's name of the file without any folder or control character, at most
    200 characters; for display only."""
    raw = str(getattr(upload, "filename", None) or "file")
    name = _UNSAFE_NAME.sub("_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return (name or "file")[-200:]


async def read_upload(upload: Any, field: str) -> bytes:
    """The bytes of an `Upload` (Starlette's `UploadFile`; raw bytes when the schema is run
    directly). A variable sent as JSON instead of a file part is refused."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    if not (hasattr(upload, "read") and hasattr(upload, "seek")):
        raise Refusal(
            RefusalCode.INVALID_INPUT,
            "请以文件形式上传（multipart/form-data）。",
            field,
        )
    await upload.seek(0)
    data: bytes = await upload.read()
    return data


async def prepare(
    ctx: HubContext, uploads: Sequence[Any] | None, allowed: frozenset[str], field: str,
    *, single: bool = False,
) -> list[CheckedFile]:  # fmt: skip
    """Every upload checked and made safe to keep, or a `Refusal` naming the first bad one
    (`field.N`, or `field` itself for a `single` file)."""
    checked: list[CheckedFile] = []
    for index, upload in enumerate(uploads or ()):
        path = field if single else f"{field}.{index}"
        data = await read_upload(upload, path)
        try:
            checked.append(
                await asyncio.to_thread(
                    check, data, file_name(upload), allowed, max_pixels=ctx.max_image_pixels
                )
            )
        except FileRefused as refused:
            raise Refusal(RefusalCode.FILE_TYPE_NOT_ALLOWED, refused.message, path) from refused
    return checked


async def attach(
    session: AsyncSession, ctx: HubContext, entity_type: str, entity_id: int,
    files: Sequence[CheckedFile],
) -> list[Attachment]:  # fmt: skip
    """Store the files and attach them to the record, in the caller's transaction."""
    if not files:
        return []
    if ctx.files is None:
        raise RuntimeError("this hub has no file store")
    viewer = ctx.viewer
    rows = []
    for item in files:
        key = await ctx.files.put(item.data)
        assert key == key_of(item.data)
        row = Attachment(
            entity_type=entity_type, entity_id=entity_id, sha256=key,
            content_type=item.content_type, size=len(item.data), file_name=item.file_name,
            uploader_issuer=viewer.issuer[:200], uploader_subject=viewer.subject[:120],
            uploader_role=(viewer.token_role or viewer.role.value)[:32],
            uploader_scope=",".join(f"{k}={v}" for k, v in sorted(viewer.scope_claims().items()))[:200],
        )  # fmt: skip
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows
