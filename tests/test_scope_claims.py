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
    "member without his code": ("member", {}),
    "unit branch with a branch only": ("unit_branch", {"branch": "B01"}),
}


@pytest.mark.parametrize("case", sorted(MISSING))
def test_a_role_without_its_required_scope_is_invalid(case: str) -> None:
    role, scope = MISSING[case]
    with pytest.raises(InvalidScope, match="needs scope"):
        viewer_from_claims(role, scope, "alice", "dualhub")


@pytest.mark.parametrize("second", ["grid", "compound"])
def test_a_grid_secretary_needs_either_grid_or_compound(second: str) -> None:
    viewer = viewer_from_claims("grid_secretary", {"community": "C001", second: "X1"}, "s", "i")
    assert viewer.role is Role.GRID_SECRETARY
    assert getattr(viewer, second) == "X1"


def test_the_organisation_a_caller_acts_for() -> None:
    member = Viewer(Role.MEMBER, subject="m", member="M1")
    resident = Viewer(Role.RESIDENT, subject="r", community="C001", household="1-101")
    assert member.organisation == f"person:{member.identity_key}"
    assert resident.organisation == f"person:{resident.identity_key}"
    assert Viewer(Role.GRID_SECRETARY, community="C001", grid="G1").organisation == (
        "community:C001"
    )
    assert Viewer(Role.UNIT_BRANCH, unit="U0001", branch="B01").organisation == "unit:U0001"
    assert Viewer(Role.DISTRICT, district="D01").organisation == "district:D01"
    assert Viewer(Role.PROPERTY_COMPANY, company="P1").organisation == "company:P1"
    assert Viewer(Role.COMMUNITY).organisation == "community:"
    assert Viewer(Role.AUDITOR, subject="a").organisation == "auditor"
