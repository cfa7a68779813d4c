"""Deterministic rows for the community database, built on the unit side's real codes.

Generation is pure: `generate_community` returns every table's rows with ids assigned, in
an order where parents come before children. Each part draws from its own PRNG (see
`derive_rng`), so tuning one part leaves the others' data unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datasources.community.seed_addresses import place_residents
from datasources.community.seed_catalog import CATEGORIES
from datasources.community.seed_commitments import generate_commendations, generate_commitments
from datasources.community.seed_donations import generate_donations
from datasources.community.seed_help import generate_help
from datasources.community.seed_households import generate_households
from datasources.community.seed_linkage import generate_linkage
from datasources.community.seed_lists import generate_lists
from datasources.community.seed_notifications import generate_notifications
from datasources.community.seed_partner_ops import generate_partner_ops
from datasources.community.seed_partners import generate_partners
from datasources.community.seed_places import generate_places
from datasources.community.seed_positions import generate_positions
from datasources.community.seed_reports import generate_pairings, generate_reports
from datasources.community.seed_resident_points import generate_resident_points
from datasources.community.seed_spaces import generate_spaces
from datasources.community.seed_unit_claims import generate_unit_claims
from datasources.community.seed_unit_service import generate_unit_service
from datasources.community.seed_year import generate_year
from datasources.seed_data import Row, TableRows, UnitSide

if TYPE_CHECKING:
    from datasources.seeding import Scale


def generate_community(seed: int, scale: Scale, unit_side: UnitSide) -> TableRows:
    """All rows of the community database for `scale`, referencing `unit_side`'s codes."""
    rows, places = generate_places(seed, scale)
    rows["service_categories"] = category_rows()
    category_ids = {row["code"]: row["id"] for row in rows["service_categories"]}
    report_rows, supporters = generate_reports(seed, scale, places, unit_side, list(category_ids))
    rows.update(report_rows)
    pairing_rows, paired = generate_pairings(seed, places, unit_side, supporters)
    rows.update(pairing_rows)
    street_names = {row["id"]: row["name"] for row in rows["streets"]}
    rows.update(generate_partners(seed, scale, places, unit_side, paired, street_names))
    rows.update(generate_partner_ops(seed, rows))
    rows.update(generate_lists(seed, scale, places, supporters.by_community, paired, category_ids))
    rows.update(generate_year(seed, scale, places.communities, rows, unit_side, category_ids))
    rows.update(generate_linkage(seed, rows, unit_side))
    rows.update(generate_unit_service(seed, rows, unit_side))
    rows.update(generate_unit_claims(seed, rows))
    rows.update(generate_positions(seed, rows))
    rows.update(generate_households(seed, rows))
    rows.update(generate_commitments(seed, rows, unit_side))
    rows.update(generate_commendations(seed, rows))
    rows.update(generate_spaces(seed, scale, rows))
    rows.update(generate_resident_points(seed, scale, rows))
    rows.update(generate_donations(seed, scale, rows))
    rows.update(generate_help(seed, scale, rows))
    place_residents(seed, rows)  # last: its own random stream leaves the rows above as they were
    rows.update(generate_notifications(rows))  # no randomness: follows from the orders
    return rows


def category_rows() -> list[Row]:
    """The three sources' category sets, as data; sort_order restarts per source."""
    rows: list[Row] = []
    for source, entries in CATEGORIES.items():
        for order, (code, name, description) in enumerate(entries, start=1):
            rows.append({
                "id": len(rows) + 1, "code": code, "name": name, "source": source,
                "description": description, "sort_order": order, "active": True,
            })  # fmt: skip
    return rows
