"""No N+1: a request's statements depend on the query's shape, never on list lengths."""

from __future__ import annotations

from typing import Any

import pytest

from tests.client import GraphQLClient

# The example: 40 communities, 50 supporters each, each with member, unit, branch
# (work-unit side) and building (community side).
DEEP = """
{ communities(first: 40) { edges { node { name
    supporters(first: 50) { edges { node {
      member { name unit { name } branch { name } }
      building { name } } } } } } } }
"""

DEEPER = """
{ workUnits(first: 50) { totalCount edges { node { name
    branches(first: 10) { totalCount edges { node { name
      members(first: 20) { totalCount edges { node { name
        report { reportedOn skills community { name street { name } } building { compound { name } } }
      } } } } } }
    pairedCommunities(first: 5) { edges { node { community { name
      partnerUnits(first: 5) { edges { node { unit { name } } } } } } } }
} } } }
"""

PARTNERS = """
{ alliances(first: 20) { edges { node { name
    parties { ... on WorkUnit { name } ... on Community { name } ... on PropertyCompany { name } }
    agreements(first: 5) { edges { node { title parties { __typename } projects { name
      owner { __typename } } } } } } } } }
"""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Plus one audit insert: the queries read members' names (personal information).
        (DEEP, {"units": 3, "community": 3, "audit": 1}),
        (DEEPER, {"units": 7, "community": 9, "audit": 1}),
    ],
    ids=["communities-supporters", "units-branches-members"],
)
async def test_statements_are_bounded_by_depth(
    client: GraphQLClient, larger_client: GraphQLClient, query: str, expected: dict[str, int]
) -> None:
    small = await client.statements(query)
    larger = await larger_client.statements(query)
    # At most the bound: loads that land in the same tick share a batch, and on a loaded
    # machine two of a level's batches (a pairing's community, a report's) may merge.
    for counts in (small, larger):
        assert all(counts[side] <= most for side, most in expected.items()), counts
    assert larger["audit"] == small["audit"] == expected["audit"]


async def test_partner_queries_do_not_grow_with_data(
    client: GraphQLClient, larger_client: GraphQLClient
) -> None:
    # At most one batch per loader per level the query's shape reaches. Units side: the
    # alliances' parties, the agreements' parties, the projects' owners (3 levels).
    # Community side: alliances, their memberships, communities and companies among the
    # parties, agreements, their parties and projects, and again communities and
    # companies among agreement parties and owners. Data decides which are reached.
    bound = {"units": 3, "community": 11}
    small = await client.statements(PARTNERS)
    larger = await larger_client.statements(PARTNERS)
    assert all(larger[side] <= bound[side] for side in bound)
    assert all(small[side] <= bound[side] for side in bound)


async def test_larger_data_really_is_larger(
    client: GraphQLClient, larger_client: GraphQLClient
) -> None:
    query = "{ members(first: 0) { totalCount } communities(first: 0) { totalCount } }"
    small = await client.query(query)
    larger = await larger_client.query(query)
    assert larger["members"]["totalCount"] > 3 * small["members"]["totalCount"]
    assert larger["communities"]["totalCount"] > small["communities"]["totalCount"]


SCOPED = """
{ members(first: 50) { edges { node { name unit { name } branch { name }
    report { reportedOn community { name } building { name } skills } } } }
  communities(first: 40) { edges { node { supporters(first: 50) { totalCount edges { node {
    member { name } } } } } } } }
"""


@pytest.mark.parametrize(
    ("role", "scope_of", "expected"),
    [
        # One fact lookup per request (the community's supporters), plus the members'
        # privacy choices, which a community viewer's personal fields consult.
        ("community", lambda codes: {"community": codes["community"]},
         {"units": 4, "community": 9, "audit": 1}),
        # One fact lookup per request (the unit's members) on the units side.
        ("unit_branch", lambda codes: {"unit": codes["unit"]},
         {"units": 5, "community": 6, "audit": 1}),
    ],
    ids=["community", "unit"],
)  # fmt: skip
async def test_scoped_viewers_add_one_fact_lookup_not_one_per_row(
    client: GraphQLClient,
    larger_client: GraphQLClient,
    role: str,
    scope_of: Any,
    expected: dict[str, int],
) -> None:
    counts = []
    for hub in (client, larger_client):
        codes = await _busiest(hub)
        counts.append(await hub.as_viewer(role, **scope_of(codes)).statements(SCOPED))
    assert counts == [expected, expected]


async def _busiest(hub: GraphQLClient) -> dict[str, str]:
    """The community with most supporters, and the unit of one of them."""
    data = await hub.query(
        """{ communities(first: 100) { edges { node { code supporters(first: 1) {
             totalCount edges { node { member { unit { code } } } } } } } } }"""
    )
    best = max(data["communities"]["edges"], key=lambda e: e["node"]["supporters"]["totalCount"])
    node = best["node"]
    return {"community": node["code"],
            "unit": node["supporters"]["edges"][0]["node"]["member"]["unit"]["code"]}  # fmt: skip


COMMUNITY_DASHBOARD = """
query($code: String!) { community(code: $code) { name
  demandItems(first: 50, filter: {statuses: [PENDING_REVIEW, PUBLISHED]}) { totalCount
    edges { node { title category { name } } } }
  orders(first: 50, filter: {overdue: true}) { totalCount edges { node { title dueAt
    isOverdue category { name } member { name unit { name } } history { toState } } } }
  activities(first: 50, filter: {thisWeek: true}) { totalCount edges { node { title
    registeredCount waitlistCount signups(first: 10) { edges { node { status
      member { name } } } } } } }
  postCoverage { category { name } capacity claimed vacancies }
} }
"""


@pytest.mark.parametrize("role", ["district", "community"])
async def test_community_dashboard_statements_do_not_grow_with_data(
    client: GraphQLClient, larger_client: GraphQLClient, role: str
) -> None:
    """A community's open demands, overdue orders, activities this week and post coverage:
    a fixed bound of statements on both data sets, whatever their rows. (Fewer run where a
    list is empty: its nested loaders are never reached.)"""
    # 13 since the demo data has posts: `postCoverage` has rows, so its categories load too.
    bound = {"units": 2, "community": 13, "audit": 1}
    reached = []
    for hub in (client, larger_client):
        code = (await _busiest(hub))["community"]
        viewer = hub if role == "district" else hub.as_viewer("community", community=code)
        counts = await viewer.statements(COMMUNITY_DASHBOARD, {"code": code})
        assert all(counts.get(side, 0) <= most for side, most in bound.items()), counts
        reached.append(counts.get("units", 0) == bound["units"])
    # At least one data set has overdue orders served by members: every level is reached.
    assert any(reached)


async def test_the_district_dashboard_runs_only_what_it_is_asked(client: GraphQLClient) -> None:
    """The units' contributions cost statements of their own: not for a query without them."""
    summary = "summary { members compliant }"
    bare = await client.statements(f"{{ district(year: 2025) {{ {summary} }} }}")
    with_units = await client.statements(
        f"{{ district(year: 2025) {{ {summary} unitContributions {{ unit {{ code }} }} }} }}"
    )
    assert bare["community"] < with_units["community"]
