"""The demo's organisation evaluations of 2025 keep within the ceiling the hub computes:
on a freshly seeded pair, every member's `gradeCheck` reads WITHIN_CEILING, except the
seeder's documented overrides (OVERRIDDEN, with the district's reason), on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from datasources.base import create_engine_for
from datasources.units.seed_evaluations import EVALUATION_YEAR, OVERRIDES
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

CHECKS = """query($after: String, $year: Int!) { members(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { code performance(year: $year) {
  appraisalCeiling gradeCheck evaluations { organisation { grade } } } } } } }"""


async def _checks(hub: GraphQLClient) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = (await hub.query(CHECKS, {"after": after, "year": EVALUATION_YEAR}))["members"]
        found |= {e["node"]["code"]: e["node"]["performance"] for e in page["edges"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def _overridden(url: str) -> set[str]:
    """Members whose current grade carries the district's override, in plain SQL."""
    engine = create_engine_for(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text(
                "SELECT m.code FROM organisation_evaluations e JOIN members m"
                " ON m.id = e.member_id WHERE e.superseded_at IS NULL"
                " AND e.override_reason IS NOT NULL AND e.year = :y"
            ), {"y": EVALUATION_YEAR})  # fmt: skip
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


async def test_no_grade_of_the_demo_exceeds_its_ceiling_without_an_override(
    small_db: DatabasePair,
) -> None:
    overridden = await _overridden(small_db.units_url)
    assert len(overridden) == len(OVERRIDES), "each documented appeal is in the demo"
    async for hub in client_for(small_db, rate_limit_per_ip="", rate_limit_per_token=""):
        checks = await _checks(hub)
    graded = {code: c for code, c in checks.items() if c["gradeCheck"] is not None}
    assert graded, "the demo has organisation evaluations of the year"
    by_check: dict[str, set[str]] = {}
    for code, c in graded.items():
        by_check.setdefault(c["gradeCheck"], set()).add(code)
    assert by_check.get("EXCEEDS_CEILING", set()) == set()
    assert by_check["OVERRIDDEN"] == overridden
    # The ceiling binds in the demo: capped members exist, and they are graded within it.
    capped = {code for code, c in graded.items() if c["appraisalCeiling"] == "BASICALLY_QUALIFIED"}
    assert capped - overridden
    assert all(
        graded[code]["evaluations"]["organisation"]["grade"]
        in ("BASICALLY_QUALIFIED", "UNQUALIFIED")
        for code in capped - overridden
    )
