"""Trusted documents (persisted queries): the frontends' GraphQL documents, known by hash.

The manifest, named by `DUALHUB_TRUSTED_DOCUMENTS`, is either a JSON object
`{"<sha256 hex of the document text>": "<document text>"}`, built from the frontends'
`.graphql` files by `dualhub documents build`, or Apollo's persisted-query manifest
(`{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name",
"type", "body"}]}`, written by `@apollo/generate-persisted-query-manifest`), whose ids must
be the SHA-256 of their bodies (its default). A request may name a document instead of
sending it:

* Apollo's automatic persisted queries (APQ):
  `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}}`,
  with or without `query`;
* `{"documentId": "<hex>"}` (or `"sha256:<hex>"`), as in the trusted documents proposal.

A hash without a query is looked up in the manifest (and, unless trusted-only, in the
documents clients registered through APQ): unknown → the error message
`PersistedQueryNotFound`, exactly, with code `PERSISTED_QUERY_NOT_FOUND` (urql's persisted
exchange looks at the message alone, Apollo's link at either), which tells the client to
retry with the query; the Chinese explanation is in `extensions.reason`. A hash with a query must be the query's hash.
With `DUALHUB_TRUSTED_DOCUMENTS_ONLY`, every document, sent or named, must be in the
manifest, so the hub runs nothing but what the frontends shipped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError, parse, validate

from schema.errors import ErrorCode

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
APQ_CACHE_SIZE = 1_000
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"


def document_hash(text: str) -> str:
    """The manifest key of a document: SHA-256 of its exact text, UTF-8, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ManifestError(ValueError):
    """A manifest that cannot be trusted: unreadable, malformed or with wrong hashes."""


APOLLO_FORMAT = "apollo-persisted-query-manifest"


def load_manifest(path: str | Path) -> dict[str, str]:
    """The manifest as {sha256: document}, from either format; `ManifestError` if untrusted."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"trusted documents manifest {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ManifestError(f"trusted documents manifest {path}: not a JSON object")
    if "format" in raw:
        return _apollo_manifest(path, raw)
    manifest: dict[str, str] = {}
    for key, text in raw.items():
        if not isinstance(text, str) or document_hash(text) != key.lower():
            raise ManifestError(
                f"trusted documents manifest {path}: {key!r} is not the SHA-256 of its document"
            )
        manifest[key.lower()] = text
    return manifest


def _apollo_manifest(path: str | Path, raw: Mapping[str, Any]) -> dict[str, str]:
    """Apollo's persisted-query manifest, version 1."""
    where = f"trusted documents manifest {path}"
    if raw.get("format") != APOLLO_FORMAT or raw.get("version") != 1:
        raise ManifestError(
            f"{where}: unknown format {raw.get('format')!r} version {raw.get('version')!r} "
            f"(expected {APOLLO_FORMAT!r} version 1, or {{sha256: document}})"
        )
    operations = raw.get("operations")
    if not isinstance(operations, list):
        raise ManifestError(f"{where}: 'operations' is not a list")
    manifest: dict[str, str] = {}
    for index, operation in enumerate(operations):
        body = operation.get("body") if isinstance(operation, dict) else None
        op_id = operation.get("id") if isinstance(operation, dict) else None
        if not isinstance(body, str) or not isinstance(op_id, str):
            raise ManifestError(f"{where}: operation {index} lacks a string 'id' and 'body'")
        if document_hash(body) != op_id.lower():
            raise ManifestError(
                f"{where}: operation {index} ({operation.get('name')!r}): id {op_id!r} is "
                "not the SHA-256 of its body (custom ids are not supported: generate the "
                "manifest with the default sha256 ids)"
            )
        manifest[op_id.lower()] = body
    return manifest


def build_manifest(paths: Iterable[str | Path]) -> dict[str, str]:
    """The manifest of these files: each file's text is one document, as the frontend sends it."""
    manifest: dict[str, str] = {}
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        manifest[document_hash(text)] = text
    return dict(sorted(manifest.items()))


