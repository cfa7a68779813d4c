"""The web workbench (工作台) at `/app`: plain HTML, CSS and ES modules from the project's
`web/` folder, no build step and nothing fetched at run time.

The workbench is a client of the public GraphQL API like any other frontend: its operations
are the `.graphql` files of `web/operations/` (one operation per file, named as the file),
registered as trusted documents when the hub starts (merged with `DUALHUB_TRUSTED_DOCUMENTS`),
and the page sends only their ids (`{"documentId": "<sha256>"}`), which `/app/config.json`
tells it. It never reads a database.

Sign-in: the page keeps a bearer token in `sessionStorage`. In development
`POST /app/dev-token` issues a demo token for a role (the scopes `dualhub serve --demo`
prints); in production that route does not exist and the page asks for a token from the
district's identity provider.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from datasources.scope import Role
from gateway.documents import document_hash

if TYPE_CHECKING:
    from gateway.app import Hub

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
OPERATIONS_DIR = WEB_DIR / "operations"
PREFIX = "/app"
# The roles the development sign-in offers, with their Chinese names.
DEV_ROLES = {
    Role.UNIT_BRANCH: "单位党支部书记",
    Role.COMMUNITY: "社区党委",
    Role.GRID_WORKER: "网格员",
    Role.DISTRICT: "区委组织部",
    Role.AUDITOR: "审计员",
    Role.MEMBER: "在职党员",
}
DEV_TOKEN_TTL = timedelta(hours=8)


@cache
def operations() -> dict[str, str]:
    """The workbench's documents by operation name (the file name), text as sent."""
    if not OPERATIONS_DIR.is_dir():
        return {}
    return {
        path.stem: path.read_text(encoding="utf-8")
        for path in sorted(OPERATIONS_DIR.glob("*.graphql"))
    }


def manifest() -> dict[str, str]:
    """The workbench's trusted documents, {sha256: text}."""
    return {document_hash(text): text for text in operations().values()}


def document_ids() -> dict[str, str]:
    """{operation name: document id}, what the page sends instead of a document."""
    return {name: document_hash(text) for name, text in operations().items()}


def routes(hub: Hub) -> list[BaseRoute]:
    """`/app` and its files; `/app/dev-token` in development only."""
    if not (WEB_DIR / "index.html").is_file():
        return []
    production = hub.settings.production

    async def index(_request: Request) -> Response:
        return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def to_index(_request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=308)

    async def config(_request: Request) -> Response:
        return JSONResponse(
            {
                "env": hub.settings.env,
                "devSignIn": not production,
                "roles": {role.value: label for role, label in DEV_ROLES.items()},
                "documents": document_ids(),
            },
            headers={"Cache-Control": "no-cache"},
        )

    found: list[BaseRoute] = [
        Route(PREFIX, to_index, methods=["GET"]),
        Route(f"{PREFIX}/", index, methods=["GET"]),
        Route(f"{PREFIX}/config.json", config, methods=["GET"]),
        Mount(f"{PREFIX}/static", app=StaticFiles(directory=WEB_DIR)),
    ]
    if not production:
        found.append(Route(f"{PREFIX}/dev-token", _dev_token(hub), methods=["POST"]))
    return found


def _dev_token(hub: Hub) -> Callable[[Request], Awaitable[Response]]:
    from gateway.auth import issue_token
    from gateway.demo import demo_scopes, demo_subjects

    async def dev_token(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            role = Role(body.get("role"))
        except (ValueError, AttributeError):
            role = None
        if role not in DEV_ROLES:
            return JSONResponse({"error": "未知的角色。Unknown role."}, status_code=400)
        try:
            scopes = await demo_scopes(hub.units, hub.community)
            subjects = await demo_subjects(hub.community, scopes)
        except LookupError:
            return JSONResponse(
                {"error": "数据库中没有演示数据。The databases hold no demo data."},
                status_code=409,
            )
        token = issue_token(
            hub.settings,
            role=role.value,
            scope=scopes[role],
            subject=subjects.get(role, f"demo-{role.value}"),
            ttl=DEV_TOKEN_TTL,
        )
        return JSONResponse({"token": token, "role": role.value, "scope": scopes[role]})

    return dev_token
