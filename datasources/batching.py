"""strawberry's DataLoader, counting the size of every batch it sends (`dualhub_dataloader_batch_size`)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader as _DataLoader

from datasources.metrics import LOADER_BATCH_SIZE

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def loader_name(load_fn: Callable[..., Any]) -> str:
    """`module.function` of a load function, bounded by the code: `loaders.row_by_key`,
    `partner_loaders.PartnerLoaders._awarded`."""
    module = getattr(load_fn, "__module__", "") or ""
    qualname = getattr(load_fn, "__qualname__", "") or repr(load_fn)
    return f"{module.rpartition('.')[2]}.{qualname.split('.<locals>')[0]}"


@functools.cache
def _sizes(name: str) -> Any:
    """The histogram's child of one loader (looked up once: loaders are built per request)."""
    return LOADER_BATCH_SIZE.labels(name)


class DataLoader(_DataLoader[K, T]):
    """A DataLoader whose batches are counted by size under the load function's name."""

    def __init__(
        self,
        load_fn: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]],
        **kwargs: Any,
    ) -> None:
        async def counted(keys: list[K]) -> Sequence[T | BaseException]:
            _sizes(loader_name(load_fn)).observe(len(keys))
            return await load_fn(keys)

        super().__init__(load_fn=counted, **kwargs)
