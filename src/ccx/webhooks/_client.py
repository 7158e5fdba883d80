"""``client.webhooks``: verification with the secret the client was configured with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ccx._constants import WEBHOOK_SECRET_ENV

from ._errors import WebhookSecretMissingError
from ._events import parse_event
from ._signature import (
    DEFAULT_TOLERANCE,
    HeaderLookup,
    NoTolerance,
    SigningKeys,
    check_signature,
    checked_tolerance,
    raw_body,
    signature_header,
    signing_keys,
)

if TYPE_CHECKING:
    from ccx.types import Event, UnknownEvent

__all__ = ["AsyncWebhooks", "Webhooks"]


class _ConfiguredClient(Protocol):
    @property
    def webhook_secret(self) -> str | None: ...


class Webhooks:
    """Verifies webhook requests with the client's ``webhook_secret``.

    The client reads ``CCX_WEBHOOK_SECRET`` when constructed without one. The secret is read on
    every call, so a client copied with another secret verifies with that one.
    """

    def __init__(self, client: _ConfiguredClient) -> None:
        self._client = client

    def unwrap(
        self,
        payload: bytes | str,
        headers: HeaderLookup | str | None,
        *,
        tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
        now: float | None = None,
    ) -> Event | UnknownEvent:
        """Verify a webhook request and return its typed event (see ``ccx.webhooks.verify``)."""
        body = raw_body(payload)
        self._check(body, headers, tolerance, now)
        return parse_event(body)

    def verify_signature(
        self,
        payload: bytes | str,
        headers: HeaderLookup | str | None,
        *,
        tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
        now: float | None = None,
    ) -> None:
        """Verify a webhook request without parsing its body, e.g. to queue the raw bytes."""
        self._check(raw_body(payload), headers, tolerance, now)

    def _check(
        self,
        body: bytes,
        headers: HeaderLookup | str | None,
        tolerance: float | NoTolerance,
        now: float | None,
    ) -> None:
        check_signature(
            body, signature_header(headers), self._keys(), checked_tolerance(tolerance), now
        )

    def _keys(self) -> SigningKeys:
        secret = self._client.webhook_secret
        if not secret:
            raise WebhookSecretMissingError(
                "This client has no webhook secret: pass webhook_secret='whsec_...' to the "
                f"client, or set the {WEBHOOK_SECRET_ENV} environment variable."
            )
        return signing_keys(secret)


AsyncWebhooks = Webhooks
"""Verification does no I/O, so the async client's helper is the same, synchronous one."""
