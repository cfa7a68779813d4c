"""Evidence files (附件): the `Upload` scalar's counterpart on the read side.

Files arrive through the GraphQL multipart request spec (see docs/uploads.md) in
`closeOrder.photos`, `recordActivityHours.photos` and `fulfilMicroWish.photos`; each becomes
an `Attachment` of the record, readable by whoever may read the record. The bytes are served
at `url` (`GET /files/{id}`, bearer token, same scope, audited), never inline in GraphQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from schema.base import Info

__all__ = ["PHOTOS_DESCRIPTION", "Attachment", "Upload", "attachments"]

PHOTOS_DESCRIPTION = (
    "Files uploaded with this request (上传附件) by the GraphQL multipart request spec: JPEG, "
    "PNG, WebP or PDF, decided from the content; GPS location is removed from photos. "
    "Optional; see docs/uploads.md for the limits."
)


@strawberry.type(
    description="A file attached to a record as evidence (附件/佐证材料): a photo of a "
    "service, a scanned sign-in sheet. Visible to whoever may see the record; the bytes are "
    "at `url` with the same bearer token."
)
class Attachment:
    id: strawberry.ID = strawberry.field(description="The attachment's id (附件编号).")
    file_name: str = strawberry.field(
        description="The name the uploader's device gave the file (文件名); display only."
    )
    content_type: str = strawberry.field(
        description="Its media type, decided from the content (文件类型), e.g. image/jpeg."
    )
    size: int = strawberry.field(description="Size in bytes as stored (文件大小).")
    sha256: str = strawberry.field(description="SHA-256 of the stored bytes, hex (校验值).")
    uploaded_by_role: str = strawberry.field(description="Role of the uploader (上传人角色).")
    created_at: datetime = strawberry.field(description="When it was uploaded (上传时间).")

    @strawberry.field(
        description="Where to download it (下载地址): a path on the hub, `GET` with the same "
        "bearer token; 404 for anyone who may not see the record."
    )
    def url(self) -> str:
        return f"/files/{self.id}"

    @classmethod
    def from_row(cls, row: Any) -> Attachment:
        return cls(
            id=strawberry.ID(str(row.id)), file_name=row.file_name,
            content_type=row.content_type, size=row.size, sha256=row.sha256,
            uploaded_by_role=row.uploader_role, created_at=row.created_at,
        )  # fmt: skip


async def attachments(info: Info, entity_type: str, entity_id: int) -> list[Attachment]:
    """The record's files, oldest first, batched across the request."""
    rows = await info.context.community.attachments_of(entity_type).load(entity_id)
    return [Attachment.from_row(row) for row in rows]
