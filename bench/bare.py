"""A bare Starlette endpoint answering POST /graphql with fixed bytes (`bench.throughput`'s
ceiling): the file named by BENCH_BARE_BODY, read once per worker."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BODY = Path(os.environ.get("BENCH_BARE_BODY", "/dev/null")).read_bytes()


async def graphql(request: Request) -> Response:
    await request.body()
    return Response(BODY, media_type="application/graphql-response+json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
