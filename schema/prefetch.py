"""Prefetching a page's joins, so its nodes' fields resolve without a task each.

A page of 50 members asking for `branch`, `unit` and `report` costs graphql-core 150
awaitables: a task each, a gather per member, the loaders' futures. The rows are loaded in
three batches either way. A connection therefore looks at what its nodes' selection asks
for, and before it returns starts every registered prefetch of those fields for all its
rows at once (the same loaders and keys the fields use, so the same scope and batches);
then each field finds its value in its loader (`now_or_later`) and returns it as a plain
value, which graphql-core completes in place (and the leaf fast path, where it applies).

A prefetch that fails leaves its error in the loader's cache: the field then loads the
usual way and raises that error at its own path, as it would have without the prefetch.
Fields without a prefetch, and nodes outside a page (`member(code:)`), resolve as before.

Sibling pages (the members of 500 branches) must go on together, or their nodes' other
fields would load in as many batches as the pages took different times (one page's rows
already cached, another's loading): the pages that start prefetching in the same tick
join one round and all resume when the whole round is done (`PrefetchRound`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

if TYPE_CHECKING:
    from resolvers.context import HubContext

T = TypeVar("T")
R = TypeVar("R")

# What a node field loads for a page of nodes: one awaitable per prefetch, resolving to
# the rows it found (None for keys without one), themselves of class `child` if given.
# Keyed by the class of the objects the page holds (its nodes, or a child's rows), so a
# page of another type that shares a loader's model never runs them.
Prefetch = Callable[["HubContext", Sequence[Any]], Awaitable[Sequence[Any]]]
_PREFETCHES: dict[tuple[type, str], tuple[Prefetch, type | None]] = {}


def prefetches(kind: type, field: str, child: type | None = None) -> Callable[[Prefetch], Prefetch]:
    """Register what `field` loads for a page of `kind` objects; with `child`, the rows it
    loads are `child` objects, whose own fields' prefetches then run for them."""

    def register(prefetch: Prefetch) -> Prefetch:
        _PREFETCHES[(kind, field)] = (prefetch, child)
        return prefetch

    return register


async def prefetch_page(
    context: HubContext, selections: Sequence[Any], nodes: Sequence[Any]
) -> None:
    """Run the prefetches of the node fields `selections` asks for (under `edges { node }`
    or `nodes`, through fragments) for a page's `nodes`, and wait for them and for the
    sibling pages' (errors stay cached)."""
    if not nodes:
        return
    fields = node_fields(selections)
    kind = type(nodes[0])
    if not any((kind, field.name) in _PREFETCHES for field in fields):
        return
    if context.prefetch_round is None or context.prefetch_round.started:
        context.prefetch_round = PrefetchRound()
    await context.prefetch_round.join(_prefetch(context, fields, kind, nodes))


class PrefetchRound:
    """The prefetches of the pages that reached them in the same tick: all run at once,
    and every page waits for all of them, so the pages resume in the same tick again."""

    def __init__(self) -> None:
        self.started = False
        self._work: list[Awaitable[None]] = []
        self._done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_soon(self._start)

    async def join(self, work: Awaitable[None]) -> None:
        self._work.append(work)
        await asyncio.shield(self._done)

    def _start(self) -> None:
        self.started = True
        task = asyncio.ensure_future(asyncio.gather(*self._work, return_exceptions=True))
        task.add_done_callback(self._finish)

    def _finish(self, _: object) -> None:
        if not self._done.done():
            self._done.set_result(None)


async def _prefetch(
    context: HubContext, fields: Sequence[SelectedField], model: type, rows: Sequence[Any]
) -> None:
    if not rows:
        return
    pending = []
    for field in fields:
        registered = _PREFETCHES.get((model, field.name))
        if registered is not None:
            prefetch, child = registered
            pending.append(_then(context, prefetch(context, rows), field, child))
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


async def _then(
    context: HubContext, loading: Awaitable[Sequence[Any]], field: SelectedField,
    child: type | None,
) -> None:  # fmt: skip
    found = await loading
    if child is not None:
        rows = [row for row in found if row is not None]
        await _prefetch(context, list(_fields(field.selections)), child, rows)


def node_fields(selections: Sequence[Any]) -> list[SelectedField]:
    """The fields selected on a connection's nodes (`edges { node { ... } }`, `nodes`)."""
    found: list[SelectedField] = []
    for connection in _fields(selections):
        if connection.name == "nodes":
            found.extend(_fields(connection.selections))
        elif connection.name == "edges":
            for edge_field in _fields(connection.selections):
                if edge_field.name == "node":
                    found.extend(_fields(edge_field.selections))
    return found


def _fields(selections: Sequence[Any]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def now_or_later(
    loader: DataLoader[Any, T], key: Hashable, convert: Callable[[T], R]
) -> R | Awaitable[R]:
    """`convert` of the loader's value for `key`: at once when the loader holds it (a page
    prefetched it), else an awaitable loading it."""
    future = loader.cache_map.get(key) if loader.cache else None
    if (
        future is not None
        and future.done()
        and not future.cancelled()
        and future.exception() is None
    ):
        return convert(future.result())
    return _later(loader.load(key), convert)


async def _later(pending: Awaitable[T], convert: Callable[[T], R]) -> R:
    return convert(await pending)
