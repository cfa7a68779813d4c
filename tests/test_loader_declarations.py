"""Loaders are declared, typed and built alike: a misspelt loader name fails type checking,
and the declarations cannot drift from what the lazy groups build."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from mypy import api as mypy_api
from strawberry.dataloader import DataLoader

from datasources.base import Datasource
from datasources.community.loaders import CommunityLoaders
from datasources.loaders import LazyLoaderGroups, LoaderDrift
from datasources.scope import Role, Scope, Viewer
from gateway.app import Hub
from gateway.settings import Settings
from resolvers.context import HubContext
from schema.app import build_schema
from schema.base import HubNode

ROOT = Path(__file__).resolve().parent.parent

SNIPPET = """
from resolvers.context import HubContext
from schema.base import HubNode, loaded_by


async def reads(ctx: HubContext) -> None:
    district = await ctx.community.district_by_id.load(1)
    reveal_type(district)
    reveal_type(ctx.community.orders_of_member)
    await ctx.community.distrcit_by_id.load(1)  # misspelt
    await ctx.community.district_by_code.load(1)  # a code is text
    await ctx.community.partners.alliance_meeting_by_id.load(1)


class Meeting(HubNode):
    id_loader_of = loaded_by(lambda c: c.community.partners.alliance_meting_by_id)  # misspelt
"""


def test_a_misspelt_loader_name_is_a_type_error(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(SNIPPET).lstrip())
    stdout, stderr, _status = mypy_api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary", str(snippet)]
    )
    assert stderr == ""
    lines = stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == 3, stdout
    assert "snippet.py:9: error:" in errors[0]
    assert '"CommunityLoaders" has no attribute "distrcit_by_id"' in errors[0]
    assert "snippet.py:10: error:" in errors[1]
    assert "[arg-type]" in errors[1]
    assert "snippet.py:15: error:" in errors[2]
    assert '"PartnerLoaders" has no attribute "alliance_meting_by_id"' in errors[2]
    notes = [line for line in lines if "Revealed type" in line]
    assert "District | None" in notes[0], notes
    assert "ListLoaders[datasources.community.order_models.ServiceOrder]" in notes[1], notes


@pytest.fixture
async def context(tmp_path: Path) -> AsyncIterator[HubContext]:
    """A district viewer's context; building loaders touches no database."""
    settings = Settings(
        units_database_url=f"sqlite+aiosqlite:///{tmp_path}/units.db",
        community_database_url=f"sqlite+aiosqlite:///{tmp_path}/community.db",
        audit_database_url=f"sqlite+aiosqlite:///{tmp_path}/audit.db",
        jwt_secret="test-secret-" + "x" * 40,
    )
    hub = Hub(settings)
    try:
        yield hub.context(viewer=Viewer(Role.DISTRICT, subject="test"))
    finally:
        await hub.dispose()


async def test_every_declared_loader_is_built_by_a_group_and_every_built_one_declared(
    context: HubContext,
) -> None:
    built = context.community.built_loaders()
    assert set(built) == CommunityLoaders.declared_loaders()
    assert len(built) > 90
    assert set(built.values()) == set(CommunityLoaders.GROUPS)  # no group builds nothing
    for name in sorted(built):
        assert getattr(context.community, name) is not None


async def test_a_loader_is_built_with_its_group_only(context: HubContext) -> None:
    loaders = context.community
    groups = loaders.built_loaders()
    first = loaders.district_by_id
    assert loaders.district_by_id is first  # built once per request
    built_now = {name for name in vars(loaders) if not name.startswith("_")}
    assert built_now == {name for name, group in groups.items() if group == "_by_id"}


class _Declared(LazyLoaderGroups):
    GROUPS = ("_one",)
    one: int

    def __init__(self) -> None:
        self._source, self._scope = cast(Datasource, None), cast(Scope, None)

    def _one(self, source: Datasource, scope: Scope) -> None:
        self.one = 1


class _Unbuilt(_Declared):
    two: int


class _Undeclared(_Declared):
    GROUPS = ("_one", "_three")

    def _three(self, source: Datasource, scope: Scope) -> None:
        self.three = 3


def test_drift_between_declarations_and_groups_fails_loudly() -> None:
    assert _Declared().one == 1
    with pytest.raises(LoaderDrift, match=r"declared but not built \['two'\]"):
        _ = _Unbuilt().one
    with pytest.raises(LoaderDrift, match=r"built but not declared \['three'\]"):
        _ = _Undeclared().one


def _nodes(cls: type[HubNode]) -> Iterator[type[HubNode]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _nodes(sub)


async def test_every_node_type_resolves_its_id_loader(context: HubContext) -> None:
    """`node(id:)` of every type goes through its `id_loader_of`, built in this context."""
    build_schema()
    nodes = sorted(set(_nodes(HubNode)), key=lambda cls: cls.__name__)
    assert len(nodes) > 30
    info = SimpleNamespace(context=context)
    for node in nodes:
        if node.__strawberry_definition__.is_interface:  # type: ignore[attr-defined]
            continue
        assert isinstance(node.id_loader(info), DataLoader), node.__name__  # type: ignore[arg-type]
