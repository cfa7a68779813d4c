"""Members' names written into generated texts are read like `Member.name`: audited.

The red-flag reason of a branch or unit summary and the district's reasons for branches
that lost the title name the non-compliant members. Every member whose name appears in
such a text must be in a READ_PERSONAL event of that request naming `Member.name` and the
text that showed it; a viewer who may not read names gets none in the text.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from tests.client import GraphQLClient
from tests.personal_world import (  # noqa: F401 (fixtures)
    Facts,
    audited,
    facts_fixture,
    hub_fixture,
    personal_db_fixture,
    run,
)

YEAR = 2025
BRANCH = """query($b: String!, $y: Int!) { partyBranch(code: $b) {
  performanceSummary(year: $y) { nonCompliantCount redFlagReason } } }"""
UNIT = """query($u: String!, $y: Int!) { workUnit(code: $u) {
  performanceSummary(year: $y) { nonCompliantCount redFlagReason } } }"""
DISTRICT = """query($y: Int!) { district(year: $y) {
  ineligibleBranches(first: 100) { edges { node { reason } } } } }"""
_ops = itertools.count()


def _texts(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [t for key, value in data.items() for t in (
            [value] if key in ("redFlagReason", "reason") and isinstance(value, str)
            else _texts(value))]  # fmt: skip
    if isinstance(data, list):
        return [t for value in data for t in _texts(value)]
    return []


async def _check(
    hub: GraphQLClient,
    facts: Facts,
    client: GraphQLClient,
    query: str,
    variables: dict[str, Any],
    via: str,
) -> tuple[int, list[str]]:
    """(names found in the texts, problems) for one request."""
    op = f"Text{next(_ops)}"
    body = await run(client, op, query, variables)
    assert not body.get("errors"), body["errors"]
    texts = _texts(body["data"])
    known = set(facts.names.values())
    named = {n for t in texts for n in re.split(r"等 | \d", t)[0].split("、") if n in known}
    events = await audited(hub, op)
    read = {facts.names[t] for e in events if "Member.name" in e["fields"]
            and via in (e["detail"] or {}).get("revealedBy", []) for t in e["targetIds"]}  # fmt: skip
    problems = [f"{via}: {name} named in the text, not audited" for name in sorted(named - read)]
    return len(named), problems


async def test_names_in_red_flag_reasons_are_audited(hub: GraphQLClient, facts: Facts) -> None:
    unit = facts.cases["unit"].scope["unit"]
    branches = sorted({b for m, b in facts.world.member_branch.items()
                       if facts.world.member_unit[m] == unit})  # fmt: skip
    problems, named = [], 0
    for viewer in (hub, hub.as_viewer("unit_branch", unit=unit)):
        for branch in branches:
            found, wrong = await _check(hub, facts, viewer, BRANCH, {"b": branch, "y": YEAR},
                                        "PerformanceSummary.redFlagReason")  # fmt: skip
            named, problems = named + found, problems + wrong
        found, wrong = await _check(hub, facts, viewer, UNIT, {"u": unit, "y": YEAR},
                                    "PerformanceSummary.redFlagReason")  # fmt: skip
        named, problems = named + found, problems + wrong
    found, wrong = await _check(hub, facts, hub, DISTRICT, {"y": YEAR}, "BranchStanding.reason")
    assert problems + wrong == []
    assert named, "the seeded year names nobody in a summary: the test would prove nothing"
    assert found, "the seeded year names nobody on the dashboard"


@pytest.mark.parametrize("role", ["resident", "property_company"])
async def test_viewers_who_read_no_names_get_none_in_texts(
    hub: GraphQLClient, facts: Facts, role: str
) -> None:
    scope = {"resident": {"community": facts.cases["community"].scope["community"]},
             "property_company": {"company": "PC001"}}[role]  # fmt: skip
    unit = facts.cases["unit"].scope["unit"]
    body = await run(hub.as_viewer(role, **scope), "Texts", UNIT, {"u": unit, "y": YEAR})
    texts = _texts(body.get("data"))
    assert not [name for name in facts.names.values() if any(name in t for t in texts)]
