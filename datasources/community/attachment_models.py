"""Evidence files (佐证材料) attached to community-side records: the photos of a closed
order, of an activity signup's hours, of a fulfilled micro-wish.

The bytes live in the hub's file store (`gateway.files.storage`), addressed by their SHA-256;
a row here ties one stored file to one record and says who uploaded it, when, and what it
is (content type and size decided from the content, never from the name). Rows are never
deleted: evidence is part of the trail appraisal relies on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from datasources.common import timestamp, utcnow
from datasources.community.models import CommunityBase

# The records files attach to, by their GraphQL type name (`entity_type`).
ATTACHABLE = ("ServiceOrder", "ActivitySignup", "MicroWish")


class Attachment(CommunityBase):
    """One stored file attached to one record (附件)."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_entity", "entity_type", "entity_id", "id"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    # The store's key: the lowercase hex SHA-256 of the stored bytes (after GPS stripping).
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # The name the client gave, for display and downloads only; never used to decide anything.
    file_name: Mapped[str] = mapped_column(String(200))
    # Who uploaded it: issuer + subject + role + scope (`Viewer.identity_key`).
    uploader_issuer: Mapped[str] = mapped_column(String(200))
    uploader_subject: Mapped[str] = mapped_column(String(120))
    uploader_role: Mapped[str] = mapped_column(String(32))
    uploader_scope: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(timestamp(), default=utcnow)
