"""Generic batch loaders: each batch is one statement in a session of its own, scoped.

Strawberry dispatches every batch as a separate task, and an `AsyncSession` must not be
shared between concurrent tasks, so each batch opens (and closes) its own session.
Results come back in key order, `None` for keys that match nothing. Every statement
carries the viewer's scope (`datasources.scope`): rows outside it are simply not found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute

from datasources.base import Datasource
from datasources.batching import DataLoader
from datasources.paging import ListSpec, Page, PageArgs, page_from
from datasources.scope import Scope

M = TypeVar("M", bound=DeclarativeBase)
K = TypeVar("K", bound=Hashable)

ParentKey = Hashable | None
PageKey = tuple[ParentKey, PageArgs[Any]]
CountKey = tuple[ParentKey, Hashable | None]


def row_by_key(
    source: Datasource,
    scope: Scope,
    column: InstrumentedAttribute[K],
    *extra_where: ColumnElement[bool],
) -> DataLoader[K, Any]:
    """`<Entity>By<Key>Loader`: one row per key (`WHERE column IN (...)`)."""
    model: Any = column.class_

    async def load(keys: list[K]) -> list[Any]:
        visible = await scope.where(model)
        async with source.session() as session:
            stmt = select(model).where(column.in_(keys), *visible, *extra_where)
            rows = await session.scalars(stmt)
            found = {getattr(row, column.key): row for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def rows_by_key(
    source: Datasource,
    scope: Scope,
    column: InstrumentedAttribute[K],
    *order_by: ColumnElement[Any] | InstrumentedAttribute[Any],
    where: Sequence[ColumnElement[bool]] = (),
) -> DataLoader[K, list[Any]]:
    """All rows per key, for small bounded child lists (an alliance's parties)."""
    model: Any = column.class_

    async def load(keys: list[K]) -> list[list[Any]]:
        grouped: dict[Any, list[Any]] = defaultdict(list)
        visible = await scope.where(model)
        async with source.session() as session:
            stmt = select(model).where(column.in_(keys), *visible, *where).order_by(*order_by)
            for row in await session.scalars(stmt):
                grouped[getattr(row, column.key)].append(row)
        return [grouped.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


class ListLoaders(Generic[M]):
    """Pages and totals of one list, top-level or nested under a parent column."""

    def __init__(
        self,
        source: Datasource,
        scope: Scope,
        spec: ListSpec[M, Any],
        parent: InstrumentedAttribute[Any] | None = None,
    ) -> None:
        self.source = source
        self.scope = scope
        self.spec = spec
        self.parent = parent
        self.pages: DataLoader[PageKey, Page[M]] = DataLoader(load_fn=self._load_pages)
        self.counts: DataLoader[CountKey, int] = DataLoader(load_fn=self._load_counts)

    async def page(self, parent_value: ParentKey, args: PageArgs[Any]) -> Page[M]:
        return await self.pages.load((parent_value, args))

    async def count(self, parent_value: ParentKey, filters: Hashable | None) -> int:
        return await self.counts.load((parent_value, filters))

    async def _load_pages(self, keys: list[PageKey]) -> list[Page[M]]:
        results: dict[PageKey, Page[M]] = {}
        visible = await self.scope.where(self.spec.model)
        async with self.source.session() as session:
            for args, parents in _group_by_second(keys).items():
                if self.parent is None:
                    stmt = self.spec.top_level_statement(args, visible)
                    rows: list[M] = list(await session.scalars(stmt))
                    results[(None, args)] = page_from(rows, args)
                    continue
                stmt = self.spec.nested_statement(self.parent, parents, args, visible)
                grouped: dict[Any, list[M]] = defaultdict(list)
                for row in await session.scalars(stmt):
                    grouped[getattr(row, self.parent.key)].append(row)
                for parent_value in parents:
                    results[(parent_value, args)] = page_from(grouped[parent_value], args)
        return [results[key] for key in keys]

    async def _load_counts(self, keys: list[CountKey]) -> list[int]:
        results: dict[CountKey, int] = {}
        visible = await self.scope.where(self.spec.model)
        async with self.source.session() as session:
            for filters, parents in _group_by_second(keys).items():
                if self.parent is None:
                    count = self.spec.count_statement(filters, visible)
                    total: int | None = await session.scalar(count)
                    results[(None, filters)] = total or 0
                    continue
                stmt = self.spec.grouped_count_statement(self.parent, parents, filters, visible)
                counts = {parent: int(n) for parent, n in (await session.execute(stmt)).all()}
                for parent_value in parents:
                    results[(parent_value, filters)] = counts.get(parent_value, 0)
        return [results[key] for key in keys]


def _group_by_second(keys: Sequence[tuple[Any, Any]]) -> dict[Any, list[Any]]:
    """Group (parent, args) keys by args, keeping each parent once, in first-seen order."""
    grouped: dict[Any, dict[Any, None]] = defaultdict(dict)
    for parent_value, args in keys:
        grouped[args][parent_value] = None
    return {args: list(parents) for args, parents in grouped.items()}


class LoaderDrift(TypeError):
    """A loader class declares loaders its groups do not build, or builds undeclared ones."""


class LazyLoaderGroups:
    """Loaders built on first use, a group at a time.

    A subclass declares every loader as a class-level annotation (its type, for the type
    checker) and names its builder methods in `GROUPS`; each builder sets some of those
    attributes from `(source, scope)`. The first time an attribute is missing, the group that
    sets it is built, so a request pays only for the loaders it uses. Which group sets which
    attribute is learnt once per class, by building every group on a throwaway instance, and
    checked then against the declarations (`LoaderDrift`).

    The type checker never sees `__getattr__`: to it a loader exists only if it is declared,
    so a misspelt name is an error rather than `Any`.
    """

    GROUPS: ClassVar[tuple[str, ...]] = ()
    _group_of: ClassVar[dict[str, str] | None] = None
    _source: Datasource
    _scope: Scope

    @property
    def scope(self) -> Scope:
        """The viewer's scope these loaders apply, for a check outside a loader (a replay)."""
        return self._scope

    @classmethod
    def declared_loaders(cls) -> frozenset[str]:
        """The public attributes the subclasses annotate: the loaders they promise."""
        names: set[str] = set()
        for klass in cls.__mro__:
            if klass is LazyLoaderGroups or not issubclass(klass, LazyLoaderGroups):
                continue
            names.update(n for n in vars(klass).get("__annotations__", {}) if n[0] != "_")
        return frozenset(names)

    def built_loaders(self) -> dict[str, str]:
        """Which group builds each loader, {loader name: group method name}."""
        return dict(self._attribute_groups())

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name.startswith("_"):
                raise AttributeError(name)
            group = self._attribute_groups().get(name)
            if group is None:
                raise AttributeError(name)
            getattr(self, group)(self._source, self._scope)
            return self.__dict__[name]

    def _attribute_groups(self) -> dict[str, str]:
        cls = type(self)
        # Learnt per class: a subclass builds other groups than the class it extends.
        learnt: dict[str, str] | None = cls.__dict__.get("_group_of")
        if learnt is None:
            probe = object.__new__(cls)
            probe.__dict__.update(self.__dict__)
            learnt = {}
            for group in cls.GROUPS:
                before = set(probe.__dict__)
                getattr(probe, group)(self._source, self._scope)
                learnt.update(dict.fromkeys(set(probe.__dict__) - before, group))
            _check_declared(cls, learnt)
            cls._group_of = learnt
        return learnt


def _check_declared(cls: type[LazyLoaderGroups], built: dict[str, str]) -> None:
    declared = cls.declared_loaders()
    undeclared = sorted(set(built) - declared)
    unbuilt = sorted(declared - set(built))
    if undeclared or unbuilt:
        raise LoaderDrift(
            f"{cls.__name__}: built but not declared {undeclared}, declared but not built {unbuilt}"
        )
