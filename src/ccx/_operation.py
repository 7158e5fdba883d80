"""Static descriptions of API operations, and the per-call options every method accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout

__all__ = ["CallOptions", "HTTPMethod", "IdempotencyLocation", "Operation"]

HTTPMethod = Literal["GET", "POST", "PATCH", "PUT", "DELETE"]
IdempotencyLocation = Literal["body", "header"]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec, as the generated resources declare it at import time."""

    id: str
    method: HTTPMethod
    path: str
    idempotency: IdempotencyLocation | None = None
    """Where the spec's ``x-ccx-idempotency`` puts the key; None for an operation that takes
    none (reads, and the deletes and merge patches, which are idempotent by nature)."""

    @property
    def body_idempotency_key(self) -> bool:
        return self.idempotency == "body"

    @property
    def is_read(self) -> bool:
        """A read has no effect, so a failed one certainly did nothing."""
        return self.method == "GET"


@dataclass(frozen=True, slots=True)
class CallOptions:
    """What a caller may override on one call, on top of the client's configuration."""

    timeout: Timeout | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    call_timeout: float | NotGiven | None = NOT_GIVEN
    idempotency_key: str | NotGiven = NOT_GIVEN
    extra_headers: Headers | None = None
    extra_query: Query | None = None
    extra_body: Body | None = None
