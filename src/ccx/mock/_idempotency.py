"""Idempotency as a promise: one key, one outcome, for seven days (on the workspace's clock).

Like Stripe, the outcome is saved once the operation has run: a success or a refusal from the
handler (any status below 500) is replayed byte for byte with ``Idempotent-Replayed: true``.
Requests refused before the handler (auth, scope, validation, rate limit) and server-side
failures (5xx, injected faults) are not saved, so fixing the request or retrying it runs it
again; a handler that fails leaves nothing behind (its transaction rolls back), so running it
again is safe.

A saved outcome is replayed only to the token that made the call. Keys are one namespace per
workspace, so another token of the workspace sending the same key gets the 409 that a key
reused with other parameters gets, never the first caller's answer (which may hold a secret).

Everything here is synchronous: between the lookup and the reservation there is no ``await``,
so on the single event loop two concurrent requests can never both reserve one key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.responses import Response

from ._errors import MockAPIError

__all__ = [
    "BODY_KEY_FIELD",
    "MAX_KEY_LENGTH",
    "IdempotencyRecord",
    "IdempotencyStore",
    "fingerprint",
    "request_key",
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
) -> str | None:
    """The key a request is deduplicated on, or ``None`` when it is not deduplicated.

    A request without a key is not deduplicated, wherever the key goes (as with Stripe): a
    body-keyed operation where the key is optional (broadcasts) is not guessed at from its
    parameters, since sending the same campaign again a week later is a thing users do.
    """
    if location == "body":
        given = body.get(BODY_KEY_FIELD)
        return given if isinstance(given, str) else None
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


@dataclass(slots=True)
class IdempotencyRecord:
    """The first request seen with one key: in flight until ``status`` is set."""

    fingerprint: str
    token_id: str
    created_at: float
    status: int | None = None
    body: bytes = field(default=b"", repr=False)
    headers: tuple[tuple[str, str], ...] = ()


class IdempotencyStore:
    """One workspace's keys: kept ``ttl`` clock seconds, at most ``limit`` of them."""

    def __init__(self, *, ttl: float, limit: int) -> None:
        self._ttl = ttl
        self._limit = limit
        self._records: dict[str, IdempotencyRecord] = {}
        """Insertion order is creation order, so the oldest key is always first."""

    def __len__(self) -> int:
        return len(self._records)

    def get(self, key: str) -> IdempotencyRecord | None:
        return self._records.get(key)

    def lookup(
        self, key: str, request_fingerprint: str, token_id: str, now: float
    ) -> IdempotencyRecord | None:
        """The saved outcome to replay, ``None`` if the key is free, or a 409 conflict."""
        record = self._records.get(key)
        if record is None:
            return None
        if now >= record.created_at + self._ttl:
            del self._records[key]
            return None
        if record.fingerprint != request_fingerprint or record.token_id != token_id:
            # One answer for both: another token learns no more than that the key is taken.
            raise MockAPIError(
                409,
                "conflict_error",
                "idempotency_key_reused",
                f"Idempotency key {key[:MAX_KEY_LENGTH]!r} was already used for a different "
                "request; use a new key for a different request.",
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

    def reserve(self, key: str, request_fingerprint: str, token_id: str, now: float) -> None:
        """Claim ``key`` for a request about to run; expired (and surplus) keys go first."""
        self.forget_expired(now)
        records = self._records
        while len(records) >= self._limit:
            del records[next(iter(records))]
        records[key] = IdempotencyRecord(request_fingerprint, token_id, now)

    def settle(self, key: str, response: Response | None) -> None:
        """Save the committed outcome to replay, or free the key when nothing was committed.

        No response (the connection was dropped before the request ran, or it failed and rolled
        back), a 5xx, or a streamed body frees the key, so the client's retry runs again.
        """
        record = self._records.get(key)
        if record is None:
            return
        body: bytes | memoryview | None = getattr(response, "body", None)
        if response is None or response.status_code >= 500 or body is None:
            del self._records[key]
            return
        record.status = response.status_code
        record.body = bytes(body)
        record.headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() in _REPLAYED_HEADERS
        )

    def forget_expired(self, now: float) -> None:
        records = self._records
        while records:
            oldest = next(iter(records))
            if now < records[oldest].created_at + self._ttl:
                break  # insertion order is creation order: everything after is younger
            del records[oldest]
