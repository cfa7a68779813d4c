"""No N+1: a request's statements depend on the query's shape, never on list lengths."""

from __future__ import annotations

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
    assert small == larger == expected


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
