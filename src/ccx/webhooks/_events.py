"""Verified webhook bodies into typed events: one pydantic model per event type.

The body is parsed only after its signature checks out, straight from the raw bytes, and read
leniently (``ccx._lenient``): an event type this SDK does not know is an ``UnknownEvent``, and a
known one with missing, extra or unknown-valued fields is still its model. Only a body that is
not a JSON object is refused. The event types load on first use: importing ``ccx.webhooks``
does not import them.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ccx._lenient import Unreadable, read_json
from ccx._models import RawDocument, keep_raw

from ._errors import InvalidPayloadError
from ._signature import (
    DEFAULT_TOLERANCE,
    HeaderLookup,
    NoTolerance,
    Secret,
    raw_body,
    verify_signature,
)

if TYPE_CHECKING:
    from ccx.types import Event

__all__ = ["parse_event", "verify"]


@functools.cache
def _event_union() -> Any:
    from ccx.types import Event

    return Event


def parse_event(body: bytes, *, strict: bool = False) -> Event:
    """The precise event model for ``body``; ``UnknownEvent`` for a type newer than this SDK.

    ``strict`` refuses a body that breaks its event's schema (for tests) instead of reading it
    leniently. Only for a body already verified (``verify_signature`` at the edge, parsed later
    from a queue): anyone can send an unsigned body.
    """
    try:
        event: Event = read_json(body, _event_union(), strict=strict)
    except Unreadable as unreadable:
        advice = (
            "If CCX sends a newer API version than this SDK knows, upgrade ccx-sdk, or verify "
            "without strict=True"
            if unreadable.breaks_schema
            else "CCX sends every event as a JSON object"
        )
        raise InvalidPayloadError(
            "The webhook is signed correctly but its body is not a valid CCX event: "
            f"{unreadable.reason}. {advice}."
        ) from None
    keep_raw(event, RawDocument(body))
    return event


def verify(
    payload: bytes | str,
    headers_or_signature: HeaderLookup | str | None,
    secret: Secret,
    *,
    tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
    now: float | None = None,
    strict: bool = False,
) -> Event:
    """Verify a webhook request and return its typed event; raise ``WebhookVerificationError``.

    ``payload`` is the raw request body, exactly as received. ``headers_or_signature`` is the
    request's headers (looked up case-insensitively) or the ``CCX-Signature`` value itself.
    ``secret`` may be several secrets while a rotation overlaps. ``tolerance`` (seconds, default
    300) bounds the timestamp's distance from ``now`` (unix seconds, defaults to the clock).
    A correctly signed event is never refused for its shape unless ``strict`` (for tests).
    """
    body = raw_body(payload)
    verify_signature(body, headers_or_signature, secret, tolerance=tolerance, now=now)
    return parse_event(body, strict=strict)
