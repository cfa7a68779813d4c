"""The posts workflow (岗位认领) end to end: publish, claim, release, close; capacity holds."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

CATEGORY = "chancheng.epidemic"
OTHER_CATEGORY = "chancheng.safety_patrol"

PUBLISH = """mutation($input: PublishPostInput!) { publishPost(input: $input) {
  clientMutationId userErrors { code message field }
  post { id code title capacity status startsOn endsOn claimedCount category { code }
         community { code } history { fromState toState actorRole note } } } }"""
CLOSE = """mutation($input: ClosePostInput!) { closePost(input: $input) {
  userErrors { code message field } post { id status history { fromState toState note } } } }"""
CLAIM = """mutation($input: ClaimPostInput!) { claimPost(input: $input) {
  clientMutationId userErrors { code message field }
  claim { id status memberCode claimedAt releasedAt post { code claimedCount }
          history { fromState toState actorRole } } } }"""
RELEASE = """mutation($input: ReleasePostInput!) { releasePost(input: $input) {
  userErrors { code message field }
  claim { id status releasedAt post { claimedCount } history { fromState toState note } } } }"""


workflow_db, hub = workflow_fixtures("posts")


async def _publish(hub: GraphQLClient, community: str, **extra: Any) -> dict[str, Any]:
    committee = hub.as_viewer("community", community=community)
    fields = {"communityCode": community, "categoryCode": CATEGORY, "title": "疫情防控志愿岗",
              "capacity": 2, **extra}  # fmt: skip
    payload = (await committee.query(PUBLISH, {"input": fields}))["publishPost"]
    assert payload["userErrors"] == [], payload
    post: dict[str, Any] = payload["post"]
    return post


async def _claim(hub: GraphQLClient, member: str, post_id: str, **extra: Any) -> dict[str, Any]:
    me = hub.as_viewer("member", member=member)
    payload: dict[str, Any] = (await me.query(CLAIM, {"input": {"postId": post_id, **extra}}))[
        "claimPost"
    ]
    return payload


async def _release(hub: GraphQLClient, member: str, claim_id: str) -> dict[str, Any]:
    me = hub.as_viewer("member", member=member)
    payload: dict[str, Any] = (
        await me.query(RELEASE, {"input": {"claimId": claim_id, "reason": "工作调动"}})
    )["releasePost"]
    return payload


async def test_publish_claim_release_and_the_full_trail(hub: GraphQLClient) -> None:
    post = await _publish(hub, "C001", capacity=3, startsOn="2026-12-01", endsOn="2026-12-31")
    assert post["status"] == "OPEN"
    assert (post["capacity"], post["claimedCount"]) == (3, 0)
    assert post["category"]["code"] == CATEGORY
    assert post["community"]["code"] == "C001"
    assert (post["startsOn"], post["endsOn"]) == ("2026-12-01", "2026-12-31")
    assert post["history"] == [
        {"fromState": None, "toState": "open", "actorRole": "community", "note": None}
    ]
    [member] = await supporters(hub, "C001", 1)
    claimed = await _claim(hub, member, post["id"])
    assert claimed["userErrors"] == []
    claim = claimed["claim"]
    assert (claim["status"], claim["memberCode"], claim["releasedAt"]) == ("ACTIVE", member, None)
    assert claim["post"] == {"code": post["code"], "claimedCount": 1}
    assert claim["history"] == [{"fromState": None, "toState": "active", "actorRole": "member"}]

    mine = await hub.as_viewer("member", member=member).query(
        "query($m: String!) { member(code: $m) { postClaims { totalCount edges { node {"
        " id post { code } } } } } }",
        {"m": member},
    )
    assert mine["member"]["postClaims"]["totalCount"] == 1
    assert mine["member"]["postClaims"]["edges"][0]["node"]["post"]["code"] == post["code"]

    released = await _release(hub, member, claim["id"])
    assert released["userErrors"] == []
    assert released["claim"]["status"] == "RELEASED"
    assert released["claim"]["releasedAt"] is not None
    assert released["claim"]["post"]["claimedCount"] == 0
    assert released["claim"]["history"][-1] == {
        "fromState": "active", "toState": "released", "note": "工作调动"
    }  # fmt: skip

    # The community sees the released claim with its history, and the member behind it.
    seen = await hub.as_viewer("community", community="C001").query(
        """query($id: ID!) { node(id: $id) { ... on Post { claimedCount
             claims(includeReleased: true) { totalCount edges { node { status member { code } } } }
             active: claims { totalCount } } } }""",
        {"id": post["id"]},
    )
    assert seen["node"]["claimedCount"] == 0
    assert seen["node"]["active"]["totalCount"] == 0
    assert seen["node"]["claims"]["totalCount"] == 1
    node = seen["node"]["claims"]["edges"][0]["node"]
    assert node == {"status": "RELEASED", "member": {"code": member}}

    # He may claim it again after releasing: only one ACTIVE claim per member and post.
    again = await _claim(hub, member, post["id"])
    assert again["userErrors"] == []


async def test_every_invalid_step_is_a_user_error_and_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    post = await _publish(hub, "C002", capacity=1)
    first, second = await supporters(hub, "C002", 2)
    claim = (await _claim(hub, first, post["id"]))["claim"]

    twice = await _claim(hub, first, post["id"])
    assert twice["claim"] is None
    assert twice["userErrors"][0]["code"] == "DUPLICATE"

    claims_before = await count(workflow_db, "SELECT count(*) FROM post_claims")
    events_before = await count(workflow_db, "SELECT count(*) FROM state_events")
    full = await _claim(hub, second, post["id"])
    assert full["claim"] is None
    assert full["userErrors"] == [
        {"code": "FULL", "message": "该岗位名额已满", "field": "input.postId"}
    ]
    assert await count(workflow_db, "SELECT count(*) FROM post_claims") == claims_before
    assert await count(workflow_db, "SELECT count(*) FROM state_events") == events_before

    # A member reported elsewhere must report to this community first.
    [elsewhere] = await supporters(hub, "C003", 1)
    not_here = await _claim(hub, elsewhere, post["id"])
    assert not_here["userErrors"][0]["code"] == "NOT_REPORTED"
    assert not_here["userErrors"][0]["message"] == "请先向该社区报到。"

    released = await _release(hub, first, claim["id"])
    assert released["userErrors"] == []
    again = await _release(hub, first, claim["id"])
    assert again["claim"] is None
    assert again["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已退出" in again["userErrors"][0]["message"]

    committee = hub.as_viewer("community", community="C002")
    closed = (
        await committee.query(CLOSE, {"input": {"postId": post["id"], "reason": "活动结束"}})
    )["closePost"]
    assert closed["userErrors"] == []
    assert closed["post"]["status"] == "CLOSED"
    assert closed["post"]["history"][-1] == {
        "fromState": "open", "toState": "closed", "note": "活动结束"
    }  # fmt: skip
    on_closed = await _claim(hub, second, post["id"])
    assert on_closed["userErrors"][0]["code"] == "INVALID_STATE"
    assert "已关闭" in on_closed["userErrors"][0]["message"]
    close_again = await committee.query(CLOSE, {"input": {"postId": post["id"]}})
    assert close_again["closePost"]["userErrors"][0]["code"] == "INVALID_STATE"


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"capacity": 0}, "INVALID_INPUT", "input.capacity"),
        ({"title": "  "}, "INVALID_INPUT", "input.title"),
        ({"startsOn": "2026-12-31", "endsOn": "2026-12-01"}, "INVALID_INPUT", "input.endsOn"),
        ({"categoryCode": "no.such.category"}, "NOT_FOUND", "input.categoryCode"),
    ],
)
async def test_bad_post_input_changes_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair, extra: dict[str, Any], code: str, field: str
) -> None:
    before = await count(workflow_db, "SELECT count(*) FROM posts")
    fields = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "岗", "capacity": 1,
              **extra}  # fmt: skip
    result = await hub.as_viewer("community", community="C001").query(PUBLISH, {"input": fields})
    error = result["publishPost"]["userErrors"][0]
    assert (error["code"], error["field"]) == (code, field)
    assert await count(workflow_db, "SELECT count(*) FROM posts") == before


async def test_only_the_own_community_manages_and_only_members_claim(hub: GraphQLClient) -> None:
    [member] = await supporters(hub, "C001", 1)
    fields = {"communityCode": "C001", "categoryCode": CATEGORY, "title": "岗", "capacity": 1}
    outsiders = [("community", {"community": "C002"}), ("unit_branch", {"unit": "U0001"}),
                 ("member", {"member": member}), ("district", {"district": "D01"}),
                 ("auditor", {})]  # fmt: skip
    for role, scope in outsiders:
        error = await hub.as_viewer(role, **scope).error(PUBLISH, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    assert (await hub.anonymous().error(PUBLISH, {"input": fields}))["extensions"]["code"] in {
        "FORBIDDEN", "UNAUTHENTICATED"
    }  # fmt: skip

    grid = await hub.query(
        '{ community(code: "C001") { grids(first: 1) { edges { node { code } } } } }'
    )
    grid_code = grid["community"]["grids"]["edges"][0]["node"]["code"]
    secretary = hub.as_viewer("grid_branch_secretary", community="C001", grid=grid_code)
    by_secretary = (await secretary.query(PUBLISH, {"input": fields}))["publishPost"]
    assert by_secretary["userErrors"] == []
    post_id = by_secretary["post"]["id"]

    for role, scope in outsiders:
        error = await hub.as_viewer(role, **scope).error(CLOSE, {"input": {"postId": post_id}})
        assert error["extensions"]["code"] == "FORBIDDEN", role
    for role, scope in [("community", {"community": "C001"}), ("district", {"district": "D01"})]:
        error = await hub.as_viewer(role, **scope).error(CLAIM, {"input": {"postId": post_id}})
        assert error["extensions"]["code"] == "FORBIDDEN", role

    claim = (await _claim(hub, member, post_id))["claim"]
    [other] = await supporters(hub, "C001", 1)
    error = await hub.as_viewer("member", member=other).error(
        RELEASE, {"input": {"claimId": claim["id"]}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    # The other member does not see the claim at all.
    hidden = await hub.as_viewer("member", member=other).query(
        "query($id: ID!) { node(id: $id) { id } }", {"id": claim["id"]}
    )
    assert hidden["node"] is None


async def test_retried_publish_and_claim_return_the_first_result(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C003")
    fields = {"communityCode": "C003", "categoryCode": CATEGORY, "title": "重试岗", "capacity": 5,
              "clientMutationId": "posts-publish-retry-1"}  # fmt: skip
    before = await count(workflow_db, "SELECT count(*) FROM posts")
    first = (await committee.query(PUBLISH, {"input": fields}))["publishPost"]
    second = (await committee.query(PUBLISH, {"input": fields}))["publishPost"]
    assert second["userErrors"] == []
    assert second["post"]["id"] == first["post"]["id"]
    assert second["clientMutationId"] == "posts-publish-retry-1"
    assert await count(workflow_db, "SELECT count(*) FROM posts") == before + 1

    [member] = await supporters(hub, "C003", 1)
    key = {"clientMutationId": f"posts-claim-retry-{member}"}
    claimed = await _claim(hub, member, first["post"]["id"], **key)
    retried = await _claim(hub, member, first["post"]["id"], **key)
    assert retried["userErrors"] == []
    assert retried["claim"]["id"] == claimed["claim"]["id"]
    assert retried["claim"]["post"]["claimedCount"] == 1


async def test_anonymous_sees_open_posts_but_no_claims(hub: GraphQLClient) -> None:
    open_post = await _publish(hub, "C002", title="公开岗位")
    closed_post = await _publish(hub, "C002", title="已关闭岗位")
    committee = hub.as_viewer("community", community="C002")
    await committee.query(CLOSE, {"input": {"postId": closed_post["id"]}})
    [member] = await supporters(hub, "C002", 1)
    claim = (await _claim(hub, member, open_post["id"]))["claim"]

    query = """query($claim: ID!) {
      community(code: "C002") { posts(first: 100) { edges { node { id code claimedCount
        claims { totalCount edges { node { id } } } } } } }
      claim: node(id: $claim) { id } }"""
    variables = {"claim": claim["id"]}
    anonymous = await hub.anonymous().query(query, variables)
    nodes = {e["node"]["id"]: e["node"] for e in anonymous["community"]["posts"]["edges"]}
    assert open_post["id"] in nodes
    assert closed_post["id"] not in nodes
    assert nodes[open_post["id"]]["claimedCount"] == 1  # a figure of the post, not a person
    assert nodes[open_post["id"]]["claims"] == {"totalCount": 0, "edges": []}
    assert anonymous["claim"] is None

    # The community sees its closed posts and the claims; another community only open ones.
    own = await committee.query(query, variables)
    own_nodes = {e["node"]["id"]: e["node"] for e in own["community"]["posts"]["edges"]}
    assert closed_post["id"] in own_nodes
    assert own_nodes[open_post["id"]]["claims"]["totalCount"] == 1
    assert own["claim"] == {"id": claim["id"]}
    other = await hub.as_viewer("community", community="C001").query(query, variables)
    assert closed_post["id"] not in {e["node"]["id"] for e in other["community"]["posts"]["edges"]}
    assert other["claim"] is None
    filtered = await hub.anonymous().query(
        """{ community(code: "C002") { posts(filter: {status: CLOSED}) { totalCount } } }"""
    )
    assert filtered["community"]["posts"]["totalCount"] == 0


async def test_post_coverage_figures_are_exact(hub: GraphQLClient) -> None:
    # A community of its own data: C003's figures before, then the posts added here.
    query = """{ community(code: "C003") { postCoverage { category { code } posts capacity
                 claimed vacancies } } }"""
    before = {
        row["category"]["code"]: row
        for row in (await hub.query(query))["community"]["postCoverage"]
    }
    a = await _publish(hub, "C003", capacity=3, title="甲")
    await _publish(hub, "C003", capacity=2, title="乙")
    c = await _publish(hub, "C003", capacity=4, title="丙", categoryCode=OTHER_CATEGORY)
    closed = await _publish(hub, "C003", capacity=9, title="丁")
    await hub.as_viewer("community", community="C003").query(
        CLOSE, {"input": {"postId": closed["id"]}}
    )
    m1, m2, m3 = await supporters(hub, "C003", 3)
    await _claim(hub, m1, a["id"])
    released = (await _claim(hub, m2, a["id"]))["claim"]
    await _release(hub, m2, released["id"])
    await _claim(hub, m3, c["id"])

    after = {
        row["category"]["code"]: row
        for row in (await hub.anonymous().query(query))["community"]["postCoverage"]
    }

    def grew(code: str) -> tuple[int, int, int]:
        old = before.get(code, {"posts": 0, "capacity": 0, "claimed": 0})
        new = after[code]
        return (new["posts"] - old["posts"], new["capacity"] - old["capacity"],
                new["claimed"] - old["claimed"])  # fmt: skip

    assert grew(CATEGORY) == (2, 5, 1)
    assert grew(OTHER_CATEGORY) == (1, 4, 1)
    for row in after.values():
        assert row["vacancies"] == row["capacity"] - row["claimed"]


async def test_claimed_counts_and_coverage_do_not_add_statements_per_post(
    hub: GraphQLClient,
) -> None:
    query = """{ communities(first: 10) { edges { node { code postCoverage { claimed
                 category { name } }
                 posts(first: 50) { edges { node { claimedCount category { code } } } } } } } }"""
    # One post first, so both measurements load the posts' counts and categories: the test
    # then holds alone as well as after other tests published posts.
    await _publish(hub, "C001", title="统计岗", capacity=2)
    before = await hub.statements(query)
    for community in ("C001", "C002", "C003"):
        for i in range(3):
            await _publish(hub, community, title=f"统计岗{i}", capacity=2)
    after = await hub.statements(query)
    assert after == before
    assert after["community"] <= 6, after


async def test_concurrent_claims_never_exceed_the_capacity(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    post = await _publish(hub, "C001", capacity=3, title="并发岗")
    members = await supporters(hub, "C001", 10)
    bodies = await asyncio.gather(
        *(
            hub.as_viewer("member", member=m).raw(CLAIM, {"input": {"postId": post["id"]}})
            for m in members
        )
    )
    assert all(not body.get("errors") for body in bodies), bodies
    payloads = [body["data"]["claimPost"] for body in bodies]
    won = [p for p in payloads if p["claim"] is not None]
    codes = [e["code"] for p in payloads for e in p["userErrors"]]
    assert len(won) == 3
    assert codes == ["FULL"] * 7
    post_id = int(post["id"] and await _post_db_id(workflow_db, post["code"]))
    active = await count(
        workflow_db,
        "SELECT count(*) FROM post_claims WHERE post_id = :p AND status = 'active'",
        p=post_id,
    )
    assert active == 3


async def _post_db_id(pair: DatabasePair, code: str) -> int:
    return await count(pair, "SELECT id FROM posts WHERE code = :c", c=code)
