"""A hub served by uvicorn on a free port of 127.0.0.1, for tests that drive it from Node."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack
from typing import Any

import uvicorn

from gateway.server import server_options
from gateway.settings import Settings

Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Any, Any], Awaitable[None]]


def counting(app: ASGI, counts: Counter[str], name: str) -> ASGI:
    """The app, counting the GraphQL requests it serves."""

    async def counted(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql":
            counts[name] += 1
        await app(scope, receive, send)

    return counted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def serve_hub(stack: AsyncExitStack, settings: Settings, app: ASGI) -> str:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    server = uvicorn.Server(uvicorn.Config(app, **server_options(settings)))
    task = asyncio.create_task(server.serve(sockets=[listener]))

    async def stop() -> None:
        server.should_exit = True
        await asyncio.wait_for(task, 20)
        listener.close()

    stack.push_async_callback(stop)
    for _ in range(400):
        if server.started or task.done():
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    return f"http://{host}:{port}/graphql"
