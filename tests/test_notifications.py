"""The notification feed (消息) and notices (通知公告), through GraphQL on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from datasources.community import notifications
from datasources.community.source import CommunitySource
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.test_activities_workflow import CANCEL_ACTIVITY, CANCEL_SIGNUP, _run, _sign_up
from tests.test_activities_workflow import _publish as _publish_activity
from tests.test_evaluations_workflow import SELF, YEAR, _evaluate, _placed
from tests.test_orders_workflow import (
    _execute,
    _make_overdue,
    _ok,
    _paired,
    _place,
    _refused,
    _resident,
    _row_id,
)
from tests.test_reporting_workflow import CONFIRM, REPORT, RETURN, _unreported
from tests.workflow import count, supporters, workflow_fixtures

workflow_db, hub = workflow_fixtures("notifications")

FEED = """query($first: Int!, $after: String, $unread: Boolean!) { viewer {
  unreadCount
  notifications(first: $first, after: $after, unreadOnly: $unread) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id kind title text createdAt readAt unread objectId
                          serviceOrder { id status } } } } } }"""
MARK = """mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) {
  markedCount unreadCount clientMutationId userErrors { code message field } } }"""
NOTICE_FIELDS = """id title audience audienceCode pinned status expiresAt read readCount
  audienceCount publisher"""
NOTICES = f"""query($first: Int!, $after: String) {{ viewer {{ notices(first: $first, after: $after)
  {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {NOTICE_FIELDS} }} }} }} }} }}"""
PUBLISH = f"""mutation($input: PublishNoticeInput!) {{ publishNotice(input: $input) {{
  notice {{ {NOTICE_FIELDS} }} userErrors {{ code message field }} clientMutationId }} }}"""
WITHDRAW = f"""mutation($input: WithdrawNoticeInput!) {{ withdrawNotice(input: $input) {{
  notice {{ {NOTICE_FIELDS} }} userErrors {{ code message }} }} }}"""
READ_NOTICES = """mutation($input: MarkNoticesReadInput!) { markNoticesRead(input: $input) {
  markedCount userErrors { code } } }"""
NOTICE_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Notice {{ {NOTICE_FIELDS} }} }} }}"
NOTIFICATION_NODE = "query($id: ID!) { node(id: $id) { ... on Notification { id kind } } }"


async def _feed(viewer: GraphQLClient, *, unread: bool = False, first: int = 100) -> dict[str, Any]:
    data = await viewer.query(FEED, {"first": first, "after": None, "unread": unread})
    found: dict[str, Any] = data["viewer"]
    return found


def _about(feed: dict[str, Any], object_id: str) -> list[dict[str, Any]]:
    return [e["node"] for e in feed["notifications"]["edges"] if e["node"]["objectId"] == object_id]


async def _rows_of_order(pair: DatabasePair, order_id: str) -> int:
    return await count(
        pair,
        "SELECT count(*) FROM notifications WHERE object_type = 'ServiceOrder' AND object_id = :id",
        id=_row_id(order_id),
    )


async def test_the_order_loop_tells_each_party_and_nobody_else(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C001", "resident-notified")
    committee = hub.as_viewer("community", community="C001")
    order = await _place(resident, "C001", title="帮忙修水管")
    assert await _rows_of_order(workflow_db, order["id"]) == 0  # placing tells nobody yet
    member, other = await supporters(hub, "C001", 2)
    me, stranger = hub.as_viewer("member", member=member), hub.as_viewer("member", member=other)

    await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
              takerCode=member)  # fmt: skip
    [told] = _about(await _feed(me), order["id"])
    assert told["kind"] == "ORDER_DISPATCHED"
    assert (told["title"], told["unread"], told["readAt"]) == ("新的派单", True, None)
    assert "帮忙修水管" in told["text"]
    assert told["serviceOrder"] == {"id": order["id"], "status": "DISPATCHED"}
    # Only the addressee: another member, the resident, the district and node() see nothing.
    assert _about(await _feed(stranger), order["id"]) == []
    assert _about(await _feed(resident), order["id"]) == []
    for outsider in (stranger, hub.as_viewer("district", district="D01"), resident):
        assert (await outsider.query(NOTIFICATION_NODE, {"id": told["id"]}))["node"] is None
    assert (await me.query(NOTIFICATION_NODE, {"id": told["id"]}))["node"] == {
        "id": told["id"], "kind": "ORDER_DISPATCHED"
    }  # fmt: skip

    # A refused mutation writes no notification (the transaction rolled back).
    before = await _rows_of_order(workflow_db, order["id"])
    again = await _refused(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
                           takerCode=other)  # fmt: skip
    assert again["code"] == "INVALID_STATE"
    assert await _rows_of_order(workflow_db, order["id"]) == before

    await _ok(me, "acceptOrder", orderId=order["id"])
    assert [n["kind"] for n in _about(await _feed(resident), order["id"])] == ["ORDER_ACCEPTED"]
    assert "ORDER_ACCEPTED" in [n["kind"] for n in _about(await _feed(committee), order["id"])]
    await _ok(me, "closeOrder", orderId=order["id"], summary="已修好", hours="1", evidence=[])
    await _ok(resident, "rateOrder", orderId=order["id"], rating=5, comment="很好")
    kinds = [n["kind"] for n in _about(await _feed(resident), order["id"])]
    assert kinds == ["ORDER_CLOSED", "ORDER_ACCEPTED"]  # newest first
    mine = await _feed(me)
    assert [n["kind"] for n in _about(mine, order["id"])] == ["ORDER_RATED", "ORDER_DISPATCHED"]
    earned = [e["node"] for e in mine["notifications"]["edges"]
              if e["node"]["kind"] == "POINTS_EARNED" and "帮忙修水管" in e["node"]["text"]]  # fmt: skip
    assert len(earned) == 1
    assert _about(await _feed(stranger), order["id"]) == []


async def test_mark_some_and_all_read(hub: GraphQLClient) -> None:
    resident = _resident(hub, "C002", "resident-marks")
    committee = hub.as_viewer("community", community="C002")
    [member, other] = await supporters(hub, "C002", 2)
    me = hub.as_viewer("member", member=member)
    for title in ("送药上门", "陪同就医", "代买菜"):
        order = await _place(resident, "C002", title=title)
        await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
                  takerCode=member)  # fmt: skip
    feed = await _feed(me)
    unread = feed["unreadCount"]
    assert unread >= 3
    assert feed["notifications"]["totalCount"] >= 3
    first_id = feed["notifications"]["edges"][0]["node"]["id"]

    # Another member cannot mark mine: NOT_FOUND, nothing changes.
    theirs = await hub.as_viewer("member", member=other).query(
        MARK, {"input": {"ids": [first_id], "clientMutationId": "x"}}
    )
    assert theirs["markNotificationsRead"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert (await _feed(me))["unreadCount"] == unread

    some = (await me.query(MARK, {"input": {"ids": [first_id], "clientMutationId": "k1"}}))[
        "markNotificationsRead"
    ]
    assert some == {"markedCount": 1, "unreadCount": unread - 1, "clientMutationId": "k1",
                    "userErrors": []}  # fmt: skip
    again = (await me.query(MARK, {"input": {"ids": [first_id]}}))["markNotificationsRead"]
    assert (again["markedCount"], again["unreadCount"]) == (0, unread - 1)
    after = await _feed(me)
    assert after["notifications"]["edges"][0]["node"]["readAt"] is not None
    unread_only = await _feed(me, unread=True)
    assert first_id not in [e["node"]["id"] for e in unread_only["notifications"]["edges"]]
    assert unread_only["notifications"]["totalCount"] == unread - 1

    nothing = (await me.query(MARK, {"input": {}}))["markNotificationsRead"]
    assert nothing["userErrors"][0]["code"] == "INVALID_INPUT"
    everything = (await me.query(MARK, {"input": {"all": True}}))["markNotificationsRead"]
    assert (everything["markedCount"], everything["unreadCount"]) == (unread - 1, 0)
    assert (await _feed(me, unread=True))["notifications"]["edges"] == []


async def test_pages_follow_the_cursor(hub: GraphQLClient) -> None:
    resident = _resident(hub, "C003", "resident-pages")
    committee = hub.as_viewer("community", community="C003")
    [member] = await supporters(hub, "C003", 1)
    me = hub.as_viewer("member", member=member)
    for title in ("一", "二", "三"):
        order = await _place(resident, "C003", title=f"订单{title}")
        await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
                  takerCode=member)  # fmt: skip
    whole = [e["node"]["id"] for e in (await _feed(me))["notifications"]["edges"]]
    seen: list[str] = []
    after = None
    while True:
        data = await me.query(FEED, {"first": 2, "after": after, "unread": False})
        page = data["viewer"]["notifications"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == whole
    error = await me.error(FEED, {"first": 2, "after": "bm90LWEtY3Vyc29y", "unread": False})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_sweep_notifies_an_overdue_order_once(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    resident = _resident(hub, "C001", "resident-overdue-sweep")
    committee = hub.as_viewer("community", community="C001")
    order = await _place(resident, "C001", title="超时未办")
    [member] = await supporters(hub, "C001", 1)
    await _ok(committee, "dispatchOrder", orderId=order["id"], takerKind="MEMBER",
              takerCode=member)  # fmt: skip
    overdue_sql = ("SELECT count(*) FROM notifications WHERE kind = 'order_overdue'"
                   " AND object_id = :id")  # fmt: skip
    source = CommunitySource(workflow_db.community_url)
    try:
        await notifications.sweep(source)
        assert await count(workflow_db, overdue_sql, id=_row_id(order["id"])) == 0  # not due
        await _make_overdue(workflow_db, order["id"])
        assert await notifications.sweep(source) >= 2
        assert await count(workflow_db, overdue_sql, id=_row_id(order["id"])) == 2
        assert await notifications.sweep(source) == 0  # idempotent
        assert await count(workflow_db, overdue_sql, id=_row_id(order["id"])) == 2
        # Every open linkage action item past its day was told to its community, once.
        due_items = await count(
            workflow_db,
            "SELECT count(*) FROM linkage_action_items WHERE status = 'open' AND due_on < :d",
            d=datetime.now(UTC).date() - timedelta(days=1),
        )
        told_items = await count(
            workflow_db,
            "SELECT count(DISTINCT object_id) FROM notifications WHERE kind = 'action_item_due'"
            " AND addressee LIKE 'community:%'",
        )
        assert due_items > 0
        assert told_items >= due_items
    finally:
        await source.dispose()
    member_feed = _about(await _feed(hub.as_viewer("member", member=member)), order["id"])
    assert "ORDER_OVERDUE" in [n["kind"] for n in member_feed]
    community_feed = _about(await _feed(committee), order["id"])
    assert [n["kind"] for n in community_feed] == ["ORDER_OVERDUE"]
    # Escalating tells the taker again, in the escalation's own transaction.
    await _ok(committee, "escalateOrder", orderId=order["id"], note="请尽快")
    member_feed = _about(await _feed(hub.as_viewer("member", member=member)), order["id"])
    assert member_feed[0]["kind"] == "ORDER_ESCALATED"


async def _publish(viewer: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await viewer.query(PUBLISH, {"input": fields}))["publishNotice"]
    assert payload["userErrors"] == [], payload
    notice: dict[str, Any] = payload["notice"]
    return notice


async def _notice_ids(viewer: GraphQLClient) -> list[str]:
    data = await viewer.query(NOTICES, {"first": 100, "after": None})
    return [e["node"]["id"] for e in data["viewer"]["notices"]["edges"]]


async def test_notices_reach_their_audience_only(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C001")
    [member] = await supporters(hub, "C001", 1)
    [elsewhere] = await supporters(hub, "C002", 1)
    reader = hub.as_viewer("member", member=member)
    outsider = hub.as_viewer("member", member=elsewhere)
    resident = _resident(hub, "C001", "resident-reads-notices")
    foreign_resident = _resident(hub, "C002", "resident-of-c002")

    to_members = await _publish(committee, title="党员志愿服务通知", body="本周六上午集合。",
                                audience="COMMUNITY_MEMBERS", audienceCode="C001")  # fmt: skip
    assert (to_members["status"], to_members["readCount"]) == ("PUBLISHED", 0)
    assert to_members["publisher"] == "community:C001"
    supporters_of_c001 = await count(
        workflow_db,
        "SELECT count(DISTINCT member_code) FROM reports r JOIN communities c"
        " ON c.id = r.community_id WHERE c.code = 'C001' AND r.status IN ('confirmed', 'pending')",
    )
    assert to_members["audienceCount"] == supporters_of_c001
    plain = await _publish(committee, title="停水通知", body="明日 9 点至 12 点停水。",
                           audience="COMMUNITY_RESIDENTS", audienceCode="C001")  # fmt: skip
    pinned = await _publish(committee, title="【置顶】防汛通知", body="请注意防汛。",
                            audience="COMMUNITY_RESIDENTS", audienceCode="C001",
                            pinned=True)  # fmt: skip

    assert to_members["id"] in await _notice_ids(reader)
    assert to_members["id"] not in await _notice_ids(outsider)
    assert to_members["id"] not in await _notice_ids(resident)
    assert (await outsider.query(NOTICE_NODE, {"id": to_members["id"]}))["node"] is None
    residents_feed = await _notice_ids(resident)
    assert residents_feed.index(pinned["id"]) < residents_feed.index(plain["id"])
    assert residents_feed[0] == pinned["id"]  # pinned first, whatever its age
    assert plain["id"] not in await _notice_ids(foreign_resident)
    # The audience sees no read counts; the publisher does.
    seen = (await reader.query(NOTICE_NODE, {"id": to_members["id"]}))["node"]
    assert (seen["readCount"], seen["audienceCount"], seen["read"]) == (None, None, False)

    read = await reader.query(READ_NOTICES, {"input": {"ids": [to_members["id"]]}})
    assert read["markNoticesRead"] == {"markedCount": 1, "userErrors": []}
    again = await reader.query(READ_NOTICES, {"input": {"ids": [to_members["id"]]}})
    assert again["markNoticesRead"]["markedCount"] == 0
    refused = await outsider.query(READ_NOTICES, {"input": {"ids": [to_members["id"]]}})
    assert refused["markNoticesRead"]["userErrors"] == [{"code": "NOT_FOUND"}]
    assert (await reader.query(NOTICE_NODE, {"id": to_members["id"]}))["node"]["read"] is True
    counted = (await committee.query(NOTICE_NODE, {"id": to_members["id"]}))["node"]
    assert counted["readCount"] == 1

    # Withdrawn: gone from the feed, kept for the publisher.
    withdrawn = (await committee.query(WITHDRAW, {"input": {"noticeId": plain["id"]}}))[
        "withdrawNotice"
    ]
    assert withdrawn["notice"]["status"] == "WITHDRAWN"
    assert plain["id"] not in await _notice_ids(resident)
    twice = (await committee.query(WITHDRAW, {"input": {"noticeId": plain["id"]}}))[
        "withdrawNotice"
    ]
    assert twice["userErrors"][0]["code"] == "INVALID_STATE"
    published = await committee.query(
        "{ viewer { publishedNotices(first: 100) { edges { node { id status } } } } }"
    )
    assert {"id": plain["id"], "status": "WITHDRAWN"} in [
        e["node"] for e in published["viewer"]["publishedNotices"]["edges"]
    ]
    error = await hub.as_viewer("community", community="C002").error(
        WITHDRAW, {"input": {"noticeId": pinned["id"]}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"

    # Expired: gone from the feed.
    soon = datetime.now(UTC) + timedelta(hours=1)
    expiring = await _publish(committee, title="限时通知", body="今日有效。",
                              audience="COMMUNITY_RESIDENTS", audienceCode="C001",
                              expiresAt=soon.isoformat())  # fmt: skip
    assert expiring["id"] in await _notice_ids(resident)
    await _execute(workflow_db, "UPDATE notices SET expires_at = :t WHERE id = :id",
                   t=datetime.now(UTC) - timedelta(minutes=1), id=_row_id(expiring["id"]))  # fmt: skip
    assert expiring["id"] not in await _notice_ids(resident)


async def test_who_may_publish_to_whom(hub: GraphQLClient) -> None:
    notice = {"title": "通知", "body": "内容"}
    committee = hub.as_viewer("community", community="C001")
    for viewer, audience, code in (
        (committee, "COMMUNITY_RESIDENTS", "C002"),
        (committee, "BRANCH_MEMBERS", "U001"),
        (committee, "DISTRICT_ALL", "D01"),
        (hub.as_viewer("unit_branch", unit="U001"), "COMMUNITY_RESIDENTS", "C001"),
        (hub.as_viewer("unit_branch", unit="U001"), "BRANCH_MEMBERS", "U002"),
        (_resident(hub, "C001", "resident-publishes"), "COMMUNITY_RESIDENTS", "C001"),
    ):
        error = await viewer.error(
            PUBLISH, {"input": {**notice, "audience": audience, "audienceCode": code}}
        )
        assert error["extensions"]["code"] == "FORBIDDEN", (audience, code)
    empty = await committee.query(
        PUBLISH,
        {
            "input": {
                "title": " ",
                "body": "x",
                "audience": "COMMUNITY_MEMBERS",
                "audienceCode": "C001",
            }
        },
    )
    assert empty["publishNotice"]["userErrors"][0]["field"] == "input.title"  # fmt: skip
    district = await _publish(hub.as_viewer("district", district="D01"), **notice,
                              audience="DISTRICT_ALL", audienceCode="D01")  # fmt: skip
    assert district["id"] in await _notice_ids(_resident(hub, "C003", "resident-anyone"))
    assert district["id"] in await _notice_ids(hub.as_viewer("unit_branch", unit="U001"))


async def test_reports_returned_and_confirmed_tell_the_member(hub: GraphQLClient) -> None:
    committee = hub.as_viewer("community", community="C002")
    outcomes = []
    for returned in (True, False):
        member = await _unreported(hub)
        me = hub.as_viewer("member", member=member)
        report = (await me.query(REPORT, {"input": {"communityCode": "C002"}}))[
            "reportToCommunity"
        ]["report"]
        assert _about(await _feed(me), report["id"]) == []
        if returned:
            no_reason = await committee.query(RETURN, {"input": {"reportId": report["id"]}})
            assert no_reason["returnReport"]["userErrors"][0]["code"] == "INVALID_INPUT"
            assert _about(await _feed(me), report["id"]) == []  # refused: none written
            done = await committee.query(
                RETURN, {"input": {"reportId": report["id"], "reason": "楼栋信息有误"}}
            )
            assert done["returnReport"]["userErrors"] == []
        else:
            done = await committee.query(CONFIRM, {"input": {"reportId": report["id"]}})
            assert done["confirmReport"]["userErrors"] == []
        told = _about(await _feed(me), report["id"])
        outcomes.append([(n["kind"], n["title"]) for n in told])
        if returned:
            assert "楼栋信息有误" in told[0]["text"]
    assert outcomes == [[("REPORT_RETURNED", "报到被退回")], [("REPORT_CONFIRMED", "报到已确认")]]


async def test_an_evaluation_by_others_tells_the_member(hub: GraphQLClient) -> None:
    [member] = await _placed(hub, "C002", 1)
    me = hub.as_viewer("member", member=member["code"])
    own = await me.query(SELF, {"input": {"year": YEAR, "grade": "EXCELLENT", "comment": "自评"}})
    assert own["writeSelfEvaluation"]["userErrors"] == []
    mine = own["writeSelfEvaluation"]["memberEvaluation"]["id"]
    assert _about(await _feed(me), mine) == []  # his own self-evaluation tells nobody
    committee = hub.as_viewer("community", community="C002")
    written = await _evaluate(committee, member["code"], grade="EXCELLENT", comment="好", year=YEAR)
    assert written["userErrors"] == []
    evaluation = written["memberEvaluation"]["id"]
    [told] = _about(await _feed(me), evaluation)
    assert (told["kind"], told["title"]) == ("EVALUATION_WRITTEN", "收到评价")
    assert "社区党委评价" in told["text"]


async def test_waitlist_promotion_and_cancellation_tell_the_members(hub: GraphQLClient) -> None:
    first, second = await supporters(hub, "C003", 2)
    activity = await _publish_activity(hub, "C003", starts_in=timedelta(days=3),
                                       lasts=timedelta(hours=2), capacity=1)  # fmt: skip
    registered = await _sign_up(hub, first, activity["id"])
    waiting = await _sign_up(hub, second, activity["id"])
    assert (registered["signup"]["status"], waiting["signup"]["status"]) == (
        "REGISTERED", "WAITLISTED"
    )  # fmt: skip
    left = await _run(hub.as_viewer("member", member=first), CANCEL_SIGNUP, "cancelSignup",
                      signupId=registered["signup"]["id"])  # fmt: skip
    assert left["userErrors"] == []
    promoted = _about(await _feed(hub.as_viewer("member", member=second)), waiting["signup"]["id"])
    assert [n["kind"] for n in promoted] == ["WAITLIST_PROMOTED"]
    committee = hub.as_viewer("community", community="C003")
    cancelled = await _run(committee, CANCEL_ACTIVITY, "cancelActivity",
                           activityId=activity["id"], reason="天气原因")  # fmt: skip
    assert cancelled["userErrors"] == []
    told = _about(await _feed(hub.as_viewer("member", member=second)), activity["id"])
    assert [(n["kind"], "天气原因" in n["text"]) for n in told] == [("ACTIVITY_CANCELLED", True)]
    # A member who had cancelled his signup is not told of the activity's cancellation.
    assert _about(await _feed(hub.as_viewer("member", member=first)), activity["id"]) == []


async def test_the_sweep_opens_check_in_once_and_a_unit_hears_of_its_dispatch(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    [member] = await supporters(hub, "C002", 1)
    activity = await _publish_activity(hub, "C002", starts_in=timedelta(minutes=10),
                                       lasts=timedelta(hours=1), capacity=5)  # fmt: skip
    assert (await _sign_up(hub, member, activity["id"]))["userErrors"] == []
    source = CommunitySource(workflow_db.community_url)
    try:
        await notifications.sweep(source)
        await notifications.sweep(source)
    finally:
        await source.dispose()
    told = _about(await _feed(hub.as_viewer("member", member=member)), activity["id"])
    assert [n["kind"] for n in told] == ["CHECK_IN_OPEN"]

    community, unit, _members = await _paired(hub)
    resident = _resident(hub, community, "resident-unit-dispatch")
    order = await _place(resident, community, title="单位承接的订单")
    await _ok(hub.as_viewer("community", community=community), "dispatchOrder",
              orderId=order["id"], takerKind="UNIT", takerCode=unit)  # fmt: skip
    branch = hub.as_viewer("unit_branch", unit=unit)
    assert [n["kind"] for n in _about(await _feed(branch), order["id"])] == ["ORDER_DISPATCHED"]
    other = hub.as_viewer("unit_branch", unit="U-NOT-PAIRED")
    assert _about(await _feed(other), order["id"]) == []


async def test_a_page_of_notices_counts_its_readers_in_grouped_statements(
    hub: GraphQLClient,
) -> None:
    """Read and audience counts of a page of notices cost the same statements for one
    notice as for several: one grouped statement per kind, never one per notice."""
    committee = hub.as_viewer("community", community="C003")
    query = """{ viewer { publishedNotices(first: 50) { edges { node {
      id audience readCount audienceCount } } } } }"""

    await _publish(committee, title="通知一", body="内容。", audience="COMMUNITY_MEMBERS",
                   audienceCode="C003")  # fmt: skip
    one = await committee.statements(query)
    for n, audience in enumerate(["COMMUNITY_MEMBERS", "COMMUNITY_PARTNERS"] * 2):
        await _publish(committee, title=f"通知{n + 2}", body="内容。", audience=audience,
                       audienceCode="C003")  # fmt: skip
    page = await committee.query(query)
    counted = [e["node"] for e in page["viewer"]["publishedNotices"]["edges"]]
    assert len(counted) >= 5
    listed = {"COMMUNITY_MEMBERS", "COMMUNITY_PARTNERS"}  # audiences the hub can count
    assert all(isinstance(n["readCount"], int) for n in counted)
    assert all(isinstance(n["audienceCount"], int) == (n["audience"] in listed) for n in counted)
    several = await committee.statements(query)
    # One more grouped statement for the second audience kind, none per notice.
    assert several["community"] <= one["community"] + 1, (one, several)


STREETS = """{ communities(first: 100) { edges { node { code street { code } } } } }"""


async def test_a_street_publishes_to_the_communities_on_it(hub: GraphQLClient) -> None:
    """The street's Party working committee (街道党工委) addresses its communities together
    (STREET) or one of them; residents, reported members and community staff on another
    street hear nothing; it reads its own publications and nothing of people."""
    data = await hub.query(STREETS)
    street_of = {
        e["node"]["code"]: e["node"]["street"]["code"] for e in data["communities"]["edges"]
    }
    home = "C001"
    street = street_of[home]
    neighbour = next(c for c, s in sorted(street_of.items()) if s == street and c != home)
    abroad = next(c for c, s in sorted(street_of.items()) if s != street)
    committee = hub.as_viewer("street", street=street)

    notice = await _publish(committee, title="街道防汛动员", body="各社区做好防汛准备。",
                            audience="STREET", audienceCode=street)  # fmt: skip
    assert (notice["publisher"], notice["audienceCount"]) == (f"street:{street}", None)
    [member_here] = await supporters(hub, neighbour, 1)
    [member_abroad] = await supporters(hub, abroad, 1)
    reached = [_resident(hub, home, "street-resident"), hub.as_viewer("community", community=neighbour),
               hub.as_viewer("member", member=member_here), committee]  # fmt: skip
    missed = [_resident(hub, abroad, "street-abroad"), hub.as_viewer("community", community=abroad),
              hub.as_viewer("member", member=member_abroad),
              hub.as_viewer("street", street=street_of[abroad])]  # fmt: skip
    for viewer in reached:
        assert notice["id"] in await _notice_ids(viewer)
    for viewer in missed:
        assert notice["id"] not in await _notice_ids(viewer)

    # One community of its street, yes; of another street, or another street as a whole, no.
    one = await _publish(committee, title="社区通知", body="内容。", audience="COMMUNITY_RESIDENTS",
                         audienceCode=neighbour)  # fmt: skip
    assert one["id"] in await _notice_ids(hub.as_viewer("community", community=neighbour))
    for audience, code in (("COMMUNITY_RESIDENTS", abroad), ("STREET", street_of[abroad]),
                           ("GRID", "G0001"), ("DISTRICT_ALL", "D01")):  # fmt: skip
        error = await committee.error(PUBLISH, {"input": {"title": "越界", "body": "内容。",
                                                          "audience": audience, "audienceCode": code}})  # fmt: skip
        assert error["extensions"]["code"] == "FORBIDDEN", audience
    # A community cannot address the street; the street reads no member.
    error = await hub.as_viewer("community", community=home).error(
        PUBLISH,
        {"input": {"title": "x", "body": "y", "audience": "STREET", "audienceCode": street}},
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    members = await committee.query("{ members(first: 5) { totalCount } }")
    assert members["members"]["totalCount"] == 0
    mine = await committee.query("{ viewer { role publishedNotices(first: 10) { totalCount } } }")
    assert mine["viewer"]["role"] == "STREET"
    assert mine["viewer"]["publishedNotices"]["totalCount"] == 2
