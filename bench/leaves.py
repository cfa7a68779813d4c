"""A large list of plain-leaf objects through the hub's executor, against a raw dump.

    python -m bench.leaves               # 10,000 rows x 10 leaf fields, median of 7 runs
    python -m bench.leaves --rows 2000 --runs 3

Executes `{ rows { a b c d e f g h i j } }` on a strawberry schema with the hub's
`HubExecutionContext` (the leaf fast path on) and with strawberry's own executor (graphql-core
field by field), each followed by the orjson dump a response needs, next to building the same
dicts by hand and dumping them. The three results must be the same bytes before anything is
printed. The ratios are what to compare; the machine's load moves the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.executor import HubExecutionContext

FIELDS = "abcdefghij"


@strawberry.type
class Row:
    a: int
    b: str
    c: str
    d: int
    e: float
    f: bool
    g: str
    h: int
    i: str
    j: str | None


def _rows(count: int) -> list[Row]:
    return [
        Row(a=n, b=f"b{n}", c="c", d=n * 2, e=n / 3, f=n % 2 == 0, g="成员", h=n, i="i", j=None)
        for n in range(count)
    ]


def _schema(rows: list[Row], executor: Any) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def rows(self) -> list[Row]:
            return rows

    return strawberry.Schema(query=Query, execution_context_class=executor)


def _median(run: Callable[[], bytes], runs: int) -> tuple[float, bytes]:
    times, out = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


async def main(count: int, runs: int) -> None:
    rows = _rows(count)
    query = "{ rows { " + " ".join(FIELDS) + " } }"
    fast = _schema(rows, HubExecutionContext)
    normal = _schema(rows, StrawberryGraphQLCoreExecutionContext)

    def raw() -> bytes:
        data = [{k: getattr(row, k) for k in FIELDS} for row in rows]
        return orjson.dumps({"data": {"rows": data}})

    async def timed(schema: strawberry.Schema) -> tuple[float, bytes]:
        times, out = [], b""
        for _ in range(runs):
            start = time.perf_counter()
            result = await schema.execute(query)
            out = orjson.dumps({"data": result.data})
            times.append(time.perf_counter() - start)
        return statistics.median(times), out

    raw_time, raw_out = _median(raw, runs)
    normal_time, normal_out = await timed(normal)
    fast_time, fast_out = await timed(fast)
    assert raw_out == normal_out == fast_out, "the three dumps differ"
    print(f"{count:,} rows x {len(FIELDS)} leaf fields, median of {runs} runs")
    for name, took in (
        ("raw dict+JSON", raw_time),
        ("graphql-core", normal_time),
        ("fast path", fast_time),
    ):
        print(f"  {name:<14} {took * 1000:8.1f} ms  {took / raw_time:5.1f}x raw")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rows, arguments.runs))
