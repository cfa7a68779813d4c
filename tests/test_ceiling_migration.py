"""Units migration 0006 carries existing organisation evaluations over unchanged: a grade
recorded before the ceiling was enforced keeps its grade, with no ceiling and no override
(reads then judge it against the ceiling computed now, see tests/test_appraisal_ceiling.py:
test_a_grade_above_the_ceiling_on_record_is_marked_as_a_conflict), and downgrades back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from tests.test_migrations import database_url  # noqa: F401 - the fixture (both backends)

ROWS = "SELECT grade, comment, superseded_at IS NULL FROM organisation_evaluations ORDER BY id"


async def _run(url: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_existing_grades_are_kept_without_ceiling_or_override(
    database_url: str,  # noqa: F811 - the imported fixture
) -> None:
    await runner.upgrade_async("units", database_url, "0005")
    now = datetime.now(UTC)
    await _run(database_url, "INSERT INTO work_units (id, code, name, kind, level, "
               "district_name, created_at) VALUES (1, 'U1', '区财政局', 'agency', 'district', "
               "'禅城区', :t)", t=now)  # fmt: skip
    await _run(database_url, "INSERT INTO party_branches (id, code, name, unit_id, created_at) "
               "VALUES (1, 'B1', '第一支部', 1, :t)", t=now)  # fmt: skip
    await _run(database_url, "INSERT INTO members (id, code, name, gender, political_status, "
               "unit_id, branch_id, in_service, skills, created_at) VALUES (1, 'M1', '张一', "
               "'male', 'full', 1, 1, :y, '[]', :t)", y=True, t=now)  # fmt: skip
    for grade, superseded in (("qualified", now), ("excellent", None)):
        await _run(database_url, "INSERT INTO organisation_evaluations (member_id, branch_id, "
                   "year, grade, comment, evaluator_subject, created_at, superseded_at) VALUES "
                   "(1, 1, 2025, :g, '旧记录', 'unit:U1', :t, :s)",
                   g=grade, t=now, s=superseded)  # fmt: skip
    before = await _run(database_url, ROWS)

    await runner.upgrade_async("units", database_url)
    assert await _run(database_url, ROWS) == before
    added = await _run(
        database_url,
        "SELECT ceiling_grade, override_reason, override_by FROM organisation_evaluations",
    )
    assert added == [(None, None, None), (None, None, None)]
    # A new row may carry them; the ceiling is checked like the grade.
    await _run(database_url, "INSERT INTO organisation_evaluations (member_id, branch_id, year, "
               "grade, comment, evaluator_subject, created_at, ceiling_grade, override_reason, "
               "override_by) VALUES (1, 1, 2024, 'qualified', '特批', 'district:D1', :t, "
               "'basically_qualified', '申诉', 'district:D1')", t=now)  # fmt: skip

    await runner.downgrade_async("units", database_url, "0005")
    assert (await _run(database_url, ROWS))[:2] == before
