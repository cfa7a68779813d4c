"""The seed generator: deterministic, consistent across the two databases, and safe to rerun."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from datasources.base import Datasource
from datasources.community.models import (
    AgreementParty,
    AgreementProject,
    AllianceParty,
    Building,
    Compound,
    PartyKind,
    ProviderKind,
    Report,
    ReportStatus,
    ResourceItem,
    ServiceCategory,
    ServiceItem,
    UnitPairing,
)
from datasources.community.source import CommunitySource
from datasources.seeding import SCALES, Scale, is_empty, seed_all
from datasources.units.models import Member, WorkUnit
from datasources.units.source import UnitsSource

TINY = Scale(
    name="tiny",
    units=8,
    branches_per_unit=(1, 3),
    members=160,
    streets=2,
    communities=4,
    grids=16,
    compounds=12,
    buildings_per_compound=(1, 4),
    property_companies=3,
    alliances=3,
    agreements=5,
    report_rate=0.9,
    list_items_per_community=3,
)

Sources = tuple[UnitsSource, CommunitySource]
MakeSources = Callable[[str], Awaitable[Sources]]


@pytest.fixture
async def make_sources(tmp_path: Path) -> AsyncIterator[MakeSources]:
    """Builds a fresh pair of SQLite databases with all tables created, per name."""
    opened: list[Datasource] = []

    async def make(name: str) -> Sources:
        units = UnitsSource(f"sqlite+aiosqlite:///{tmp_path / name}-units.db")
        community = CommunitySource(f"sqlite+aiosqlite:///{tmp_path / name}-community.db")
        for source in (units, community):
            opened.append(source)
            async with source.engine.begin() as conn:
                await conn.run_sync(source.base.metadata.create_all)
        return units, community

    yield make
    for source in opened:
        await source.dispose()


@pytest.fixture
async def seeded(make_sources: MakeSources) -> Sources:
    units, community = await make_sources("seeded")
    await seed_all(units, community, TINY, seed=7, progress=False)
    return units, community


async def dump(source: Datasource) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with source.session() as session:
        for table in source.base.metadata.sorted_tables:
            statement = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in await session.execute(statement)]
    return rows


async def scalars(source: Datasource, statement: Any) -> list[Any]:
    async with source.session() as session:
        return list((await session.scalars(statement)).all())


async def test_same_seed_gives_identical_rows(make_sources: MakeSources) -> None:
    first, second, other = [await make_sources(name) for name in ("a", "b", "c")]
    counts = await seed_all(*first, TINY, seed=3, progress=False)
    assert await seed_all(*second, TINY, seed=3, progress=False) == counts
    await seed_all(*other, TINY, seed=4, progress=False)

    for index in (0, 1):
        assert await dump(first[index]) == await dump(second[index])
    assert await dump(first[0]) != await dump(other[0])


async def test_counts_match_the_databases(make_sources: MakeSources) -> None:
    units, community = await make_sources("counts")
    counts = await seed_all(units, community, TINY, progress=False)

    stored = {
        name: len(rows)
        for source in (units, community)
        for name, rows in (await dump(source)).items()
    }
    assert {name: stored[name] for name in counts} == counts
    assert counts["members"] == TINY.members
    assert counts["grids"] == TINY.grids
    assert counts["service_categories"] == 27


async def test_community_side_references_real_unit_side_codes(seeded: Sources) -> None:
    units, community = seeded
    member_codes = set(await scalars(units, select(Member.code)))
    unit_codes = set(await scalars(units, select(WorkUnit.code)))

    assert set(await scalars(community, select(Report.member_code))) <= member_codes
    assert set(await scalars(community, select(UnitPairing.unit_code))) <= unit_codes
    for model, kind_column, code_column in (
        (AllianceParty, AllianceParty.party_kind, AllianceParty.party_code),
        (AgreementParty, AgreementParty.party_kind, AgreementParty.party_code),
        (AgreementProject, AgreementProject.owner_kind, AgreementProject.owner_code),
    ):
        codes = await scalars(community, select(code_column).where(kind_column == PartyKind.UNIT))
        assert codes, f"no unit party in {model.__tablename__}"
        assert set(codes) <= unit_codes
    for item in (ResourceItem, ServiceItem):
        providers = await scalars(
            community, select(item.provider_code).where(item.provider_kind == ProviderKind.MEMBER)
        )
        assert set(providers) <= member_codes


async def test_reports_are_consistent(seeded: Sources) -> None:
    _, community = seeded
    active = await scalars(
        community,
        select(Report.member_code).where(
            Report.status.in_([ReportStatus.PENDING, ReportStatus.CONFIRMED])
        ),
    )
    # One current report per member; a second only while a move is pending.
    moving = await scalars(
        community,
        select(Report.member_code).where(
            Report.status == ReportStatus.PENDING, Report.moves_from_id.is_not(None)
        ),
    )
    assert max(Counter(active).values()) <= 2
    assert {code for code, n in Counter(active).items() if n == 2} == set(moving)
    assert 0.8 * TINY.members <= len(set(active)) <= TINY.members
    # Every ended report has its end, and no report is open without being active.
    ends = await scalars(
        community,
        select(func.count())
        .select_from(Report)
        .where(
            Report.status.in_([ReportStatus.CLOSED, ReportStatus.RETURNED])
            != Report.ended_on.is_not(None)
        ),
    )
    assert ends == [0]

    # A report's building lies in a compound of the community reported to.
    misplaced = await scalars(
        community,
        select(func.count())
        .select_from(Report)
        .join(Building, Building.id == Report.building_id)
        .join(Compound, Compound.id == Building.compound_id)
        .where(Compound.community_id != Report.community_id),
    )
    assert misplaced == [0]

    categories = set(await scalars(community, select(ServiceCategory.code)))
    for intentions in await scalars(community, select(Report.intentions)):
        assert 1 <= len(intentions) <= 3
        assert set(intentions) <= categories


async def test_refuses_to_seed_a_non_empty_database(seeded: Sources) -> None:
    assert not await is_empty(*seeded)
    before = await dump(seeded[1])

    with pytest.raises(ValueError, match="already holds data"):
        await seed_all(*seeded, TINY, seed=7, progress=False)

    assert await dump(seeded[1]) == before


async def test_reset_replaces_everything(seeded: Sources, make_sources: MakeSources) -> None:
    fresh = await make_sources("fresh")
    assert await is_empty(*fresh)
    await seed_all(*fresh, TINY, seed=11, progress=False)

    await seed_all(*seeded, TINY, seed=11, reset=True, progress=False)

    for index in (0, 1):
        assert await dump(seeded[index]) == await dump(fresh[index])


def test_scales_validate_their_numbers() -> None:
    assert {"demo", "district"} <= set(SCALES)
    district = SCALES["district"]
    assert (district.units, district.members, district.communities) == (300, 20_000, 40)
    with pytest.raises(ValueError, match="community per street"):
        Scale(**{**TINY.__dict__, "streets": 5})
