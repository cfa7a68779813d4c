"""Red property (红色物业) end to end: contracts (one active per compound, 三无 listed as
such), ratings (once per household and period), scores against criteria that are data,
the yearly ranking with awards, red-property status earned and lost, and four-party
linkage meetings (四方联动) with action items tracked to done (the other forms:
tests/test_linkage_workflow.py)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, workflow_fixtures

workflow_db, hub = workflow_fixtures("property")

ERRORS = "clientMutationId userErrors { code message field }"
CONTRACT = "id status startsOn endsOn endedOn company { code } compound { code isThreeNo } history { fromState toState actorRole note }"
SIGN = f"""mutation($input: SignPropertyContractInput!) {{ signPropertyContract(input: $input) {{
  {ERRORS} contract {{ {CONTRACT} }} }} }}"""
END = f"""mutation($input: EndPropertyContractInput!) {{ endPropertyContract(input: $input) {{
  {ERRORS} contract {{ {CONTRACT} }} }} }}"""
RATE = f"""mutation($input: RatePropertyServiceInput!) {{ ratePropertyService(input: $input) {{
  {ERRORS} rating {{ period stars household compound {{ code }} }} }} }}"""
SCORE = f"""mutation($input: ScorePropertyServiceInput!) {{ scorePropertyService(input: $input) {{
  {ERRORS} score {{ criterionCode score }} }} }}"""
COVERAGE = f"""mutation($input: SetPropertyPartyCoverageInput!) {{
  setPropertyPartyCoverage(input: $input) {{ {ERRORS} company {{ code redPropertyStatus }} }} }}"""
COMMIT = f"""mutation($input: SignPropertyCommitmentsInput!) {{
  signPropertyCommitments(input: $input) {{ {ERRORS} company {{ code redPropertyStatus }} }} }}"""
REVISE = f"""mutation($input: RevisePropertyScoreInput!) {{ revisePropertyScore(input: $input) {{
  {ERRORS} score {{ criterionCode score revision reason history {{ fromState toState note }} }}
  }} }}"""
CLOSE = f"""mutation($input: ClosePropertyYearInput!) {{ closePropertyYear(input: $input) {{
  {ERRORS} ranking {{ rank total residentScore communityScore branchScore passed tierName
  amountYuan conclusive compoundsScored compoundsServed company {{ code }} }} }} }}"""
FUND = f"""mutation($input: SetPropertyAwardFundInput!) {{ setPropertyAwardFund(input: $input) {{
  {ERRORS} fund {{ year }} }} }}"""
MEETING = f"""mutation($input: HoldLinkageMeetingInput!) {{ holdLinkageMeeting(input: $input) {{
  {ERRORS} meeting {{ id heldOn agenda decisions attendees {{ party name }} compound {{ code }}
  actionItems {{ id description ownerParty ownerName dueOn status overdue doneNote }} }} }} }}"""
COMPLETE = f"""mutation($input: CompleteLinkageActionItemInput!) {{
  completeLinkageActionItem(input: $input) {{ {ERRORS}
  actionItem {{ id status doneOn doneNote overdue history {{ fromState toState note }} }} }} }}"""
COMMITTEE = f"""mutation($input: RecordCompoundCommitteeInput!) {{
  recordCompoundCommittee(input: $input) {{ {ERRORS} committee {{ id name }} }} }}"""
CRITERIA = """query($c: String!) { propertyCompany(code: $c) { redPropertyStatus
  redPropertyCriteria { status partyOrganisation hasPartyBranch coveredBySectorCommittee
    commitmentsSigned commitmentYears evaluationYear evaluationPassed met }
  history { fromState toState note } } }"""

_USED: set[str] = set()


async def _compounds(hub: GraphQLClient) -> list[dict[str, Any]]:
    data = await hub.query(
        """{ compounds(first: 100) { edges { node { code isThreeNo community { code }
             propertyCompany { code } } } } }"""
    )
    return [edge["node"] for edge in data["compounds"]["edges"]]


async def _served(
    hub: GraphQLClient, *, not_company: str | None = None, committee: bool = False
) -> dict[str, Any]:
    """A served compound no other test used (its company differs from `not_company`); with
    `committee`, one with an owners' committee in office and a grid (it can hold 四方联动)."""
    fit = set()
    if committee:
        data = await hub.query(
            """{ compounds(first: 100) { edges { node { code grid { code }
                 committees { kind inOffice } } } } }"""
        )
        fit = {
            e["node"]["code"]
            for e in data["compounds"]["edges"]
            if e["node"]["grid"] is not None
            and any(c["kind"] == "OWNERS" and c["inOffice"] for c in e["node"]["committees"])
        }
    for node in await _compounds(hub):
        company = node["propertyCompany"]
        if company is None or node["code"] in _USED or company["code"] == not_company:
            continue
        if committee and node["code"] not in fit:
            continue
        _USED.add(node["code"])
        return node
    raise AssertionError("the seeded data ran out of served compounds")


