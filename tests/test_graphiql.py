"""GraphiQL works offline: its page loads only files the hub itself serves.

The files are installed with the hub (`setup.py` runs `gateway.graphiql.vendor`, which uses
`npm pack`); nothing is fetched when the page is served.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from strawberry.http.ides import get_graphql_ide_html

from gateway import graphiql
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair


class Resources(HTMLParser):
    """Every `src` and `href` of the page, with its tag and integrity."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                self.found.append((tag, str(values[name]).strip(), values.get("integrity")))


def resources(html: str) -> list[tuple[str, str, str | None]]:
    parser = Resources()
    parser.feed(html)
    return parser.found


def test_the_pinned_assets_are_what_strawberrys_page_loads() -> None:
    """A strawberry upgrade that changes GraphiQL's files fails here, not in a browser."""
    page = get_graphql_ide_html("graphiql")
    loaded = {
        (urlsplit(url).path.lstrip("/"), integrity)
        for _tag, url, integrity in resources(page)
        if url.startswith("https://")
    }
    assert loaded == {(asset.url_path, asset.integrity) for asset in graphiql.ASSETS}


def _require_installed() -> None:
    if graphiql.missing():
        if shutil.which("npm") is None:
            pytest.skip("GraphiQL's files come from npm at install time; npm is not on PATH")
        pytest.fail("GraphiQL's files are not installed: run `pip install -e .` again or "
                    "`dualhub graphiql install`")  # fmt: skip


async def test_the_page_loads_only_same_origin_files_the_hub_serves(
    client: GraphQLClient,
) -> None:
    _require_installed()
    response = await client.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    page_url = str(response.url)
    found = resources(response.text)
    assert len(found) == len(graphiql.ASSETS) + 1  # and the inline icon
    for tag, url, integrity in found:
        if url.startswith("data:"):
            continue
        absolute = urljoin(page_url, url)
        assert urlsplit(absolute).netloc == urlsplit(page_url).netloc, (tag, url)
        assert urlsplit(url).scheme == "", url
        served = await client.http.get(absolute)
        assert served.status_code == 200, absolute
        assert integrity == graphiql.sri(served.content), absolute
    assert "https://" not in "".join(url for _t, url, _i in found)


async def test_the_page_says_what_to_do_without_its_files(
    small_db: DatabasePair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphiql, "ASSET_DIR", tmp_path / "none")
    async for c in client_for(small_db):
        response = await c.http.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert "dualhub graphiql install" in response.text
        assert not [url for _t, url, _i in resources(response.text)]


async def test_without_graphiql_neither_page_nor_files(small_db: DatabasePair) -> None:
    async for c in client_for(small_db, graphiql=False):
        page = await c.http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 404
        assert page.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        asset = await c.http.get(f"/graphiql/{graphiql.ASSETS[0].url_path}")
        assert asset.status_code == 404


def test_vendor_fetches_and_checks_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `pip install` runs: `npm pack`, each file checked against its hash."""
    if shutil.which("npm") is None:
        pytest.skip("vendoring GraphiQL's files needs npm on PATH")
    monkeypatch.setattr(graphiql, "ASSET_DIR", tmp_path / "assets")
    assert graphiql.vendor() == []
    assert all(graphiql.installed(asset) for asset in graphiql.ASSETS)
    # A tampered file is not taken as installed, and is replaced by the next vendoring.
    target = graphiql.ASSETS[0].file
    target.write_bytes(b"alert('tampered')")
    assert graphiql.missing() == [graphiql.ASSETS[0]]


def test_vendor_without_npm_leaves_the_install_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graphiql, "ASSET_DIR", tmp_path / "assets")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert graphiql.vendor() == list(graphiql.ASSETS)


def test_the_install_command_names_what_it_could_not_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from gateway.cli import main

    monkeypatch.setattr(graphiql, "ASSET_DIR", tmp_path / "assets")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    result = CliRunner().invoke(main, ["graphiql", "install"])
    assert result.exit_code == 1
    assert "npm not found" in result.output
    assert graphiql.ASSETS[0].url_path in result.output
