"""The mock's HTTP layer: uvicorn's settings, and the limits uvicorn does not enforce itself.

``ccx-mock`` and `MockServer` both serve through `server_config`, so they behave the same.
uvicorn parses HTTP/1.1 with httptools (llhttp), which puts no limit on the size or number of
header fields and no deadline on a request head: three 32 MiB headers were read whole, and a
connection that never finished its head stayed open. (h11, uvicorn's other parser, limits only
the head's size, and answers a plain-text 400.) The mock's protocol adds, before the app runs:

- a request line and headers over ``MockConfig.max_header_bytes``, or more than
  ``max_header_count`` fields: 431 ``headers_too_large``, and the connection is closed;
- a head not complete within ``header_timeout_seconds`` of the connection opening (or of its
  first byte, on a kept-alive connection), or a body not complete ``body_timeout_seconds``
  after its head: 408 ``request_timeout``, closed; a connection that sent nothing at all is
  closed without an answer, as is one idle ``keep_alive_seconds`` after a response (uvicorn's
  own keep-alive);
- bytes that are not HTTP/1.1 (a bare CR or LF in a header, a malformed request line or chunk):
  400 ``invalid_http`` where uvicorn would send its plain-text 400.

Every one of these answers is the API's error envelope with an ``X-Request-Id``. WebSocket
upgrades are turned off: the API has none.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.httptools_impl import (
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

from ._config import MockConfig
from ._errors import MockAPIError, json_bytes
from ._records import new_id

__all__ = ["HttpLimits", "server_config"]


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int
    max_header_count: int
    header_timeout_seconds: float
    body_timeout_seconds: float

    @classmethod
    def of(cls, config: MockConfig) -> HttpLimits:
        return cls(
            config.max_header_bytes,
            config.max_header_count,
            config.header_timeout_seconds,
            config.body_timeout_seconds,
        )


def server_config(
    app: Any, config: MockConfig, *, log_level: str, access_log: bool, shutdown_seconds: int
) -> uvicorn.Config:
    """uvicorn's configuration for the mock app, with the mock's HTTP limits."""
    return uvicorn.Config(
        app,
        http=_guarded_protocol(HttpLimits.of(config)),
        ws="none",
        lifespan="on",
        log_level=log_level,
        access_log=access_log,
        timeout_keep_alive=config.keep_alive_seconds,  # type: ignore[arg-type]  # float works
        timeout_graceful_shutdown=shutdown_seconds,
    )


def _guarded_protocol(limits: HttpLimits) -> type[HttpToolsProtocol]:
    return type("GuardedHttpProtocol", (_GuardedHttpProtocol,), {"limits": limits})


class _GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head limits, a head deadline and envelope answers."""

    limits: HttpLimits

    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        self._awaiting_head = True
        """Between requests, or inside a request head: what the head limits apply to."""
        self._head_begun = False
        self._unparsed_bytes = 0
        """Bytes received since the last complete head or message: a head still arriving."""
        self._head_bytes = 0
        self._head_fields = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._refusal: MockAPIError | None = None

    # -- connection events -------------------------------------------------------------------

    def shutdown(self) -> None:
        """Server shutdown: end a response that is still streaming, let the others finish.

        A Server-Sent Events stream (a broadcast's, the inbox's feed) never completes by itself,
        so uvicorn would wait out its whole graceful-shutdown timeout, then cancel it with an
        error in the log. Closing the connection ends it at once, as a dropped link would; its
        client reconnects to the next server.
        """
        cycle = cast("RequestResponseCycle | None", self.cycle)  # None between requests
        if cycle is not None and cycle.response_started and not cycle.response_complete:
            self.transport.close()
            return
        super().shutdown()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unparsed_bytes += len(data)
        super().data_received(data)
        limit = self.limits.max_header_bytes
        if self._awaiting_head and self._unparsed_bytes > limit and not self._closing():
            self._refuse(_headers_too_large(limit))

    # -- parser callbacks --------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._awaiting_head, self._head_begun = True, True
        self._head_bytes = self._head_fields = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url), fields=0)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4, fields=1)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._awaiting_head, self._head_begun = False, False
        self._unparsed_bytes = 0
        self._body_timer = self.loop.call_later(
            self.limits.body_timeout_seconds, self._body_timed_out
        )
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        super().on_message_complete()
        self._awaiting_head = True
        self._unparsed_bytes = 0

    def send_400_response(self, msg: str) -> None:
        """What uvicorn answers to bytes it cannot parse, as the API's envelope."""
        del msg  # uvicorn's text says no more than that the request is invalid
        refusal, self._refusal = self._refusal, None
        self._refuse(refusal or _invalid_http())

    # -- internals ---------------------------------------------------------------------------

    def _count_head(self, size: int, *, fields: int) -> None:
        """Refuse a head past the limits while it is parsed (raising stops the parser)."""
        self._head_bytes += size
        self._head_fields += fields
        limits = self.limits
        if self._head_bytes > limits.max_header_bytes:
            self._refusal = _headers_too_large(limits.max_header_bytes)
        elif self._head_fields > limits.max_header_count:
            self._refusal = _too_many_headers(limits.max_header_count)
        if self._refusal is not None:
            raise _HeadRefused

    def _arm_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(
            self.limits.header_timeout_seconds, self._head_timed_out
        )

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._awaiting_head or self._closing():
            return
        if self._head_begun:
            self._refuse(_head_timeout(self.limits.header_timeout_seconds))
        else:  # nothing was asked, so nothing is answered
            self.transport.close()

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_timed_out(self) -> None:
        """The app is still waiting for the body: answer for it (it sees the client leave)."""
        self._body_timer = None
        if self._closing():
            return
        if self.cycle.response_started:
            self.transport.close()
        else:
            self._refuse(_body_timeout(self.limits.body_timeout_seconds))

    def _closing(self) -> bool:
        return self.transport.is_closing()

    def _refuse(self, error: MockAPIError) -> None:
        """Answer ``error`` in the API's envelope and close the connection."""
        self._cancel_head_timer()
        request_id = new_id("req", 24)
        body = json_bytes(error.envelope(request_id))
        headers = [
            *self.server_state.default_headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (b"x-request-id", request_id.encode()),
        ]
        lines = [STATUS_LINE[error.status]]
        for name, value in headers:
            lines += [name, b": ", value, b"\r\n"]
        lines += [b"\r\n", body]
        self.transport.write(b"".join(lines))
        self.transport.close()


