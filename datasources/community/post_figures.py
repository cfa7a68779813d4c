"""Figures of posts (岗位) per request: active claims per post, open places per community."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.community.models import Post, PostClaim, PostClaimStatus, PostStatus
from datasources.scope import Scope


@dataclass(frozen=True)
class CoverageRow:
    """One service category of a community's open posts: how many, places and takers."""

    category_id: int
    posts: int
    capacity: int
    claimed: int


def claimed_counts(source: Datasource) -> DataLoader[int, int]:
    """Active claims per post: a figure of the post, not a list of claimants, so it is
    counted for any post the viewer may see, whoever made the claims."""

    async def load(post_ids: list[int]) -> list[int]:
        stmt = (
            select(PostClaim.post_id, func.count())
            .where(PostClaim.post_id.in_(post_ids), PostClaim.status == PostClaimStatus.ACTIVE)
            .group_by(PostClaim.post_id)
        )
        async with source.session() as session:
            counts = {post_id: int(n) for post_id, n in (await session.execute(stmt)).all()}
        return [counts.get(post_id, 0) for post_id in post_ids]

    return DataLoader(load_fn=load)


def coverage(source: Datasource, scope: Scope) -> DataLoader[int, list[CoverageRow]]:
    """Open posts per community and category, with their active claims: one statement."""

    async def load(community_ids: list[int]) -> list[list[CoverageRow]]:
        claimed = (
            select(PostClaim.post_id, func.count().label("n"))
            .where(PostClaim.status == PostClaimStatus.ACTIVE)
            .group_by(PostClaim.post_id)
            .subquery("claimed")
        )
        visible = await scope.where(Post)
        stmt = (
            select(
                Post.community_id,
                Post.category_id,
                func.count(Post.id),
                func.sum(Post.capacity),
                func.coalesce(func.sum(claimed.c.n), 0),
            )
            .outerjoin(claimed, claimed.c.post_id == Post.id)
            .where(Post.community_id.in_(community_ids), Post.status == PostStatus.OPEN, *visible)
            .group_by(Post.community_id, Post.category_id)
            .order_by(Post.community_id, Post.category_id)
        )
        grouped: dict[int, list[CoverageRow]] = defaultdict(list)
        async with source.session() as session:
            for community_id, category_id, posts, capacity, taken in await session.execute(stmt):
                grouped[community_id].append(
                    CoverageRow(category_id, int(posts), int(capacity), int(taken))
                )
        return [grouped.get(community_id, []) for community_id in community_ids]

    return DataLoader(load_fn=load)
