"""Red-property awards go to compounds from the year's fund (Qianjiang: 150万元 a year for
the compounds where red property works well), and a company's standing comes from all the
compounds it serves: one low compound does not revoke a company serving many good ones,
and a result resting on too few of its compounds decides nothing."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, workflow_fixtures

workflow_db, hub = workflow_fixtures("property_awards")

YEAR = 2026
ERRORS = "userErrors { code message field }"
FUND = f"""mutation($input: SetPropertyAwardFundInput!) {{ setPropertyAwardFund(input: $input) {{
  {ERRORS} fund {{ year totalYuan minCoveragePercent awardedYuan remainingYuan }} }} }}"""
AWARD = f"""mutation($input: AwardPropertyCompoundInput!) {{ awardPropertyCompound(input: $input) {{
  {ERRORS} award {{ id tierName amountYuan compoundTotal compound {{ code }} company {{ code }}
  history {{ fromState toState note }} }} }} }}"""
SCORE = f"""mutation($input: ScorePropertyServiceInput!) {{ scorePropertyService(input: $input) {{
  {ERRORS} }} }}"""
CLOSE = f"""mutation($input: ClosePropertyYearInput!) {{ closePropertyYear(input: $input) {{
  {ERRORS} ranking {{ rank total passed conclusive compoundsServed compoundsScored
  coveragePercent amountYuan company {{ code }} }} }} }}"""
COVERAGE = f"""mutation($input: SetPropertyPartyCoverageInput!) {{
  setPropertyPartyCoverage(input: $input) {{ {ERRORS} }} }}"""
COMMIT = f"""mutation($input: SignPropertyCommitmentsInput!) {{
  signPropertyCommitments(input: $input) {{ {ERRORS} }} }}"""
STATE = """query($c: String!) { propertyCompany(code: $c) { redPropertyStatus
  redPropertyCriteria { evaluationYear evaluationPassed met } } }"""
FUND_READ = """query($y: Int!) { propertyAwardFund(year: $y) { year totalYuan awardedYuan
  remainingYuan awards { tierName amountYuan compound { code } company { code } } } }"""


def _yuan(row: dict[str, Any], *keys: str) -> list[Decimal]:
    """Amounts as numbers (the scale a backend writes them back with may differ)."""
    return [Decimal(row[key]) for key in keys]


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    assert isinstance(payload, dict)
    return payload


async def _do(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    return _payload(await viewer.query(mutation, {"input": fields}))


async def _companies(hub: GraphQLClient) -> dict[str, list[dict[str, Any]]]:
    """Each company's compounds (those it serves now), most first."""
    data = await hub.query(
        """{ compounds(first: 100) { edges { node { code community { code }
             propertyCompany { code } } } } }"""
    )
    served: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for edge in data["compounds"]["edges"]:
        node = edge["node"]
        if node["propertyCompany"] is not None:
            served[node["propertyCompany"]["code"]].append(node)
    return dict(sorted(served.items(), key=lambda kv: (-len(kv[1]), kv[0])))


async def _score(hub: GraphQLClient, compound: dict[str, Any], share: float) -> None:
    community = compound["community"]["code"]
    committee = hub.as_viewer("community", community=community)
    branch = hub.as_viewer(
        "compound_branch_secretary", community=community, compound=compound["code"]
    )
    criteria = await hub.query(f"{{ propertyCriteria(year: {YEAR}) {{ code scorer maxScore }} }}")
    for criterion in criteria["propertyCriteria"]:
        scorer = committee if criterion["scorer"] == "COMMUNITY" else branch
        done = await _do(scorer, SCORE, compoundCode=compound["code"], year=YEAR,
                         criterionCode=criterion["code"],
                         score=str(round(criterion["maxScore"] * share, 1)))  # fmt: skip
        assert done["userErrors"] == [], done


