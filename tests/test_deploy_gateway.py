"""deploy/: two hub processes behind Hive Gateway, with a supergraph composed from the hub's
SDL by deploy/compose.mjs and deploy/gateway.config.mjs as the gateway's configuration.
A query goes through the gateway with a token and without one. Skipped, with the reason,
where Node.js or npm is absent or npm cannot reach its registry."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.settings import Settings
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair
from tests.live_hub import counting, free_port, serve_hub
from tests.node_packages import npm_folder

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
SQLITE = pytest.mark.parametrize("small_db", ["sqlite"], indirect=True)
QUERY = "{ viewer { role subject } members(first: 1) { totalCount } }"


@pytest.fixture(scope="module")
def gateway_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """deploy/'s files with their npm dependencies installed, outside the repository."""
    return npm_folder(
        tmp_path_factory, "deploy", timeout=600,
        files=[DEPLOY / name for name in ("package.json", "compose.mjs", "gateway.config.mjs")],
        purpose="Hive Gateway (deploy/) cannot run, so the deployment recipe is not "
        "exercised here",
    )  # fmt: skip


@pytest.fixture
async def hubs(
    small_db: DatabasePair, tmp_path: Path
) -> AsyncIterator[tuple[list[str], Counter[str], Settings]]:
    """Two hub processes' worth of apps (each its own app and pool) on one database pair."""
    assert small_db.audit_url is not None
    settings = Settings(
        units_database_url=small_db.units_url,
        community_database_url=small_db.community_url,
        audit_database_url=small_db.audit_url,
        data_dir=str(tmp_path / "data"),
        jwt_secret=TEST_SECRET,
        log_level="warning",
    )
    counts: Counter[str] = Counter()
    async with AsyncExitStack() as stack:
        urls = []
        for name in ("a", "b"):
            app = create_app(settings)
            stack.push_async_callback(app.state.hub.dispose)
            urls.append(await serve_hub(stack, settings, counting(app, counts, name)))
        yield urls, counts, settings


@SQLITE
async def test_a_query_runs_through_hive_gateway_with_the_callers_token(
    gateway_folder: Path, hubs: tuple[list[str], Counter[str], Settings]
) -> None:
    urls, counts, settings = hubs
    compose = await asyncio.create_subprocess_exec(
        "node", "compose.mjs", str(DEPLOY.parent / "schema.graphql"), urls[0],
        cwd=gateway_folder, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(compose.communicate(), 120)
    assert compose.returncode == 0, stderr.decode()
    sdl = stdout.decode()
    supergraph = gateway_folder / "supergraph.graphql"
    supergraph.write_text(sdl, encoding="utf-8")
    assert f'@join__graph(name: "dualhub", url: "{urls[0]}")' in sdl

    port = free_port()
    gateway = await asyncio.create_subprocess_exec(
        "node", "node_modules/@graphql-hive/gateway/dist/bin.js", "supergraph", str(supergraph),
        "--config-path", "gateway.config.mjs", "--host", "127.0.0.1", "--port", str(port),
        cwd=gateway_folder, env={**_node_env(), "DUALHUB_URLS": ",".join(urls)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            await _until_healthy(http, gateway)
            token = issue_token(
                settings, role="district", scope={"district": "D01"},
                subject="gateway-test", ttl=timedelta(minutes=10),
            )  # fmt: skip
            signed_in = []
            for _ in range(4):
                response = await http.post(
                    "/graphql", json={"query": QUERY},
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
                assert response.status_code == 200, response.text
                signed_in.append(response.json())
            anonymous = (await http.post("/graphql", json={"query": QUERY})).json()
    finally:
        gateway.terminate()
        output, _ = await asyncio.wait_for(gateway.communicate(), 20)
    first = signed_in[0]
    assert "errors" not in first, (first, output.decode()[-2000:])
    # The token reached the hub: it scoped the read to the district.
    assert first["data"]["viewer"] == {"role": "DISTRICT", "subject": "gateway-test"}
    assert first["data"]["members"]["totalCount"] > 0
    assert all(body == first for body in signed_in)
    # Without one the hub sees an anonymous caller, for whom members are not public.
    assert anonymous["data"]["viewer"]["role"] == "ANONYMOUS"
    assert anonymous["data"]["members"]["totalCount"] == 0
    # Both hub processes served.
    assert counts["a"] >= 2, counts
    assert counts["b"] >= 2, counts


def _node_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("DUALHUB_")}


async def _until_healthy(http: httpx.AsyncClient, gateway: asyncio.subprocess.Process) -> None:
    for _ in range(240):
        if gateway.returncode is not None:
            break
        try:
            if (await http.get("/healthcheck")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.25)
    gateway.kill()
    output, _ = await asyncio.wait_for(gateway.communicate(), 20)
    pytest.fail(f"Hive Gateway did not start: {output.decode()[-2000:]}")
