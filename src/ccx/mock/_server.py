"""`MockServer`: the mock on a real loopback socket, in a background thread, for tests and demos.

```python
with MockServer(clock=FrozenClock("2026-11-20T00:00:00Z")) as server:
    client = server.client()
    client.messages.send(...)
    server.advance(60)  # every workspace's clock: fire what falls due in the next minute
```
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
import weakref
from collections.abc import Coroutine
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import uvicorn
from typing_extensions import Self

from ._app import create_app, mock_state
from ._clock import ClockStart, clock_start_seconds
from ._config import MockConfig
from ._demo import DEMO_TOKEN, OTHER_TOKEN
from ._faults import quiet_injected_drops
from ._http import server_config
from ._state import MockState

if TYPE_CHECKING:
    from ccx._client import CCX, AsyncCCX

    from ._clock import Clock
    from ._delivery import DeliveryAttempt

__all__ = ["MockServer", "listening_socket"]

_T = TypeVar("_T")
_START_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.005
_BACKLOG = 2048
"""uvicorn's own default backlog."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket for uvicorn (port 0: a free one), IPv4 or IPv6 as ``host`` says.

    Listening already, so a client that connects before the server runs waits in the backlog
    instead of being refused.
    """
    family, kind, protocol, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )[0]
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every small response waits ~40 ms on Nagle and delayed ACKs.
    listener = socket.socket(family, kind, protocol)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(_BACKLOG)
    return listener


class MockServer:
    """A running mock API on ``127.0.0.1`` and a free port; a context manager.

    ``token`` is the demo workspace's all-scopes sandbox token, ``second_token`` the other
    workspace's, for tenancy tests. Each workspace has its own clock: ``clock`` is the demo
    workspace's (the one given as ``clock=``, a `FrozenClock` for deterministic tests; the
    other workspace starts from a copy of it), and ``advance`` moves every workspace's clock
    and returns once everything that fell due has run. ``clock_start``
    (``"2026-11-20T00:00:00Z"``, an aware datetime or unix seconds) sets where the clocks
    start, so dated examples behave the same on any day.
    """

    def __init__(
        self,
        config: MockConfig | None = None,
        *,
        clock: Clock | None = None,
        clock_start: ClockStart | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seed_demo: bool = True,
        access_log: bool = False,
    ) -> None:
        self.config = config or MockConfig()
        if clock_start is not None:
            self.config = dataclasses.replace(
                self.config, clock_start=clock_start_seconds(clock_start)
            )
        self.app = create_app(self.config, clock=clock, seed_demo=seed_demo)
        self._socket = listening_socket(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(
            server_config(
                self.app,
                self.config,
                log_level="warning",
                access_log=access_log,
                shutdown_seconds=1,
            )
        )
        quiet_injected_drops()  # after uvicorn set up its loggers
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._clients: weakref.WeakSet[CCX] = weakref.WeakSet()
        """The sync clients handed out by ``client()``: closed when the server stops."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> MockState:
        return mock_state(self.app)

    @property
    def token(self) -> str:
        return self.config.sandbox_token or DEMO_TOKEN

    @property
    def second_token(self) -> str:
        return OTHER_TOKEN

    @property
    def clock(self) -> Clock:
        """The demo workspace's clock: the one the demo token's requests (and clients) run on."""
        return self.state.clock

    @property
    def deliveries(self) -> list[DeliveryAttempt]:
        """The webhook POSTs every workspace kept, in the order they were made (a copy).

        Each workspace keeps its latest ``MockConfig.delivery_attempt_limit`` attempts, for 30
        days on its clock.
        """
        attempts = [
            attempt
            for workspace in self.state.workspaces.values()
            for attempt in workspace.deliveries.attempts
        ]
        return sorted(attempts, key=lambda attempt: attempt.order)

    def start(self) -> Self:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self._run, name="ccx-mock-server", daemon=True)
        self._thread.start()
        ready = self._ready.wait(_START_TIMEOUT_SECONDS)
        if not ready or self._failure is not None or not self._server.started:
            self.stop()
            raise RuntimeError(f"the mock server did not start on {self.url}") from self._failure
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported to the starting thread
            self._failure = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        serving = asyncio.ensure_future(self._server.serve(sockets=[self._socket]))
        # uvicorn offers a flag, not an event, for "listening": poll it briefly.
        while not self._server.started and not serving.done():
            await asyncio.sleep(_POLL_SECONDS)
        self._ready.set()
        await serving

    def stop(self) -> None:
        """Shut the server down (running the app's shutdown) and wait for its thread.

        The clients ``client()`` made are closed first, so a test that used one without a
        ``with`` block leaves no socket to the garbage collector."""
        for client in list(self._clients):
            client.close()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._socket.close()

    def run(self, coroutine: Coroutine[Any, Any, _T], timeout: float | None = 60.0) -> _T:
        """Run ``coroutine`` on the server's event loop (where its state lives) and wait."""
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("the mock server is not running; use it as a context manager")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def advance(self, seconds: float) -> None:
        """Move every workspace's clock forward, firing and settling everything that falls due."""
        self.run(self.state.advance(seconds))

    def next_due_in(self) -> float | None:
        """Clock seconds until the soonest timer of any workspace; None when nothing is set."""

        async def read() -> float | None:
            return self.state.next_due_in()  # on the server's loop, which owns the timers

        return self.run(read())

    def client(self, **options: Any) -> CCX:
        """A `ccx.CCX` pointed at this server with the demo token (override with options),
        closed when the server stops if not before."""
        from ccx._client import CCX

        client = CCX(**self._client_options(options))
        self._clients.add(client)
        return client

    def async_client(self, **options: Any) -> AsyncCCX:
        """A `ccx.AsyncCCX` like `client()`; its connections close with the event loop it is
        used on, or with ``async with``."""
        from ccx._client import AsyncCCX

        return AsyncCCX(**self._client_options(options))

    def _client_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"api_key": self.token, "base_url": self.url, **options}

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
