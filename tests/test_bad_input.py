"""Malformed and hostile input over HTTP, on both backends: never a 500, never an error
without `extensions.code`, and exports that a spreadsheet cannot run as formulas."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from schema import bounds
from schema.app import build_schema
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.scales import SMALL
from tests.workflow import workflow_fixtures

workflow_db, hub = workflow_fixtures("bad_input", SMALL)

JSON = {"Content-Type": "application/json"}
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
MEMBER = "__MEMBER__"  # replaced by a member code of the seeded data


def _body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def _entities(representations: str) -> bytes:
    return b'{"query": "%s", "variables": {"r": %s}}' % (
        ENTITIES.encode(),
        representations.encode(),
    )


def _global_id(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def _nested(depth: int) -> bytes:
    return b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * depth + b"]" * depth + b"}}"


# (id, raw JSON body): each must be refused with a code, or answered without an error.
BODIES: list[tuple[str, bytes]] = [
    ("invalid-utf8", b'{"query": "{ __typename }", "operationName": "\xff\xfe"}'),
    ("invalid-utf8-in-query", b'{"query": "{ communities(first: 1) { name \xc3 } }"}'),
    ("nested-30000", _nested(30_000)),
    ("nested-1100", _nested(1_100)),
    ("truncated", b'{"query": "{ __typename }"'),
    ("not-an-object", b'"{ __typename }"'),
    ("a-number", b"5"),
    ("null", b"null"),
    ("query-not-a-string", b'{"query": 5}'),
    ("variables-not-an-object", b'{"query": "{ __typename }", "variables": [1]}'),
    ("nan-literal", b'{"query": "{ __typename }", "variables": {"a": NaN}}'),
    ("infinity-literal", b'{"query": "{ __typename }", "variables": {"a": Infinity}}'),
    (
        "lone-surrogate-json-escape",
        b'{"query": "{ members(first: 1, filter: {nameContains: \\"\\ud800\\"}) { totalCount } }"}',
    ),
    (
        "lone-low-surrogate-json-escape",
        b'{"query": "query($n: String) { members(first: 1, filter: {nameContains: $n}) '
        b'{ totalCount } }", "variables": {"n": "a\\udc00b"}}',
    ),
    (
        "lone-surrogate-graphql-escape",
        b'{"query": "{ members(first: 1, filter: {nameContains: \\"\\\\ud800\\"}) '
        b'{ totalCount } }"}',
    ),
    ("surrogate-in-field-name", b'{"query": "{ \\ud83d\\ude00 }"}'),
    (
        "first-1e30-variable",
        b'{"query": "query($f: Int!) { communities(first: $f) { totalCount } }", '
        b'"variables": {"f": 1000000000000000000000000000000}}',
    ),
    (
        "first-1e30-literal",
        _body("{ communities(first: 1000000000000000000000000000000) { totalCount } }"),
    ),
    ("first-negative", _body("{ communities(first: -1) { totalCount } }")),
    ("first-5000-digits", _body(f"{{ communities(first: {'9' * 5000}) {{ totalCount }} }}")),
    ("node-id-huge", _body(f'{{ node(id: "{_global_id("Member", "9" * 20)}") {{ id }} }}')),
    (
        "node-id-5000-digits",
        _body(f'{{ nodes(ids: ["{_global_id("Community", "9" * 5000)}"]) {{ id }} }}'),
    ),
    ("node-id-full-width", _body(f'{{ node(id: "{_global_id("Member", "１２")}") {{ id }} }}')),
    (
        "mutation-id-huge",
        _body(
            f'mutation {{ cancelActivity(input: {{activityId: "{_global_id("Activity", "9" * 30)}", '
            'reason: "x"}) { userErrors { code field } } }'
        ),
    ),
    ("first-float", _body("query($f: Int!) { communities(first: $f) { totalCount } }", {"f": 1.5})),
    ("entities-number", _entities("[1]")),
    ("entities-empty-object", _entities("[{}]")),
    ("entities-no-key", _entities('[{"__typename": "Member"}]')),
    ("entities-unknown-type", _entities('[{"__typename": "NoSuchType", "code": "x"}]')),
    ("entities-typename-not-string", _entities('[{"__typename": 5}]')),
    ("entities-key-number", _entities('[{"__typename": "Member", "code": 5}]')),
    ("entities-key-list", _entities('[{"__typename": "Community", "code": ["C001"]}]')),
    ("entities-key-object", _entities('[{"__typename": "Street", "code": {"a": 1}}]')),
    ("entities-key-null", _entities('[{"__typename": "Member", "code": null}]')),
    ("entities-non-entity", _entities('[{"__typename": "Query"}]')),
    ("entities-literal", _body("{ _entities(representations: [1, {}]) { __typename } }")),
    ("entities-too-many", _entities(json.dumps([{"__typename": "Member", "code": "x"}] * 101))),
    (
        "decimal-nan",
        _body(
            'mutation($h: Decimal!) { closeOrder(input: {orderId: "U2VydmljZU9yZGVyOjE=", '
            'summary: "x", hours: $h}) { userErrors { code field } } }',
            {"h": "NaN"},
        ),
    ),
    (
        "decimal-infinity-literal",
        _body(
            'mutation { recordActivityHours(input: {signupId: "QWN0aXZpdHlTaWdudXA6MQ==", '
            'hours: "-Infinity"}) { userErrors { code field } } }'
        ),
    ),
    (
        "decimal-garbage",
        _body(
            'mutation($h: Decimal!) { closeOrder(input: {orderId: "U2VydmljZU9yZGVyOjE=", '
            'summary: "x", hours: $h}) { userErrors { code field } } }',
            {"h": "1e999999999"},
        ),
    ),
    (
        "float-overflow",
        _body(
            "mutation($h: Float!) { setAppraisalPolicy(input: {year: 2026, reportingDeadline: "
            '"2026-03-31", minServices: 1, minHours: $h, countedRecordTypes: [ORDERS], '
            "ceilingGrade: QUALIFIED}) { userErrors { code field } } }",
            {"h": 1e308},
        ),
    ),
    ("year-huge", _body("{ district(year: 99999999999) { year } }")),
    ("year-negative", _body("{ district(year: -2025) { year } }")),
]

DATES: list[tuple[str, str, dict[str, Any]]] = [
    ("timeline-until-max",
     f'{{ member(code: "{MEMBER}") {{ timeline(first: 1, filter: {{until: "9999-12-31"}}) '
     "{ totalCount } } }", {}),
    ("timeline-since-min",
     f'{{ member(code: "{MEMBER}") {{ timeline(first: 1, filter: {{since: "0001-01-01"}}) '
     "{ totalCount } } }", {}),
    ("timeline-year-zero",
     f'query($d: Date) {{ member(code: "{MEMBER}") {{ timeline(first: 1, filter: {{until: $d}}) '
     "{ totalCount } } }", {"d": "0000-01-01"}),
    ("timeline-feb-30",
     f'query($d: Date) {{ member(code: "{MEMBER}") {{ timeline(first: 1, filter: {{since: $d}}) '
     "{ totalCount } } }", {"d": "2025-02-30"}),
    ("activities-starts-before-max",
     'query($d: DateTime) { community(code: "C001") { activities(first: 1, filter: '
     "{startsBefore: $d}) { totalCount } } }", {"d": "9999-12-31T23:59:59-12:00"}),
    ("activities-starts-from-min",
     'query($d: DateTime) { community(code: "C001") { activities(first: 1, filter: '
     "{startsFrom: $d}) { totalCount } } }", {"d": "0001-01-01T00:00:00+14:00"}),
    ("audit-until-max",
     "query($d: DateTime) { auditEvents(first: 1, filter: {until: $d}) { totalCount } }",
     {"d": "9999-12-31T23:59:59.999999+00:00"}),
    ("expire-points-before-max",
     'mutation { expirePoints(input: {before: "9999-12-31"}) { members points '
     "userErrors { code field } } }", {}),
    ("appraisal-deadline-min",
     'mutation { setAppraisalPolicy(input: {year: 2026, reportingDeadline: "0001-01-01", '
     "minServices: 1, minHours: 1, countedRecordTypes: [ORDERS], ceilingGrade: QUALIFIED}) "
     "{ userErrors { code field } } }", {}),
    ("schedule-chairs-max",
     'mutation { scheduleAllianceChairs(input: {allianceCode: "A001", startsOn: "9999-12-01", '
     "termMonths: 24, terms: 24}) { userErrors { code field } } }", {}),
    ("agreement-renew-max",
     'mutation { renewAgreement(input: {agreementId: "Q29CdWlsZGluZ0FncmVlbWVudDox", '
     'endsOn: "9999-12-31"}) { userErrors { code field } } }', {}),
]  # fmt: skip


def _codes_everywhere(body: dict[str, Any]) -> list[str]:
    """Every error's code; fails on an error without one."""
    codes = []
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code"), error
        codes.append(error["extensions"]["code"])
    return codes


