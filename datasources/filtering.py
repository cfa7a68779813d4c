"""Small builders for WHERE clauses that every datasource's list filters share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, false
from sqlalchemy.orm import InstrumentedAttribute


def contains(column: InstrumentedAttribute[Any], text: str) -> ColumnElement[bool]:
    """Case-sensitive substring match with LIKE wildcards in `text` taken literally."""
    return column.contains(text, autoescape=True)


def one_of(column: InstrumentedAttribute[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN values`; an empty choice matches nothing, as a client would expect."""
    return column.in_(values) if values else false()