class _HeadRefused(Exception):
    """Raised inside a parser callback to stop parsing a head past its limits."""


def _headers_too_large(limit: int) -> MockAPIError:
    return MockAPIError(
        431,
        "invalid_request_error",
        "headers_too_large",
        f"The request line and headers exceed {limit} bytes; send less in them.",
    )


def _too_many_headers(limit: int) -> MockAPIError:
    return MockAPIError(
        431,
        "invalid_request_error",
        "headers_too_large",
        f"The request has more than {limit} header fields; send fewer.",
    )


def _head_timeout(seconds: float) -> MockAPIError:
    return MockAPIError(
        408,
        "invalid_request_error",
        "request_timeout",
        f"The request line and headers did not arrive within {seconds:g} s; send them again.",
        retryable=True,
    )


def _body_timeout(seconds: float) -> MockAPIError:
    return MockAPIError(
        408,
        "invalid_request_error",
        "request_timeout",
        f"The request body did not arrive within {seconds:g} s; send it again.",
        retryable=True,
    )


def _invalid_http() -> MockAPIError:
    return MockAPIError(
        400,
        "invalid_request_error",
        "invalid_http",
        "The request is not valid HTTP/1.1 (a malformed request line, header or chunk); "
        "fix the client or proxy that sent it.",
    )