def _user_errors(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = list(value.get("userErrors") or [])
        return found + [e for v in value.values() for e in _user_errors(v)]
    if isinstance(value, list):
        return [e for v in value for e in _user_errors(v)]
    return []


def _assert_handled(response: httpx.Response) -> None:
    assert response.status_code != 500, response.text
    body = response.json()
    codes = _codes_everywhere(body)
    assert "INTERNAL_SERVER_ERROR" not in codes, body
    if response.status_code >= 400:
        assert codes, body


@pytest.fixture
async def member_code(workflow_db: DatabasePair) -> str:
    engine = create_async_engine(workflow_db.units_url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SELECT min(code) FROM members"))).scalar_one())
    finally:
        await engine.dispose()


@pytest.mark.parametrize("body", [b for _, b in BODIES], ids=[i for i, _ in BODIES])
async def test_malformed_bodies_get_coded_errors(
    hub: GraphQLClient, body: bytes, request: pytest.FixtureRequest
) -> None:
    district = hub.as_viewer("district", district="D01")
    response = await hub.http.post("/graphql", content=body, headers={**JSON, **district.headers})
    _assert_handled(response)
    answered = response.json()
    if request.node.callspec.id.split("-", 1)[1] in MATCH_NOTHING:
        assert answered["data"] is not None, answered
    else:
        assert answered.get("errors") or _user_errors(answered.get("data")), answered


# Ids no row can have: they simply match nothing (null), as any unknown id does.
MATCH_NOTHING = {"node-id-huge", "node-id-full-width"}


@pytest.mark.parametrize(("query", "variables"), [(q, v) for _, q, v in DATES],
                         ids=[i for i, _, _ in DATES])  # fmt: skip
async def test_dates_at_the_calendars_edges_are_refused(
    hub: GraphQLClient, member_code: str, query: str, variables: dict[str, Any]
) -> None:
    district = hub.as_viewer("district", district="D01")
    response = await hub.http.post(
        "/graphql",
        content=_body(query.replace(MEMBER, member_code), variables),
        headers={**JSON, **district.headers},
    )
    _assert_handled(response)
    body = response.json()
    if body.get("data") and _user_errors(body["data"]):
        assert not body.get("errors"), body  # the whole payload, `members: 0` included
        assert [e["code"] for e in _user_errors(body["data"])] == ["INVALID_INPUT"]
    else:
        assert _codes_everywhere(body), body


def test_every_date_input_refuses_the_calendars_edges() -> None:
    """The class behind the cases above: each Date and DateTime input of the schema."""
    schema = build_schema()._schema
    planner = bounds.Planner()
    seen = 0
    for type_ in schema.type_map.values():
        fields = getattr(type_, "fields", None)
        if type_.name.startswith("__") or not isinstance(fields, dict):
            continue
        inputs = list(fields.items()) if hasattr(type_, "is_one_of") else [
            (name, arg) for field in fields.values() for name, arg in field.args.items()
        ]  # fmt: skip
        for name, definition in inputs:
            scalar = getattr(definition.type, "of_type", definition.type)
            if getattr(scalar, "name", "") not in bounds.TEMPORAL:
                continue
            seen += 1
            check = planner.check_for(name, definition.type, bounds.declared_on(definition))
            assert check is not None, f"{type_.name}.{name}"
            check(date(2026, 1, 1), name)
            for edge in (date.min, date.max):
                with pytest.raises(bounds.OutOfBounds):
                    check(edge, name)
    assert seen >= 20


YEARS = ["２０２５", "٢٠٢٥", "۲۰۲۵", "9" * 5000, "-2025", "2025.0", "", "1999", "2101",
         " 2025", "2025\n", "0x7e9"]  # fmt: skip


@pytest.mark.parametrize("year", YEARS)
async def test_report_years_are_ascii_digits_in_range(hub: GraphQLClient, year: str) -> None:
    district = hub.as_viewer("district", district="D01")
    response = await hub.http.get(
        "/reports/branch/B00001.csv", params={"year": year}, headers=district.headers
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_report_errors_are_coded(hub: GraphQLClient) -> None:
    anonymous = await hub.http.get("/reports/branch/B00001.csv?year=2025")
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    district = hub.as_viewer("district", district="D01")
    for path in ("/reports/branch/NOPE.csv?year=2025", "/reports/nothing/B1.csv?year=2025",
                 "/reports/branch/B1.pdf?year=2025", "/reports/branch/支部%ED%A0%80.csv?year=2025"):  # fmt: skip
        response = await hub.http.get(path, headers=district.headers)
        assert response.status_code == 404, path
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# --- exports: formulas stay text ---------------------------------------------------------

HOSTILE = ["=HYPERLINK(\"http://x.test\",\"点我\")", "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1",
           "\r=1+1", "＝1+1", "＋1", "－1", "＠A1"]  # fmt: skip


@pytest.fixture
def hostile_branch(workflow_db: DatabasePair) -> str:
    """A branch whose members, branch and unit are named like formulas (written past the
    API, as an import from another system might)."""
    return asyncio.run(_name_like_formulas(workflow_db))


async def _name_like_formulas(workflow_db: DatabasePair) -> str:
    engine = create_async_engine(workflow_db.units_url)
    try:
        async with engine.begin() as conn:
            branch_id, code, unit_id = (await conn.execute(text(
                "SELECT b.id, b.code, b.unit_id FROM party_branches b JOIN members m "
                "ON m.branch_id = b.id GROUP BY b.id, b.code, b.unit_id "
                "HAVING count(*) >= :n ORDER BY b.id LIMIT 1"), {"n": len(HOSTILE)})).one()  # fmt: skip
            ids = (await conn.execute(text(
                "SELECT id FROM members WHERE branch_id = :b ORDER BY id LIMIT :n"),
                {"b": branch_id, "n": len(HOSTILE)})).scalars().all()  # fmt: skip
            for member_id, name in zip(ids, HOSTILE, strict=True):
                await conn.execute(text("UPDATE members SET name = :n WHERE id = :i"),
                                   {"n": name, "i": member_id})  # fmt: skip
            await conn.execute(text("UPDATE party_branches SET name = :n WHERE id = :i"),
                               {"n": "=cmd|' /C calc'!A0", "i": branch_id})  # fmt: skip
            await conn.execute(text("UPDATE work_units SET name = :n WHERE id = :i"),
                               {"n": "@unit", "i": unit_id})  # fmt: skip
        return str(code)
    finally:
        await engine.dispose()


def _assert_csv_neutral(content: bytes) -> None:
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    cells = {cell for row in rows[1:] for cell in row}
    for name in [*HOSTILE, "=cmd|' /C calc'!A0", "@unit"]:
        assert "'" + name in cells, name
        assert name not in cells, name


def _assert_xlsx_neutral(content: bytes) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    texts = set()
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", (cell.coordinate, cell.value)
                texts.add(cell.value)
    for name in [*HOSTILE, "=cmd|' /C calc'!A0", "@unit"]:
        assert "'" + name.replace("\r", "\n") in texts or "'" + name in texts, name


async def test_reports_neutralise_formulas(hub: GraphQLClient, hostile_branch: str) -> None:
    district = hub.as_viewer("district", district="D01")
    for fmt, check in (("csv", _assert_csv_neutral), ("xlsx", _assert_xlsx_neutral)):
        response = await hub.http.get(
            f"/reports/branch/{hostile_branch}.{fmt}?year=2026", headers=district.headers
        )
        assert response.status_code == 200, response.text
        check(response.content)


def test_cli_report_neutralises_formulas(
    workflow_db: DatabasePair, hostile_branch: str, tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from click.testing import CliRunner

    from gateway.cli import main

    assert workflow_db.audit_url is not None
    monkeypatch.setenv("DUALHUB_UNITS_DATABASE_URL", workflow_db.units_url)
    monkeypatch.setenv("DUALHUB_COMMUNITY_DATABASE_URL", workflow_db.community_url)
    monkeypatch.setenv("DUALHUB_AUDIT_DATABASE_URL", workflow_db.audit_url)
    for fmt, check in (("csv", _assert_csv_neutral), ("xlsx", _assert_xlsx_neutral)):
        out = tmp_path / f"report.{fmt}"
        args = ["report", "branch", "--code", hostile_branch, "--year", "2026",
                "--format", fmt, "--out", str(out)]  # fmt: skip
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        check(out.read_bytes())
