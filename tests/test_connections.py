"""Lists as a client pages through them: totals, cursors, ordering, filters, caps."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from datasources.units.models import Member, WorkUnit
from tests.client import GraphQLClient
from tests.databases import DatabasePair

WORK_UNITS_PAGE = """
query($first: Int!, $after: String, $dir: OrderDirection!) {
  workUnits(first: $first, after: $after, orderBy: CODE, direction: $dir) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id code name } }
  }
}
"""


async def _scalar(url: str, statement: object) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(statement)).scalar_one())  # type: ignore[call-overload]
    finally:
        await engine.dispose()


async def test_paging_visits_every_unit_once_in_order(
    client: GraphQLClient, small_db: DatabasePair
) -> None:
    expected = await _scalar(small_db.units_url, select(func.count()).select_from(WorkUnit))
    codes: list[str] = []
    after = None
    while True:
        data = await client.query(WORK_UNITS_PAGE, {"first": 4, "after": after, "dir": "ASC"})
        page = data["workUnits"]
        assert page["totalCount"] == expected
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        codes += [edge["node"]["code"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes)) == expected


async def test_descending_order_reverses_the_list(client: GraphQLClient) -> None:
    up = await client.query(WORK_UNITS_PAGE, {"first": 100, "dir": "ASC"})
    down = await client.query(WORK_UNITS_PAGE, {"first": 100, "dir": "DESC"})
    codes = [e["node"]["code"] for e in up["workUnits"]["edges"]]
    assert [e["node"]["code"] for e in down["workUnits"]["edges"]] == codes[::-1]


async def test_filters_narrow_the_list_and_its_total(
    client: GraphQLClient, small_db: DatabasePair
) -> None:
    query = """
    query($f: MemberFilter) {
      members(first: 100, filter: $f) {
        totalCount edges { node { politicalStatus unit { code } } }
      }
    }"""
    unit_code = (await client.query("{ workUnits(first: 1) { edges { node { code } } } }"))[
        "workUnits"
    ]["edges"][0]["node"]["code"]
    data = await client.query(
        query, {"f": {"unitCode": unit_code, "politicalStatuses": ["FULL", "PROBATIONARY"]}}
    )
    members = data["members"]
    unit_id = select(WorkUnit.id).where(WorkUnit.code == unit_code).scalar_subquery()
    expected = await _scalar(
        small_db.units_url,
        select(func.count())
        .select_from(Member)
        .where(Member.unit_id == unit_id, Member.political_status.in_(["full", "probationary"])),
    )
    assert members["totalCount"] == expected
    for edge in members["edges"]:
        assert edge["node"]["unit"]["code"] == unit_code
        assert edge["node"]["politicalStatus"] in {"FULL", "PROBATIONARY"}


async def test_name_filter_takes_wildcards_and_quotes_literally(client: GraphQLClient) -> None:
    query = """query($s: String!) {
      workUnits(filter: {nameContains: $s}) { totalCount edges { node { name } } }
    }"""
    for hostile in ["%", "_", "' OR '1'='1", "'; DROP TABLE members; --", "\\", '"']:
        data = await client.query(query, {"s": hostile})
        assert data["workUnits"]["totalCount"] == 0, hostile
    data = await client.query(query, {"s": "局"})
    assert all("局" in e["node"]["name"] for e in data["workUnits"]["edges"])


async def test_first_zero_gives_only_the_total(client: GraphQLClient) -> None:
    data = await client.query("{ members(first: 0) { totalCount edges { cursor } } }")
    assert data["members"]["edges"] == []
    assert data["members"]["totalCount"] > 0


async def test_page_size_over_the_cap_is_bad_input(client: GraphQLClient) -> None:
    error = await client.error("{ members(first: 101) { totalCount } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "first"
    assert "first" in error["message"]


async def test_nested_page_size_is_capped_too(client: GraphQLClient) -> None:
    error = await client.error(
        "{ communities(first: 2) { edges { node { supporters(first: 500) { totalCount } } } } }"
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "first"


async def test_malformed_cursor_is_bad_input(client: GraphQLClient) -> None:
    for cursor in ["not-a-cursor", "YXJyYXljb25uZWN0aW9uOjE="]:
        error = await client.error(
            "query($a: String) { members(after: $a) { totalCount } }", {"a": cursor}
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["argument"] == "after"


async def test_cursor_of_another_ordering_is_rejected(client: GraphQLClient) -> None:
    data = await client.query("{ members(first: 1, orderBy: NAME) { pageInfo { endCursor } } }")
    cursor = data["members"]["pageInfo"]["endCursor"]
    error = await client.error(
        "query($a: String) { members(after: $a, orderBy: CODE) { totalCount } }", {"a": cursor}
    )
    assert error["extensions"]["argument"] == "after"


async def test_unknown_enum_value_is_bad_input_naming_the_argument(client: GraphQLClient) -> None:
    error = await client.error("{ workUnits(orderBy: SHOE_SIZE) { totalCount } }")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "orderBy"
    assert "orderBy" in error["message"]
    error = await client.error(
        "query($k: [UnitKind!]) { workUnits(filter: {kinds: $k}) { totalCount } }",
        {"k": ["SPACESHIP"]},
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "k"


async def test_forged_cursors_are_bad_input_never_server_errors(client: GraphQLClient) -> None:
    from datasources.paging import encode_cursor

    forged = [
        encode_cursor("name", ("张三", 2**70)),  # id beyond any integer column
        encode_cursor("name", ("张三", -1)),
        encode_cursor("name", (12345, 1)),  # wrong type for a name
        encode_cursor("name", ("张三", "1")),
        encode_cursor("name", (None, 1)),
        encode_cursor("name", (True, 1)),
        "WyJrMSIsIm5hbWUiLFt7ImQiOiJub3QtYS1kYXRlIn0sMV1d",  # {"d": "not-a-date"}
    ]
    for cursor in forged:
        error = await client.error(
            "query($a: String) { members(after: $a) { totalCount } }", {"a": cursor}
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT", cursor
        assert error["extensions"]["argument"] == "after"
