"""Every input value has a bound: the built schema is walked for inputs without one, and
values just outside a bound are refused through the API with nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.scope import Role
from schema import bounds
from schema.app import build_schema
from schema.mutation_roles import MUTATION_ROLES
from tests.client import GraphQLClient
from tests.databases import DatabasePair
from tests.scales import SMALL
from tests.workflow import count, workflow_fixtures

workflow_db, hub = workflow_fixtures("bounds", SMALL)

INT_MAX = 2**31 - 1
ERRORS = "clientMutationId userErrors { code message field }"


def _inputs() -> list[tuple[str, str, GraphQLArgument | GraphQLInputField]]:
    """(where, name, definition) of every argument and input-object field of the schema."""
    schema = build_schema()._schema
    found: list[tuple[str, str, GraphQLArgument | GraphQLInputField]] = []
    for type_ in schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            found += [(type_.name, name, field) for name, field in type_.fields.items()]
        elif isinstance(type_, GraphQLObjectType):
            for field_name, field in type_.fields.items():
                where = f"{type_.name}.{field_name}"
                found += [(where, name, argument) for name, argument in field.args.items()]
    return found


def _is_list(type_: GraphQLInputType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(inner, GraphQLList)


def test_every_numeric_input_declares_a_finite_range() -> None:
    missing = []
    for where, name, definition in _inputs():
        if get_named_type(definition.type).name not in bounds.NUMERIC:
            continue
        bound = bounds.declared_on(definition)
        if bound is None or bound.low is None or bound.high is None:
            missing.append(f"{where}.{name}")
            continue
        # An Int input leaves room in GraphQL's 32-bit Int for sums of a thousand of them; a
        # decimal fits NUMERIC(12, 2), the widest money column.
        ceiling = INT_MAX // 1000 if get_named_type(definition.type).name == "Int" else 10**10
        assert -ceiling <= bound.low <= bound.high <= ceiling, f"{where}.{name}"  # type: ignore[operator]
    assert not missing, f"numeric inputs without `metadata=between(...)`: {missing}"


def test_every_string_and_list_input_is_bounded() -> None:
    strings = lists = 0
    for where, name, definition in _inputs():
        named = get_named_type(definition.type).name
        declared = bounds.declared_on(definition)
        if named in bounds.TEXTUAL:
            strings += 1
            length = bounds.effective_length(name, declared)
            assert 0 < length <= bounds.LONG_TEXT, f"{where}.{name}: {length}"
        # Lists of enum values are bounded by the token limit alone (repeats change nothing).
        if _is_list(definition.type) and not isinstance(
            get_named_type(definition.type), GraphQLEnumType
        ):
            lists += 1
            assert 0 < bounds.effective_items(declared) <= 1000, f"{where}.{name}"
    assert strings > 300  # the walk saw the whole schema
    assert lists > 10


def test_every_field_with_bounded_arguments_is_checked() -> None:
    schema = build_schema()._schema
    unchecked = [
        f"{type_.name}.{name}"
        for type_ in schema.type_map.values()
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__")
        for name, field in type_.fields.items()
        if field.args
        and bounds.arguments_check(field, bounds.Planner()) is not None
        and getattr(field.resolve, "__name__", "") != "guarded"
    ]
    assert not unchecked
    assert schema.mutation_type is not None
    for name, field in schema.mutation_type.fields.items():
        assert bounds.payload_refusal(field) is not None, f"{name} cannot answer a user error"


def test_checks_refuse_what_json_cannot_mean() -> None:
    hours = bounds.Planner().check_for("hours", build_schema()._schema.type_map["Decimal"],  # type: ignore[arg-type]
                                       bounds.Bound(low=0, high=24, low_open=True))  # fmt: skip
    assert hours is not None
    hours(Decimal("24"), "hours")
    for bad in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN"),
                Decimal(0), Decimal("24.01")):  # fmt: skip
        with pytest.raises(bounds.OutOfBounds):
            hours(bad, "hours")


# --- through the API ---------------------------------------------------------------------

PUBLISH = f"""mutation($input: PublishActivityInput!) {{ publishActivity(input: $input) {{
  {ERRORS} activity {{ id pointsPerAttendance }} }} }}"""


def _activity(**change: Any) -> dict[str, Any]:
    starts = datetime.now(UTC) + timedelta(days=2)
    return {"communityCode": "C001", "categoryCode": "chancheng.culture_sports",
            "title": "义诊", "place": "活动室", "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=2)).isoformat(), "capacity": 5,
            "clientMutationId": "k-" + "-".join(sorted(change)), **change}  # fmt: skip


async def _refused(
    viewer: GraphQLClient, query: str, mutation: str, field: str, input: dict[str, Any]
) -> None:
    payload = (await viewer.query(query, {"input": input}))[mutation]
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_INPUT"], payload
    assert payload["userErrors"][0]["field"] == field
    assert payload["clientMutationId"] == input.get("clientMutationId")
    assert all(value is None for key, value in payload.items()
               if key not in ("userErrors", "clientMutationId"))  # fmt: skip


async def test_points_per_attendance_of_int_max_is_refused(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    committee = hub.as_viewer("community", community="C001")
    before = await count(workflow_db, "SELECT count(*) FROM activities")
    for points in (INT_MAX, 10_001, -1):
        await _refused(committee, PUBLISH, "publishActivity", "input.pointsPerAttendance",
                       _activity(pointsPerAttendance=points))  # fmt: skip
    for change, field in [
        ({"capacity": INT_MAX}, "input.capacity"),
        ({"title": "长" * 161}, "input.title"),
        ({"place": "x" * 201}, "input.place"),
        ({"description": "说明" * 1001}, "input.description"),
        ({"clientMutationId": "k" * 121}, "input.clientMutationId"),
        ({"categoryCode": "c" * 33}, "input.categoryCode"),
        ({"startsAt": "9999-12-31T23:59:59+00:00"}, "input.startsAt"),
        ({"endsAt": "0001-01-01T00:00:00+00:00"}, "input.endsAt"),
    ]:
        await _refused(committee, PUBLISH, "publishActivity", field, _activity(**change))
    assert await count(workflow_db, "SELECT count(*) FROM activities") == before
    # The edges themselves are accepted.
    accepted = (await committee.query(PUBLISH, {"input": _activity(pointsPerAttendance=10_000,
                                                                   title="长" * 160)}))  # fmt: skip
    assert accepted["publishActivity"]["activity"]["pointsPerAttendance"] == 10_000


@pytest.mark.parametrize(
    ("mutation", "input_type", "fields", "field"),
    [
        (
            "setPointRule",
            "SetPointRuleInput",
            {"action": "x", "name": "x", "points": 10_001},
            "input.points",
        ),
        (
            "redeemMallItem",
            "RedeemMallItemInput",
            {"itemId": "TWFsbEl0ZW06MQ==", "quantity": 101},
            "input.quantity",
        ),
        (
            "rateOrder",
            "RateOrderInput",
            {"orderId": "U2VydmljZU9yZGVyOjE=", "rating": 6},
            "input.rating",
        ),
        (
            "closeOrder",
            "CloseOrderInput",
            {"orderId": "U2VydmljZU9yZGVyOjE=", "summary": "x", "hours": "24.5"},
            "input.hours",
        ),
        (
            "closeOrder",
            "CloseOrderInput",
            {"orderId": "U2VydmljZU9yZGVyOjE=", "summary": "x", "hours": "NaN"},
            "input.hours",
        ),
        (
            "closeOrder",
            "CloseOrderInput",
            {"orderId": "U2VydmljZU9yZGVyOjE=", "summary": "x", "hours": "Infinity"},
            "input.hours",
        ),
        (
            "closeOrder",
            "CloseOrderInput",
            {
                "orderId": "U2VydmljZU9yZGVyOjE=",
                "summary": "x",
                "hours": "1",
                "evidence": ["x"] * 101,
            },
            "input.evidence",
        ),
        (
            "closeOrder",
            "CloseOrderInput",
            {
                "orderId": "U2VydmljZU9yZGVyOjE=",
                "summary": "x",
                "hours": "1",
                "evidence": ["ok", "x" * 501],
            },
            "input.evidence[1]",
        ),
        (
            "createMallItem",
            "CreateMallItemInput",
            {
                "merchantId": "TWVyY2hhbnQ6MQ==",
                "code": "X1",
                "name": "x",
                "pricePoints": INT_MAX,
                "stock": 1,
            },
            "input.pricePoints",
        ),
        (
            "setAppraisalPolicy",
            "SetAppraisalPolicyInput",
            {
                "year": 2026,
                "reportingDeadline": "2026-03-31",
                "minServices": 1,
                "minHours": 1e300,
                "countedRecordTypes": ["ORDERS"],
                "ceilingGrade": "QUALIFIED",
                "includeActivists": False,
                "includeDevelopmentTargets": False,
            },
            "input.minHours",
        ),
        (
            "setAppraisalPolicy",
            "SetAppraisalPolicyInput",
            {
                "year": 99999,
                "reportingDeadline": "2026-03-31",
                "minServices": 1,
                "minHours": 1,
                "countedRecordTypes": ["ORDERS"],
                "ceilingGrade": "QUALIFIED",
                "includeActivists": False,
                "includeDevelopmentTargets": False,
            },
            "input.year",
        ),
    ],
)
async def test_out_of_range_inputs_are_user_errors(
    hub: GraphQLClient, workflow_db: DatabasePair, mutation: str, input_type: str,
    fields: dict[str, Any], field: str,
) -> None:  # fmt: skip
    viewer = _allowed_viewer(hub, mutation)
    query = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {ERRORS} }} }}"""
    before = await _rows(workflow_db)
    await _refused(viewer, query, mutation, field, fields)
    assert await _rows(workflow_db) == before


