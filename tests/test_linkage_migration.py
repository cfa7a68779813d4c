"""Community migration 0011 on a database written at 0010: compounds get a kind derived from
what was known, the owners'-committee flag becomes a committee record, and the old label
parties of linkage meetings become references where they can; the hub then answers the
new rules through GraphQL (both backends)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from datasources.base import create_engine_for
from migrations import runner
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, create_pair, drop_pair

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
OLD_ATTENDEES = (
    '[{"party": "community", "name": "社区书记"}, {"party": "grid_branch", "name": "支部书记"},'
    ' {"party": "owners_committee", "name": "业委会主任"},'
    ' {"party": "property_company", "name": "物业经理"}, {"party": "bogus", "name": "旁听"}, 7]'
)
ROWS = (
    "INSERT INTO districts (id, code, name, city) VALUES (1, 'D01', '禅城区', '佛山市')",
    "INSERT INTO streets (id, code, name, kind, district_id) VALUES (1, 'S01', '石湾', 'street', 1)",
    "INSERT INTO communities (id, code, name, street_id, households, residents)"
    " VALUES (1, 'C001', '湖景社区', 1, 100, 300)",
    "INSERT INTO grids (id, code, name, community_id, level) VALUES (1, 'G001', '一网格', 1, 3)",
    "INSERT INTO property_companies (id, code, name, red_property_status, has_party_branch,"
    " covered_by_sector_committee) VALUES (1, 'PC001', '红棉物业', 'none', true, false)",
    # served, with an owners' committee and a grid -> commercial
    "INSERT INTO compounds (id, code, name, community_id, grid_id, property_company_id,"
    " has_owners_committee, has_owner_unit, has_security, households) VALUES"
    " (1, 'CP1', '宇辉星城', 1, 1, 1, true, false, true, 500)",
    # an owner unit, no company -> unit-built (unit not known)
    "INSERT INTO compounds (id, code, name, community_id, has_owners_committee,"
    " has_owner_unit, has_security, households) VALUES (2, 'CP2', '建材宿舍', 1, false, true,"
    " false, 60)",
    # nothing -> 三无; its old contract ended; its own branch but no grid
    "INSERT INTO compounds (id, code, name, community_id, has_owners_committee,"
    " has_owner_unit, has_security, party_branch_name, households) VALUES"
    " (3, 'CP3', '种子公司宿舍', 1, false, false, false, '种子公司宿舍党支部', 40)",
    # an owners' committee, neither company nor unit -> commercial (the fallback)
    "INSERT INTO compounds (id, code, name, community_id, has_owners_committee,"
    " has_owner_unit, has_security, households) VALUES (4, 'CP4', '燃料小区', 1, true, false,"
    " false, 80)",
    "INSERT INTO property_contracts (id, compound_id, company_id, starts_on, ends_on, status,"
    " created_at) VALUES (1, 1, 1, '2024-01-01', '2026-12-31', 'active', :now)",
    "INSERT INTO property_contracts (id, compound_id, company_id, starts_on, ends_on, status,"
    " ended_on, created_at) VALUES (2, 3, 1, '2023-01-01', '2024-12-31', 'ended', '2024-12-31',"
    " :now)",
    "INSERT INTO linkage_meetings (id, compound_id, held_on, agenda, attendees, decisions,"
    " created_at) VALUES (1, 1, '2025-02-01', '消防通道整治', :attendees, NULL, :now)",
    "INSERT INTO linkage_meetings (id, compound_id, held_on, agenda, attendees, decisions,"
    " created_at) VALUES (2, 3, '2024-06-01', '车棚清运', :attendees, NULL, :now)",
    "INSERT INTO linkage_action_items (id, meeting_id, description, owner_party, owner_name,"
    " due_on, status) VALUES (1, 2, '清运垃圾', 'property_company', '物业经理', '2024-07-01',"
    " 'open')",
)
QUERY = """query($c: String!) { compound(code: $c) { kind selfBuiltUnitCode
  committees { kind name termStartsOn termEndsOn inOffice members { name } }
  linkageMeetings { form attendees { party name referenced committee { name }
    propertyCompany { code } grid { code } }
    actionItems { ownerParty status } } } }"""


@pytest.fixture(params=BACKENDS)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabasePair]:
    made = create_pair(request.param, tmp_path)
    try:
        yield made
    finally:
        drop_pair(made)


async def _write_at_0010(url: str) -> None:
    await runner.upgrade_async("community", url, "0010")
    engine = create_engine_for(url)
    try:
        async with engine.begin() as conn:
            for sql in ROWS:
                params: dict[str, Any] = {"now": NOW, "attendees": OLD_ATTENDEES}
                await conn.execute(text(sql), {k: v for k, v in params.items() if f":{k}" in sql})
    finally:
        await engine.dispose()


async def test_compounds_and_meetings_written_at_0010_answer_the_new_rules(
    pair: DatabasePair,
) -> None:
    await runner.upgrade_async("units", pair.units_url)
    assert pair.audit_url is not None
    await runner.upgrade_async("audit", pair.audit_url)
    await _write_at_0010(pair.community_url)
    await runner.upgrade_async("community", pair.community_url)

    async for hub in client_for(pair):
        seen = {code: (await hub.query(QUERY, {"c": code}))["compound"]
                for code in ("CP1", "CP2", "CP3", "CP4")}  # fmt: skip
        assert {code: c["kind"] for code, c in seen.items()} == {
            "CP1": "COMMERCIAL", "CP2": "UNIT_BUILT", "CP3": "THREE_NO", "CP4": "COMMERCIAL"
        }  # fmt: skip
        assert seen["CP2"]["selfBuiltUnitCode"] is None
        # The flag became a committee record: named, no term recorded, in office.
        assert seen["CP1"]["committees"] == [{
            "kind": "OWNERS", "name": "宇辉星城业主委员会", "termStartsOn": None,
            "termEndsOn": None, "inOffice": True, "members": [],
        }]  # fmt: skip
        assert [c["name"] for c in seen["CP4"]["committees"]] == ["燃料小区业主委员会"]
        assert seen["CP2"]["committees"] == seen["CP3"]["committees"] == []

        (served,) = seen["CP1"]["linkageMeetings"]
        assert served["form"] == "FOUR_PARTY"
        assert served["attendees"] == [
            {"party": "COMMUNITY", "name": "社区书记", "referenced": True, "committee": None,
             "propertyCompany": None, "grid": None},
            {"party": "GRID_BRANCH", "name": "支部书记", "referenced": True, "committee": None,
             "propertyCompany": None, "grid": {"code": "G001"}},
            {"party": "OWNERS_COMMITTEE", "name": "业委会主任", "referenced": True,
             "committee": {"name": "宇辉星城业主委员会"}, "propertyCompany": None, "grid": None},
            {"party": "PROPERTY_COMPANY", "name": "物业经理", "referenced": True,
             "committee": None, "propertyCompany": {"code": "PC001"}, "grid": None},
        ]  # fmt: skip
        # In the 三无 compound: its own branch stands for the grid branch, the company of the
        # contract that covered the day is found, the owners' committee cannot be mapped.
        (bare,) = seen["CP3"]["linkageMeetings"]
        assert [(a["party"], a["referenced"]) for a in bare["attendees"]] == [
            ("COMMUNITY", True), ("COMPOUND_BRANCH", True), ("OWNERS_COMMITTEE", False),
            ("PROPERTY_COMPANY", True),
        ]  # fmt: skip
        assert bare["attendees"][3]["propertyCompany"] == {"code": "PC001"}
        assert bare["actionItems"] == [{"ownerParty": "PROPERTY_COMPANY", "status": "OPEN"}]

        # New meetings follow the derived kinds.
        community = hub.as_viewer("community", community="C001")
        refused = await community.query(
            """mutation($input: HoldLinkageMeetingInput!) { holdLinkageMeeting(input: $input) {
                 userErrors { code field message } meeting { id } } }""",
            {"input": {"compoundCode": "CP3", "heldOn": "2026-06-01", "agenda": "卫生轮值",
                       "attendees": [{"party": "COMMUNITY", "name": "社区书记"},
                                     {"party": "SELF_MANAGEMENT_COMMITTEE", "name": "自管委主任"},
                                     {"party": "PARTY_GROUP", "name": "党小组长"}]}},
        )  # fmt: skip
        errors = refused["holdLinkageMeeting"]["userErrors"]
        assert errors == [{"code": "INVALID_INPUT", "field": "input.attendees.1",
                           "message": "该小区没有自管委：会议当日没有在任的委员会记录，请先登记。"}]  # fmt: skip
