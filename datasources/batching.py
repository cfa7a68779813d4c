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
    """A DataLoader whose batches are counted by size under the load function's name.

    strawberry calls `loader.load_fn(keys)` once per batch; the property hands it the
    counting wrapper, so building a loader (dozens per request) costs nothing extra."""

    _raw_load_fn: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]]

    @property
    def load_fn(self) -> Callable[[list[K]], Awaitable[Sequence[T | BaseException]]]:
        return self._counted

    @load_fn.setter
    def load_fn(self, load_fn: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]]) -> None:
        self._raw_load_fn = load_fn

    async def _counted(self, keys: list[K]) -> Sequence[T | BaseException]:
        _sizes(loader_name(self._raw_load_fn)).observe(len(keys))
        return await self._raw_load_fn(keys)
