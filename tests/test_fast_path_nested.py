"""The fast path over nested plain objects (`schema.executor`): the same answers as
graphql-core's own execution, nulls and errors included, on a schema of its own."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry

from schema.executor import HubExecutionContext


@strawberry.type
class Figure:
    count: int
    hours: float | None


@strawberry.type
class Reporting:
    on_time: bool
    days: int


@strawberry.type
class Performance:
    year: int
    reporting: Reporting
    orders: Figure
    wishes: Figure | None
    intervals: list[Figure]
    broken: int = 0


class RaisingPerformance(Performance):
    """A default-resolved field whose attribute raises."""

    @property  # type: ignore[misc]
    def broken(self) -> int:
        raise ValueError("没有数据")

    @broken.setter
    def broken(self, _value: int) -> None:
        """The dataclass's __init__ sets it; reading it still raises."""


def _performance(reporting: Any = None, wishes: Any = None, intervals: Any = None) -> Any:
    return RaisingPerformance(
        year=2026,
        reporting=reporting if reporting is not None else Reporting(on_time=True, days=365),
        orders=Figure(count=3, hours=4.5),
        wishes=wishes,
        intervals=intervals if intervals is not None else [Figure(count=1, hours=None)],
    )


PERFORMANCES: dict[str, Any] = {
    "plain": _performance(wishes=Figure(count=2, hours=1.0)),
    "nullWishes": _performance(),
    "nullNonNull": _performance(reporting=Reporting(on_time=None, days=1)),  # type: ignore[arg-type]
    "nullItem": _performance(intervals=[Figure(count=1, hours=2.0), None]),
    "badInt": _performance(reporting=Reporting(on_time=True, days=2**40)),
    "badFloat": _performance(wishes=Figure(count=1, hours=float("inf"))),
}


@strawberry.type
class Query:
    @strawberry.field
    def performance(self, case: str) -> Performance:
        return PERFORMANCES[case]  # type: ignore[no-any-return]

    @strawberry.field
    def performances(self) -> list[Performance]:
        return list(PERFORMANCES.values())


SELECTION = """year reporting { onTime days } orders { count hours } wishes { count hours }
  intervals { count hours }"""


def _both(query: str) -> tuple[Any, Any]:
    fast = strawberry.Schema(Query, execution_context_class=HubExecutionContext)
    plain = strawberry.Schema(Query)
    results = []
    for schema in (fast, plain):
        result = schema.execute_sync(query)
        errors = [(e.message, e.path) for e in result.errors or []]
        results.append((result.data, errors))
    return results[0], results[1]


@pytest.mark.parametrize("case", sorted(PERFORMANCES))
def test_one_object_answers_the_same(case: str, fast_objects: list[int]) -> None:
    fast, plain = _both(f'{{ performance(case: "{case}") {{ {SELECTION} }} }}')
    assert fast == plain


def test_a_plain_tree_is_completed_in_one_pass(
    fast_objects: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[str] = []
    execute_field = HubExecutionContext.execute_field

    def counting(self: Any, parent_type: Any, source: Any, details: Any, *args: Any) -> Any:
        executed.append(details[0].node.name.value)
        return execute_field(self, parent_type, source, details, *args)

    monkeypatch.setattr(HubExecutionContext, "execute_field", counting)
    fast, plain = _both(f'{{ performance(case: "plain") {{ {SELECTION} }} }}')
    assert fast == plain
    assert plain[0]["performance"]["intervals"] == [{"count": 1, "hours": None}]
    # graphql-core executed the root field only; the performance, its three objects and
    # its list's one item were completed by the fast path.
    assert executed == ["performance"]
    assert fast_objects[0] == 5


def test_a_list_of_trees_answers_the_same(fast_objects: list[int]) -> None:
    fast, plain = _both(f"{{ performances {{ {SELECTION} }} }}")
    assert fast == plain
    assert fast[1], "the broken cases raise errors"


def test_a_raising_attribute_answers_the_same(fast_objects: list[int]) -> None:
    fast, plain = _both('{ performance(case: "plain") { year broken orders { count } } }')
    assert fast == plain
    assert fast[1]
    assert fast[1][0][1] == ["performance", "broken"]
