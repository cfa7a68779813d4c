"""The federation edge: the hub's SDL composes, alone and with another team's strawberry
Relay subgraph, under Apollo's composition (@apollo/composition, run by Node), and loads in
graphql-js. Skipped, with the reason, where Node.js or npm is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.node_packages import npm_folder

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
COMPOSITION_VERSION = "2"


@pytest.fixture(scope="module")
def composer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with @apollo/composition and graphql-js installed and the scripts beside
    them, outside the repository (npm's own cache makes later installs fast)."""
    return npm_folder(
        tmp_path_factory, "composition", packages=(f"@apollo/composition@{COMPOSITION_VERSION}",
        "graphql@16"), scripts=("compose_supergraph.mjs", "build_schema.mjs"),
        purpose="Apollo's composition (@apollo/composition) cannot run, so the hub's "
        "composition is not checked here",
    )  # fmt: skip


def compose(composer: Path, subgraphs: dict[str, str]) -> dict[str, Any]:
    services = [
        {"name": name, "url": f"http://{name}.invalid/graphql", "sdl": sdl}
        for name, sdl in subgraphs.items()
    ]
    result = subprocess.run(
        ["node", "compose_supergraph.mjs"],  # noqa: S607
        input=json.dumps(services), cwd=composer, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip
    composed: dict[str, Any] = json.loads(result.stdout)
    return composed


def venues_sdl(*flags: str) -> str:
    """Another team's subgraph SDL, built in its own process (tests/venues_subgraph.py)."""
    return subprocess.run(  # noqa: S603 (this interpreter, fixed module)
        [sys.executable, "-m", "tests.venues_subgraph", *flags],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip


def hub_sdl() -> str:
    return (ROOT / "schema.graphql").read_text(encoding="utf-8")


def codes(composed: dict[str, Any]) -> list[str]:
    return [error["code"] for error in composed.get("errors", [])]


def test_the_committed_sdl_composes_alone(composer: Path) -> None:
    composed = compose(composer, {"hub": hub_sdl()})
    assert "errors" not in composed, composed["errors"]
    assert '@join__type(graph: HUB, key: "code")' in composed["supergraphSdl"]


def test_a_strawberry_relay_subgraph_composes_with_the_hub(composer: Path) -> None:
    composed = compose(composer, {"hub": hub_sdl(), "venues": venues_sdl()})
    assert "errors" not in composed, composed["errors"]
    supergraph = composed["supergraphSdl"]
    # Both resolve PageInfo; Node is implemented on both sides; node is the hub's.
    assert "type PageInfo\n  @join__type(graph: HUB)\n  @join__type(graph: VENUES)" in supergraph
    assert '@join__implements(graph: VENUES, interface: "Node")' in supergraph
    query = supergraph[supergraph.index("type Query") :]
    assert "  node(\n" in query  # one subgraph's field: no join__field to choose between
    assert "@join__field(graph: VENUES)" not in query[query.index("  node(") :].split("\n\n")[0]
    assert "venues(" in query


def test_an_unshared_relay_page_info_is_refused(composer: Path) -> None:
    """What the hub's own PageInfo being shareable cannot fix alone: every subgraph must
    mark it (schema/federation.py, `share_relay_page_info`)."""
    composed = compose(composer, {"hub": hub_sdl(), "venues": venues_sdl("--unshared")})
    assert codes(composed) == ["INVALID_FIELD_SHARING"] * 4
    assert all('"PageInfo.' in error["message"] for error in composed["errors"])


def test_a_second_node_field_is_refused_even_shareable(composer: Path) -> None:
    """Why `node`/`nodes` stay the hub's: shared, the planner could send them to either
    subgraph, and the two know disjoint Node types."""
    own_node = venues_sdl("--own-node")
    composed = compose(composer, {"hub": hub_sdl(), "venues": own_node})
    assert codes(composed) == ["INVALID_FIELD_SHARING"]
    assert '"Query.node"' in composed["errors"][0]["message"]
    shared = hub_sdl().replace("): Node\n", "): Node @shareable\n", 1)
    assert shared != hub_sdl()
    composed = compose(composer, {"hub": shared, "venues": own_node})
    assert codes(composed) == ["SHAREABLE_HAS_MISMATCHED_RUNTIME_TYPES"]


def test_the_committed_files_load_in_graphql_js(composer: Path) -> None:
    files = [str(ROOT / "schema.graphql"), str(ROOT / "schema.client.graphql")]
    result = subprocess.run(  # noqa: S603 (node from PATH, fixed script)
        ["node", "build_schema.mjs", *files],  # noqa: S607
        cwd=composer, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    loaded = json.loads(result.stdout)
    assert all("types" in outcome for outcome in loaded.values()), loaded
    # The client schema is the subgraph's minus federation's types.
    subgraph, client = (loaded[f]["types"] for f in files)
    assert subgraph - client == len(
        ["_Any", "_Entity", "_Service", "link__Import", "link__Purpose", "federation__FieldSet"]
    )
