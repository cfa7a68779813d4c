"""Scope claims and identity, unit by unit (datasources/scope.py).

The edge cases the mutation run (docs/mutation-testing.md, group a) found untested: a token
whose role is unknown, or whose scope value is blank or not a string, is refused with
`InvalidScope` (which authentication turns into UNAUTHENTICATED; any other exception would
be a 500), and `Viewer.identity` has one canonical form. The identity is stored (audit
entries, idempotency keys, residents' own records, rate-limit counters key on it or on its
digest), so its form is a contract: the same caller must get the same string on every
release, whatever order his scope keys came in.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from datasources.scope import InvalidScope, Role, Viewer, viewer_from_claims

REFUSED: dict[str, tuple[str, dict[str, Any]]] = {
    "unknown role": ("emperor", {"community": "C001"}),
    "empty role": ("", {"community": "C001"}),
    "blank scope value": ("community", {"community": "   "}),
    "empty scope value": ("community", {"community": ""}),
    "numeric scope value": ("community", {"community": 7}),
    "list scope value": ("unit_branch", {"unit": ["U0001"]}),
    "blank value beside a good one": ("unit_branch", {"unit": "U0001", "branch": " "}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_claims_no_caller_may_hold_are_invalid_scope(case: str) -> None:
    role, scope = REFUSED[case]
    with pytest.raises(InvalidScope):
        viewer_from_claims(role, scope, "alice", "dualhub")


def test_identity_has_one_canonical_form() -> None:
    viewer = Viewer(Role.UNIT_BRANCH, subject="alice", issuer="idp", unit="U0001", branch="B01")
    # Scope keys sorted, no spaces, non-ASCII kept as is.
    assert viewer.identity == '["idp","alice","unit_branch",{"branch":"B01","unit":"U0001"}]'
    assert viewer.identity_key == hashlib.sha256(viewer.identity.encode()).hexdigest()
    chinese = Viewer(Role.COMMUNITY, subject="张三", issuer="idp", community="C001")
    assert chinese.identity == '["idp","张三","community",{"community":"C001"}]'


def test_identity_does_not_depend_on_the_order_of_claims() -> None:
    one = viewer_from_claims("resident", {"community": "C001", "household": "1-101"}, "bob", "i")
    two = viewer_from_claims("resident", {"household": "1-101", "community": "C001"}, "bob", "i")
    assert one.identity == two.identity
    assert one.identity.endswith('{"community":"C001","household":"1-101"}]')


MISSING: dict[str, tuple[str, dict[str, Any]]] = {
    "community without its code": ("community", {}),
    "grid secretary without grid or compound": ("grid_secretary", {"community": "C001"}),
    "grid secretary without community": ("grid_secretary", {"grid": "G01"}),
    "grid worker without grid": ("grid_worker", {"community": "C001"}),
    "grid branch secretary without grid": ("grid_branch_secretary", {"community": "C001"}),
    "compound secretary without compound": ("compound_branch_secretary", {"community": "C001"}),
    "position holder without position": ("position_holder", {"community": "C001"}),
    "position holder without community": ("position_holder", {"position": "POS-1"}),
    "member without his code": ("member", {}),
    "unit branch with a branch only": ("unit_branch", {"branch": "B01"}),
}


@pytest.mark.parametrize("case", sorted(MISSING))
def test_a_role_without_its_required_scope_is_invalid(case: str) -> None:
    role, scope = MISSING[case]
    with pytest.raises(InvalidScope, match="needs scope"):
        viewer_from_claims(role, scope, "alice", "dualhub")


FOREIGN: dict[str, tuple[str, dict[str, Any]]] = {
    "grid worker with a compound": ("grid_worker", {"community": "C1", "grid": "G1",
                                                    "compound": "CP1"}),
    "grid branch secretary with a compound": ("grid_branch_secretary",
                                              {"community": "C1", "grid": "G1", "compound": "CP1"}),
    "compound secretary with a grid": ("compound_branch_secretary",
                                       {"community": "C1", "compound": "CP1", "grid": "G1"}),
    "position holder with a household": ("position_holder", {"community": "C1", "position": "P",
                                                             "household": "1-101"}),
    "resident with a position": ("resident", {"community": "C1", "position": "P"}),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_the_split_roles_carry_only_their_own_claims(case: str) -> None:
    role, scope = FOREIGN[case]
    with pytest.raises(InvalidScope, match="cannot carry"):
        viewer_from_claims(role, scope, "alice", "dualhub")


@pytest.mark.parametrize(
    ("second", "role"),
    [("grid", Role.GRID_BRANCH_SECRETARY), ("compound", Role.COMPOUND_BRANCH_SECRETARY)],
)
def test_a_deprecated_grid_secretary_token_is_his_branch_secretary(second: str, role: Role) -> None:
    """`grid_secretary` tokens are accepted during the deprecation period as the branch
    secretary of their claim, keeping the identity they had (their keys, their orders)."""
    viewer = viewer_from_claims("grid_secretary", {"community": "C001", second: "X1"}, "s", "i")
    assert viewer.role is role
    assert getattr(viewer, second) == "X1"
    assert viewer.identity == f'["i","s","grid_secretary",{{"community":"C001","{second}":"X1"}}]'
    assert viewer.organisation == "community:C001"


def test_a_deprecated_token_with_grid_and_compound_is_the_compound_secretary() -> None:
    """The old role scoped such a token by its compound; the compound secretary keeps that."""
    scope = {"community": "C001", "grid": "G1", "compound": "CP1"}
    viewer = viewer_from_claims("grid_secretary", scope, "s", "i")
    assert (viewer.role, viewer.compound, viewer.grid) == (
        Role.COMPOUND_BRANCH_SECRETARY, "CP1", None,
    )  # fmt: skip


def test_the_new_roles_have_their_own_identity() -> None:
    worker = viewer_from_claims("grid_worker", {"community": "C001", "grid": "G1"}, "s", "i")
    secretary = viewer_from_claims("grid_secretary", {"community": "C001", "grid": "G1"}, "s", "i")
    assert worker.role is Role.GRID_WORKER
    assert worker.identity_key != secretary.identity_key
    holder = viewer_from_claims("position_holder", {"community": "C1", "position": "P1"}, "s", "i")
    assert holder.organisation == f"person:{holder.identity_key}"


def test_the_organisation_a_caller_acts_for() -> None:
    member = Viewer(Role.MEMBER, subject="m", member="M1")
    resident = Viewer(Role.RESIDENT, subject="r", community="C001", household="1-101")
    assert member.organisation == f"person:{member.identity_key}"
    assert resident.organisation == f"person:{resident.identity_key}"
    assert Viewer(Role.GRID_WORKER, community="C001", grid="G1").organisation == ("community:C001")
    assert Viewer(Role.UNIT_BRANCH, unit="U0001", branch="B01").organisation == "unit:U0001"
    assert Viewer(Role.DISTRICT, district="D01").organisation == "district:D01"
    assert Viewer(Role.PROPERTY_COMPANY, company="P1").organisation == "company:P1"
    assert Viewer(Role.COMMUNITY).organisation == "community:"
    assert Viewer(Role.AUDITOR, subject="a").organisation == "auditor"
