"""An ``httpx.AsyncBaseTransport`` backed by aiohttp.

httpx 0.28's async connection pool spends quadratic time assigning requests to connections
(httpcore's ``_assign_requests_to_connections``) once dozens of requests are in flight; aiohttp's
connector does not. Use it as ``AsyncCCX(transport=AiohttpTransport())``.

``AsyncCCX`` sends every call that is not a stream through ``handle_wire_request``, which
builds no httpx object (see ``ccx._wire``); streams, and an ``httpx.AsyncClient`` given this
transport, go through ``handle_async_request``.
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import math
import os
import ssl
import time
from collections.abc import AsyncIterator
from typing import ClassVar

import httpx
from typing_extensions import override

from .._ratelimit import RATE_LIMIT_HEADERS
from .._wire import HttpxResponse, WireRequest, WireResponse
from ._deadline import AttemptTimeout
from ._ssl import shared_ssl_context

try:
    import aiohttp
except ImportError as missing:  # pragma: no cover - depends on the installed extras
    raise ImportError("AiohttpTransport needs aiohttp: pip install 'ccx-sdk[aiohttp]'") from missing

__all__ = ["AiohttpTransport"]

_inherited: list[aiohttp.ClientSession] = []
"""Sessions left behind in a forked child: kept, so their finalizers never touch sockets and an
event loop that belong to the parent process."""

_CONNECT_TIMEOUTS: tuple[type[BaseException], ...] = (
    (aiohttp.ConnectionTimeoutError,) if hasattr(aiohttp, "ConnectionTimeoutError") else ()
)


_SKIPPED_AUTO_HEADERS = ("User-Agent", "Accept-Encoding", "Content-Type")
"""The request carries the headers it needs already; aiohttp must not add its own."""


def _translate(error: Exception, request: httpx.Request) -> httpx.TransportError:
    """aiohttp's failures as the httpx exceptions the client already understands."""
    message = str(error) or type(error).__name__
    if isinstance(error, asyncio.TimeoutError):
        if isinstance(error, _CONNECT_TIMEOUTS):
            return httpx.ConnectTimeout(message, request=request)
        return httpx.ReadTimeout(message, request=request)
    if isinstance(error, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(error, (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError)):
        return httpx.RemoteProtocolError(message, request=request)
    return httpx.ReadError(message, request=request)


@functools.lru_cache(maxsize=64)
def _timeout(
    connect: float | None, read: float | None, total: float | None = None
) -> aiohttp.ClientTimeout:
    """aiohttp's form of httpx's connect and read timeouts and of the attempt's limit
    (immutable, so shared). The limit is held exactly: aiohttp would round one over 5 s up to
    a whole second."""
    return aiohttp.ClientTimeout(
        total=total, sock_connect=connect, sock_read=read, ceil_threshold=math.inf
    )


def _client_timeout(
    timeouts: dict[str, float | None], limit: float | None = None
) -> aiohttp.ClientTimeout:
    return _timeout(timeouts.get("connect"), timeouts.get("read"), limit)


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    @override
    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _translate(error, self._request) from error

    @override
    async def aclose(self) -> None:
        self._response.release()


class _WholeResponse:
    """An aiohttp response read whole, as a ``WireResponse``: its ``httpx.Response`` is made
    on first use, from the same status, headers and body."""

    __slots__ = (
        "_elapsed",
        "_headers",
        "_httpx",
        "_request",
        "content",
        "raw_headers",
        "status_code",
    )

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        content: bytes,
        request: WireRequest,
        elapsed: float,
    ) -> None:
        self.status_code = response.status
        self.content = content
        self.raw_headers = response.raw_headers
        self._headers = response.headers
        self._request = request
        self._elapsed = elapsed
        self._httpx: httpx.Response | None = None

    def header(self, name: str) -> str | None:
        values = self._headers.getall(name, None)
        return None if values is None else ", ".join(values)

    def rate_limit_headers(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in RATE_LIMIT_HEADERS:  # a lookup each: aiohttp's headers are a hash table
            value = self.header(name)
            if value is not None:
                found[name] = value
        return found

    def to_httpx(self) -> httpx.Response:
        if self._httpx is None:
            response = httpx.Response(
                self.status_code,
                headers=self.raw_headers,  # bytes, as httpx keeps them: nothing to convert
                stream=httpx.ByteStream(self.content),  # not content=: it adds a Content-Length
                request=self._request.to_httpx(),
                extensions={"http_version": b"HTTP/1.1"},
            )
            response.read()  # decodes any Content-Encoding, as reading the stream would
            response.elapsed = datetime.timedelta(seconds=self._elapsed)
            self._httpx = response
        return self._httpx


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends requests through an aiohttp session of the running loop and process.

    A new process (after ``os.fork()``) or a new event loop gets a session of its own: an
    aiohttp session belongs to the loop that created it, and sockets must not be shared with a
    parent process.
    """

    reopens_per_process: ClassVar[bool] = True
    """Tells ``AsyncCCX`` this transport is safe to keep in a forked child or on a new loop."""

    def __init__(
        self,
        *,
        max_connections: int = 1000,
        max_connections_per_host: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._max_connections = max_connections
        self._max_connections_per_host = max_connections_per_host
        self._ssl_context = ssl_context
        self._session: aiohttp.ClientSession | None = None
        self._process = os.getpid()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _open_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is not None and (self._process != os.getpid() or self._loop is not loop):
            if self._process != os.getpid():
                _inherited.append(self._session)
            self._session = None  # another loop's session is closed with that loop, or is lost
        if self._session is None or self._session.closed:
            self._process = os.getpid()
            self._loop = loop
            connector = aiohttp.TCPConnector(
                limit=self._max_connections,
                limit_per_host=self._max_connections_per_host,
                ssl=self._ssl_context or shared_ssl_context(),
            )
            # httpx decodes Content-Encoding itself, so aiohttp must hand over the raw bytes.
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=_SKIPPED_AUTO_HEADERS,
            )
        return self._session

    @override
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self._open_session().request(
                request.method,
                str(request.url),
                headers=[
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in request.headers.raw
                ],
                data=await request.aread() or None,
                allow_redirects=False,
                timeout=_client_timeout(request.extensions.get("timeout", {})),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _translate(error, request) from error
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def handle_wire_request(self, request: WireRequest) -> WireResponse:
        """The response to one of the SDK's own requests, its body read within
        ``request.limit``: ``AsyncCCX`` sends every call that is not a stream this way."""
        started = time.perf_counter()
        try:
            response = await self._open_session().request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.content,
                allow_redirects=False,
                timeout=_client_timeout(request.timeouts, request.limit),
            )
            try:
                content = await response.read()
            finally:
                response.release()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            if not isinstance(error, aiohttp.ClientError):  # aiohttp's total: the limit passed
                raise AttemptTimeout(
                    "the attempt's deadline passed", request=request.to_httpx()
                ) from None
            raise _translate(error, request.to_httpx()) from error
        whole = _WholeResponse(response, content, request, time.perf_counter() - started)
        if "Content-Encoding" in response.headers:
            return HttpxResponse(whole.to_httpx())  # httpx decodes the body, as it always has
        return whole

    @override
    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
