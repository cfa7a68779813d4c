"""A GraphQL client over the ASGI app, as a frontend would use the hub."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

# `DUALHUB_RECORD_QUERIES=<file>`: every document the tests send is appended to the file
# (one JSON line each), to refresh the fast path's differential corpus
# (`tests/test_fast_path.py`, `python -m tests.fast_path_corpus <file>`).
RECORD_TO = os.environ.get("DUALHUB_RECORD_QUERIES")


def _record(query: str, variables: dict[str, Any] | None) -> None:
    if RECORD_TO:
        with open(RECORD_TO, "a", encoding="utf-8") as out:
            out.write(json.dumps({"query": query, "variables": variables}, default=str) + "\n")


class GraphQLClient:
    """Sends GraphQL over HTTP with a bearer token, as a signed-in frontend does."""

    def __init__(
        self, http: httpx.AsyncClient, token: str | None = None, tokens: Any = None
    ) -> None:
        self.http = http
        self.token = token
        self.tokens = tokens  # a TokenFactory, to sign in as someone else

    def as_viewer(self, role: str, subject: str | None = None, **scope: str) -> GraphQLClient:
        """The same app, signed in with another role and scope (and subject: by default
        `test-<role>`; a position holder signs in as the holder his position records)."""
        return GraphQLClient(self.http, self.tokens.issue(role, subject, **scope), self.tokens)

    def anonymous(self) -> GraphQLClient:
        return GraphQLClient(self.http, None, self.tokens)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        _record(query, variables)
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a query that must succeed: any error fails the test."""
        body = await self.raw(query, variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def statements(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, int]:
        """Statements per datasource the query ran (the app must run with debug_sql)."""
        body = await self.raw(query, variables)
        assert not body.get("errors"), body["errors"]
        counts: dict[str, int] = body["extensions"]["sqlStatements"]
        return counts

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The first error of a query that must fail."""
        body = await self.raw(query, variables)
        assert body.get("errors"), f"expected an error, got {body}"
        first: dict[str, Any] = body["errors"][0]
        return first
