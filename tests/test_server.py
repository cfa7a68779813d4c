"""The request head limits of `dualhub serve`: a real uvicorn on 127.0.0.1, raw sockets.

The server runs in the test's event loop with the options `dualhub serve` uses
(`gateway.server.server_options`); the clients are plain sockets, so nothing between them
and uvicorn's parser forgives a malformed or slow request.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from gateway.app import create_app
from gateway.server import server_options
from gateway.settings import Settings

HEAD_TIMEOUT = 1.0  # seconds, short for the test
MAX_HEADER_BYTES = 8 * 1024
# Bounds on waiting, generous so a busy machine cannot fail the test: the assertions are
# about what happens (closed or not), never about how fast.
PATIENCE = 20 * HEAD_TIMEOUT


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """A hub served by uvicorn as `dualhub serve` configures it; (host, port)."""
    settings = Settings(
        units_database_url=f"sqlite+aiosqlite:///{tmp_path / 'units.db'}",
        community_database_url=f"sqlite+aiosqlite:///{tmp_path / 'community.db'}",
        audit_database_url=f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}",
        data_dir=str(tmp_path / "data"),
        jwt_secret="test-secret-" + "x" * 40,
        header_timeout_seconds=HEAD_TIMEOUT,
        max_header_bytes=MAX_HEADER_BYTES,
        log_level="warning",
    )
    config = uvicorn.Config(create_app(settings), **server_options(settings))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    host, port = listener.getsockname()
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve(sockets=[listener]))
    try:
        for _ in range(int(PATIENCE / 0.05)):
            if uv.started or task.done():
                break
            await asyncio.sleep(0.05)
        assert uv.started, "uvicorn did not start"
        yield host, port
    finally:
        uv.should_exit = True
        await asyncio.wait_for(task, PATIENCE)
        listener.close()


async def read_until_closed(reader: asyncio.StreamReader) -> tuple[bytes, bool]:
    """What the server sent, and whether it closed the connection within PATIENCE."""
    received = b""
    try:
        async with asyncio.timeout(PATIENCE):
            while chunk := await reader.read(65536):
                received += chunk
    except TimeoutError:
        return received, False
    except ConnectionError:
        pass
    return received, True


async def request(host: str, port: int, head: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(head)
        await writer.drain()
        received, _closed = await read_until_closed(reader)
        return received
    finally:
        writer.close()


GET_HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n"


async def test_a_normal_request_is_served(server: tuple[str, int]) -> None:
    response = await request(*server, GET_HEALTHZ)
    assert response.startswith(b"HTTP/1.1 200 "), response[:200]
    assert response.endswith(b'{"status":"ok"}')


async def test_forwarded_headers_are_not_believed_from_localhost(server: tuple[str, int]) -> None:
    """uvicorn's own proxy handling (which trusts 127.0.0.1) is off: the app decides."""
    config = uvicorn.Config(lambda: None, **server_options(Settings()))
    assert config.proxy_headers is False
    # Served, not refused or rewritten: the header is simply not believed.
    head = GET_HEALTHZ.replace(b"\r\n\r\n", b"\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n")
    assert (await request(*server, head)).startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize("size", [MAX_HEADER_BYTES + 1, 8 * 1024 * 1024])
async def test_a_header_over_the_limit_is_refused(server: tuple[str, int], size: int) -> None:
    reader, writer = await asyncio.open_connection(*server)
    try:
        head = b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
        try:
            writer.write(head)
            await writer.drain()
        except ConnectionError:
            pass  # the server stopped reading and closed: refused all the same
        response, closed = await read_until_closed(reader)
    finally:
        writer.close()
    assert closed
    if size < 64 * 1024:  # sent whole before the server could answer: it reads the answer
        assert response.startswith(b"HTTP/1.1 431 "), response[:200]
    else:  # the server may close while megabytes are still on their way: a reset, no answer
        assert response == b"" or response.startswith(b"HTTP/1.1 431 "), response[:200]
    # The server is unharmed.
    assert (await request(*server, GET_HEALTHZ)).startswith(b"HTTP/1.1 200 ")


async def test_a_header_within_the_limit_is_accepted(server: tuple[str, int]) -> None:
    head = GET_HEALTHZ.replace(
        b"\r\n\r\n", b"\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES // 2) + b"\r\n\r\n"
    )
    assert (await request(*server, head)).startswith(b"HTTP/1.1 200 ")


async def dribble(host: str, port: int, first: bytes = b"") -> tuple[bytes, bool]:
    """Send a request head one header every HEAD_TIMEOUT / 4, never finishing it; what the
    server answered and whether it closed the connection within PATIENCE."""
    reader, writer = await asyncio.open_connection(host, port)

    async def trickle() -> None:
        writer.write(first + b"GET /healthz HTTP/1.1\r\nHost: hub\r\n")
        for n in range(int(PATIENCE / (HEAD_TIMEOUT / 4))):
            await asyncio.sleep(HEAD_TIMEOUT / 4)
            writer.write(b"X-Dribble-%d: x\r\n" % n)
            await writer.drain()

    sender = asyncio.create_task(trickle())
    try:
        return await read_until_closed(reader)
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        writer.close()


async def test_a_client_dribbling_its_headers_is_disconnected(server: tuple[str, int]) -> None:
    """150 connections that keep sending headers but never end them: all are closed (408),
    and a normal request is served meanwhile."""
    clients = [asyncio.create_task(dribble(*server)) for _ in range(150)]
    await asyncio.sleep(HEAD_TIMEOUT / 2)
    assert (await request(*server, GET_HEALTHZ)).startswith(b"HTTP/1.1 200 ")
    results = await asyncio.gather(*clients)
    assert all(closed for _response, closed in results)
    assert all(response.startswith(b"HTTP/1.1 408 ") for response, _closed in results)


async def test_a_kept_alive_connection_gets_a_new_clock_per_request(
    server: tuple[str, int],
) -> None:
    """A first request served, then a dribbled second one on the same connection: closed."""
    keep_alive = b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"
    response, closed = await dribble(*server, first=keep_alive)
    assert closed
    assert response.startswith(b"HTTP/1.1 200 ")
    assert b"HTTP/1.1 408 " in response


async def test_an_idle_connection_is_closed_without_an_answer(server: tuple[str, int]) -> None:
    reader, writer = await asyncio.open_connection(*server)
    try:
        response, closed = await read_until_closed(reader)
    finally:
        writer.close()
    assert (response, closed) == (b"", True)
