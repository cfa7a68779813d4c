"""The hot path of a small request, in one process: where its time goes, and what each
lever saves, measured side by side in one run.

    python -m bench.hotpath                          # seeds the demo data set in a temp dir
    python -m bench.hotpath --data /tmp/dh-hot --runs 300
    python -m bench.hotpath --urls UNITS COMMUNITY AUDIT  # e.g. PostgreSQL databases
    python -m bench.hotpath --profile                # pyinstrument of `member` (installed)

Three requests through the ASGI app with a district token, sequentially: `viewer` (the
trivial `{ viewer { role } }`), `member` (one member by code with branch, unit, report and
community: five loaders and an audit entry) and `page` (50 members with branch, unit and
report). Each runs under four configurations of the same app code:

| name | what |
| --- | --- |
| baseline | document cache off (`DUALHUB_DOCUMENT_CACHE_SIZE=0`), leaf fast path off |
| cache | parse and validate once (`schema.limits.DocumentCache`) |
| cache+fast | and the leaf fast path (`schema.executor`) |
| +no-gzip | and response compression off |
| ping-each | as +no-gzip, but on PostgreSQL every pooled connection is pinged on checkout (as `pool_pre_ping` did; `datasources.idle_ping` pings only idle ones) |
| ping+txn | and read sessions inside a transaction (BEGIN, ROLLBACK around each batch; `datasources.read_sessions` reads in autocommit) |

It prints each one's median and p90 wall-clock latency and CPU time per request, and the
ratio of the medians to the baseline's. Run on a busy machine, compare the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.performance import Data, prepare, sqlite_files
from datasources import base as datasource_base
from datasources import idle_ping
from datasources.idle_ping import IDLE_PING_SECONDS
from datasources.read_sessions import read_engine
from datasources.seeding import SCALES
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.settings import Settings
from schema.limits import DOCUMENT_CACHE_SIZE, DOCUMENTS

VIEWER = "query Viewer { viewer { role } }"
MEMBER = """query Member($code: String!) { member(code: $code) { code name gender
  branch { code name } unit { code name } report { reportedOn community { code name } } } }"""
PAGE = """query Page { members(first: 50) { totalCount edges { node { code name gender
  branch { code name } unit { code name } report { reportedOn } } } } }"""

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "baseline": {"cache": 0, "leaf_fast_path": False, "compression": True},
    "cache": {"cache": DOCUMENT_CACHE_SIZE, "leaf_fast_path": False, "compression": True},
    "cache+fast": {"cache": DOCUMENT_CACHE_SIZE, "leaf_fast_path": True, "compression": True},
    "+no-gzip": {"cache": DOCUMENT_CACHE_SIZE, "leaf_fast_path": True, "compression": False},
    "ping-each": {
        "cache": DOCUMENT_CACHE_SIZE,
        "leaf_fast_path": True,
        "compression": False,
        "ping_after": 0.0,
    },
    "ping+txn": {
        "cache": DOCUMENT_CACHE_SIZE,
        "leaf_fast_path": True,
        "compression": False,
        "ping_after": 0.0,
        "read_transactions": True,
    },
}


def _settings(data: Data, **overrides: Any) -> Settings:
    return Settings(
        units_database_url=data.units_url,
        community_database_url=data.community_url,
        audit_database_url=data.audit_url,
        jwt_secret="bench-" + "x" * 40,
        rate_limit_per_ip="",
        rate_limit_per_token="",
        log_level="warning",
        **overrides,
    )


async def _time(
    http: httpx.AsyncClient, payload: dict[str, Any], headers: dict[str, str], runs: int
) -> tuple[float, float, float]:
    samples, cpu = [], 0.0
    for run in range(runs + 10):
        cpu_started, started = time.process_time(), time.perf_counter()
        response = await http.post("/graphql", json=payload, headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        if run >= 10:
            samples.append(elapsed * 1000)
            cpu += time.process_time() - cpu_started
    return statistics.median(samples), statistics.quantiles(samples, n=10)[-1], cpu / runs * 1000


async def main(data: Data, runs: int, profile: bool) -> dict[str, dict[str, float]]:
    medians: dict[str, dict[str, float]] = {}
    for name, config in CONFIGURATIONS.items():
        settings = _settings(
            data,
            leaf_fast_path=config["leaf_fast_path"],
            compression=config["compression"],
            document_cache_size=config["cache"],
        )
        DOCUMENTS.clear()
        idle_ping.IDLE_PING_SECONDS = config.get("ping_after", IDLE_PING_SECONDS)
        datasource_base.read_engine = (
            (lambda engine: engine) if config.get("read_transactions") else read_engine
        )
        app = create_app(settings)
        token = issue_token(
            settings, role="district", scope={"district": "D01"}, subject="bench",
            ttl=timedelta(hours=1),
        )  # fmt: skip
        headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
                first = await http.post(
                    "/graphql",
                    json={"query": "{ members(first: 1) { edges { node { code } } } }"},
                    headers=headers,
                )
                code = first.json()["data"]["members"]["edges"][0]["node"]["code"]
                requests: dict[str, dict[str, Any]] = {
                    "viewer": {"query": VIEWER},
                    "member": {"query": MEMBER, "variables": {"code": code}},
                    "page": {"query": PAGE},
                }
                if profile:
                    if name == "+no-gzip":
                        await _profile(http, requests["member"], headers, runs)
                    continue
                for request, payload in requests.items():
                    median, p90, cpu = await _time(http, payload, headers, runs)
                    medians.setdefault(request, {})[name] = median
                    base = medians[request]["baseline"]
                    print(f"{request:<7} {name:<11} median {median:7.3f} ms  p90 {p90:7.3f} ms"
                          f"  CPU {cpu:7.3f} ms  ratio {median / base:5.2f}x baseline")  # fmt: skip
        finally:
            await app.state.hub.dispose()
    DOCUMENTS.size = DOCUMENT_CACHE_SIZE
    idle_ping.IDLE_PING_SECONDS = IDLE_PING_SECONDS
    datasource_base.read_engine = read_engine
    return medians


async def _profile(
    http: httpx.AsyncClient, payload: dict[str, Any], headers: dict[str, str], runs: int
) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002, async_mode="enabled")
    with profiler:
        for _ in range(runs):
            await http.post("/graphql", json=payload, headers=headers)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="Folder of the SQLite files (reused if seeded).")
    parser.add_argument("--urls", nargs=3, metavar=("UNITS", "COMMUNITY", "AUDIT"))
    parser.add_argument("--runs", type=int, default=200, help="Timed runs per request.")
    parser.add_argument("--profile", action="store_true", help="pyinstrument of `member`.")
    args = parser.parse_args()

    async def run(folder: Path) -> None:
        data = Data(*args.urls) if args.urls else sqlite_files(folder)
        await prepare(data, SCALES["demo"])
        await main(data, args.runs, args.profile)

    if args.data or args.urls:
        asyncio.run(run(args.data or Path(".")))
    else:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(run(Path(folder)))


if __name__ == "__main__":
    cli()
