"""Refusal codes are an enum outside GraphQL: a misspelt code is a type error, not a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLEnumType

from resolvers.workflow import Refusal, RefusalCode
from schema.app import build_schema
from schema.mutations import user_error

ROOT = Path(__file__).resolve().parent.parent


def test_every_refusal_code_is_a_user_error_code_of_the_same_name() -> None:
    enum = build_schema()._schema.type_map["UserErrorCode"]
    assert isinstance(enum, GraphQLEnumType)
    assert set(enum.values) == {code.name for code in RefusalCode}


@pytest.mark.parametrize("code", list(RefusalCode))
def test_a_refusal_becomes_a_user_error_with_its_code(code: RefusalCode) -> None:
    error = user_error(Refusal(code, "消息", "input.x"))
    assert (error.code, error.message, error.field) == (code, "消息", "input.x")


SNIPPET = """
from resolvers.workflow import Refusal, RefusalCode

Refusal(RefusalCode.NOT_FOUND, "ok")
Refusal(RefusalCode.NOT_FUOND, "misspelt member")
Refusal("NOT_FOUND", "a string where the enum belongs")
"""


def test_mypy_rejects_a_misspelt_or_string_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET, encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the project's mypy settings and packages
    out, _, status = api.run(
        ["--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1
    assert any(":5: error:" in e and "NOT_FUOND" in e for e in errors), out
    assert any(":6: error:" in e and "RefusalCode" in e for e in errors), out
    assert not any(":4: error:" in e for e in errors), out
