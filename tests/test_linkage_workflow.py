"""Linkage meetings (联动会议) have the parties the compound has, through the API on both
backends: 四方联动 in compounds with property service, 四方议事会 (莒南), 单位自建小区 with the
self-built unit, 三无小区 with its 自管委 and 党小组; a party the form or the compound lacks is
refused; committees (业委会 / 自管委) are records of the compound; the kind is set by the
community. The seeded demo holds every form."""

from __future__ import annotations

from typing import Any

from datasources.community.linkage_forms import FORMS_OF_KIND, SEATS
from datasources.community.models import CompoundKind
from datasources.community.partner_models import LinkageForm, LinkageParty
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.workflow import count, workflow_fixtures

workflow_db, hub = workflow_fixtures("linkage")

ERRORS = "userErrors { code message field }"
ATTENDEE = """party name referenced unitCode committee { id name } propertyCompany { code }
  buildingGroup { id } grid { code }"""
MEETING = f"""mutation($input: HoldLinkageMeetingInput!) {{ holdLinkageMeeting(input: $input) {{
  {ERRORS} meeting {{ id form attendees {{ {ATTENDEE} }} actionItems {{ ownerParty }}
  history {{ toState note }} }} }} }}"""
COMMITTEE = f"""mutation($input: RecordCompoundCommitteeInput!) {{
  recordCompoundCommittee(input: $input) {{ {ERRORS} committee {{ id kind name termStartsOn
  termEndsOn inOffice contactPhone members {{ name role }} compound {{ code }} }} }} }}"""
KIND = f"""mutation($input: SetCompoundKindInput!) {{ setCompoundKind(input: $input) {{
  {ERRORS} compound {{ code kind selfBuiltUnitCode isThreeNo }} }} }}"""
COMPOUNDS = """query($after: String) { compounds(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { code kind selfBuiltUnitCode partyBranchName community { code } grid { code }
    propertyCompany { code }
    committees { id kind name inOffice termStartsOn termEndsOn }
    linkageMeetings { form heldOn attendees { party referenced buildingGroup { id } }
      actionItems { ownerParty } } } } } }"""
HELD_ON = "2026-06-30"  # the seeded period's end: the seeded terms and contracts cover it
_USED: set[str] = set()


