"""The breaking-change check: `dualhub schema check-breaking` against a previous commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from schema.app import build_schema
from schema.breaking import (
    Change,
    PreviousSchemaMissing,
    breaking_changes,
    listed_changes,
    schema_at,
    unlisted,
)
from schema.sdl import subgraph_sdl

OLD = """
type Query {
  member(code: String!): Member
  legacy: String
}
type Member @key(fields: "code") { code: String! name: String! }
"""
NEW = """
type Query {
  member(code: String!, year: Int!): Member
}
type Member @key(fields: "code") { code: String! name: String }
"""


def test_removals_and_new_required_arguments_break() -> None:
    changes = breaking_changes(OLD, NEW)
    assert Change("FIELD_REMOVED", "Field Query.legacy was removed.") in changes
    assert (
        Change("REQUIRED_ARG_ADDED", "A required argument Query.member(year:) was added.")
        in changes
    )
    assert (
        Change("FIELD_CHANGED_KIND", "Field Member.name changed type from String! to String.")
        in changes
    )
    assert breaking_changes(NEW, OLD) != []  # and back: the new field and argument go away
    assert breaking_changes(OLD, OLD) == []


def test_federation_machinery_is_not_part_of_the_comparison() -> None:
    """An SDL without directive definitions (as schema.graphql was) compares with one
    that has them, and dropping `@key` or `_service` breaks no client."""
    current = subgraph_sdl(build_schema().as_str())
    assert breaking_changes(build_schema().as_str(), current) == []
    assert breaking_changes(current.replace(' @key(fields: "code")', ""), current) == []


def test_changelog_entries_need_type_description_and_reason() -> None:
    changelog = (
        "intro\n"
        "- `FIELD_REMOVED` `Field Query.legacy was removed.`: replaced by `member`\n"
        "- `FIELD_CHANGED_KIND` `Field Member.name changed type from String! to String.`:   \n"
        "- FIELD_REMOVED Field Query.other was removed.: not in the format\n"
    )
    assert listed_changes(changelog) == {
        Change("FIELD_REMOVED", "Field Query.legacy was removed."): "replaced by `member`"
    }
    changes = breaking_changes(OLD, NEW)
    assert Change("FIELD_REMOVED", "Field Query.legacy was removed.") not in unlisted(
        changes, changelog
    )
    assert len(unlisted(changes, changelog)) == len(changes) - 1


def git(repo: Path, *args: str) -> str:
    return subprocess.run(  # noqa: S603 (git from PATH, fixed arguments)
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],  # noqa: S607
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout whose previous commit shipped today's schema plus a field since removed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    current = subgraph_sdl(build_schema().as_str())
    with_legacy = current.replace(
        "type Query {\n", 'type Query {\n  """Gone."""\n  legacyReports: String\n\n', 1
    )
    assert with_legacy != current
    (repo / "schema.graphql").write_text(with_legacy, encoding="utf-8")
    git(repo, "add", "schema.graphql")
    git(repo, "commit", "-q", "-m", "first")
    (repo / "schema.graphql").write_text(current, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "second")
    return repo


def test_cli_fails_on_an_unlisted_break_and_passes_once_listed(repo: Path) -> None:
    args = ["schema", "check-breaking", "--against", "HEAD~1", "--root", str(repo)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "breaking (unlisted): `FIELD_REMOVED` `Field Query.legacyReports was removed.`" in (
        result.output
    )
    assert "not listed in docs/schema-changes.md" in result.output

    (repo / "docs").mkdir()
    (repo / "docs" / "schema-changes.md").write_text(
        "- `FIELD_REMOVED` `Field Query.legacyReports was removed.`: replaced by `reports`\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1 breaking change(s) since HEAD~1, all listed" in result.output


def test_no_previous_commit_passes_and_says_why(repo: Path, tmp_path: Path) -> None:
    args = ["schema", "check-breaking", "--root", str(repo)]
    result = CliRunner().invoke(main, [*args, "--against", "HEAD~5"])
    assert result.exit_code == 0, result.output
    assert "no schema.graphql at HEAD~5 to compare with" in result.output

    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    with pytest.raises(PreviousSchemaMissing, match="shallow"):
        schema_at("HEAD~1", shallow)
    result = CliRunner().invoke(main, ["schema", "check-breaking", "--root", str(shallow)])
    assert result.exit_code == 0, result.output

    not_git = tmp_path / "plain"
    not_git.mkdir()
    with pytest.raises(PreviousSchemaMissing, match="not a git checkout"):
        schema_at("HEAD~1", not_git)


def test_a_mistyped_revision_fails(repo: Path) -> None:
    result = CliRunner().invoke(
        main, ["schema", "check-breaking", "--against", "mian", "--root", str(repo)]
    )
    assert result.exit_code == 1
    assert "unknown git revision 'mian'" in result.output


def test_this_checkout_passes_against_its_previous_commit() -> None:
    """What CI runs (.ci/run)."""
    result = CliRunner().invoke(main, ["schema", "check-breaking", "--against", "HEAD~1"])
    assert result.exit_code == 0, result.output
