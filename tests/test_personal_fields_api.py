"""docs/access.md's personal-field table, cell by cell, through the API; and every read audited.

For each row of the `matrix:fields` table and each role column, the field is queried over
GraphQL with that role's token on seeded data and compared with what is stored: **full**
(as stored), **masked** (138****1234, 张**) or **hidden** (null, empty); "(withholdable)"
cells are checked on a member who withheld his phone and skills. Every value a role is
shown, masked ones included, must leave a READ_PERSONAL audit event naming the field.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from resolvers.personal import mask_name, mask_phone
from tests.client import GraphQLClient
from tests.personal_world import (  # noqa: F401 (fixtures)
    Facts,
    audited,
    facts_fixture,
    global_id_key,
    hub_fixture,
    personal_db_fixture,
    run,
)
from tests.test_access import Case
from tests.test_access_matrix import table

FIELD_ROWS = table("fields")
COLUMNS = FIELD_ROWS[0][1:]
CELLS = [
    (row[0].split("`")[1], column, cell)
    for row in FIELD_ROWS[1:]
    for column, cell in zip(COLUMNS, row[1:], strict=True)
]
# Each documented column, as the viewers of tests.test_access.matrix (a unit with and
# without its branch claim).
VIEWERS = {"district": ["district"], "auditor": ["auditor"], "unit": ["unit", "branch"],
           "community": ["community"], "grid": ["grid"], "member": ["member"]}  # fmt: skip
_ops = itertools.count()

MEMBERS = """query($codes: [String!]) { members(first: 100, filter: {codes: $codes}) {
  edges { node { code name phone skills } } } }"""
REPORTS = """query($c: String!, $codes: [String!]) { community(code: $c) {
  supporters(first: 100, filter: {memberCodes: $codes}) {
  edges { node { memberCode building { code } skills } } } } }"""
DEMANDS = """query { demandItems(first: 100) { edges { node { id requesterName } } } }"""
WISHES = """query($c: String!) { community(code: $c) { microWishes(first: 100) {
  edges { node { id beneficiaryName } } } } }"""
ORDERS = """query($c: String!) { community(code: $c) { orders(first: 100) {
  edges { node { id beneficiaryName } } } } }"""


@dataclass(frozen=True)
class Shown:
    """One value the API returned, with what is stored and who it is about."""

    target: tuple[str, str]  # the audit log's (type, id)
    member: str | None  # whose withholding applies
    value: Any
    stored: Any


Reader = Callable[[GraphQLClient, Facts, Case, str, str], Any]


async def _members(client: GraphQLClient, facts: Facts, case: Case, field: str, op: str) -> Any:
    codes = _targets(facts, case.members)
    body = await run(client, op, MEMBERS, {"codes": codes})
    stored = {"name": facts.names, "phone": facts.phones, "skills": facts.member_skills}[field]
    return [
        Shown(("Member", n["code"]), n["code"], _norm(n[field]), _norm(stored[n["code"]]))
        for n in _nodes(body, "members")
    ]


async def _reports(client: GraphQLClient, facts: Facts, case: Case, field: str, op: str) -> Any:
    codes = _targets(facts, case.supporters)
    found = []
    for community in sorted({facts.world.active_report[m][0] for m in codes}):
        body = await run(client, op, REPORTS, {"c": community, "codes": codes})
        for n in _nodes(body, "community", "supporters"):
            code = n["memberCode"]
            if field == "building":
                value = n["building"]["code"] if n["building"] else None
                stored = facts.world.active_report[code][1]
            else:
                value, stored = _norm(n["skills"]), _norm(facts.report_skills.get(code, []))
            found.append(Shown(("Member", code), code, value, stored))
    return found


def _resident(query: str, type_name: str, *path: str) -> Reader:
    async def read(client: GraphQLClient, facts: Facts, case: Case, field: str, op: str) -> Any:
        community = facts.cases["community"].scope["community"]
        body = await run(client, op, query, {"c": community} if "$c" in query else {})
        shown = []
        for n in _nodes(body, *path):
            key = (type_name, global_id_key(type_name, n["id"]))
            shown.append(Shown(key, None, n[field], facts.resident_names[key]))
        return shown

    return read


READERS: dict[str, Reader] = {
    "Member": _members,
    "Report": _reports,
    "DemandItem": _resident(DEMANDS, "DemandItem", "demandItems"),
    "MicroWish": _resident(WISHES, "MicroWish", "community", "microWishes"),
    "ServiceOrder": _resident(ORDERS, "ServiceOrder", "community", "orders"),
}
MASKS: dict[str, Callable[[str], str]] = {"phone": mask_phone}
HIDDEN = (None, [], "**", "（已隐藏）")


def _targets(facts: Facts, visible: set[str]) -> list[str]:
    """A few members the viewer reads, with the withholder whenever he is one of them."""
    chosen = sorted(visible)[:6]
    if facts.withholder in visible and facts.withholder not in chosen:
        chosen.append(facts.withholder)
    return chosen


def _nodes(body: dict[str, Any], *path: str) -> list[dict[str, Any]]:
    assert not body.get("errors"), body["errors"]
    data: Any = body["data"]
    for key in path:
        data = data[key] if data is not None else None
    if data is None:
        return []
    return [edge["node"] for edge in (data["edges"] if isinstance(data, dict) else data)]


def _norm(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


def _seen_as(shown: Shown, field: str) -> str:
    if shown.value in HIDDEN:
        return "hidden"
    if shown.value == shown.stored:
        return "full"
    mask = MASKS.get(field, mask_name)
    if isinstance(shown.stored, str) and shown.value == mask(shown.stored):
        return "masked"
    return f"unexpected {shown.value!r} (stored {shown.stored!r})"


def _expected(cell: str, shown: Shown, facts: Facts) -> str:
    if "(withholdable)" in cell and shown.member == facts.withholder:
        return "hidden"
    return cell.split(" ")[0]


@pytest.mark.parametrize("column", COLUMNS)
async def test_every_personal_field_cell_through_the_api(
    hub: GraphQLClient, facts: Facts, column: str
) -> None:
    mismatches, unaudited, checked = [], [], set()
    for key, cell in ((k, c) for k, col, c in CELLS if col == column):
        type_name, field = key.split(".")
        for name in VIEWERS[column]:
            case = facts.cases[name]
            client = hub.as_viewer(case.role, case.subject, **case.scope)
            op = f"Cell{next(_ops)}"
            shown = await READERS[type_name](client, facts, case, field, op)
            events = await _events(hub, op, len(shown))
            for s in shown:
                if s.stored in HIDDEN:
                    continue  # nothing stored: every access shows the same
                seen, want = _seen_as(s, field), _expected(cell, s, facts)
                checked.add((key, name, want))
                if seen != want:
                    mismatches.append(f"{key} for {name} ({s.target[1]}): docs say {want}, "
                                      f"the API shows {seen}")  # fmt: skip
                if seen != "hidden" and key not in events.get(s.target, set()):
                    unaudited.append(f"{key} of {s.target} read by {name} ({seen}) not audited")
    assert mismatches == []
    assert unaudited == []
    _assert_every_cell_exercised(column, checked)


async def _events(hub: GraphQLClient, op: str, rows: int) -> dict[tuple[str, str], set[str]]:
    """Fields audited per target by the operation's requests."""
    found: dict[tuple[str, str], set[str]] = {}
    for event in await audited(hub, op) if rows else []:
        for target in event["targetIds"]:
            found.setdefault((event["targetType"], target), set()).update(event["fields"])
    return found


def _assert_every_cell_exercised(column: str, checked: set[tuple[str, str, str]]) -> None:
    """A cell proves nothing if no row gave it a value; withholdable ones need the
    withholder too (hidden) and someone else (full)."""
    missing = []
    for key, col, cell in CELLS:
        if col != column:
            continue
        word = cell.split(" ")[0]
        wants = {word} | ({"hidden"} if "(withholdable)" in cell else set())
        if word == "hidden":
            continue  # a role that reads no such row at all sees it hidden, trivially
        for want in wants:
            if not any((key, name, want) in checked for name in VIEWERS[column]):
                missing.append((key, want))
    assert missing == [], missing
