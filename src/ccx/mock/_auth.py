"""Who is calling, and may they: bearer tokens, scopes, sandbox-only helpers, API versions.

Every refusal names what is wrong and how to fix it, but never echoes the secret.
"""

from __future__ import annotations

import hashlib

from ccx._constants import API_VERSION

from ._errors import MockAPIError
from ._records import TOKEN_PREFIXES, TokenRecord
from ._state import MockState

__all__ = [
    "SUPPORTED_API_VERSIONS",
    "AuthenticationRefused",
    "authenticate",
    "bearer_secret",
    "check_api_version",
    "check_sandbox",
    "check_scope",
    "secret_fingerprint",
]

SUPPORTED_API_VERSIONS: frozenset[str] = frozenset({API_VERSION})
"""The ``CCX-Version`` values the mock serves: the one the SDK was generated for."""

_BEARER = "bearer "


def bearer_secret(authorization: str) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header (scheme in any case)."""
    if authorization[: len(_BEARER)].lower() != _BEARER:
        return None
    return authorization[len(_BEARER) :].strip()


class AuthenticationRefused(MockAPIError):
    """A 401. ``token`` is the token the secret belongs to when there is one (revoked, expired,
    rotated out), so the refusal can be logged where that token's owners see it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        token: TokenRecord | None = None,
        fingerprint: str | None = None,
    ) -> None:
        super().__init__(
            401,
            "authentication_error",
            code,
            message,
            headers={"WWW-Authenticate": 'Bearer realm="ccx"'},
        )
        self.token = token
        self.fingerprint = fingerprint
        """The presented secret's `secret_fingerprint`, alongside ``token``."""


def secret_fingerprint(secret: str) -> str:
    """A secret, redacted so its owner can still recognise it: the environment prefix it
    claims and the first 12 hex digits of its SHA-256 (``ccx_test_…sha256:3f9a1c2b7d4e``)."""
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    prefix = next((p for p in TOKEN_PREFIXES.values() if secret.startswith(p)), "")
    return f"{prefix}…sha256:{digest}"


def authenticate(state: MockState, authorization: str | None) -> TokenRecord:
    """The live token behind an ``Authorization: Bearer <secret>`` header, or a 401."""
    if not authorization:
        raise AuthenticationRefused(
            "missing_token",
            "No API token: send the header 'Authorization: Bearer <your token>'.",
        )
    secret = bearer_secret(authorization)
    if secret is None:
        raise AuthenticationRefused(
            "malformed_token",
            "The Authorization header must be 'Bearer <your token>'.",
        )
    token = state.tokens_by_secret.get(secret)
    if token is None:
        raise AuthenticationRefused(
            "invalid_token",
            "The API token is not valid; check that it was copied whole, from this environment.",
        )
    now = state.workspace_of(token).clock.now()
    refusal: tuple[str, str] | None = None
    if token.revoked_at is not None:
        refusal = ("token_revoked", f"Token {token.id} was revoked; create a new one.")
    elif token.is_expired(now):
        refusal = ("token_expired", f"Token {token.id} has expired; create a new one.")
    elif secret != token.secret:
        expires_at = token.previous_secret_expires_at
        if expires_at is None or now >= expires_at:
            # The secret stays known (until the token rotates again) so that its callers are
            # told it was rotated out, and logged under the token.
            refusal = (
                "token_rotated",
                f"This secret of token {token.id} was rotated out; use the new secret.",
            )
    if refusal is not None:
        code, message = refusal
        raise AuthenticationRefused(
            code, message, token=token, fingerprint=secret_fingerprint(secret)
        )
    token.last_used_at = now
    return token


def check_api_version(version: str | None) -> str:
    """The API version a request asks for (absent: the current one), or a 400."""
    if version is None:
        return API_VERSION
    if version not in SUPPORTED_API_VERSIONS:
        raise MockAPIError(
            400,
            "invalid_request_error",
            "invalid_version",
            f"Unknown CCX-Version {version[:40]!r}; supported: "
            f"{', '.join(sorted(SUPPORTED_API_VERSIONS))} (omit the header for the current one).",
            param="CCX-Version",
        )
    return version


def check_scope(token: TokenRecord, scope: str | None) -> None:
    if scope is not None and scope not in token.scopes:
        raise MockAPIError(
            403,
            "permission_error",
            "missing_scope",
            f"Token {token.id} lacks the scope {scope!r} this operation needs; "
            "create a token with that scope.",
            param=None,
        )


def check_sandbox(token: TokenRecord) -> None:
    if not token.is_sandbox:
        raise MockAPIError(
            403,
            "permission_error",
            "sandbox_only",
            "Test helpers only accept sandbox tokens (ccx_test_...); "
            f"token {token.id} is a {token.environment} token.",
        )