# A scope for each role; the bounds refuse before any code of it is looked up.
SCOPES: dict[Role, dict[str, str]] = {
    Role.DISTRICT: {"district": "D01"},
    Role.COMMUNITY: {"community": "C001"},
    Role.GRID_WORKER: {"community": "C001", "grid": "G001"},
    Role.GRID_BRANCH_SECRETARY: {"community": "C001", "grid": "G001"},
    Role.UNIT_BRANCH: {"unit": "U0001"},
    Role.MEMBER: {"member": "M000001"},
    Role.RESIDENT: {"community": "C001"},
    Role.PROPERTY_COMPANY: {"company": "PC001"},
}


def _allowed_viewer(hub: GraphQLClient, mutation: str) -> GraphQLClient:
    """A viewer of a role that may call `mutation` (the role check comes before bounds)."""
    role = min(MUTATION_ROLES[mutation] & SCOPES.keys(), key=lambda r: r is not Role.DISTRICT)
    return hub.as_viewer(role.value, **SCOPES[role])


async def _rows(pair: DatabasePair) -> list[int]:
    """Rows of the tables these mutations would write to."""
    return [
        await count(pair, "SELECT count(*) FROM point_rules"),
        await count(pair, "SELECT count(*) FROM mall_items"),
        await count(pair, "SELECT count(*) FROM redemptions"),
        await count(pair, "SELECT count(*) FROM points_entries"),
        await count(pair, "SELECT count(*) FROM service_orders"),
        await count(pair, "SELECT count(*) FROM appraisal_policies", side="units"),
    ]


