"""The official Python SDK for the CCX messaging API.

    import ccx

    client = ccx.CCX()  # reads CCX_API_KEY
    message = client.messages.send(to="+5511999990000", channel="whatsapp", template={...})

Public names are imported on first use (PEP 562), so `import ccx` stays cheap: the generated
models, the mock server and web-framework helpers load only when you touch them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._client import CCX, AsyncCCX
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BlockingCallWarning,
        CallTimeoutError,
        CCXError,
        ClientClosedError,
        ConfigurationError,
        ConflictError,
        GoneError,
        IdempotencyConflictError,
        InternalServerError,
        InvalidArgumentError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseValidationError,
        UnprocessableEntityError,
        UpstreamError,
    )
    from ._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
    from ._ratelimit import RateLimit
    from ._response import APIResponse
    from ._streaming import AsyncStream, Stream
    from ._transports import AiohttpTransport
    from ._types import NOT_GIVEN, NotGiven
    from .webhooks import (
        InvalidPayloadError,
        MalformedSignatureError,
        MissingSignatureError,
        RawBodyRequiredError,
        SignatureMismatchError,
        TimestampOutsideToleranceError,
        WebhookSecretMissingError,
        WebhookVerificationError,
    )

_MODULE_OF = {
    "CCX": "._client",
    "AsyncCCX": "._client",
    "CCXError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "ClientClosedError": "._exceptions",
    "BlockingCallWarning": "._exceptions",
    "InvalidArgumentError": "._exceptions",
    "ResponseValidationError": "._exceptions",
    "APIError": "._exceptions",
    "APIConnectionError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "CallTimeoutError": "._exceptions",
    "APIStatusError": "._exceptions",
    "BadRequestError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "NotFoundError": "._exceptions",
    "ConflictError": "._exceptions",
    "IdempotencyConflictError": "._exceptions",
    "GoneError": "._exceptions",
    "UnprocessableEntityError": "._exceptions",
    "RateLimitError": "._exceptions",
    "UpstreamError": "._exceptions",
    "InternalServerError": "._exceptions",
    "SyncCursorPage": "._pagination",
    "AsyncCursorPage": "._pagination",
    "AsyncPaginator": "._pagination",
    "RateLimit": "._ratelimit",
    "APIResponse": "._response",
    "Stream": "._streaming",
    "AsyncStream": "._streaming",
    "AiohttpTransport": "._transports",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
    "WebhookVerificationError": ".webhooks",
    "MissingSignatureError": ".webhooks",
    "MalformedSignatureError": ".webhooks",
    "TimestampOutsideToleranceError": ".webhooks",
    "SignatureMismatchError": ".webhooks",
    "InvalidPayloadError": ".webhooks",
    "RawBodyRequiredError": ".webhooks",
    "WebhookSecretMissingError": ".webhooks",
}

__all__ = [
    "__version__",
    "CCX",
    "AsyncCCX",
    "CCXError",
    "ConfigurationError",
    "ClientClosedError",
    "BlockingCallWarning",
    "InvalidArgumentError",
    "ResponseValidationError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "CallTimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "IdempotencyConflictError",
    "GoneError",
    "UnprocessableEntityError",
    "RateLimitError",
    "UpstreamError",
    "InternalServerError",
    "SyncCursorPage",
    "AsyncCursorPage",
    "AsyncPaginator",
    "RateLimit",
    "APIResponse",
    "Stream",
    "AsyncStream",
    "AiohttpTransport",
    "NOT_GIVEN",
    "NotGiven",
    "WebhookVerificationError",
    "MissingSignatureError",
    "MalformedSignatureError",
    "TimestampOutsideToleranceError",
    "SignatureMismatchError",
    "InvalidPayloadError",
    "RawBodyRequiredError",
    "WebhookSecretMissingError",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'ccx' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
