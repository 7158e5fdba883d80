"""Why a webhook was rejected, one exception class per reason.

Every message says what was wrong and how to fix it. None of them ever contains a secret: the
messages are built from the header and the clock only, never from the keys.
"""

from __future__ import annotations

from typing import ClassVar

from ccx._exceptions import CCXError, ConfigurationError

__all__ = [
    "InvalidPayloadError",
    "MalformedSignatureError",
    "MissingSignatureError",
    "RawBodyRequiredError",
    "SignatureMismatchError",
    "TimestampOutsideToleranceError",
    "WebhookSecretMissingError",
    "WebhookVerificationError",
]


class WebhookVerificationError(CCXError):
    """A webhook request could not be trusted or read: answer it with a 400 and do not act on it.

    ``code`` is a stable, machine-readable reason (the framework helpers put it in the 400 body).
    """

    code: ClassVar[str] = "webhook_verification_failed"


class MissingSignatureError(WebhookVerificationError):
    code: ClassVar[str] = "missing_signature"


class MalformedSignatureError(WebhookVerificationError):
    code: ClassVar[str] = "malformed_signature"


class TimestampOutsideToleranceError(WebhookVerificationError):
    """The signed timestamp is too old (a possible replay) or too far in the future (clock skew)."""

    code: ClassVar[str] = "timestamp_outside_tolerance"

    def __init__(self, message: str, *, timestamp: int, now: float, tolerance: float) -> None:
        super().__init__(message)
        self.timestamp = timestamp
        self.now = now
        self.tolerance = tolerance


class SignatureMismatchError(WebhookVerificationError):
    code: ClassVar[str] = "signature_mismatch"


class InvalidPayloadError(WebhookVerificationError):
    """The signature is good but the body is not a valid event (bad JSON or a malformed event)."""

    code: ClassVar[str] = "invalid_payload"


class RawBodyRequiredError(WebhookVerificationError, TypeError):
    """The payload was already parsed (a dict, a model): the signature covers the raw bytes only.

    It is also a ``TypeError`` because it is a programming mistake, not a bad request.
    """

    code: ClassVar[str] = "raw_body_required"


class WebhookSecretMissingError(ConfigurationError, ValueError):
    """No webhook secret was configured: a server configuration mistake, not a bad request."""
