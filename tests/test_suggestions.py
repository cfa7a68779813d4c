"""DemandItem.suggestedSupporters through the API: ranked, explained, scoped, batched."""

from __future__ import annotations

from tests.client import GraphQLClient

SUGGESTIONS = """query($c: String!, $n: Int!) { community(code: $c) {
  demandItems(first: $n) { edges { node { title category { code name }
    suggestedSupporters(first: 5) { score reasons supporter { memberCode community { code }
      intentions { code } } } } } } } }"""


async def _busiest(client: GraphQLClient) -> str:
    data = await client.query(
        "{ communities(first: 100) { edges { node { code supporters(first: 0) { totalCount } } } } }"
    )
    return str(
        max(data["communities"]["edges"], key=lambda e: e["node"]["supporters"]["totalCount"])[
            "node"
        ]["code"]
    )


async def test_suggestions_are_ranked_explained_and_local(client: GraphQLClient) -> None:
    community = await _busiest(client)
    committee = client.as_viewer("community", community=community)
    data = await committee.query(SUGGESTIONS, {"c": community, "n": 10})
    demands = data["community"]["demandItems"]["edges"]
    assert demands
    seen_intention = False
    for demand in demands:
        suggestions = demand["node"]["suggestedSupporters"]
        scores = [s["score"] for s in suggestions]
        assert scores == sorted(scores, reverse=True)
        for s in suggestions:
            assert s["score"] > 0
            assert s["reasons"]
            assert s["supporter"]["community"]["code"] == community
            category = demand["node"]["category"]
            if any(c["code"] == category["code"] for c in s["supporter"]["intentions"]):
                assert f"服务意向包含「{category['name']}」" in s["reasons"]
                seen_intention = True
    assert seen_intention


async def test_only_the_community_side_gets_suggestions(client: GraphQLClient) -> None:
    community = await _busiest(client)
    member = (await client.query(
        "query($c: String!) { community(code: $c) { supporters(first: 1) { edges { node { memberCode } } } } }",
        {"c": community},
    ))["community"]["supporters"]["edges"][0]["node"]["memberCode"]  # fmt: skip
    as_member = await client.as_viewer("member", member=member).query(
        """{ demandItems(first: 5) { edges { node { suggestedSupporters { score } } } } }"""
    )
    assert all(e["node"]["suggestedSupporters"] == [] for e in as_member["demandItems"]["edges"])


async def test_suggestions_cost_the_same_for_one_demand_or_ten(client: GraphQLClient) -> None:
    community = await _busiest(client)
    committee = client.as_viewer("community", community=community)
    one = await committee.statements(SUGGESTIONS, {"c": community, "n": 1})
    ten = await committee.statements(SUGGESTIONS, {"c": community, "n": 10})
    # The grid loader runs only when some demand names a grid: one batch, not one per row.
    assert one["units"] == ten["units"]
    assert one["community"] <= ten["community"] <= one["community"] + 1
