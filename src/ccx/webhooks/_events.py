"""Verified webhook bodies into typed events: one pydantic model per event type.

The body is parsed only after its signature checks out, straight from the raw bytes
(``validate_json``), with one ``TypeAdapter`` built on first use: importing ``ccx.webhooks``
does not import the event models.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pydantic

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

# Errors listed in an InvalidPayloadError message; the full list stays on __cause__.
_LISTED_ERRORS = 3


@functools.cache
def _event_adapter() -> pydantic.TypeAdapter[Event]:
    from ccx.types import Event

    return pydantic.TypeAdapter(Event)


def parse_event(body: bytes) -> Event:
    """The precise event model for ``body``; ``UnknownEvent`` for a type newer than this SDK.

    Only for a body already verified (``verify_signature`` at the edge, parsed later from a
    queue): anyone can send an unsigned body.
    """
    try:
        return _event_adapter().validate_json(body)
    except pydantic.ValidationError as error:
        raise _invalid_payload(error) from error


def _invalid_payload(error: pydantic.ValidationError) -> InvalidPayloadError:
    details = error.errors(include_url=False, include_input=False)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'body'}: {detail['msg']}"
        for detail in details[:_LISTED_ERRORS]
    )
    more = f" (and {len(details) - _LISTED_ERRORS} more)" if len(details) > _LISTED_ERRORS else ""
    return InvalidPayloadError(
        f"The webhook is signed correctly but its body is not a valid CCX event: {problems}{more}. "
        "If CCX sends a newer API version than this SDK knows, upgrade ccx-sdk."
    )


def verify(
    payload: bytes | str,
    headers_or_signature: HeaderLookup | str | None,
    secret: Secret,
    *,
    tolerance: float | NoTolerance = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> Event:
    """Verify a webhook request and return its typed event; raise ``WebhookVerificationError``.

    ``payload`` is the raw request body, exactly as received. ``headers_or_signature`` is the
    request's headers (looked up case-insensitively) or the ``CCX-Signature`` value itself.
    ``secret`` may be several secrets while a rotation overlaps. ``tolerance`` (seconds, default
    300) bounds the timestamp's distance from ``now`` (unix seconds, defaults to the clock).
    """
    body = raw_body(payload)
    verify_signature(body, headers_or_signature, secret, tolerance=tolerance, now=now)
    return parse_event(body)