async def _all(hub: GraphQLClient) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await hub.query(COMPOUNDS, {"after": after}))["compounds"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def _held_in(hub: GraphQLClient, form: str) -> dict[str, Any]:
    """A compound that held a seeded meeting of `form` (so it has its parties), unused."""
    for node in await _all(hub):
        if node["code"] not in _USED and any(m["form"] == form for m in node["linkageMeetings"]):
            _USED.add(node["code"])
            return node
    raise AssertionError(f"no seeded {form} meeting left")


def _committee(node: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in node["committees"] if c["kind"] == kind and c["inOffice"])


def _group_of(node: dict[str, Any]) -> str:
    return next(
        a["buildingGroup"]["id"]
        for m in node["linkageMeetings"]
        for a in m["attendees"]
        if a["party"] == "PARTY_GROUP"
    )


def _payload(data: dict[str, Any]) -> dict[str, Any]:
    (payload,) = data.values()
    assert isinstance(payload, dict)
    return payload


async def _do(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    return _payload(await viewer.query(mutation, {"input": fields}))


def _meeting(node: dict[str, Any], *parties: str, **extra: Any) -> dict[str, Any]:
    return {"compoundCode": node["code"], "heldOn": HELD_ON, "agenda": "小区治理议题",
            "attendees": [{"party": p, "name": f"{p}代表"} for p in parties], **extra}  # fmt: skip


async def test_seeded_meetings_fill_the_seats_of_their_form(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    nodes = await _all(hub)
    kinds = {node["kind"] for node in nodes}
    assert kinds == {"COMMERCIAL", "UNIT_BUILT", "THREE_NO"}
    forms: set[str] = set()
    for node in nodes:
        kind = CompoundKind[node["kind"]]
        for meeting in node["linkageMeetings"]:
            form = LinkageForm[meeting["form"]]
            forms.add(meeting["form"])
            assert form in FORMS_OF_KIND[kind], node["code"]
            parties = {LinkageParty[a["party"]] for a in meeting["attendees"]}
            assert all(a["referenced"] for a in meeting["attendees"]), node["code"]
            allowed = frozenset().union(*(seat.parties for seat in SEATS[form]))
            assert parties <= allowed, node["code"]
            has_owners = any(c["kind"] == "OWNERS" for c in node["committees"])
            for seat in SEATS[form]:
                if seat.if_present and not has_owners:
                    continue
                assert seat.parties & parties, (node["code"], seat)
            owners = {LinkageParty[i["ownerParty"]] for i in meeting["actionItems"]}
            assert owners <= parties, node["code"]
        if kind is CompoundKind.THREE_NO:
            assert all(c["kind"] == "SELF_MANAGEMENT" for c in node["committees"])
        if kind is CompoundKind.UNIT_BUILT:
            assert node["selfBuiltUnitCode"] is not None
    assert forms == {form.name for form in LinkageForm}
    # Some 三无小区 have no 自管委 yet (Wenhualu: 27 of 28 have one): they cannot meet.
    assert any(n["kind"] == "THREE_NO" and not n["committees"] for n in nodes)
    # The convenor of a joint meeting chairs it: never recorded absent.
    chairs = ("FROM alliance_meeting_attendance a JOIN alliance_meetings m ON m.id = a.meeting_id"
              " WHERE a.membership_id = m.convened_by_id")  # fmt: skip
    assert await count(workflow_db, f"SELECT count(*) {chairs}") > 0
    assert await count(workflow_db, f"SELECT count(*) {chairs} AND NOT a.present") == 0


async def test_each_kind_of_compound_meets_in_its_form(hub: GraphQLClient) -> None:
    # 四方联动: community, grid branch, the 业委会 in office, the company serving the compound.
    served = await _held_in(hub, "FOUR_PARTY")
    community = hub.as_viewer("community", community=served["community"]["code"])
    branch = "GRID_BRANCH" if served["grid"] else "COMPOUND_BRANCH"
    four = await _do(community, MEETING, **_meeting(
        served, "COMMUNITY", branch, "OWNERS_COMMITTEE", "PROPERTY_COMPANY",
        actionItems=[{"description": "清理消防通道", "ownerParty": "PROPERTY_COMPANY",
                      "ownerName": "物业经理", "dueOn": "2026-07-30"}],
    ))  # fmt: skip
    assert four["userErrors"] == []
    meeting = four["meeting"]
    assert meeting["form"] == "FOUR_PARTY"
    assert meeting["history"] == [{"toState": "held", "note": "四方联动会议"}]
    by_party = {a["party"]: a for a in meeting["attendees"]}
    assert all(a["referenced"] for a in meeting["attendees"])
    owners = _committee(served, "OWNERS")
    assert by_party["OWNERS_COMMITTEE"]["committee"] == {"id": owners["id"], "name": owners["name"]}
    assert by_party["PROPERTY_COMPANY"]["propertyCompany"] == served["propertyCompany"]
    if branch == "GRID_BRANCH":
        assert by_party["GRID_BRANCH"]["grid"] == served["grid"]

    # 四方议事会: the compound's own branch, the 业委会, in-service members, residents.
    council = await _held_in(hub, "FOUR_PARTY_COUNCIL")
    community = hub.as_viewer("community", community=council["community"]["code"])
    held = await _do(community, MEETING, **_meeting(
        council, "COMPOUND_BRANCH", "OWNERS_COMMITTEE", "IN_SERVICE_MEMBERS", "RESIDENTS",
        "RESIDENTS", form="FOUR_PARTY_COUNCIL",
    ))  # fmt: skip
    assert held["userErrors"] == []
    assert held["meeting"]["form"] == "FOUR_PARTY_COUNCIL"
    assert len(held["meeting"]["attendees"]) == 5

    # 单位自建小区: community, the self-built unit, a building group covering it (+ 业委会).
    built = await _held_in(hub, "UNIT_BUILT")
    community = hub.as_viewer("community", community=built["community"]["code"])
    parties = ["COMMUNITY", "SELF_BUILT_UNIT", "PARTY_GROUP"]
    if any(c["kind"] == "OWNERS" and c["inOffice"] for c in built["committees"]):
        parties.append("OWNERS_COMMITTEE")
    fields = _meeting(built, *parties)
    fields["attendees"][1]["unitCode"] = built["selfBuiltUnitCode"]
    fields["attendees"][2]["buildingGroupId"] = _group_of(built)
    unit = await _do(community, MEETING, **fields)
    assert unit["userErrors"] == []
    by_party = {a["party"]: a for a in unit["meeting"]["attendees"]}
    assert unit["meeting"]["form"] == "UNIT_BUILT"
    assert by_party["SELF_BUILT_UNIT"]["unitCode"] == built["selfBuiltUnitCode"]
    assert by_party["PARTY_GROUP"]["buildingGroup"] == {"id": _group_of(built)}

    # 三无小区: community, the 自管委 in office, a 党小组.
    bare = await _held_in(hub, "THREE_PARTY")
    community = hub.as_viewer("community", community=bare["community"]["code"])
    three = await _do(community, MEETING, **_meeting(
        bare, "COMMUNITY", "SELF_MANAGEMENT_COMMITTEE", "PARTY_GROUP",
        actionItems=[{"description": "排定卫生轮值", "ownerParty": "SELF_MANAGEMENT_COMMITTEE",
                      "ownerName": "自管委主任", "dueOn": "2026-07-30"}],
    ))  # fmt: skip
    assert three["userErrors"] == []
    assert three["meeting"]["form"] == "THREE_PARTY"
    by_party = {a["party"]: a for a in three["meeting"]["attendees"]}
    assert (
        by_party["SELF_MANAGEMENT_COMMITTEE"]["committee"]["id"]
        == (_committee(bare, "SELF_MANAGEMENT")["id"])
    )


async def test_a_party_the_form_or_the_compound_lacks_is_refused(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    nodes = await _all(hub)
    bare = await _held_in(hub, "THREE_PARTY")
    community = hub.as_viewer("community", community=bare["community"]["code"])
    before = await count(workflow_db, "SELECT count(*) FROM linkage_meetings")
    three = ("COMMUNITY", "SELF_MANAGEMENT_COMMITTEE", "PARTY_GROUP")

    async def refused(fields: dict[str, Any]) -> dict[str, Any]:
        payload = await _do(community, MEETING, **fields)
        assert payload["meeting"] is None
        (error,) = payload["userErrors"]
        assert error["code"] == "INVALID_INPUT"
        return {"field": error["field"], "message": error["message"]}

    assert await refused(_meeting(bare, *three, form="FOUR_PARTY")) == {
        "field": "input.form",
        "message": "该小区为三无小区，不能召开四方联动会议；可召开：三方联动会议。",
    }
    assert await refused(_meeting(bare, *three, "PROPERTY_COMPANY")) == {
        "field": "input.attendees.3.party", "message": "三方联动会议不包括物业企业。"
    }  # fmt: skip
    assert await refused(_meeting(bare, "COMMUNITY", "SELF_MANAGEMENT_COMMITTEE")) == {
        "field": "input.attendees", "message": "三方联动会议须有党小组参加。"
    }  # fmt: skip
    elsewhere = next(
        c["id"] for n in nodes if n["code"] != bare["code"]
        for c in n["committees"] if c["kind"] == "SELF_MANAGEMENT"
    )  # fmt: skip
    other = _meeting(bare, *three)
    other["attendees"][1]["committeeId"] = elsewhere
    assert await refused(other) == {
        "field": "input.attendees.1", "message": "所填自管委不是本小区的自管委。"
    }  # fmt: skip
    item = {
        "description": "征集意见",
        "ownerParty": "RESIDENTS",
        "ownerName": "居民",
        "dueOn": HELD_ON,
    }
    assert await refused(_meeting(bare, *three, actionItems=[item])) == {
        "field": "input.actionItems.0.ownerParty", "message": "责任方居民代表未参加本次会议。"
    }  # fmt: skip

    lacking = next(n for n in nodes if n["kind"] == "THREE_NO" and not n["committees"])
    stranger = hub.as_viewer("community", community=lacking["community"]["code"])
    payload = await _do(stranger, MEETING, **_meeting(lacking, *three))
    assert payload["userErrors"] == [{
        "code": "INVALID_INPUT", "field": "input.attendees.1",
        "message": "该小区没有自管委：会议当日没有在任的委员会记录，请先登记。",
    }]  # fmt: skip

    built = await _held_in(hub, "UNIT_BUILT")
    viewer = hub.as_viewer("community", community=built["community"]["code"])
    wrong = _meeting(built, "COMMUNITY", "SELF_BUILT_UNIT", "PARTY_GROUP")
    wrong["attendees"][1]["unitCode"] = "U9999"
    payload = await _do(viewer, MEETING, **wrong)
    assert payload["userErrors"][0]["message"] == "所填自建单位不是本小区的自建单位。"

    branchless = next(
        n for n in nodes if n["kind"] == "COMMERCIAL" and n["propertyCompany"]
        and not n["partyBranchName"] and any(c["inOffice"] for c in n["committees"])
    )  # fmt: skip
    viewer = hub.as_viewer("community", community=branchless["community"]["code"])
    payload = await _do(viewer, MEETING, **_meeting(
        branchless, "COMPOUND_BRANCH", "OWNERS_COMMITTEE", "IN_SERVICE_MEMBERS", "RESIDENTS",
        form="FOUR_PARTY_COUNCIL",
    ))  # fmt: skip
    assert payload["userErrors"][0] == {
        "code": "INVALID_INPUT", "field": "input.attendees.0",
        "message": "该小区没有小区党支部：尚未成立小区党支部。",
    }  # fmt: skip
    assert await count(workflow_db, "SELECT count(*) FROM linkage_meetings") == before


async def test_committees_are_records_of_their_compound(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    nodes = await _all(hub)
    lacking = next(
        n for n in nodes if n["kind"] == "THREE_NO" and not n["committees"]
        and n["code"] not in _USED
    )  # fmt: skip
    _USED.add(lacking["code"])
    community = hub.as_viewer("community", community=lacking["community"]["code"])
    fields = {
        "compoundCode": lacking["code"], "kind": "SELF_MANAGEMENT", "name": "居民自管委员会",
        "termStartsOn": "2026-01-01", "termEndsOn": "2028-12-31", "contactPhone": "13800000000",
        "members": [{"name": "李主任", "role": "主任"}, {"name": "张委员", "role": "委员"}],
        "clientMutationId": f"committee-{lacking['code']}",
    }  # fmt: skip
    recorded = await _do(community, COMMITTEE, **fields)
    assert recorded["userErrors"] == []
    committee = recorded["committee"]
    assert committee == {
        "id": committee["id"], "kind": "SELF_MANAGEMENT", "name": "居民自管委员会",
        "termStartsOn": "2026-01-01", "termEndsOn": "2028-12-31", "inOffice": True,
        "contactPhone": "13800000000", "compound": {"code": lacking["code"]},
        "members": [{"name": "李主任", "role": "主任"}, {"name": "张委员", "role": "委员"}],
    }  # fmt: skip
    assert (await _do(community, COMMITTEE, **fields))["committee"]["id"] == committee["id"]
    rows = await count(workflow_db, "SELECT count(*) FROM compound_committees")

    async def refused(**changes: Any) -> dict[str, Any]:
        payload = await _do(community, COMMITTEE, **{**fields, "clientMutationId": None, **changes})
        assert payload["committee"] is None
        (error,) = payload["userErrors"]
        return error

    overlap = await refused(termStartsOn="2028-06-01", termEndsOn="2031-05-31")
    assert (overlap["code"], overlap["message"]) == (
        "DUPLICATE",
        "该小区自管委任期与已登记的任期重叠。",
    )
    owners = await refused(kind="OWNERS")
    assert owners == {"code": "INVALID_INPUT", "field": "input.kind",
                      "message": "该小区为三无小区，不设业委会。"}  # fmt: skip
    assert (await refused(members=[]))["field"] == "input.members"
    assert (await refused(termEndsOn="2025-01-01"))["field"] == "input.termEndsOn"
    assert (await refused(name=" "))["field"] == "input.name"
    assert await count(workflow_db, "SELECT count(*) FROM compound_committees") == rows
    nxt = await _do(community, COMMITTEE, **{**fields, "clientMutationId": None,
                                             "termStartsOn": "2029-01-01", "termEndsOn": "2031-12-31"})  # fmt: skip
    assert nxt["userErrors"] == []

    served = next(
        n for n in nodes if n["kind"] == "COMMERCIAL" and n["propertyCompany"]
        and n["code"] not in _USED
    )  # fmt: skip
    _USED.add(served["code"])
    viewer = hub.as_viewer("community", community=served["community"]["code"])
    payload = await _do(viewer, COMMITTEE, **{**fields, "compoundCode": served["code"],
                                              "clientMutationId": None})  # fmt: skip
    assert payload["userErrors"][0]["message"] == "该小区为有物业小区，不设自管委。"
    for role, scope in (("community", {"community": "C999"}),
                        ("resident", {"community": lacking["community"]["code"], "household": "1-101"}),
                        ("property_company", {"company": served["propertyCompany"]["code"]})):  # fmt: skip
        error = await hub.as_viewer(role, **scope).error(COMMITTEE, {"input": fields})
        assert error["extensions"]["code"] == "FORBIDDEN", role

    # Who sees a committee: the compound's community (with the contact), the company serving
    # the compound (without it), nobody else.
    seen = """query($c: String!) { compound(code: $c) { committees { name contactPhone } } }"""
    company = hub.as_viewer("property_company", company=served["propertyCompany"]["code"])
    mine = (await viewer.query(seen, {"c": served["code"]}))["compound"]["committees"]
    theirs = (await company.query(seen, {"c": served["code"]}))["compound"]["committees"]
    assert [c["name"] for c in theirs] == [c["name"] for c in mine]
    assert all(c["contactPhone"] is None for c in theirs)
    assert any(c["contactPhone"] is not None for c in mine) or not mine
    unit = hub.as_viewer("unit_branch", unit="U0001")
    assert (await unit.query(seen, {"c": served["code"]}))["compound"]["committees"] == []


async def test_a_compound_kind_is_set_by_its_community(hub: GraphQLClient) -> None:
    nodes = await _all(hub)
    bare = next(n for n in nodes if n["kind"] == "THREE_NO" and n["code"] not in _USED)
    _USED.add(bare["code"])
    community = hub.as_viewer("community", community=bare["community"]["code"])
    missing = await _do(community, KIND, compoundCode=bare["code"], kind="UNIT_BUILT")
    assert missing["userErrors"][0]["field"] == "input.unitCode"
    stray = await _do(
        community, KIND, compoundCode=bare["code"], kind="COMMERCIAL", unitCode="U0001"
    )
    assert stray["userErrors"][0]["field"] == "input.unitCode"
    set_ = await _do(
        community, KIND, compoundCode=bare["code"], kind="UNIT_BUILT", unitCode="U0001"
    )
    assert set_["userErrors"] == []
    assert set_["compound"] == {"code": bare["code"], "kind": "UNIT_BUILT",
                                "selfBuiltUnitCode": "U0001", "isThreeNo": False}  # fmt: skip
    served = next(n for n in nodes if n["kind"] == "COMMERCIAL" and n["propertyCompany"])
    viewer = hub.as_viewer("community", community=served["community"]["code"])
    refused = await _do(viewer, KIND, compoundCode=served["code"], kind="THREE_NO")
    assert refused["userErrors"][0]["code"] == "INVALID_STATE"
    error = await hub.as_viewer("community", community="C999").error(
        KIND, {"input": {"compoundCode": bare["code"], "kind": "THREE_NO"}}
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
