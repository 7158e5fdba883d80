"""The httpx client (connection pool) behind a ``CCX`` or ``AsyncCCX`` and its copies.

A client created before ``os.fork()`` (gunicorn ``--preload``, Celery's prefork pool,
``multiprocessing`` with fork) must not share the parent's sockets: two processes reading one
connection read each other's responses. So the pool remembers the process that created it, and
a call from another process opens a fresh one. The inherited pool is left alone: closing it
could end or corrupt connections the parent still uses (an event loop's selector, a TLS
session), so its sockets are released when the child drops it.

An ``AsyncCCX`` pool also belongs to one event loop. When a call comes from a new loop because
the old one was closed (``asyncio.run()`` twice, a test framework's loop per test), a fresh
pool is opened; while the old loop still runs, sharing the pool with it is refused. Its sockets
can be closed only on their own loop, so a pool the SDK opened closes itself when that loop
shuts down (``asyncio.run()`` ending, a test framework closing its loop), as asyncio closes the
loop's async generators: by then another loop cannot close it, and its sockets would be left to
the garbage collector.

The SDK can reopen only what it built. An ``http_client=`` or ``transport=`` of yours may hold
connections the SDK cannot see or recreate, so using it from a forked child or on a second
event loop raises ``ConfigurationError`` instead of risking crossed responses.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Generic, Protocol, TypeVar

from ._exceptions import ClientClosedError, ConfigurationError

__all__ = ["Loop", "Pool"]

C = TypeVar("C")


class Loop(Protocol):
    """What the pool needs of an event loop."""

    def is_closed(self) -> bool: ...


_reopening = threading.Lock()


def _after_fork_in_child() -> None:
    # The lock may have been held by another thread of the parent at the moment of the fork.
    global _reopening  # noqa: PLW0603 - replaced only in a new process
    _reopening = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

_inherited: list[object] = []
"""Loop-end closers left behind in a forked child: kept, so they never run there on a loop
that belongs to the parent process."""


class Pool(Generic[C]):
    """One httpx client per process (and event loop), shared by a client and its copies."""

    def __init__(
        self,
        open: Callable[[], C],
        *,
        owned: bool,
        reopenable: bool,
        kind: str,
        aclose: Callable[[C], Awaitable[object]] | None = None,
    ) -> None:
        """``open`` gives the httpx client. ``owned``: the SDK built it, so ``close()`` closes
        it. ``reopenable``: calling ``open`` again gives an independent one (not so for an
        ``http_client=`` or ``transport=`` of the user's). ``aclose`` closes an async one; an
        owned one opened on an event loop is closed with it when the loop shuts down."""
        self._open = open
        self._aclose = aclose
        self._closer: AsyncGenerator[None, None] | None = None
        self.owned = owned
        """The SDK built the httpx client: nobody else has hooks, auth or cookies on it."""
        self._reopenable = reopenable
        self._kind = kind
        self._client: C | None = None
        """Opened by the first call: creating a client loads no connection machinery."""
        self._process = os.getpid()
        """The process the pool belongs to, from its creation on, opened or not."""
        self._loop: Loop | None = None
        self.closed = False

    def current(self, loop: Loop | None = None) -> C:
        """The httpx client for this process and ``loop``, opened anew if need be."""
        if self.closed:
            raise ClientClosedError(
                f"This {self._kind} was closed (close(), or the end of its with block): "
                f"create a new {self._kind} to make more calls."
            )
        client = self._client
        if (
            client is not None
            and self._process == os.getpid()
            and (self._loop is loop or self._loop is None)
        ):
            self._loop = loop
            return client
        with _reopening:
            if self._process != os.getpid():
                return self._reopen("was created in another process (before os.fork())", loop)
            if self._loop is not None and self._loop is not loop:
                if not self._loop.is_closed():
                    raise ConfigurationError(
                        f"This {self._kind} is in use on another event loop that is still "
                        f"running: create one {self._kind} per event loop (per thread)."
                    )
                return self._reopen("was used on an event loop that is now closed", loop)
            client = self._client if self._client is not None else self._opened(loop)
            self._client = client
            self._loop = loop
            return client

    def _opened(self, loop: Loop | None) -> C:
        client = self._open()
        if loop is not None and self.owned and self._aclose is not None:
            if self._closer is not None and self._process != os.getpid():
                _inherited.append(self._closer)
            self._closer = _close_at_loop_end(self._aclose, client, self._forget)
        return client

    def _forget(self, client: C) -> None:
        """Drops ``client``, closed with its loop: a call after that opens another."""
        if self._client is client:
            self._client = None

    def _reopen(self, why: str, loop: Loop | None) -> C:
        if not self._reopenable:
            raise ConfigurationError(
                f"This {self._kind} {why}, and its http_client= or transport= is yours: the "
                "SDK cannot open a fresh one, and sharing its connections would mix up "
                f"responses. Create the {self._kind} where it is used (after the fork, inside "
                "the event loop), or let it build its own connection pool."
            )
        client = self._client = self._opened(loop)
        self._process = os.getpid()
        self._loop = loop
        return client

    def close(self, loop: Loop | None = None) -> C | None:
        """Marks the pool closed; returns the httpx client for the caller to close, unless it
        is the user's, or belongs to another process or event loop (it cannot be closed here)."""
        self.closed = True
        if self._client is None or not self.owned or self._process != os.getpid():
            return None
        if self._loop is not None and loop is not None and self._loop is not loop:
            return None
        return self._client


def _close_at_loop_end(
    aclose: Callable[[C], Awaitable[object]], client: C, forget: Callable[[C], None]
) -> AsyncGenerator[None, None]:
    """An async generator, started on the running loop, that closes ``client`` when the loop
    shuts down its async generators (``asyncio.run()`` ending, a test framework's teardown).

    It is run to its ``yield`` here, so the loop tracks it from this call on.
    """

    async def closer() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            forget(client)
            await aclose(client)

    generator = closer()
    with contextlib.suppress(StopIteration):  # raised when it reaches its yield
        generator.asend(None).send(None)
    return generator
