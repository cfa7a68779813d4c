"""The web workbench (/app, gateway/workbench.py) without a browser: its operations are valid
trusted documents the hub registers, merged with the manifest; the page sends only their ids;
the development sign-in exists in development only. The browser half is
tests/test_workbench_e2e.py."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from gateway import workbench
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.documents import document_hash, schema_errors, write_manifest
from gateway.settings import Settings
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair

OPERATIONS = sorted(workbench.OPERATIONS_DIR.glob("*.graphql"))


def test_the_workbench_has_operations() -> None:
    assert len(OPERATIONS) >= 10
    assert set(workbench.operations()) == {path.stem for path in OPERATIONS}


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda path: path.stem)
def test_every_operation_validates_against_the_schema(path: Path) -> None:
    assert schema_errors(path) == []
    definitions = parse(path.read_text(encoding="utf-8")).definitions
    # One named operation per file, named as the file: the page asks for it by that name.
    assert len(definitions) == 1
    assert isinstance(definitions[0], OperationDefinitionNode)
    assert definitions[0].name is not None
    assert definitions[0].name.value == path.stem


def test_the_page_holds_no_graphql_document() -> None:
    """The scripts name operations and send `documentId`; no query text is in them."""
    scripts = "".join(p.read_text(encoding="utf-8") for p in workbench.WEB_DIR.glob("*.js"))
    assert "documentId" in scripts
    assert not re.search(
        r"\b(query|mutation|subscription)\b(\s+\w+)?\s*(\(\$[^)]*\))?\s*\{", scripts
    )
    assert '"query"' not in scripts
    assert "query:" not in scripts
    for name in workbench.operations():
        assert f'"{name}"' in scripts, f"{name} is registered but the page never sends it"


def _settings(pair: DatabasePair, **overrides: object) -> Settings:
    assert pair.audit_url is not None
    return Settings(
        units_database_url=pair.units_url,
        community_database_url=pair.community_url,
        audit_database_url=pair.audit_url,
        jwt_secret=TEST_SECRET,
        **overrides,  # type: ignore[arg-type]
    )


async def _http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            yield http
    finally:
        await app.state.hub.dispose()


@pytest.fixture
async def development(small_db: DatabasePair) -> AsyncIterator[httpx.AsyncClient]:
    async for http in _http(_settings(small_db)):
        yield http


@pytest.fixture
async def production(
    small_db: DatabasePair, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Production, trusted documents only, with a manifest of one other frontend's document."""
    other = "{ streets(first: 1) { totalCount } }"
    manifest = tmp_path / "manifest.json"
    write_manifest({document_hash(other): other}, manifest)
    settings = _settings(
        small_db, env="production", trusted_documents=str(manifest), trusted_documents_only=True
    )
    # A token as the district's identity provider would issue it (signed with the test secret).
    token = issue_token(
        settings, role="district", scope={"district": "D01"}, subject="idp-user",
        ttl=timedelta(hours=1),
    )  # fmt: skip
    async for http in _http(settings):
        yield http, token


async def test_development_serves_the_page_and_issues_demo_tokens(
    development: httpx.AsyncClient,
) -> None:
    page = await development.get("/app/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert (await development.get("/app", follow_redirects=False)).headers["location"] == "/app/"
    script = await development.get("/app/static/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    config = (await development.get("/app/config.json")).json()
    assert config["devSignIn"] is True
    assert config["documents"] == workbench.document_ids()

    issued = await development.post("/app/dev-token", json={"role": "unit_branch"})
    assert issued.status_code == 200
    body = issued.json()
    viewer = await development.post(
        "/graphql",
        json={"documentId": config["documents"]["Viewer"], "variables": {"year": 2026, "lastYear": 2025}},
        headers={"Authorization": f"Bearer {body['token']}"},
    )  # fmt: skip
    assert viewer.json()["data"]["viewer"]["role"] == "UNIT_BRANCH"
    assert viewer.json()["data"]["viewer"]["branch"] == body["scope"]["branch"]
    refused = await development.post("/app/dev-token", json={"role": "root"})
    assert refused.status_code == 400
    assert "未知" in refused.json()["error"]


async def test_production_has_no_dev_sign_in_and_trusts_both_manifests(
    production: tuple[httpx.AsyncClient, str],
) -> None:
    http, token = production
    config = (await http.get("/app/config.json")).json()
    assert config["devSignIn"] is False
    assert config["env"] == "production"
    assert (await http.post("/app/dev-token", json={"role": "district"})).status_code in (
        404,
        405,
    )
    # The workbench's documents run by id although only trusted documents run ...
    ran = await http.post(
        "/graphql",
        json={"documentId": config["documents"]["Viewer"], "variables": {"year": 2026, "lastYear": 2025}},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert ran.json()["data"]["viewer"]["role"] == "DISTRICT", ran.text
    # ... and so do the manifest's, merged with them; anything else is refused.
    other = "{ streets(first: 1) { totalCount } }"
    assert (await http.post("/graphql", json={"query": other})).json()["data"]
    refused = await http.post("/graphql", json={"query": "{ streets(first: 2) { totalCount } }"})
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_config_names_every_operation_once() -> None:
    ids = workbench.document_ids()
    assert len(set(ids.values())) == len(ids)
    assert json.dumps(ids)  # serialisable as /app/config.json sends it
