"""Requests per second under concurrent load: the hub with two workers against a bare
Starlette endpoint returning the same bytes, on the same machine, in the same run.

    python -m bench.throughput                       # demo data set, SQLite files in a temp dir
    python -m bench.throughput --seconds 20 --clients 8
    python -m bench.throughput --urls UNITS COMMUNITY AUDIT   # e.g. PostgreSQL databases

Seeds the demo data set when the databases hold no members (migrating them first), then
for each request (`member`: one member by code with branch, unit, report and community,
five loaders and an audit entry; `page`: 50 members with branch, unit and report) starts
`dualhub serve --workers 2` (as shipped, and `before`: with the document cache and the leaf
fast path off) and, on another port, `bench.bare` (uvicorn, 2 workers) serving
the hub's own response body for that request, and drives each with `--clients` concurrent
clients (asyncio + httpx keep-alive connections, one process) for `--seconds`. It prints
requests per second, p50 and p99 latency, errors, and the hub's share of the bare
endpoint's requests per second. The load generator runs on the same two cores as the
servers, so the bare endpoint's figure is a floor (the generator saturates first): compare
ratios from one run, never figures across machines.

With the units database on PostgreSQL, Node.js on PATH and `npm install postgraphile@4` run
in `--postgraphile` (default `~/.cache/dualhub-bench/postgraphile4`, outside the
repository), it also drives PostGraphile 4 (`--cluster-workers 2`, default mutations off)
on the units database and the hub with the same units-only queries (a member by code with
branch and unit; 50 members with branch and unit) and prints the hub's share of
PostGraphile's requests per second. PostGraphile does no authentication, audit or
cross-database join here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.performance import Data, prepare, sqlite_files
from datasources.seeding import SCALES
from gateway.auth import issue_token
from gateway.settings import Settings

SECRET = "bench-" + "x" * 40
MEMBER = """query Member($code: String!) { member(code: $code) { code name gender
  branch { code name } unit { code name } report { reportedOn community { code name } } } }"""
PAGE = """query Page { members(first: 50) { totalCount edges { node { code name gender
  branch { code name } unit { code name } } } } }"""

# The units-only queries of the issue, in the hub's schema and in PostGraphile 4's (which
# names relations by their foreign keys).
UNITS_MEMBER = """query($code: String!) { member(code: $code) { code name
  branch { code name } unit { code name } } }"""
UNITS_PAGE = """query { members(first: 50) { totalCount edges { node { code name
  branch { code name } unit { code name } } } } }"""
PEER_MEMBER = """query($code: String!) { memberByCode(code: $code) { code name
  partyBranchByBranchId { code name } workUnitByUnitId { code name } } }"""
PEER_PAGE = """query { allMembers(first: 50, orderBy: CODE_ASC) { totalCount nodes { code name
  partyBranchByBranchId { code name } workUnitByUnitId { code name } } } }"""
# Where `npm install postgraphile@4` was run (outside the repository).
POSTGRAPHILE = Path.home() / ".cache" / "dualhub-bench" / "postgraphile4"


@dataclass(frozen=True)
class Load:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _environment(data: Data) -> dict[str, str]:
    return {
        **os.environ,
        "DUALHUB_UNITS_DATABASE_URL": data.units_url,
        "DUALHUB_COMMUNITY_DATABASE_URL": data.community_url,
        "DUALHUB_AUDIT_DATABASE_URL": data.audit_url,
        "DUALHUB_JWT_SECRET": SECRET,
        "DUALHUB_RATE_LIMIT_PER_IP": "",
        "DUALHUB_RATE_LIMIT_PER_TOKEN": "",
        "DUALHUB_LOG_LEVEL": "warning",
    }


@contextlib.contextmanager
def _server(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """A server process on `port`, stopped (its process group) on exit."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
        command, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                httpx.post(f"{url}/graphql", json={"query": "{ __typename }"}, timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


async def drive(
    url: str, payload: dict[str, Any], headers: dict[str, str], clients: int, seconds: float
) -> Load:
    """`clients` concurrent clients posting `payload` for `seconds` (after a 1 s warm-up)."""
    latencies: list[float] = []
    errors = 0
    counting = False

    async def client(http: httpx.AsyncClient, stop: float) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                response = await http.post("/graphql", json=payload, headers=headers)
                failed = response.status_code != 200 or b'"errors"' in response.content
            except httpx.HTTPError:
                failed = True
            if counting:
                latencies.append((time.perf_counter() - started) * 1000)
                errors += failed

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
        await asyncio.gather(*(client(http, time.monotonic() + 1) for _ in range(clients)))
        counting = True
        started = time.monotonic()
        await asyncio.gather(*(client(http, started + seconds) for _ in range(clients)))
        took = time.monotonic() - started
    return Load(len(latencies), errors, took, latencies)


def _line(name: str, load: Load, base: Load | None) -> str:
    share = f"  {load.rate / base.rate * 100:6.2f} % of bare" if base else ""
    return (
        f"  {name:<6} {load.rate:9.1f} req/s  p50 {load.quantile(0.5):7.1f} ms  "
        f"p99 {load.quantile(0.99):7.1f} ms  errors {load.errors}{share}"
    )


def _postgraphile(folder: Path, units_url: str, port: int, workers: int) -> list[str] | None:
    """PostGraphile 4's command on the units database, if Node and the package are there
    and the database is PostgreSQL."""
    cli = folder / "node_modules" / "postgraphile" / "cli.js"
    node = shutil.which("node")
    if node is None or not cli.exists() or not units_url.startswith("postgresql"):
        return None
    url = "postgres://" + units_url.split("://", 1)[1]
    return [
        node, str(cli), "-c", url, "--host", "127.0.0.1", "--port", str(port),
        "--cluster-workers", str(workers), "--disable-query-log", "-M",
    ]  # fmt: skip


async def _peer(
    data: Data, headers: dict[str, str], code: str, seconds: float, clients: int, workers: int,
    folder: Path,
) -> dict[str, Any]:  # fmt: skip
    """The hub (as shipped) and PostGraphile 4 on the units-only queries."""
    port = _free_port()
    command = _postgraphile(folder, data.units_url, port, workers)
    if command is None:
        print(f"PostGraphile 4: skipped (needs node, `npm install postgraphile@4` in {folder}, "
              "and the units database on PostgreSQL)")  # fmt: skip
        return {}
    results: dict[str, Any] = {}
    pairs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "units member": (
            {"query": UNITS_MEMBER, "variables": {"code": code}},
            {"query": PEER_MEMBER, "variables": {"code": code}},
        ),
        "units page": ({"query": UNITS_PAGE}, {"query": PEER_PAGE}),
    }
    hub_port = _free_port()
    hub_loads = {}
    with _server(_hub_command(hub_port, workers), _environment(data), hub_port) as hub:
        for name, (ours, _) in pairs.items():
            hub_loads[name] = await drive(hub, ours, headers, clients, seconds)
    with _server(command, dict(os.environ), port) as peer:
        for name, (_, theirs) in pairs.items():
            async with httpx.AsyncClient(base_url=peer, timeout=30) as one:
                check = await one.post("/graphql", json=theirs)
            assert b'"errors"' not in check.content, check.text
            peer_load = await drive(peer, theirs, {}, clients, seconds)
            print(f"{name}: {clients} clients, {seconds:.0f} s, {workers} workers")
            print(_line("pgql4", peer_load, None))
            print(_line("hub", hub_loads[name], peer_load).replace("of bare", "of PostGraphile"))
            results[name] = {"hub": hub_loads[name], "postgraphile": peer_load}
    return results