@pytest.mark.parametrize(
    ("query", "variables", "argument"),
    [
        ("query($y: Int!) { propertyRanking(year: $y) { rank } }", {"y": 99_999}, "year"),
        ("{ district(year: -5) { year } }", {}, "year"),
        ("{ district(year: 2026, top: 101) { year } }", {}, "top"),
        ("{ communities(first: 1001) { totalCount } }", {}, "first"),
        ("query($f: Int!) { communities(first: $f) { totalCount } }", {"f": 5000}, "first"),
        ('{ communities(first: 1, after: "' + "a" * 1001 + '") { totalCount } }', {}, "after"),
        (
            "query($c: [String!]) { members(first: 1, filter: {codes: $c}) { totalCount } }",
            {"c": ["M1"] * 101},
            "filter.codes",
        ),
        (
            "query($n: String) { members(first: 1, filter: {nameContains: $n}) { totalCount } }",
            {"n": "名" * 201},
            "filter.nameContains",
        ),
    ],
)
async def test_out_of_range_arguments_are_bad_user_input(
    hub: GraphQLClient, query: str, variables: dict[str, Any], argument: str
) -> None:
    viewer = hub.as_viewer("district", district="D01")
    body = await viewer.raw(query, variables)
    assert body["errors"], body
    for error in body["errors"]:
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert body["errors"][0]["extensions"]["argument"] == argument


