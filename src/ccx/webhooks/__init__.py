"""Verify and parse the webhooks CCX sends, and sign requests to test your receiver.

    import ccx.webhooks

    event = ccx.webhooks.verify(raw_body, request_headers, secret="whsec_...")

Framework helpers live in ``ccx.webhooks.fastapi``, ``ccx.webhooks.flask`` and
``ccx.webhooks.django``, each behind the extra of the same name.
"""

from __future__ import annotations

from ._client import AsyncWebhooks, Webhooks
from ._errors import (
    InvalidPayloadError,
    MalformedSignatureError,
    MissingSignatureError,
    RawBodyRequiredError,
    SignatureMismatchError,
    TimestampOutsideToleranceError,
    WebhookSecretMissingError,
    WebhookVerificationError,
)
from ._events import parse_event, verify
from ._signature import (
    DEFAULT_TOLERANCE,
    NO_TOLERANCE,
    SIGNATURE_HEADER,
    NoTolerance,
    sign,
    verify_signature,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "NO_TOLERANCE",
    "SIGNATURE_HEADER",
    "AsyncWebhooks",
    "InvalidPayloadError",
    "MalformedSignatureError",
    "MissingSignatureError",
    "NoTolerance",
    "RawBodyRequiredError",
    "SignatureMismatchError",
    "TimestampOutsideToleranceError",
    "WebhookSecretMissingError",
    "WebhookVerificationError",
    "Webhooks",
    "parse_event",
    "sign",
    "verify",
    "verify_signature",
]
