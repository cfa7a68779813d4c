"""Master data of the community side through GraphQL (issue 14), on both backends: the
district creates a street and a community from nothing, the community its grids, compound,
building and households; updates record the changed fields, identical ones nothing;
retiring a grid keeps it readable and refuses new children; a code is never reused; the
set-based service upserts many rows (created, then unchanged) the way the import will."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from datasources.community import master
from datasources.community.models import Community, StateEvent
from datasources.scope import Role, Viewer
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.scales import SMALL
from tests.workflow import count, workflow_fixtures

workflow_db, hub = workflow_fixtures("master_data", SMALL)

ERRORS = "clientMutationId userErrors { code message field }"
HISTORY = "history { fromState toState note changes { field before after } }"
MUTATIONS = {
    "createStreet": ("CreateStreetInput", f"street {{ id code name kind status {HISTORY} }}"),
    "createCommunity": ("CreateCommunityInput", "community { id code name street { code } }"),
    "updateCommunity": ("UpdateCommunityInput", f"community {{ code address {HISTORY} }}"),
    "createGrid": ("CreateGridInput", f"grid {{ id code name level status retiredOn "
                                      f"parent {{ code }} {HISTORY} }}"),
    "updateGrid": ("UpdateGridInput", f"grid {{ code name level {HISTORY} }}"),
    "retireGrid": ("RetireInput", f"grid {{ code status retiredOn {HISTORY} }}"),
    "createCompound": ("CreateCompoundInput", "compound { code kind address grid { code } }"),
    "updateCompound": ("UpdateCompoundInput",
                       f"compound {{ code partyBranchName grid {{ code }} {HISTORY} }}"),
    "createBuilding": ("CreateBuildingInput", "building { code name floors households }"),
    "createHousehold": ("CreateHouseholdInput", "household { id code unitNo roomNo headName "
                                                "phone size status building { code } }"),
    "retireHousehold": ("RetireInput", "household { code status retiredOn }"),
    "createServiceCategory": ("CreateServiceCategoryInput",
                              "serviceCategory { code name year orderDueHours status }"),
    "retireServiceCategory": ("RetireInput", "serviceCategory { code status active retiredOn }"),
}  # fmt: skip


async def _call(viewer: GraphQLClient, mutation: str, **fields: Any) -> dict[str, Any]:
    kind, result = MUTATIONS[mutation]
    query = f"mutation($input: {kind}!) {{ {mutation}(input: $input) {{ {ERRORS} {result} }} }}"
    body = await viewer.raw(query, {"input": fields})
    if body.get("errors"):
        return {"errors": [e["extensions"]["code"] for e in body["errors"]]}
    payload: dict[str, Any] = body["data"][mutation]
    return payload


def _ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload.get("userErrors") == [], payload
    return payload


def _refused(payload: dict[str, Any]) -> tuple[str, str | None]:
    error = payload["userErrors"][0]
    return error["code"], error["field"]


async def _community_side(hub: GraphQLClient, suffix: str) -> GraphQLClient:
    """A street and a community made from nothing by the district; the community's client."""
    street = _ok(await _call(hub, "createStreet", name=f"新街道{suffix}", kind="TOWN"))["street"]
    assert street["code"].startswith("ST")
    assert street["status"] == "ACTIVE"
    assert street["history"][0]["toState"] == "created"
    made = _ok(await _call(hub, "createCommunity", code=f"MD{suffix}", name=f"新社区{suffix}",
                           streetCode=street["code"]))  # fmt: skip
    assert made["community"] == {"id": made["community"]["id"], "code": f"MD{suffix}",
                                 "name": f"新社区{suffix}", "street": {"code": street["code"]}}  # fmt: skip
    return hub.as_viewer("community", community=f"MD{suffix}")


