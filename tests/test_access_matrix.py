"""docs/access.md is the contract: every cell of its tables is checked here."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from datasources.scope import Role, Viewer
from resolvers.personal import BY_KEY, Withholdable, access_for
from tests.client import GraphQLClient
from tests.conftest import BACKENDS, client_for
from tests.databases import DatabasePair, seeded_pair
from tests.scales import SMALL
from tests.test_access import Case, matrix, visible_supporters
from tests.world import World, load_world

DOC = Path(__file__).resolve().parent.parent / "docs" / "access.md"


def table(marker: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"<!-- matrix:{marker} -->")[1].split(f"<!-- /matrix:{marker} -->")[0]
    lines = [line for line in body.strip().splitlines() if not line.startswith("| ---")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


ROWS = table("rows")
COLUMNS = ROWS[0][1:]
CELLS = [
    (row[0], column, cell)
    for row in ROWS[1:]
    for column, cell in zip(COLUMNS, row[1:], strict=True)
]


def _query_of(entity: str) -> str:
    match = re.search(r"\(`([\w.]+)`\)", entity)
    assert match, entity
    return match.group(1)


def _party(case: Case) -> tuple[str, str] | None:
    scope = case.scope
    if case.role in ("community", "grid_secretary"):
        return ("community", scope["community"])
    if case.role == "unit_branch":
        return ("unit", scope["unit"])
    if case.role == "property_company":
        return ("property_company", scope["company"])
    return None


def _provider(case: Case) -> tuple[str, str] | None:
    keys = {"unit_branch": ("unit", "unit"), "property_company": ("property_company", "company"),
            "member": ("member", "member")}  # fmt: skip
    if case.role not in keys:
        return None
    kind, key = keys[case.role]
    return kind, case.scope[key]


def _home(world: World, case: Case) -> str | None:
    if case.role == "member":
        report = world.active_report.get(case.scope["member"])
        return report[0] if report else None
    return case.scope.get("community")


def expected(world: World, query: str, case: Case, cell: str) -> int:
    """How many rows `cell` means for this viewer, computed from the ground truth."""
    counts = {"serviceCategories": "service_categories", "communities": "communities",
              "workUnits": "work_units", "compounds": "compounds",
              "propertyCompanies": "property_companies"}  # fmt: skip
    if cell == "none":
        return 0
    if query in counts:
        assert cell == "all", (query, cell)
        return world.counts[counts[query]]
    if query == "members":
        return len(case.members) if cell != "all" else len(world.member_unit)
    if query == "community.supporters":
        return len(case.supporters) if cell != "all" else len(world.active_report)
    if query == "alliances":
        party = _party(case)
        return sum(1 for parties in world.alliance_parties.values()
                   if cell == "all" or party in parties)  # fmt: skip
    if query == "agreements":
        party = _party(case)
        return sum(
            1 for community, parties, owners in world.agreements.values()
            if cell == "all" or party in parties or party in owners
            or (case.role in ("community", "grid_secretary") and community == case.scope["community"])
        )  # fmt: skip
    table_name = {"resourceItems": "resource_items", "serviceItems": "service_items",
                  "demandItems": "demand_items"}[query]  # fmt: skip
    rules: dict[str, Callable[[str, str | None, str | None, str], bool]] = {
        "all": lambda *_: True,
        "own community": lambda c, *_: c == case.scope["community"],
        "provided by it": lambda _c, k, p, _s: (k, p) == _provider(case),
        "own + published nearby": lambda c, k, p, s: (
            (k, p) == _provider(case) or (s == "published" and c == _home(world, case))
        ),
        "published nearby": lambda c, _k, _p, s: s == "published" and c == _home(world, case),
    }
    rule = rules[cell]
    return sum(1 for t, c, k, p, s in world.items if t == table_name and rule(c, k, p, s))


async def observed(client: GraphQLClient, query: str) -> int:
    if query == "community.supporters":
        total, _codes = await visible_supporters(client)
        return total
    data = await client.query(f"{{ {query}(first: 0) {{ totalCount }} }}")
    count: int = data[query]["totalCount"]
    return count


@pytest.fixture(scope="module", params=BACKENDS)
def matrix_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DatabasePair]:
    """The small data set, plus rows that give every scoped cell's viewer something."""
    with seeded_pair(request.param, tmp_path_factory, SMALL, "matrix") as pair:
        asyncio.run(_cover_every_cell(pair))
        yield pair


