"""Master data of the units side through GraphQL (单位侧主数据), on both backends: a small
district built from nothing through the mutations; a transfer that keeps a member's reports,
evaluations and performance; retiring a branch and a unit; codes never reused; the history
of each; and the set-based service the import uses, on 20,000 rows in one call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from datasources.base import create_engine_for
from datasources.units import master
from datasources.units.master_history import Actor
from datasources.units.models import MasterEvent, Member
from resolvers.workflow import today_in_china
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL

ERRORS = "clientMutationId userErrors { code message field }"
HISTORY = (
    "history { action fromState toState note actorRole changes { field before after personal } }"
)
UNIT = f"workUnit {{ id code name kind level districtName address status retiredOn {HISTORY} }}"
BRANCH = f"partyBranch {{ id code name status retiredOn unit {{ code }} {HISTORY} }}"
MEMBER = (
    "member { id code name phone politicalStatus inService status leftOn leftReason "
    "fullMemberOn serviceEndedOn serviceEndReason unit { code } branch { code } "
    f"{HISTORY} }}"
)


def _mutation(name: str, input_type: str, result: str) -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {ERRORS} {result} }} }}"


CREATE_UNIT = _mutation("createWorkUnit", "CreateWorkUnitInput", UNIT)
UPDATE_UNIT = _mutation("updateWorkUnit", "UpdateWorkUnitInput", UNIT)
RETIRE_UNIT = _mutation("retireWorkUnit", "RetireOrganisationInput", UNIT)
CREATE_BRANCH = _mutation("createPartyBranch", "CreatePartyBranchInput", BRANCH)
UPDATE_BRANCH = _mutation("updatePartyBranch", "UpdatePartyBranchInput", BRANCH)
RETIRE_BRANCH = _mutation("retirePartyBranch", "RetireOrganisationInput", BRANCH)
CREATE_MEMBER = _mutation("createMember", "CreateMemberInput", MEMBER)
UPDATE_MEMBER = _mutation("updateMember", "UpdateMemberInput", MEMBER)
TRANSFER = _mutation("transferMember", "TransferMemberInput", MEMBER)
CONFIRM = _mutation("confirmFullMembership", "ConfirmFullMembershipInput", MEMBER)
LEAVE = _mutation("endPartyMembership", "MemberStandingInput", MEMBER)
END_SERVICE = _mutation("endMemberService", "MemberStandingInput", MEMBER)


async def _ok(client: GraphQLClient, query: str, values: dict[str, Any]) -> dict[str, Any]:
    """The payload of a mutation that must succeed."""
    data = await client.query(query, {"input": values})
    payload: dict[str, Any] = next(iter(data.values()))
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


async def _refused(client: GraphQLClient, query: str, values: dict[str, Any]) -> dict[str, Any]:
    """The first user error of a mutation that must be refused (nothing else returned)."""
    data = await client.query(query, {"input": values})
    payload: dict[str, Any] = next(iter(data.values()))
    assert payload["userErrors"], payload
    assert all(value is None for key, value in payload.items()
               if key not in ("userErrors", "clientMutationId"))  # fmt: skip
    error: dict[str, Any] = payload["userErrors"][0]
    return error


async def _list_codes(client: GraphQLClient, field: str, filter: str = "") -> set[str]:
    args = f"(first: 100{', filter: ' + filter if filter else ''})"
    data = await client.query(f"{{ {field}{args} {{ edges {{ node {{ code }} }} }} }}")
    return {edge["node"]["code"] for edge in data[field]["edges"]}


@pytest.fixture
async def hub(empty_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(empty_db, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


async def test_a_district_from_nothing(hub: GraphQLClient) -> None:
    today = today_in_china()
    # The district organisation department creates the units: one code given, one assigned.
    bureau = (await _ok(hub, CREATE_UNIT, {
        "code": "QWZZB", "name": "区委组织部", "kind": "AGENCY", "level": "DISTRICT",
        "districtName": "禅城区", "address": "季华五路1号", "clientMutationId": "u-1",
    }))["workUnit"]  # fmt: skip
    assert (bureau["code"], bureau["status"]) == ("QWZZB", "ACTIVE")
    assert bureau["history"][0]["action"] == "created"
    retried = (await _ok(hub, CREATE_UNIT, {
        "code": "QWZZB", "name": "区委组织部", "kind": "AGENCY", "level": "DISTRICT",
        "districtName": "禅城区", "clientMutationId": "u-1",
    }))["workUnit"]  # fmt: skip
    assert retried["id"] == bureau["id"]  # the same request again: its first result
    hospital = (await _ok(hub, CREATE_UNIT, {
        "name": "区人民医院", "kind": "PUBLIC_INSTITUTION", "level": "DISTRICT",
        "districtName": "禅城区",
    }))["workUnit"]  # fmt: skip
    assert hospital["code"].startswith("U")
    taken = await _refused(hub, CREATE_UNIT, {
        "code": "QWZZB", "name": "另一个单位", "kind": "AGENCY", "level": "CITY",
        "districtName": "禅城区",
    })  # fmt: skip
    assert (taken["code"], taken["field"]) == ("DUPLICATE", "input.code")
    # Two requests racing for one code: one unit, the other a DUPLICATE user error.
    raced = await asyncio.gather(*(
        hub.query(CREATE_UNIT, {"input": {"code": "RACE", "name": f"单位{n}", "kind": "AGENCY",
                                          "level": "CITY", "districtName": "禅城区"}})
        for n in range(2)
    ))  # fmt: skip
    outcomes = sorted(str(r["createWorkUnit"]["userErrors"][:1]) for r in raced)
    assert outcomes[0] == "[]", outcomes
    assert "DUPLICATE" in outcomes[1], outcomes
    bad_code = await _refused(hub, CREATE_UNIT, {
        "code": "区 委", "name": "x", "kind": "AGENCY", "level": "CITY", "districtName": "禅城区",
    })  # fmt: skip
    assert (bad_code["code"], bad_code["field"]) == ("INVALID_INPUT", "input.code")
    renamed = await _ok(hub, UPDATE_UNIT, {"code": hospital["code"], "name": "区第一人民医院"})
    assert renamed["workUnit"]["name"] == "区第一人民医院"
    assert renamed["workUnit"]["history"][-1]["changes"] == [
        {"field": "name", "before": "区人民医院", "after": "区第一人民医院", "personal": False}
    ]
    unchanged = await _ok(hub, UPDATE_UNIT, {"code": hospital["code"], "name": "区第一人民医院"})
    assert len(unchanged["workUnit"]["history"]) == 2  # identical: no history

    # The hospital's own Party organisation creates its branches and members.
    the_hospital = hub.as_viewer("unit_branch", unit=hospital["code"])
    forbidden = await the_hospital.error(CREATE_UNIT, {"input": {
        "name": "x", "kind": "AGENCY", "level": "CITY", "districtName": "禅城区"}})  # fmt: skip
    assert forbidden["extensions"]["code"] == "FORBIDDEN"
    not_its_unit = await _refused(the_hospital, CREATE_BRANCH, {
        "name": "机关党支部", "unitCode": "QWZZB"})  # fmt: skip
    assert (not_its_unit["code"], not_its_unit["field"]) == ("NOT_FOUND", "input.unitCode")
    (await _ok(the_hospital, CREATE_BRANCH, {
        "code": "YY-NK", "name": "内科党支部", "unitCode": hospital["code"],
        "secretaryName": "李明", "foundedOn": "2001-07-01",
    }))["partyBranch"]  # fmt: skip
    surgery = (await _ok(the_hospital, CREATE_BRANCH, {
        "name": "外科党支部", "unitCode": hospital["code"]}))["partyBranch"]  # fmt: skip
    assert surgery["code"].startswith("B")
    assert surgery["unit"]["code"] == hospital["code"]
    organs = (
        await _ok(
            hub, CREATE_BRANCH, {"code": "ZZB-1", "name": "组织部机关党支部", "unitCode": "QWZZB"}
        )
    )["partyBranch"]
    future = await _refused(the_hospital, CREATE_BRANCH, {
        "name": "未来支部", "unitCode": hospital["code"],
        "foundedOn": (today + timedelta(days=2)).isoformat(),
    })  # fmt: skip
    assert (future["code"], future["field"]) == ("INVALID_INPUT", "input.foundedOn")

    member = {
        "code": "YY0001", "name": "王芳", "gender": "FEMALE", "phone": "13800138000",
        "unitCode": hospital["code"], "branchCode": "YY-NK", "politicalStatus": "PROBATIONARY",
        "joinedPartyOn": (today - timedelta(days=400)).isoformat(), "birthDate": "1990-05-01",
        "jobTitle": "主治医师", "skills": ["义诊", "急救"], "clientMutationId": "m-1",
    }  # fmt: skip
    wang = (await _ok(the_hospital, CREATE_MEMBER, member))["member"]
    assert (wang["code"], wang["branch"]["code"], wang["status"]) == ("YY0001", "YY-NK", "ACTIVE")
    again = (await _ok(the_hospital, CREATE_MEMBER, member))["member"]
    assert again["id"] == wang["id"]
    created = wang["history"][0]
    assert created["action"] == "created"
    personal = {c["field"] for c in created["changes"] if c["personal"]}
    assert personal == {"name", "phone", "skills", "birthDate"}
    assert all(c["before"] is None and c["after"] is None
               for c in created["changes"] if c["personal"])  # fmt: skip
    assigned = (await _ok(the_hospital, CREATE_MEMBER, {
        "name": "赵强", "gender": "MALE", "branchCode": surgery["code"],
        "politicalStatus": "FULL", "joinedPartyOn": "2010-07-01", "birthDate": "1985-02-03",
    }))["member"]  # fmt: skip
    assert assigned["code"].startswith("M")
    assert assigned["unit"]["code"] == hospital["code"]

    for values, field in (
        ({"phone": "12345"}, "input.phone"),
        ({"branchCode": "ZZB-1"}, "input.branchCode"),  # not a branch of the hospital
        ({"birthDate": (today + timedelta(days=1)).isoformat()}, "input.birthDate"),
        ({"joinedPartyOn": "2000-01-01", "birthDate": "1990-01-01"}, "input.joinedPartyOn"),
        ({"politicalStatus": "ACTIVIST"}, "input.joinedPartyOn"),  # activists have not joined
        ({"branchCode": "NOPE"}, "input.branchCode"),
    ):
        refused = await _refused(hub, CREATE_MEMBER, {**member, "code": "YY0009",
                                 "clientMutationId": None, **values})  # fmt: skip
        assert refused["field"] == field, (values, refused)
    assert await _list_codes(hub, "members") == {"YY0001", assigned["code"]}

    # His record changes: the phone (personal) is recorded as changed, without values.
    updated = (
        await _ok(
            the_hospital,
            UPDATE_MEMBER,
            {"code": "YY0001", "phone": "13900139000", "jobTitle": "副主任医师"},
        )
    )["member"]
    changes = {c["field"]: c for c in updated["history"][-1]["changes"]}
    assert changes["phone"] == {"field": "phone", "before": None, "after": None, "personal": True}
    assert changes["jobTitle"]["before"] == "主治医师"
    assert "13800138000" not in str(updated["history"])
    # 转正: not before a year of probation; then a full member with the date.
    early = await _refused(
        the_hospital,
        CONFIRM,
        {"code": "YY0001", "confirmedOn": (today - timedelta(days=100)).isoformat()},
    )
    assert early["field"] == "input.on"
    full = (await _ok(the_hospital, CONFIRM, {"code": "YY0001"}))["member"]
    assert (full["politicalStatus"], full["fullMemberOn"]) == ("FULL", today.isoformat())
    assert full["history"][-1]["action"] == "confirmed_full"
    twice = await _refused(the_hospital, CONFIRM, {"code": "YY0001"})
    assert twice["code"] == "INVALID_STATE"

    # Retiring a branch: refused while members are in it; transfer them, then retire.
    busy = await _refused(the_hospital, RETIRE_BRANCH, {"code": "YY-NK", "reason": "科室合并"})
    assert busy["code"] == "INVALID_STATE"
    moved = (
        await _ok(
            the_hospital,
            TRANSFER,
            {"code": "YY0001", "branchCode": surgery["code"], "reason": "科室合并"},
        )
    )["member"]
    assert moved["branch"]["code"] == surgery["code"]
    transfer = moved["history"][-1]
    assert (transfer["action"], transfer["note"]) == ("transferred", "科室合并")
    assert {"field": "branchCode", "before": "YY-NK", "after": surgery["code"],
            "personal": False} in transfer["changes"]  # fmt: skip
    to_other_unit = await _refused(the_hospital, TRANSFER, {
        "code": "YY0001", "branchCode": "ZZB-1"})  # fmt: skip
    # the district moves across units; to the hospital another unit's branch is unknown
    assert (to_other_unit["code"], to_other_unit["field"]) == ("NOT_FOUND", "input.branchCode")
    retired = (
        await _ok(
            the_hospital,
            RETIRE_BRANCH,
            {"code": "YY-NK", "reason": "科室合并", "clientMutationId": "r-1"},
        )
    )["partyBranch"]
    assert (retired["status"], retired["retiredOn"]) == ("RETIRED", today.isoformat())
    assert retired["history"][-1]["action"] == "retired"
    assert "YY-NK" not in await _list_codes(hub, "partyBranches")
    assert "YY-NK" in await _list_codes(hub, "partyBranches", "{includeRetired: true}")
    still = await hub.query('{ partyBranch(code: "YY-NK") { status retireReason } }')
    assert still["partyBranch"] == {"status": "RETIRED", "retireReason": "科室合并"}
    no_new = await _refused(hub, CREATE_MEMBER, {**member, "code": "YY0002",
                            "clientMutationId": None})  # fmt: skip
    assert (no_new["code"], no_new["field"]) == ("INVALID_STATE", "input.branchCode")
    back = await _refused(hub, TRANSFER, {"code": "YY0001", "branchCode": "YY-NK"})
    assert back["code"] == "INVALID_STATE"
    # The code of a retired branch is never used again.
    reused = await _refused(
        the_hospital,
        CREATE_BRANCH,
        {"code": "YY-NK", "name": "新内科党支部", "unitCode": hospital["code"]},
    )
    assert reused["code"] == "DUPLICATE"

    # Leaving service, then the Party: he stays on record, out of the default lists.
    retired_member = (await _ok(the_hospital, END_SERVICE, {
        "code": assigned["code"], "reason": "退休"}))["member"]  # fmt: skip
    assert (retired_member["inService"], retired_member["serviceEndReason"]) == (False, "退休")
    left = (await _ok(hub, LEAVE, {"code": assigned["code"], "reason": "自愿退党",
                                   "on": today.isoformat()}))["member"]  # fmt: skip
    assert (left["status"], left["leftReason"]) == ("LEFT", "自愿退党")
    assert [h["action"] for h in left["history"]] == ["created", "left_service", "left_party"]
    assert assigned["code"] not in await _list_codes(hub, "members")
    assert assigned["code"] in await _list_codes(hub, "members", "{includeLeft: true}")
    reused_member = await _refused(hub, CREATE_MEMBER, {
        **member, "code": assigned["code"], "branchCode": surgery["code"],
        "clientMutationId": None})  # fmt: skip
    assert reused_member["code"] == "DUPLICATE"

    # Retiring a unit: once every branch is retired.
    open_unit = await _refused(hub, RETIRE_UNIT, {"code": "QWZZB", "reason": "机构改革"})
    assert open_unit["code"] == "INVALID_STATE"
    await _ok(hub, RETIRE_BRANCH, {"code": organs["code"], "reason": "机构改革"})
    gone = (await _ok(hub, RETIRE_UNIT, {"code": "QWZZB", "reason": "机构改革"}))["workUnit"]
    assert gone["status"] == "RETIRED"
    assert "QWZZB" not in await _list_codes(hub, "workUnits")
    assert "QWZZB" in await _list_codes(hub, "workUnits", "{includeRetired: true}")
    no_branch = await _refused(hub, CREATE_BRANCH, {"name": "新支部", "unitCode": "QWZZB"})
    assert no_branch["code"] == "INVALID_STATE"

    # A branch-bound token manages its branch's members only, and no branches.
    surgery_branch = hub.as_viewer("unit_branch", unit=hospital["code"], branch=surgery["code"])
    own = await _ok(surgery_branch, UPDATE_MEMBER, {"code": "YY0001", "jobTitle": "主任医师"})
    assert own["member"]["history"][-1]["actorRole"] == "unit_branch"
    no_branches = await surgery_branch.error(CREATE_BRANCH, {"input": {
        "name": "新支部", "unitCode": hospital["code"]}})  # fmt: skip
    assert no_branches["extensions"]["code"] == "FORBIDDEN"
    # He reads his own history; a community he never reported to reads nothing of him.
    himself = hub.as_viewer("member", member="YY0001")
    mine = await himself.query('{ member(code: "YY0001") { history { action } } }')
    assert [h["action"] for h in mine["member"]["history"]] == [
        "created",
        "updated",
        "confirmed_full",
        "transferred",
        "updated",
    ]
    stranger = hub.as_viewer("community", community="C404")
    assert (await stranger.query('{ member(code: "YY0001") { code } }'))["member"] is None
    branch_history = await stranger.query('{ partyBranch(code: "YY-NK") { history { action } } }')
    assert [h["action"] for h in branch_history["partyBranch"]["history"]] == ["created", "retired"]
    assert (await hub.anonymous().query('{ partyBranch(code: "YY-NK") { code } }'))[
        "partyBranch"
    ] is None

    # Another unit's organisation sees neither the hospital's members nor their history.
    other = hub.as_viewer("unit_branch", unit="QWZZB")
    hidden = await other.query('{ member(code: "YY0001") { code } }')
    assert hidden["member"] is None
    # Every write is in the audit log.
    audit = await hub.as_viewer("auditor").query(
        '{ auditEvents(first: 100, filter: {targetType: "PartyBranch", kind: MUTATION}) '
        "{ edges { node { targetIds detail } } } }"
    )
    written = [e["node"] for e in audit["auditEvents"]["edges"]]
    assert any("retirePartyBranch" in str(e["detail"]) for e in written), written


@pytest.fixture(scope="module", params=BACKENDS)
def transfer_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    with seeded_pair(request.param, tmp_path_factory, SMALL, "master") as pair:
        yield pair


@pytest.fixture
async def seeded(transfer_db: DatabasePair) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(transfer_db, rate_limit_per_ip="", rate_limit_per_token=""):
        yield client


FOOTPRINT = """query($code: String!, $year: Int!) { member(code: $code) {
  code unit { code } branch { code }
  report { id status community { code } }
  evaluations(year: $year) { communityEvaluation { id grade comment } organisationEvaluation { id grade } }
  performance(year: $year) { totalServices totalHours
    reporting { reported reportedOn community { code } }
    orders { count recordIds } activities { count recordIds } posts { count recordIds }
    points { balance } compliance { compliant } } } }"""


async def test_transfer_keeps_reports_and_performance(seeded: GraphQLClient) -> None:
    year = today_in_china().year
    data = await seeded.query(
        """{ members(first: 100, filter: {inService: true}) { edges { node {
             code unit { code } report { id } performance(year: 2026) { totalServices } } } } }"""
    )
    served = [e["node"] for e in data["members"]["edges"]
              if e["node"]["report"] and e["node"]["performance"]["totalServices"] > 0]  # fmt: skip
    assert served, "the seed has members who reported and served"
    member = served[0]
    units = await seeded.query(
        "{ partyBranches(first: 100) { edges { node { code unit { code } } } } }"
    )
    target = next(e["node"] for e in units["partyBranches"]["edges"]
                  if e["node"]["unit"]["code"] != member["unit"]["code"])  # fmt: skip
    before = (await seeded.query(FOOTPRINT, {"code": member["code"], "year": year}))["member"]
    old_unit = seeded.as_viewer("unit_branch", unit=member["unit"]["code"])
    refused = await _refused(old_unit, TRANSFER, {
        "code": member["code"], "branchCode": target["code"]})  # fmt: skip
    assert (refused["code"], refused["field"]) == ("NOT_FOUND", "input.branchCode")

    moved = (await _ok(seeded, TRANSFER, {
        "code": member["code"], "branchCode": target["code"], "unitCode": target["unit"]["code"],
        "reason": "工作调动", "clientMutationId": "t-1",
    }))["member"]  # fmt: skip
    assert (moved["unit"]["code"], moved["branch"]["code"]) == (
        target["unit"]["code"],
        target["code"],
    )
    changes = {c["field"]: c for c in moved["history"][-1]["changes"]}
    assert changes["unitCode"]["before"] == member["unit"]["code"]
    after = (await seeded.query(FOOTPRINT, {"code": member["code"], "year": year}))["member"]
    assert after["code"] == before["code"]
    assert after["report"] == before["report"]  # the community side still has his report
    assert after["evaluations"] == before["evaluations"]
    assert after["performance"] == before["performance"]
    # His new unit answers for him now; the old one no longer sees him.
    new_unit = seeded.as_viewer("unit_branch", unit=target["unit"]["code"])
    seen = (await new_unit.query(FOOTPRINT, {"code": member["code"], "year": year}))["member"]
    assert seen is not None
    assert seen["report"] == before["report"]
    assert seen["performance"]["totalServices"] == before["performance"]["totalServices"]
    gone = await old_unit.query('query($c: String!) { member(code: $c) { code } }',
                                {"c": member["code"]})  # fmt: skip
    assert gone["member"] is None
    # A retry of the same transfer returns its result and moves nothing.
    retry = (await _ok(seeded, TRANSFER, {
        "code": member["code"], "branchCode": target["code"], "clientMutationId": "t-1",
    }))["member"]  # fmt: skip
    assert len(retry["history"]) == len(moved["history"])


ROWS = 20_000


async def test_service_writes_20000_members_in_one_call(empty_db: DatabasePair) -> None:
    """The import's path: one call, set-based; then the same rows again change nothing."""
    engine = create_engine_for(empty_db.units_url)
    writer = master.Writer(Actor("import", "district", "district:D01", "f" * 64),
                           may_manage_units=True, today=today_in_china())  # fmt: skip
    try:
        async with engine.begin() as connection:
            from sqlalchemy.ext.asyncio import AsyncSession

            session = AsyncSession(bind=connection)
            units = await master.save_units(session, writer, [
                {"code": f"U{n}", "name": f"单位{n}", "kind": "机关", "level": "区直",
                 "districtName": "禅城区"} for n in range(10)
            ], master.Call(master.Mode.UPSERT))  # fmt: skip
            branches = await master.save_branches(session, writer, [
                {"code": f"B{n}", "name": f"第{n}党支部", "unitCode": f"U{n % 10}"}
                for n in range(40)
            ], master.Call(master.Mode.UPSERT))  # fmt: skip
            assert (units.created, branches.created) == (10, 40)
            rows = [_member_row(n) for n in range(ROWS)]
            started = time.perf_counter()
            first = await master.save_members(
                session, writer, rows, master.Call(master.Mode.UPSERT)
            )
            elapsed = time.perf_counter() - started
            print(f"\n{ROWS} members in one call on {engine.dialect.name}: {elapsed:.1f} s")
            assert first.ok
            assert (first.created, first.updated, first.unchanged) == (ROWS, 0, 0)
            again = await master.save_members(
                session, writer, rows, master.Call(master.Mode.UPSERT)
            )
            assert (again.created, again.updated, again.unchanged) == (0, 0, ROWS)
            rows[7] = {**rows[7], "branchCode": "B8", "unitCode": "U8", "jobTitle": "科长"}
            rows[9] = {**rows[9], "phone": "13912345678"}
            rows[11] = {**rows[11], "phone": "not a phone"}
            rows[13] = {**rows[13], "code": rows[12]["code"]}
            bad = await master.save_members(session, writer, rows, master.Call(master.Mode.UPSERT))
            assert [(p.row, p.field) for p in bad.problems] == [(11, "phone"), (13, "code")]
            rows[11], rows[13] = _member_row(11), _member_row(13)
            fixed = await master.save_members(
                session, writer, rows, master.Call(master.Mode.UPSERT)
            )
            assert (fixed.created, fixed.updated, fixed.unchanged) == (0, 2, ROWS - 2)
            assert fixed.results[7] is not None
            assert fixed.results[7].action == "transferred"
            events = await session.scalar(select(func.count()).select_from(MasterEvent))
            members = await session.scalar(select(func.count()).select_from(Member))
            assert (members, events) == (ROWS, 10 + 40 + ROWS + 2)
            await session.close()
    finally:
        await engine.dispose()


