"""Column helpers shared by the datasources' models (no cross-database references)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """Store an enum as its value in a VARCHAR with a CHECK, portable across dialects."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


def timestamp() -> DateTime:
    return DateTime(timezone=True)


class AppraisalGrade(enum.Enum):
    """A year's evaluation grade (评价等次), on both sides (community and organisation)."""

    EXCELLENT = "excellent"  # 优秀
    QUALIFIED = "qualified"  # 合格
    BASICALLY_QUALIFIED = "basically_qualified"  # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格
