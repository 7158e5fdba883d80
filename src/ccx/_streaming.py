"""Typed Server-Sent Event streams that resume with ``Last-Event-ID`` after a dropped connection.

The parser follows the WHATWG event-stream interpretation rules
(https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
It is our own because the runtime dependencies are a fixed contract; ``tests/core`` checks it
against httpx-sse as a differential oracle.
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

import httpx
from typing_extensions import Self

from ._constants import (
    STREAM_DEFAULT_RECONNECT_DELAY,
    STREAM_MAX_RECONNECTS,
    STREAM_TERMINAL_EVENTS,
)
from ._exceptions import APIConnectionError
from ._transports._deadline import deadline, within

__all__ = ["AsyncStream", "SSEDecoder", "ServerSentEvent", "Stream"]

E = TypeVar("E")

_LINE_END = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event, before its data is parsed."""

    event: str
    data: str
    id: str
    """The stream's last event id when this event was dispatched."""


class SSEDecoder:
    """Incremental event-stream parser: feed it bytes, get back dispatched events."""

    def __init__(self) -> None:
        self.last_event_id = ""
        self.retry: int | None = None
        """The reconnection time in milliseconds, once the server sent ``retry:``."""
        self.frames = 0
        """Frames ended so far (by a blank line): events, and comments such as keep-alives."""
        self._start_stream()

    def _start_stream(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True
        self._pending = ""
        self._data: list[str] = []
        self._event = ""
        self._id_buffer = self.last_event_id

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Parses ``chunk``, keeping any unfinished line for the next call."""
        return self._lines(self._text.decode(chunk), final=False)

    def end(self) -> list[ServerSentEvent]:
        """Finishes the current connection: an unfinished event is discarded, ids are kept."""
        events = self._lines(self._text.decode(b"", final=True), final=True)
        self._start_stream()
        return events

    def _lines(self, text: str, *, final: bool) -> list[ServerSentEvent]:
        if self._at_start and text:
            self._at_start = False
            if text.startswith(_BOM):
                text = text[1:]
        text = self._pending + text
        events: list[ServerSentEvent] = []
        start = 0
        for match in _LINE_END.finditer(text):
            # A CR at the very end may be the first half of a CRLF still in flight.
            if match.group() == "\r" and match.end() == len(text) and not final:
                break
            event = self._line(text[start : match.start()])
            if event is not None:
                events.append(event)
            start = match.end()
        self._pending = text[start:]
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id_buffer = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        self.frames += 1
        self.last_event_id = self._id_buffer
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent(
            event=event or "message", data="\n".join(data), id=self.last_event_id
        )


@dataclass(slots=True)
class _Resume:
    """Reconnection bookkeeping shared by the sync and async loops."""

    failures: int = 0

    def after_connection(self, received: bool, decoder: SSEDecoder) -> float:
        """Seconds to wait before reconnecting; raises once reconnecting keeps failing."""
        self.failures = 0 if received else self.failures + 1
        if self.failures > STREAM_MAX_RECONNECTS:
            raise APIConnectionError(
                f"The event stream dropped and {STREAM_MAX_RECONNECTS} reconnections in a row "
                "delivered no event."
            )
        if decoder.retry is not None:
            return decoder.retry / 1000
        return STREAM_DEFAULT_RECONNECT_DELAY


class _FrameClock:
    """How long a stream has waited on the server for the frame it is reading.

    Only time spent reading counts (not the caller's, between events); once a frame ends, the
    count starts again. A server that stalls, or drips a frame a byte at a time, runs out of
    ``limit`` and the stream reconnects.
    """

    def __init__(self, limit: float | None) -> None:
        self._limit = limit
        self._waited = 0.0
        self._frames = 0
        self._started = 0.0

    def before_read(self) -> float | None:
        """Seconds the next read may take."""
        self._started = time.monotonic()
        return None if self._limit is None else self._limit - self._waited

    def after_read(self, decoder: SSEDecoder) -> None:
        self._waited += time.monotonic() - self._started
        if decoder.frames != self._frames:
            self._frames = decoder.frames
            self._waited = 0.0


def _is_terminal(sse: ServerSentEvent, parsed: object) -> bool:
    return sse.event in STREAM_TERMINAL_EVENTS or getattr(parsed, "event", None) in (
        STREAM_TERMINAL_EVENTS
    )


class Stream(Generic[E]):
    """Iterator over typed events; a context manager that closes the connection.

    It connects on first use, entering ``with`` or asking for the first event, whichever comes
    first, so an error such as ``NotFoundError`` is raised there, as by ``AsyncStream``.
    """

    def __init__(
        self,
        response: httpx.Response | None,
        *,
        connect: Callable[[str | None], httpx.Response],
        parse: Callable[[str, str | None], E],
        sleep: Callable[[float], None],
        frame_timeout: float | None = None,
    ) -> None:
        self.response = response
        """The current connection's response; None until the stream is first used."""
        self._connect = connect
        self._parse = parse
        self._sleep = sleep
        self._frame_timeout = frame_timeout
        self._iterator = self._iterate()

    def _open(self) -> httpx.Response:
        if self.response is None:
            self.response = self._connect(None)
        return self.response

    def _iterate(self) -> Generator[E, None, None]:
        decoder = SSEDecoder()
        resume = _Resume()
        response = self._open()
        while True:
            received = False
            request_id = response.headers.get("x-request-id")
            clock = _FrameClock(self._frame_timeout)
            try:
                chunks = response.iter_bytes()
                while True:
                    with deadline(clock.before_read()):
                        chunk = next(chunks, None)
                    if chunk is None:
                        break
                    events = decoder.feed(chunk)
                    clock.after_read(decoder)
                    for sse in events:
                        received = True
                        event = self._parse(sse.data, request_id)
                        yield event
                        if _is_terminal(sse, event):
                            return
            except httpx.TransportError:
                pass  # a dropped connection: resume below from the last event id
            finally:
                response.close()
            for sse in decoder.end():
                received = True
                event = self._parse(sse.data, request_id)
                yield event
                if _is_terminal(sse, event):
                    return
            self._sleep(resume.after_connection(received, decoder))
            response = self.response = self._connect(decoder.last_event_id or None)

    def __iter__(self) -> Iterator[E]:
        return self._iterator

    def __next__(self) -> E:
        return next(self._iterator)

    def close(self) -> None:
        self._iterator.close()
        if self.response is not None:
            self.response.close()

    def __enter__(self) -> Self:
        self._open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncStream(Generic[E]):
    """Async iterator over typed events; closes the connection as a context manager.

    It connects on first use, entering ``async with`` or asking for the first event, whichever
    comes first, so an error such as ``NotFoundError`` is raised there, as by ``Stream``.
    """

    def __init__(
        self,
        response: httpx.Response | None,
        *,
        connect: Callable[[str | None], Awaitable[httpx.Response]],
        parse: Callable[[str, str | None], E],
        sleep: Callable[[float], Awaitable[None]],
        frame_timeout: float | None = None,
    ) -> None:
        self.response = response
        """The current connection's response; None until the stream is first used."""
        self._connect = connect
        self._parse = parse
        self._sleep = sleep
        self._frame_timeout = frame_timeout
        self._iterator = self._iterate()

    async def _open(self) -> httpx.Response:
        if self.response is None:
            self.response = await self._connect(None)
        return self.response

    async def _iterate(self) -> AsyncGenerator[E, None]:
        decoder = SSEDecoder()
        resume = _Resume()
        response = await self._open()
        while True:
            received = False
            request_id = response.headers.get("x-request-id")
            clock = _FrameClock(self._frame_timeout)
            try:
                chunks = response.aiter_bytes()
                while True:
                    chunk = await within(clock.before_read(), anext(chunks, None), response.request)
                    if chunk is None:
                        break
                    events = decoder.feed(chunk)
                    clock.after_read(decoder)
                    for sse in events:
                        received = True
                        event = self._parse(sse.data, request_id)
                        yield event
                        if _is_terminal(sse, event):
                            return
            except httpx.TransportError:
                pass  # a dropped connection: resume below from the last event id
            finally:
                await response.aclose()
            for sse in decoder.end():
                received = True
                event = self._parse(sse.data, request_id)
                yield event
                if _is_terminal(sse, event):
                    return
            await self._sleep(resume.after_connection(received, decoder))
            response = self.response = await self._connect(decoder.last_event_id or None)

    def __aiter__(self) -> AsyncIterator[E]:
        return self._iterator

    async def __anext__(self) -> E:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        await self._iterator.aclose()
        if self.response is not None:
            await self.response.aclose()

    async def __aenter__(self) -> Self:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
