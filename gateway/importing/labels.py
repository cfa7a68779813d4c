"""Chinese labels of the enums an import file may name, read from the one place the code
already keeps them: the GraphQL enums' descriptions in `schema/enums.py` (e.g. "AGENCY 机关,
PUBLIC_INSTITUTION 事业单位" or "街道 (STREET) or 镇 (TOWN)").

A description that stops naming a member's label fails loudly at import time of this
module, not with a silently unreadable column; `tests/test_import_files.py` also checks the
labels agree with the spreadsheet exports' tables (`resolvers.reports.STATUS_NAMES`,
`datasources.community.linkage_forms.KIND_NAMES`).
"""

from __future__ import annotations

import enum
import re
from typing import Any

import schema.enums  # noqa: F401  (registers the descriptions on the enum classes)

# "NAME 标签" and "标签 (NAME)": an upper-case GraphQL name next to a run of CJK text.
_NAME_THEN_LABEL = re.compile(r"\b([A-Z][A-Z0-9_]*)\s+([\u4e00-\u9fff]+)")
_LABEL_THEN_NAME = re.compile(r"([\u4e00-\u9fff]+)\s*\(([A-Z][A-Z0-9_]*)\)")


class MissingLabel(LookupError):
    """An enum member has no Chinese label in its GraphQL description."""


def enum_labels(enum_cls: type[enum.Enum]) -> dict[enum.Enum, str]:
    """Each member of `enum_cls` with its Chinese label, in declaration order."""
    definition: Any = getattr(enum_cls, "__strawberry_definition__", None)
    description = getattr(definition, "description", None) or ""
    found: dict[str, str] = {}
    for name, label in _NAME_THEN_LABEL.findall(description):
        found.setdefault(name, label)
    for label, name in _LABEL_THEN_NAME.findall(description):
        found.setdefault(name, label)
    labels: dict[enum.Enum, str] = {}
    for member in enum_cls:
        if member.name not in found:
            raise MissingLabel(f"{enum_cls.__name__}.{member.name} has no Chinese label")
        labels[member] = found[member.name]
    if len(set(labels.values())) != len(labels):
        raise MissingLabel(f"{enum_cls.__name__}: two members share a Chinese label")
    return labels
