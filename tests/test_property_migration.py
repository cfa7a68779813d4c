"""Community migration 0011 on a database written at 0010: a contract stored ACTIVE past its
end date reads EXPIRED afterwards and no longer blocks a new contract, and the existing
yearly results get their coverage (compounds served and scored) computed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL

RANKING = """{ propertyRanking(year: 2025) { company { code } compoundsServed compoundsScored
  conclusive passed } }"""
CONTRACTS = """query($c: String!) { compound(code: $c) { propertyCompany { code }
  propertyContracts { id status endsOn } } }"""
COMPANY = """query($c: String!) { propertyCompany(code: $c) { redPropertyStatus
  redPropertyCriteria { evaluationYear evaluationPassed met }
  yearResults { year conclusive passed } history { fromState toState } } }"""
SIGN = """mutation($input: SignPropertyContractInput!) { signPropertyContract(input: $input) {
  userErrors { code } contract { status company { code } } } }"""


@pytest.fixture(params=BACKENDS)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "property_migration") as seeded:
        yield seeded


@pytest.fixture
async def hub(pair: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(pair, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


async def _run(url: str, sql: str, **params: object) -> list[tuple[Any, ...]]:
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def _revoked_by_an_inconclusive_year(url: str, company: str) -> None:
    ((company_id, community_id),) = await _run(
        url,
        "SELECT p.id, min(cp.community_id) FROM property_companies p"
        " JOIN property_contracts k ON k.company_id = p.id JOIN compounds cp ON cp.id = k.compound_id"
        " WHERE p.code = :c GROUP BY p.id",
        c=company,
    )
    await _run(url, "UPDATE property_companies SET has_party_branch = :t,"
               " red_property_status = 'revoked' WHERE id = :id", t=True, id=company_id)  # fmt: skip
    await _run(url, "UPDATE property_year_results SET passed = :t WHERE company_id = :id"
               " AND year = 2025", t=True, id=company_id)  # fmt: skip
    await _run(url, "DELETE FROM property_commitments WHERE company_id = :id AND year = 2026",
               id=company_id)  # fmt: skip
    await _run(url, "INSERT INTO property_commitments (company_id, community_id, year, signed_on,"
               " commitments) VALUES (:id, :community, 2026, :d, '亮身份、亮承诺')",
               id=company_id, community=community_id, d=date(2026, 1, 10))  # fmt: skip
    await _run(url, "INSERT INTO property_year_results (company_id, year, resident_score,"
               " community_score, branch_score, total, rank, passed, tier_name, amount_yuan,"
               " created_at) VALUES (:id, 2026, 0, 10, 0, 10, 1, :f, NULL, 0, :at)",
               id=company_id, f=False, at=datetime(2027, 1, 15, tzinfo=UTC))  # fmt: skip


async def test_rows_written_at_0010_follow_the_new_rules(
    pair: DatabasePair, hub: GraphQLClient
) -> None:
    seeded = (await hub.query(RANKING))["propertyRanking"]
    assert any(r["compoundsScored"] < r["compoundsServed"] for r in seeded)

    url = pair.community_url
    await runner.downgrade_async("community", url, "0010")
    # At 0010: a compound's contract is stored active, its end date long past.
    ((contract, compound, community, company),) = await _run(
        url,
        "SELECT k.id, cp.code, c.code, p.code FROM property_contracts k"
        " JOIN compounds cp ON cp.id = k.compound_id JOIN communities c ON c.id = cp.community_id"
        " JOIN property_companies p ON p.id = k.company_id"
        " WHERE k.status = 'active' ORDER BY k.id LIMIT 1",
    )
    await _run(url, "UPDATE property_contracts SET ends_on = :d WHERE id = :id",
               d=date(2025, 12, 31), id=contract)  # fmt: skip
    # A company revoked by a 2026 result that rests on none of its compounds (nothing
    # scored), after a passed, conclusive 2025 with its criteria met.
    company_x = next(r["company"]["code"] for r in seeded if r["conclusive"])
    await _revoked_by_an_inconclusive_year(url, company_x)
    await runner.upgrade_async("community", url)

    # The coverage of the existing results is computed again, as the seed computed it.
    coverage = ("company", "compoundsServed", "compoundsScored", "conclusive")
    assert [{k: r[k] for k in coverage} for r in (await hub.query(RANKING))["propertyRanking"]] == [
        {k: r[k] for k in coverage} for r in seeded
    ]
    restored = (await hub.query(COMPANY, {"c": company_x}))["propertyCompany"]
    assert restored["redPropertyStatus"] == "CERTIFIED"
    assert restored["redPropertyCriteria"] == {"evaluationYear": 2025, "evaluationPassed": True,
                                               "met": True}  # fmt: skip
    assert {"year": 2026, "conclusive": False, "passed": False} in restored["yearResults"]
    assert restored["history"][-1]["fromState"] == "revoked"
    assert restored["history"][-1]["toState"] == "certified"
    committee = hub.as_viewer("community", community=community)
    before = (await committee.query(CONTRACTS, {"c": compound}))["compound"]
    assert (before["propertyContracts"][0]["status"], before["propertyContracts"][0]["endsOn"]) == (
        "EXPIRED", "2025-12-31"
    )  # fmt: skip
    assert before["propertyCompany"] == {"code": company}  # it keeps serving until replaced
    successor = "PC001" if company != "PC001" else "PC002"
    signed = await committee.query(SIGN, {"input": {
        "compoundCode": compound, "companyCode": successor, "startsOn": "2026-01-01",
        "endsOn": "2028-12-31"}})  # fmt: skip
    assert signed["signPropertyContract"]["userErrors"] == []
    assert signed["signPropertyContract"]["contract"]["status"] == "ACTIVE"
    after = (await committee.query(CONTRACTS, {"c": compound}))["compound"]
    assert after["propertyCompany"] == {"code": successor}
    states = {c["id"]: c["status"] for c in after["propertyContracts"]}
    assert states[before["propertyContracts"][0]["id"]] == "EXPIRED"
    assert list(states.values()).count("ACTIVE") == 1
