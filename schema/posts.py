"""Posts (岗位认领): a community's posts per service category, members' claims, mutations.

Open posts are public; claims are seen by the post's community, the member and his unit.
`claimedCount` and `postCoverage` are figures of posts, batched: one statement per level.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from datasources.community import lists
from datasources.community.models import PostClaimStatus as PostClaimStatusModel
from resolvers import posts
from schema.base import HubNode, Info, loaded_by
from schema.bounds import between
from schema.enums import DemandClaimantKind, PostClaimStatus, PostStatus
from schema.history import StateEvent, history
from schema.mutations import KEY_DESCRIPTION as _KEY
from schema.mutations import Change, UserError, mutate, mutate_node, node_id_of, not_found
from schema.pagination import (
    DEFAULT_PAGE_SIZE,
    After,
    Connection,
    First,
    OrderDirection,
    paginate,
)
from schema.places import Community
from schema.post_duties import DutyStatusArgument

if TYPE_CHECKING:
    from schema.lists import ServiceCategory
    from schema.post_duties import PostDuty
    from schema.units import Member, WorkUnit

_LISTS = "schema.lists"
_UNITS = "schema.units"
_DUTIES = "schema.post_duties"


@strawberry.enum(description="How to sort posts: by publication time (发布时间) or code.")
class PostOrder(Enum):
    CREATED_AT = "created_at"
    CODE = "code"


@strawberry.enum(description="How to sort claims: by claim time (认领时间).")
class PostClaimOrder(Enum):
    CLAIMED_AT = "claimed_at"


@strawberry.input(description="Filters for posts (岗位筛选); all given conditions must hold.")
class PostFilter:
    status: PostStatus | None = strawberry.field(
        default=None, description="Only posts in this state (岗位状态); any state when omitted."
    )
    category_code: str | None = strawberry.field(
        default=None, description="Only posts of this service category (服务类别编码)."
    )

    def to_filter(self) -> lists.PostFilter:
        return lists.PostFilter(
            statuses=None if self.status is None else (self.status,),
            category_code=self.category_code,
        )


class _ClaimFilter:
    def __init__(self, include_released: bool) -> None:
        self.include_released = include_released

    def to_filter(self) -> lists.PostClaimFilter:
        return lists.PostClaimFilter(
            statuses=None if self.include_released else (PostClaimStatusModel.ACTIVE,)
        )


IncludeReleased = Annotated[
    bool,
    strawberry.argument(
        description="Also list released claims (已退出); active ones only by default."
    ),
]


@strawberry.federation.type(
    keys=["code"],
    description="A post (岗位) a community publishes in a service category, with a number of "
    "places (名额) members claim (认领). Open posts are public.",
)
class Post(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.post_by_id)

    id: relay.NodeID[int]
    code: str = strawberry.field(description="Stable post code (岗位编码).")
    title: str = strawberry.field(description="Title (岗位名称).")
    description: str | None = strawberry.field(description="What the post involves (岗位说明).")
    capacity: int = strawberry.field(description="Number of places (名额).")
    status: PostStatus = strawberry.field(description="Open or closed (岗位状态).")
    starts_on: date | None = strawberry.field(description="First day of service (开始日期).")
    ends_on: date | None = strawberry.field(description="Last day of service (结束日期).")
    created_at: datetime = strawberry.field(description="When it was published (发布时间).")
    keeper_code: str | None = strawberry.field(
        description="Member code of the post's keeper (岗位负责人, 设岗定责): he may record "
        "duty for the post's claimants and confirm theirs; null when the community has named "
        "none (it confirms the duty itself)."
    )
    community_id: strawberry.Private[int]
    category_id: strawberry.Private[int]

    @classmethod
    async def resolve_reference(cls, info: Info, code: str) -> Post | None:
        return cls.from_optional_row(await info.context.community.post_by_code.load(code))

    @strawberry.field(description="The service category of the post (服务类别).")
    async def category(self, info: Info) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)]:
        from schema.lists import ServiceCategory

        return ServiceCategory.from_row(
            await info.context.community.category_by_id.load(self.category_id)
        )

    @strawberry.field(description="The community that published it (发布社区).")
    async def community(self, info: Info) -> Community:
        return Community.from_row(
            await info.context.community.community_by_id.load(self.community_id)
        )

    @strawberry.field(
        description="Places taken (已认领人数): active claims of the post, whoever made them; "
        "counted for all posts of a request in one statement."
    )
    async def claimed_count(self, info: Info) -> int:
        return await info.context.community.claimed_count_of_post.load(self.id)

    @strawberry.field(
        description="Claims of the post (认领记录) the viewer may see: the community sees all, "
        "a member his own, a unit its members'."
    )
    async def claims(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        include_released: IncludeReleased = False,
    ) -> Connection[PostClaim]:
        return await paginate(
            info, info.context.community.claims_of_post, self.id, PostClaim.from_row,
            first=first, after=after, order_by=PostClaimOrder.CLAIMED_AT,
            filter=_ClaimFilter(include_released),
        )  # fmt: skip

    @strawberry.field(
        description="Duty sessions served on the post (值守记录), earliest first, that the "
        "viewer may see: the community and the post's keeper all, a member his own, a unit its "
        "members'. Only confirmed ones count as services."
    )
    async def duties(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        status: DutyStatusArgument = None,
    ) -> Connection[Annotated[PostDuty, strawberry.lazy(_DUTIES)]]:
        from schema.post_duties import post_duties_of

        return await post_duties_of(info, self.id, first=first, after=after, status=status)

    @strawberry.field(description="Every state change of the post, oldest first (岗位记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, posts.POST, self.id)


@strawberry.type(
    description="A claim of a post (岗位认领) by a member, or by a unit as an organisation "
    "(单位认领, 双服务); one place of the post each."
)
class PostClaim(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.post_claim_by_id)

    id: relay.NodeID[int]
    claimant_kind: DemandClaimantKind = strawberry.field(
        description="Who claimed it (认领方): MEMBER or UNIT."
    )
    member_code: str | None = strawberry.field(
        description="Code of the claiming member (党员编码); null on a unit's claim."
    )
    unit_code: str | None = strawberry.field(
        description="Code of the claiming unit (单位编码); null on a member's claim."
    )
    status: PostClaimStatus = strawberry.field(description="Active or released (认领状态).")
    claimed_at: datetime = strawberry.field(description="When he claimed it (认领时间).")
    released_at: datetime | None = strawberry.field(
        description="When he released it (退出时间), null while active."
    )
    post_id: strawberry.Private[int]

    @strawberry.field(
        description="The member, from the work-unit side (认领党员); null when out of scope."
    )
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(_UNITS)] | None:
        from schema.units import Member

        if self.member_code is None:
            return None
        return Member.from_optional_row(
            await info.context.units.member_by_code.load(self.member_code)
        )

    @strawberry.field(
        description="The claiming unit, from the work-unit side (认领单位); null on a member's "
        "claim or out of scope."
    )
    async def unit(self, info: Info) -> Annotated[WorkUnit, strawberry.lazy(_UNITS)] | None:
        from schema.units import WorkUnit

        if self.unit_code is None:
            return None
        return WorkUnit.from_optional_row(
            await info.context.units.work_unit_by_code.load(self.unit_code)
        )

    @strawberry.field(description="The post claimed (岗位); null when out of scope.")
    async def post(self, info: Info) -> Post | None:
        return Post.from_optional_row(await info.context.community.post_by_id.load(self.post_id))

    @strawberry.field(description="Every state change of the claim, oldest first (认领记录).")
    async def history(self, info: Info) -> list[StateEvent]:
        return await history(info, posts.CLAIM, self.id)


@strawberry.type(
    description="Post coverage of one service category in a community (岗位覆盖): its open "
    "posts, their places and how many are taken."
)
class PostCoverage:
    posts: int = strawberry.field(description="Open posts in the category (岗位数).")
    capacity: int = strawberry.field(description="Places of those posts (名额).")
    claimed: int = strawberry.field(description="Places taken by active claims (已认领).")
    category_id: strawberry.Private[int]

    @strawberry.field(description="The service category (服务类别).")
    async def category(self, info: Info) -> Annotated[ServiceCategory, strawberry.lazy(_LISTS)]:
        from schema.lists import ServiceCategory

        return ServiceCategory.from_row(
            await info.context.community.category_by_id.load(self.category_id)
        )

    @strawberry.field(description="Places still free (空余名额): capacity minus claimed.")
    def vacancies(self) -> int:
        return max(self.capacity - self.claimed, 0)


async def community_posts(
    info: Info, community_id: int, *, first: int, after: str | None, filter: PostFilter | None
) -> Connection[Post]:
    return await paginate(
        info, info.context.community.posts_of_community, community_id, Post.from_row,
        first=first, after=after, order_by=PostOrder.CREATED_AT,
        direction=OrderDirection.DESC, filter=filter or PostFilter(),
    )  # fmt: skip


async def post_coverage(info: Info, community_id: int) -> list[PostCoverage]:
    rows = await info.context.community.post_coverage_of_community.load(community_id)
    return [
        PostCoverage(posts=r.posts, capacity=r.capacity, claimed=r.claimed,
                     category_id=r.category_id)
        for r in rows
    ]  # fmt: skip


async def member_claims(
    info: Info, member_code: str, *, first: int, after: str | None, include_released: bool
) -> Connection[PostClaim]:
    return await paginate(
        info, info.context.community.claims_of_member, member_code, PostClaim.from_row,
        first=first, after=after, order_by=PostClaimOrder.CLAIMED_AT,
        direction=OrderDirection.DESC, filter=_ClaimFilter(include_released),
    )  # fmt: skip


# --- mutations -------------------------------------------------------------------------


@strawberry.input(description="Publish a post of the community (发布岗位).")
class PublishPostInput:
    community_code: str = strawberry.field(description="The publishing community (社区编码).")
    category_code: str = strawberry.field(description="Its service category (服务类别编码).")
    title: str = strawberry.field(description="Title (岗位名称).")
    capacity: int = strawberry.field(
        metadata=between(1, 10_000), description="Number of places (名额), at least 1."
    )
    description: str | None = strawberry.field(default=None, description="Details (岗位说明).")
    starts_on: date | None = strawberry.field(default=None, description="First day (开始日期).")
    ends_on: date | None = strawberry.field(default=None, description="Last day (结束日期).")
    keeper_code: str | None = strawberry.field(
        default=None,
        description="The post's keeper (岗位负责人): a member reported to the community.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Name or clear the keeper of a post (设定岗位负责人).")
class SetPostKeeperInput:
    post_id: relay.GlobalID = strawberry.field(description="The post (岗位ID).")
    keeper_code: str | None = strawberry.field(
        default=None,
        description="The keeper's member code: a member reported to the post's community; "
        "null clears it (the community then confirms duty itself).",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.input(description="Close an open post (关闭岗位): no new claims after it.")
class ClosePostInput:
    post_id: relay.GlobalID = strawberry.field(description="The post (岗位ID).")
    reason: str | None = strawberry.field(default=None, description="Why (关闭原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.input(description="Claim a place of a post (认领岗位).")
class ClaimPostInput:
    post_id: relay.GlobalID = strawberry.field(description="The post (岗位ID).")
    client_mutation_id: str | None = strawberry.field(default=None, description=_KEY)


@strawberry.input(description="Release one's claim of a post (退出岗位).")
class ReleasePostInput:
    claim_id: relay.GlobalID = strawberry.field(description="The claim (认领记录ID).")
    reason: str | None = strawberry.field(default=None, description="Why (退出原因).")
    client_mutation_id: str | None = strawberry.field(default=None, description="Echoed back.")


@strawberry.type(description="Result of a post mutation (publish, close).")
class PostPayload:
    post: Post | None = strawberry.field(description="The post; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


@strawberry.type(description="Result of a claim mutation (claim, release).")
class PostClaimPayload:
    claim: PostClaim | None = strawberry.field(description="The claim; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (业务错误); empty on success. Nothing changed then.",
    )
    client_mutation_id: str | None = strawberry.field(
        default=None, description="As sent in the input."
    )


def _post(row: object) -> PostPayload:
    return PostPayload(post=Post.from_row(row))


def _claim(row: object) -> PostClaimPayload:
    return PostClaimPayload(claim=PostClaim.from_row(row))


_NO_POST = not_found("未找到该岗位。", "input.postId")


@strawberry.type(description="Mutations of the posts workflow (岗位认领).")
class PostsMutation:
    @strawberry.mutation(
        description="Publish a post (发布岗位): the community, or a grid secretary for his "
        "community."
    )
    async def publish_post(
        self,
        info: Info,
        input: Annotated[PublishPostInput, strawberry.argument(description="The post.")],
    ) -> PostPayload:
        action = posts.publish(
            info.context,
            community_code=input.community_code,
            category_code=input.category_code,
            title=input.title,
            description=input.description,
            capacity=input.capacity,
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            key=input.client_mutation_id,
            keeper_code=input.keeper_code,
        )
        change = Change(
            name="publishPost",
            entity="Post",
            key=input.client_mutation_id,
            forbidden="只有本社区可以发布岗位。",
            detail={"community": input.community_code},
        )
        return await mutate(info, change, PostPayload, action, _post)

    @strawberry.mutation(
        description="Name or clear the post's keeper (设定岗位负责人): its community. The keeper "
        "must be reported to the community (NOT_REPORTED otherwise)."
    )
    async def set_post_keeper(
        self,
        info: Info,
        input: Annotated[SetPostKeeperInput, strawberry.argument(description="The keeper.")],
    ) -> PostPayload:
        change = Change(
            name="setPostKeeper",
            entity="Post",
            key=input.client_mutation_id,
            forbidden="只有发布岗位的社区可以设定岗位负责人。",
            detail={"keeper": input.keeper_code or ""},
        )
        return await mutate_node(
            info, change, PostPayload, input.post_id,
            lambda post_id: posts.set_keeper(info.context, post_id, input.keeper_code),
            _post, unknown=_NO_POST,
        )  # fmt: skip

    @strawberry.mutation(description="Close an open post (关闭岗位): its community.")
    async def close_post(
        self,
        info: Info,
        input: Annotated[ClosePostInput, strawberry.argument(description="The post.")],
    ) -> PostPayload:
        change = Change(
            name="closePost",
            entity="Post",
            key=input.client_mutation_id,
            forbidden="只有发布岗位的社区可以关闭岗位。",
            detail={"reason": input.reason},
        )
        return await mutate_node(
            info, change, PostPayload, input.post_id,
            lambda post_id: posts.close(info.context, post_id, input.reason),
            _post, unknown=_NO_POST,
        )  # fmt: skip

    @strawberry.mutation(
        description="Claim a place of a post (认领岗位): a member with an active report to the "
        "post's community (else NOT_REPORTED), or a unit branch for its unit paired with the "
        "community (单位认领, else NOT_PAIRED). Refused when full (FULL), already claimed by "
        "the same claimant (DUPLICATE) or closed (INVALID_STATE)."
    )
    async def claim_post(
        self,
        info: Info,
        input: Annotated[ClaimPostInput, strawberry.argument(description="The post.")],
    ) -> PostClaimPayload:
        key = input.client_mutation_id
        post_id = node_id_of(input.post_id, "Post")
        action = _NO_POST if post_id is None else posts.claim(info.context, post_id, key)
        change = Change(
            name="claimPost",
            entity="PostClaim",
            key=key,
            forbidden="只有党员本人或结对单位党组织可以认领岗位。",
            detail={"post": str(post_id)},
        )
        return await mutate(info, change, PostClaimPayload, action, _claim)

    @strawberry.mutation(
        description="Release one's own claim (退出岗位): the member himself, or the unit branch "
        "for its unit's claim."
    )
    async def release_post(
        self,
        info: Info,
        input: Annotated[ReleasePostInput, strawberry.argument(description="The claim.")],
    ) -> PostClaimPayload:
        change = Change(
            name="releasePost",
            entity="PostClaim",
            key=input.client_mutation_id,
            forbidden="只能退出本人认领的岗位。",
            detail={"reason": input.reason},
        )
        return await mutate_node(
            info, change, PostClaimPayload, input.claim_id,
            lambda claim_id: posts.release(info.context, claim_id, input.reason),
            _claim, unknown=not_found("未找到该认领记录。", "input.claimId"),
        )  # fmt: skip