async def _three_no(hub: GraphQLClient) -> dict[str, Any]:
    for node in await _compounds(hub):
        if node["isThreeNo"] and node["code"] not in _USED:
            _USED.add(node["code"])
            return node
    raise AssertionError("no three-no compound left")


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    assert isinstance(payload, dict)
    return payload


async def _do(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    return _payload(await viewer.query(mutation, {"input": fields}))


async def test_seeded_red_property_statuses_follow_the_criteria(hub: GraphQLClient) -> None:
    """Seeded statuses come from the criteria (first test: the seed is still untouched)."""
    data = await hub.as_viewer("district", district="D01").query(
        """{ propertyCompanies(first: 100) { edges { node { code redPropertyStatus
             redPropertyCriteria { partyOrganisation commitmentsSigned evaluationPassed met }
           } } } }"""
    )
    seen: dict[str, int] = {}
    for edge in data["propertyCompanies"]["edges"]:
        node = edge["node"]
        criteria = node["redPropertyCriteria"]
        if criteria["met"]:
            expected = "CERTIFIED"
        elif criteria["partyOrganisation"] or criteria["commitmentsSigned"]:
            expected = "CANDIDATE"
        else:
            expected = "NONE"
        assert node["redPropertyStatus"] == expected, node
        seen[expected] = seen.get(expected, 0) + 1
    assert seen.get("CERTIFIED", 0) > 0
    assert seen.get("CANDIDATE", 0) > 0


async def test_a_grid_secretary_manages_only_the_compounds_of_his_grid(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    data = await hub.query(
        """{ compounds(first: 100) { edges { node { code isThreeNo community { code }
             grid { code level } propertyCompany { code } } } } }"""
    )
    nodes = [e["node"] for e in data["compounds"]["edges"] if e["node"]["grid"] is not None]
    pairs = [
        (a, b)
        for a in nodes
        if a["isThreeNo"] and a["code"] not in _USED
        for b in nodes
        if b["propertyCompany"] is not None
        and b["code"] not in _USED
        and b["community"] == a["community"]
        and b["grid"]["level"] == a["grid"]["level"]
        and b["grid"]["code"] != a["grid"]["code"]
    ]
    mine, other = pairs[0]
    _USED.update((mine["code"], other["code"]))
    community = mine["community"]["code"]
    secretary = hub.as_viewer(
        "grid_branch_secretary", community=community, grid=mine["grid"]["code"]
    )
    stranger = hub.as_viewer(
        "grid_branch_secretary", community=community, grid=other["grid"]["code"]
    )

    fields = {"compoundCode": mine["code"], "companyCode": "PC003", "startsOn": "2026-01-01",
              "endsOn": "2027-12-31"}  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM property_contracts")
    for viewer, compound in ((stranger, mine["code"]), (secretary, other["code"])):
        error = await viewer.error(SIGN, {"input": {**fields, "compoundCode": compound}})
        assert error["extensions"]["code"] == "FORBIDDEN"
    assert await count(workflow_db, "SELECT count(*) FROM property_contracts") == before
    signed = await _do(secretary, SIGN, **fields)
    assert signed["userErrors"] == []
    contract = signed["contract"]["id"]
    error = await stranger.error(END, {"input": {"contractId": contract, "reason": "越权"}})
    assert error["extensions"]["code"] == "FORBIDDEN"

    attendees = [{"party": p, "name": "代表"} for p in
                 ("COMMUNITY", "GRID_BRANCH", "OWNERS_COMMITTEE", "PROPERTY_COMPANY")]  # fmt: skip
    meeting = {"heldOn": "2026-11-01", "agenda": "电梯维保", "attendees": attendees,
               "actionItems": []}  # fmt: skip
    meetings = await count(workflow_db, "SELECT count(*) FROM linkage_meetings")
    error = await secretary.error(MEETING, {"input": {**meeting, "compoundCode": other["code"]}})
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await count(workflow_db, "SELECT count(*) FROM linkage_meetings") == meetings
    # The compound has property service now (no longer 三无) but no owners' committee yet.
    lacking = await _do(secretary, MEETING, **meeting, compoundCode=mine["code"])
    assert lacking["userErrors"] == [{
        "code": "INVALID_INPUT", "field": "input.attendees.2",
        "message": "该小区没有业委会：会议当日没有在任的委员会记录，请先登记。",
    }]  # fmt: skip
    recorded = await _do(secretary, COMMITTEE, compoundCode=mine["code"], kind="OWNERS",
                         name="业主委员会", termStartsOn="2026-01-01", termEndsOn="2030-12-31",
                         members=[{"name": "王主任", "role": "主任"}])  # fmt: skip
    assert recorded["userErrors"] == []
    held = await _do(secretary, MEETING, **meeting, compoundCode=mine["code"])
    assert held["userErrors"] == []

    scores = await count(workflow_db, "SELECT count(*) FROM property_scores")
    error = await secretary.error(SCORE, {"input": {"compoundCode": other["code"], "year": 2026,
                                                    "criterionCode": "volunteer", "score": "8"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert await count(workflow_db, "SELECT count(*) FROM property_scores") == scores
    own = await _do(secretary, SCORE, compoundCode=mine["code"], year=2026,
                    criterionCode="volunteer", score="8")  # fmt: skip
    assert own["userErrors"] == []


async def test_contracts_one_active_per_compound_and_three_no_listed(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    bare = await _three_no(hub)
    community = bare["community"]["code"]
    committee = hub.as_viewer("community", community=community)
    listed = await hub.query(
        """query($c: String!) { community(code: $c) { compounds(first: 100,
             filter: {threeNo: true}) { edges { node { code } } } } }""",
        {"c": community},
    )
    three_no = [e["node"]["code"] for e in listed["community"]["compounds"]["edges"]]
    assert bare["code"] in three_no

    fields = {"compoundCode": bare["code"], "companyCode": "PC001", "startsOn": "2026-01-01",
              "endsOn": "2028-12-31", "clientMutationId": "contract-1"}  # fmt: skip
    signed = await _do(committee, SIGN, **fields)
    assert signed["userErrors"] == []
    contract = signed["contract"]
    assert (contract["status"], contract["company"], contract["compound"]["isThreeNo"]) == (
        "ACTIVE", {"code": "PC001"}, False
    )  # fmt: skip
    assert contract["history"] == [
        {"fromState": None, "toState": "active", "actorRole": "community", "note": None}
    ]
    by_id = await committee.query(
        "query($id: ID!) { node(id: $id) { ... on PropertyContract { status } } }",
        {"id": contract["id"]},
    )
    assert by_id["node"] == {"status": "ACTIVE"}
    retried = await _do(committee, SIGN, **fields)
    assert retried["contract"]["id"] == contract["id"]

    before = await count(workflow_db, "SELECT count(*) FROM property_contracts")
    second = await _do(committee, SIGN, **{**fields, "companyCode": "PC002",
                                           "clientMutationId": None})  # fmt: skip
    assert second["contract"] is None
    assert second["userErrors"][0]["code"] == "DUPLICATE"
    assert "履约中" in second["userErrors"][0]["message"]
    assert await count(workflow_db, "SELECT count(*) FROM property_contracts") == before

    backwards = await _do(committee, SIGN, **{**fields, "endsOn": "2025-01-01",
                                              "clientMutationId": None})  # fmt: skip
    assert backwards["userErrors"][0]["field"] == "input.endsOn"

    ended = await _do(committee, END, contractId=contract["id"], reason="合同到期不再续约")
    assert ended["userErrors"] == []
    assert ended["contract"]["status"] == "ENDED"
    assert ended["contract"]["endedOn"] is not None
    assert ended["contract"]["compound"]["isThreeNo"] is True
    assert ended["contract"]["history"][-1]["note"] == "合同到期不再续约"
    again = await _do(committee, END, contractId=contract["id"])
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已终止" in again["userErrors"][0]["message"]

    renewed = await _do(committee, SIGN, **{**fields, "companyCode": "PC002",
                                            "clientMutationId": None})  # fmt: skip
    assert renewed["userErrors"] == []
    seen = await committee.query(
        """query($c: String!) { compound(code: $c) { propertyCompany { code }
             propertyContracts { status company { code } } } }""",
        {"c": bare["code"]},
    )
    assert seen["compound"]["propertyCompany"] == {"code": "PC002"}
    assert [c["status"] for c in seen["compound"]["propertyContracts"]] == ["ACTIVE", "ENDED"]
    assert await count(
        workflow_db,
        "SELECT count(*) FROM property_contracts WHERE status = 'active' AND compound_id = "
        "(SELECT id FROM compounds WHERE code = :c)",
        c=bare["code"],
    ) == 1  # fmt: skip

    outsiders = [("community", {"community": "C999"}), ("property_company", {"company": "PC001"}),
                 ("resident", {"community": community, "household": "1-101"}),
                 ("unit_branch", {"unit": "U0001"}), ("district", {"district": "D01"})]  # fmt: skip
    for role, scope in outsiders:
        error = await hub.as_viewer(role, **scope).error(SIGN, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role
        error = await hub.as_viewer(role, **scope).error(
            END, {"input": {"contractId": contract["id"]}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role


async def test_a_household_rates_once_per_period(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    served = await _served(hub)
    community = served["community"]["code"]
    resident = hub.as_viewer("resident", community=community, household="3-502")
    first = await _do(resident, RATE, compoundCode=served["code"], period="2026-Q3", stars=4,
                      comment="保洁及时")  # fmt: skip
    assert first["userErrors"] == []
    assert first["rating"] == {"period": "2026-Q3", "stars": 4, "household": "3-502",
                               "compound": {"code": served["code"]}}  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM property_ratings")
    twice = await _do(resident, RATE, compoundCode=served["code"], period="2026-Q3", stars=1)
    assert twice["rating"] is None
    assert twice["userErrors"] == [{"code": "DUPLICATE", "field": "input.period",
                                    "message": "本户已评价过2026-Q3的物业服务。"}]  # fmt: skip
    assert await count(workflow_db, "SELECT count(*) FROM property_ratings") == before
    assert (await _do(resident, RATE, compoundCode=served["code"], period="2026-Q4",
                      stars=5))["userErrors"] == []  # fmt: skip
    neighbour = hub.as_viewer("resident", community=community, household="3-501")
    assert (await _do(neighbour, RATE, compoundCode=served["code"], period="2026-Q3",
                      stars=3))["userErrors"] == []  # fmt: skip
    bad = await _do(neighbour, RATE, compoundCode=served["code"], period="2026", stars=6)
    assert bad["userErrors"][0]["field"] == "input.stars"

    bare = await _three_no(hub)
    here = hub.as_viewer("resident", community=bare["community"]["code"], household="1-101")
    none = await _do(here, RATE, compoundCode=bare["code"], period="2026", stars=3)
    assert none["userErrors"][0]["code"] == "INVALID_STATE"

    fields = {"compoundCode": served["code"], "period": "2026", "stars": 3}
    for role, scope in [("resident", {"community": "C999", "household": "1-101"}),
                        ("community", {"community": community}),
                        ("property_company", {"company": served["propertyCompany"]["code"]})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(RATE, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role


async def _grid_secretary(hub: GraphQLClient, community: str, compound: str) -> GraphQLClient:
    return hub.as_viewer("compound_branch_secretary", community=community, compound=compound)


async def _score_all(
    hub: GraphQLClient, compound: dict[str, Any], share: float
) -> list[dict[str, Any]]:
    community = compound["community"]["code"]
    committee = hub.as_viewer("community", community=community)
    secretary = await _grid_secretary(hub, community, compound["code"])
    criteria = (await hub.query("{ propertyCriteria(year: 2026) { code scorer maxScore } }"))[
        "propertyCriteria"
    ]
    payloads = []
    for criterion in criteria:
        scorer = committee if criterion["scorer"] == "COMMUNITY" else secretary
        points = str(round(criterion["maxScore"] * share, 1))
        payloads.append(
            await _do(
                scorer,
                SCORE,
                compoundCode=compound["code"],
                year=2026,
                criterionCode=criterion["code"],
                score=points,
            )
        )
    return payloads


async def test_scores_ranking_awards_and_red_status_earned_and_lost(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    good = await _served(hub)
    company = good["propertyCompany"]["code"]
    poor = await _served(hub, not_company=company)
    community = good["community"]["code"]
    district = hub.as_viewer("district", district="D01")

    # Criterion 1 lost: no Party organisation. A certified company is revoked.
    lost = await _do(district, COVERAGE, companyCode=company, hasPartyBranch=False,
                     coveredBySectorCommittee=False)  # fmt: skip
    assert lost["userErrors"] == []
    assert lost["company"]["redPropertyStatus"] != "CERTIFIED"
    state = (await hub.query(CRITERIA, {"c": company}))["propertyCompany"]
    assert state["redPropertyCriteria"]["partyOrganisation"] is False
    assert state["redPropertyCriteria"]["met"] is False
    assert (await _do(district, COVERAGE, companyCode=company, hasPartyBranch=True,
                      coveredBySectorCommittee=False))["userErrors"] == []  # fmt: skip

    # Criterion 2: the company signs the commitments where it serves, once a year.
    me = hub.as_viewer("property_company", company=company)
    signed = await _do(me, COMMIT, companyCode=company, communityCode=community, year=2027,
                       commitments="亮身份、亮承诺，诉求限时办结")  # fmt: skip
    assert signed["userErrors"] == []
    twice = await _do(me, COMMIT, companyCode=company, communityCode=community, year=2027,
                      commitments="再签")  # fmt: skip
    assert twice["userErrors"][0]["code"] == "DUPLICATE"
    elsewhere = await _do(me, COMMIT, companyCode=company, communityCode="C999", year=2027,
                          commitments="无")  # fmt: skip
    assert elsewhere["userErrors"][0]["code"] == "NOT_FOUND"
    other = hub.as_viewer("property_company", company=poor["propertyCompany"]["code"])
    error = await other.error(COMMIT, {"input": {"companyCode": company, "communityCode": community,
                                                 "year": 2027, "commitments": "冒签"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"

    # Scores: the community scores community criteria, the compound branch the branch ones.
    assert all(p["userErrors"] == [] for p in await _score_all(hub, good, 0.95))
    assert all(p["userErrors"] == [] for p in await _score_all(hub, poor, 0.3))
    again = await _score_all(hub, good, 0.5)
    assert {p["userErrors"][0]["code"] for p in again} == {"DUPLICATE"}

    # A revision supersedes the poor compound's safety score (3.0 -> 1.0); both rows stay.
    poor_committee = hub.as_viewer("community", community=poor["community"]["code"])
    fix = {"compoundCode": poor["code"], "year": 2026, "criterionCode": "safety", "score": "1",
           "reason": "复核发现消防通道堵塞"}  # fmt: skip
    blank = await _do(poor_committee, REVISE, **{**fix, "reason": " "})
    assert blank["userErrors"][0]["code"] == "INVALID_INPUT"
    branch = await _grid_secretary(hub, poor["community"]["code"], poor["code"])
    error = await branch.error(REVISE, {"input": fix})
    assert error["extensions"]["code"] == "FORBIDDEN"
    unscored = await _served(hub)
    nothing = await _do(hub.as_viewer("community", community=unscored["community"]["code"]),
                        REVISE, **{**fix, "compoundCode": unscored["code"]})  # fmt: skip
    assert nothing["userErrors"][0]["code"] == "NOT_FOUND"
    # Two revisions at once are serialised: revisions 2 and 3, each superseding the last.
    both = await asyncio.gather(*(_do(poor_committee, REVISE, **fix) for _ in range(2)))
    assert [r["userErrors"] for r in both] == [[], []]
    assert sorted(r["score"]["revision"] for r in both) == [2, 3]
    earlier, revised = sorted(both, key=lambda r: r["score"]["revision"])
    assert revised["score"]["score"] == "1"
    assert [(h["fromState"], h["toState"]) for h in earlier["score"]["history"]] in (
        [(None, "current")],
        [(None, "current"), ("current", "superseded")],
    )
    assert revised["score"]["reason"] == fix["reason"]
    assert [(h["fromState"], h["toState"]) for h in revised["score"]["history"]] == [
        (None, "current")
    ]
    rows_sql = (
        "SELECT count(*) FROM property_scores s JOIN compounds c ON c.id = s.compound_id "
        "JOIN property_criteria k ON k.id = s.criterion_id "
        "WHERE c.code = :c AND k.code = 'safety' AND k.year = 2026"
    )
    assert await count(workflow_db, rows_sql, c=poor["code"]) == 3
    assert await count(workflow_db, rows_sql + " AND s.score = 3", c=poor["code"]) == 1
    superseded = await count(
        workflow_db,
        "SELECT count(*) FROM state_events WHERE entity_type = 'PropertyScore' "
        "AND to_state = 'superseded'",
    )
    assert superseded == 2
    committee = hub.as_viewer("community", community=community)
    secretary = await _grid_secretary(hub, community, good["code"])
    error = await secretary.error(SCORE, {"input": {"compoundCode": good["code"], "year": 2026,
                                                    "criterionCode": "safety", "score": "5"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"
    error = await committee.error(SCORE, {"input": {"compoundCode": good["code"], "year": 2026,
                                                    "criterionCode": "volunteer", "score": "5"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"
    over = await _do(committee, SCORE, compoundCode=poor["code"] if poor["community"]["code"]
                     == community else good["code"], year=2026, criterionCode="unknown", score="1")  # fmt: skip
    assert over["userErrors"][0]["code"] == "NOT_FOUND"
    for household in ("5-101", "5-102"):
        for compound, stars in ((good, 5), (poor, 1)):
            resident = hub.as_viewer("resident", community=compound["community"]["code"],
                                     household=household)  # fmt: skip
            rated = await _do(resident, RATE, compoundCode=compound["code"], period="2026",
                              stars=stars)  # fmt: skip
            assert rated["userErrors"] == []

    # The district closes the year: ranks, tiers and amounts (data), then reassesses status.
    error = await committee.error(CLOSE, {"input": {"year": 2026}})
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert (await _do(district, CLOSE, year=2031))["userErrors"][0]["code"] == "NOT_FOUND"
    # Only one compound of each company is scored here: this district's fund lets a result
    # rest on any coverage (tests/test_property_awards.py covers the threshold).
    fund = await _do(district, FUND, year=2026, totalYuan="1500000", minCoveragePercent=0)
    assert fund["userErrors"] == []
    closed = await _do(district, CLOSE, year=2026)
    assert closed["userErrors"] == []
    ranking = closed["ranking"]
    codes = [r["company"]["code"] for r in ranking]
    assert codes.index(company) < codes.index(poor["propertyCompany"]["code"])
    assert [r["rank"] for r in ranking] == list(range(1, len(ranking) + 1))
    top = ranking[codes.index(company)]
    assert top["passed"] is True
    assert (top["conclusive"], top["compoundsScored"]) == (True, 1)
    assert top["compoundsServed"] >= 1
    assert top["residentScore"] == "20.00"
    assert top["tierName"] == "示范红色物业奖励"
    assert top["amountYuan"] == "0"  # awards go to compounds now, from the year's fund
    low = ranking[codes.index(poor["propertyCompany"]["code"])]
    assert (low["passed"], low["tierName"], low["amountYuan"]) == (False, None, "0")
    # Only the current scores count: 4.5 + 1.0 (revised, not 3.0) + 1.5 + 3.0.
    assert low["communityScore"] == "10.00"
    closed_fix = await _do(poor_committee, REVISE, **{**fix, "score": "2"})
    assert closed_fix["userErrors"][0]["code"] == "INVALID_STATE"
    assert (await _do(district, CLOSE, year=2026))["userErrors"][0]["code"] == "INVALID_STATE"
    late = await _do(committee, SCORE, compoundCode=good["code"], year=2026,
                     criterionCode="safety", score="1")  # fmt: skip
    assert late["userErrors"][0]["code"] in ("INVALID_STATE", "DUPLICATE")

    earned = (await hub.query(CRITERIA, {"c": company}))["propertyCompany"]
    assert earned["redPropertyStatus"] == "CERTIFIED"
    assert earned["redPropertyCriteria"] == {
        "status": "CERTIFIED", "partyOrganisation": True, "hasPartyBranch": True,
        "coveredBySectorCommittee": False, "commitmentsSigned": True,
        "commitmentYears": earned["redPropertyCriteria"]["commitmentYears"],
        "evaluationYear": 2026, "evaluationPassed": True, "met": True,
    }  # fmt: skip
    assert 2027 in earned["redPropertyCriteria"]["commitmentYears"]
    assert earned["history"][-1]["toState"] == "certified"
    # A ranking of two companies costs what the seeded year's ranking of all does.
    assert await hub.statements(RANKING, {"y": 2026}) == await hub.statements(RANKING, {"y": 2025})

    # Lost again: the Party organisation goes.
    revoked = await _do(district, COVERAGE, companyCode=company, hasPartyBranch=False,
                        coveredBySectorCommittee=False)  # fmt: skip
    assert revoked["company"]["redPropertyStatus"] == "REVOKED"
    poor_state = await hub.query(CRITERIA, {"c": poor["propertyCompany"]["code"]})
    assert poor_state["propertyCompany"]["redPropertyCriteria"]["evaluationPassed"] is False
    assert poor_state["propertyCompany"]["redPropertyStatus"] != "CERTIFIED"


RANKING = """query($y: Int!) { propertyRanking(year: $y) { rank total passed tierName amountYuan
  company { code name redPropertyStatus redPropertyCriteria { met commitmentsSigned }
    yearResults { year rank } compounds(first: 5) { totalCount } } } }"""


async def test_the_ranking_takes_a_fixed_number_of_statements(hub: GraphQLClient) -> None:
    """The 2025 ranking (every seeded company) costs what a ranking of one company does."""
    seeded = await hub.statements(RANKING, {"y": 2025})
    ranked = (await hub.query(RANKING, {"y": 2025}))["propertyRanking"]
    assert len(ranked) >= 3
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert seeded == {"units": 0, "community": 7, "audit": 0}, seeded


async def test_linkage_meetings_track_action_items_to_done(hub: GraphQLClient) -> None:
    served = await _served(hub, committee=True)
    community = served["community"]["code"]
    company = served["propertyCompany"]["code"]
    committee = hub.as_viewer("community", community=community)
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()
    four = [{"party": "COMMUNITY", "name": "社区书记"}, {"party": "GRID_BRANCH", "name": "支部书记"},
            {"party": "OWNERS_COMMITTEE", "name": "业委会主任"},
            {"party": "PROPERTY_COMPANY", "name": "物业经理"}]  # fmt: skip
    fields = {
        "compoundCode": served["code"], "heldOn": "2026-11-01", "agenda": "消防通道整治",
        "attendees": four, "decisions": "限期清理", "clientMutationId": f"linkage-{served['code']}",
        "actionItems": [
            {"description": "清理楼道杂物", "ownerParty": "PROPERTY_COMPANY", "ownerName": "物业经理",
             "dueOn": yesterday},
            {"description": "入户宣传", "ownerParty": "GRID_BRANCH", "ownerName": "支部书记",
             "dueOn": later},
        ],
    }  # fmt: skip
    held = await _do(committee, MEETING, **fields)
    assert held["userErrors"] == []
    meeting = held["meeting"]
    assert [a["party"] for a in meeting["attendees"]] == [a["party"] for a in four]
    items = {i["description"]: i for i in meeting["actionItems"]}
    assert items["清理楼道杂物"]["overdue"] is True
    assert items["入户宣传"]["overdue"] is False
    assert (await _do(committee, MEETING, **fields))["meeting"]["id"] == meeting["id"]

    three = await _do(committee, MEETING, **{**fields, "attendees": four[:3],
                                             "clientMutationId": None})  # fmt: skip
    assert three["userErrors"] == [{"code": "INVALID_INPUT", "field": "input.attendees",
                                    "message": "四方联动会议须有物业企业参加。"}]  # fmt: skip

    me = hub.as_viewer("property_company", company=company)
    seen = await me.query(
        """query($c: String!) { compound(code: $c) { linkageMeetings { id agenda
             actionItems { description status } } } }""",
        {"c": served["code"]},
    )
    assert meeting["id"] in [m["id"] for m in seen["compound"]["linkageMeetings"]]
    done = await _do(me, COMPLETE, actionItemId=items["清理楼道杂物"]["id"], note="已清理完毕")
    assert done["userErrors"] == []
    assert done["actionItem"]["status"] == "DONE"
    assert done["actionItem"]["overdue"] is False
    assert done["actionItem"]["history"] == [
        {"fromState": None, "toState": "open", "note": None},
        {"fromState": "open", "toState": "done", "note": "已清理完毕"},
    ]
    again = await _do(me, COMPLETE, actionItemId=items["清理楼道杂物"]["id"], note="再次")
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    error = await me.error(COMPLETE, {"input": {"actionItemId": items["入户宣传"]["id"],
                                                "note": "代办"}})  # fmt: skip
    assert error["extensions"]["code"] == "FORBIDDEN"
    blank = await _do(committee, COMPLETE, actionItemId=items["入户宣传"]["id"], note=" ")
    assert blank["userErrors"][0]["field"] == "input.note"
    assert (await _do(committee, COMPLETE, actionItemId=items["入户宣传"]["id"],
                      note="已入户"))["userErrors"] == []  # fmt: skip

    for role, scope in [("community", {"community": "C999"}), ("property_company", {"company": company}),
                        ("resident", {"community": community, "household": "1-101"})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(MEETING, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    hidden = await hub.as_viewer("unit_branch", unit="U0001").query(
        "query($id: ID!) { node(id: $id) { id } }", {"id": meeting["id"]}
    )
    assert hidden["node"] is None


async def test_concurrent_contracts_and_ratings_have_one_winner(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    bare = await _three_no(hub)
    committee = hub.as_viewer("community", community=bare["community"]["code"])
    bodies = await asyncio.gather(
        *(
            committee.raw(SIGN, {"input": {"compoundCode": bare["code"], "companyCode": company,
                                           "startsOn": "2026-02-01", "endsOn": "2027-01-31"}})
            for company in ("PC001", "PC002", "PC003", "PC004", "PC005")
        )
    )  # fmt: skip
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["signPropertyContract"] for body in bodies]
    assert sum(p["contract"] is not None for p in payloads) == 1
    assert sorted(e["code"] for p in payloads for e in p["userErrors"]) == ["DUPLICATE"] * 4
    active = await count(
        workflow_db,
        "SELECT count(*) FROM property_contracts WHERE status = 'active' AND compound_id = "
        "(SELECT id FROM compounds WHERE code = :c)",
        c=bare["code"],
    )
    assert active == 1

    resident = hub.as_viewer("resident", community=bare["community"]["code"], household="8-808")
    rated = await asyncio.gather(
        *(
            resident.raw(RATE, {"input": {"compoundCode": bare["code"], "period": "2026-H2",
                                          "stars": stars}})
            for stars in (1, 2, 3, 4)
        )
    )  # fmt: skip
    assert all(not body.get("errors") for body in rated), rated
    won = [b["data"]["ratePropertyService"] for b in rated]
    assert sum(p["rating"] is not None for p in won) == 1
    assert await count(
        workflow_db,
        "SELECT count(*) FROM property_ratings WHERE household = '8-808' AND period = '2026-H2'",
    ) == 1  # fmt: skip


RENEW = f"""mutation($input: RenewPropertyContractInput!) {{ renewPropertyContract(input: $input) {{
  {ERRORS} contract {{ {CONTRACT} }} }} }}"""
TERMS = """{ compounds(first: 100) { edges { node { code community { code }
  propertyCompany { code } propertyContracts { id status endsOn endedOn company { code } } } } } }"""


async def _contracts_by_compound(hub: GraphQLClient) -> list[dict[str, Any]]:
    data = await hub.as_viewer("district", district="D01").query(TERMS)
    return [edge["node"] for edge in data["compounds"]["edges"]]


def _lapsed(nodes: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Compounds whose current contract is past its end date and not replaced."""
    today = date.today().isoformat()
    return [
        (node, contract)
        for node in nodes
        if node["code"] not in _USED and node["propertyContracts"]
        for contract in node["propertyContracts"][:1]
        if contract["endsOn"] < today and contract["endedOn"] is None
    ]


async def test_an_expired_contract_reads_expired_and_never_blocks_the_next(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    nodes = await _contracts_by_compound(hub)
    lapsed = _lapsed(nodes)
    assert lapsed, "the seed has contracts that lapsed and were not replaced"
    if len(lapsed) < 2:  # earlier tests of the module took the others: lapse one more
        unserved = next(n for n in nodes if n["code"] not in _USED and not n["propertyContracts"])
        company = next(n["propertyCompany"]["code"] for n in nodes if n["propertyCompany"])
        committee = hub.as_viewer("community", community=unserved["community"]["code"])
        signed = await _do(committee, SIGN, compoundCode=unserved["code"], companyCode=company,
                           startsOn="2024-01-01", endsOn="2025-12-31")  # fmt: skip
        assert signed["userErrors"] == [], signed
        nodes = await _contracts_by_compound(hub)
        lapsed += [pair for pair in _lapsed(nodes) if pair[0]["code"] == unserved["code"]]
    assert len(lapsed) >= 2
    # Every contract past its end date reads EXPIRED, whatever is stored (none reads ACTIVE).
    today = date.today().isoformat()
    for node in nodes:
        for contract in node["propertyContracts"]:
            if contract["endsOn"] < today:
                assert contract["status"] in ("EXPIRED", "ENDED"), contract
            if contract["endedOn"] is None:
                assert contract["status"] == ("EXPIRED" if contract["endsOn"] < today
                                              else "ACTIVE"), contract  # fmt: skip
    assert {c["status"] for n in nodes for c in n["propertyContracts"]} == {
        "ACTIVE",
        "EXPIRED",
        "ENDED",
    }  # the seed shows all three

    (node, old), (other, _) = lapsed[0], lapsed[1]
    _USED.update((node["code"], other["code"]))
    # Until a successor is signed the company keeps serving (holdover).
    assert node["propertyCompany"] == old["company"]
    committee = hub.as_viewer("community", community=node["community"]["code"])
    successor = "PC001" if old["company"]["code"] != "PC001" else "PC002"
    stored = "SELECT count(*) FROM property_contracts WHERE status = 'active' AND compound_id = (SELECT id FROM compounds WHERE code = :c)"
    assert await count(workflow_db, stored, c=node["code"]) == 1
    ending = await _do(committee, END, contractId=old["id"])
    assert ending["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已到期" in ending["userErrors"][0]["message"]
    signed = await _do(committee, SIGN, compoundCode=node["code"], companyCode=successor,
                       startsOn=today, endsOn="2029-12-31")  # fmt: skip
    assert signed["userErrors"] == []
    assert signed["contract"]["status"] == "ACTIVE"
    seen = await committee.query(
        """query($c: String!) { compound(code: $c) { propertyCompany { code }
             propertyContracts { id status endedOn company { code }
               history { fromState toState note } } } }""",
        {"c": node["code"]},
    )
    contracts = {c["id"]: c for c in seen["compound"]["propertyContracts"]}
    assert seen["compound"]["propertyCompany"] == {"code": successor}
    assert contracts[old["id"]]["status"] == "EXPIRED"
    assert contracts[old["id"]]["endedOn"] == old["endsOn"]
    assert [(h["fromState"], h["toState"]) for h in contracts[old["id"]]["history"]] == [
        ("active", "expired")
    ]
    assert await count(workflow_db, stored, c=node["code"]) == 1
    # Filters go by the state as of today, not by what is stored.
    filtered = await committee.query(
        """query($c: String!) { compound(code: $c) {
             expired: propertyContracts(statuses: [EXPIRED]) { id }
             active: propertyContracts(statuses: [ACTIVE]) { id } } }""",
        {"c": node["code"]},
    )
    assert old["id"] in [c["id"] for c in filtered["compound"]["expired"]]
    assert filtered["compound"]["active"] == [{"id": signed["contract"]["id"]}]

    # A renewal of a lapsed, not replaced contract brings it back in force.
    other_committee = hub.as_viewer("community", community=other["community"]["code"])
    lapsed_id = other["propertyContracts"][0]["id"]
    backwards = await _do(other_committee, RENEW, contractId=lapsed_id, endsOn="2020-01-01")
    assert backwards["userErrors"][0]["code"] == "INVALID_INPUT"
    assert backwards["userErrors"][0]["field"] == "input.endsOn"
    renewed = await _do(other_committee, RENEW, contractId=lapsed_id, endsOn="2029-06-30",
                        reason="业主大会决定续聘")  # fmt: skip
    assert renewed["userErrors"] == []
    contract = renewed["contract"]
    assert (contract["status"], contract["endsOn"]) == ("ACTIVE", "2029-06-30")
    assert contract["history"][-1] == {"fromState": "expired", "toState": "active",
                                       "actorRole": "community",
                                       "note": "续约至2029-06-30：业主大会决定续聘"}  # fmt: skip
    blocked = await _do(other_committee, SIGN, compoundCode=other["code"], companyCode=successor,
                        startsOn=today, endsOn="2029-12-31")  # fmt: skip
    assert blocked["userErrors"][0]["code"] == "DUPLICATE"
    # The replaced contract cannot be renewed; another community cannot renew at all.
    replaced = await _do(committee, RENEW, contractId=old["id"], endsOn="2030-01-01")
    assert replaced["userErrors"][0]["code"] == "INVALID_STATE"
    for role, scope in [("community", {"community": "C999"}), ("district", {"district": "D01"}),
                        ("property_company", {"company": successor})]:  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(
            RENEW, {"input": {"contractId": lapsed_id, "endsOn": "2031-01-01"}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", role