def _member_row(n: int) -> dict[str, Any]:
    return {
        "code": f"X{n:06d}", "name": f"党员{n}", "gender": "男" if n % 2 else "女",
        "phone": f"138{n:08d}", "unitCode": f"U{n % 10}", "branchCode": f"B{n % 40}",
        "politicalStatus": "正式党员", "joinedPartyOn": "2005/7/1",
        "birthDate": date(1970 + n % 15, 1 + n % 12, 1 + n % 28).isoformat(),
        "inService": "是", "jobTitle": "科员", "skills": "义诊、法律咨询",
    }  # fmt: skip


SUMMARY = """query($code: String!) { partyBranch(code: $code) {
  y2025: performanceSummary(year: 2025) { members }
  y2026: performanceSummary(year: 2026) { members } } }"""


async def test_who_left_before_a_year_is_not_appraised_for_it(seeded: GraphQLClient) -> None:
    """A member who left the Party in 2025 is judged for 2025 and no more in 2026's branch
    summary; one who left service on 31 December 2025 likewise."""
    data = await seeded.query(
        """{ partyBranches(first: 100) { edges { node { code
             members(first: 50) { edges { node { code status inService politicalStatus } } }
             } } } }"""
    )

    def judged(node: dict[str, Any]) -> bool:  # in the Party, in service, a full member
        return (node["status"], node["inService"], node["politicalStatus"]) == (
            "ACTIVE",
            True,
            "FULL",
        )

    branch = next(
        e["node"] for e in reversed(data["partyBranches"]["edges"])
        if sum(judged(m["node"]) for m in e["node"]["members"]["edges"]) >= 2
    )  # fmt: skip
    first, second = [m["node"]["code"] for m in branch["members"]["edges"]
                     if judged(m["node"])][:2]  # fmt: skip
    before = (await seeded.query(SUMMARY, {"code": branch["code"]}))["partyBranch"]
    await _ok(seeded, LEAVE, {"code": first, "reason": "停止党籍", "on": "2025-03-01"})
    await _ok(seeded, END_SERVICE, {"code": second, "reason": "退休", "on": "2025-12-31"})
    after = (await seeded.query(SUMMARY, {"code": branch["code"]}))["partyBranch"]
    assert after["y2025"] == before["y2025"]  # both still judged on 2025
    assert after["y2026"]["members"] == before["y2026"]["members"] - 2


