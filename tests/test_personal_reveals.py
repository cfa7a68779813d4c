"""Filters, orderings and lists that reveal a personal field follow that field's table.

The schema is walked: every argument of every list field, and every list of people, must
be declared in `resolvers/reveals.py` as revealing nothing or a field of the personal
table, so a new one cannot slip in undeclared. Each declared revealing path is then used
by every role: where the table hides the field from the role, the result must not depend
on the value asked for (nothing is revealed); where it shows it, the rows shown are the
right ones and are audited as reads of the field, naming the path.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
)

from datasources.scope import Role, Viewer
from resolvers.audit import AuditTrail
from resolvers.personal import BY_KEY
from resolvers.reveals import ARGUMENTS, FILTERS, NESTED, ORDERINGS, refused
from schema.app import build_schema
from tests.client import GraphQLClient
from tests.personal_world import (  # noqa: F401 (fixtures)
    Facts,
    audited,
    facts_fixture,
    hub_fixture,
    personal_db_fixture,
    run,
)
from tests.test_access import Case

SCHEMA = build_schema()._schema
PAGING = ("first", "after", "direction")


def _unwrap(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLList | GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return graphql_type


def _item_type(field: GraphQLField) -> Any | None:
    """The item type of a list field (a plain list or a Relay connection), else None."""
    named = _unwrap(field.type)
    if named.name.endswith("Connection") and "edges" in named.fields:
        return _unwrap(_unwrap(named.fields["edges"].type).fields["node"].type)
    bare = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return named if isinstance(bare, GraphQLList) else None


def _list_fields() -> Iterator[tuple[str, str, GraphQLField, Any]]:
    for type_name, graphql_type in sorted(SCHEMA.type_map.items()):
        if not isinstance(graphql_type, GraphQLObjectType) or type_name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            item = _item_type(field)
            if item is not None:
                yield type_name, name, field, item


def _people_types() -> set[str]:
    """Types carrying a personal field, and types naming a member or his report."""
    personal = {type_name for type_name, _field in BY_KEY}
    found = set(personal)
    for type_name, graphql_type in SCHEMA.type_map.items():
        plumbing = type_name.endswith(("Edge", "Connection", "Payload")) or type_name in (
            "Query", "Mutation",
        )  # fmt: skip
        if isinstance(graphql_type, GraphQLObjectType) and not plumbing:
            targets = {_unwrap(f.type).name for f in graphql_type.fields.values()}
            if targets & {"Member", "Report"}:
                found.add(type_name)
    return found


def test_every_argument_of_every_list_field_declares_what_it_reveals() -> None:
    undeclared = []
    for parent, name, field, _item in _list_fields():
        for argument_name, argument in field.args.items():
            if argument_name in PAGING:
                continue
            argument_type = _unwrap(argument.type)
            if isinstance(argument_type, GraphQLInputObjectType):
                declared = FILTERS.get(argument_type.name, {})
                undeclared += [f"{argument_type.name}.{f}" for f in argument_type.fields
                               if f not in declared]  # fmt: skip
            elif isinstance(argument_type, GraphQLEnumType) and argument_name == "orderBy":
                declared = ORDERINGS.get(argument_type.name, {})
                undeclared += [f"{argument_type.name}.{v}" for v in argument_type.values
                               if v not in declared]  # fmt: skip
            elif f"{parent}.{name}({argument_name})" not in ARGUMENTS:
                undeclared.append(f"{parent}.{name}({argument_name})")
    assert sorted(set(undeclared)) == []


def test_every_list_of_people_declares_what_it_reveals() -> None:
    people = _people_types()
    undeclared = [f"{parent}.{name}" for parent, name, _f, item in _list_fields()
                  if item.name in people and f"{parent}.{name}" not in NESTED]  # fmt: skip
    assert undeclared == []


def test_declarations_are_of_the_schema_and_of_the_personal_table() -> None:
    lists = {f"{parent}.{name}": field for parent, name, field, _item in _list_fields()}
    stale = [key for key in NESTED if key not in lists]
    for type_name, fields in (*FILTERS.items(), *ORDERINGS.items()):
        graphql_type = SCHEMA.type_map.get(type_name)
        known = getattr(graphql_type, "fields", None) or getattr(graphql_type, "values", {})
        stale += [f"{type_name}.{name}" for name in fields if name not in known]
    for key in ARGUMENTS:
        field_key, argument = key.rstrip(")").split("(")
        if field_key not in lists or argument not in lists[field_key].args:
            stale.append(key)
    assert stale == []
    revealed = {k for d in (*FILTERS.values(), *ORDERINGS.values(), ARGUMENTS, NESTED)
                for keys in d.values() for k in keys or ()}  # fmt: skip
    assert revealed <= {f"{t}.{f}" for t, f in BY_KEY}


# -- every revealing path, used by every role ------------------------------------------


@dataclass(frozen=True)
class Probe:
    """How to use one revealing path: a query, the values to try, what it should show."""

    query: str
    extract: Callable[[dict[str, Any]], set[str]]
    # (variables that would match something the case reads, variables of another value)
    values: Callable[[Facts, Case], tuple[dict[str, Any], dict[str, Any]]]
    # the members a viewer allowed to use it must see, when cheap to say
    expected: Callable[[Facts, Case, dict[str, Any]], set[str]] | None = None


def _edges(data: Any) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["edges"]] if data else []


def _supporters(body: dict[str, Any]) -> set[str]:
    return {n["memberCode"] for n in _edges(body["data"]["community"]["supporters"])}


def _reference(facts: Facts, case: Case, need: Callable[[str], bool]) -> str:
    """A supporter the case reads (else anyone) for whom `need` holds."""
    for pool in (case.supporters, set(facts.world.active_report)):
        found = sorted(m for m in pool if need(m))
        if found:
            return found[0]
    raise AssertionError("no supporter fits")


def _home(facts: Facts, member: str) -> tuple[str, str | None]:
    return facts.world.active_report[member]


def _place_values(kind: str) -> Callable[[Facts, Case], tuple[dict[str, Any], dict[str, Any]]]:
    def place(facts: Facts, building: str | None) -> str | None:
        if building is None:
            return None
        world = facts.world
        return {"building": building, "compound": world.building_compound[building],
                "grid": world.building_grid.get(building)}[kind]  # fmt: skip

    def values(facts: Facts, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
        member = _reference(facts, case, lambda m: place(facts, _home(facts, m)[1]) is not None)
        community, building = _home(facts, member)
        value = place(facts, building)
        others = sorted({p for b in facts.world.building_compound
                         if (p := place(facts, b)) is not None and p != value})  # fmt: skip
        return {"c": community, "v": value}, {"c": community, "v": others[0]}

    return values


def _place_expected(kind: str) -> Callable[[Facts, Case, dict[str, Any]], set[str]]:
    def expected(facts: Facts, case: Case, variables: dict[str, Any]) -> set[str]:
        world, found = facts.world, set()
        for member in case.supporters:
            community, building = _home(facts, member)
            if community != variables["c"] or building is None:
                continue
            place = {"building": building, "compound": world.building_compound[building],
                     "grid": world.building_grid.get(building)}[kind]  # fmt: skip
            if place == variables["v"]:
                found.add(member)
        return found

    return expected


def _skill_values(facts: Facts, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    """A skill of the withholder where the case reads him (withheld skills must not
    match), else of another supporter he reads."""
    if facts.withholder in case.supporters and facts.report_skills.get(facts.withholder):
        member = facts.withholder
    else:
        member = _reference(facts, case, lambda m: bool(facts.report_skills.get(m)))
    skill = sorted(facts.report_skills[member])[0]
    other = sorted({s for skills in facts.report_skills.values() for s in skills} - {skill})[0]
    community = _home(facts, member)[0]
    return {"c": community, "v": skill}, {"c": community, "v": other}


def _skill_expected(facts: Facts, case: Case, variables: dict[str, Any]) -> set[str]:
    return {
        m for m in case.supporters
        if _home(facts, m)[0] == variables["c"] and m != facts.withholder
        and variables["v"] in facts.report_skills.get(m, [])
    }  # fmt: skip


def _name_values(facts: Facts, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    members = sorted(case.members) or sorted(facts.names)
    name = facts.names[members[0]]
    other = sorted(n for n in facts.names.values() if name not in n and n not in name)[0]
    return {"v": name}, {"v": other}


def _no_values(_facts: Facts, _case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    return {}, {}


def _compound_values(facts: Facts, case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    first, second = _place_values("compound")(facts, case)
    return {"v": first["v"]}, {"v": second["v"]}


def _in_compound(facts: Facts, case: Case, variables: dict[str, Any]) -> set[str]:
    return {m for m in case.supporters if (b := _home(facts, m)[1]) is not None
            and facts.world.building_compound[b] == variables["v"]}  # fmt: skip


SUPPORTERS_BY = """query($c: String!, $v: String!) { community(code: $c) {
  supporters(first: 100, filter: {%s: $v}) { totalCount edges { node { memberCode } } } } }"""
PROBES: dict[str, Probe] = {
    **{
        f"SupporterFilter.{kind}Code": Probe(
            SUPPORTERS_BY % f"{kind}Code",
            _supporters,
            _place_values(kind),
            _place_expected(kind),
        )
        for kind in ("building", "compound", "grid")
    },
    "SupporterFilter.skill": Probe(
        SUPPORTERS_BY % "skill", _supporters, _skill_values, _skill_expected
    ),
    "MemberFilter.nameContains": Probe(
        """query($v: String!) { members(first: 100, filter: {nameContains: $v}) {
          totalCount edges { node { code } } } }""",
        lambda body: {n["code"] for n in _edges(body["data"]["members"])},
        _name_values,
        lambda facts, case, v: {m for m in case.members if v["v"] in facts.names[m]},
    ),
    "MemberOrder.NAME": Probe(
        """query { members(first: 100, orderBy: NAME) { edges { cursor node { code } } } }""",
        lambda body: {n["code"] for n in _edges(body["data"]["members"])},
        _no_values,
    ),
    "Building.supporters": Probe(
        """query($v: String!) { compound(code: $v) { buildings(first: 100) { edges { node {
          supporters(first: 100) { totalCount edges { node { memberCode } } } } } } } }""",
        lambda body: {
            n["memberCode"]
            for b in _edges((body["data"]["compound"] or {}).get("buildings"))
            for n in _edges(b["supporters"])
        },
        _compound_values,
        _in_compound,
    ),
    "DemandItem.suggestedSupporters": Probe(
        """query { demandItems(first: 30) { edges { node {
          suggestedSupporters(first: 5) { supporter { memberCode } } } } } }""",
        lambda body: {
            s["supporter"]["memberCode"]
            for d in _edges(body["data"]["demandItems"])
            for s in d["suggestedSupporters"]
        },
        _no_values,
    ),
}
REVEALING = sorted(
    [f"{t}.{name}" for t, fields in (*FILTERS.items(), *ORDERINGS.items())
     for name, keys in fields.items() if keys]
    + [path for path, keys in (*NESTED.items(), *ARGUMENTS.items()) if keys]
)  # fmt: skip
DECLARED = {
    **{f"{t}.{n}": k for t, fields in (*FILTERS.items(), *ORDERINGS.items())
       for n, k in fields.items()},
    **NESTED, **ARGUMENTS,
}  # fmt: skip
_ops = itertools.count()


def test_every_revealing_path_has_a_probe() -> None:
    assert [path for path in REVEALING if path not in PROBES] == []


def _viewers(facts: Facts) -> list[tuple[str, Case]]:
    cases = list(facts.cases.items())
    return [*cases, ("anonymous", Case("anonymous", {}, set(), set()))]


@pytest.mark.parametrize("path", REVEALING)
async def test_a_revealing_path_follows_the_fields_table(
    hub: GraphQLClient, facts: Facts, path: str
) -> None:
    probe, keys = PROBES[path], DECLARED[path] or ()
    problems, shown_somewhere, hidden_from_a_reader = [], False, False
    for name, case in _viewers(facts):
        client = (
            hub.as_viewer(case.role, case.subject, **case.scope)
            if case.role != "anonymous"
            else hub.anonymous()
        )
        viewer = Viewer(Role(case.role))
        value, other = probe.values(facts, case)
        op = f"Reveal{next(_ops)}"
        body = await run(client, op, probe.query, value)
        events = await audited(hub, op)
        if refused(viewer, keys) is not None:
            problems += _reveals_nothing(client, body, probe, other, events, keys, name)
            problems += await _same_for_another_value(client, body, probe, other, name)
            if probe.expected is not None and probe.expected(facts, case, value):
                hidden_from_a_reader = True
            continue
        assert not body.get("errors"), (name, body["errors"])
        shown = probe.extract(body)
        shown_somewhere |= bool(shown)
        if probe.expected is not None and shown != probe.expected(facts, case, value):
            problems.append(f"{name}: shown {sorted(shown)}, expected "
                            f"{sorted(probe.expected(facts, case, value))}")  # fmt: skip
        for key in keys:
            audited_ids = {t for e in events if key in e["fields"]
                           and path in (e["detail"] or {}).get("revealedBy", [])
                           for t in e["targetIds"]}  # fmt: skip
            if not shown <= audited_ids:
                problems.append(f"{name}: {key} of {sorted(shown - audited_ids)} not audited")
    assert problems == []
    assert shown_somewhere, f"{path}: no role allowed to use it was shown anything"
    if refused(Viewer(Role.UNIT_BRANCH), keys) and probe.expected:  # a reader of the rows
        assert hidden_from_a_reader, f"{path}: no hidden role would have matched anything"


def _reveals_nothing(
    _client: GraphQLClient,
    body: dict[str, Any],
    probe: Probe,
    _other: dict[str, Any],
    events: list[dict[str, Any]],
    keys: tuple[str, ...],
    name: str,
) -> list[str]:
    if body.get("errors"):
        codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
        return [] if codes == {"FORBIDDEN"} else [f"{name}: refused without a code: {codes}"]
    problems = []
    if probe.extract(body):
        problems.append(f"{name}: may not read {keys} yet was shown {sorted(probe.extract(body))}")
    if any(set(keys) & set(e["fields"]) for e in events):
        problems.append(f"{name}: audited a read of {keys} it was not shown")
    return problems


async def _same_for_another_value(
    client: GraphQLClient, body: dict[str, Any], probe: Probe, other: dict[str, Any], name: str
) -> list[str]:
    """Whatever the value asked for, a hidden field gives the same answer."""
    again = await run(client, f"Reveal{next(_ops)}", probe.query, other)
    first, second = _answer(probe, body), _answer(probe, again)
    if first != second:
        return [f"{name}: the answer depends on the value ({first} vs {second})"]
    return []


def _answer(probe: Probe, body: dict[str, Any]) -> Any:
    """What an answer tells about people: who is in it and how many are counted."""
    if body.get("errors"):
        return ("error", sorted(str(e.get("extensions", {}).get("code")) for e in body["errors"]))
    return sorted(probe.extract(body)), sum(_counts(body["data"]))


def _counts(data: Any) -> Iterator[int]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "totalCount":
                yield value
            else:
                yield from _counts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _counts(value)


def test_the_audit_trail_names_what_revealed_a_read() -> None:
    trail = AuditTrail()
    trail.read("Member", "M1", "Report.building", via="Building.supporters")
    trail.read("Member", "M2", "Report.building", via="Building.supporters")
    trail.read("Member", "M3", "Report.building")
    events = trail.events(Viewer(Role.DISTRICT), operation_name=None, request_id=None)
    found = sorted((e.target_ids, e.fields, dict(e.detail or {})) for e in events)
    assert found == [
        (("M1", "M2"), ("Report.building",), {"revealedBy": ["Building.supporters"]}),
        (("M3",), ("Report.building",), {}),
    ]
