"""Authentication: bearer JWTs turned into a `Viewer`, once per request.

Embedded default: HS256 with a secret from settings (generated into the data folder in
development). Production: RS256/ES256 verified against a PEM public key or a JWKS URL.
Issuer, audience and expiry are always checked, with a clock-skew leeway. No token means
the anonymous viewer (public data only); a bad token is refused with UNAUTHENTICATED.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse

from datasources.scope import ANONYMOUS, InvalidScope, Role, Viewer, viewer_from_claims
from gateway.settings import Settings
from schema.errors import ErrorCode

SECRET_FILE = "jwt-secret"  # noqa: S105 - a file name, not a secret


class ConfigurationError(RuntimeError):
    """Settings that would make the hub unsafe or unusable; it refuses to start."""


class TokenLifetimeError(jwt.InvalidTokenError, ValueError):
    """A token living longer than `jwt_max_lifetime_seconds`, or issued in the future."""


class ViewerUser(BaseUser):
    def __init__(self, viewer: Viewer, expires_at: float | None = None) -> None:
        self.viewer = viewer
        # The token's `exp` (epoch seconds): live connections end then (gateway/live/).
        self.expires_at = expires_at

    @property
    def is_authenticated(self) -> bool:
        return self.viewer is not ANONYMOUS

    @property
    def display_name(self) -> str:
        return self.viewer.subject


def signing_secret(settings: Settings) -> str | None:
    """The HS256 secret: configured, or in development generated once into the data folder."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    if settings.production:
        return None
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret = signing_secret(settings)
        self.public_key = (
            Path(settings.jwt_public_key_file).read_text(encoding="utf-8")
            if settings.jwt_public_key_file
            else None
        )
        self.jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None
        if self.secret is None and self.public_key is None and self.jwks is None:
            raise ConfigurationError(
                "production mode needs DUALHUB_JWT_SECRET, DUALHUB_JWT_PUBLIC_KEY_FILE or "
                "DUALHUB_JWKS_URL to verify tokens"
            )

    async def decode(self, token: str) -> dict[str, Any]:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if algorithm not in self.settings.jwt_algorithms:
            raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} not accepted")
        key = await self._key_for(token, algorithm)
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[algorithm],
            audience=self.settings.jwt_audience,
            issuer=self.settings.jwt_issuer,
            leeway=self.settings.jwt_leeway_seconds,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        check_lifetime(self.settings, claims["iat"], claims["exp"])
        return claims

    async def _key_for(self, token: str, algorithm: str) -> Any:
        if algorithm.startswith("HS"):
            if self.secret is None:
                raise jwt.InvalidKeyError("no shared secret configured")
            return self.secret
        if self.jwks is not None:
            signing_key = await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)
            return signing_key.key
        if self.public_key is None:
            raise jwt.InvalidKeyError("no public key configured")
        return self.public_key


def check_lifetime(settings: Settings, issued_at: Any, expires_at: Any) -> None:
    """Refuse a lifetime over the configured maximum, or an `iat` in the future: a stolen
    long-lived token would otherwise outlive every rotation of roles and scopes."""
    if not all(isinstance(value, int | float) for value in (issued_at, expires_at)):
        raise TokenLifetimeError("iat and exp must be numbers")
    now = datetime.now(UTC).timestamp()
    if issued_at > now + settings.jwt_leeway_seconds:
        raise TokenLifetimeError("the token was issued in the future (iat)")
    if expires_at - issued_at > settings.jwt_max_lifetime_seconds:
        raise TokenLifetimeError(
            f"the token lives longer than {settings.jwt_max_lifetime_seconds} seconds (exp - iat)"
        )


def issue_token(
    settings: Settings, *, role: str, scope: dict[str, str], subject: str, ttl: timedelta
) -> str:
    """Sign a token with the embedded HS256 secret (the `dualhub token` command)."""
    viewer_from_claims(role, scope, subject)  # refuse to issue what would be refused
    if ttl.total_seconds() > settings.jwt_max_lifetime_seconds:
        raise TokenLifetimeError(
            f"--ttl {ttl} is longer than the accepted maximum of "
            f"{settings.jwt_max_lifetime_seconds} seconds (DUALHUB_JWT_MAX_LIFETIME_SECONDS)"
        )
    secret = signing_secret(settings)
    if secret is None:
        raise ConfigurationError("no HS256 secret: tokens come from your identity provider")
    now = datetime.now(UTC)
    claims = {
        "sub": subject,
        "role": role,
        "scope": scope,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


PositionCheck = Callable[[Viewer], Awaitable[bool]]


class BearerAuthentication(AuthenticationBackend):
    def __init__(
        self, verifier: TokenVerifier, position_check: PositionCheck | None = None
    ) -> None:
        self.verifier = verifier
        # Whether a position holder's position (三长, 党员中心户) is in force, asked at every
        # request: a revoked or ended position loses its access at once.
        self.position_check = position_check

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser]:
        header = conn.headers.get("authorization")
        if not header:
            return AuthCredentials(), ViewerUser(ANONYMOUS)
        user = await self.verify(header)
        return AuthCredentials(["authenticated", user.viewer.role.value]), user

    async def verify(self, header: str) -> ViewerUser:
        """The viewer of an `Authorization` value (`Bearer <token>`), also sent in a
        WebSocket's connection_init payload; AuthenticationError when refused."""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("Authorization header is not 'Bearer <token>'")
        try:
            claims = await self.verifier.decode(token.strip())
            scope = claims.get("scope") or {}
            if not isinstance(scope, dict):
                raise InvalidScope("scope must be an object")
            subject = claims["sub"]
            if not isinstance(subject, str):
                raise InvalidScope("sub must be a string")
            viewer = viewer_from_claims(str(claims.get("role")), scope, subject, str(claims["iss"]))
        except (jwt.PyJWTError, InvalidScope) as exc:
            raise AuthenticationError(str(exc)) from exc
        if viewer.role is Role.POSITION_HOLDER and not (
            self.position_check is not None and await self.position_check(viewer)
        ):
            raise AuthenticationError(
                "the position is revoked, ended, unknown or not held by this subject "
                "(职务不在任或非本人)"
            )
        expires_at = claims["exp"]
        return ViewerUser(
            viewer, float(expires_at) if isinstance(expires_at, int | float) else None
        )


def unauthenticated(_conn: HTTPConnection, exc: Exception) -> JSONResponse:
    """401 in the GraphQL response shape, so clients handle it like any other error."""
    return JSONResponse(
        {
            "data": None,
            "errors": [
                {
                    "message": f"身份验证失败，请重新登录。Authentication failed: {exc}",
                    "extensions": {"code": ErrorCode.UNAUTHENTICATED.value},
                }
            ],
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
