"""Idempotency as a promise: one key, one outcome, for seven days (on the mock clock).

Like Stripe, the outcome is saved once the operation has run: a success or a refusal from the
handler (any status below 500) is replayed byte for byte with ``Idempotent-Replayed: true``.
Requests refused before the handler (auth, validation, rate limit) and server-side failures
(5xx, injected faults) are not saved, so fixing the request or retrying it runs it again.
Everything here is synchronous: between the lookup and the reservation there is no ``await``,
so on the single event loop two concurrent requests can never both reserve one key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from starlette.responses import Response

from ._errors import MockAPIError
from ._state import IdempotencyRecord, Workspace

__all__ = [
    "BODY_KEY_FIELD",
    "MAX_KEY_LENGTH",
    "fingerprint",
    "lookup",
    "request_key",
    "reserve",
    "settle",
]

BODY_KEY_FIELD = "idempotency_key"
MAX_KEY_LENGTH = 128
_REPLAYED_HEADERS = frozenset({"content-type", "location"})


def fingerprint(operation_id: str, path: str, body: Mapping[str, Any]) -> str:
    """A digest of what the request asks for, ignoring key order, spacing and the key itself."""
    parameters = {name: value for name, value in body.items() if name != BODY_KEY_FIELD}
    canonical = json.dumps(
        [operation_id, path, parameters], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_key(
    location: Literal["body", "header"] | None,
    header_key: str | None,
    body: Mapping[str, Any],
    request_fingerprint: str,
) -> str | None:
    """The key a request is deduplicated on, or ``None`` when it is not deduplicated.

    Body-keyed operations without a key (broadcasts, where it is optional) are deduplicated on
    their fingerprint, so an identical request within the window is a replay.
    """
    if location == "body":
        given = body.get(BODY_KEY_FIELD)
        return given if isinstance(given, str) else f"derived_{request_fingerprint[:40]}"
    if location == "header" and header_key is not None:
        if not 0 < len(header_key) <= MAX_KEY_LENGTH:
            raise MockAPIError(
                400,
                "invalid_request_error",
                "invalid_idempotency_key",
                f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} characters "
                f"(got {len(header_key)}); use a UUID v4 or ULID.",
                param="Idempotency-Key",
            )
        return header_key
    return None


def lookup(
    workspace: Workspace, key: str, request_fingerprint: str, now: float, ttl: float
) -> IdempotencyRecord | None:
    """The saved outcome to replay, ``None`` if the key is free, or a 409 conflict."""
    record = workspace.idempotency.get(key)
    if record is None:
        return None
    if now >= record.created_at + ttl:
        del workspace.idempotency[key]
        return None
    if record.fingerprint != request_fingerprint:
        raise MockAPIError(
            409,
            "conflict_error",
            "idempotency_key_reused",
            f"Idempotency key {key[:MAX_KEY_LENGTH]!r} was already used with different "
            "parameters; use a new key for a different request.",
        )
    if record.status is None:
        raise MockAPIError(
            409,
            "conflict_error",
            "idempotency_key_in_use",
            f"A request with idempotency key {key[:MAX_KEY_LENGTH]!r} is still being "
            "processed; retry shortly to get its outcome.",
            retryable=True,
            headers={"Retry-After": "1"},
        )
    return record


def reserve(
    workspace: Workspace, key: str, request_fingerprint: str, now: float, ttl: float
) -> None:
    """Claim ``key`` for a request about to run; expired entries are dropped on the way."""
    records = workspace.idempotency
    while records:
        oldest = next(iter(records))
        if now < records[oldest].created_at + ttl:
            break  # insertion order is creation order: everything after is younger
        del records[oldest]
    records[key] = IdempotencyRecord(fingerprint=request_fingerprint, created_at=now)


def settle(workspace: Workspace, key: str, response: Response | None) -> None:
    """Save the outcome to replay, or free the key when there is nothing worth replaying.

    No response (the connection was dropped), a 5xx, or a streamed body frees the key, so the
    client's retry runs the operation again.
    """
    record = workspace.idempotency.get(key)
    if record is None:
        return
    body: bytes | memoryview | None = getattr(response, "body", None)
    if response is None or response.status_code >= 500 or body is None:
        del workspace.idempotency[key]
        return
    record.status = response.status_code
    record.body = bytes(body)
    record.headers = tuple(
        (name, value)
        for name, value in response.headers.items()
        if name.lower() in _REPLAYED_HEADERS
    )
