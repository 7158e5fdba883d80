"""Raw responses (``APIResponse``) and the wrappers that type raw resources.

Nothing here loads pydantic: a call's ``APIResponse`` exists before its body is parsed (see
``ccx._parsing``, loaded with the first resource).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, cast

import httpx

from ._compat import override
from ._ratelimit import RateLimit, ReportedRateLimit
from ._wire import WireResponse

if TYPE_CHECKING:
    from ._pagination import AsyncCursorPage, AsyncPaginator
    from ._streaming import AsyncStream

__all__ = [
    "APIResponse",
    "async_paginator_raw_wrapper",
    "async_stream_raw_wrapper",
    "async_to_raw_response_wrapper",
    "request_id_of",
    "to_raw_response_wrapper",
]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")

_UNSET: Any = object()


def request_id_of(response: WireResponse) -> str | None:
    return response.header("x-request-id")


class APIResponse(Generic[T]):
    """A response as received, with its metadata; ``parse()`` gives the typed body."""

    def __init__(
        self,
        response: WireResponse,
        *,
        parser: Callable[[WireResponse], T],
        rate_limit: ReportedRateLimit | None,
        retries_taken: int,
    ) -> None:
        self._response = response
        self._rate_limit = rate_limit
        self.retries_taken = retries_taken
        self._parser = parser
        self._parsed: T = _UNSET

    @property
    def http_response(self) -> httpx.Response:
        """The response as httpx represents it, its ``request`` included: made on first use
        when the transport read the response without httpx (``AiohttpTransport``), then the
        same object every time."""
        return self._response.to_httpx()

    @property
    def rate_limit(self) -> RateLimit | None:
        """The rate-limit window this response reported (``X-RateLimit-*``), if it did."""
        return None if self._rate_limit is None else self._rate_limit.value

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        return request_id_of(self._response)

    @property
    def idempotent_replayed(self) -> bool:
        """True when the server answered from its idempotency cache instead of acting again."""
        replayed = self._response.header("idempotent-replayed") or ""
        return replayed.lower() == "true"

    def parse(self) -> T:
        """The body as its declared type; parsed once, then cached."""
        if self._parsed is _UNSET:
            self._parsed = self._parser(self._response)
        return self._parsed

    @override
    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code}] request_id={self.request_id!r} "
            f"retries_taken={self.retries_taken}>"
        )


def to_raw_response_wrapper(function: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """Types a method of a raw resource (see ``_raw()``), which returns ``APIResponse``."""
    return cast("Callable[P, APIResponse[R]]", function)


def async_to_raw_response_wrapper(
    function: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[APIResponse[R]]]:
    """The async twin of ``to_raw_response_wrapper``."""
    return cast("Callable[P, Awaitable[APIResponse[R]]]", function)


def async_paginator_raw_wrapper(
    function: Callable[P, AsyncPaginator[T]],
) -> Callable[P, Awaitable[APIResponse[AsyncCursorPage[T]]]]:
    """Types an async raw ``list``: awaiting it gives the first page's ``APIResponse``."""
    return cast("Callable[P, Awaitable[APIResponse[AsyncCursorPage[T]]]]", function)


def async_stream_raw_wrapper(
    function: Callable[P, AsyncStream[T]],
) -> Callable[P, Awaitable[APIResponse[AsyncStream[T]]]]:
    """Types an async raw stream: awaiting it connects and gives the ``APIResponse``."""
    return cast("Callable[P, Awaitable[APIResponse[AsyncStream[T]]]]", function)
