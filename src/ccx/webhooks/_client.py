"""``client.webhooks``: verification with the secret the client was configured with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ccx._constants import WEBHOOK_SECRET_ENV

from . import _events, _signature
from ._errors import WebhookSecretMissingError
from ._signature import DEFAULT_TOLERANCE, HeaderLookup, NoTolerance

if TYPE_CHECKING:
    from ccx.types import Event

__all__ = ["AsyncWebhooks", "Webhooks"]


class _ConfiguredClient(Protocol):
    @property
    def webhook_secret(self) -> str | None: ...

    @property
    def strict_response_validation(self) -> bool: ...


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
    ) -> Event:
        """Verify a webhook request and return its typed event (see ``ccx.webhooks.verify``).

        The event is read leniently unless the client has ``strict_response_validation``.
        """
        return _events.verify(
            payload,
            headers,
            self._secret(),
            tolerance=tolerance,
            now=now,
            strict=self._client.strict_response_validation,
        )

    def verify_signature(
        self,
        payload: bytes | str,
        headers: HeaderLookup | str | None,
        *,
        tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
        now: float | None = None,
    ) -> None:
        """Verify a webhook request without parsing its body, e.g. to queue the raw bytes."""
        _signature.verify_signature(payload, headers, self._secret(), tolerance=tolerance, now=now)

    def _secret(self) -> str:
        secret = self._client.webhook_secret
        if not secret:
            raise WebhookSecretMissingError(
                "This client has no webhook secret: pass webhook_secret='whsec_...' to the "
                f"client, or set the {WEBHOOK_SECRET_ENV} environment variable."
            )
        return secret


AsyncWebhooks = Webhooks
"""Verification does no I/O, so the async client's helper is the same, synchronous one."""
