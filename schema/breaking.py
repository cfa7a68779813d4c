"""The breaking-change check: the client schema against the one a previous commit shipped.

graphql-core's `find_breaking_changes` compares the two client schemas (schema/sdl.py:
federation's machinery is not part of what clients rely on). A breaking change passes only
when `docs/schema-changes.md` lists it with its reason, one entry a line:

    - `FIELD_REMOVED` `Field Query.foo was removed.`: why, and what clients use instead

(the change's type and description as the check prints them, then a colon and the reason).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from graphql import build_schema, find_breaking_changes

from schema.sdl import SUBGRAPH_FILE, client_sdl

CHANGELOG = Path("docs") / "schema-changes.md"
_ENTRY = re.compile(r"^- `(?P<type>[A-Z_]+)` `(?P<description>[^`]+)`: (?P<reason>.*\S.*)$")


@dataclass(frozen=True)
class Change:
    type: str
    description: str

    def __str__(self) -> str:
        return f"`{self.type}` `{self.description}`"


class PreviousSchemaMissing(LookupError):
    """The reference has no schema to compare with (shallow clone, first commit, new file)."""


def breaking_changes(old_sdl: str, new_sdl: str) -> list[Change]:
    """What breaks clients of `old_sdl` in `new_sdl` (both subgraph or client SDL)."""
    old, new = build_schema(client_sdl(old_sdl)), build_schema(client_sdl(new_sdl))
    return [Change(c.type.name, c.description) for c in find_breaking_changes(old, new)]


def listed_changes(changelog: str) -> dict[Change, str]:
    """The changelog's entries: each breaking change with its reason."""
    entries: dict[Change, str] = {}
    for line in changelog.splitlines():
        match = _ENTRY.match(line.strip())
        if match:
            change = Change(match["type"], match["description"])
            entries[change] = match["reason"].strip()
    return entries


def unlisted(changes: list[Change], changelog: str) -> list[Change]:
    listed = listed_changes(changelog)
    return [change for change in changes if change not in listed]


def schema_at(ref: str, root: Path) -> str:
    """`schema.graphql` as commit `ref` has it.

    `PreviousSchemaMissing` when there is nothing to compare with: not a git checkout, a
    shallow clone without the commit, a `HEAD~n` before the first commit, or a commit
    without the file. Any other unknown `ref` is a `ValueError` (a typo must not pass).
    """
    shown = _git(root, "show", f"{ref}:{SUBGRAPH_FILE}")
    if shown.returncode == 0:
        return shown.stdout
    if _git(root, "rev-parse", "--git-dir").returncode != 0:
        raise PreviousSchemaMissing("not a git checkout")
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0:
        raise PreviousSchemaMissing(f"{ref} has no {SUBGRAPH_FILE}")
    if _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        raise PreviousSchemaMissing(f"{ref} is not in this shallow clone")
    if ref.startswith("HEAD"):
        raise PreviousSchemaMissing(f"{ref} does not exist: no earlier commit")
    raise ValueError(f"unknown git revision {ref!r}: {shown.stderr.strip()}")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(  # noqa: S603 (git from PATH, no shell)
            ["git", *args],  # noqa: S607
            cwd=root, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
    except OSError as exc:
        raise PreviousSchemaMissing(f"git is not available: {exc}") from exc
