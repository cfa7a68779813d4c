"""The appraisal ceiling binds (评议等次上限): a grade above it is refused with the rules
behind it; the district overrides it on appeal with a reason, audited and shown on the
record; a grade above the ceiling already on record is marked as a conflict, never bare.

The world of tests/test_performance.py: M1 meets every rule (ceiling EXCELLENT), M2 reported
a day late (ceiling BASICALLY_QUALIFIED), M6 (branch B2) no longer reports.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.units.models import Member, OrganisationEvaluation
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.test_performance import YEAR, _community, _units

ERRORS = "clientMutationId userErrors { code message field }"
EVALUATION = """id year grade comment evaluatorRole ceilingGrade supersededAt
  ceilingOverride { reason ceiling overriddenBy overriddenAt } revisions { grade }"""
RECORD = f"""mutation($input: RecordOrganisationEvaluationInput!) {{
  recordOrganisationEvaluation(input: $input) {{ {ERRORS}
    organisationEvaluation {{ {EVALUATION} }} }} }}"""
OVERRIDE = f"""mutation($input: OverrideAppraisalCeilingInput!) {{
  overrideAppraisalCeiling(input: $input) {{ {ERRORS}
    organisationEvaluation {{ {EVALUATION} }} }} }}"""
CHECK = """query($code: String!, $year: Int!) { member(code: $code) { performance(year: $year) {
  appraisalCeiling gradeCheck evaluations { organisation { grade } } } } }"""
EVENTS = """query($f: AuditEventFilter) { auditEvents(first: 50, filter: $f) {
  edges { node { subject role kind targetType targetIds detail } } } }"""


@pytest.fixture(scope="module", params=BACKENDS)
def ceiling_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, None, "ceiling") as pair:
        asyncio.run(_units(pair.units_url))
        asyncio.run(_community(pair.community_url))
        asyncio.run(_legacy_grade(pair.units_url))
        yield pair


async def _legacy_grade(url: str) -> None:
    """M6 was rated EXCELLENT before the ceiling was enforced (as a migrated row is)."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            member = (
                await conn.execute(Member.__table__.select().where(Member.__table__.c.code == "M6"))
            ).one()
            await conn.execute(
                insert(OrganisationEvaluation).values(
                    member_id=member.id,
                    branch_id=member.branch_id,
                    year=YEAR,
                    grade="excellent",
                    comment="旧记录",
                    evaluator_subject="unit:U1",
                )
            )
    finally:
        await engine.dispose()


