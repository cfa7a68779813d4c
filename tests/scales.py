"""Data sizes for tests: small enough to seed in a second, and one clearly larger."""

from __future__ import annotations

from datasources.seeding import Scale

SMALL = Scale(
    name="small", units=6, branches_per_unit=(1, 2), members=120,
    streets=1, communities=3, grids=9, compounds=8, buildings_per_compound=(1, 3),
    property_companies=3, alliances=2, agreements=4,
    report_rate=0.9, list_items_per_community=3,
)  # fmt: skip

LARGER = Scale(
    name="larger", units=25, branches_per_unit=(1, 3), members=900,
    streets=2, communities=12, grids=40, compounds=40, buildings_per_compound=(2, 5),
    property_companies=6, alliances=3, agreements=10,
    report_rate=0.9, list_items_per_community=5,
)  # fmt: skip
