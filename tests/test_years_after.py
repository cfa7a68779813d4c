"""`datasources.common.years_after`: anniversaries of 29 February (terms, probation, ages)."""

from datetime import date

import pytest

from datasources.common import years_after


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2024, 2, 29), 3, date(2027, 2, 28)),
        (date(2024, 2, 29), 4, date(2028, 2, 29)),
        (date(2024, 2, 29), -5, date(2019, 2, 28)),
        (date(2023, 3, 1), 1, date(2024, 3, 1)),
    ],
)
def test_years_after(day: date, years: int, expected: date) -> None:
    assert years_after(day, years) == expected
