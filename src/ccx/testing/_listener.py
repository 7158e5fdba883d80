"""An HTTP listener on loopback that hands every POST to a function: what webhooks arrive at."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeAlias, cast

from typing_extensions import Self, override

__all__ = ["Answer", "WebhookListener"]

Answer: TypeAlias = Callable[[str, Mapping[str, str], bytes], "int | None"]
"""``(path, headers, body) -> status``: header names in lower case, the body as received; None
closes the connection without an answer, as a crashed receiver would."""

_SHUTDOWN_POLL_SECONDS = 0.05


class _Server(ThreadingHTTPServer):
    answer: Answer


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        status = cast("_Server", self.server).answer(self.path, headers, body)
        if status is None:
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    @override
    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # the callers record deliveries themselves, not an access log on stderr


class WebhookListener:
    """A real HTTP server on ``host`` (loopback by default) answering POSTs with a function.

    It is bound and listening from construction, so ``url`` is known at once and a POST made
    before it serves waits in the socket's backlog: register the URL first, serve after. Serve
    on a thread of its own with `start`, or on this one with `serve_forever` (Ctrl-C ends it).
    Use it as a context manager, which stops it and closes the socket.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._thread: threading.Thread | None = None
        self._serving = False
        address, bound_port = self._server.server_address[:2]
        self.url = f"http://{address!s}:{bound_port}"
        """Where it listens, without a path (the function gets the path of each POST)."""

    def start(self, answer: Answer) -> Self:
        """Serve on a background thread until `stop`."""
        if self._thread is None:
            self._serving = True
            self._thread = threading.Thread(
                target=self._serve, args=(answer,), name="ccx-webhook-listener", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self, answer: Answer) -> None:
        """Serve on this thread until `stop` is called from another, or Ctrl-C."""
        self._serving = True
        self._serve(answer)

    def _serve(self, answer: Answer) -> None:
        self._server.answer = answer
        try:
            self._server.serve_forever(poll_interval=_SHUTDOWN_POLL_SECONDS)
        finally:
            self._serving = False

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._serving:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @override
    def __repr__(self) -> str:
        return f"WebhookListener(url={self.url!r}, serving={self._serving})"
