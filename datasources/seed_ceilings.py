"""The appraisal ceilings of the demo's evaluation year, computed by the hub's own rules.

The seeder records organisation evaluations within each member's ceiling (评议等次上限),
so it asks the hub's code, not an approximation: the community side's figures of the year
(`CommunityPerformance.compliance_figures`, the statements the hub's reads run) in the
seeding transaction, judged by `resolvers.appraisal_ceiling.judged` against the year's
policy, as the district organisation department (who reads every member) would see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

from sqlalchemy.ext.asyncio import AsyncSession

from datasources.community.performance import CommunityPerformance
from datasources.community.policy import visible
from datasources.community.source import CommunitySource
from datasources.scope import Role, Scope, Viewer
from datasources.seed_data import Row
from datasources.units.models import AppraisalPolicy


class _DistrictFacts:
    """The district reads everything: it needs no facts of the other side."""

    async def members_of_viewer_unit(self) -> Sequence[str]:
        return []

    async def members_reported_to_viewer(self) -> Sequence[str]:
        return []

    async def unit_of_viewer_member(self) -> str | None:
        return None


async def compliance_of_year(
    community: CommunitySource, session: AsyncSession, members: list[Row], policy: Row
) -> dict[str, object]:
    """Each member's compliance (`resolvers.performance.Compliance`, or None outside the
    policy) with `policy` in its year, by member code, from the rows `session` holds."""
    from resolvers.appraisal_ceiling import judged  # the hub's rule, imported when seeding

    viewer = Viewer(Role.DISTRICT, subject="seeder", district=policy["district_code"] or None)
    figures_of = CommunityPerformance(community, Scope(visible, viewer, _DistrictFacts()))
    year = policy["year"]
    keys = [(member["code"], year) for member in members]
    figures = await figures_of.compliance_figures(keys, session)
    rule = AppraisalPolicy(**policy)
    return {
        member["code"]: judged(SimpleNamespace(**member), year, found, rule)
        for member, found in zip(members, figures, strict=True)
    }


async def performances_of_year(
    community: CommunitySource, session: AsyncSession, members: list[Row], policy: Row
) -> dict[str, object]:
    """Each member's year (`resolvers.performance.Performance`, figures judged against
    `policy`), by member code, from the rows `session` holds: what a certificate of that
    year counts (`Performance.counted`), as the district would issue it."""
    from resolvers import performance as perf

    viewer = Viewer(Role.DISTRICT, subject="seeder", district=policy["district_code"] or None)
    figures_of = CommunityPerformance(community, Scope(visible, viewer, _DistrictFacts()))
    year = policy["year"]
    figures = await figures_of.compliance_figures([(m["code"], year) for m in members], session)
    rule = AppraisalPolicy(**policy)
    return {
        member["code"]: perf.Performance(
            member_id=member["id"], member_code=member["code"], name=member["name"],
            political_status=member["political_status"], unit_id=member["unit_id"],
            branch_id=member["branch_id"], year=year, figures=found, policy=rule,
        )
        for member, found in zip(members, figures, strict=True)
    }  # fmt: skip
