"""Every error the SDK raises, and the pure mapping from an HTTP error response to one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import httpx
from typing_extensions import override

from ._constants import API_KEY_ENV, BASE_URL_ENV
from ._ratelimit import parse_retry_after

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CCXError",
    "ConfigurationError",
    "ConflictError",
    "GoneError",
    "IdempotencyConflictError",
    "InternalServerError",
    "InvalidArgumentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "UnprocessableEntityError",
    "UpstreamError",
    "error_from_response",
]


class CCXError(Exception):
    """The base of every exception this SDK raises."""


class ConfigurationError(CCXError):
    """The client was configured in a way that cannot work (for example, no API key)."""


class InvalidArgumentError(CCXError, ValueError):
    """An argument cannot be sent as given; the message names it and says how to fix it."""


class APIError(CCXError):
    """A request to the CCX API failed."""

    message: str
    request: httpx.Request | None

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """No HTTP response arrived: DNS, TCP, TLS or a dropped connection."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class ResponseValidationError(APIError):
    """A successful response is no JSON object, or (with ``strict_response_validation``) breaks
    the spec; otherwise responses a newer API shapes differently are read leniently."""


class APIStatusError(APIError):
    """The API answered with an error status; the fields mirror the error envelope."""

    status_code: int
    type: str | None
    code: str | None
    param: str | None
    request_id: str | None
    retryable: bool
    """The server's own verdict on whether repeating the request can succeed."""
    response: httpx.Response

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retryable = retryable

    @property
    def hint(self) -> str | None:
        """What the caller can do about this error, when we know."""
        return _hint(self.status_code, self.code, self.param)

    @override
    def __str__(self) -> str:
        parts = [f"{self.status_code} {self.code or self.type or 'error'}: {self.message}"]
        if self.param:
            parts.append(f"(param: {self.param})")
        hint = self.hint
        if hint:
            parts.append(f"— {hint}")
        if self.request_id:
            parts.append(f"[request_id: {self.request_id}]")
        return " ".join(parts)

    @override
    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, "
            f"message={self.message!r}, param={self.param!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400: the request is malformed or fails validation."""


class AuthenticationError(APIStatusError):
    """401: the token is missing, invalid, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the token lacks the scope or the environment this call needs."""


class NotFoundError(APIStatusError):
    """404: no such resource in this workspace."""


class ConflictError(APIStatusError):
    """409: a state conflict, such as a template that is not approved."""


class IdempotencyConflictError(ConflictError):
    """409: the idempotency key was reused with other parameters, or is still in flight."""


class GoneError(APIStatusError):
    """410: the resource existed but is gone for good."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well formed but cannot be carried out as asked."""


class RateLimitError(APIStatusError):
    """429: the token's rate limit is spent; ``retry_after`` says for how long, in seconds."""

    retry_after: float | None

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class UpstreamError(APIStatusError):
    """502: the upstream provider (WhatsApp/Meta) refused or failed the request."""

    upstream_code: int | str | None
    upstream_message: str | None

    def __init__(
        self,
        message: str,
        *,
        upstream_code: int | str | None = None,
        upstream_message: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.upstream_code = upstream_code
        self.upstream_message = upstream_message

    @property
    @override
    def hint(self) -> str | None:
        if self.upstream_code is None and self.upstream_message is None:
            return super().hint
        return f"upstream error {self.upstream_code}: {self.upstream_message}"


class InternalServerError(APIStatusError):
    """5xx: the API failed; these are retried automatically."""


_BY_STATUS: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    502: UpstreamError,
}

IDEMPOTENCY_CONFLICT_CODES = frozenset({"idempotency_key_reused", "idempotency_key_in_use"})

_HINTS_BY_CODE: Mapping[str, str] = {
    "window_closed": (
        "the 24 h customer-care window with this contact is closed: send a template message "
        "first to open the conversation"
    ),
    "idempotency_key_reused": (
        "this idempotency key was already used with different parameters: use a new key for "
        "a new request"
    ),
    "idempotency_key_in_use": (
        "a request with this idempotency key is still in progress: retry it later with the same key"
    ),
    "template_not_approved": "wait until the template is approved, or use an approved one",
    "template_not_found": "check the template name (client.templates.list() shows them)",
    "template_language_mismatch": "use a language the template is approved in",
    "template_variables_mismatch": "pass exactly the variables the template declares",
    "token_expired": f"the token has expired: set {API_KEY_ENV} to a current token",
    "token_revoked": f"the token was revoked: set {API_KEY_ENV} to a current token",
    "sandbox_only": "test helpers need a sandbox token (ccx_test_…)",
    "invalid_version": "upgrade ccx-sdk: this API version is not accepted",
    "url_unreadable": "give a publicly readable URL, or pass the text as context",
    "unknown_endpoint": (
        f"this server has no such endpoint: check base_url ({BASE_URL_ENV}, without /v1), or "
        "the server runs an older API than this ccx-sdk"
    ),
}

_HINTS_BY_STATUS: Mapping[int, str] = {
    401: (
        f"check that {API_KEY_ENV} (or api_key=) holds a valid token that is not expired or revoked"
    ),
    403: (
        "the token lacks the scope (or environment) this call needs: create a token with "
        "that scope, or use a sandbox token for test helpers"
    ),
    404: "an id of another workspace's resource is reported as not found too",
    429: "wait for the rate-limit window to reset, or create the client with throttle=True",
    503: "the API is under maintenance: retry later",
}


def _hint(status_code: int, code: str | None, param: str | None) -> str | None:
    if status_code == 404 and code is None:
        code = "unknown_endpoint"  # no CCX error at all: base_url points at another server
    if code is not None and code in _HINTS_BY_CODE:
        return _HINTS_BY_CODE[code]
    if status_code in _HINTS_BY_STATUS:
        return _HINTS_BY_STATUS[status_code]
    if status_code in (400, 422) and param:
        return f"fix the `{param}` field"
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _envelope(content: bytes) -> dict[str, Any]:
    try:
        document: object = json.loads(content)
    except ValueError:
        return {}
    if isinstance(document, dict):
        error: object = cast("dict[str, object]", document).get("error")
        if isinstance(error, dict):
            return cast("dict[str, Any]", error)
    return {}


def error_from_response(response: httpx.Response, now: float) -> APIStatusError:
    """Turns an error response (body already read) into the matching typed exception."""
    error = _envelope(response.content)
    status_code = response.status_code
    code = _text(error.get("code"))
    message = _text(error.get("message")) or response.reason_phrase or "HTTP error"
    fields: dict[str, Any] = {
        "response": response,
        "type": _text(error.get("type")),
        "code": code,
        "param": _text(error.get("param")),
        "request_id": _text(error.get("request_id")) or response.headers.get("x-request-id"),
        "retryable": error.get("retryable") is True,
    }
    if status_code == 409 and code in IDEMPOTENCY_CONFLICT_CODES:
        return IdempotencyConflictError(message, **fields)
    if status_code == 429:
        retry_after = parse_retry_after(response.headers, now)
        return RateLimitError(message, retry_after=retry_after, **fields)
    if status_code == 502:
        upstream: object = error.get("upstream")
        details = cast("dict[str, Any]", upstream) if isinstance(upstream, dict) else {}
        upstream_code: object = details.get("code")
        return UpstreamError(
            message,
            upstream_code=upstream_code if isinstance(upstream_code, (int, str)) else None,
            upstream_message=_text(details.get("message")),
            **fields,
        )
    exception_type = _BY_STATUS.get(status_code)
    if exception_type is None:
        exception_type = InternalServerError if status_code >= 500 else APIStatusError
    return exception_type(message, **fields)
