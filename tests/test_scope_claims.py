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