def _hub_command(port: int, workers: int) -> list[str]:
    return [
        str(Path(sys.executable).with_name("dualhub")), "serve", "--port", str(port),
        "--workers", str(workers), "--no-migrate", "--no-demo-data",
    ]  # fmt: skip


async def main(
    data: Data, seconds: float, clients: int, workers: int, postgraphile: Path = POSTGRAPHILE
) -> dict[str, Any]:
    await prepare(data, SCALES["demo"])
    env = _environment(data)
    settings = Settings(jwt_secret=SECRET)
    token = issue_token(
        settings, role="district", scope={"district": "D01"}, subject="bench",
        ttl=timedelta(hours=2),
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    results: dict[str, Any] = {}
    hub_port, bare_port = _free_port(), _free_port()
    hub_command = _hub_command(hub_port, workers)
    with tempfile.TemporaryDirectory() as folder:
        with _server(hub_command, env, hub_port) as hub:
            async with httpx.AsyncClient(base_url=hub, headers=headers, timeout=30) as one:
                found = await one.post(
                    "/graphql", json={"query": "{ members(first: 1) { edges { node { code } } } }"}
                )
                first = found.json()
            code = first["data"]["members"]["edges"][0]["node"]["code"]
            requests: dict[str, dict[str, Any]] = {
                "member": {"query": MEMBER, "variables": {"code": code}},
                "page": {"query": PAGE},
            }
            bodies = {}
            hub_loads = {}
            for name, payload in requests.items():
                async with httpx.AsyncClient(base_url=hub, headers=headers, timeout=30) as one:
                    response = await one.post("/graphql", json=payload)
                assert response.status_code == 200, response.text
                assert b'"errors"' not in response.content, response.text
                bodies[name] = response.content
                hub_loads[name] = await drive(hub, payload, headers, clients, seconds)
        # The hub without this issue's levers: every document parsed and validated,
        # graphql-core's per-field execution everywhere.
        before_env = {**env, "DUALHUB_DOCUMENT_CACHE_SIZE": "0", "DUALHUB_LEAF_FAST_PATH": "false"}
        before_loads = {}
        with _server(hub_command, before_env, hub_port) as hub:
            for name, payload in requests.items():
                before_loads[name] = await drive(hub, payload, headers, clients, seconds)
        for name, payload in requests.items():
            body = Path(folder) / f"{name}.json"
            body.write_bytes(bodies[name])
            bare_command = [
                sys.executable, "-m", "uvicorn", "bench.bare:app", "--port", str(bare_port),
                "--workers", str(workers), "--log-level", "warning", "--no-access-log",
            ]  # fmt: skip
            with _server(bare_command, {**env, "BENCH_BARE_BODY": str(body)}, bare_port) as bare:
                bare_load = await drive(bare, payload, headers, clients, seconds)
            hub_load = hub_loads[name]
            print(f"{name}: {clients} clients, {seconds:.0f} s, {workers} workers, "
                  f"{len(bodies[name]):,} bytes")  # fmt: skip
            print(_line("bare", bare_load, None))
            print(_line("before", before_loads[name], bare_load))
            print(_line("hub", hub_load, bare_load)
                  + f"  {hub_load.rate / before_loads[name].rate:5.2f}x before")  # fmt: skip
            results[name] = {"hub": hub_load, "bare": bare_load, "before": before_loads[name]}
    results.update(await _peer(data, headers, code, seconds, clients, workers, postgraphile))
    return results


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="Folder of the SQLite files (reused if seeded).")
    parser.add_argument("--urls", nargs=3, metavar=("UNITS", "COMMUNITY", "AUDIT"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgraphile", type=Path, default=POSTGRAPHILE)
    args = parser.parse_args()

    def run(folder: Path) -> None:
        data = Data(*args.urls) if args.urls else sqlite_files(folder)
        asyncio.run(main(data, args.seconds, args.clients, args.workers, args.postgraphile))

    if args.data or args.urls:
        run(args.data or Path("."))
    else:
        with tempfile.TemporaryDirectory() as folder:
            run(Path(folder))


if __name__ == "__main__":
    cli()