def write_manifest(manifest: Mapping[str, str], path: str | Path) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
    Path(path).write_text(text + "\n", encoding="utf-8")


def schema_errors(path: str | Path) -> list[str]:
    """Why the document in `path` would fail against the hub's schema (none: it is valid)."""
    from schema.app import build_schema

    try:
        document = parse(Path(path).read_text(encoding="utf-8"))
    except GraphQLError as error:
        return [error.message]
    return [error.message for error in validate(build_schema()._schema, document)]


class TrustedDocuments:
    """Resolves a request's query from its document hash, and enforces trusted-only."""

    def __init__(
        self,
        manifest: Mapping[str, str] | None = None,
        *,
        trusted_only: bool = False,
        cache_size: int = APQ_CACHE_SIZE,
    ) -> None:
        self.manifest = dict(manifest or {})
        self.trusted_only = trusted_only
        self._registered: OrderedDict[str, str] = OrderedDict()
        self._cache_size = cache_size

    def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None, document_id: Any
    ) -> str | None:
        """The query to run; raises a coded `GraphQLError` to refuse the request."""
        named = _named_hash(extensions, document_id)
        if named is None:
            if query is not None and self.trusted_only:
                self._require_trusted(document_hash(query))
            return query
        if query is None:
            return self._lookup(named)
        if document_hash(query) != named:
            raise GraphQLError(
                "持久化查询的哈希与查询内容不符。The provided sha256Hash does not match the query.",
                extensions={"code": ErrorCode.BAD_USER_INPUT.value},
            )
        if self.trusted_only:
            self._require_trusted(named)
        elif named not in self.manifest:
            self._register(named, query)
        return query

    def _lookup(self, digest: str) -> str:
        text = self.manifest.get(digest)
        if text is None and not self.trusted_only:
            text = self._registered.get(digest)
            if text is not None:
                self._registered.move_to_end(digest)
        if text is None:
            raise not_found(digest)
        return text

    def _require_trusted(self, digest: str) -> None:
        if digest not in self.manifest:
            raise GraphQLError(
                "此服务只执行预先登记的查询。"
                "PersistedQueryNotFound: this document is not in the trusted documents.",
                extensions={
                    "code": ErrorCode.PERSISTED_QUERY_NOT_FOUND.value,
                    "sha256Hash": digest,
                },
            )

    def _register(self, digest: str, query: str) -> None:
        self._registered[digest] = query
        self._registered.move_to_end(digest)
        while len(self._registered) > self._cache_size:
            self._registered.popitem(last=False)


def not_found(digest: str) -> GraphQLError:
    """The miss APQ clients retry on: urql's persisted exchange compares the message with
    `PersistedQueryNotFound` exactly, so the explanation travels in `extensions.reason`."""
    return GraphQLError(
        NOT_FOUND_MESSAGE,
        extensions={
            "code": ErrorCode.PERSISTED_QUERY_NOT_FOUND.value,
            "sha256Hash": digest,
            "reason": "未找到该持久化查询，请发送完整查询。No document is known by this hash.",
        },
    )


def _named_hash(extensions: Mapping[str, Any] | None, document_id: Any) -> str | None:
    """The document hash a request names, normalized; None if it names none."""
    value: Any = None
    if document_id is not None:
        value = document_id
        if isinstance(value, str) and value.startswith("sha256:"):
            value = value.removeprefix("sha256:")
    elif extensions is not None and "persistedQuery" in extensions:
        persisted = extensions["persistedQuery"]
        value = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
    else:
        return None
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise GraphQLError(
            "持久化查询的标识无效。"
            "A persisted query must be named by the SHA-256 hex hash of its document.",
            extensions={"code": ErrorCode.BAD_USER_INPUT.value},
        )
    return value.lower()