async def test_a_community_side_is_built_from_nothing(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = await _community_side(hub, "A")
    top = _ok(await _call(committee, "createGrid", code="MDA-G3", name="第一网格",
                          communityCode="MDA", level=3))["grid"]  # fmt: skip
    assert top["parent"] is None
    assert top["status"] == "ACTIVE"
    child = _ok(await _call(committee, "createGrid", name="一网格二片", communityCode="MDA",
                            level=4, parentCode="MDA-G3"))["grid"]  # fmt: skip
    assert child["code"].startswith("GR")
    assert child["parent"] == {"code": "MDA-G3"}
    compound = _ok(await _call(committee, "createCompound", code="MDA-X1", name="幸福里",
                               communityCode="MDA", gridCode=child["code"], kind="THREE_NO",
                               address="幸福路 1 号"))["compound"]  # fmt: skip
    assert compound == {"code": "MDA-X1", "kind": "THREE_NO", "address": "幸福路 1 号",
                        "grid": {"code": child["code"]}}  # fmt: skip
    building = _ok(await _call(committee, "createBuilding", code="MDA-X1-3", name="3栋",
                               compoundCode="MDA-X1", floors=7, households=28))["building"]  # fmt: skip
    assert building == {"code": "MDA-X1-3", "name": "3栋", "floors": 7, "households": 28}
    home = _ok(await _call(committee, "createHousehold", buildingCode="MDA-X1-3", unitNo="2单元",
                           roomNo="502", headName="王芳", phone="13800138000", size=3))  # fmt: skip
    assert home["household"]["building"] == {"code": "MDA-X1-3"}
    assert home["household"]["headName"] == "王芳"
    assert home["household"]["status"] == "ACTIVE"
    # One household per dwelling in force; a phone is a mobile number.
    again = await _call(committee, "createHousehold", buildingCode="MDA-X1-3", unitNo="2单元",
                        roomNo="502", headName="李雷")  # fmt: skip
    assert _refused(again) == ("DUPLICATE", "input.roomNo")
    bad = await _call(committee, "createHousehold", buildingCode="MDA-X1-3", roomNo="503",
                      headName="李雷", phone="12345")  # fmt: skip
    assert _refused(bad) == ("INVALID_INPUT", "input.phone")
    assert "手机" in bad["userErrors"][0]["message"]
    # A building's name is unique in its compound; a grid's parent is higher up.
    twin = await _call(committee, "createBuilding", name="3栋", compoundCode="MDA-X1")
    assert _refused(twin) == ("DUPLICATE", "input.name")
    low = await _call(committee, "createGrid", name="倒挂", communityCode="MDA", level=3,
                      parentCode=child["code"])  # fmt: skip
    assert _refused(low) == ("INVALID_INPUT", "input.parentCode")
    # The tree reads back through the places API, households on the building.
    read = await committee.query(
        """query { compound(code: "MDA-X1") { buildings(first: 5) { edges { node {
             code householdRecords { roomNo headName } } } } } }"""
    )
    node = read["compound"]["buildings"]["edges"][0]["node"]
    assert node["householdRecords"] == [{"roomNo": "502", "headName": "王芳"}]
    # Retiring the household frees the dwelling; the record stays, retired.
    gone = _ok(await _call(committee, "retireHousehold", code=home["household"]["code"],
                           reason="迁出"))["household"]  # fmt: skip
    assert gone["status"] == "RETIRED"
    assert gone["retiredOn"] is not None
    _ok(await _call(committee, "createHousehold", buildingCode="MDA-X1-3", unitNo="2单元",
                    roomNo="502", headName="李雷"))  # fmt: skip
    assert await count(workflow_db, "SELECT count(*) FROM households WHERE room_no = '502'") == 2


async def test_updates_record_changed_fields_and_identical_ones_nothing(hub: GraphQLClient) -> None:
    committee = await _community_side(hub, "B")
    _ok(await _call(committee, "createGrid", code="MDB-G", name="旧名", communityCode="MDB",
                    level=3))  # fmt: skip
    changed = _ok(await _call(committee, "updateGrid", code="MDB-G", name="新名"))["grid"]
    assert changed["name"] == "新名"
    assert changed["level"] == 3
    assert [e["toState"] for e in changed["history"]] == ["created", "updated"]
    assert changed["history"][1]["changes"] == [{"field": "name", "before": "旧名",
                                                 "after": "新名"}]  # fmt: skip
    same = _ok(await _call(committee, "updateGrid", code="MDB-G", name="新名", level=3))["grid"]
    assert len(same["history"]) == 2  # unchanged: no history
    # A compound moves to another grid: its history names both grids by code.
    _ok(await _call(committee, "createGrid", code="MDB-G2", name="二格", communityCode="MDB",
                    level=3))  # fmt: skip
    _ok(await _call(committee, "createCompound", code="MDB-X", name="小区", communityCode="MDB",
                    gridCode="MDB-G"))  # fmt: skip
    moved = _ok(await _call(committee, "updateCompound", code="MDB-X", gridCode="MDB-G2"))
    assert moved["compound"]["grid"] == {"code": "MDB-G2"}
    assert moved["compound"]["history"][-1]["changes"] == [
        {"field": "gridCode", "before": "MDB-G", "after": "MDB-G2"}
    ]
    branch = _ok(await _call(committee, "updateCompound", code="MDB-X",
                             partyBranchName="小区党支部"))["compound"]  # fmt: skip
    assert branch["partyBranchName"] == "小区党支部"
    created = moved["compound"]["history"][0]["changes"]
    assert {"field": "gridCode", "before": None, "after": "MDB-G"} in created
    # The district changes the community's address; an explicit null clears it again.
    moved = _ok(await _call(hub, "updateCommunity", code="MDB", address="新址 8 号"))
    assert moved["community"]["address"] == "新址 8 号"
    assert moved["community"]["history"][-1]["changes"] == [
        {"field": "address", "before": None, "after": "新址 8 号"}
    ]
    cleared = _ok(await _call(hub, "updateCommunity", code="MDB", address=None))
    assert cleared["community"]["address"] is None


async def test_a_retired_grid_stays_and_takes_no_children_and_its_code_is_never_reused(
    hub: GraphQLClient,
) -> None:
    committee = await _community_side(hub, "C")
    _ok(await _call(committee, "createGrid", code="MDC-G", name="待撤销", communityCode="MDC",
                    level=3))  # fmt: skip
    retired = _ok(await _call(committee, "retireGrid", code="MDC-G", reason="网格调整"))["grid"]
    assert retired["status"] == "RETIRED"
    assert retired["retiredOn"] is not None
    assert retired["history"][-1]["toState"] == "retired"
    assert retired["history"][-1]["note"] == "网格调整"
    # Still readable by its code.
    read = await committee.query('query { grid(code: "MDC-G") { status retiredOn } }')
    assert read["grid"]["status"] == "RETIRED"
    # Lists show the grids in force, and retired ones too when asked.
    lists = await committee.query(
        """query { community(code: "MDC") {
             grids(first: 50) { edges { node { code } } }
             all: grids(first: 50, filter: {includeRetired: true}) { edges { node { code } } } } }"""
    )
    codes = {key: {e["node"]["code"] for e in lists["community"][key]["edges"]}
             for key in ("grids", "all")}  # fmt: skip
    assert "MDC-G" not in codes["grids"]
    assert "MDC-G" in codes["all"]
    # Its history is the community's (and the district's), not a member's to read.
    member = hub.as_viewer("member", member="M000001")
    seen = await member.query('query { grid(code: "MDC-G") { status history { toState } } }')
    assert seen["grid"] == {"status": "RETIRED", "history": []}
    district = await hub.query('query { grid(code: "MDC-G") { history { toState } } }')
    assert [e["toState"] for e in district["grid"]["history"]] == ["created", "retired"]
    child = await _call(committee, "createGrid", name="下级", communityCode="MDC", level=4,
                        parentCode="MDC-G")  # fmt: skip
    assert _refused(child) == ("INVALID_STATE", "input.parentCode")
    placed = await _call(committee, "createCompound", name="小区", communityCode="MDC",
                         gridCode="MDC-G")  # fmt: skip
    assert _refused(placed) == ("INVALID_STATE", "input.gridCode")
    assert _refused(await _call(committee, "updateGrid", code="MDC-G", name="改")) == (
        "INVALID_STATE", "input.code")  # fmt: skip
    assert _refused(await _call(committee, "retireGrid", code="MDC-G"))[0] == "INVALID_STATE"
    # Its code is never given again, not even for another community's grid.
    reused = await _call(committee, "createGrid", code="MDC-G", name="同码", communityCode="MDC",
                         level=3)  # fmt: skip
    assert _refused(reused) == ("DUPLICATE", "input.code")
    # A code is validated; hub-assigned codes are all different.
    assert _refused(await _call(committee, "createGrid", code="坏 码", name="x",
                                communityCode="MDC", level=3)) == ("INVALID_INPUT", "input.code")  # fmt: skip
    codes = {(_ok(await _call(committee, "createGrid", name=f"格{i}", communityCode="MDC",
                              level=3)))["grid"]["code"] for i in range(3)}  # fmt: skip
    assert len(codes) == 3


async def test_who_may_keep_master_data(hub: GraphQLClient) -> None:
    committee = await _community_side(hub, "D")
    other = hub.as_viewer("community", community="C001")
    # Another community's code is as unknown to him as a code that does not exist; a
    # community may not create streets at all.
    assert _refused(await _call(other, "createGrid", name="越界", communityCode="MDD",
                                level=3)) == ("NOT_FOUND", "input.communityCode")  # fmt: skip
    assert (await _call(committee, "createStreet", name="越权"))["errors"] == ["FORBIDDEN"]
    worker = hub.as_viewer("grid_worker", community="MDD", grid="x")
    assert (await _call(worker, "createGrid", name="网格员", communityCode="MDD", level=3))[
        "errors"] == ["FORBIDDEN"]  # fmt: skip
    _ok(await _call(committee, "createCompound", code="MDD-X", name="小区", communityCode="MDD"))
    _ok(await _call(committee, "createBuilding", code="MDD-X-1", name="1栋",
                    compoundCode="MDD-X"))  # fmt: skip
    home = _ok(await _call(committee, "createHousehold", code="MDD-H1", buildingCode="MDD-X-1",
                           roomNo="101", headName="张三", phone="13900139000"))  # fmt: skip
    assert home["household"]["code"] == "MDD-H1"
    # Households are personal: only the community's roles (and the district) read them.
    query = 'query { household(code: "MDD-H1") { headName phone } }'
    assert (await committee.query(query))["household"]["headName"] == "张三"
    assert (await hub.query(query))["household"]["phone"] == "13900139000"
    for outsider in (other, hub.as_viewer("member", member="M000001"),
                     hub.as_viewer("resident", community="MDD"), hub.anonymous()):  # fmt: skip
        assert (await outsider.query(query))["household"] is None
    # Idempotent creation: a retried request gets the first result.
    first = _ok(await _call(hub, "createServiceCategory", name="助老", year=2027,
                            orderDueHours=48, clientMutationId="cat-1"))  # fmt: skip
    again = _ok(await _call(hub, "createServiceCategory", name="助老", year=2027,
                            orderDueHours=48, clientMutationId="cat-1"))  # fmt: skip
    assert first["serviceCategory"]["code"] == again["serviceCategory"]["code"]
    assert first["serviceCategory"]["year"] == 2027
    assert first["serviceCategory"]["orderDueHours"] == 48
    stopped = _ok(await _call(hub, "retireServiceCategory",
                              code=first["serviceCategory"]["code"]))["serviceCategory"]  # fmt: skip
    assert stopped["status"] == "RETIRED"
    assert stopped["active"] is False


@pytest.fixture
async def session(workflow_db: DatabasePair) -> Any:
    engine = create_async_engine(workflow_db.community_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as open_session:
            yield open_session
    finally:
        await engine.dispose()


async def test_the_service_upserts_many_rows_set_based(
    hub: GraphQLClient, session: AsyncSession
) -> None:
    committee = await _community_side(hub, "E")
    _ok(await _call(committee, "createCompound", code="MDE-X", name="小区", communityCode="MDE"))
    _ok(await _call(committee, "createBuilding", code="MDE-X-1", name="1栋",
                    compoundCode="MDE-X"))  # fmt: skip
    actor = Viewer(role=Role.COMMUNITY, subject="importer", community="MDE")
    cells_community = await session.scalar(select(Community.id).where(Community.code == "MDE"))
    await session.commit()
    rows: list[dict[str, object]] = [
        {"code": f"MDE-H{i:04d}", "buildingCode": "MDE-X-1", "unitNo": f"{i % 4 + 1}单元",
         "roomNo": str(i), "headName": f"户主{i}", "phone": f"139{i:08d}", "size": i % 5 + 1}
        for i in range(600)
    ]  # fmt: skip
    async with session.begin():
        done = await master.apply(session, master.HOUSEHOLDS, rows, actor)
    assert (done.created, done.updated, done.unchanged, done.problems) == (600, 0, 0, [])
    rows[7] = {**rows[7], "size": 9}
    rows.append({"code": "MDE-H0001", "buildingCode": "NOPE", "roomNo": "1", "headName": "重复"})
    async with session.begin():
        refused = await master.apply(session, master.HOUSEHOLDS, rows, actor)
    assert [(p.row, p.field, p.code) for p in refused.problems] == [(600, "code", "duplicate")]
    assert refused.created == refused.updated == 0
    rows.pop()
    # Cells as a spreadsheet has them: numbers as text, an enum by its Chinese label.
    async with session.begin():
        cells = await master.apply(session, master.COMPOUNDS, [
            {"code": "MDE-Y", "name": "三无院", "communityCode": "MDE", "kind": "三无小区"},
            {"code": "MDE-Z", "name": "坏类型", "communityCode": "MDE", "kind": "别墅"},
        ], actor, community=cells_community)  # fmt: skip
    assert [(p.row, p.field) for p in cells.problems] == [(1, "kind")]
    async with session.begin():
        fine = await master.apply(session, master.COMPOUNDS, [
            {"code": "MDE-Y", "name": "三无院", "communityCode": "MDE", "kind": "三无小区"},
        ], actor, community=cells_community)  # fmt: skip
    assert fine.created == 1
    async with session.begin():
        again = await master.apply(session, master.HOUSEHOLDS, rows, actor)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 599)
    events = await session.scalar(
        select(func.count()).select_from(StateEvent).where(
            StateEvent.entity_type == "Household",
            StateEvent.entity_id == again.ids[7],
        )
    )  # fmt: skip
    assert events == 2  # created, updated; the 599 unchanged rows wrote no history


CRITERIA = """mutation($input: SetPropertyCriteriaInput!) { setPropertyCriteria(input: $input) {
  clientMutationId userErrors { code message field } criteria { code name scorer maxScore } } }"""
TIERS = """mutation($input: SetPropertyAwardTiersInput!) { setPropertyAwardTiers(input: $input) {
  userErrors { code field } tiers { name minTotal amountYuan passes } } }"""
FOUND = """mutation($input: FoundAllianceInput!) { foundAlliance(input: $input) {
  userErrors { code message field } alliance { code name foundedOn
    memberships { partyCode rotationOrder }
    chairSchedule { startsOn endsOn chair { partyCode } } } } }"""


async def test_the_district_sets_a_years_reference_data(hub: GraphQLClient) -> None:
    criteria = [{"code": "K1", "name": "党建引领", "scorer": "COMMUNITY", "maxScore": 40},
                {"code": "K2", "name": "服务质量", "scorer": "BRANCH", "maxScore": 60}]  # fmt: skip
    done = await hub.query(CRITERIA, {"input": {"year": 2031, "criteria": criteria}})
    assert done["setPropertyCriteria"]["userErrors"] == []
    assert [c["code"] for c in done["setPropertyCriteria"]["criteria"]] == ["K1", "K2"]
    again = await hub.query(CRITERIA, {"input": {"year": 2031, "criteria": [
        {"code": "K2", "name": "服务质量", "scorer": "BRANCH", "maxScore": 50}]}})  # fmt: skip
    now = {c["code"]: c["maxScore"] for c in again["setPropertyCriteria"]["criteria"]}
    assert now == {"K1": 40, "K2": 50}  # upserted by code, nothing deleted
    # A year already scored keeps its criteria.
    scored = await hub.query(CRITERIA, {"input": {"year": 2025, "criteria": criteria}})
    assert scored["setPropertyCriteria"]["userErrors"][0]["code"] == "INVALID_STATE"
    community = hub.as_viewer("community", community="C001")
    assert (await community.raw(CRITERIA, {"input": {"year": 2031, "criteria": criteria}}))[
        "errors"][0]["extensions"]["code"] == "FORBIDDEN"  # fmt: skip
    tiers = [{"name": "优秀", "minTotal": "90", "amountYuan": "50000"},
             {"name": "合格", "minTotal": "60", "amountYuan": "10000"}]  # fmt: skip
    set_tiers = await hub.query(TIERS, {"input": {"year": 2031, "tiers": tiers}})
    assert [t["name"] for t in set_tiers["setPropertyAwardTiers"]["tiers"]] == ["优秀", "合格"]
    twice = await hub.query(TIERS, {"input": {"year": 2031, "tiers": [tiers[0], tiers[0]]}})
    assert twice["setPropertyAwardTiers"]["userErrors"] == [
        {"code": "DUPLICATE", "field": "input.tiers.1.name"}
    ]
    # An alliance founded with its parties and chair rota.
    founding = {"code": "AL-NEW", "name": "新城党建联盟", "foundedOn": "2027-01-01",
                "meetingFrequency": "QUARTERLY", "chairTermMonths": 6, "chairTerms": 3,
                "parties": [{"kind": "COMMUNITY", "code": "C001", "rotationOrder": 2},
                            {"kind": "UNIT", "code": "U0001", "rotationOrder": 1}]}  # fmt: skip
    made = (await hub.query(FOUND, {"input": founding}))["foundAlliance"]
    assert made["userErrors"] == []
    alliance = made["alliance"]
    assert {m["partyCode"] for m in alliance["memberships"]} == {"C001", "U0001"}
    assert [(t["startsOn"], t["chair"]["partyCode"]) for t in alliance["chairSchedule"]] == [
        ("2027-01-01", "U0001"), ("2027-07-01", "C001"), ("2028-01-01", "U0001")]  # fmt: skip
    same = (await hub.query(FOUND, {"input": founding}))["foundAlliance"]
    assert same["userErrors"][0]["code"] == "DUPLICATE"
    alone = {**founding, "code": None, "parties": founding["parties"][:1]}
    assert (await hub.query(FOUND, {"input": alone}))["foundAlliance"]["userErrors"][0][
        "code"] == "INVALID_INPUT"  # fmt: skip
    unknown = {**founding, "code": None, "parties": [
        *founding["parties"], {"kind": "COMMUNITY", "code": "NOPE", "rotationOrder": 3}]}  # fmt: skip
    assert (await hub.query(FOUND, {"input": unknown}))["foundAlliance"]["userErrors"][0][
        "code"] == "NOT_FOUND"  # fmt: skip


async def test_seeded_households_carry_their_history(hub: GraphQLClient) -> None:
    """The demo data exercises households: one moved out (retired) per community, a new
    household in its dwelling, and each household's history with its fields."""
    committee = hub.as_viewer("community", community="C001")
    data = await committee.query(
        """query { community(code: "C001") { compounds(first: 100) { edges { node {
             buildings(first: 100) { edges { node { householdRecords {
               roomNo unitNo status history { toState changes { field after } } } } } } } } } } }"""
    )
    records = [h for c in data["community"]["compounds"]["edges"]
               for b in c["node"]["buildings"]["edges"] for h in b["node"]["householdRecords"]]  # fmt: skip
    assert {h["status"] for h in records} == {"ACTIVE", "RETIRED"}
    retired = next(h for h in records if h["status"] == "RETIRED")
    assert [e["toState"] for e in retired["history"]] == ["created", "retired"]
    assert {"field": "roomNo", "after": retired["roomNo"]} in retired["history"][0]["changes"]
    same_dwelling = [h for h in records
                     if (h["unitNo"], h["roomNo"]) == (retired["unitNo"], retired["roomNo"])]  # fmt: skip
    assert len(same_dwelling) >= 2


# Each mutation on a row of another community (by its code, or naming it as the parent),
# with the field that names it. `{x}` is replaced by the code: the other community's row's,
# or one that does not exist.
OUTSIDE: list[tuple[str, str, dict[str, Any]]] = [
    ("createGrid", "communityCode", {"name": "越界", "communityCode": "{community}", "level": 3}),
    ("createGrid", "parentCode", {"name": "越界", "communityCode": "MDY", "level": 4,
                                  "parentCode": "{grid}"}),
    ("updateGrid", "code", {"code": "{grid}", "name": "改"}),
    ("retireGrid", "code", {"code": "{grid}"}),
    ("createCompound", "communityCode", {"name": "越界", "communityCode": "{community}"}),
    ("createCompound", "gridCode", {"name": "越界", "communityCode": "MDY", "gridCode": "{grid}"}),
    ("updateCompound", "code", {"code": "{compound}", "name": "改"}),
    ("retireCompound", "code", {"code": "{compound}"}),
    ("createBuilding", "compoundCode", {"name": "9栋", "compoundCode": "{compound}"}),
    ("updateBuilding", "code", {"code": "{building}", "name": "改"}),
    ("retireBuilding", "code", {"code": "{building}"}),
    ("createHousehold", "buildingCode", {"buildingCode": "{building}", "roomNo": "909",
                                         "headName": "李四"}),
    ("updateHousehold", "code", {"code": "{household}", "roomNo": "102"}),
    ("updateHousehold", "buildingCode", {"code": "MDY-H", "buildingCode": "{building}"}),
    ("retireHousehold", "code", {"code": "{household}"}),
]  # fmt: skip
INPUTS = {"create": "Create{}Input", "update": "Update{}Input", "retire": "RetireInput"}


def _filled(fields: dict[str, Any], code: str) -> dict[str, Any]:
    return {k: v.replace("{" + v.strip("{}") + "}", code) if isinstance(v, str) and
            v.startswith("{") else v for k, v in fields.items()}  # fmt: skip


async def _user_error(viewer: GraphQLClient, mutation: str, fields: dict[str, Any]) -> Any:
    verb = next(v for v in INPUTS if mutation.startswith(v))
    kind = INPUTS[verb].format(mutation[len(verb) :])
    query = f"mutation($input: {kind}!) {{ {mutation}(input: $input) {{ {ERRORS} }} }}"
    body = await viewer.raw(query, {"input": fields})
    assert not body.get("errors"), body
    return body["data"][mutation]["userErrors"]


async def test_rows_of_another_community_are_as_unknown_as_missing_ones(
    hub: GraphQLClient,
) -> None:
    """No existence leak: acting on another community's grid, compound, building or
    household, by its code or as a parent, is refused exactly as a code that does not exist
    (NOT_FOUND, the same message), even when that row is retired."""
    theirs = await _community_side(hub, "Z")
    ours = await _community_side(hub, "Y")
    rows = {"community": "MDZ", "grid": "MDZ-G", "compound": "MDZ-X", "building": "MDZ-X-1",
            "household": "MDZ-H"}  # fmt: skip
    _ok(await _call(theirs, "createGrid", code="MDZ-G", name="格", communityCode="MDZ", level=3))
    _ok(await _call(theirs, "createCompound", code="MDZ-X", name="小区", communityCode="MDZ"))
    _ok(await _call(theirs, "createBuilding", code="MDZ-X-1", name="1栋", compoundCode="MDZ-X"))
    _ok(await _call(theirs, "createHousehold", code="MDZ-H", buildingCode="MDZ-X-1",
                    roomNo="101", headName="张三"))  # fmt: skip
    _ok(await _call(ours, "createCompound", code="MDY-X", name="小区", communityCode="MDY"))
    _ok(await _call(ours, "createBuilding", code="MDY-X-1", name="1栋", compoundCode="MDY-X"))
    _ok(await _call(ours, "createHousehold", code="MDY-H", buildingCode="MDY-X-1",
                    roomNo="101", headName="王五"))  # fmt: skip
    for retired in (False, True):
        if retired:  # a retired row of theirs is no more known than a live one
            _ok(await _call(theirs, "retireHousehold", code="MDZ-H"))
        for mutation, field, fields in OUTSIDE:
            target = next(rows[k] for k in rows if fields.get(field) == "{" + k + "}")
            outside = await _user_error(ours, mutation, _filled(fields, target))
            missing = await _user_error(ours, mutation, _filled(fields, "NOPE-1"))
            assert outside, (mutation, field)
            assert missing, (mutation, field)
            shown = [(e["code"], e["field"], e["message"].replace(target, "?")) for e in outside]
            unknown = [(e["code"], e["field"], e["message"].replace("NOPE-1", "?"))
                       for e in missing]  # fmt: skip
            assert shown == unknown, (mutation, field, retired)
            assert shown[0][:2] == ("NOT_FOUND", f"input.{field}"), (mutation, field)


async def test_streets_of_another_district_are_unknown(
    hub: GraphQLClient, session: AsyncSession
) -> None:
    """A district creates communities only on its own streets: a street of another district,
    like an unknown one, is NOT_FOUND; nor does it update or retire the other's streets and
    communities."""
    from datasources.community.models import District

    session.add(District(code="OTHER-D", name="别区", city="佛山市"))
    await session.commit()
    other = hub.as_viewer("district", district="OTHER-D")
    street = _ok(await _call(other, "createStreet", name="别区街道"))["street"]["code"]
    _ok(await _call(other, "createCommunity", code="MDO", name="别区社区", streetCode=street))
    own_street = _ok(await _call(hub, "createStreet", name="本区街道"))["street"]["code"]
    cases = [
        ("createCommunity", "streetCode", {"name": "越界", "streetCode": "{street}"}),
        ("updateCommunity", "streetCode", {"code": "MDO", "name": "改"}),
        ("updateCommunity", "code", {"code": "{community}", "name": "改"}),
        ("updateStreet", "code", {"code": "{street}", "name": "改"}),
        ("retireStreet", "code", {"code": "{street}"}),
        ("retireCommunity", "code", {"code": "{community}"}),
    ]  # fmt: skip
    rows = {"street": street, "community": "MDO"}
    for mutation, field, fields in cases:
        if mutation == "updateCommunity" and field == "streetCode":
            # moving its own community onto the other district's street
            mine = _ok(await _call(hub, "createCommunity", name="本区社区",
                                   streetCode=own_street))["community"]["code"]  # fmt: skip
            fields = {"code": mine, "streetCode": "{street}"}
        target = next(rows[k] for k in rows if fields.get(field) == "{" + k + "}")
        outside = await _user_error(hub, mutation, _filled(fields, target))
        missing = await _user_error(hub, mutation, _filled(fields, "NOPE-1"))
        shown = [(e["code"], e["field"], e["message"].replace(target, "?")) for e in outside]
        unknown = [(e["code"], e["field"], e["message"].replace("NOPE-1", "?")) for e in missing]
        assert shown == unknown, mutation
        assert shown, mutation
        assert shown[0][:2] == ("NOT_FOUND", f"input.{field}"), (mutation, shown)
