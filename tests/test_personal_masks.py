"""Masks and the personal-field table, unit by unit (resolvers/personal.py).

tests/test_personal_fields_api.py checks through the API that each role gets each field
full, masked or hidden, computing the masked value with these same functions: what a mask
shows is pinned here, so a mask that showed more (or less) would not pass unnoticed. Found
by the mutation run (docs/mutation-testing.md, group b).
"""

from __future__ import annotations

import dataclasses

import pytest

from datasources.scope import Role, Viewer
from resolvers.personal import (
    BY_KEY,
    Access,
    PersonalField,
    Withholdable,
    access_for,
    mask_name,
    mask_phone,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "张*"), ("", "*"), ("Li Lei", "L*****")],
)
def test_a_masked_name_keeps_the_first_character_only(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("075712345678", "075*****5678"),
        ("0757-12345678", "075******5678"),
        ("+8613812341234", "+86*******1234"),
        ("+86-757-12345678-123", "+86*************-123"),
        # Too short for 3 + 4 shown and at least 4 hidden: starred whole.
        ("1381234123", "**********"),
        ("82345678", "********"),
        ("1234567", "*******"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_a_masked_phone_hides_at_least_four_characters(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
    assert len(masked) == len(phone)
    assert sum(c == "*" for c in masked) >= min(len(phone), 4)


def test_the_table_cannot_be_changed_at_run_time() -> None:
    field = BY_KEY[("Member", "phone")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        field.access = {}  # type: ignore[misc]


WITHHELD = frozenset(Withholdable)
PHONE = BY_KEY[("Member", "phone")]
BUILDING = BY_KEY[("Report", "building")]


@pytest.mark.parametrize(
    ("viewer", "field", "withheld", "own", "expected"),
    [
        # Withholding turns the community side's FULL into HIDDEN, and nothing else.
        (Viewer(Role.COMMUNITY, community="C001"), PHONE, WITHHELD, False, Access.HIDDEN),
        (Viewer(Role.GRID_WORKER, community="C001", grid="G1"), PHONE, WITHHELD, False,
         Access.HIDDEN),
        (Viewer(Role.COMMUNITY, community="C001"), PHONE, frozenset(), False, Access.FULL),
        (Viewer(Role.UNIT_BRANCH, unit="U0001"), PHONE, WITHHELD, False, Access.FULL),
        (Viewer(Role.DISTRICT, district="D01"), PHONE, WITHHELD, False, Access.MASKED),
        # A field no member can withhold stays as the table says.
        (Viewer(Role.COMMUNITY, community="C001"), BUILDING, WITHHELD, False, Access.FULL),
        (Viewer(Role.UNIT_BRANCH, unit="U0001"), BUILDING, frozenset(), False, Access.HIDDEN),
        # A role without a column sees nothing; the member himself sees all of his own.
        (Viewer(Role.RESIDENT, community="C001"), PHONE, frozenset(), False, Access.HIDDEN),
        (Viewer(Role.MEMBER, member="M1"), PHONE, WITHHELD, True, Access.FULL),
        (Viewer(Role.MEMBER, member="M1"), BY_KEY[("DemandItem", "requesterName")],
         frozenset(), False, Access.MASKED),
    ],
)  # fmt: skip
def test_access_for_follows_the_table_and_the_members_choices(
    viewer: Viewer,
    field: PersonalField,
    withheld: frozenset[Withholdable],
    own: bool,
    expected: Access,
) -> None:
    assert access_for(viewer, field, withheld, own=own) is expected


def test_whether_the_field_is_the_viewers_own_must_be_named() -> None:
    # `own=True` shows everything: a bare positional True at a call site is not accepted.
    viewer = Viewer(Role.COMMUNITY, community="C001")
    with pytest.raises(TypeError):
        access_for(viewer, PHONE, frozenset(), True)  # type: ignore[misc]
