"""A property contract's state follows its dates (`effective_contract_state`), the same in
Python and in SQL (`contract_state_sql`, for filters)."""

from __future__ import annotations

from datetime import date

import pytest

from datasources.community.partner_models import (
    ContractState,
    ContractStatus,
    effective_contract_state,
)

TODAY = date(2026, 12, 4)
START, END = date(2024, 1, 1), date(2026, 12, 31)


@pytest.mark.parametrize(
    ("status", "ends_on", "ended_on", "expected"),
    [
        (ContractStatus.ACTIVE, END, None, ContractState.ACTIVE),
        (ContractStatus.ACTIVE, TODAY, None, ContractState.ACTIVE),  # its last day
        (ContractStatus.ACTIVE, date(2026, 12, 3), None, ContractState.EXPIRED),
        (ContractStatus.ENDED, END, date(2025, 6, 1), ContractState.ENDED),  # terminated early
        (ContractStatus.ENDED, date(2026, 1, 31), date(2026, 1, 31), ContractState.EXPIRED),
    ],
)
def test_state_follows_the_dates(
    status: ContractStatus, ends_on: date, ended_on: date | None, expected: ContractState
) -> None:
    assert effective_contract_state(status, ends_on, ended_on, TODAY) is expected
