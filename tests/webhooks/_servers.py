"""Serve a real framework app on a loopback socket for the length of a ``with`` block.

The listening socket is bound before the server thread starts, so requests queue in its backlog
until the server accepts them: no waiting for readiness, no sleeping.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import uvicorn
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

SECRET = "whsec_receiver_3f9a1c7e5b2d4f60"


def event_body(event_type: str = "message.delivered", **data: Any) -> bytes:
    """A webhook body as CCX sends it: an envelope around the subject's fields."""
    envelope = {
        "id": "evt_0xK91A",
        "object": "event",
        "event": event_type,
        "created_at": "2026-04-22T14:20:12Z",
        "api_version": "2026-11-01",
        "trace_id": None,
        "data": {"message_id": "msg_0xK91A", "to": "+5511999990000", **data},
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


@contextlib.contextmanager
def serve_asgi(app: Any) -> Generator[str, None, None]:
    """Run ``app`` under uvicorn in a thread; yield its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        listener.close()


@contextlib.contextmanager
def serve_wsgi(app: WSGIApplication) -> Generator[str, None, None]:
    """Run ``app`` under werkzeug's server in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
