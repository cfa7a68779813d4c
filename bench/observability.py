"""The cost of observability on a simple request: median latency through the ASGI app.

    python -m bench.observability --data /tmp/dh-demo/data            # tracing off (default)
    python -m bench.observability --data /tmp/dh-demo/data --tracing  # spans to memory

`--data` is a folder with the demo data set's SQLite files (`dualhub seed` with
DUALHUB_*_DATABASE_URL pointing there). Two requests are timed, each `--runs` times after a
warm-up: `simple`, an anonymous `districts(first: 1) { totalCount }` (one statement), and
`branch`, the district's page of a branch's members with their reports (ten statements and
an audit entry); besides wall-clock latency it reports the process's CPU time per request,
which other load on the machine disturbs less. Run it on a checkout without the instrumentation too (the same command
with that checkout first on PYTHONPATH) to get the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.settings import Settings

SIMPLE = "query Simple { districts(first: 1) { totalCount } }"
BRANCH = (
    'query BranchMembers { partyBranch(code: "B00043") { name members(first: 2) { totalCount '
    "edges { node { code name report { community { name } } } } } } }"
)


async def main(data: Path, runs: int, tracing: bool) -> None:
    settings = Settings(
        units_database_url=f"sqlite+aiosqlite:///{data / 'units.db'}",
        community_database_url=f"sqlite+aiosqlite:///{data / 'community.db'}",
        audit_database_url=f"sqlite+aiosqlite:///{data / 'audit.db'}",
        jwt_secret="bench-" + "x" * 40,
        rate_limit_per_ip="",
        rate_limit_per_token="",
        log_level="warning",
    )
    extra: dict[str, Any] = {}
    if tracing:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        extra["tracer_provider"] = provider
    app = create_app(settings, **extra)
    token = issue_token(
        settings,
        role="district",
        scope={"district": "D01"},
        subject="bench",
        ttl=timedelta(hours=1),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as http:
        for name, query, headers in (
            ("simple", SIMPLE, {}),
            ("branch", BRANCH, {"Authorization": f"Bearer {token}"}),
        ):
            samples = []
            cpu = 0.0
            for run in range(runs + 20):
                cpu_started = time.process_time()
                started = time.perf_counter()
                response = await http.post("/graphql", json={"query": query}, headers=headers)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200
                assert "errors" not in response.json()
                if run >= 20:
                    samples.append(elapsed * 1000)
                    cpu += time.process_time() - cpu_started
                if tracing:
                    exporter.clear()
            print(f"{name:<7} median {statistics.median(samples):.3f} ms  "
                  f"p90 {statistics.quantiles(samples, n=10)[-1]:.3f} ms  "
                  f"CPU {cpu / runs * 1000:.3f} ms per request")  # fmt: skip
    await app.state.hub.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="Folder of the demo SQLite files.")
    parser.add_argument("--runs", type=int, default=500, help="Timed runs per request.")
    parser.add_argument("--tracing", action="store_true", help="Trace into memory.")
    args = parser.parse_args()
    asyncio.run(main(args.data, args.runs, args.tracing))


if __name__ == "__main__":
    cli()
