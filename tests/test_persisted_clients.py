"""Persisted queries with a real client: urql's persisted exchange (automatic persisted
queries) against a live hub. urql retries with the full query only when the error message
is exactly `PersistedQueryNotFound`. Skipped, with the reason, without Node.js or npm."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair
from tests.live_hub import ASGI, Scope, serve_hub
from tests.node_packages import npm_folder

SQLITE = pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def urql(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return npm_folder(
        tmp_path_factory, "urql", packages=("@urql/core@5", "@urql/exchange-persisted@4",
        "graphql@16"), scripts=("urql_persisted.mjs",),
        purpose="urql's persisted exchange cannot run against the hub "
        "(tests/test_trusted_documents.py covers the protocol without it)",
    )  # fmt: skip


def recording(app: ASGI, bodies: list[dict[str, Any]]) -> ASGI:
    """The app, keeping the JSON body of every POST to /graphql."""

    async def recorded(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        bodies.append(json.loads(b"".join(chunks)))
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()  # type: ignore[no-any-return]
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await app(scope, replay, send)

    return recorded


@pytest.fixture
async def hub(
    small_db: DatabasePair, tmp_path: Path
) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    assert small_db.audit_url is not None
    settings = Settings(
        units_database_url=small_db.units_url,
        community_database_url=small_db.community_url,
        audit_database_url=small_db.audit_url,
        data_dir=str(tmp_path / "data"),
        jwt_secret=TEST_SECRET,
        log_level="warning",
    )
    bodies: list[dict[str, Any]] = []
    async with AsyncExitStack() as stack:
        app = create_app(settings)
        stack.push_async_callback(app.state.hub.dispose)
        yield await serve_hub(stack, settings, recording(app, bodies)), bodies


@SQLITE
async def test_urqls_persisted_exchange_recovers_from_a_miss(
    urql: Path, hub: tuple[str, list[dict[str, Any]]]
) -> None:
    url, bodies = hub
    process = await asyncio.create_subprocess_exec(
        "node", "urql_persisted.mjs", url, cwd=urql,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    results = json.loads(stdout)
    for result in (results["first"], results["second"]):
        assert result["error"] is None, results
        assert result["data"]["streets"]["totalCount"] > 0
    # The hash alone (a miss), the retry with the query, then the hash alone (a hit).
    assert ["query" in body for body in bodies] == [False, True, False], bodies
    digests = {body["extensions"]["persistedQuery"]["sha256Hash"] for body in bodies}
    assert len(digests) == 1
