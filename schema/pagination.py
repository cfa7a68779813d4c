"""Relay cursor connections with `totalCount`, and the page arguments every list takes."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Hashable
from enum import Enum
from typing import Annotated, Any, Generic, Protocol, TypeVar, cast

import strawberry
from strawberry.types.nodes import SelectedField

from datasources.loaders import ListLoaders
from datasources.paging import InvalidCursor, PageArgs
from schema.base import Info
from schema.bounds import page_size
from schema.errors import bad_input
from schema.prefetch import prefetch_page
from schema.reveals import ListReveals

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
# The hard ceiling of `first` in any deployment (`DUALHUB_MAX_PAGE_SIZE` is at most 1,000).
MAX_FIRST = 1000

First = Annotated[
    int,
    strawberry.argument(
        metadata=page_size(),
        description=f"Page size (每页条数): how many items to return, from 0 up to the "
        f"server's cap (100 by default). Defaults to {DEFAULT_PAGE_SIZE}.",
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return items after this cursor (游标), taken from a previous page's "
        "`pageInfo.endCursor` or an edge's `cursor`."
    ),
]


@strawberry.enum(description="Sort direction (排序方向).")
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


Direction = Annotated[
    OrderDirection,
    strawberry.argument(description="Sort direction (排序方向); ties are broken by id."),
]


@strawberry.federation.type(
    shareable=True,  # other subgraphs define the same Relay type
    description="Information to aid in pagination (分页信息).",
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow this page (是否有下一页)."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether items precede this page, i.e. it was fetched with `after`."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge of this page, null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass it as `after` to fetch the next page."
    )


@strawberry.type(description="An edge in a connection (列表项): a node and its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque cursor of this edge (游标).")
    node: T = strawberry.field(description="The item at the end of the edge.")


@strawberry.type(description="A page of a list (分页列表), with its total size.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(
        description="How many items match the filters across all pages (总数); "
        "counted only when asked for."
    )
    async def total_count(self) -> int:
        return await self.count()


def page_args(
    info: Info,
    *,
    first: int,
    after: str | None,
    loaders: ListLoaders[Any],
    order: str,
    direction: OrderDirection = OrderDirection.ASC,
    filters: Hashable | None = None,
) -> PageArgs[Any]:
    """Validate the client's page arguments into a hashable `PageArgs`."""
    cap = info.context.max_page_size
    if not 0 <= first <= cap:
        raise bad_input("first", f"must be between 0 and {cap} (每页最多 {cap} 条).")
    decoded = None
    if after is not None:
        try:
            decoded = loaders.spec.decode_after(after, order)
        except InvalidCursor as exc:
            raise bad_input("after", f"is not a cursor of this list ({exc}).") from exc
    return PageArgs(
        first=first,
        order=order,
        descending=direction is OrderDirection.DESC,
        filters=filters,
        after=decoded,
    )


async def connection(
    loaders: ListLoaders[Any],
    parent: Hashable | None,
    args: PageArgs[Any],
    node: Callable[[Any], T | Awaitable[T]],
    *,
    with_total: bool = False,
) -> Connection[T]:
    """One page of `loaders`' list under `parent`, each row turned into a node by `node`.

    With `with_total`, the count is queued together with the page, so the totals of many
    parents land in the same batch as their pages do (one statement, not one per tick).
    """
    total = loaders.counts.load((parent, args.filters)) if with_total else None
    try:
        page = await loaders.page(parent, args)
    except BaseException:
        if total is not None:  # let the count finish: no statement outlives the request
            await asyncio.gather(total, return_exceptions=True)
        raise
    nodes = [node(row) for row in page.rows]
    # gather, so converters that use loaders register all keys before the batch runs; a
    # page of plain nodes (the usual `from_row`) needs no task per node.
    if any(inspect.isawaitable(n) for n in nodes):
        resolved: list[T] = list(await asyncio.gather(*(_awaited(n) for n in nodes)))
    else:
        resolved = cast(list[T], nodes)
    edges = [
        Edge(cursor=loaders.spec.cursor_of(row, args), node=item)
        for row, item in zip(page.rows, resolved, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=(lambda: _shared(total)) if total else lambda: loaders.count(parent, args.filters),
    )


def empty_connection() -> Connection[Any]:
    """A list with nothing in it, not even a count: what a hidden list shows."""

    async def none() -> int:
        return 0

    return Connection(
        edges=[],
        page_info=PageInfo(
            has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
        ),
        count=none,
    )


def _noting(
    info: Info, reveals: ListReveals, node: Callable[[Any], T | Awaitable[T]]
) -> Callable[[Any], T | Awaitable[T]]:
    def noted(row: Any) -> T | Awaitable[T]:
        reveals.note(info, row)
        return node(row)

    return noted


async def _shared(total: Awaitable[int]) -> int:
    return await total


def _asks_for_total(info: Info) -> bool:
    """Whether the connection's own selection (or a fragment on it) names `totalCount`."""
    pending = list(info.selected_fields[0].selections) if info.selected_fields else []
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            if selection.name == "totalCount":
                return True
            continue  # a field's own subselection belongs to another list
        pending.extend(selection.selections)  # fragment spreads and inline fragments
    return False


async def _awaited(value: T | Awaitable[T]) -> T:
    return await value if inspect.isawaitable(value) else value


class _FilterInput(Protocol):
    def to_filter(self) -> Hashable: ...


async def paginate(
    info: Info,
    loaders: ListLoaders[Any],
    parent: Hashable | None,
    node: Callable[[Any], T | Awaitable[T]],
    *,
    first: int,
    after: str | None,
    order_by: Enum,
    direction: OrderDirection = OrderDirection.ASC,
    filter: _FilterInput | None = None,
) -> Connection[T]:
    """Validate a list field's arguments and return its page: the body of every list field.

    A list that reveals a personal field the viewer may not read is empty; the rows of one
    that reveals a field he may read are audited as reads of it (`schema/reveals.py`).
    """
    reveals = ListReveals.of(info, filter, order_by)
    if reveals.empty:
        return empty_connection()
    if reveals.by_rows:
        node = _noting(info, reveals, node)
    args = page_args(
        info,
        first=first,
        after=after,
        loaders=loaders,
        order=order_by.value,
        direction=direction,
        filters=filter.to_filter() if filter is not None else None,
    )
    page = await connection(loaders, parent, args, node, with_total=_asks_for_total(info))
    selections = [s for field in info.selected_fields for s in field.selections]
    await prefetch_page(info.context, selections, [edge.node for edge in page.edges])
    return page