async def _cover_every_cell(pair: DatabasePair) -> None:
    cases = matrix(await load_world(pair))
    unit, company = cases["unit"].scope["unit"], cases["company"].scope["company"]
    community = cases["community"].scope["community"]
    engine = create_async_engine(pair.community_url)
    try:
        async with engine.begin() as conn:
            ids = {
                name: (await conn.execute(text(sql), params)).scalar_one()
                for name, sql, params in (
                    ("community", "SELECT id FROM communities WHERE code = :c", {"c": community}),
                    ("category", "SELECT min(id) FROM service_categories", {}),
                    ("alliance", "SELECT min(id) FROM alliances", {}),
                    ("agreement", "SELECT min(id) FROM co_building_agreements", {}),
                )
            }
            await _insert_coverage(conn, ids, unit=unit, company=company, community=community)
    finally:
        await engine.dispose()


async def _insert_coverage(
    conn: AsyncConnection, ids: dict[str, int], *, unit: str, company: str, community: str
) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    await conn.execute(
        text("INSERT INTO alliance_parties (alliance_id, party_kind, party_code, rotation_order,"
             " joined_on) VALUES (:a, 'community', :c, 99, :d)"),
        {"a": ids["alliance"], "c": community, "d": now.date()},
    )  # fmt: skip
    await conn.execute(
        text("INSERT INTO agreement_parties (agreement_id, party_kind, party_code)"
             " VALUES (:a, 'property_company', :p)"),
        {"a": ids["agreement"], "p": company},
    )  # fmt: skip
    offers = [("resource_items", "property_company", company),
              ("service_items", "unit", unit), ("service_items", "property_company", company)]  # fmt: skip
    for table_name, kind, code in offers:
        extra = ", target" if table_name == "service_items" else ""
        await conn.execute(
            text(f"INSERT INTO {table_name} (community_id, category_id, title, provider_kind,"  # noqa: S608
                 f" provider_code, status, created_at{extra}) VALUES (:c, :k, '覆盖用例', :pk,"
                 f" :pc, 'published', :t{', :target' if extra else ''})"),
            {"c": ids["community"], "k": ids["category"], "pk": kind, "pc": code, "t": now,
             "target": "居民"},
        )  # fmt: skip
    await conn.execute(
        text("INSERT INTO demand_items (community_id, category_id, title, requester_kind,"
             " requester_name, status, created_at) VALUES (:c, :k, '覆盖用例', 'resident',"
             " '张阿姨', 'published', :t)"),
        {"c": ids["community"], "k": ids["category"], "t": now},
    )  # fmt: skip


@pytest.fixture
async def hub(matrix_db: DatabasePair) -> AsyncIterator[tuple[GraphQLClient, World]]:
    world = await load_world(matrix_db)
    async for client in client_for(matrix_db):
        yield client, world


@pytest.mark.parametrize("column", COLUMNS)
async def test_every_row_cell_of_the_documented_matrix(
    hub: tuple[GraphQLClient, World], column: str
) -> None:
    client, world = hub
    cases = matrix(world)
    if column == "anonymous":
        viewer, case = client.anonymous(), Case("anonymous", {}, set(), set())
    else:
        case = cases[column]
        viewer = client.as_viewer(case.role, **case.scope)
    mismatches = []
    for entity, col, cell in CELLS:
        if col != column:
            continue
        query = _query_of(entity)
        want, got = expected(world, query, case, cell), await observed(viewer, query)
        if want != got:
            mismatches.append(f"{entity}: documented '{cell}' means {want}, the API shows {got}")
    assert mismatches == []


def test_every_scoped_cell_is_exercised_by_data(matrix_db: DatabasePair) -> None:
    """A cell like 'party to' proves little if the data gives that viewer nothing."""
    world = asyncio.run(load_world(matrix_db))
    cases = matrix(world)
    empty = [
        (entity, column)
        for entity, column, cell in CELLS
        if cell not in ("none",) and column != "anonymous"
        and expected(world, _query_of(entity), cases[column], cell) == 0
    ]  # fmt: skip
    assert empty == []


FIELD_ROWS = table("fields")
ROLE_OF_COLUMN = {"district": Role.DISTRICT, "auditor": Role.AUDITOR, "unit": Role.UNIT_BRANCH,
                  "community": Role.COMMUNITY, "grid": Role.GRID_SECRETARY,
                  "member": Role.MEMBER}  # fmt: skip


@pytest.mark.parametrize("row", FIELD_ROWS[1:], ids=lambda row: row[0])
def test_personal_field_table_matches_the_code(row: list[str]) -> None:
    type_name, field = row[0].split("`")[1].split(".")
    spec = BY_KEY[(type_name, field)]
    everything = frozenset(Withholdable)
    for column, cell in zip(FIELD_ROWS[0][1:], row[1:], strict=True):
        viewer = Viewer(ROLE_OF_COLUMN[column])
        own = column == "member" and type_name in ("Member", "Report")  # his own data
        shared = access_for(viewer, spec, frozenset(), own=own).value
        withheld = access_for(viewer, spec, everything, own=own).value
        documented = cell.split(" ")[0]
        assert shared == documented, (row[0], column)
        assert (withheld != shared) == ("(withholdable)" in cell), (row[0], column)
