"""The three evaluations side by side (三评汇总) for the district: per member (self,
community, organisation) and per branch (how many got each grade), by year; nobody else
reads them; a page costs the same statements whatever its size."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient
from tests.workflow import supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("three")

YEAR = 2026
MEMBERS = """query($y: Int!, $f: MemberFilter, $n: Int) {
  memberThreeEvaluations(year: $y, first: $n, filter: $f) { totalCount edges { node {
    year member { code } branch { code }
    selfEvaluation { grade comment } communityEvaluation { grade comment }
    organisationEvaluation { grade comment } } } } }"""
BRANCHES = """query($y: Int!, $n: Int, $after: String) {
  branchThreeEvaluations(year: $y, first: $n, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node {
    year members branch { code }
    selfEvaluations { excellent qualified basicallyQualified unqualified ungraded missing }
    communityEvaluations { excellent qualified basicallyQualified unqualified ungraded missing }
    organisationEvaluations { excellent qualified basicallyQualified unqualified ungraded
                              missing } } } } }"""


async def _member_of(hub: GraphQLClient, code: str) -> tuple[str, str]:
    data = await hub.query(
        "query($m: String!) { member(code: $m) { unit { code } branch { code } } }", {"m": code}
    )
    return data["member"]["unit"]["code"], data["member"]["branch"]["code"]


async def _branch_row(hub: GraphQLClient, branch: str) -> dict[str, Any]:
    after = None
    while True:
        data = (await hub.query(BRANCHES, {"y": YEAR, "n": 100, "after": after}))[
            "branchThreeEvaluations"
        ]
        for edge in data["edges"]:
            if edge["node"]["branch"]["code"] == branch:
                node: dict[str, Any] = edge["node"]
                return node
        assert data["pageInfo"]["hasNextPage"], branch
        after = data["pageInfo"]["endCursor"]


async def test_the_three_side_by_side_per_member_and_branch(hub: GraphQLClient) -> None:
    [code] = await supporters(hub, "C001", 1)
    unit, branch = await _member_of(hub, code)
    before = await _branch_row(hub, branch)

    committee = hub.as_viewer("community", community="C001")
    written = await committee.query(
        """mutation($m: String!) { evaluateMember(input: {memberCode: $m, grade: QUALIFIED,
             comment: "服务积极"}) { userErrors { code } } }""",
        {"m": code},
    )
    assert written["evaluateMember"]["userErrors"] == []
    me = hub.as_viewer("member", member=code)
    mine = await me.query(
        """mutation { writeSelfEvaluation(input: {comment: "按时报到", grade: EXCELLENT}) {
             userErrors { code } } }"""
    )
    assert mine["writeSelfEvaluation"]["userErrors"] == []
    # No policy for 2026 in the seeded data: no ceiling binds this year.
    organisation = await hub.as_viewer("unit_branch", unit=unit, branch=branch).query(
        """mutation($m: String!) { recordOrganisationEvaluation(input: {memberCode: $m,
             grade: EXCELLENT, comment: "表现突出"}) { userErrors { code } } }""",
        {"m": code},
    )
    assert organisation["recordOrganisationEvaluation"]["userErrors"] == []

    data = await hub.query(MEMBERS, {"y": YEAR, "f": {"codes": [code]}})
    [edge] = data["memberThreeEvaluations"]["edges"]
    assert edge["node"] == {
        "year": YEAR, "member": {"code": code}, "branch": {"code": branch},
        "selfEvaluation": {"grade": "EXCELLENT", "comment": "按时报到"},
        "communityEvaluation": {"grade": "QUALIFIED", "comment": "服务积极"},
        "organisationEvaluation": {"grade": "EXCELLENT", "comment": "表现突出"},
    }  # fmt: skip
    # Another year shows what that year holds: nothing of these.
    earlier = await hub.query(MEMBERS, {"y": 2024, "f": {"codes": [code]}})
    [old] = earlier["memberThreeEvaluations"]["edges"]
    assert old["node"]["selfEvaluation"] is None
    assert old["node"]["communityEvaluation"] is None

    after = await _branch_row(hub, branch)
    assert after["members"] == before["members"]
    for kind, grade in (("selfEvaluations", "excellent"), ("communityEvaluations", "qualified"),
                        ("organisationEvaluations", "excellent")):  # fmt: skip
        assert after[kind][grade] == before[kind][grade] + 1, kind
        assert sum(after[kind].values()) == after["members"], kind


async def test_branch_counts_agree_with_the_members(hub: GraphQLClient) -> None:
    """The seeded 2025 year: a branch's counts are its members' grades, counted."""
    data = (await hub.query(BRANCHES, {"y": 2025, "n": 3}))["branchThreeEvaluations"]
    for edge in data["edges"]:
        node = edge["node"]
        members = await hub.query(
            MEMBERS, {"y": 2025, "n": 100,
                      "f": {"branchCode": node["branch"]["code"], "inService": True}},
        )  # fmt: skip
        rows = [e["node"] for e in members["memberThreeEvaluations"]["edges"]]
        assert len(rows) == node["members"]
        organisation = [r["organisationEvaluation"] for r in rows]
        assert node["organisationEvaluations"]["missing"] == organisation.count(None)
        assert node["organisationEvaluations"]["qualified"] == sum(
            1 for o in organisation if o and o["grade"] == "QUALIFIED"
        )
        community = [r["communityEvaluation"] for r in rows]
        assert node["communityEvaluations"]["missing"] == community.count(None)


async def test_only_the_district_and_the_auditor_read_them(hub: GraphQLClient) -> None:
    assert (await hub.query(MEMBERS, {"y": 2025}))["memberThreeEvaluations"]["totalCount"] > 0
    auditor = hub.as_viewer("auditor")
    assert (await auditor.query(BRANCHES, {"y": 2025}))["branchThreeEvaluations"]["totalCount"] > 0
    for role, scope in (("unit_branch", {"unit": "U0001"}), ("community", {"community": "C001"}),
                        ("member", {"member": "M000001"}), ("resident", {"community": "C001",
                        "household": "1-101"})):  # fmt: skip
        viewer = hub.as_viewer(role, **scope)
        members = await viewer.query(MEMBERS, {"y": 2025})
        branches = await viewer.query(BRANCHES, {"y": 2025})
        assert members["memberThreeEvaluations"]["totalCount"] == 0, role
        assert branches["branchThreeEvaluations"]["totalCount"] == 0, role


async def test_statements_do_not_grow_with_the_page(hub: GraphQLClient) -> None:
    small = await hub.statements(BRANCHES, {"y": 2025, "n": 2})
    large = await hub.statements(BRANCHES, {"y": 2025, "n": 40})
    assert large == small
    few = await hub.statements(MEMBERS, {"y": 2025, "n": 2})
    many = await hub.statements(MEMBERS, {"y": 2025, "n": 40})
    assert many == few
