"""Every error the SDK raises, and the pure mapping from an HTTP error response to one."""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterator, Mapping
from typing import Any, cast

import httpx

from ._compat import override
from ._constants import API_KEY_ENV, BASE_URL_ENV
from ._ratelimit import parse_retry_after

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BlockingCallWarning",
    "CCXError",
    "CallTimeoutError",
    "ClientClosedError",
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
    "connection_error",
    "error_from_response",
]


class CCXError(Exception):
    """The base of every exception this SDK raises."""


class ConfigurationError(CCXError):
    """The client cannot work as configured or as used (no API key, a closed client …)."""


class ClientClosedError(ConfigurationError, RuntimeError):
    """A call on a client that was closed (``close()``, or the end of its ``with`` block)."""


class InvalidArgumentError(CCXError, ValueError):
    """An argument cannot be sent as given; the message names it and says how to fix it."""


class BlockingCallWarning(RuntimeWarning):
    """The sync client was called inside a running event loop, which it blocks meanwhile."""


class APIError(CCXError):
    """A request to the CCX API failed."""

    message: str
    request: httpx.Request | None
    idempotency_key: str | None
    """The key every attempt of the call carried (``None`` for reads): retrying the call with
    this key is safe, and tells you whether it took effect."""
    may_have_taken_effect: bool
    """False only when the SDK knows the call did not take effect (no attempt reached the
    server, or the server refused it). Reads never take effect."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        may_have_taken_effect: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.idempotency_key = None
        self.may_have_taken_effect = may_have_taken_effect


class APIConnectionError(APIError):
    """No HTTP response arrived: DNS, TCP, TLS or a dropped connection."""

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request: httpx.Request | None = None,
        may_have_taken_effect: bool = True,
    ) -> None:
        super().__init__(message, request=request, may_have_taken_effect=may_have_taken_effect)


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""

    def __init__(
        self,
        message: str = "Request timed out.",
        *,
        request: httpx.Request | None = None,
        may_have_taken_effect: bool = True,
    ) -> None:
        super().__init__(message, request=request, may_have_taken_effect=may_have_taken_effect)


class CallTimeoutError(APITimeoutError):
    """The call's time budget (``call_timeout``) ran out, its attempts and waits included.

    Never retried by the SDK. ``may_have_taken_effect`` and ``idempotency_key`` say what
    happened and how to find out safely; ``last_error`` is the last attempt's failure, if any.
    """

    operation: str
    call_timeout: float
    attempts: int
    last_error: APIError | None

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        call_timeout: float,
        attempts: int,
        last_error: APIError | None,
        request: httpx.Request | None = None,
        may_have_taken_effect: bool = True,
    ) -> None:
        super().__init__(message, request=request, may_have_taken_effect=may_have_taken_effect)
        self.operation = operation
        self.call_timeout = call_timeout
        self.attempts = attempts
        self.last_error = last_error


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
        super().__init__(
            message,
            request=response.request,
            may_have_taken_effect=_status_may_have_taken_effect(response.status_code, code),
        )
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


def _status_may_have_taken_effect(status_code: int, code: str | None) -> bool:
    """Whether an attempt answered with this status may have been carried out.

    A 4xx is a refusal, except the 409 that says the same request is still running; a 503
    means the API did not take the request on. Any other 5xx may have failed after acting.
    """
    if status_code == 409:
        return code == "idempotency_key_in_use"
    return status_code >= 500 and status_code != 503


def _hint(status_code: int, code: str | None, param: str | None) -> str | None:
    if status_code == 404 and code is None:
        code = "unknown_endpoint"  # no CCX error at all: base_url points at another server
    if code is not None and code in _HINTS_BY_CODE:
        return _HINTS_BY_CODE[code]
    if status_code in _HINTS_BY_STATUS:
        return _HINTS_BY_STATUS[status_code]
    if status_code in (400, 422) and param:
        return f"fix the `{param}` field"
    if 300 <= status_code < 400:
        return "the API never redirects: check base_url (https://, the API's host, no path)"
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
    """Turns an error response (body already read; a redirect counts as one, since the API
    never redirects) into the matching typed exception."""
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


# Failures that happen before a byte of the request can have reached the API.
_BEFORE_SENDING: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
    httpx.ProxyError,
)


def _causes(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _os_cause(error: BaseException, host: str) -> str | None:
    """What the operating system or TLS said, in words, when the chain says anything."""
    for cause in _causes(error):
        if isinstance(cause, socket.gaierror):
            return f"could not resolve the host name {host} (DNS: {cause.strerror or cause})"
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or str(cause)
            return f"the TLS certificate of {host} was not accepted: {reason}"
        if isinstance(cause, ssl.SSLError):
            return f"the TLS handshake with {host} failed: {cause.reason or cause}"
        if isinstance(cause, ConnectionRefusedError):
            return f"{host} refused the connection (is base_url right, and the server up?)"
        if isinstance(cause, ConnectionResetError):
            return "the server reset the connection"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
    return None


def _seconds(value: float | None) -> str:
    return "no limit" if value is None else f"{value:g} s"


def _describe(error: httpx.TransportError, host: str, timeouts: Mapping[str, float | None]) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return (
            f"timed out connecting to {host} (connect timeout: {_seconds(timeouts.get('connect'))})"
        )
    if isinstance(error, httpx.ReadTimeout):
        return (
            f"timed out waiting for the response (read timeout: {_seconds(timeouts.get('read'))})"
        )
    if isinstance(error, httpx.WriteTimeout):
        return f"timed out sending the request (write timeout: {_seconds(timeouts.get('write'))})"
    if isinstance(error, httpx.PoolTimeout):
        return (
            f"no pooled connection came free in time (pool timeout: "
            f"{_seconds(timeouts.get('pool'))}): too many calls in flight on this client"
        )
    if isinstance(error, httpx.LocalProtocolError):
        # Its text can quote a header value: it is not repeated here.
        return "the HTTP library refused to send the request as built"
    cause = _os_cause(error, host)
    if isinstance(error, httpx.ConnectError):
        return cause or f"could not connect to {host}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the server closed the connection or broke HTTP ({error})"
    if isinstance(error, httpx.ReadError):
        return f"the connection failed while reading the response ({cause or error})"
    if isinstance(error, httpx.WriteError):
        return f"the connection failed while sending the request ({cause or error})"
    return cause or f"{type(error).__name__}: {error}"


def connection_error(
    error: httpx.TransportError,
    *,
    request: httpx.Request,
    url: str,
    limit: float | None,
    expired: bool,
) -> APIConnectionError:
    """A failure without a response as the typed error, naming the request and the cause.

    ``url`` is the request URL safe to show. ``limit`` is the attempt's wall-clock limit
    (``attempt_timeout``, or what was left of ``call_timeout``); ``expired`` says it ran out.
    """
    host = request.url.host
    if request.url.port is not None:
        host = f"{host}:{request.url.port}"
    timeouts: Mapping[str, float | None] = request.extensions.get("timeout", {})
    if expired and isinstance(error, httpx.TimeoutException):
        description = (
            f"no complete response within the attempt's limit of {_seconds(limit)} "
            "(attempt_timeout, or what was left of call_timeout): the server is too slow, or "
            "sends its answer a little at a time"
        )
    else:
        description = _describe(error, host, timeouts)
    message = f"{request.method} {url}: {description}"
    reached = not isinstance(error, _BEFORE_SENDING)
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(message, request=request, may_have_taken_effect=reached)
    return APIConnectionError(message, request=request, may_have_taken_effect=reached)
