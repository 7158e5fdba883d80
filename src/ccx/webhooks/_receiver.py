"""What the framework helpers share: where the secret comes from, and the 400 they answer."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from typing_extensions import override

from ccx._constants import WEBHOOK_SECRET_ENV

from ._errors import WebhookSecretMissingError, WebhookVerificationError
from ._events import parse_event
from ._signature import (
    DEFAULT_TOLERANCE,
    HeaderLookup,
    NoTolerance,
    Secret,
    SigningKeys,
    check_signature,
    checked_tolerance,
    signature_header,
    signing_keys,
)

if TYPE_CHECKING:
    from ccx.types import Event

__all__ = ["REJECTED_STATUS", "Receiver", "environment_secret", "error_body", "error_detail"]

logger = logging.getLogger("ccx.webhooks")

REJECTED_STATUS: Final = 400
"""Every rejection is a 400, a missing signature too: the caller is CCX (or an impostor), not a
user who could authenticate, and one status keeps the sender's redelivery logic simple."""


def environment_secret() -> str | None:
    return os.environ.get(WEBHOOK_SECRET_ENV)


class Receiver:
    """Verifies and parses requests for one decorated view or dependency.

    An explicit secret is checked and keyed once, when the view is decorated. Without one, the
    configured secret (``fallback``, which ``sources`` describes) must exist then too: a
    deployment without it fails as it starts, instead of answering every delivery with a 500
    that CCX redelivers for a day and then drops. It is still read on every request, so a
    rotated secret or a test's setting is seen at once; should it vanish later, the request
    raises ``WebhookSecretMissingError``: a server error, not a 400, because the server is
    misconfigured rather than the request bad.
    """

    __slots__ = ("_fallback", "_keys", "_sources", "_tolerance")

    def __init__(
        self,
        secret: Secret | None,
        tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
        fallback: Callable[[], str | None] = environment_secret,
        sources: str = f"the {WEBHOOK_SECRET_ENV} environment variable",
    ) -> None:
        self._keys = None if secret is None else signing_keys(secret)
        self._tolerance = checked_tolerance(tolerance)
        self._fallback = fallback
        self._sources = sources
        if self._keys is None:
            self._configured_keys()

    def receive(self, body: bytes, headers: HeaderLookup) -> Event:
        """The typed event of a request; raise ``WebhookVerificationError`` to answer 400.

        Rejections are logged (messages never hold a secret): the 400 alone tells the
        receiver's operator nothing about why.
        """
        keys = self._keys if self._keys is not None else self._configured_keys()
        try:
            check_signature(body, signature_header(headers), keys, self._tolerance, None)
            return parse_event(body)
        except WebhookVerificationError as error:
            logger.warning("Rejected a webhook request (%s): %s", error.code, error)
            raise

    def _configured_keys(self) -> SigningKeys:
        secret = self._fallback()
        if not secret:
            raise WebhookSecretMissingError(
                "No webhook secret configured: pass secret='whsec_...' to the webhook helper, "
                f"or set {self._sources} to the endpoint's secret before the app starts."
            )
        return signing_keys(secret)

    @override
    def __repr__(self) -> str:
        source = "given" if self._keys is not None else "from configuration"
        return f"Receiver(secret={source}, tolerance={self._tolerance!r})"


def error_detail(error: WebhookVerificationError) -> dict[str, str]:
    return {"type": "webhook_verification_error", "code": error.code, "message": str(error)}


def error_body(error: WebhookVerificationError) -> dict[str, dict[str, str]]:
    """The 400 body, shaped like the API's errors: ``{"error": {"type", "code", "message"}}``."""
    return {"error": error_detail(error)}
