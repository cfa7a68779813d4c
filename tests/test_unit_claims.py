"""双服务, the unit claims service projects itself (认领项目), through the API on both
backends: a unit's Party organisation claims a micro-wish, a post and a co-building
agreement project as the unit, with the members' state machine (claim, fulfil or serve,
the community confirms, release), idempotency, history and Chinese user errors; the
community and the unit see the unit's claims, other units do not; what the claims deliver
shows in `WorkUnit.communityContribution` and the community's and district's summaries,
and a member's own claim never counts for his unit. One seeded world for the module."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, supporters, workflow_fixtures

ERRORS = "clientMutationId userErrors { code message field }"
HISTORY = "history { fromState toState actorRole note }"
WISH = f"id status claimantKind claimedByCode claimedByUnitCode claimedBy {{ code }} {HISTORY}"
PUBLISH_WISH = f"""mutation($input: PublishMicroWishInput!) {{ publishMicroWish(input: $input) {{
  {ERRORS} microWish {{ id }} }} }}"""
CLAIM_WISH = f"""mutation($input: ClaimMicroWishInput!) {{ claimMicroWish(input: $input) {{
  {ERRORS} microWish {{ {WISH} }} }} }}"""
FULFIL_WISH = f"""mutation($input: FulfilMicroWishInput!) {{ fulfilMicroWish(input: $input) {{
  {ERRORS} microWish {{ {WISH} }} }} }}"""
CONFIRM_WISH = f"""mutation($input: ConfirmMicroWishInput!) {{ confirmMicroWish(input: $input) {{
  {ERRORS} microWish {{ {WISH} }} }} }}"""
NODE_WISH = "query($id: ID!) { node(id: $id) { ... on MicroWish { id claimedByUnitCode } } }"

CLAIM_FIELDS = f"id claimantKind memberCode unitCode status unit {{ code }} {HISTORY}"
PUBLISH_POST = f"""mutation($input: PublishPostInput!) {{ publishPost(input: $input) {{
  {ERRORS} post {{ id }} }} }}"""
CLAIM_POST = f"""mutation($input: ClaimPostInput!) {{ claimPost(input: $input) {{
  {ERRORS} claim {{ {CLAIM_FIELDS} }} }} }}"""
RELEASE_POST = f"""mutation($input: ReleasePostInput!) {{ releasePost(input: $input) {{
  {ERRORS} claim {{ {CLAIM_FIELDS} }} }} }}"""
RECORD_DUTY = f"""mutation($input: RecordPostDutyInput!) {{ recordPostDuty(input: $input) {{
  {ERRORS} duty {{ id memberCode unitCode recordedBy status hours {HISTORY} }} }} }}"""
CONFIRM_DUTY = f"""mutation($input: ConfirmPostDutyInput!) {{ confirmPostDuty(input: $input) {{
  {ERRORS} duty {{ id status }} }} }}"""
NODE_CLAIM = "query($id: ID!) { node(id: $id) { ... on PostClaim { id unitCode } } }"

PROJECT = f"id status ownerCode claimantKind claimantCode claimedAt confirmedAt claimant {{ code }} {HISTORY}"
SIGN = f"""mutation($input: SignAgreementInput!) {{ signAgreement(input: $input) {{
  {ERRORS} agreement {{ id }} }} }}"""
ADD = f"""mutation($input: AddAgreementProjectInput!) {{ addAgreementProject(input: $input) {{
  {ERRORS} project {{ id }} }} }}"""
CLAIM_PROJECT = f"""mutation($input: ClaimAgreementProjectInput!) {{
  claimAgreementProject(input: $input) {{ {ERRORS} project {{ {PROJECT} }} }} }}"""
RELEASE_PROJECT = f"""mutation($input: ReleaseAgreementProjectInput!) {{
  releaseAgreementProject(input: $input) {{ {ERRORS} project {{ {PROJECT} }} }} }}"""
CONFIRM_PROJECT = f"""mutation($input: ConfirmAgreementProjectInput!) {{
  confirmAgreementProject(input: $input) {{ {ERRORS} project {{ {PROJECT} }} }} }}"""
MOVE = f"""mutation($input: MoveAgreementProjectInput!) {{ moveAgreementProject(input: $input) {{
  {ERRORS} project {{ {PROJECT} }} }} }}"""
NODE_PROJECT = "query($id: ID!) { node(id: $id) { ... on AgreementProject { id claimantCode } } }"
PAIR = """mutation($input: PairUnitInput!) { pairUnit(input: $input) {
  userErrors { code message field } pairing { id status } } }"""

FIGURES = """wishesClaimed wishesFulfilled postsClaimed dutySessions dutyHours projectsClaimed
  projectsCompleted demandsClaimed"""
CONTRIBUTION = f"""query($code: String!, $year: Int!) {{ workUnit(code: $code) {{
  communityContribution(year: $year) {{ {FIGURES} }} }} }}"""
SUMMARY = f"""query($c: String!, $year: Int!) {{ community(code: $c) {{
  supporterSummary(year: $year) {{ pairedUnits {{ unitCode {FIGURES} }} }} }} }}"""
DISTRICT = f"""query($year: Int!) {{ district(year: $year, top: 100) {{ unitContributions {{
  unit {{ code }} {FIGURES} }} }} }}"""
MEMBER_UNIT = """query($m: String!) { member(code: $m) { unit { code } } }"""

workflow_db, hub = workflow_fixtures("unit_claims")

ZERO = dict.fromkeys(
    ("wishesClaimed", "wishesFulfilled", "postsClaimed", "dutySessions", "projectsClaimed",
     "projectsCompleted", "demandsClaimed"), 0,
)  # fmt: skip


def _year() -> int:
    return (datetime.now(UTC) + timedelta(hours=8)).year


async def _run(viewer: GraphQLClient, query: str, **fields: Any) -> dict[str, Any]:
    (payload,) = (await viewer.query(query, {"input": fields})).values()
    assert isinstance(payload, dict)
    return payload


def _codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def _forbidden(viewer: GraphQLClient, query: str, **fields: Any) -> bool:
    body = await viewer.raw(query, {"input": fields})
    return [e["extensions"]["code"] for e in body.get("errors", [])] == ["FORBIDDEN"]


async def _sql(pair: DatabasePair, sql: str, **params: Any) -> None:
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


# Units a test already used, per database.
_USED: dict[DatabasePair, set[str]] = {}


async def _fresh_units(hub: GraphQLClient, db: DatabasePair, community: str, n: int) -> list[str]:
    """`n` units not paired with `community`, with no claims of their own yet."""
    data = await hub.query(
        """{ workUnits(first: 100) { edges { node { code
             pairedCommunities(first: 50) { edges { node { community { code } } } } } } } }"""
    )
    used = _USED.setdefault(db, set())
    free = []
    for edge in data["workUnits"]["edges"]:
        node = edge["node"]
        paired = {e["node"]["community"]["code"] for e in node["pairedCommunities"]["edges"]}
        if community in paired or node["code"] in used:
            continue
        claims = await count(
            db,
            "SELECT (SELECT count(*) FROM micro_wishes WHERE claimed_by_unit = :u)"
            " + (SELECT count(*) FROM post_claims WHERE unit_code = :u)"
            " + (SELECT count(*) FROM agreement_projects WHERE claimant_code = :u)",
            u=node["code"],
        )
        if not claims:
            free.append(node["code"])
    assert len(free) >= n, "the seeded data ran out of units"
    used.update(free[:n])
    return free[:n]


async def _pair(hub: GraphQLClient, unit: str, community: str) -> None:
    committee = hub.as_viewer("community", community=community)
    made = await _run(committee, PAIR, unitCode=unit, communityCode=community)
    assert made["userErrors"] == [], made


async def _figures(viewer: GraphQLClient, unit: str) -> dict[str, Any]:
    got = await viewer.query(CONTRIBUTION, {"code": unit, "year": _year()})
    figures: dict[str, Any] = got["workUnit"]["communityContribution"]
    return figures


async def test_unit_claims_a_micro_wish_fulfils_it_and_the_community_confirms(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    (member,) = await supporters(hub, "C001", 1)
    # The member's own unit: his claim must never count for it.
    unit = (await hub.query(MEMBER_UNIT, {"m": member}))["member"]["unit"]["code"]
    (stranger,) = await _fresh_units(hub, workflow_db, "C001", 1)
    paired_already = await count(
        workflow_db, "SELECT count(*) FROM unit_pairings WHERE unit_code = :u AND"
        " community_id = (SELECT id FROM communities WHERE code = 'C001') AND status = 'active'",
        u=unit,
    )  # fmt: skip
    if not paired_already:
        await _pair(hub, unit, "C001")
    committee = hub.as_viewer("community", community="C001")
    branch = hub.as_viewer("unit_branch", unit=unit)
    me = hub.as_viewer("member", member=member)
    before = await _figures(branch, unit)

    async def wish(title: str) -> str:
        made = await _run(committee, PUBLISH_WISH, communityCode="C001", title=title,
                          beneficiaryName="王奶奶")  # fmt: skip
        assert made["userErrors"] == [], made
        wish_id: str = made["microWish"]["id"]
        return wish_id

    # The member claims one himself, fulfils it, the community confirms: his, not the unit's.
    own = await wish("一台收音机")
    assert (await _run(me, CLAIM_WISH, wishId=own))["microWish"]["claimantKind"] == "MEMBER"
    assert (await _run(me, FULFIL_WISH, wishId=own, note="已送达"))["userErrors"] == []
    assert (await _run(committee, CONFIRM_WISH, wishId=own))["userErrors"] == []

    w = await wish("冬衣两件")
    outsider = hub.as_viewer("unit_branch", unit=stranger)
    refused = await _run(outsider, CLAIM_WISH, wishId=w)
    assert _codes(refused) == ["NOT_PAIRED"]
    assert "结对" in refused["userErrors"][0]["message"]
    claimed = await _run(branch, CLAIM_WISH, wishId=w, clientMutationId="wish-1")
    assert claimed["userErrors"] == [], claimed
    got = claimed["microWish"]
    assert (got["status"], got["claimantKind"], got["claimedByUnitCode"], got["claimedByCode"]) == (
        "CLAIMED", "UNIT", unit, None
    )  # fmt: skip
    assert got["claimedBy"] is None
    assert got["history"][-1] == {"fromState": "published", "toState": "claimed",
                                  "actorRole": "unit_branch", "note": f"单位认领：{unit}"}  # fmt: skip
    # A retry with the same key returns the first result; everyone else is refused.
    again = await _run(branch, CLAIM_WISH, wishId=w, clientMutationId="wish-1")
    assert again["microWish"]["id"] == w
    assert again["userErrors"] == []
    twice = await _run(branch, CLAIM_WISH, wishId=w)
    assert twice["userErrors"][0]["message"] == "该微心愿已被本单位认领。"
    assert _codes(await _run(me, CLAIM_WISH, wishId=w)) == ["ALREADY_CLAIMED"]
    # Only the claimant fulfils it; the unit's claim is seen by the community and the unit.
    assert await _forbidden(me, FULFIL_WISH, wishId=w, note="x")
    assert (await outsider.query(NODE_WISH, {"id": w}))["node"] is None
    assert (await committee.query(NODE_WISH, {"id": w}))["node"]["claimedByUnitCode"] == unit
    empty = await _run(branch, FULFIL_WISH, wishId=w, note=" ")
    assert _codes(empty) == ["INVALID_INPUT"]
    done = await _run(branch, FULFIL_WISH, wishId=w, note="单位党员送达冬衣")
    assert done["microWish"]["status"] == "FULFILLED"
    assert (await branch.query(NODE_WISH, {"id": w}))["node"]["claimedByUnitCode"] == unit
    confirmed = await _run(committee, CONFIRM_WISH, wishId=w)
    assert confirmed["microWish"]["status"] == "CONFIRMED"
    assert [e["toState"] for e in confirmed["microWish"]["history"]] == [
        "published", "claimed", "fulfilled", "confirmed"
    ]  # fmt: skip
    # Points are members': the unit's wish earns none.
    assert await count(workflow_db, "SELECT count(*) FROM points_entries WHERE source_type ="
                       " 'MicroWish' AND source_id = (SELECT max(id) FROM micro_wishes)") == 0  # fmt: skip
    after = await _figures(branch, unit)
    assert after["wishesClaimed"] == before["wishesClaimed"] + 1
    assert after["wishesFulfilled"] == before["wishesFulfilled"] + 1


async def test_unit_claims_a_post_serves_duty_and_releases_it(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    unit, other = await _fresh_units(hub, workflow_db, "C002", 2)
    await _pair(hub, unit, "C002")
    m1, m2 = await supporters(hub, "C002", 2)
    committee = hub.as_viewer("community", community="C002")
    branch = hub.as_viewer("unit_branch", unit=unit)
    made = await _run(committee, PUBLISH_POST, communityCode="C002", title="门岗值守岗",
                      categoryCode="qianjiang.epidemic", capacity=2)  # fmt: skip
    assert made["userErrors"] == [], made
    post = made["post"]["id"]

    outsider = hub.as_viewer("unit_branch", unit=other)
    assert _codes(await _run(outsider, CLAIM_POST, postId=post)) == ["NOT_PAIRED"]
    claimed = await _run(branch, CLAIM_POST, postId=post, clientMutationId="post-1")
    assert claimed["userErrors"] == [], claimed
    claim = claimed["claim"]
    assert (claim["claimantKind"], claim["unitCode"], claim["memberCode"], claim["status"]) == (
        "UNIT", unit, None, "ACTIVE"
    )  # fmt: skip
    assert claim["unit"] == {"code": unit}
    assert claim["history"][-1]["note"] == f"单位认领：{unit}"
    again = await _run(branch, CLAIM_POST, postId=post, clientMutationId="post-1")
    assert again["claim"]["id"] == claim["id"]
    dup = await _run(branch, CLAIM_POST, postId=post)
    assert dup["userErrors"][0]["code"] == "DUPLICATE"
    assert dup["userErrors"][0]["message"] == "本单位已认领该岗位，无需重复认领。"
    # The unit holds one place: one member fits, the next finds it full.
    assert (await _run(hub.as_viewer("member", member=m1), CLAIM_POST, postId=post))[
        "userErrors"
    ] == []
    assert _codes(await _run(hub.as_viewer("member", member=m2), CLAIM_POST, postId=post)) == [
        "FULL"
    ]
    # Another unit sees none of this unit's claim; the community and the unit do.
    assert (await outsider.query(NODE_CLAIM, {"id": claim["id"]}))["node"] is None
    assert (await committee.query(NODE_CLAIM, {"id": claim["id"]}))["node"]["unitCode"] == unit

    # The unit serves the post: a session on its claim, the unit's, confirmed by the community.
    await _sql(workflow_db, "UPDATE post_claims SET claimed_at = :at WHERE unit_code = :u",
               at=datetime.now(UTC) - timedelta(days=20), u=unit)  # fmt: skip
    starts = (datetime.now(UTC) - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    session = {"postId": post, "startsAt": starts.isoformat(),
               "endsAt": (starts + timedelta(hours=2)).isoformat()}  # fmt: skip
    named = await _run(branch, RECORD_DUTY, **session, memberCode=m1)
    assert _codes(named) == ["INVALID_INPUT"]
    recorded = await _run(branch, RECORD_DUTY, **session, note="单位党员轮流值守")
    assert recorded["userErrors"] == [], recorded
    duty = recorded["duty"]
    assert (duty["memberCode"], duty["unitCode"], duty["recordedBy"], duty["status"]) == (
        None, unit, unit, "PENDING"
    )  # fmt: skip
    assert duty["hours"] in ("2.00", 2, 2.0, "2")
    overlap = await _run(branch, RECORD_DUTY, **session)
    assert _codes(overlap) == ["DUPLICATE"]
    assert await _forbidden(branch, CONFIRM_DUTY, dutyId=duty["id"])
    assert (await _run(committee, CONFIRM_DUTY, dutyId=duty["id"]))["duty"]["status"] == (
        "CONFIRMED"
    )
    # The member's performance knows nothing of the unit's session.
    assert await count(workflow_db, "SELECT count(*) FROM post_duties WHERE unit_code = :u"
                       " AND member_code IS NOT NULL", u=unit) == 0  # fmt: skip

    figures = await _figures(branch, unit)
    year_of_session = (starts + timedelta(hours=8)).year
    if year_of_session == _year():
        assert (figures["postsClaimed"], figures["dutySessions"], figures["dutyHours"]) == (
            1, 1, 2.0
        )  # fmt: skip
    summary = (await committee.query(SUMMARY, {"c": "C002", "year": _year()}))["community"]
    row = next(u for u in summary["supporterSummary"]["pairedUnits"] if u["unitCode"] == unit)
    assert row["postsClaimed"] == 1

    # Only the unit releases its claim; afterwards it is history.
    assert await _forbidden(hub.as_viewer("member", member=m1), RELEASE_POST, claimId=claim["id"])
    released = await _run(branch, RELEASE_POST, claimId=claim["id"], reason="人员调整")
    assert released["claim"]["status"] == "RELEASED"
    late = await _run(branch, RELEASE_POST, claimId=claim["id"])
    assert _codes(late) == ["INVALID_STATE"]


async def test_unit_party_claims_an_agreement_project_and_the_community_confirms_it(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    unit, outsider_code = await _fresh_units(hub, workflow_db, "C003", 2)
    committee = hub.as_viewer("community", community="C003")
    branch = hub.as_viewer("unit_branch", unit=unit)
    outsider = hub.as_viewer("unit_branch", unit=outsider_code)
    today = date.today()
    signed = await _run(
        committee, SIGN, communityCode="C003", title="共建协议（认领项目）",
        startsOn=(today - timedelta(days=30)).isoformat(),
        endsOn=(today + timedelta(days=300)).isoformat(),
        parties=[{"kind": "UNIT", "code": unit}],
    )  # fmt: skip
    assert signed["userErrors"] == [], signed
    agreement = signed["agreement"]["id"]

    async def project(name: str, owner_kind: str, owner: str) -> str:
        added = await _run(committee, ADD, agreementId=agreement, name=name, ownerKind=owner_kind,
                           ownerCode=owner, budgetYuan="5000",
                           dueOn=(today + timedelta(days=100)).isoformat())  # fmt: skip
        assert added["userErrors"] == [], added
        project_id: str = added["project"]["id"]
        return project_id

    own = await project("楼道照明改造", "COMMUNITY", "C003")
    theirs = await project("助学结对", "UNIT", unit)
    refused = await _run(outsider, CLAIM_PROJECT, projectId=own)
    assert _codes(refused) == ["NOT_A_MEMBER"]
    assert refused["userErrors"][0]["message"] == "本单位不是该共建协议的签约方，不能认领其项目。"
    assert _codes(await _run(branch, CLAIM_PROJECT, projectId=theirs)) == ["INVALID_STATE"]
    claimed = await _run(branch, CLAIM_PROJECT, projectId=own, clientMutationId="proj-1")
    assert claimed["userErrors"] == [], claimed
    p = claimed["project"]
    assert (p["status"], p["claimantKind"], p["claimantCode"], p["ownerCode"]) == (
        "PLANNED", "UNIT", unit, "C003"
    )  # fmt: skip
    assert p["claimant"] == {"code": unit}
    assert p["claimedAt"] is not None
    assert p["history"][-1]["note"] == f"单位认领：{unit}"
    again = await _run(branch, CLAIM_PROJECT, projectId=own, clientMutationId="proj-1")
    assert again["project"]["id"] == own
    assert again["userErrors"] == []
    twice = await _run(branch, CLAIM_PROJECT, projectId=own)
    assert twice["userErrors"][0]["message"] == "该项目已被本单位认领。"
    assert await _forbidden(committee, CLAIM_PROJECT, projectId=own)
    # Not yet done: nothing to confirm. The claimant carries it; the community confirms.
    assert _codes(await _run(committee, CONFIRM_PROJECT, projectId=own)) == ["INVALID_STATE"]
    assert await _forbidden(outsider, MOVE, projectId=own, status="IN_PROGRESS")
    assert (await _run(branch, MOVE, projectId=own, status="IN_PROGRESS"))["userErrors"] == []
    done = await _run(branch, MOVE, projectId=own, status="DONE")
    assert done["project"]["status"] == "DONE"
    assert await _forbidden(branch, CONFIRM_PROJECT, projectId=own)
    confirmed = await _run(committee, CONFIRM_PROJECT, projectId=own, note="验收合格")
    assert confirmed["userErrors"] == [], confirmed
    assert confirmed["project"]["confirmedAt"] is not None
    assert confirmed["project"]["history"][-1]["note"] == "验收合格"
    assert _codes(await _run(committee, CONFIRM_PROJECT, projectId=own)) == ["INVALID_STATE"]
    assert _codes(await _run(branch, RELEASE_PROJECT, projectId=own)) == ["INVALID_STATE"]
    # The unit and the community see the claim; a unit outside the agreement does not.
    assert (await branch.query(NODE_PROJECT, {"id": own}))["node"]["claimantCode"] == unit
    assert (await committee.query(NODE_PROJECT, {"id": own}))["node"]["claimantCode"] == unit
    assert (await outsider.query(NODE_PROJECT, {"id": own}))["node"] is None

    # A second project: claimed, then given up; it is open to claims again.
    other = await project("健身器材维护", "COMMUNITY", "C003")
    assert (await _run(branch, CLAIM_PROJECT, projectId=other))["userErrors"] == []
    released = await _run(branch, RELEASE_PROJECT, projectId=other, reason="预算调整")
    p = released["project"]
    assert (p["claimantKind"], p["claimantCode"], p["status"]) == (None, None, "PLANNED")
    assert p["history"][-1]["note"] == "放弃认领：预算调整"

    # What the unit's claims delivered: its contribution, and the district's ranking.
    figures = await _figures(branch, unit)
    assert (figures["projectsClaimed"], figures["projectsCompleted"]) == (1, 1)
    district = (await hub.query(DISTRICT, {"year": _year()}))["district"]["unitContributions"]
    ranked = next(u for u in district if u["unit"]["code"] == unit)
    assert (ranked["projectsClaimed"], ranked["projectsCompleted"]) == (1, 1)


async def test_the_seed_has_unit_claims_of_every_kind(workflow_db: DatabasePair) -> None:
    cases = {
        "confirmed unit wish": "SELECT count(*) FROM micro_wishes WHERE claimant_kind = 'unit'"
        " AND status = 'confirmed'",
        "member wish": "SELECT count(*) FROM micro_wishes WHERE claimant_kind = 'member'",
        "unit post claim": "SELECT count(*) FROM post_claims WHERE claimant_kind = 'unit'",
        "confirmed unit duty": "SELECT count(*) FROM post_duties WHERE unit_code IS NOT NULL"
        " AND status = 'confirmed'",
        "confirmed unit project": "SELECT count(*) FROM agreement_projects WHERE"
        " claimant_kind = 'unit' AND confirmed_at IS NOT NULL AND status = 'done'",
    }
    for name, sql in cases.items():
        assert await count(workflow_db, sql), name
    # Nothing a member claimed is dressed as a unit's, nor the other way round.
    mixed = await count(
        workflow_db,
        "SELECT count(*) FROM micro_wishes WHERE claimed_by IS NOT NULL AND claimed_by_unit"
        " IS NOT NULL",
    )
    assert mixed == 0
