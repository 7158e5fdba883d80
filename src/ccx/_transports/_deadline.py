"""Holding HTTP I/O to a wall-clock deadline, against servers that answer a byte at a time.

httpx's timeouts bound each network wait, so a server that sends one byte every so often keeps
a request alive indefinitely (encode/httpx#1450; httpcore declined a total timeout, #936).

- Sync: the SDK's connection pools get a network backend (``ccx._transports._backend``) whose
  every connect, read and write waits at most what is left until the deadline in
  ``_DEADLINE``. That is a context variable, so each thread (and each body read, wherever it
  happens) sees the deadline of its own request, and code that shares the pool without setting
  one is unaffected.
- Async: the awaited I/O is cancelled at the deadline (``asyncio.timeout``), which works the
  same with httpx's transport, ``AiohttpTransport`` or any other.

Both raise ``AttemptTimeout`` (an ``httpx.TimeoutException``) or httpx's own timeouts, so the
client maps an expired deadline like any other timeout.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable
from contextvars import ContextVar, Token
from typing import TypeVar

import httpx

__all__ = ["AttemptTimeout", "deadline", "time_left", "within"]

T = TypeVar("T")

_DEADLINE: ContextVar[float | None] = ContextVar("ccx_io_deadline", default=None)


class AttemptTimeout(httpx.TimeoutException):
    """The I/O of an attempt was cut off at its deadline."""


class deadline:
    """Sync I/O of the SDK's pools in this block ends within ``seconds`` (``None``: no limit).

    A class rather than a generator: it runs on every attempt and every stream read.
    """

    __slots__ = ("_seconds", "_token")

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._token: Token[float | None] | None = None

    def __enter__(self) -> None:
        if self._seconds is not None:
            self._token = _DEADLINE.set(time.monotonic() + self._seconds)

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _DEADLINE.reset(self._token)


def time_left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left until the deadline; raises once it has passed."""
    until = _DEADLINE.get()
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise error("the attempt's deadline passed")
    return left if timeout is None else min(timeout, left)


async def within(seconds: float | None, awaitable: Awaitable[T], request: httpx.Request) -> T:
    """``await awaitable`` in this task, cut off after ``seconds`` with ``AttemptTimeout``.

    Python 3.10 has no ``asyncio.timeout``, and ``asyncio.wait_for`` would move the await to
    another task (aiohttp then drops data it buffered before a connection closed): there, the
    cancel scope is anyio's, which httpx already depends on.
    """
    if seconds is None:
        return await awaitable
    try:
        if sys.version_info >= (3, 11):
            import asyncio  # deferred: sync programs never load asyncio

            async with asyncio.timeout(seconds):
                return await awaitable
        else:  # pragma: no cover - Python 3.10
            import anyio

            with anyio.fail_after(seconds):
                return await awaitable
    except TimeoutError:
        raise AttemptTimeout("the attempt's deadline passed", request=request) from None
