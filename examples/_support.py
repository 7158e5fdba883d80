"""What the examples share and your own program would not need: a local API and loopback servers.

The examples talk to CCX exactly as production code does: ``ccx.CCX()`` reads ``CCX_API_KEY``
and ``CCX_BASE_URL``. `local_api` fills those in with the bundled mock server, started in this
process, unless you set them yourself (to a ``ccx-mock`` you run, or to your sandbox).
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

import ccx
import ccx.webhooks
from ccx.mock import MockConfig, MockServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from ccx.types import Event, TemplateInputParam

__all__ = [
    "ORDER_CONFIRMATION",
    "READS",
    "WEBHOOK_PATH",
    "WebhookInbox",
    "local_api",
    "selftest",
    "serve_asgi",
    "serve_wsgi",
]

READS = "+15550000001"
"""A magic sandbox recipient whose messages are delivered, then read."""
ORDER_CONFIRMATION: TemplateInputParam = {
    "name": "order_confirmation",
    "language": "pt_BR",
    "variables": {"1": "Maria", "2": "#A8492", "3": "R$ 349,90"},
}
"""The approved template of the docs (and of the mock's demo workspace)."""
MOCK_CLOCK_START = "2026-11-20T00:00:00Z"
"""Where the bundled mock's clock starts: the examples' dates stay in its future on any day."""
WEBHOOK_PATH = "/webhooks/ccx"
_WAIT_SECONDS = 10.0

if "--selftest" in sys.argv[1:]:
    # The framework helpers refuse to start without a webhook secret, and the selftest learns
    # the endpoint's only once the app serves (the endpoint needs the app's URL). They read it
    # on every request, so a stand-in lets the app start; `selftest` then sets the real one.
    os.environ.setdefault("CCX_WEBHOOK_SECRET", "whsec_selftest_stand_in")


@contextlib.contextmanager
def local_api(config: MockConfig | None = None) -> Generator[str, None, None]:
    """Point ``ccx.CCX()`` at an API and yield its URL.

    That is ``CCX_BASE_URL`` when set, else the bundled mock server started here. A ``config``
    always starts a local mock configured so (an example that needs, say, faults on).
    """
    configured = os.environ.get("CCX_BASE_URL")
    if configured and config is None:
        print(f"Using the CCX API at {configured}")
        yield configured
        return
    with MockServer(config, clock_start=MOCK_CLOCK_START) as server:
        os.environ.update(CCX_BASE_URL=server.url, CCX_API_KEY=server.token)
        print(f"Using the bundled mock server at {server.url}")
        try:
            yield server.url
        finally:
            del os.environ["CCX_BASE_URL"], os.environ["CCX_API_KEY"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # the examples print what they receive, not an access log


@contextlib.contextmanager
def serve_wsgi(app: WSGIApplication) -> Generator[str, None, None]:
    """Serve a WSGI app on a free loopback port, in a thread; yield its base URL."""
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextlib.contextmanager
def serve_asgi(app: Any) -> Generator[str, None, None]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread; yield its base URL."""
    import uvicorn

    # Bound and listening before the server starts: requests wait in the backlog meanwhile.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]})
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        listener.close()


def _wait_for_event(events: queue.Queue[Event], event_type: str, message_id: str) -> Event:
    """The first ``event_type`` event about ``message_id`` to arrive, skipping the others."""
    deadline = time.monotonic() + _WAIT_SECONDS
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if event.event == event_type and getattr(event.data, "message_id", None) == message_id:
            return event
    raise SystemExit(f"No {event_type} webhook for {message_id} within {_WAIT_SECONDS:g} s.")


class WebhookInbox:
    """A minimal webhook receiver (a WSGI app): verifies every delivery, queues what it accepts.

    With a web framework, use its helper instead: see ``webhooks_fastapi.py`` and friends.
    """

    def __init__(self) -> None:
        self.secret = ""
        """The endpoint's signing secret (``whsec_…``), set once the endpoint exists."""
        self.events: queue.Queue[Event] = queue.Queue()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            # The raw bytes, exactly as received: re-serialised JSON would not match.
            event = ccx.webhooks.verify(
                body, {"CCX-Signature": environ.get("HTTP_CCX_SIGNATURE")}, self.secret
            )
        except ccx.webhooks.WebhookVerificationError as error:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [str(error).encode()]
        self.events.put(event)
        start_response("204 No Content", [])
        return []

    def wait_for(self, event_type: str, message_id: str) -> Event:
        return _wait_for_event(self.events, event_type, message_id)


def selftest(webhook_url: str, events: queue.Queue[Event]) -> None:
    """Have a local mock deliver a signed webhook to the app at ``webhook_url``; exit 1 if unseen.

    The app reads its secret from ``CCX_WEBHOOK_SECRET``, as it would in production; a forged
    request must be answered 400.
    """
    with MockServer(clock_start=MOCK_CLOCK_START) as server, server.client() as client:
        endpoint = client.webhook_endpoints.create(url=webhook_url, events=["message.delivered"])
        os.environ["CCX_WEBHOOK_SECRET"] = endpoint.secret
        message = client.messages.send(to=READS, channel="whatsapp", template=ORDER_CONFIRMATION)
        client.test_helpers.clock.advance(seconds=2)  # the mock's delivery receipt comes after 1 s
        event = _wait_for_event(events, "message.delivered", message.id)
        forged = httpx.post(webhook_url, content=b"{}", headers={"CCX-Signature": "t=1,v1=00"})
        if forged.status_code != 400:
            sys.exit(f"selftest failed: a forged webhook was answered {forged.status_code}")
    print(f"selftest passed: {event.event} for {message.id} verified; a forged request got 400")