async def test_awards_go_to_compounds_within_the_fund_and_standing_aggregates(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    district = hub.as_viewer("district", district="D01")
    companies = await _companies(hub)
    (many, compounds), (few, others) = list(companies.items())[:2]
    assert len(compounds) >= 3, companies
    assert len(others) >= 3, companies

    # The district sets the fund; nobody else does.
    for role, scope in [("community", {"community": compounds[0]["community"]["code"]}),
                        ("property_company", {"company": many})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(
            FUND, {"input": {"year": YEAR, "totalYuan": "1"}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role
    fund = await _do(district, FUND, year=YEAR, totalYuan="300000", minCoveragePercent=50)
    assert fund["userErrors"] == []
    assert _yuan(fund["fund"], "totalYuan", "awardedYuan", "remainingYuan") == [300000, 0, 300000]
    assert (fund["fund"]["year"], fund["fund"]["minCoveragePercent"]) == (YEAR, 50)

    # The company serving many: all its compounds scored, all good but one low.
    low, *good = compounds
    await _score(hub, low, 0.4)
    for compound in good:
        await _score(hub, compound, 1.0)
    # The other company: only one of its compounds scored, and low (coverage below half).
    await _score(hub, others[0], 0.4)
    me = hub.as_viewer("property_company", company=many)
    assert (await _do(district, COVERAGE, companyCode=many, hasPartyBranch=True,
                      coveredBySectorCommittee=False))["userErrors"] == []  # fmt: skip
    signed = await _do(me, COMMIT, companyCode=many, communityCode=low["community"]["code"],
                       year=YEAR, commitments="亮身份、亮承诺")  # fmt: skip
    assert signed["userErrors"] == []
    before_few = (await hub.query(STATE, {"c": few}))["propertyCompany"]

    # No award before the year is closed.
    early = await _do(district, AWARD, year=YEAR, compoundCode=good[0]["code"],
                      tierName="红色物业奖补")  # fmt: skip
    assert early["userErrors"][0]["code"] == "INVALID_STATE"

    closed = await _do(district, CLOSE, year=YEAR)
    assert closed["userErrors"] == []
    ranking = {r["company"]["code"]: r for r in closed["ranking"]}
    top = ranking[many]
    # The mean over its compounds: one at 40% of 80 points, the others at 80 of 80.
    mean = (32 + 80 * len(good)) / len(compounds)
    assert abs(float(top["total"]) - mean) < 0.01
    assert (top["passed"], top["conclusive"], Decimal(top["amountYuan"])) == (True, True, 0)
    assert (top["compoundsServed"], top["compoundsScored"]) == (len(compounds), len(compounds))
    assert top["coveragePercent"] == "100.00"
    state = (await hub.query(STATE, {"c": many}))["propertyCompany"]
    assert state["redPropertyStatus"] == "CERTIFIED"
    assert state["redPropertyCriteria"]["evaluationYear"] == YEAR

    partial = ranking[few]
    assert (partial["compoundsScored"], partial["compoundsServed"]) == (1, len(others))
    assert (partial["conclusive"], partial["passed"]) == (False, False)
    # An inconclusive year decides nothing: the company keeps its standing.
    after_few = (await hub.query(STATE, {"c": few}))["propertyCompany"]
    assert after_few == before_few
    assert after_few["redPropertyCriteria"]["evaluationYear"] != YEAR

    # Awards per compound, by the tier the compound's own total reaches, within the fund.
    first = await _do(district, AWARD, year=YEAR, compoundCode=good[0]["code"],
                      tierName="红色物业奖补")  # fmt: skip
    assert first["userErrors"] == []
    award = first["award"]
    assert _yuan(award, "amountYuan", "compoundTotal") == [200000, 80]
    assert award["company"] == {"code": many}
    assert [(h["fromState"], h["toState"]) for h in award["history"]] == [(None, "awarded")]
    twice = await _do(district, AWARD, year=YEAR, compoundCode=good[0]["code"],
                      tierName="红色物业奖补")  # fmt: skip
    assert twice["userErrors"][0]["code"] == "DUPLICATE"
    short = await _do(district, AWARD, year=YEAR, compoundCode=low["code"],
                      tierName="红色物业奖补")  # fmt: skip
    assert short["userErrors"][0]["code"] == "INVALID_STATE"
    rows = "SELECT count(*) FROM property_compound_awards"
    before = await count(workflow_db, rows)
    over = await _do(district, AWARD, year=YEAR, compoundCode=good[1]["code"],
                     tierName="红色物业奖补")  # fmt: skip
    assert over["award"] is None
    assert [(e["code"], e["field"]) for e in over["userErrors"]] == [
        ("OVER_BUDGET", "input.tierName")
    ]
    assert "奖励经费剩余100000" in over["userErrors"][0]["message"]
    assert await count(workflow_db, rows) == before
    cut = await _do(district, FUND, year=YEAR, totalYuan="100000")
    assert cut["userErrors"][0]["code"] == "OVER_BUDGET"
    raised = await _do(district, FUND, year=YEAR, totalYuan="400000")
    assert raised["userErrors"] == []
    second = await _do(district, AWARD, year=YEAR, compoundCode=good[1]["code"],
                       tierName="红色物业奖补")  # fmt: skip
    assert second["userErrors"] == []
    error = await me.error(AWARD, {"input": {"year": YEAR, "compoundCode": good[0]["code"],
                                             "tierName": "红色物业奖补"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"

    # The fund's totals are public; who got what: the district, the compound's community,
    # the company scored there.
    seen = (await district.query(FUND_READ, {"y": YEAR}))["propertyAwardFund"]
    assert _yuan(seen, "awardedYuan", "remainingYuan") == [400000, 0]
    assert sorted(a["compound"]["code"] for a in seen["awards"]) == sorted(
        [good[0]["code"], good[1]["code"]]
    )
    assert sum(float(a["amountYuan"]) for a in seen["awards"]) <= float(seen["totalYuan"])
    mine = (await me.query(FUND_READ, {"y": YEAR}))["propertyAwardFund"]
    assert len(mine["awards"]) == 2
    other = hub.as_viewer("property_company", company=few)
    assert (await other.query(FUND_READ, {"y": YEAR}))["propertyAwardFund"]["awards"] == []
    unit = hub.as_viewer("unit_branch", unit="U0001")
    hidden = (await unit.query(FUND_READ, {"y": YEAR}))["propertyAwardFund"]
    assert (hidden["awards"], Decimal(hidden["awardedYuan"])) == ([], 400000)
    community = good[0]["community"]["code"]
    here = hub.as_viewer("community", community=community)
    visible = (await here.query(FUND_READ, {"y": YEAR}))["propertyAwardFund"]["awards"]
    expected = [c["code"] for c in good[:2] if c["community"]["code"] == community]
    assert sorted(a["compound"]["code"] for a in visible) == sorted(expected)


async def test_the_seeded_fund_is_never_exceeded_and_coverage_is_partial(
    hub: GraphQLClient,
) -> None:
    data = await hub.query(
        """{ propertyAwardFund(year: 2025) { totalYuan awardedYuan awards { amountYuan } }
             propertyRanking(year: 2025) { compoundsServed compoundsScored conclusive passed } }"""
    )
    fund = data["propertyAwardFund"]
    assert sum(float(a["amountYuan"]) for a in fund["awards"]) == float(fund["awardedYuan"])
    assert float(fund["awardedYuan"]) <= float(fund["totalYuan"]) == 1_500_000
    ranking = data["propertyRanking"]
    assert any(r["compoundsScored"] < r["compoundsServed"] for r in ranking)
    assert all(r["passed"] is False for r in ranking if not r["conclusive"])