async def _errors(client: GraphQLClient, query: str, values: dict[str, Any]) -> list[Any]:
    data = await client.query(query, {"input": values})
    payload: dict[str, Any] = next(iter(data.values()))
    return [(e["code"], e["field"], e["message"]) for e in payload["userErrors"]]


async def test_rows_of_another_unit_are_as_unknown_as_missing_ones(seeded: GraphQLClient) -> None:
    """No existence leak: a unit's (or a branch's) token acting on a member or branch
    outside its scope, by code or as the receiving branch or unit, is refused exactly as a
    code that does not exist (NOT_FOUND, the same message)."""
    data = await seeded.query(
        "{ members(first: 100) { edges { node { code status unit { code } branch { code } } } } }"
    )
    members = [e["node"] for e in data["members"]["edges"] if e["node"]["status"] != "LEFT"]
    ours = members[0]
    theirs = next(m for m in members if m["unit"]["code"] != ours["unit"]["code"])
    unit = seeded.as_viewer("unit_branch", unit=ours["unit"]["code"])
    other_branch = seeded.as_viewer("unit_branch", unit=theirs["unit"]["code"],
                                    branch="NOPE-B")  # fmt: skip
    rows = {"member": theirs["code"], "branch": theirs["branch"]["code"],
            "unit": theirs["unit"]["code"]}  # fmt: skip
    day = {"reason": "核对"}
    cases: list[tuple[GraphQLClient, str, str, dict[str, Any]]] = [
        (unit, CREATE_BRANCH, "unitCode", {"name": "越界", "unitCode": "{unit}"}),
        (unit, UPDATE_BRANCH, "code", {"code": "{branch}", "name": "改"}),
        (unit, RETIRE_BRANCH, "code", {"code": "{branch}", **day}),
        (unit, CREATE_MEMBER, "branchCode", {"name": "越界", "gender": "MALE",
                                             "branchCode": "{branch}", "politicalStatus": "FULL",
                                             "joinedPartyOn": "2010-07-01"}),
        (unit, UPDATE_MEMBER, "code", {"code": "{member}", "jobTitle": "改"}),
        (unit, TRANSFER, "code", {"code": "{member}", "branchCode": ours["branch"]["code"]}),
        (unit, TRANSFER, "branchCode", {"code": ours["code"], "branchCode": "{branch}"}),
        (unit, CONFIRM, "code", {"code": "{member}"}),
        (unit, LEAVE, "code", {"code": "{member}", **day}),
        (unit, END_SERVICE, "code", {"code": "{member}", **day}),
        # a branch-bound token of the other unit: another branch's member is unknown to it
        (other_branch, UPDATE_MEMBER, "code", {"code": "{member}", "jobTitle": "改"}),
        (other_branch, END_SERVICE, "code", {"code": "{member}", **day}),
    ]  # fmt: skip
    for client, query, field, fields in cases:
        key = next(k for k in rows if fields.get(field) == "{" + k + "}")
        target = rows[key]
        outside = await _errors(client, query, {**fields, field: target})
        missing = await _errors(client, query, {**fields, field: "NOPE-1"})
        shown = [(c, f, m.replace(target, "?")) for c, f, m in outside]
        unknown = [(c, f, m.replace("NOPE-1", "?")) for c, f, m in missing]
        assert shown == unknown, (query[:40], field, shown, unknown)
        assert shown, query[:40]
        assert shown[0][:2] == ("NOT_FOUND", f"input.{field}"), (query[:40], shown)
