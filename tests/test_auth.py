"""Authentication: which tokens get in, which are refused, and how."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.app import create_app
from gateway.auth import ConfigurationError
from gateway.cli import main
from gateway.settings import Settings
from tests.conftest import TEST_SECRET
from tests.databases import DatabasePair

VIEWER = "{ viewer { role subject community } members(first: 1) { totalCount } }"


def _claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "sub": "alice", "role": "community", "scope": {"community": "C001"},
        "iss": "dualhub", "aud": "dualhub", "iat": now, "exp": now + timedelta(minutes=5),
    }  # fmt: skip
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _post(settings: Settings, token: str | None, query: str = VIEWER) -> httpx.Response:
    app = create_app(settings)
    headers = {"Authorization": token} if token else {}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub"
        ) as http:
            return await http.post("/graphql", json={"query": query}, headers=headers)
    finally:
        await app.state.hub.dispose()


def _settings(pair: DatabasePair, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "units_database_url": pair.units_url,
        "community_database_url": pair.community_url,
        "jwt_secret": TEST_SECRET,
    }
    values.update(overrides)
    return Settings(**values)


async def test_valid_token_sets_the_viewer(small_db: DatabasePair) -> None:
    token = jwt.encode(_claims(), TEST_SECRET, algorithm="HS256")
    response = await _post(_settings(small_db), f"Bearer {token}")
    assert response.status_code == 200
    viewer = response.json()["data"]["viewer"]
    assert viewer == {"role": "COMMUNITY", "subject": "alice", "community": "C001"}


@pytest.mark.parametrize(
    ("case", "header"),
    [
        ("garbage", "Bearer not.a.jwt"),
        ("not bearer", "Basic dXNlcjpwYXNz"),
        ("empty bearer", "Bearer "),
        ("expired", "Bearer " + jwt.encode(
            _claims(exp=datetime.now(UTC) - timedelta(minutes=5)), TEST_SECRET, "HS256")),
        ("wrong secret", "Bearer " + jwt.encode(_claims(), "another-secret" * 4, "HS256")),
        ("wrong audience", "Bearer " + jwt.encode(_claims(aud="someone-else"), TEST_SECRET, "HS256")),
        ("wrong issuer", "Bearer " + jwt.encode(_claims(iss="evil"), TEST_SECRET, "HS256")),
        ("no expiry", "Bearer " + jwt.encode(_claims(exp=None), TEST_SECRET, "HS256")),
        ("unknown role", "Bearer " + jwt.encode(_claims(role="emperor"), TEST_SECRET, "HS256")),
        ("scope missing", "Bearer " + jwt.encode(_claims(scope={}), TEST_SECRET, "HS256")),
        ("unknown scope key", "Bearer " + jwt.encode(
            _claims(scope={"community": "C001", "planet": "mars"}), TEST_SECRET, "HS256")),
        ("alg none", "Bearer " + jwt.encode(_claims(), None, "none")),  # type: ignore[arg-type]
    ],
)  # fmt: skip
async def test_bad_tokens_are_unauthenticated(
    small_db: DatabasePair, case: str, header: str
) -> None:
    response = await _post(_settings(small_db), header)
    assert response.status_code == 401, case
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert "身份验证失败" in error["message"]


async def test_clock_skew_within_leeway_is_accepted(small_db: DatabasePair) -> None:
    token = jwt.encode(_claims(exp=datetime.now(UTC) - timedelta(seconds=10)), TEST_SECRET, "HS256")
    response = await _post(_settings(small_db, jwt_leeway_seconds=30), f"Bearer {token}")
    assert response.status_code == 200


async def test_rs256_tokens_verify_against_a_pem_public_key(
    small_db: DatabasePair, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "idp.pem"
    pem.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings = _settings(small_db, env="production", jwt_secret=None, jwt_public_key_file=str(pem))
    good = jwt.encode(_claims(), key, algorithm="RS256")
    assert (await _post(settings, f"Bearer {good}")).status_code == 200
    # An HS256 token "signed" with the public key must not pass (algorithm confusion).
    forged = jwt.encode(_claims(), TEST_SECRET, algorithm="HS256")
    assert (await _post(settings, f"Bearer {forged}")).status_code == 401


@pytest.fixture
def jwks_server() -> Iterator[tuple[str, ec.EllipticCurvePrivateKey]]:
    """An identity provider's JWKS endpoint on loopback, serving one ES256 key."""
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "ES256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks.json", key
    finally:
        server.shutdown()
        server.server_close()


async def test_es256_tokens_verify_against_a_jwks_url(
    small_db: DatabasePair, jwks_server: tuple[str, ec.EllipticCurvePrivateKey]
) -> None:
    url, key = jwks_server
    settings = _settings(small_db, env="production", jwt_secret=None, jwks_url=url)
    good = jwt.encode(_claims(), key, algorithm="ES256", headers={"kid": "idp-1"})
    assert (await _post(settings, f"Bearer {good}")).status_code == 200
    stranger = ec.generate_private_key(ec.SECP256R1())
    bad = jwt.encode(_claims(), stranger, algorithm="ES256", headers={"kid": "idp-1"})
    assert (await _post(settings, f"Bearer {bad}")).status_code == 401


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="production mode needs"):
        create_app(Settings(env="production", data_dir=str(tmp_path)))


def test_development_generates_a_secret_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=str(tmp_path))
    first = create_app(settings).state.hub.verifier.secret
    second = create_app(settings).state.hub.verifier.secret
    assert first == second
    assert len(first) >= 40
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o777 == 0o600


@pytest.fixture
async def production_graphiql(small_db: DatabasePair) -> AsyncIterator[httpx.Response]:
    app = create_app(_settings(small_db, env="production"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://h") as h:
        yield await h.get("/graphql", headers={"Accept": "text/html"})
    await app.state.hub.dispose()


async def test_production_serves_no_graphiql(production_graphiql: httpx.Response) -> None:
    assert "graphiql" not in production_graphiql.text.lower()


def test_cli_issues_tokens_the_hub_accepts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUALHUB_JWT_SECRET", TEST_SECRET)
    runner = CliRunner()
    result = runner.invoke(
        main, ["token", "--role", "grid_branch_secretary", "--scope", "community=C001",
               "--scope", "grid=G0001", "--subject", "gs-li", "--ttl", "30m"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    claims = jwt.decode(result.output.strip(), TEST_SECRET, ["HS256"], audience="dualhub")
    assert claims["role"] == "grid_branch_secretary"
    assert claims["scope"] == {"community": "C001", "grid": "G0001"}
    assert 29 * 60 <= claims["exp"] - claims["iat"] <= 30 * 60
    assert claims["sub"] == "gs-li"
    refused = runner.invoke(main, ["token", "--role", "member", "--subject", "m-1"])
    assert refused.exit_code != 0
    assert "needs scope member" in refused.output
    no_subject = runner.invoke(main, ["token", "--role", "member", "--scope", "member=M1"])
    assert no_subject.exit_code != 0
    assert "--subject" in no_subject.output
    blank = runner.invoke(
        main, ["token", "--role", "member", "--scope", "member=M1", "--subject", "  "]
    )
    assert blank.exit_code != 0
    too_long = runner.invoke(main, ["token", "--role", "member", "--scope", "member=M1",
                                    "--subject", "m-1", "--ttl", "7d"])  # fmt: skip
    assert too_long.exit_code != 0
    assert "DUALHUB_JWT_MAX_LIFETIME_SECONDS" in too_long.output
