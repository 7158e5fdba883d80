"""The request and response of one attempt as the SDK holds them: strings and bytes, with the
httpx objects users see made from them on first use.

An ``httpx.Request`` and an ``httpx.Response`` (their URL, their header lists, the body's
decoding) cost more CPU than all of the SDK's own work on a call. A transport that speaks
``WireTransport`` (``AiohttpTransport``) sends a ``WireRequest`` as it is and answers with a
``WireResponse`` of its own, so no httpx object is built unless someone asks for it: the raw
response's ``http_response``, an error's ``request`` and ``response``, the chained httpx error.
Every other transport gets the ``httpx.Request``, and its ``httpx.Response`` is wrapped as is.
"""

from __future__ import annotations

import functools
from typing import Protocol, runtime_checkable

import httpx

from ._ratelimit import rate_limit_headers

__all__ = [
    "HttpxResponse",
    "WireRequest",
    "WireResponse",
    "WireTransport",
    "endpoint",
]


@functools.lru_cache(maxsize=1024)
def endpoint(url: str) -> tuple[httpx.URL, str]:
    """``url`` parsed by httpx, and as text in the form httpx sends it.

    Parsing costs more than the rest of a request, and calls to the same endpoint share it.
    """
    parsed = httpx.URL(url)
    return parsed, str(parsed)


class WireRequest:
    """One attempt's request: final once the attempt hooks ran (they may add headers)."""

    __slots__ = (
        "_httpx",
        "content",
        "headers",
        "limit",
        "method",
        "parsed_url",
        "timeouts",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        *,
        parsed_url: httpx.URL,
        headers: dict[str, str],
        content: bytes | None,
        timeouts: dict[str, float | None],
        limit: float | None = None,
    ) -> None:
        self.method = method
        self.url = url
        """As sent: httpx's normal form of ``parsed_url``, with the query."""
        self.parsed_url = parsed_url
        self.headers = headers
        self.content = content
        self.timeouts = timeouts
        """The network waits, as httpx's ``timeout`` request extension names them."""
        self.limit = limit
        """Wall-clock seconds the attempt may take, end to end (``None``: no limit)."""
        self._httpx: httpx.Request | None = None

    def to_httpx(self) -> httpx.Request:
        """The ``httpx.Request`` of this attempt (made once, then the same object)."""
        if self._httpx is None:
            self._httpx = httpx.Request(
                self.method,
                self.parsed_url,
                headers=self.headers,
                content=self.content,
                extensions={"timeout": self.timeouts},
            )
        return self._httpx


class WireResponse(Protocol):
    """A response as the SDK reads it. Its body is read, unless the call streams."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    def rate_limit_headers(self) -> dict[str, str]:
        """The ``X-RateLimit-*`` headers by lower-case name, a repeated one joined with ", "."""
        ...

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case); a repeated one joined with ", ", as
        ``httpx.Headers.get`` does."""
        ...

    def to_httpx(self) -> httpx.Response:
        """The ``httpx.Response``, with the same status, headers, body and request."""
        ...


@runtime_checkable
class WireTransport(Protocol):
    """An httpx transport that can also send a ``WireRequest``, reading the answer whole.

    It holds the attempt to ``request.limit`` itself, raising ``AttemptTimeout`` once it has
    passed: its own timers cost less than a second deadline around it.
    """

    async def handle_wire_request(self, request: WireRequest) -> WireResponse: ...


class HttpxResponse:
    """An ``httpx.Response`` seen as a ``WireResponse``."""

    __slots__ = ("_response",)

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content(self) -> bytes:
        return self._response.content

    def rate_limit_headers(self) -> dict[str, str]:
        return rate_limit_headers(self._response.headers.raw)

    def header(self, name: str) -> str | None:
        value: str | None = self._response.headers.get(name)
        return value

    def to_httpx(self) -> httpx.Response:
        return self._response
