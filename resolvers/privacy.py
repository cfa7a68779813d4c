"""The member's privacy choices: reading them and changing them (one transaction)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from datasources.common import utcnow
from datasources.community.models import PrivacyPreference
from datasources.community.source import CommunitySource


async def save_preferences(
    community: CommunitySource,
    member_code: str,
    *,
    share_phone: bool | None,
    share_skills: bool | None,
) -> PrivacyPreference:
    """Upsert the given choices; unspecified ones keep their value (default: share)."""
    changes: dict[str, Any] = {"updated_at": utcnow()}
    if share_phone is not None:
        changes["share_phone_with_community"] = share_phone
    if share_skills is not None:
        changes["share_skills_with_community"] = share_skills
    dialect = postgresql if community.dialect == "postgresql" else sqlite
    statement = (
        dialect.insert(PrivacyPreference)
        .values(member_code=member_code, **changes)
        .on_conflict_do_update(index_elements=[PrivacyPreference.member_code], set_=changes)
        .returning(PrivacyPreference)
    )
    async with community.transaction() as session:
        saved: PrivacyPreference = (await session.scalars(statement)).one()
    return saved
