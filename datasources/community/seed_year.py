"""The seeded year of community operations, put together (see `seed_operations` for what
the records obey). The scale's `operations` sets roughly how many ledger and service
records (orders, signups, wishes, points entries, redemptions) the year holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datasources.community.seed_groups import generate_evaluations, generate_groups
from datasources.community.seed_mall import generate_ledger
from datasources.community.seed_operations import generate_operations
from datasources.community.seed_opinions import generate_opinion_requests
from datasources.community.seed_places import CommunityPlace
from datasources.community.seed_posts import generate_posts
from datasources.community.seed_serving import serving_pools
from datasources.seed_data import TableRows, UnitSide, derive_rng

if TYPE_CHECKING:
    from datasources.seeding import Scale


def generate_year(
    seed: int,
    scale: Scale,
    places: tuple[CommunityPlace, ...],
    rows: TableRows,
    unit_side: UnitSide,
    category_ids: dict[str, int],
) -> TableRows:
    """Orders, activities, wishes, posts and their duty, points, mall, groups, assignments,
    evaluations and opinion requests."""
    pools = serving_pools(
        derive_rng(seed, "serving"), rows["reports"], unit_side, [p.id for p in places]
    )
    operations = generate_operations(seed, scale, places, pools, rows, category_ids)
    out = dict(operations.rows)
    out.update(
        generate_posts(derive_rng(seed, "posts"), places, pools, category_ids, operations.earnings)
    )
    out.update(generate_ledger(seed, places, operations.earnings))
    groups, leader_of = generate_groups(seed, places, pools, rows["buildings"])
    out.update(groups)
    unit_of = {member.code: member.unit_code for member in unit_side.members}
    out["member_evaluations"] = generate_evaluations(
        seed, places, pools, operations.earnings, leader_of, unit_of
    )
    out.update(generate_opinion_requests(seed, rows, unit_of))
    return out
