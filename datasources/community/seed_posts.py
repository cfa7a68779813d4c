"""Seeded posts (岗位认领) and their duty (岗位值守): every community with supporters
publishes a few posts of the articles' post types, some with a keeper (岗位负责人); members
claim them (some release their claim later) and record duty sessions that were confirmed,
rejected or still wait for a decision. A claim is no service; only confirmed sessions are.

The records obey the API's rules: a claimant serves the community (his report window) at
the claim; sessions lie inside the claim, end before the seeded "now", last at most a few
hours and never overlap for one member on one post; nobody decides on his own session or on
one he recorded; a rejection carries its reason. A confirmed session earns its member the
points of the `post_duty_confirmed` rule when it is confirmed, once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from datasources.community.duty_models import PostDutyStatus
from datasources.community.models import PostClaimStatus, PostStatus
from datasources.community.seed_operations import Earning
from datasources.community.seed_places import CommunityPlace
from datasources.community.seed_serving import DAY, NOW, START, Pool, Server, later
from datasources.seed_data import Row, TableRows

# (title, category code): the Qianjiang post list and Junan's post types.
_POSTS = (
    ("门岗值守岗", "qianjiang.epidemic"),
    ("政策法规宣传岗", "qianjiang.policy_promotion"),
    ("邻里矛盾调解岗", "qianjiang.dispute_mediation"),
    ("社情民意收集岗", "qianjiang.opinion_collection"),
    ("邻里守望帮扶岗", "qianjiang.neighbourhood_watch"),
    ("环境提升岗", "junan.environment"),
    ("教育培训岗", "junan.education"),
    ("爱心关怀岗", "junan.caring"),
)
_NOTES = ("测温登记，劝导佩戴口罩", "巡查楼道，清理杂物", "入户走访三户，记录诉求",
          "调解邻里噪音纠纷", "宣讲防诈骗知识", "陪伴独居老人聊天", "辅导学生作业")  # fmt: skip
_REJECTIONS = ("当日未到岗", "时段与排班不符", "记录重复，请核对")
# Default points of a confirmed session (resolvers.points.DEFAULT_RULES): the seeder cannot
# import the resolvers, so a test checks these stay equal.
DUTY_POINTS = 5
DUTY_ACTION = "post_duty_confirmed"


def generate_posts(
    rng: random.Random, places: tuple[CommunityPlace, ...], pools: dict[int, Pool],
    category_ids: dict[str, int], earnings: list[Earning],
) -> TableRows:  # fmt: skip
    """Posts, claims and duty sessions of every community with supporters; the points of
    confirmed sessions are appended to `earnings`."""
    seeder = _Seeder(rng, category_ids)
    for place in places:
        seeder.community(place, pools[place.id])
    earnings.extend(seeder.earnings(places))
    return {"posts": seeder.posts, "post_claims": seeder.claims, "post_duties": seeder.duties}


class _Seeder:
    def __init__(self, rng: random.Random, category_ids: dict[str, int]) -> None:
        self.rng = rng
        self.catalogue = [(title, category_ids[code]) for title, code in _POSTS]
        self.posts: list[Row] = []
        self.claims: list[Row] = []
        self.duties: list[Row] = []

    def earnings(self, places: tuple[CommunityPlace, ...]) -> list[Earning]:
        """The points each confirmed session earned when it was confirmed; the decider is
        the keeper or the post's community."""
        posts = {post["id"]: post for post in self.posts}
        codes = {place.id: place.code for place in places}
        found = []
        for row in self.duties:
            if row["status"] is not PostDutyStatus.CONFIRMED:
                continue
            post = posts[row["post_id"]]
            keeper = post["keeper_code"]
            by = (
                f"member:{keeper}"
                if row["decided_by_role"] == "keeper"
                else f"community:{codes[post['community_id']]}"
            )
            earning = Earning(row["decided_at"], row["member_code"], DUTY_POINTS, DUTY_ACTION,
                              post["community_id"], "PostDuty", row["id"], by)  # fmt: skip
            found.append(earning)
        return found

    def community(self, place: CommunityPlace, pool: Pool) -> None:
        if not pool.servers:
            return
        rng = self.rng
        for title, category_id in rng.sample(self.catalogue, k=min(3, len(self.catalogue))):
            created = START + timedelta(days=rng.randrange(60), hours=rng.randrange(8, 20))
            keeper = pool.pick(rng, created, NOW) if rng.random() < 0.6 else None
            post: Row = {
                "id": len(self.posts) + 1, "code": f"P{place.id:04d}{len(self.posts) + 1:05d}",
                "community_id": place.id, "category_id": category_id, "title": title,
                "description": f"{place.name}{title}：按排班值守，据实登记值守情况",
                "capacity": rng.choice((3, 5, 8)),
                "status": PostStatus.CLOSED if rng.random() < 0.1 else PostStatus.OPEN,
                "starts_on": None, "ends_on": None, "created_at": created,
                "keeper_code": keeper.code if keeper else None,
            }  # fmt: skip
            self.posts.append(post)
            self._claims(post, pool, keeper)

    def _claims(self, post: Row, pool: Pool, keeper: Server | None) -> None:
        rng = self.rng
        taken: set[str] = set()
        for _ in range(rng.randint(1, post["capacity"])):
            claimed = later(rng, post["created_at"], 2, 24 * 90)
            server = pool.pick(rng, claimed) if claimed < NOW else None
            if server is None or server.code in taken:
                continue
            taken.add(server.code)
            end = min(server.end, NOW)
            released = None
            if rng.random() < 0.2:
                released = later(rng, claimed, 24 * 14, 24 * 120)
                released = released if released < end else None
            claim: Row = {
                "id": len(self.claims) + 1, "post_id": post["id"], "member_code": server.code,
                "status": PostClaimStatus.RELEASED if released else PostClaimStatus.ACTIVE,
                "claimed_at": claimed, "released_at": released,
            }  # fmt: skip
            self.claims.append(claim)
            self._duties(post, claim, released or end, keeper)

    def _duties(self, post: Row, claim: Row, until: datetime, keeper: Server | None) -> None:
        """Sessions on distinct days after the claim, each inside it: none overlap."""
        rng = self.rng
        member = claim["member_code"]
        day = claim["claimed_at"] + DAY
        for _ in range(rng.randint(0, 6)):
            day += DAY * rng.randint(1, 20)
            starts = moment_on(rng, day)
            ends = starts + timedelta(minutes=30 * rng.randint(2, 8))
            recorded = later(rng, ends, 0.1, 12)
            if ends > until or recorded > NOW:
                return
            by_keeper = keeper is not None and keeper.code != member and rng.random() < 0.25
            recorder = keeper.code if keeper is not None and by_keeper else member
            row: Row = {
                "id": len(self.duties) + 1, "post_id": post["id"], "claim_id": claim["id"],
                "member_code": member, "starts_at": starts, "ends_at": ends,
                "hours": Decimal((ends - starts).seconds) / Decimal(3600),
                "note": rng.choice(_NOTES), "status": PostDutyStatus.PENDING,
                "recorded_by": recorder, "recorded_at": recorded,
                "decided_at": None, "decided_by_role": None, "decision_note": None,
            }  # fmt: skip
            self.duties.append(row)
            decided = later(rng, recorded, 1, 60)
            if decided > NOW or rng.random() < 0.12:
                continue  # still waits for the community or the keeper
            may_keep = keeper is not None and keeper.code not in (member, recorder)
            rejected = rng.random() < 0.12
            row |= {
                "status": PostDutyStatus.REJECTED if rejected else PostDutyStatus.CONFIRMED,
                "decided_at": decided,
                "decided_by_role": "keeper" if may_keep and rng.random() < 0.5 else "community",
                "decision_note": rng.choice(_REJECTIONS) if rejected else None,
            }  # fmt: skip


def moment_on(rng: random.Random, day: datetime) -> datetime:
    """A start between 08:00 and 19:30 China time (midnight UTC is 08:00 there)."""
    base = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(hours=rng.randint(0, 11), minutes=30 * rng.randint(0, 1))
