"""Trusted documents: the manifest, `dualhub documents build`, APQ and `documentId`."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gateway.app import create_app
from gateway.cli import main
from gateway.documents import ManifestError, load_manifest
from gateway.settings import Settings
from tests.client import GraphQLClient
from tests.conftest import client_for
from tests.databases import DatabasePair

SQLITE = pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)

COMMUNITIES = "query Communities { communities(first: 2) { totalCount } }\n"
STREETS = "query Streets($first: Int!) {\n  streets(first: $first) { totalCount }\n}\n"
OTHER = "{ serviceCategories(first: 1) { totalCount } }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    """Built as an operator would, from the frontends' .graphql files."""
    files = []
    for name, text in {"communities.graphql": COMMUNITIES, "streets.graphql": STREETS}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    out = tmp_path / "manifest.json"
    result = CliRunner().invoke(main, ["documents", "build", *files, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 trusted documents" in result.output
    return out


def test_the_manifest_maps_hashes_to_documents(manifest: Path) -> None:
    assert json.loads(manifest.read_text(encoding="utf-8")) == {
        sha256(COMMUNITIES): COMMUNITIES,
        sha256(STREETS): STREETS,
    }
    assert load_manifest(manifest) == {sha256(COMMUNITIES): COMMUNITIES, sha256(STREETS): STREETS}


def test_build_refuses_documents_the_schema_rejects(tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphql"
    bad.write_text("{ communities(first: 2) { noSuchField } }", encoding="utf-8")
    out = tmp_path / "manifest.json"
    result = CliRunner().invoke(main, ["documents", "build", str(bad), "--out", str(out)])
    assert result.exit_code != 0
    assert "bad.graphql" in result.output
    assert "noSuchField" in result.output
    assert not out.exists()


def test_a_tampered_manifest_is_refused_at_startup(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({sha256(COMMUNITIES): OTHER}), encoding="utf-8")
    with pytest.raises(ManifestError, match="not the SHA-256"):
        create_app(Settings(trusted_documents=str(path)))


def apollo_manifest(tmp_path: Path, operations: list[dict[str, Any]]) -> Path:
    """As `@apollo/generate-persisted-query-manifest` writes it (default sha256 ids)."""
    path = tmp_path / "persisted-query-manifest.json"
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return path


def operation(name: str, body: str, op_id: str | None = None) -> dict[str, Any]:
    return {"id": op_id or sha256(body), "name": name, "type": "query", "body": body}


def test_apollos_manifest_format_is_read(tmp_path: Path) -> None:
    path = apollo_manifest(
        tmp_path, [operation("Communities", COMMUNITIES), operation("Streets", STREETS)]
    )
    assert load_manifest(path) == {sha256(COMMUNITIES): COMMUNITIES, sha256(STREETS): STREETS}
    create_app(Settings(trusted_documents=str(path)))  # starts


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ({"format": "apollo-persisted-query-manifest", "version": 2, "operations": []},
         "unknown format 'apollo-persisted-query-manifest' version 2"),
        ({"format": "relay", "version": 1, "operations": []}, "unknown format 'relay'"),
        ({"format": "apollo-persisted-query-manifest", "version": 1}, "'operations' is not a list"),
        ({"format": "apollo-persisted-query-manifest", "version": 1,
          "operations": [{"id": "x", "name": "Communities"}]}, "lacks a string 'id' and 'body'"),
        ({"format": "apollo-persisted-query-manifest", "version": 1,
          "operations": [operation("Communities", COMMUNITIES, op_id="communities-v1")]},
         "id 'communities-v1' is not the SHA-256 of its body"),
        ({"format": "apollo-persisted-query-manifest", "version": 1,
          "operations": [operation("Communities", COMMUNITIES, op_id=sha256(OTHER))]},
         "not the SHA-256 of its body"),
    ],
)  # fmt: skip
def test_a_wrong_apollo_manifest_is_refused_with_the_reason(
    tmp_path: Path, manifest: dict[str, Any], message: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ManifestError, match=re.escape(message)):
        load_manifest(path)


@SQLITE
async def test_apollos_manifest_serves_apq_and_trusted_only(
    small_db: DatabasePair, tmp_path: Path
) -> None:
    """Apollo Client's persisted-query link with the manifest sends the id as the APQ hash;
    trusted-only runs the manifest's operations and nothing else."""
    path = apollo_manifest(tmp_path, [operation("Communities", COMMUNITIES)])
    async with hub(small_db, path, trusted_documents_only=True) as client:
        named = await send(client, extensions=apq(sha256(COMMUNITIES)))
        assert named["data"]["communities"]["totalCount"] > 0
        assert (await send(client, query=COMMUNITIES))["data"] == named["data"]
        missing = await send(client, extensions=apq(sha256(STREETS)))
        assert missing["errors"][0]["message"] == "PersistedQueryNotFound"
        assert code_of(await send(client, query=OTHER)) == "PERSISTED_QUERY_NOT_FOUND"


@asynccontextmanager
async def hub(pair: DatabasePair, manifest: Path, **overrides: Any) -> AsyncIterator[GraphQLClient]:
    async for client in client_for(pair, trusted_documents=str(manifest), **overrides):
        yield client


async def send(client: GraphQLClient, **payload: Any) -> dict[str, Any]:
    response = await client.http.post("/graphql", json=payload, headers=client.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def code_of(body: dict[str, Any]) -> str:
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@SQLITE
async def test_a_document_can_be_named_instead_of_sent(
    small_db: DatabasePair, manifest: Path
) -> None:
    async with hub(small_db, manifest) as client:
        by_apq = await send(client, extensions=apq(sha256(COMMUNITIES)))
        assert by_apq["data"]["communities"]["totalCount"] > 0
        by_id = await send(client, documentId=sha256(STREETS), variables={"first": 1})
        assert by_id["data"]["streets"]["totalCount"] > 0
        prefixed = await send(
            client, documentId=f"sha256:{sha256(STREETS)}", variables={"first": 1}
        )
        assert prefixed["data"] == by_id["data"]
        get = await client.http.get(
            "/graphql",
            params={"extensions": json.dumps(apq(sha256(COMMUNITIES)))},
            headers=client.headers,
        )
        assert get.json()["data"] == by_apq["data"]


@SQLITE
async def test_an_unknown_hash_is_not_found_in_any_mode(
    small_db: DatabasePair, manifest: Path
) -> None:
    for only in (False, True):
        async with hub(small_db, manifest, trusted_documents_only=only) as client:
            for body in (
                await send(client, extensions=apq(sha256(OTHER))),
                await send(client, documentId=sha256(OTHER)),
            ):
                assert body["data"] is None
                error = body["errors"][0]
                # urql's persisted exchange retries only on this exact message.
                assert error["message"] == "PersistedQueryNotFound"
                assert error["extensions"] == {
                    "code": "PERSISTED_QUERY_NOT_FOUND",
                    "sha256Hash": sha256(OTHER),
                    "reason": "未找到该持久化查询，请发送完整查询。No document is known by this hash.",
                }


@SQLITE
async def test_apq_registers_documents_unless_trusted_only(small_db: DatabasePair) -> None:
    """Apollo's APQ: a miss, then the query with its hash, then the hash alone works."""
    async for client in client_for(small_db):
        digest = sha256(OTHER)
        assert code_of(await send(client, extensions=apq(digest))) == "PERSISTED_QUERY_NOT_FOUND"
        first = await send(client, query=OTHER, extensions=apq(digest))
        again = await send(client, extensions=apq(digest))
        assert first["data"] is not None
        assert again["data"] == first["data"]


@SQLITE
async def test_a_hash_must_match_its_query(small_db: DatabasePair, manifest: Path) -> None:
    async with hub(small_db, manifest) as client:
        body = await send(client, query=OTHER, extensions=apq(sha256(COMMUNITIES)))
        assert code_of(body) == "BAD_USER_INPUT"
        assert code_of(await send(client, documentId="not-a-hash")) == "BAD_USER_INPUT"


@SQLITE
async def test_trusted_only_runs_only_the_manifest(small_db: DatabasePair, manifest: Path) -> None:
    async with hub(small_db, manifest, trusted_documents_only=True) as client:
        # The frontends' documents run, sent in full or named.
        sent = await send(client, query=COMMUNITIES)
        assert sent["data"]["communities"]["totalCount"] > 0
        named = await send(client, query=COMMUNITIES, extensions=apq(sha256(COMMUNITIES)))
        assert named["data"] == sent["data"]
        # Anything else does not, even written the same way but for one space.
        for body in (
            await send(client, query=OTHER),
            await send(client, query=OTHER, extensions=apq(sha256(OTHER))),
            await send(client, query=COMMUNITIES.replace("  ", " ").replace("{ ", "{  ")),
        ):
            assert body["data"] is None
            assert code_of(body) == "PERSISTED_QUERY_NOT_FOUND"
        # In a batch each operation is checked on its own.
        response = await client.http.post(
            "/graphql",
            json=[{"query": COMMUNITIES}, {"query": OTHER}],
            headers=client.headers,
        )
        first, second = response.json()
        assert first["data"] == sent["data"]
        assert code_of(second) == "PERSISTED_QUERY_NOT_FOUND"


@SQLITE
async def test_no_query_at_all_is_still_a_bad_request(small_db: DatabasePair) -> None:
    async for client in client_for(small_db):
        response = await client.http.post("/graphql", json={}, headers=client.headers)
        assert response.status_code == 400
        assert "No GraphQL query" in response.text
        response = await client.http.post("/graphql", json=[{}], headers=client.headers)
        assert response.status_code == 400