async def test_points_totals_past_int_hold_at_its_maximum(
    hub: GraphQLClient, workflow_db: DatabasePair
) -> None:
    """Rows written before the bounds (as in the review's attack) must not break `me`."""
    engine = create_async_engine(workflow_db.community_url)
    try:
        async with engine.begin() as conn:
            entry, member = (await conn.execute(text(
                "SELECT id, member_code FROM points_entries WHERE kind = 'earn' "
                "ORDER BY id LIMIT 1"))).one()  # fmt: skip
            for n in (1, 2):
                await conn.execute(text(
                    "INSERT INTO points_entries (member_code, kind, points, action, "
                    "community_id, source_type, source_id, note, actor_subject, occurred_at) "
                    "SELECT member_code, kind, :points, action, community_id, 'Legacy', :n, "
                    "note, actor_subject, occurred_at FROM points_entries WHERE id = :id"),
                    {"points": INT_MAX, "n": n, "id": entry})  # fmt: skip
    finally:
        await engine.dispose()
    me = hub.as_viewer("member", member=member)
    data = await me.query("{ me { code points { balance earned spent } } }")
    assert data["me"]["code"] == member
    assert data["me"]["points"]["balance"] == INT_MAX
    assert data["me"]["points"]["earned"] == INT_MAX


async def test_migration_clamps_rows_written_before_the_bounds(workflow_db: DatabasePair) -> None:
    from migrations import runner

    await runner.downgrade_async("community", workflow_db.community_url, "0009")
    engine = create_async_engine(workflow_db.community_url)
    try:
        async with engine.begin() as conn:
            activity = (await conn.execute(text("SELECT min(id) FROM activities"))).scalar_one()
            item = (await conn.execute(text("SELECT min(id) FROM mall_items"))).scalar_one()
            assert activity is not None and item is not None  # noqa: PT018
            await conn.execute(text("UPDATE activities SET points_per_attendance = :p, "
                                    "capacity = :p WHERE id = :i"), {"p": INT_MAX, "i": activity})  # fmt: skip
            await conn.execute(text("UPDATE mall_items SET price_points = :p WHERE id = :i"),
                               {"p": INT_MAX, "i": item})  # fmt: skip
        await runner.upgrade_async("community", workflow_db.community_url)
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT points_per_attendance, capacity FROM "
                                           "activities WHERE id = :i"), {"i": activity})).one()  # fmt: skip
            price = (await conn.execute(text("SELECT price_points FROM mall_items WHERE id = :i"),
                                        {"i": item})).scalar_one()  # fmt: skip
    finally:
        await engine.dispose()
    assert tuple(row) == (10_000, 10_000)
    assert price == 1_000_000
