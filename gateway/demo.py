"""Ready-made viewers for the demo data: one realistic scope per role, read from the data."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from datasources.community.lists import ACTIVE_REPORT_STATUSES
from datasources.community.models import (
    Community,
    Compound,
    District,
    Grid,
    PropertyCompany,
    Report,
    Street,
)
from datasources.community.position_models import Position, PositionKind
from datasources.community.positions import in_force
from datasources.community.source import CommunitySource
from datasources.scope import Role
from datasources.units.models import Member, PartyBranch, WorkUnit
from datasources.units.source import UnitsSource
from gateway.auth import issue_token
from gateway.settings import Settings


async def demo_scopes(units: UnitsSource, community: CommunitySource) -> dict[Role, dict[str, str]]:
    """A scope per role that shows something: the busiest community, a unit with reporters."""
    async with community.session() as session:
        district = await session.scalar(select(District.code).order_by(District.id))
        busiest = await session.scalar(
            select(Community.code)
            .join(Report, Report.community_id == Community.id)
            .where(Report.status.in_(ACTIVE_REPORT_STATUSES))
            .group_by(Community.code)
            .order_by(func.count().desc(), Community.code)
        )
        grid = await session.scalar(
            select(Grid.code)
            .join(Community, Grid.community_id == Community.id)
            .where(Community.code == busiest, Grid.parent_id.is_(None))
            .order_by(Grid.code)
        )
        member = await session.scalar(
            select(Report.member_code)
            .join(Community, Report.community_id == Community.id)
            .where(Community.code == busiest, Report.status.in_(ACTIVE_REPORT_STATUSES))
            .order_by(Report.member_code)
        )
        street = await session.scalar(
            select(Street.code)
            .join(Community, Community.street_id == Street.id)
            .where(Community.code == busiest)
        )
        company = await session.scalar(select(PropertyCompany.code).order_by(PropertyCompany.id))
        compound = await session.scalar(
            select(Compound.code)
            .join(Community, Compound.community_id == Community.id)
            .where(Community.code == busiest)
            .order_by(Compound.code)
        )
        # The busiest community's 楼栋长 in force (the seeder appoints one per community).
        position = await session.scalar(
            select(Position.code)
            .join(Community, Position.community_id == Community.id)
            .where(Community.code == busiest, Position.kind == PositionKind.BUILDING_LEADER,
                   in_force())
            .order_by(Position.code)
        )  # fmt: skip
    async with units.session() as session:
        unit, branch = (
            await session.execute(
                select(WorkUnit.code, PartyBranch.code)
                .join(Member, Member.unit_id == WorkUnit.id)
                .join(PartyBranch, Member.branch_id == PartyBranch.id)
                .where(Member.code == member)
            )
        ).one()
    if not all((district, street, busiest, grid, member, company, compound, position)):
        raise LookupError("the databases hold no demo data: run `dualhub seed` first")
    return {
        Role.DISTRICT: {"district": str(district)},
        Role.STREET: {"street": str(street)},
        Role.UNIT_BRANCH: {"unit": unit, "branch": branch},
        Role.COMMUNITY: {"community": str(busiest)},
        Role.GRID_WORKER: {"community": str(busiest), "grid": str(grid)},
        Role.GRID_BRANCH_SECRETARY: {"community": str(busiest), "grid": str(grid)},
        Role.COMPOUND_BRANCH_SECRETARY: {"community": str(busiest), "compound": str(compound)},
        Role.POSITION_HOLDER: {"community": str(busiest), "position": str(position)},
        Role.MEMBER: {"member": str(member)},
        Role.RESIDENT: {"community": str(busiest), "household": "1栋-101"},
        Role.PROPERTY_COMPANY: {"company": str(company)},
        Role.AUDITOR: {},
    }


async def demo_subjects(
    community: CommunitySource, scopes: dict[Role, dict[str, str]]
) -> dict[Role, str]:
    """Subjects that must be a particular person's: the position holder signs in as the
    holder his position records (`holder_subject`); other roles as `demo-<role>`."""
    position = scopes.get(Role.POSITION_HOLDER, {}).get("position")
    async with community.session() as session:
        holder = await session.scalar(
            select(Position.holder_subject).where(Position.code == position)
        )
    return {} if holder is None else {Role.POSITION_HOLDER: str(holder)}


def demo_tokens(
    settings: Settings, scopes: dict[Role, dict[str, str]], ttl: timedelta,
    subjects: dict[Role, str] | None = None,
) -> dict[Role, str]:  # fmt: skip
    subjects = subjects or {}
    return {
        role: issue_token(
            settings,
            role=role.value,
            scope=scope,
            subject=subjects.get(role, f"demo-{role.value}"),
            ttl=ttl,
        )
        for role, scope in scopes.items()
    }
