"""An ``httpx.AsyncBaseTransport`` backed by aiohttp.

httpx 0.28's async connection pool spends quadratic time assigning requests to connections
(httpcore's ``_assign_requests_to_connections``) once dozens of requests are in flight; aiohttp's
connector does not. Use it as ``AsyncCCX(transport=AiohttpTransport())``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import AsyncIterator
from typing import ClassVar

import httpx
from typing_extensions import override

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
"""httpx set the request's headers already; aiohttp must not add its own."""


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


def _client_timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return aiohttp.ClientTimeout(
        total=None,
        sock_connect=timeout.get("connect"),
        sock_read=timeout.get("read"),
    )


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


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests through an aiohttp session of the running loop and process.

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
        response = await self._send(request)
        return httpx.Response(
            response.status,
            headers=response.raw_headers,  # bytes, as httpx keeps them: nothing to convert
            stream=_ResponseStream(response, request),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def handle_whole_async_request(self, request: httpx.Request) -> httpx.Response:
        """The response with its body read: ``handle_async_request`` and ``aread()`` in one,
        without passing the body through httpx's stream machinery (``ccx._transports._direct``
        calls it for every call that is not a stream)."""
        response = await self._send(request)
        try:
            content = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _translate(error, request) from error
        finally:
            response.release()
        whole = httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=httpx.ByteStream(content),  # not content=: that would add a Content-Length
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )
        whole.read()  # decodes any Content-Encoding, as reading the stream would
        return whole

    async def _send(self, request: httpx.Request) -> aiohttp.ClientResponse:
        session = self._open_session()
        try:
            return await session.request(
                request.method,
                str(request.url),
                headers=[
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in request.headers.raw
                ],
                data=await request.aread() or None,
                allow_redirects=False,
                timeout=_client_timeout(request),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _translate(error, request) from error

    @override
    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
