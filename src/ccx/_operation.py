"""Static descriptions of API operations, and the per-call options every method accepts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout

__all__ = ["CallOptions", "HTTPMethod", "Operation"]

HTTPMethod = Literal["GET", "POST", "PATCH", "PUT", "DELETE"]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec, as the generated resources declare it at import time."""

    id: str
    method: HTTPMethod
    path: str
    body_idempotency_key: bool = False

    @property
    def is_mutating(self) -> bool:
        return self.method != "GET"


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