@pytest.fixture
async def hub(ceiling_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(ceiling_db, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


def _branch(hub: GraphQLClient, branch: str = "B1") -> GraphQLClient:
    return hub.as_viewer("unit_branch", unit="U1", branch=branch)


async def _record(client: GraphQLClient, code: str, grade: str, **more: Any) -> dict[str, Any]:
    given = {"memberCode": code, "grade": grade, "comment": "年度评议", "year": YEAR, **more}
    payload: dict[str, Any] = (await client.query(RECORD, {"input": given}))[
        "recordOrganisationEvaluation"
    ]
    return payload


async def _override(client: GraphQLClient, code: str, grade: str, **more: Any) -> dict[str, Any]:
    given = {"memberCode": code, "grade": grade, "comment": "申诉后评议", "year": YEAR,
             "reason": "因公外派援疆，无法按期报到，经核实予以特批", **more}  # fmt: skip
    payload: dict[str, Any] = (await client.query(OVERRIDE, {"input": given}))[
        "overrideAppraisalCeiling"
    ]
    return payload


async def test_a_grade_above_the_ceiling_is_refused_naming_the_ceiling_and_rules(
    hub: GraphQLClient,
) -> None:
    branch = _branch(hub)
    for grade in ("EXCELLENT", "QUALIFIED"):
        refused = await _record(branch, "M2", grade)
        assert refused["organisationEvaluation"] is None
        [error] = refused["userErrors"]
        assert (error["code"], error["field"]) == ("ABOVE_CEILING", "input.grade")
        message = error["message"]
        assert "评议等次上限为“基本合格”" in message
        assert "未满足“在规定期限内报到”" in message
        assert "逾期 1 天" in message
        assert "区委组织部" in message
    # Within the ceiling it is recorded, with the ceiling of the time.
    within = await _record(branch, "M2", "BASICALLY_QUALIFIED")
    assert within["userErrors"] == []
    recorded = within["organisationEvaluation"]
    assert (recorded["grade"], recorded["ceilingGrade"]) == (
        "BASICALLY_QUALIFIED", "BASICALLY_QUALIFIED"
    )  # fmt: skip
    assert recorded["ceilingOverride"] is None
    assert recorded["evaluatorRole"] == "unit_branch"
    # A member who meets every rule may be rated excellent.
    excellent = await _record(branch, "M1", "EXCELLENT")
    assert excellent["userErrors"] == []
    assert excellent["organisationEvaluation"]["ceilingGrade"] == "EXCELLENT"


async def test_the_refused_grade_names_too_few_services_and_hours(hub: GraphQLClient) -> None:
    # M3, an activist the policy covers, served too little.
    refused = await _record(_branch(hub), "M3", "QUALIFIED")
    message = refused["userErrors"][0]["message"]
    assert refused["userErrors"][0]["code"] == "ABOVE_CEILING"
    assert "未满足“年度服务次数达标”" in message
    assert "未满足“年度服务时长达标”" in message
    # M4, a development target the policy does not cover, has no ceiling.
    free = await _record(_branch(hub), "M4", "EXCELLENT")
    assert free["userErrors"] == []
    assert free["organisationEvaluation"]["ceilingGrade"] is None


async def test_the_district_overrides_on_appeal_with_an_audited_reason(
    hub: GraphQLClient,
) -> None:
    first = await _record(_branch(hub), "M5", "QUALIFIED")  # M5 meets every rule
    assert first["userErrors"] == []
    granted = await _override(hub, "M2", "QUALIFIED", clientMutationId="appeal-M2")
    assert granted["userErrors"] == []
    row = granted["organisationEvaluation"]
    assert (row["grade"], row["evaluatorRole"], row["ceilingGrade"]) == (
        "QUALIFIED", "district", "BASICALLY_QUALIFIED"
    )  # fmt: skip
    override = row["ceilingOverride"]
    assert override["reason"] == "因公外派援疆，无法按期报到，经核实予以特批"
    assert override["ceiling"] == "BASICALLY_QUALIFIED"
    assert override["overriddenBy"] == "test-district"
    # Retried with the same key: the first result, not a second row.
    again = await _override(hub, "M2", "QUALIFIED", clientMutationId="appeal-M2")
    assert again["organisationEvaluation"]["id"] == row["id"]

    # The record and the member's performance show it as an override, to his branch too.
    branch = _branch(hub)
    checked = (await branch.query(CHECK, {"code": "M2", "year": YEAR}))["member"]["performance"]
    assert checked["gradeCheck"] == "OVERRIDDEN"
    assert checked["evaluations"]["organisation"] == {"grade": "QUALIFIED"}
    seen = await branch.query(
        """query($id: ID!) { node(id: $id) { ... on OrganisationEvaluation {
             grade ceilingOverride { reason overriddenBy } } } }""",
        {"id": row["id"]},
    )
    assert seen["node"]["ceilingOverride"] == {
        "reason": "因公外派援疆，无法按期报到，经核实予以特批", "overriddenBy": None
    }  # fmt: skip

    events = await hub.query(
        EVENTS, {"f": {"targetType": "OrganisationEvaluation", "kind": "MUTATION"}}
    )
    details = [e["node"]["detail"] for e in events["auditEvents"]["edges"]]
    overrides = [d for d in details if d and d.get("reason")]
    assert overrides, details
    assert overrides[0]["reason"] == "因公外派援疆，无法按期报到，经核实予以特批"
    assert (overrides[0]["grade"], overrides[0]["ceiling"], overrides[0]["memberCode"]) == (
        "qualified", "basically_qualified", "M2"
    )  # fmt: skip


async def test_an_override_needs_a_reason_and_a_grade_above_the_ceiling(
    hub: GraphQLClient,
) -> None:
    blank = await _override(hub, "M6", "EXCELLENT", reason="  ")
    assert (blank["userErrors"][0]["code"], blank["userErrors"][0]["field"]) == (
        "INVALID_INPUT", "input.reason"
    )  # fmt: skip
    within = await _override(hub, "M1", "EXCELLENT")
    assert within["userErrors"][0]["code"] == "INVALID_INPUT"
    assert "无需特批" in within["userErrors"][0]["message"]
    unknown = await _override(hub, "NOPE", "EXCELLENT")
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("unit_branch", {"unit": "U1", "branch": "B1"}),
        ("community", {"community": "C1"}),
        ("member", {"member": "M2"}),
        ("auditor", {}),
    ],
)
async def test_no_one_but_the_district_overrides(
    hub: GraphQLClient, role: str, scope: dict[str, str]
) -> None:
    body = await hub.as_viewer(role, **scope).raw(
        OVERRIDE,
        {"input": {"memberCode": "M2", "grade": "EXCELLENT", "comment": "x", "reason": "y",
                   "year": YEAR}},
    )  # fmt: skip
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None or body["data"]["overrideAppraisalCeiling"] is None


async def test_a_grade_above_the_ceiling_on_record_is_marked_as_a_conflict(
    hub: GraphQLClient,
) -> None:
    branch = _branch(hub, "B2")
    checked = (await branch.query(CHECK, {"code": "M6", "year": YEAR}))["member"]["performance"]
    assert checked["appraisalCeiling"] == "BASICALLY_QUALIFIED"
    assert checked["evaluations"]["organisation"] == {"grade": "EXCELLENT"}
    assert checked["gradeCheck"] == "EXCEEDS_CEILING"

    from gateway.reports import HEADERS

    response = await hub.http.get(f"/reports/unit/U1.csv?year={YEAR}", headers=hub.headers)
    assert response.status_code == 200, response.text
    import csv

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_code = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    m6 = by_code["M6"]
    assert m6["组织评价"] == "优秀（超出上限，待区委组织部复核）"
    assert m6["评议等次上限"] == "基本合格"
    assert m6["组织评价核查"] == "超出上限，待区委组织部复核"
    # Every grade above the ceiling in the sheet is marked, none is bare.
    order = {"优秀": 0, "合格": 1, "基本合格": 2, "不合格": 3}
    for row in by_code.values():
        grade, ceiling = row["组织评价"], row["评议等次上限"]
        if grade in order and ceiling in order and order[grade] < order[ceiling]:
            raise AssertionError(f"a bare grade above the ceiling: {row}")
