"""Where uploaded files live: a small interface, and a local content-addressed store.

A store keeps bytes under a key it chooses (`put`), hands them back (`open`) and says
whether it has them (`exists`). The hub's key is the lowercase hex SHA-256 of the bytes, so
storing the same photo twice stores it once, a key names its content for good, and a file
written by a request whose transaction then rolled back is an orphan that costs disk space
but is never served (no attachment row points to it). Nothing is ever deleted through it.

An S3-compatible store (MinIO, 阿里云 OSS, 腾讯云 COS) implements the same three methods
with its SDK: `put` → `put_object(Bucket, Key=key, Body=data)` (skip when `head_object`
finds the key), `open` → `get_object(...)["Body"].read()`, `exists` → `head_object`;
see docs/uploads.md. The hub ships only the local store (no S3 client is a dependency).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"[0-9a-f]{64}")


class FileStore(Protocol):
    """What the hub needs of a file store."""

    async def put(self, data: bytes) -> str:
        """Store `data`; its key (the SHA-256 in hex)."""
        ...

    async def open(self, key: str) -> bytes:
        """The bytes stored under `key`; `FileNotFoundError` if there are none."""
        ...

    async def exists(self, key: str) -> bool: ...


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalFileStore:
    """Files under `root`, as `root/ab/cd/abcd…` (two levels of fan-out by key)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if _KEY.fullmatch(key) is None:  # never a path from outside
            raise FileNotFoundError(key)
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes) -> str:
        key = key_of(data)
        await asyncio.to_thread(self._write, key, data)
        return key

    def _write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    async def open(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path(key).read_bytes)

    async def exists(self, key: str) -> bool:
        try:
            return await asyncio.to_thread(self.path(key).is_file)
        except FileNotFoundError:
            return False
